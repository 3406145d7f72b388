// The command-line contract: exit 2 and one message naming the file for bad input.
#include <elf.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "elf/elf_file.h"
#include "support/elf_builder.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "util/file_text.h"

namespace sysfence {
namespace {

using testing::run_command;

testing::CommandResult info(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SYSFENCE_BINARY, "info"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

void expect_input_error(const testing::CommandResult& r, const std::string& file, const std::string& what) {
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << "nothing half-written on stdout: " << r.out;
  EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
}

TEST(Cli, MalformedInputsExitTwoNamingTheFile) {
  testing::TempDir dir;
  const std::string root = dir.str();
  testing::write_file(root, "empty", {});
  testing::write_file(root, "script", {'#', '!', '/', 'b', 'i', 'n', '/', 's', 'h', '\n'});
  auto valid = testing::ElfBuilder(64, ByteOrder::Little, EM_X86_64).needed("libc.so.6").build();
  testing::write_file(root, "truncated", std::vector<uint8_t>(valid.begin(), valid.begin() + 200));
  testing::write_file(root, "riscv", testing::ElfBuilder(64, ByteOrder::Little, EM_RISCV).build());
  std::filesystem::create_directories(dir.path() / "adir");

  expect_input_error(info({root + "/empty"}), "empty", "empty file");
  expect_input_error(info({root + "/script"}), "script", "not an ELF file");
  expect_input_error(info({root + "/truncated"}), "truncated", "past end of file");
  expect_input_error(info({root + "/riscv"}), "riscv", "unsupported architecture");
  expect_input_error(info({root + "/adir"}), "adir", "is a directory");
  expect_input_error(info({root + "/nonexistent"}), "nonexistent", "no such file");
  expect_input_error(info({"/bin/true", "--sysroot", root + "/empty"}), "empty", "sysroot is not a directory");
}

// Names in an ELF file need not be UTF-8; JSON text must be. They come out escaped as
// \xNN in every JSON output, never as an abort (nlohmann's type_error 316).
TEST(Cli, NamesThatAreNotUtf8AreEscaped) {
  testing::TempDir dir;
  const std::string root = dir.str();
  const std::string odd = "lib\x89\xff.so.1";
  testing::write_file(root, "odd", testing::ElfBuilder(64, ByteOrder::Little, EM_X86_64).needed(odd).soname(odd).build());
  const auto r = info({root + "/odd"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);  // valid JSON text
  EXPECT_NE(json.dump().find(R"(lib\\x89\\xff.so.1)"), std::string::npos) << r.out;
  for (const char* format : {"native", "report", "bpf", "oci", "c", "systemd"}) {
    const auto a = run_command({SYSFENCE_BINARY, "analyze", root + "/odd", "--sysroot", root, "--no-cache",
                                "--accept-unresolved", "--allow-missing", "--format", format});
    EXPECT_EQ(a.status, 0) << format << ": " << a.err;
    if (std::string(format) == "native" || std::string(format) == "oci") {
      EXPECT_TRUE(nlohmann::json::accept(a.out)) << format;
    }
  }
}

// A program whose libraries are not all in the sysroot gets no profile (it would deny
// what they make) unless --allow-missing: exit 1 naming them, nothing written.
TEST(Cli, MissingLibrariesFailUnlessAllowed) {
  testing::TempDir dir;
  const std::string root = dir.str();
  testing::write_file(root, "needy", testing::ElfBuilder(64, ByteOrder::Little, EM_X86_64).needed("libgone.so.7").build());
  const std::string out = root + "/needy.json";
  const std::vector<std::string> analyze = {SYSFENCE_BINARY, "analyze", root + "/needy", "--sysroot", root,
                                            "--no-cache", "--accept-unresolved", "-o", out};
  const auto refused = run_command(analyze);
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("libgone.so.7 (needed by /needy)"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--allow-missing"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  auto allowed = analyze;
  allowed.push_back("--allow-missing");
  const auto written = run_command(allowed);
  EXPECT_EQ(written.status, 0) << written.err;
  EXPECT_TRUE(std::filesystem::exists(out));
}

// analyze within a budget: over it, exit 1 with the reason and no profile written.
TEST(Cli, AnalyzeOverItsBudgetWritesNoProfile) {
  testing::TempDir dir;
  const std::string out = dir.str() + "/true.json";
  for (const std::vector<std::string>& budget : {std::vector<std::string>{"--timeout", "0.02"},
                                                 std::vector<std::string>{"--max-memory", "1"}}) {
    std::vector<std::string> argv = {SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved",
                                     "-o", out};
    argv.insert(argv.end(), budget.begin(), budget.end());
    const auto r = run_command(argv);
    EXPECT_EQ(r.status, 1) << budget[0] << ": " << r.err;
    EXPECT_NE(r.err.find("over its"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << budget[0];
  }
}

// A damaged size of the initialiser array (fuzzed: 2^54 bytes) once kept the analysis
// reading slots, and keeping a warning for each, until 24 GiB were gone. The loader reads
// the array in the module's memory: what lies past its loaded segments is not read.
TEST(Cli, AnInitialiserArrayIsReadOnlyAsFarAsItsFileBytesGo) {
  testing::TempDir dir;
  const std::string program = dir.str() + "/true";
  std::filesystem::copy_file("/bin/true", program);
  std::vector<uint8_t> bytes;
  {
    std::ifstream in(program, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto elf = elf::ElfFile::parse(bytes, program);
  ASSERT_TRUE(elf) << elf.error().message;
  bool patched = false;
  for (const elf::Section& s : elf->sections()) {
    if (s.type != SHT_DYNAMIC) continue;
    for (uint64_t at = s.offset; at + sizeof(Elf64_Dyn) <= s.offset + s.size; at += sizeof(Elf64_Dyn)) {
      Elf64_Dyn entry;
      std::memcpy(&entry, bytes.data() + at, sizeof entry);
      if (entry.d_tag != DT_INIT_ARRAYSZ) continue;
      entry.d_un.d_val = uint64_t{1} << 54;
      std::memcpy(bytes.data() + at, &entry, sizeof entry);
      patched = true;
    }
  }
  ASSERT_TRUE(patched) << "/bin/true has no DT_INIT_ARRAYSZ";
  std::ofstream(program, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  // The budgets turn the old behaviour into a quick failure instead of a machine's memory.
  const auto r = run_command({SYSFENCE_BINARY, "analyze", program, "--no-cache", "--accept-unresolved",
                              "--timeout", "120", "--max-memory", "2048", "-o", dir.str() + "/true.json"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("runs past the bytes its segment loads from the file"), std::string::npos) << r.err;
  EXPECT_LT(r.err.size(), 4096u) << "one warning, not one per slot";
  EXPECT_TRUE(std::filesystem::exists(dir.str() + "/true.json"));
}

// An analysis longer than two seconds (cmake, a C++ program: ~9 s) shows its progress
// when stderr is a terminal (`script` gives it one), and never in a pipe or a log file.
TEST(Cli, LongAnalysesShowProgressOnATerminal) {
  const std::string command = std::string(SYSFENCE_BINARY) +
                              " analyze /usr/bin/cmake --no-cache --no-exec-closure --accept-unresolved -o /dev/null";
  const auto terminal = run_command({"/usr/bin/script", "-qec", command, "/dev/null"});
  EXPECT_EQ(terminal.status, 0) << terminal.out;
  EXPECT_NE(terminal.out.find("functions analysed"), std::string::npos) << terminal.out;
  const auto pipe = run_command({"/bin/sh", "-c", command});
  EXPECT_EQ(pipe.status, 0) << pipe.err;
  EXPECT_EQ(pipe.err.find("functions analysed"), std::string::npos) << pipe.err;
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_command({SYSFENCE_BINARY}).status, 2);
  EXPECT_EQ(info({}).status, 2);
  EXPECT_EQ(info({"/bin/true", "--no-such-option"}).status, 2);
  auto help = run_command({SYSFENCE_BINARY, "--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("info"), std::string::npos);
}

TEST(Cli, ExplainExitCodes) {
  // The host's own /bin/true: analysable here, exits through exit_group.
  auto found = run_command({SYSFENCE_BINARY, "explain", "/bin/true", "exit_group"});
  EXPECT_EQ(found.status, 0) << found.err;
  EXPECT_NE(found.out.find("exit_group"), std::string::npos);
  auto absent = run_command({SYSFENCE_BINARY, "explain", "/bin/true", "kexec_load"});
  EXPECT_EQ(absent.status, 1) << absent.err;
  EXPECT_NE(absent.out.find("not reachable"), std::string::npos);
  auto bad = run_command({SYSFENCE_BINARY, "explain", "/bin/true", "no_such_call"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("no_such_call"), std::string::npos);
}

// explain says what a syscall's scalar arguments may be, and why they may be anything.
TEST(Cli, ExplainShowsArgumentsAndWhyTheyAreUnconstrained) {
  auto pinned = run_command({SYSFENCE_BINARY, "explain", "/bin/true", "arch_prctl"});
  ASSERT_EQ(pinned.status, 0) << pinned.err;
  EXPECT_NE(pinned.out.find("arguments: only these values"), std::string::npos) << pinned.out;
  EXPECT_NE(pinned.out.find("0: 0x1002"), std::string::npos) << pinned.out;  // ARCH_SET_FS
  // ld.so protects segments with protections read from the program headers.
  auto open = run_command({SYSFENCE_BINARY, "explain", "/bin/true", "mprotect"});
  ASSERT_EQ(open.status, 0) << open.err;
  EXPECT_NE(open.out.find("arguments: any, because the site at"), std::string::npos) << open.out;
  // Every such site and path is listed once (each must change before the profile can pin
  // the arguments).
  std::vector<std::string> paths;
  for (size_t at = open.out.find("arguments: any, because"); at != std::string::npos;) {
    const size_t next = open.out.find("arguments: any, because", at + 1);
    std::string path = open.out.substr(at, next == std::string::npos ? std::string::npos : next - at);
    EXPECT_EQ(std::count(paths.begin(), paths.end(), path), 0) << "listed twice:\n" << path;
    paths.push_back(std::move(path));
    at = next;
  }
  auto none = run_command({SYSFENCE_BINARY, "explain", "/bin/true", "getpid"});
  EXPECT_NE(none.out.find("it has no argument a filter checks"), std::string::npos) << none.out;
}

TEST(Cli, AnalyzeOutputToADeviceWritesThroughIt) {
  // -o replaces a regular file atomically, but must never rename over a device: a
  // symlink to /dev/null stays a symlink (and /dev/null a device), the profile goes in.
  testing::TempDir dir;
  const auto sink = dir.path() / "sink";
  std::filesystem::create_symlink("/dev/null", sink);
  auto r = run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "-o", sink.string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(std::filesystem::is_symlink(sink));
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
  const auto file = dir.path() / "profile.json";
  r = run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "-o", file.string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(std::filesystem::is_regular_file(file));
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));
}

// A reachable site whose number is unknown makes the profile incomplete: analyze still
// writes it, says so, and exits 1, unless the user accepts that with --accept-unresolved.
TEST(Cli, AnalyzeExitsOneWhenTheProfileHasUnresolvedSites) {
  testing::TempDir dir;
  const auto file = dir.path() / "profile.json";
  const auto strict = run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "-o", file.string()});
  ASSERT_TRUE(std::filesystem::is_regular_file(file)) << strict.err;
  const auto unresolved = nlohmann::json::parse(std::ifstream(file))["unresolved"];
  const auto accepted =
      run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "-o", file.string()});
  EXPECT_EQ(accepted.status, 0) << accepted.err;
  if (unresolved.empty()) {
    EXPECT_EQ(strict.status, 0) << strict.err;
    return;
  }
  EXPECT_EQ(strict.status, 1);
  EXPECT_NE(strict.err.find("the profile is incomplete"), std::string::npos) << strict.err;
  // The sites are named with the module they lie in.
  bool named = false;
  for (const auto& site : unresolved) named |= strict.err.find(site["module"].get<std::string>()) != std::string::npos;
  EXPECT_TRUE(named) << strict.err;
  EXPECT_NE(accepted.err.find("warning"), std::string::npos) << accepted.err;
}

// glibc's setxid signal handler reads the syscall number through the global `xidcmd`,
// which __nptl_setxid sets to its parameter: the number is resolved at its callers (the
// setuid family), and flock, which reaches it, has no unresolved site.
TEST(Cli, ANumberReadThroughAGlobalPointerIsResolved) {
  const auto r = run_command({SYSFENCE_BINARY, "analyze", "/usr/bin/flock", "--no-cache", "--no-exec-closure"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_TRUE(json["unresolved"].empty()) << json["unresolved"].dump();
  std::set<std::string> names;
  for (const auto& s : json["syscalls"]) names.insert(s["name"].get<std::string>());
  EXPECT_TRUE(names.count("setuid") && names.count("setgid")) << "the setxid numbers are missing";
}

// A global's address that a join of two paths gives up may be what a later store writes
// through: its value set is no longer known, and the site that reads it is reported
// rather than resolved to the initialiser alone (which would deny the `sync` this
// program makes). Compiled here with the native gcc, which the set-up installs.
TEST(Cli, AStoreThroughAGlobalsAddressLostAtAJoinIsNotMissed) {
  testing::TempDir dir;
  const std::string source = (dir.path() / "lost.c").string();
  std::ofstream(source) << R"(#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
static long number = SYS_getpid;
__attribute__((noinline)) void store_through(long *other, int pick, long value) {
  long *target = other;
  if (pick) {
    puts("picked");
    target = &number;
  }
  puts("storing");
  *target = value;
}
int main(int argc, char **argv) {
  (void)argv;
  long spare = 0;
  store_through(&spare, argc > 0, SYS_sync);
  return syscall(number) < 0;
}
)";
  const std::string binary = (dir.path() / "lost").string();
  const auto built = run_command({"/usr/bin/gcc", "-O2", "-o", binary, source});
  ASSERT_EQ(built.status, 0) << built.err;
  const auto r = run_command({SYSFENCE_BINARY, "analyze", binary, "--no-cache", "--no-exec-closure", "--accept-unresolved"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  bool allows_sync = false;
  for (const auto& s : json["syscalls"]) allows_sync |= s["name"] == "sync";
  EXPECT_TRUE(allows_sync || !json["unresolved"].empty()) << "sync is silently denied";
}

// Argument constraints are in the profile by default; --no-args drops every one of them
// and nothing else (the syscall-only profile, to measure what arguments add).
TEST(Cli, NoArgsKeepsTheSyscallsAndDropsTheirRules) {
  auto with = run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved"});
  auto without = run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "--no-args"});
  ASSERT_EQ(with.status, 0) << with.err;
  ASSERT_EQ(without.status, 0) << without.err;
  const auto a = nlohmann::json::parse(with.out)["syscalls"];
  const auto b = nlohmann::json::parse(without.out)["syscalls"];
  ASSERT_EQ(a.size(), b.size());
  size_t constrained = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["name"], b[i]["name"]);
    EXPECT_TRUE(b[i]["rules"].empty()) << b[i]["name"];
    if (!a[i]["rules"].empty()) ++constrained;
  }
  EXPECT_GT(constrained, 0u);  // glibc's own mmap/ioctl/fcntl calls pin some values
}

// --threads sets how many threads analyse one program (analyze-root -j runs programs side
// by side): the profile is the same whatever the number.
TEST(Cli, ThreadsChangeHowFastNotWhat) {
  const std::vector<std::string> analyze = {SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache",
                                            "--accept-unresolved"};
  std::vector<std::string> one = analyze, three = analyze;
  one.insert(one.end(), {"--threads", "1"});
  three.insert(three.end(), {"--threads", "3"});
  const auto a = run_command(one);
  const auto b = run_command(three);
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_GT(nlohmann::json::parse(a.out)["syscalls"].size(), 10u);
  EXPECT_EQ(a.out, b.out);
  std::vector<std::string> none = analyze;
  none.insert(none.end(), {"--threads", "0"});
  const auto r = run_command(none);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--threads"), std::string::npos) << r.err;
}

// The oci format allows what runc and crun do after they load the filter (runc's fstatfs
// of /proc/self/fd); --runtime none leaves them out; other formats add them when asked,
// as implied with the runtime as the reason.
TEST(Cli, OciProfilesAllowWhatTheRuntimesDoAfterLoadingTheFilter) {
  auto names_in = [](const std::string& oci) {
    std::set<std::string> names;
    const auto profile = nlohmann::json::parse(oci);
    for (const auto& entry : profile["syscalls"]) {
      for (const auto& name : entry["names"]) names.insert(name.get<std::string>());
    }
    return names;
  };
  const std::vector<std::string> analyze = {SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved",
                                            "--no-exec-closure"};
  auto with = analyze;
  with.insert(with.end(), {"--format", "oci"});
  auto without = with;
  without.insert(without.end(), {"--runtime", "none"});
  const auto a = run_command(with), b = run_command(without);
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_TRUE(names_in(a.out).count("fstatfs"));    // runc
  EXPECT_TRUE(names_in(a.out).count("setresuid"));  // crun
  EXPECT_FALSE(names_in(b.out).count("fstatfs"));

  auto native = analyze;
  native.insert(native.end(), {"--runtime", "crun"});
  const auto n = run_command(native);
  ASSERT_EQ(n.status, 0) << n.err;
  bool implied = false;
  const auto profile = nlohmann::json::parse(n.out);
  for (const auto& s : profile["syscalls"]) {
    if (s["name"] == "setresuid") implied = s.value("implied", "").find("crun 1.8.1") != std::string::npos;
  }
  EXPECT_TRUE(implied) << "setresuid is not implied by crun in the native profile";

  // The count on stderr is the profile's, runtime additions included.
  auto said_count = [](const std::string& err) {
    const std::regex said(R"(sysfence: (\d+) syscalls,)");
    std::smatch m;
    return std::regex_search(err, m, said) ? std::stoul(m[1]) : 0;
  };
  EXPECT_EQ(said_count(n.err), profile["syscalls"].size()) << n.err;
  EXPECT_GT(said_count(a.err), said_count(b.err)) << a.err << b.err;

  auto bad = analyze;
  bad.insert(bad.end(), {"--runtime", "runc,docker"});
  const auto r = run_command(bad);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("docker"), std::string::npos) << r.err;
}

// check: 0 when every traced call is allowed, 1 listing the denied ones, 2 for bad input.
TEST(Cli, CheckReplaysATraceAgainstAPolicy) {
  testing::TempDir dir;
  const std::string policy = (dir.path() / "true.json").string();
  ASSERT_EQ(run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "-o", policy}).status, 0);
  auto write = [&](const std::string& name, const std::string& text) {
    const std::string path = (dir.path() / name).string();
    std::ofstream(path) << text;
    return path;
  };
  // One format per file: JSON lines here, strace text below.
  const std::string good = write("good.trace", "{\"name\": \"exit_group\", \"args\": [0]}\n{\"name\": \"getpid\", \"args\": []}\n");
  auto r = run_command({SYSFENCE_BINARY, "check", "--policy", policy, "--trace", good});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2 allowed, 0 denied"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("BPF instructions per call:"), std::string::npos) << r.out;

  const std::string bad = write("bad.trace", "1 exit_group(0) = ?\n1 kexec_load(0, 0, 0, 0) = -1 EPERM\n");
  r = run_command({SYSFENCE_BINARY, "check", "--policy", policy, "--trace", bad});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("denied: line 2: kexec_load"), std::string::npos) << r.out;

  const std::string not_a_policy = write("junk.json", "{\"schema\": \"something-else\"}");
  expect_input_error(run_command({SYSFENCE_BINARY, "check", "--policy", not_a_policy, "--trace", good}), not_a_policy,
                     "not a sysfence policy");
  const std::string raw = write("odd.bpf", "12345");
  expect_input_error(run_command({SYSFENCE_BINARY, "check", "--policy", raw, "--trace", good}), raw,
                     "neither a sysfence policy");
  const std::string broken = write("broken.json", "{\"schema\": \"sysfence-policy/1\",\n \"syscalls\": [,]}\n");
  expect_input_error(run_command({SYSFENCE_BINARY, "check", "--policy", broken, "--trace", good}), broken + ":2:",
                     "not valid JSON");
  // A number too large for any type is an error like any other, not an abort (found by parsers_fuzz).
  const std::string huge = write("huge.json", "{\"schema\": \"sysfence-policy/1\", \"arch\": 9e715682}\n");
  expect_input_error(run_command({SYSFENCE_BINARY, "check", "--policy", huge, "--trace", good}), huge,
                     "not valid JSON");
  const std::string prose = write("notes.txt", "this is not a trace\nnor is this\n");
  expect_input_error(run_command({SYSFENCE_BINARY, "check", "--policy", policy, "--trace", prose}), prose,
                     "no syscall found");
  const std::string cut = write("cut.trace", "{\"name\": \"getpid\", \"args\": []}\n{\"name\": \"read\", \"ar\n");
  expect_input_error(run_command({SYSFENCE_BINARY, "check", "--policy", policy, "--trace", cut}), cut + ":2:",
                     "not JSON");
}

/// Makes `root` a root with the host's glibc (libc and its loader, in Debian's amd64
/// layout) and an empty /bin, for analyze-root; returns its library directory.
std::filesystem::path make_glibc_root(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  const fs::path lib = root / "lib/x86_64-linux-gnu";
  fs::create_directories(lib);
  fs::create_directories(root / "lib64");
  fs::create_directories(root / "bin");
  for (const char* name : {"libc.so.6", "ld-linux-x86-64.so.2"}) {
    fs::copy_file(fs::path("/lib/x86_64-linux-gnu") / name, lib / name);
  }
  fs::create_symlink("../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", root / "lib64/ld-linux-x86-64.so.2");
  return lib;
}

TEST(Cli, AnalyzeRootAnalysesEveryProgramOfARoot) {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  const fs::path root = dir.path() / "root";
  const fs::path lib = make_glibc_root(root);
  fs::create_directories(root / "proc/1");
  fs::create_directories(root / "etc");
  fs::copy_file("/bin/true", root / "bin/true");
  fs::copy_file("/bin/true", root / "proc/1/exe");           // the kernel's tree: not entered
  fs::create_symlink("true", root / "bin/link");             // a link: its target counts once
  testing::write_file((root / "etc").string(), "notes", {'h', 'i', '\n'});
  testing::write_file(lib.string(), "libplugin.so",          // a library: not a program
                      testing::ElfBuilder(64, ByteOrder::Little, EM_X86_64).soname("libplugin.so").build());
  testing::write_file((root / "bin").string(), "riscv",      // a program sysfence cannot analyse
                      testing::ElfBuilder(64, ByteOrder::Little, EM_RISCV, ET_EXEC).interpreter("/lib/ld.so").build());
  const std::string out = (dir.path() / "profiles").string();
  auto r = run_command(
      {SYSFENCE_BINARY, "analyze-root", root.string(), "-o", out, "-j", "2", "--threads", "1", "--no-cache"});
  EXPECT_EQ(r.status, 1) << "one program could not be analysed: " << r.err;
  EXPECT_NE(r.out.find("| /bin/true | "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| /bin/riscv | not analysed: "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("/bin/link"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("/proc/"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("lib"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 programs analysed, 1 not: "), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("[2/2]"), std::string::npos) << "progress on stderr: " << r.err;
  std::ifstream profile(out + "/bin/true.json");
  ASSERT_TRUE(profile) << "the profile of /bin/true under -o";
  EXPECT_GT(nlohmann::json::parse(profile)["syscalls"].size(), 10u);
  EXPECT_FALSE(fs::exists(out + "/bin/riscv.json"));

  // --exclude leaves a directory out: here the one with the program that fails.
  r = run_command({SYSFENCE_BINARY, "analyze-root", root.string(), "--no-cache", "--exclude", "/bin"});
  expect_input_error(r, root.string(), "no ELF programs");  // only bin has programs
  r = run_command({SYSFENCE_BINARY, "analyze-root", root.string(), "--no-cache", "--exclude", "/srv"});
  expect_input_error(r, "/srv", "not a directory");

  fs::remove(root / "bin/riscv");
  r = run_command({SYSFENCE_BINARY, "analyze-root", root.string(), "--format", "bpf", "-o", out, "--no-cache"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_GT(fs::file_size(out + "/bin/true.bpf"), 0u);

  // A program over its budget is reported as not analysed; the root still gets its table.
  r = run_command({SYSFENCE_BINARY, "analyze-root", root.string(), "--no-cache", "--timeout", "0.02"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.out.find("| /bin/true | not analysed: over its time budget (0.02 s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 programs analysed, 1 not"), std::string::npos) << r.out;
  r = run_command({SYSFENCE_BINARY, "analyze-root", root.string(), "--no-cache", "--max-memory", "1"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.out.find("| /bin/true | not analysed: over its memory budget"), std::string::npos) << r.out;

  expect_input_error(run_command({SYSFENCE_BINARY, "analyze-root", (dir.path() / "none").string()}), "none",
                     "not a directory");
  expect_input_error(run_command({SYSFENCE_BINARY, "analyze-root", (root / "etc").string()}), "etc",
                     "no ELF programs");
}

// SIGTERM (or SIGINT, SIGHUP) stops analyze-root: the analyses running are killed, none
// starts, no summary is printed, and it dies of the signal, leaving no process behind.
TEST(Cli, AnalyzeRootStopsOnSigterm) {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  const fs::path root = dir.path() / "root";
  make_glibc_root(root);
  constexpr int kPrograms = 40;  // at -j 1 and half a second each, far more than the test waits
  for (int i = 0; i < kPrograms; ++i) fs::copy_file("/bin/true", root / "bin" / ("true" + std::to_string(i)));
  const std::string out = (dir.path() / "out").string(), err = (dir.path() / "err").string();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    freopen(out.c_str(), "w", stdout);
    freopen(err.c_str(), "w", stderr);
    execl(SYSFENCE_BINARY, SYSFENCE_BINARY, "analyze-root", root.c_str(), "-j", "1", "--no-cache", nullptr);
    _exit(127);
  }
  auto read = [](const std::string& path) {
    auto text = read_whole_file(path);
    return text ? *text : std::string();  // not (yet) there: nothing written
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (read(err).find("[1/") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(read(err).find("[1/"), std::string::npos) << read(err);
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  EXPECT_NE(read(err).find("stopped by signal 15"), std::string::npos) << read(err);
  EXPECT_EQ(read(err).find("[" + std::to_string(kPrograms) + "/"), std::string::npos)
      << "not all were analysed";
  EXPECT_TRUE(read(out).empty()) << read(out);
  for (const auto& entry : fs::directory_iterator("/proc")) {  // no analysis of this root left running
    const std::string cmdline = read((entry.path() / "cmdline").string());
    EXPECT_EQ(cmdline.find(root.string()), std::string::npos) << entry.path() << ": " << cmdline;
  }
}

TEST(Cli, InfoDescribesAProgramInASysroot) {
  testing::TempDir dir;
  const std::string root = dir.str();
  testing::ElfBuilder exe(32, ByteOrder::Big, EM_MIPS);
  exe.interpreter("/lib/ld.so.1").needed("libc.so.6").build_id({0xab, 0xcd});
  exe.symbol({.name = "puts", .defined = false, .version = "GLIBC_2.0", .version_file = "libc.so.6"});
  exe.symbol({.name = "nowhere", .defined = false});
  testing::write_file(root, "usr/bin/tool", exe.build());
  testing::ElfBuilder libc(32, ByteOrder::Big, EM_MIPS);
  libc.soname("libc.so.6").symbol({.name = "puts", .defined = true, .version = "GLIBC_2.0"});
  testing::write_file(root, "lib/mips-linux-gnu/libc.so.6", libc.build());

  auto r = info({"usr/bin/tool", "--sysroot", root});
  ASSERT_EQ(r.status, 0) << r.err;
  auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["arch"], "mips");
  EXPECT_EQ(json["class"], 32);
  EXPECT_EQ(json["endian"], "big");
  EXPECT_EQ(json["binary"], "/usr/bin/tool");
  EXPECT_EQ(json["interpreter"], "/lib/ld.so.1");
  ASSERT_EQ(json["modules"].size(), 2u);
  EXPECT_EQ(json["modules"][0]["build_id"], "abcd");
  EXPECT_EQ(json["modules"][0]["imports"]["bound"], 1);
  EXPECT_EQ(json["modules"][0]["imports"]["unbound_names"], nlohmann::json::array({"nowhere"}));
  EXPECT_EQ(json["modules"][1]["soname"], "libc.so.6");
  ASSERT_EQ(json["missing"].size(), 1u);
  EXPECT_EQ(json["missing"][0]["name"], "/lib/ld.so.1");
  EXPECT_NE(r.err.find("interpreter /lib/ld.so.1 not found"), std::string::npos);
}

}  // namespace
}  // namespace sysfence
