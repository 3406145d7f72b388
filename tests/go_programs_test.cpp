// Go programs (fixtures/go, built by scripts/build-fixtures with Debian's Go for the four
// ISAs' ports): the build info Go's linker writes is read with and without symbols and
// section headers, and in the pointer layout of Go before 1.18; the function table
// (.gopclntab) gives every function with and without symbols; a Go program's profile is
// reported incomplete, never passed off as whole.
#include "elf/go_build_info.h"

#include <elf.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <vector>

#include "cfg/go_function_table.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

const char* const kGoArches[] = {"amd64", "arm64", "arm", "mipsle"};
constexpr const char* kFixturePath = "sysfence.test/fixtures/hello";

fs::path go_fixture(const std::string& goarch, const std::string& name = "hello") {
  return fs::path(SYSFENCE_CACHE_DIR) / "fixtures" / "go" / goarch / name;
}

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path << " is not built: run scripts/build-fixtures";
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::optional<elf::GoBuildInfo> build_info_of(const std::vector<uint8_t>& bytes, const std::string& name) {
  auto file = elf::ElfFile::parse(bytes, name);
  EXPECT_TRUE(file) << file.error().message;
  return file ? elf::read_go_build_info(*file) : std::nullopt;
}

TEST(GoPrograms, TheBuildInfoOfEveryPortIsRead) {
  for (const char* goarch : kGoArches) {
    for (const char* name : {"hello", "hello-stripped"}) {
      const auto info = build_info_of(read_bytes(go_fixture(goarch, name)), name);
      ASSERT_TRUE(info) << goarch << " " << name;
      EXPECT_TRUE(info->version.starts_with("go1.")) << info->version;
      EXPECT_EQ(info->path, kFixturePath) << goarch;
      EXPECT_EQ(info->settings.at("GOARCH"), goarch);
      EXPECT_EQ(info->settings.at("CGO_ENABLED"), "0");
      EXPECT_FALSE(info->cgo) << goarch;
    }
  }
}

TEST(GoPrograms, ProgramsOtherThanGoAreNot) {
  const auto bytes =
      read_bytes(fs::path(SYSFENCE_CACHE_DIR) / "fixtures" / "x86_64-glibc" / "wrappers-static");
  EXPECT_FALSE(build_info_of(bytes, "wrappers-static"));
}

TEST(GoPrograms, TheFunctionTableListsEveryGoFunctionWithAndWithoutSymbols) {
  for (const char* goarch : kGoArches) {
    const std::vector<uint8_t> bytes = read_bytes(go_fixture(goarch)),
                               stripped_bytes = read_bytes(go_fixture(goarch, "hello-stripped"));
    auto file = elf::ElfFile::parse(bytes, "hello");
    auto stripped = elf::ElfFile::parse(stripped_bytes, "hello-stripped");
    ASSERT_TRUE(file && stripped) << goarch;
    ASSERT_TRUE(stripped->symbols().empty()) << goarch << ": -s -w kept the symbols";
    Diagnostics diagnostics;
    const auto functions = cfg::read_go_functions(*file, diagnostics);
    EXPECT_TRUE(diagnostics.warnings().empty()) << diagnostics.warnings().front();
    ASSERT_GT(functions.size(), 1000u) << goarch;

    // Every function starts where a function symbol does, which is no larger than the
    // table's extent (that runs to the next entry, padding included). The names differ in
    // places: assembly functions' symbols add ".abi0", and the table shortens array types
    // in generated names to "[...]".
    std::map<uint64_t, const elf::Symbol*> symbols;
    for (const elf::Symbol& symbol : file->symbols()) {
      if (symbol.type == STT_FUNC) symbols[symbol.value] = &symbol;
    }
    std::set<std::string> names;
    size_t same_names = 0;
    for (const cfg::GoFunction& f : functions) {
      names.insert(f.name);
      auto symbol = symbols.find(f.entry);
      ASSERT_NE(symbol, symbols.end()) << goarch << ": " << f.name;
      EXPECT_LE(symbol->second->size, f.size) << goarch << ": " << f.name;
      same_names += symbol->second->name == f.name || symbol->second->name == f.name + ".abi0";
    }
    EXPECT_GT(same_names, functions.size() * 95 / 100) << goarch;
    EXPECT_TRUE(names.count("main.main") && names.count("runtime.rt0_go") && names.count("syscall.Syscall"));

    // Stripped of its symbols, the program keeps the table: the same functions.
    const auto kept = cfg::read_go_functions(*stripped, diagnostics);
    ASSERT_EQ(kept.size(), functions.size()) << goarch;
    for (size_t i = 0; i < kept.size(); ++i) {
      EXPECT_EQ(kept[i].name, functions[i].name);
      EXPECT_EQ(kept[i].entry, functions[i].entry);
    }
  }
}

// Go's stack ABI lays out a function's arguments and results above its entry's stack
// pointer, and the table gives their size: syscall.Syscall6 takes seven words and returns
// three, on amd64 and arm64 in registers (the table then counts the seven words its
// arguments may be spilled to); runtime.morestack, assembly, declares none.
TEST(GoPrograms, TheFunctionTableGivesTheSizeOfArgumentsAndResults) {
  for (const char* goarch : kGoArches) {
    const std::vector<uint8_t> bytes = read_bytes(go_fixture(goarch, "hello-stripped"));
    auto file = elf::ElfFile::parse(bytes, "hello-stripped");
    ASSERT_TRUE(file) << goarch;
    Diagnostics diagnostics;
    std::map<std::string, std::optional<uint32_t>> sizes;
    for (const cfg::GoFunction& f : cfg::read_go_functions(*file, diagnostics))
      sizes[f.name] = f.argument_bytes;
    const uint32_t word = file->header().bits / 8;
    const bool results_in_registers = std::string(goarch) == "amd64" || std::string(goarch) == "arm64";
    EXPECT_EQ(sizes.at("syscall.Syscall6"), std::optional<uint32_t>((results_in_registers ? 7 : 10) * word))
        << goarch;
    EXPECT_EQ(sizes.at("runtime.morestack"), std::optional<uint32_t>(0)) << goarch;
  }
}

TEST(GoPrograms, ADamagedFunctionTableGivesWhatPrecedesTheDamageAndAWarning) {
  std::vector<uint8_t> bytes = read_bytes(go_fixture("amd64", "hello-stripped"));
  auto file = elf::ElfFile::parse(bytes, "hello");
  ASSERT_TRUE(file);
  const elf::Section* table = file->find_section(".gopclntab");
  ASSERT_NE(table, nullptr);
  const size_t offset = table->offset;
  Diagnostics diagnostics;
  const size_t whole = cfg::read_go_functions(*file, diagnostics).size();

  // The third entry (32-bit offsets from the text's start, at pclnOffset) before the second.
  uint64_t functab = 0;
  std::memcpy(&functab, &bytes[offset + 8 + 7 * 8], 8);
  std::memset(&bytes[offset + functab + 2 * 8], 0, 4);
  auto reordered = elf::ElfFile::parse(bytes, "hello, reordered");
  ASSERT_TRUE(reordered);
  EXPECT_EQ(cfg::read_go_functions(*reordered, diagnostics).size(), 1u) << "of " << whole;
  ASSERT_EQ(diagnostics.warnings().size(), 1u);
  EXPECT_NE(diagnostics.warnings()[0].find("function 1 of"), std::string::npos) << diagnostics.warnings()[0];

  bytes[offset] ^= 0xff;  // a magic no Go release writes
  auto unknown = elf::ElfFile::parse(bytes, "hello, unknown layout");
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(cfg::read_go_functions(*unknown, diagnostics).empty());
  ASSERT_EQ(diagnostics.warnings().size(), 2u);
  EXPECT_NE(diagnostics.warnings()[1].find("does not know"), std::string::npos) << diagnostics.warnings()[1];
}

// Offsets of the ELF64 header fields that locate the section headers.
constexpr size_t kShoff = 0x28, kShnum = 0x3c, kShstrndx = 0x3e;

TEST(GoPrograms, WithoutSectionHeadersTheBuildInfoIsFoundInTheData) {
  std::vector<uint8_t> bytes = read_bytes(go_fixture("amd64"));
  ASSERT_GT(bytes.size(), 0x40u);
  std::memset(&bytes[kShoff], 0, 8);
  std::memset(&bytes[kShnum], 0, 2);
  std::memset(&bytes[kShstrndx], 0, 2);
  const auto info = build_info_of(bytes, "hello without section headers");
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->version.starts_with("go1."));
  EXPECT_EQ(info->path, kFixturePath);
}

void put_word(std::vector<uint8_t>& bytes, size_t at, uint64_t value) {
  for (int i = 0; i < 8; ++i) bytes[at + i] = static_cast<uint8_t>(value >> (8 * i));
}

// Go 1.13 to 1.17 wrote two pointers after the header, each to a string header (data,
// length); the build info of the amd64 fixture is rewritten that way in its own section.
TEST(GoPrograms, ThePointerLayoutOfGoBefore118IsRead) {
  std::vector<uint8_t> bytes = read_bytes(go_fixture("amd64"));
  auto file = elf::ElfFile::parse(bytes, "hello");
  ASSERT_TRUE(file) << file.error().message;
  const elf::Section* section = file->find_section(".go.buildinfo");
  ASSERT_NE(section, nullptr);
  const std::string version = "go1.17.13", modules = "path\tsysfence.test/old\nbuild\tGOARCH=amd64\n";
  ASSERT_GE(section->size, 96 + version.size() + modules.size());
  const uint64_t address = section->address;
  const size_t offset = section->offset;
  bytes[offset + 15] = 0;  // flags: little endian, strings behind pointers
  put_word(bytes, offset + 16, address + 64);
  put_word(bytes, offset + 24, address + 80);
  put_word(bytes, offset + 64, address + 96);
  put_word(bytes, offset + 72, version.size());
  put_word(bytes, offset + 80, address + 96 + version.size());
  put_word(bytes, offset + 88, modules.size());
  std::memcpy(&bytes[offset + 96], version.data(), version.size());
  std::memcpy(&bytes[offset + 96 + version.size()], modules.data(), modules.size());
  const auto info = build_info_of(bytes, "hello as Go 1.17");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->version, version);
  EXPECT_EQ(info->path, "sysfence.test/old");
  EXPECT_EQ(info->settings.at("GOARCH"), "amd64");

  // A string pointer that leads out of the file leaves that string empty, nothing else.
  put_word(bytes, offset + 64, 0x7fff00000000);
  const auto damaged = build_info_of(bytes, "hello, damaged");
  ASSERT_TRUE(damaged);
  EXPECT_EQ(damaged->version, "");
  EXPECT_EQ(damaged->path, "sysfence.test/old");
}

// The profile of a Go program lacks what its Go code makes: analyze says so and exits 1
// (the profile is incomplete) unless --accept-unresolved; info shows the build info.
TEST(GoPrograms, AnalyzeReportsAGoProgramIncomplete) {
  testing::TempDir dir;
  for (const char* goarch : kGoArches) {
    const std::string profile = (dir.path() / (std::string(goarch) + ".json")).string();
    const auto strict =
        testing::run_command({SYSFENCE_BINARY, "analyze", go_fixture(goarch).string(), "-o", profile});
    EXPECT_EQ(strict.status, 1) << goarch << "\n" << strict.err;
    EXPECT_NE(strict.err.find("was linked by Go (go1."), std::string::npos) << strict.err;
    std::ifstream in(profile);
    ASSERT_TRUE(in) << goarch << ": no profile written";
    const auto json = nlohmann::json::parse(in);
    EXPECT_TRUE(std::any_of(json["unresolved"].begin(), json["unresolved"].end(),
                            [](const nlohmann::json& site) {
                              return site["reason"].get<std::string>().find("Go's runtime") !=
                                     std::string::npos;
                            }))
        << json["unresolved"].dump();

    const auto accepted = testing::run_command(
        {SYSFENCE_BINARY, "analyze", go_fixture(goarch).string(), "--accept-unresolved", "-o", profile});
    EXPECT_EQ(accepted.status, 0) << goarch << "\n" << accepted.err;
  }
  const auto info = testing::run_command({SYSFENCE_BINARY, "info", go_fixture("arm").string()});
  ASSERT_EQ(info.status, 0) << info.err;
  const auto go = nlohmann::json::parse(info.out)["go"];
  EXPECT_EQ(go["path"], kFixturePath);
  EXPECT_EQ(go["settings"]["GOARCH"], "arm");
  EXPECT_EQ(go["cgo"], false);
}

// os.ReadFile opens its file through syscall.openat, which passes SYS_OPENAT to
// syscall.Syscall6: in registers on amd64 and arm64, on the stack on arm and mipsle
// (Go's ABI0: from sp+4, which MIPS's o32 conventions alone left out), through a function
// whose start Go's stack check re-enters from code that only a panic's call, which never
// returns, runs into (runtime.panicIndex tail-calls goPanicIndex; stripped, Go's function
// table gives it the word 0 after that jump, which is padding).
TEST(GoPrograms, SyscallNumbersPassedOnTheStackAreFollowedOnEveryPort) {
  testing::TempDir dir;
  for (const char* goarch : kGoArches) {
    for (const char* name : {"hello", "hello-stripped"}) {
      const std::string profile = (dir.path() / (std::string(goarch) + name + ".json")).string();
      const auto run = testing::run_command({SYSFENCE_BINARY, "analyze", go_fixture(goarch, name).string(),
                                             "--accept-unresolved", "-o", profile});
      ASSERT_EQ(run.status, 0) << goarch << " " << name << "\n" << run.err;
      std::ifstream in(profile);
      const auto json = nlohmann::json::parse(in);
      std::set<std::string> names;
      for (const auto& syscall : json["syscalls"]) names.insert(syscall["name"].get<std::string>());
      EXPECT_TRUE(names.count("openat"))
          << goarch << " " << name << ": " << json["syscalls"].size() << " syscalls";
    }
  }
}

// A traced run of the fixture (strace on amd64, qemu-user -strace elsewhere) makes no
// call its profile denies, and on the ports where Go passes arguments on the stack the
// profile knows their values: os.ReadFile's openat passes O_RDONLY|O_LARGEFILE|O_CLOEXEC;
// the os package's start-up asks each standard descriptor for its flags (F_GETFL) with
// the number internal/syscall/unix.FcntlSyscall holds, SYS_FCNTL until an init function
// stores SYS_FCNTL64 (so the program's data pointers count: a fixed-address Go program
// keeps them as plain words).
TEST(GoPrograms, ATracedRunMakesNoCallTheProfileDeniesOnEveryPort) {
  struct Port {
    const char* goarch;
    std::vector<std::string> tracer;  ///< the command that runs the program and prints its calls on stderr
    uint64_t openat_flags = 0;        ///< the flags the profile knows, where Go passes them on the stack
  };
  const std::vector<Port> ports = {
      {"amd64", {"/usr/bin/strace", "-f", "-qq"}},
      {"arm64", {"/usr/bin/qemu-aarch64-static", "-strace"}},
      {"arm", {"/usr/bin/qemu-arm-static", "-strace"}, 0x20000 | 0x80000},  // O_LARGEFILE|O_CLOEXEC
      {"mipsle", {"/usr/bin/qemu-mipsel-static", "-strace"}, 0x2000 | 0x80000},
  };
  testing::TempDir dir;
  for (const Port& port : ports) {
    SCOPED_TRACE(port.goarch);
    const std::string program = go_fixture(port.goarch, "hello-stripped").string();
    const std::string profile = (dir.path() / (std::string(port.goarch) + ".json")).string();
    const std::string trace = (dir.path() / (std::string(port.goarch) + ".trace")).string();
    const auto analysed =
        testing::run_command({SYSFENCE_BINARY, "analyze", program, "--accept-unresolved", "-o", profile});
    ASSERT_EQ(analysed.status, 0) << port.goarch << "\n" << analysed.err;
    std::vector<std::string> traced = port.tracer;
    traced.push_back(program);
    const auto run = testing::run_command(traced);
    ASSERT_EQ(run.status, 0) << port.goarch << "\n" << run.err;
    std::ofstream(trace) << run.err;
    const auto check =
        testing::run_command({SYSFENCE_BINARY, "check", "--policy", profile, "--trace", trace});
    EXPECT_EQ(check.status, 0) << port.goarch << "\n" << check.out << check.err;

    std::ifstream in(profile);
    const auto json = nlohmann::json::parse(in);
    std::map<std::string, nlohmann::json> syscalls;
    for (const auto& syscall : json["syscalls"]) syscalls[syscall["name"].get<std::string>()] = syscall;
    if (port.openat_flags == 0) continue;
    const nlohmann::json openat_rule = {{"args", {{"2", {port.openat_flags}}}}};
    const auto& openat_rules = syscalls.at("openat")["rules"];
    EXPECT_NE(std::find(openat_rules.begin(), openat_rules.end(), openat_rule), openat_rules.end())
        << port.goarch << ": " << openat_rules.dump();
    const nlohmann::json get_flags = {{"args", {{"1", {3}}}}};  // F_GETFL
    const auto& fcntl64_rules = syscalls.at("fcntl64")["rules"];
    EXPECT_NE(std::find(fcntl64_rules.begin(), fcntl64_rules.end(), get_flags), fcntl64_rules.end())
        << port.goarch << ": " << fcntl64_rules.dump();
  }
}

}  // namespace
}  // namespace sysfence
