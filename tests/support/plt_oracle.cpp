#include "support/plt_oracle.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "support/run_command.h"

namespace sysfence::testing {
namespace {

/// Address → name of every `<name@plt>` label the cross objdump prints for `path`.
std::map<uint64_t, std::string> objdump_plt_labels(const std::string& arch, const std::string& path) {
  const std::map<std::string, std::string> tool = {{"x86_64", "/usr/bin/x86_64-linux-gnu-objdump"},
                                                   {"aarch64", "/usr/bin/aarch64-linux-gnu-objdump"},
                                                   {"arm", "/usr/bin/arm-linux-gnueabihf-objdump"}};
  auto result = run_command({tool.at(arch), "-d", "-j", ".plt", "-j", ".plt.sec", "-j", ".plt.got", path});
  std::map<uint64_t, std::string> labels;
  static const std::regex label(R"(^([0-9a-f]+) <(.+)@plt>:$)");
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, label)) labels[std::stoull(m[1], nullptr, 16)] = m[2];
  }
  // A bare "*ABS*" label is the AArch64 TLS-descriptor trampoline, not an import.
  std::erase_if(labels, [](const auto& entry) { return entry.second == "*ABS*"; });
  return labels;
}

void expect_mips_stubs(const program::Module& module, const std::map<uint64_t, std::string>& ours) {
  const auto& symbols = module.elf().dynamic_symbols();
  for (uint32_t i = 1; i < symbols.size(); ++i) {
    if (!symbols[i].is_undefined() || symbols[i].value == 0 || symbols[i].type != STT_FUNC) continue;
    auto it = ours.find(symbols[i].value);
    EXPECT_TRUE(it != ours.end() && it->second == symbols[i].name)
        << module.path << ": no stub for " << symbols[i].name << " at " << std::hex << symbols[i].value;
  }
}

}  // namespace

void expect_plt_stubs_match_oracle(const program::Program& program) {
  const std::string arch(program.backend().name());
  for (const auto& module : program.modules()) {
    const auto& symbols = module.elf().dynamic_symbols();
    // objdump names an ifunc entry after its resolver: "*ABS*+0x31c20".
    std::map<uint64_t, std::string> ours;
    for (const auto& stub : module.plt_stubs) {
      ours[stub.address] = stub.resolver ? fmt::format("*ABS*+{:#x}", *stub.resolver) : symbols[stub.symbol].name;
    }
    if (arch == "mips" || arch == "mipsel") {
      expect_mips_stubs(module, ours);
      continue;
    }
    auto labels = objdump_plt_labels(arch, module.loaded.file.path());
    for (const auto& [address, name] : labels) {
      auto it = ours.find(address);
      EXPECT_TRUE(it != ours.end() && it->second == name.substr(0, name.find('@')))
          << module.path << ": objdump has " << name << "@plt at " << std::hex << address << ", we have "
          << (it == ours.end() ? "nothing" : it->second);
    }
  }
}

}  // namespace sysfence::testing
