// Golden tests on the cross-compiled fixtures (scripts/build-fixtures): every target
// (x86-64, AArch64, ARM and Thumb, MIPS LE and BE; glibc and musl; dynamic, static,
// stripped) loads with its libraries, binds every import and maps every PLT stub.
#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "analysis/computed_addresses.h"
#include "cfg/code_ranges.h"
#include "program/program.h"
#include "support/plt_oracle.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

struct Fixture {
  std::string target;  ///< e.g. "armhf-glibc-thumb"
  std::string binary;  ///< e.g. "threads-static"
  nlohmann::json description;  ///< the target's target.json
};

fs::path fixtures_dir() { return fs::path(SYSFENCE_CACHE_DIR) / "fixtures"; }

std::vector<Fixture> all_fixtures() {
  std::vector<Fixture> out;
  std::error_code ec;
  for (const auto& target : fs::directory_iterator(fixtures_dir(), ec)) {
    std::ifstream in(target.path() / "target.json");
    if (!in) continue;
    auto description = nlohmann::json::parse(in);
    for (const auto& file : fs::directory_iterator(target.path())) {
      if (file.path().filename() == "target.json") continue;
      out.push_back({target.path().filename().string(), file.path().filename().string(), description});
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.target, a.binary) < std::tie(b.target, b.binary);
  });
  return out;
}

TEST(Fixtures, EveryTargetIsBuilt) {
  std::set<std::string> targets;
  for (const auto& f : all_fixtures()) targets.insert(f.target);
  for (const char* target : {"x86_64-glibc", "x86_64-musl", "aarch64-glibc", "aarch64-musl", "armhf-glibc-arm",
                             "armhf-glibc-thumb", "armhf-musl", "mipsel-glibc", "mipsel-musl", "mips-glibc"}) {
    EXPECT_TRUE(targets.count(target)) << target << " missing from " << fixtures_dir()
                                       << ": run scripts/build-fixtures";
  }
}

class FixtureTest : public ::testing::TestWithParam<Fixture> {};

TEST_P(FixtureTest, LoadsBindsAndMapsStubs) {
  const Fixture& f = GetParam();
  const fs::path path = fixtures_dir() / f.target / f.binary;
  program::Sysroot root(f.description["sysroot"].get<std::string>());
  Diagnostics diagnostics;
  auto program = program::Program::load(root, path.string(), diagnostics);
  ASSERT_TRUE(program) << program.error().message;
  EXPECT_TRUE(diagnostics.warnings().empty()) << diagnostics.warnings()[0];

  const auto& header = program->modules()[0].elf().header();
  const std::string arch = f.description["arch"];
  EXPECT_EQ(program->backend().name(), arch);
  EXPECT_EQ(header.bits, arch == "x86_64" || arch == "aarch64" ? 64 : 32);
  EXPECT_EQ(header.order, arch == "mips" ? ByteOrder::Big : ByteOrder::Little);

  const bool is_static = f.binary.find("-static") != std::string::npos;
  if (is_static) {
    EXPECT_EQ(program->modules().size(), 1u);
    EXPECT_EQ(program->interpreter_index(), -1);
  } else {
    // glibc: program, libc, loader. musl: program and libc, which is also the loader.
    // (Besides the NSS services a sysroot's /etc/nsswitch.conf makes glibc load later.)
    const auto by_needed = std::count_if(program->modules().begin(), program->modules().end(),
                                         [](const auto& m) { return m.loaded_at_run_time.empty(); });
    EXPECT_EQ(static_cast<size_t>(by_needed), f.description["libc"] == "musl" ? 2u : 3u);
    EXPECT_GE(program->interpreter_index(), 1);
  }
  EXPECT_TRUE(program->missing().empty());
  if (f.binary.find("-stripped") != std::string::npos) {
    EXPECT_TRUE(program->modules()[0].elf().symbols().empty());
  }
  for (const auto& module : program->modules()) {
    for (const auto& import : module.imports) {
      const auto& symbol = module.elf().dynamic_symbols()[import.symbol];
      if (symbol.binding != STB_WEAK) {
        EXPECT_TRUE(import.definition) << module.path << ": " << symbol.name;
      }
    }
  }
  testing::expect_plt_stubs_match_oracle(*program);
}

// dispatch.c's `table` of function pointers sits in .data.rel.ro, and its address is
// built in two instructions where code builds addresses that way (adrp + add, GOT page
// + addiu): the scan of the whole program finds it. x86-64 forms
// addresses in one instruction: it learns nothing there.
TEST(Fixtures, TheScanOfAllCodeFindsTheAddressOfATable) {
  for (const char* target : {"aarch64-glibc", "mipsel-glibc", "mips-glibc", "x86_64-glibc"}) {
    std::ifstream in(fixtures_dir() / target / "target.json");
    ASSERT_TRUE(in) << target << " is not built: run scripts/build-fixtures";
    program::Sysroot root(nlohmann::json::parse(in)["sysroot"].get<std::string>());
    Diagnostics diagnostics;
    auto program = program::Program::load(root, (fixtures_dir() / target / "dispatch").string(), diagnostics);
    ASSERT_TRUE(program) << program.error().message;
    const program::Module& module = program->modules()[0];
    const arch::Backend& backend = program->backend();
    auto lifter = backend.make_lifter();
    ASSERT_TRUE(lifter);
    const analysis::MemoryView memory(module, backend);
    const cfg::FunctionIndex index(module, backend, diagnostics);
    const auto addresses = analysis::computed_data_addresses(
        module, backend, **lifter, memory, index, backend.global_pointer(module.elf(), cfg::code_ranges(module.elf())));
    const auto table = std::find_if(module.elf().symbols().begin(), module.elf().symbols().end(),
                                    [](const elf::Symbol& s) { return s.name == "table"; });
    ASSERT_NE(table, module.elf().symbols().end()) << target;
    if (backend.conventions().addresses_in_one_instruction) {
      EXPECT_TRUE(addresses.empty()) << target;
      continue;
    }
    EXPECT_TRUE(std::binary_search(addresses.begin(), addresses.end(), table->value)) << target;
    for (uint64_t a : addresses) EXPECT_TRUE(memory.is_data(a)) << target << std::hex << " 0x" << a;
  }
}

INSTANTIATE_TEST_SUITE_P(CrossCompiled, FixtureTest, ::testing::ValuesIn(all_fixtures()), [](const auto& info) {
  std::string name = info.param.target + "_" + info.param.binary;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
});

}  // namespace
}  // namespace sysfence
