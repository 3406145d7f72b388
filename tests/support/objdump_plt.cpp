#include "support/objdump_plt.h"

#include <regex>
#include <sstream>

#include "support/run_command.h"

namespace sysfence::testing {

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
  return labels;
}

}  // namespace sysfence::testing
