// End-to-end on Debian's own binary packages (scripts/fetch-corpus): the program model
// must be complete for real daemons on every supported architecture.
#include <elf.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "analysis/program_analysis.h"
#include "analysis/syscall_names.h"
#include "cfg/code_ranges.h"
#include "program/program.h"
#include "support/plt_oracle.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

const char* const kArches[] = {"amd64", "armhf", "arm64", "mipsel"};
const char* const kPrograms[] = {"/usr/sbin/mosquitto", "/bin/busybox",     "/usr/sbin/dropbear",
                                 "/usr/sbin/lighttpd",  "/usr/sbin/dnsmasq", "/usr/bin/iperf3"};

fs::path corpus_root(const std::string& arch) {
  return fs::path(SYSFENCE_CACHE_DIR) / "corpus" / arch / "root";
}

/// The analysis of `binary` in `arch`'s corpus root; nullopt (the test failed) when the
/// corpus lacks it.
std::optional<analysis::AnalysisResult> analyse_corpus_program(const std::string& arch, const char* binary) {
  program::Sysroot root(corpus_root(arch));
  Diagnostics diagnostics;
  auto program = program::Program::load(root, binary, diagnostics);
  if (!program) {
    ADD_FAILURE() << program.error().message << " (run scripts/fetch-corpus --arch " << arch << " --set default)";
    return std::nullopt;
  }
  auto result = analysis::analyse_program(*program, diagnostics);
  if (!result) {
    ADD_FAILURE() << result.error().message;
    return std::nullopt;
  }
  return std::move(*result);
}

class CorpusTest : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {
 protected:
  std::optional<program::Program> load() {
    auto [arch, binary] = GetParam();
    const fs::path root_dir = corpus_root(arch);
    if (!fs::exists(root_dir / fs::path(binary).relative_path())) {
      ADD_FAILURE() << root_dir << " lacks " << binary << ": run scripts/fetch-corpus --arch " << arch
                    << " --set default";
      return std::nullopt;
    }
    root_.emplace(root_dir);
    auto loaded = program::Program::load(*root_, binary, diagnostics_);
    if (!loaded) {
      ADD_FAILURE() << loaded.error().message;
      return std::nullopt;
    }
    return std::move(*loaded);
  }

  std::optional<program::Sysroot> root_;
  Diagnostics diagnostics_;
};

TEST_P(CorpusTest, ClosureIsCompleteAndEveryStrongImportIsBound) {
  auto program = load();
  ASSERT_TRUE(program);
  EXPECT_TRUE(program->missing().empty()) << program->missing()[0].name;
  EXPECT_GE(program->interpreter_index(), 1);
  for (const auto& module : program->modules()) {
    for (const auto& import : module.imports) {
      const auto& symbol = module.elf().dynamic_symbols()[import.symbol];
      if (symbol.binding == STB_WEAK) continue;
      EXPECT_TRUE(import.definition) << module.path << ": " << symbol.name << "@" << symbol.version;
    }
  }
}

TEST_P(CorpusTest, PltStubsAgreeWithAnIndependentOracle) {
  auto program = load();
  ASSERT_TRUE(program);
  testing::expect_plt_stubs_match_oracle(*program);
}

INSTANTIATE_TEST_SUITE_P(Debian12, CorpusTest,
                         ::testing::Combine(::testing::ValuesIn(kArches), ::testing::ValuesIn(kPrograms)),
                         [](const auto& info) {
                           std::string name = std::string(std::get<0>(info.param)) + "_" +
                                              fs::path(std::get<1>(info.param)).filename().string();
                           return name;
                         });

std::set<std::string> armhf_sonames(const std::string& binary) {
  program::Sysroot root(corpus_root("armhf"));
  Diagnostics diagnostics;
  auto program = program::Program::load(root, binary, diagnostics);
  if (!program) {
    ADD_FAILURE() << program.error().message << " (run scripts/fetch-corpus --arch armhf --set default)";
    return {};
  }
  EXPECT_EQ(program->backend().name(), "arm");
  std::set<std::string> sonames;
  for (const auto& module : program->modules()) sonames.insert(module.elf().dynamic().soname);
  return sonames;
}

// Debian 12's broker does not link cJSON (its DT_NEEDED list, checked with readelf);
// mosquitto_ctrl from the same package does. Both closures are checked, transitively.
TEST(CorpusArmhf, MosquittoLoadsItsWholeLibraryClosure) {
  auto broker = armhf_sonames("/usr/sbin/mosquitto");
  for (const char* soname : {"libc.so.6", "libssl.so.3", "libcrypto.so.3", "ld-linux-armhf.so.3", "libwrap.so.0",
                             "libsystemd.so.0", "libdlt.so.2", "libcap.so.2", "libm.so.6",
                             // only through libsystemd / libwrap:
                             "libzstd.so.1", "liblz4.so.1", "libgcrypt.so.20", "libnsl.so.2", "libtirpc.so.3"}) {
    EXPECT_TRUE(broker.count(soname)) << soname;
  }
  EXPECT_EQ(broker.size(), 24u);
  auto ctrl = armhf_sonames("/usr/bin/mosquitto_ctrl");
  for (const char* soname : {"libmosquitto.so.1", "libcjson.so.1", "libcrypto.so.3", "libc.so.6"}) {
    EXPECT_TRUE(ctrl.count(soname)) << soname;
  }
}

// Function pointers count as address-taken only where reached code can see the data
// holding them. mosquitto links libsystemd only for sd_notify: sd-bus (reached before
// through its GOT slots and method tables) and libgcrypt (through libsystemd's data)
// stay out, while what the broker's own run makes (traced by scripts/run-workloads)
// stays in.
TEST(CorpusAmd64, DataNoReachedCodeSeesAddsNoFunctionPointers) {
  auto result = analyse_corpus_program("amd64", "/usr/sbin/mosquitto");
  ASSERT_TRUE(result);
  const analysis::SyscallNames names(result->arch);
  auto allowed = [&](const char* name) { return result->syscalls.count(*names.number(name)) != 0; };
  // (chroot is no longer one of them: libcap's syscall hooks, which mosquitto reaches,
  // may make it, data/library_values.json.)
  for (const char* sd_bus_only : {"setns", "pidfd_send_signal", "inotify_init1", "mlock"}) {
    EXPECT_FALSE(allowed(sd_bus_only)) << sd_bus_only;
  }
  for (const char* traced : {"accept", "epoll_wait", "getrandom", "openat", "setgroups", "socket", "rseq"}) {
    EXPECT_TRUE(allowed(traced)) << traced;
  }
  EXPECT_LT(result->syscalls.size(), 141u);  // callander's static count for the same binary
}

// GCC moves cold blocks out of a function into .text.unlikely, each with its own FDE, and
// enters them with conditional branches: lighttpd's li_rand_reseed runs `jne` into the cold
// part that calls arc4random, whose fallback for a kernel without getrandom polls
// /dev/random. A conditional branch to another function's start is a (tail) call.
TEST(CorpusAmd64, AConditionalBranchIntoAColdPartIsACall) {
  auto result = analyse_corpus_program("amd64", "/usr/sbin/lighttpd");
  ASSERT_TRUE(result);
  const analysis::SyscallNames names(result->arch);
  EXPECT_TRUE(result->syscalls.count(*names.number("ppoll"))) << "arc4random's fallback in a cold part is not reached";
}

// Every position-independent module of a MIPS program runs with $gp at its GOT + 0x7ff0,
// the value each of its PIC prologues computes; a program at a fixed address (Debian's
// busybox-static) may use gp otherwise and gets none.
TEST(CorpusMipsel, GlobalPointerIsWhatEveryPrologueComputes) {
  program::Sysroot root(corpus_root("mipsel"));
  Diagnostics diagnostics;
  auto program = program::Program::load(root, "/usr/sbin/dropbear", diagnostics);
  ASSERT_TRUE(program) << program.error().message << " (run scripts/fetch-corpus --arch mipsel --set default)";
  ASSERT_GE(program->modules().size(), 5u);
  for (const auto& module : program->modules()) {
    const elf::ElfFile& elf = module.elf();
    ASSERT_TRUE(elf.dynamic().pltgot) << module.path;
    EXPECT_EQ(program->backend().global_pointer(elf, cfg::code_ranges(elf)), *elf.dynamic().pltgot + 0x7ff0)
        << module.path;
  }
  program::Sysroot static_root(corpus_root("mipsel").parent_path() / "static");
  auto fixed = program::Program::load(static_root, "/bin/busybox", diagnostics);
  ASSERT_TRUE(fixed) << fixed.error().message << " (run scripts/fetch-corpus --arch mipsel --set static)";
  const elf::ElfFile& exe = fixed->modules()[0].elf();
  EXPECT_EQ(exe.header().type, elf::FileType::Executable);
  EXPECT_FALSE(program->backend().global_pointer(exe, cfg::code_ranges(exe)));
}

// With the global pointer known, gp-relative loads name the data MIPS code reads, so only
// the function pointers in data that reached code names count as taken (as on amd64).
// When all of a MIPS module's data counted as reached, dropbear's profile allowed 73
// syscalls that the amd64 one does not; what is left are MIPS's own variants (_llseek,
// mmap2, the *_time64 calls, sigreturn, set_thread_area, ...).
TEST(CorpusMipsel, GlobalPointerBringsDataReachToAmd64s) {
  std::set<std::string> allowed[2];
  const char* const arches[2] = {"amd64", "mipsel"};
  for (int a = 0; a < 2; ++a) {
    auto result = analyse_corpus_program(arches[a], "/usr/sbin/dropbear");
    ASSERT_TRUE(result);
    const analysis::SyscallNames names(result->arch);
    for (const auto& [number, origins] : result->syscalls) allowed[a].insert(names.name(number).value_or("?"));
  }
  std::vector<std::string> mips_only;
  for (const std::string& name : allowed[1]) {
    if (!allowed[0].count(name)) mips_only.push_back(name);
  }
  EXPECT_LE(mips_only.size(), 20u) << ::testing::PrintToString(mips_only);
  for (const char* traced : {"accept", "socket", "bind", "listen", "write"}) {
    EXPECT_TRUE(allowed[1].count(traced)) << traced;
  }
}

// A literal pool read by the function's own pc-relative loads is data: glibc's
// ttyname_r ends with a pool after `bl __stack_chk_fail`, one of whose words decodes as a
// branch into readlink past its `mov r7, #85`, which left readlink's `svc` with an
// unknown number in every armhf profile.
TEST(CorpusArmhf, LiteralPoolsAreNotDecodedAsCode) {
  program::Sysroot root(corpus_root("armhf"));
  Diagnostics diagnostics;
  auto program = program::Program::load(root, "/usr/sbin/dropbear", diagnostics);
  ASSERT_TRUE(program) << program.error().message << " (run scripts/fetch-corpus --arch armhf --set default)";
  auto result = analysis::analyse_program(*program, diagnostics);
  ASSERT_TRUE(result) << result.error().message;
  const elf::Symbol* readlink = nullptr;
  for (const auto& module : program->modules()) {
    if (module.elf().dynamic().soname != "libc.so.6") continue;
    for (const elf::Symbol& s : module.elf().dynamic_symbols()) {
      if (s.name == "readlink" && !s.is_undefined()) readlink = &s;
    }
  }
  ASSERT_NE(readlink, nullptr);
  const uint64_t start = readlink->value & ~uint64_t{1};
  for (const auto& site : result->unresolved) {
    EXPECT_FALSE(site.origin.module_path.ends_with("/libc.so.6") && site.origin.address >= start &&
                 site.origin.address < start + readlink->size)
        << site.reason;
  }
}

// ld.so's guessed extents reach the zero halfwords between a literal pool and its copy
// of __libc_do_syscall, which decode as `movs r0, r0`: padding, not a switch case that
// falls into the wrapper with an unknown number.
TEST(CorpusArmhf, ZeroPaddingDoesNotFallIntoTheNextFunction) {
  auto result = analyse_corpus_program("armhf", "/usr/sbin/dropbear");
  ASSERT_TRUE(result);
  for (const auto& site : result->unresolved) ADD_FAILURE() << site.origin.module_path << ": " << site.reason;
}

// Stripped Thumb code switches with tbb/tbh. Sweeping a switching function's guessed
// extent instead of reading its table ran over the following functions and literal
// pools, whose words decoded as ARM-mode code pointers (busybox's 64 unresolved sites),
// and lost libsystemd's raw_clone input (dnsmasq's clone allowed CLONE_NEWUSER).
TEST(CorpusArmhf, ThumbSwitchTablesAreReadNotSwept) {
  auto busybox = analyse_corpus_program("armhf", "/bin/busybox");
  ASSERT_TRUE(busybox);
  for (const auto& site : busybox->unresolved) ADD_FAILURE() << site.origin.module_path << ": " << site.reason;

  auto dnsmasq = analyse_corpus_program("armhf", "/usr/sbin/dnsmasq");
  ASSERT_TRUE(dnsmasq);
  const analysis::SyscallNames names(dnsmasq->arch);
  const auto clone = dnsmasq->arguments.find(*names.number("clone"));
  ASSERT_NE(clone, dnsmasq->arguments.end());
  ASSERT_TRUE(clone->second.constrained());
  constexpr uint64_t kCloneNewUser = 0x10000000;
  for (const analysis::ArgumentTuple& tuple : clone->second.tuples) {
    const auto flags = tuple.find(0);
    ASSERT_NE(flags, tuple.end()) << "a clone site leaves its flags open";
    for (uint64_t value : flags->second) EXPECT_EQ(value & kCloneNewUser, 0u) << std::hex << value;
  }
}

// Debian's armhf busybox-static links its Thumb code with static glibc's ARM-mode
// memmove, whose computed jump (`addne pc, pc, ip`) has its guessed extent swept: read
// as ARM, the Thumb code after it called into more misdecoded code (144 unresolved
// sites). The sweep ends where the bytes stop decoding as ARM.
TEST(CorpusArmhf, AnArmFunctionsSweepEndsAtTheThumbCodeAfterIt) {
  Diagnostics diagnostics;
  program::Sysroot static_root(corpus_root("armhf").parent_path() / "static");
  auto program = program::Program::load(static_root, "/bin/busybox", diagnostics);
  ASSERT_TRUE(program) << program.error().message << " (run scripts/fetch-corpus --arch armhf --set static)";
  auto result = analysis::analyse_program(*program, diagnostics);
  ASSERT_TRUE(result) << result.error().message;
  for (const auto& site : result->unresolved) ADD_FAILURE() << site.origin.module_path << ": " << site.reason;
  EXPECT_GT(result->syscalls.size(), 100u);  // the applets' own calls are all there
}

// lighttpd's fdevent_socket_cloexec checks a flag, calls `ck_assert_failed` (which never
// returns) on one path, and makes its socket call at the branch target right after that
// call: entered from the call too, the target saw its argument registers clobbered and
// socket was allowed with any arguments on both ARM ISAs.
TEST(CorpusArm64, CodeAfterACallThatNeverReturnsKeepsItsBranchState) {
  for (const char* arch : {"arm64", "armhf"}) {
    auto lighttpd = analyse_corpus_program(arch, "/usr/sbin/lighttpd");
    ASSERT_TRUE(lighttpd);
    const analysis::SyscallNames names(lighttpd->arch);
    const auto socket = lighttpd->arguments.find(*names.number("socket"));
    ASSERT_NE(socket, lighttpd->arguments.end()) << arch;
    EXPECT_TRUE(socket->second.constrained()) << arch << ": socket allowed with any arguments";
  }
}

// glibc's MIPS ld.so has its /etc/ld.so.preload check (access) at a branch target right
// after a call of _dl_fatal_printf, which never returns; the analysis reaches none of the
// branches to it, so the code is entered from the call after all.
TEST(CorpusMipsel, CodeAfterACallThatNeverReturnsIsEnteredWhenNothingElseReachesIt) {
  auto iperf3 = analyse_corpus_program("mipsel", "/usr/bin/iperf3");
  ASSERT_TRUE(iperf3);
  const analysis::SyscallNames names(iperf3->arch);
  EXPECT_TRUE(iperf3->syscalls.count(*names.number("access"))) << "ld.so's preload check is not reached";
}

// glibc's setxid signal handler reads the syscall number through the global `xidcmd`.
// On 32-bit ARM its error path still holds &xidcmd in r3 when it calls a local helper of
// two parameters: r3 is no argument that helper reads (dead at its entry), so the
// global's address does not escape and its value set is trusted: no unresolved site.
TEST(CorpusArmhf, AnArgumentRegisterTheCalleeDoesNotReadPassesNothing) {
  auto result = analyse_corpus_program("armhf", "/usr/sbin/mosquitto");
  ASSERT_TRUE(result);
  for (const auto& site : result->unresolved) ADD_FAILURE() << site.origin.module_path << ": " << site.reason;
}

// libsystemd's hash_ops structs lie next to each other, and next to tables the reached
// code uses, in a stripped .data.rel.ro (one run of pointers on 32-bit ISAs); only the
// code that is not reached names most of them. Cut where that code computes addresses,
// the data no longer hands out their free functions (one of them, sd_bus_slot_unref,
// leads to the container path of sd_bus_start and its setns(fd, CLONE_NEWUSER)), which
// mosquitto and dnsmasq never run. 32-bit ARM needs its GOT-relative data references
// seen for that (before, all of its data counted as reached).
TEST(CorpusArm64, DataIsCutWhereCodeThatIsNotReachedComputesAddresses) {
  for (const char* arch : {"arm64", "armhf", "mipsel"}) {
    for (const char* program : {"/usr/sbin/mosquitto", "/usr/sbin/dnsmasq"}) {
      auto result = analyse_corpus_program(arch, program);
      ASSERT_TRUE(result);
      const analysis::SyscallNames names(result->arch);
      EXPECT_FALSE(result->syscalls.count(*names.number("setns"))) << arch << " " << program;
    }
  }
}

// glibc's MIPS getrandom path keeps __mips_syscall5's address in a frame slot at sp+32
// across a loop of calls, a slot that lies among the eight places a call's stack
// parameters could take, below a pollfd whose address it passes, and that the loop's
// first entry never wrote. The callees read at most two stack parameters, the slot lies
// below every escaping address of the frame, and the loop head keeps the one value
// written: the address is not taken, the syscall number it is called with stays known.
TEST(CorpusMipsel, AFrameSlotNoCalleeReadsKeepsTheCalleeItHolds) {
  auto result = analyse_corpus_program("mipsel", "/usr/sbin/lighttpd");
  ASSERT_TRUE(result);
  for (const auto& site : result->unresolved) ADD_FAILURE() << site.origin.module_path << ": " << site.reason;
}

// MIPS o32 saves $gp right above the outgoing stack arguments (`.cprestore`): glibc's
// resolver keeps __ioctl_time64's address in a slot above it across calls of imported
// functions, which take no stack argument there, so ioctl stays a direct call with its
// requests known and gets argument rules in the daemons.
TEST(CorpusMipsel, NoStackArgumentLiesAboveTheSavedGlobalPointer) {
  for (const char* program : {"/usr/sbin/dropbear", "/usr/sbin/lighttpd"}) {
    auto result = analyse_corpus_program("mipsel", program);
    ASSERT_TRUE(result);
    const analysis::SyscallNames names(result->arch);
    const auto ioctl = result->arguments.find(*names.number("ioctl"));
    ASSERT_NE(ioctl, result->arguments.end()) << program;
    EXPECT_TRUE(ioctl->second.constrained()) << program << ": ioctl allowed with any request";
  }
}

// glibc 2.36's futex operations (data/library_values.json site model) on every ISA,
// through its own syscall helpers (MIPS's __mips_syscall6, ARM's __libc_do_syscall):
// futex and futex_time64 get argument rules without the requeue-PI operations, and
// without the priority-inheritance ones in dropbear, which imports no mutex function.
TEST(CorpusArm64, FutexOperationsArePinnedOnEveryIsa) {
  const std::set<uint64_t> requeue_pi = {11, 12, 139, 140};
  const std::set<uint64_t> priority_inheritance = {6, 7, 8, 13, 134, 135, 136, 141, 269, 397};
  for (const char* arch : kArches) {
    auto result = analyse_corpus_program(arch, "/usr/sbin/dropbear");
    ASSERT_TRUE(result);
    const analysis::SyscallNames names(result->arch);
    for (const char* syscall : {"futex", "futex_time64"}) {
      const auto nr = names.number(syscall);
      if (!nr || !result->syscalls.count(*nr)) continue;
      const auto& arguments = result->arguments.at(*nr);
      ASSERT_TRUE(arguments.constrained()) << arch << ": " << syscall << " allowed with any operation";
      for (const auto& tuple : arguments.tuples) {
        ASSERT_TRUE(tuple.count(1)) << arch << ": " << syscall << " with any operation at some site";
        for (uint64_t op : tuple.at(1)) {
          EXPECT_FALSE(requeue_pi.count(op)) << arch << " " << syscall << " " << op;
          EXPECT_FALSE(priority_inheritance.count(op)) << arch << " " << syscall << " " << op;
        }
      }
    }
  }
}

}  // namespace
}  // namespace sysfence
