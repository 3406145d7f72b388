// Profiles compiled to seccomp BPF (libseccomp) and run two ways: through sysfence's own
// BPF simulator and, on x86-64, through the kernel, in a child that loads the filter and
// makes the call. Both must give the table's verdict.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <nlohmann/json.hpp>

#include "analysis/program_analysis.h"
#include "enforce/bpf_simulator.h"
#include "enforce/call_search.h"
#include "policy/profile.h"
#include "policy/seccomp_filter.h"

namespace sysfence {
namespace {

constexpr uint64_t kAfUnix = 1, kAfInet = 2, kAfPacket = 17, kStream = 1, kDgram = 2, kCloexec = 0x80000;

policy::Profile x86_64_profile() {
  policy::Profile p;
  p.arch = "x86_64";
  p.syscalls = {
      {SYS_getpid, "getpid", {}},
      {SYS_exit_group, "exit_group", {}},
      {SYS_ioctl, "ioctl", {{{1, {0x5401}}}}},  // TCGETS only
      {SYS_mprotect, "mprotect", {{{2, {0, 1, 3}}}}},  // never PROT_EXEC
      {SYS_socket, "socket", {{{0, {kAfUnix, kAfInet}}, {1, {kStream, kStream | kCloexec}}}}},
      {SYS_prctl, "prctl", {{{0, {PR_SET_NAME, PR_GET_NAME}}}}},
  };
  return p;
}

struct Row {
  const char* what;
  long nr;
  std::array<uint64_t, 6> args;
  bool allowed;
};

const Row kRows[] = {
    {"getpid", SYS_getpid, {}, true},
    {"socket(AF_INET, SOCK_STREAM)", SYS_socket, {kAfInet, kStream, 0}, true},
    {"socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC)", SYS_socket, {kAfUnix, kStream | kCloexec, 0}, true},
    {"socket(AF_PACKET, SOCK_STREAM)", SYS_socket, {kAfPacket, kStream, 0}, false},
    {"socket(AF_INET, SOCK_DGRAM)", SYS_socket, {kAfInet, kDgram, 0}, false},
    {"socket(AF_INET in the low half only)", SYS_socket, {kAfInet | (uint64_t{1} << 32), kStream, 0}, false},
    {"mprotect(PROT_READ)", SYS_mprotect, {0, 0, 1}, true},
    {"mprotect(PROT_READ|PROT_EXEC)", SYS_mprotect, {0, 0, 5}, false},
    {"prctl(PR_GET_NAME)", SYS_prctl, {PR_GET_NAME, 0}, true},
    {"prctl(PR_SET_SECCOMP)", SYS_prctl, {PR_SET_SECCOMP, 0}, false},
    {"ioctl(-1, TCGETS)", SYS_ioctl, {~uint64_t{0}, 0x5401}, true},
    {"ioctl(-1, FIONREAD)", SYS_ioctl, {~uint64_t{0}, 0x541b}, false},
    {"openat (not in the profile)", SYS_openat, {~uint64_t{99}, 0, 0}, false},
};

class SeccompFilter : public ::testing::Test {
 protected:
  void SetUp() override {
    auto filter = policy::compile_filter(x86_64_profile(), policy::DenyAction::Kill);
    ASSERT_TRUE(filter) << filter.error().message;
    EXPECT_TRUE(filter->loosened.empty());
    program_ = filter->program;
  }

  enforce::Verdict simulate(long nr, const std::array<uint64_t, 6>& args, uint32_t arch = AUDIT_ARCH_X86_64) {
    enforce::SeccompData data;
    data.nr = static_cast<int32_t>(nr);
    data.arch = arch;
    data.args = args;
    auto verdict = enforce::run_filter(program_, data, false);
    EXPECT_TRUE(verdict) << verdict.error().message;
    return verdict ? *verdict : enforce::Verdict{};
  }

  /// Whether the kernel lets a child make the call under the filter (killed by SIGSYS if not).
  bool kernel_allows(long nr, const std::array<uint64_t, 6>& args) {
    const pid_t child = fork();
    if (child == 0) {
      sock_fprog prog{static_cast<unsigned short>(program_.size()), program_.data()};
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        _exit(3);
      }
      syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
      syscall(SYS_exit_group, 0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << "the child could not load the filter";
    if (WIFSIGNALED(status)) {
      EXPECT_EQ(WTERMSIG(status), SIGSYS);
      return false;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

  std::vector<sock_filter> program_;
};

TEST_F(SeccompFilter, SimulatorAndKernelAgreeWithTheTable) {
  for (const Row& row : kRows) {
    const auto verdict = simulate(row.nr, row.args);
    EXPECT_EQ(enforce::action_of(verdict.action), row.allowed ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_PROCESS)
        << row.what << " (simulator)";
    EXPECT_GT(verdict.instructions, 0u);
    EXPECT_EQ(kernel_allows(row.nr, row.args), row.allowed) << row.what << " (kernel)";
  }
}

TEST_F(SeccompFilter, OtherAbisAreKilled) {
  // i386 numbering through int 0x80, and the x32 ABI (__X32_SYSCALL_BIT).
  EXPECT_EQ(enforce::action_of(simulate(20, {}, AUDIT_ARCH_I386).action), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(enforce::action_of(simulate(SYS_getpid | 0x40000000, {}).action), SECCOMP_RET_KILL_PROCESS);
}

TEST_F(SeccompFilter, UnconstrainedSyscallsLoadNoArgument) {
  enforce::SeccompData data;
  data.nr = SYS_getpid;
  data.arch = AUDIT_ARCH_X86_64;
  data.unknown_args.fill(true);
  auto verdict = enforce::run_filter(program_, data, false);
  ASSERT_TRUE(verdict);
  EXPECT_FALSE(verdict->depends_on_unknown);  // the kernel's constant-action cache can skip it
  data.nr = SYS_socket;
  verdict = enforce::run_filter(program_, data, false);
  ASSERT_TRUE(verdict);
  EXPECT_TRUE(verdict->depends_on_unknown);
}

/// umask with more distinct values than a syscall's rules may number: compiled with one
/// mask check (no bit outside the values' union, 0x11ff) instead of 513 comparisons.
policy::Profile profile_with_many_umask_values(const char* arch, uint64_t nr) {
  std::vector<uint64_t> values;
  for (uint64_t mode = 0; mode <= 0777; ++mode) values.push_back(mode);
  values.push_back(0x1000);
  policy::Profile p;
  p.arch = arch;
  p.syscalls = {{nr, "umask", {{{0, values}}}}};
  return p;
}

TEST_F(SeccompFilter, TooManyFlagValuesAreCheckedByMaskInSimulatorAndKernel) {
  policy::Profile profile = profile_with_many_umask_values("x86_64", SYS_umask);
  profile.syscalls.push_back({SYS_exit_group, "exit_group", {}});  // how the kernel test's child ends
  auto filter = policy::compile_filter(profile, policy::DenyAction::Kill);
  ASSERT_TRUE(filter) << filter.error().message;
  ASSERT_EQ(filter->loosened.size(), 1u);
  EXPECT_EQ(filter->loosened[0].syscall, "umask");
  EXPECT_EQ(filter->loosened[0].kept, policy::Constraint::Masked);
  ASSERT_EQ(filter->rules.size(), 2u);
  EXPECT_EQ(filter->rules[0].checks, (std::vector<policy::ArgumentCheck>{{0, policy::Compare::MaskedEqual, ~uint64_t{0x11ff}, 0}}));
  program_ = filter->program;
  const struct {
    uint64_t mask;
    bool allowed;
  } rows[] = {{022, true}, {0x1000, true}, {0x1007, true}, {0x2000, false}, {uint64_t{1} << 40, false}};
  for (const auto& row : rows) {
    const std::array<uint64_t, 6> args = {row.mask};
    EXPECT_EQ(enforce::action_of(simulate(SYS_umask, args).action),
              row.allowed ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_PROCESS)
        << std::hex << row.mask;
    EXPECT_EQ(kernel_allows(SYS_umask, args), row.allowed) << std::hex << row.mask;
  }
}

TEST_F(SeccompFilter, CallSearchFindsAnAllowedCallOrProvesThereIsNone) {
  using enforce::ArgumentCondition;
  using enforce::Reachability;
  const auto search = [&](long nr, std::vector<ArgumentCondition> conditions) {
    return enforce::search_allowed_call(program_, AUDIT_ARCH_X86_64, false, static_cast<uint32_t>(nr), conditions);
  };
  // socket: domain and type pinned together; protocol free.
  auto inet = search(SYS_socket, {{0, {kAfInet}}});
  ASSERT_EQ(inet.outcome, Reachability::Allowed);
  EXPECT_EQ((*inet.witness)[0], kAfInet);
  EXPECT_TRUE((*inet.witness)[1] == kStream || (*inet.witness)[1] == (kStream | kCloexec));
  EXPECT_EQ(search(SYS_socket, {{0, {kAfPacket}}}).outcome, Reachability::Denied);
  EXPECT_EQ(search(SYS_socket, {{0, {kAfInet}}, {1, {kDgram}}}).outcome, Reachability::Denied);
  // mprotect's protections: {0, 1, 3}; PROT_EXEC (4) as a required bit is never allowed.
  EXPECT_EQ(search(SYS_mprotect, {{2, {}, 4, 4}}).outcome, Reachability::Denied);
  EXPECT_EQ(search(SYS_mprotect, {{2, {}, 2, 2}}).outcome, Reachability::Allowed);  // PROT_WRITE, in 3
  EXPECT_EQ(search(SYS_getpid, {}).outcome, Reachability::Allowed);
  EXPECT_EQ(search(SYS_openat, {}).outcome, Reachability::Denied);
}

TEST(FilterRules, MaskingMergesOnlyBitSetArgumentsOfTuplesThatAgreeElsewhere) {
  // mmap: prot (2) and flags (3) are bit sets; socket's domain (0) is not.
  const policy::SyscallPolicy mmap{9, "mmap", {{{2, {1, 3}}, {3, {0x22}}}, {{2, {5}}, {3, {0x2}}}}};
  const auto masked = policy::filter_rules(mmap, policy::Constraint::Masked);
  ASSERT_EQ(masked.size(), 1u);
  EXPECT_EQ(masked[0].checks, (std::vector<policy::ArgumentCheck>{{2, policy::Compare::MaskedEqual, ~uint64_t{7}, 0}, {3, policy::Compare::MaskedEqual, ~uint64_t{0x22}, 0}}));
  EXPECT_EQ(policy::filter_rules(mmap, policy::Constraint::Exact).size(), 3u);
  EXPECT_TRUE(policy::filter_rules(mmap, policy::Constraint::Any)[0].checks.empty());
  const policy::SyscallPolicy socket{41, "socket", {{{0, {1, 2}}, {1, {1, 0x80001}}}}};
  // Neither domain nor type is a bit set: masking leaves every value comparison.
  EXPECT_EQ(policy::filter_rules(socket, policy::Constraint::Masked).size(), 4u);
}

TEST(SeccompFilterArm, MaskChecksCompareTheLowWordOnThirtyTwoBitArchitectures) {
  auto filter = policy::compile_filter(profile_with_many_umask_values("arm", 60), policy::DenyAction::Kill);
  ASSERT_TRUE(filter) << filter.error().message;
  for (const auto& [mask, allowed] : {std::pair<uint64_t, bool>{0x1007, true}, {0x2000, false}}) {
    enforce::SeccompData data;
    data.nr = 60;  // umask on ARM EABI
    data.arch = AUDIT_ARCH_ARM;
    data.args[0] = mask;
    auto verdict = enforce::run_filter(filter->program, data, false);
    ASSERT_TRUE(verdict);
    EXPECT_EQ(enforce::action_of(verdict->action), allowed ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_PROCESS) << mask;
  }
}

// On MIPS o32 libseccomp lets a socket rule's calls through socketcall too, checking
// only the call number (the arguments lie in memory): the filter would allow every
// family that way. Unless the profile allows socketcall itself, it fails with ENOSYS.
TEST(SeccompFilterMips, TheSocketcallMultiplexerDoesNotBypassSocketRules) {
  constexpr int kSocket = 4183, kSocketcall = 4102, kSysSocket = 1;
  auto verdict_of = [](const policy::Profile& profile, int nr, uint64_t first) {
    auto filter = policy::compile_filter(profile, policy::DenyAction::Kill);
    EXPECT_TRUE(filter) << filter.error().message;
    enforce::SeccompData data;
    data.nr = nr;
    data.arch = AUDIT_ARCH_MIPSEL;
    data.args[0] = first;
    auto verdict = enforce::run_filter(filter->program, data, false);
    EXPECT_TRUE(verdict);
    return verdict ? verdict->action : 0;
  };
  policy::Profile p;
  p.arch = "mipsel";
  p.syscalls = {{kSocket, "socket", {{{0, {kAfInet}}}}}};
  EXPECT_EQ(verdict_of(p, kSocket, kAfInet), SECCOMP_RET_ALLOW);
  EXPECT_EQ(enforce::action_of(verdict_of(p, kSocket, kAfPacket)), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict_of(p, kSocketcall, kSysSocket), SECCOMP_RET_ERRNO | ENOSYS);
  p.syscalls.push_back({kSocketcall, "socketcall", {}});  // a program that uses it keeps it
  EXPECT_EQ(verdict_of(p, kSocketcall, kSysSocket), SECCOMP_RET_ALLOW);
}

TEST(BpfSimulator, RefusesWhatTheKernelRefuses) {
  const sock_filter unaligned[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), BPF_STMT(BPF_RET | BPF_K, 0)};
  EXPECT_FALSE(enforce::run_filter(unaligned, {}, false));
  const sock_filter off_the_end[] = {BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0)};
  EXPECT_FALSE(enforce::run_filter(off_the_end, {}, false));
  EXPECT_FALSE(enforce::run_filter({}, {}, false));
}

TEST(BpfSimulator, ReadsSeccompDataInTheArchitecturesByteOrder) {
  // Load the low word of argument 0: at offset 16 little endian, 20 big endian.
  const sock_filter low_word_le[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16), BPF_STMT(BPF_RET | BPF_A, 0)};
  const sock_filter low_word_be[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 20), BPF_STMT(BPF_RET | BPF_A, 0)};
  enforce::SeccompData data;
  data.args[0] = 0x1122334455667788;
  EXPECT_EQ(enforce::run_filter(low_word_le, data, false)->action, 0x55667788u);
  EXPECT_EQ(enforce::run_filter(low_word_be, data, true)->action, 0x55667788u);
}

}  // namespace
}  // namespace sysfence

namespace sysfence {
namespace {

// A number libseccomp has no name for is written "syscall_N" (ARM's old getrlimit, 76,
// which Go's syscall package names): the native profile reads back, and the filter lists
// it as one it cannot allow, as it did when analyze wrote the profile.
TEST(NativePolicy, ANumberWithoutANameReadsBackAsWritten) {
  analysis::AnalysisResult result;
  result.arch = "arm";
  result.syscalls[76] = {};
  result.syscalls[3] = {};  // read
  const policy::Profile written = policy::profile_of(result, true);
  nlohmann::json json = {
      {"schema", "sysfence-policy/1"}, {"arch", "arm"}, {"syscalls", nlohmann::json::array()}};
  for (const policy::SyscallPolicy& s : written.syscalls)
    json["syscalls"].push_back({{"name", s.name}, {"nr", s.nr}});
  EXPECT_EQ(json["syscalls"][1]["name"], "syscall_76");
  auto read = policy::read_native_policy(json, "go.json");
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_EQ(read->syscalls.size(), 2u);
  EXPECT_EQ(read->syscalls[1].nr, 76u);
  auto filter = policy::compile_filter(*read, policy::DenyAction::Kill);
  ASSERT_TRUE(filter) << filter.error().message;
  EXPECT_EQ(filter->unnamed, std::vector<std::string>{"syscall_76"});

  for (const char* bad : {"syscall_", "syscall_7x", "syscall_-1", "no_such_call"}) {
    json["syscalls"][1]["name"] = bad;
    auto refused = policy::read_native_policy(json, "go.json");
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message.find("is no arm syscall"), std::string::npos)
        << refused.error().message;
  }
}

}  // namespace
}  // namespace sysfence
