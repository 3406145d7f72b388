// Security tests on x86-64 (issue "enforcement"): under the profile sysfence generates for
// a small application, the same application taken over by an attacker is stopped when it
// calls through another ABI (x32, int 0x80), makes an unknown syscall, or passes a value
// the application never passes (socket(AF_PACKET), clone(CLONE_NEWUSER),
// mprotect(PROT_EXEC)), from its main thread or a thread it creates; the values the
// application uses keep working. A thread running before the filter is loaded is
// filtered too (TSYNC).
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <nlohmann/json.hpp>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <set>

#include "enforce/filter_loader.h"
#include "policy/seccomp_filter.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sysfence {
namespace {

using testing::run_command;

const std::string kApp = std::string(SYSFENCE_PROBE_DIR) + "/security_probe";
const std::string kTakenOver = std::string(SYSFENCE_PROBE_DIR) + "/security_probe_attacks";
const std::string kLauncher = std::string(SYSFENCE_LAUNCHER_DIR) + "/sysfence-exec-x86_64";
const char* const kAttacks[] = {"af_packet", "newuser", "prot_exec", "x32", "int80", "unknown", "thread"};

class Security : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ::sysfence::testing::TempDir;
    for (const char* format : {"native", "bpf"}) {
      const auto r = run_command({SYSFENCE_BINARY, "analyze", kApp, "--no-cache", "--accept-unresolved", "--format", format, "-o",
                                  policy(format)});
      ASSERT_EQ(r.status, 0) << r.err;
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string policy(const std::string& format) { return (dir_->path() / ("app." + format)).string(); }

  static ::sysfence::testing::TempDir* dir_;
};
::sysfence::testing::TempDir* Security::dir_ = nullptr;

/// The values the profile allows for argument `index` of `syscall` (empty: any).
std::set<uint64_t> allowed_values(const nlohmann::json& profile, const std::string& syscall, const std::string& index) {
  std::set<uint64_t> values;
  for (const auto& s : profile["syscalls"]) {
    if (s["name"] != syscall) continue;
    for (const auto& rule : s["rules"]) {
      if (!rule["args"].contains(index)) return {};
      for (const auto& v : rule["args"][index]) values.insert(v.get<uint64_t>());
    }
    return values;
  }
  return values;
}

TEST_F(Security, TheProfilePinsTheValuesTheApplicationUses) {
  const auto profile = nlohmann::json::parse(std::ifstream(policy("native")));
  EXPECT_EQ(allowed_values(profile, "socket", "0"), (std::set<uint64_t>{AF_UNIX, AF_INET}));
  EXPECT_EQ(allowed_values(profile, "mprotect", "2"), (std::set<uint64_t>{PROT_READ, PROT_READ | PROT_WRITE}));
  const auto clone_flags = allowed_values(profile, "clone", "0");
  ASSERT_FALSE(clone_flags.empty()) << "clone's flags are not pinned";
  for (uint64_t flags : clone_flags) EXPECT_EQ(flags & CLONE_NEWUSER, 0u);
}

TEST_F(Security, TheApplicationWorksUnderItsProfile) {
  // Sockets, mprotect, a thread and a child process, under run and under the launcher.
  for (const std::string& program : {kApp, kTakenOver}) {
    EXPECT_EQ(run_command({SYSFENCE_BINARY, "run", "--policy", policy("native"), "--", program, "work"}).status, 0)
        << program;
    EXPECT_EQ(run_command({kLauncher, policy("bpf"), program, "work"}).status, 0) << program;
  }
}

/// How a process that makes an i386 call with `int 0x80` must end under its profile:
/// killed by the filter (SIGSYS), or, on a kernel whose i386 emulation is off at run time
/// (ia32_emulation=0: the call faults before any filter sees it), by that fault, which
/// the same probe shows without a filter.
int stopped_int80_status() {
  static const int status = [] {
    const int unfiltered = run_command({kTakenOver, "int80"}).status;
    return unfiltered == 128 + SIGSEGV ? unfiltered : 128 + SIGSYS;
  }();
  return status;
}

int stopped_status(const std::string& attack) { return attack == "int80" ? stopped_int80_status() : 128 + SIGSYS; }

TEST_F(Security, EveryAttackIsStopped) {
  for (const char* attack : kAttacks) {
    EXPECT_EQ(run_command({SYSFENCE_BINARY, "run", "--policy", policy("native"), "--", kTakenOver, attack}).status,
              stopped_status(attack))
        << attack << " under sysfence run";
    EXPECT_EQ(run_command({kLauncher, policy("bpf"), kTakenOver, attack}).status, stopped_status(attack))
        << attack << " under sysfence-exec";
  }
  // Without a filter the attacks run to their end (the test would notice an attack that
  // never made its call); int 0x80 is left out, as a kernel may lack i386 emulation.
  for (const char* attack : kAttacks) {
    if (std::string(attack) != "int80") {
      EXPECT_EQ(run_command({kTakenOver, attack}).status, 0) << attack;
    }
  }
}

TEST_F(Security, OtherAbisAreKilledEvenWhenDeniedCallsOnlyFail) {
  const auto errno_run = [](const char* attack) {
    return run_command({SYSFENCE_BINARY, "run", "--policy", policy("native"), "--action", "errno", "--", kTakenOver,
                        attack})
        .status;
  };
  EXPECT_EQ(errno_run("af_packet"), 0);  // denied with EPERM, the program goes on
  EXPECT_EQ(errno_run("x32"), 128 + SIGSYS);
  EXPECT_EQ(errno_run("int80"), stopped_int80_status());
}

int g_ready[2];

void* thread_started_before_the_filter(void*) {
  char go = 0;
  if (read(g_ready[0], &go, 1) != 1) return nullptr;
  if (socket(AF_INET, SOCK_DGRAM, 0) < 0) _exit(3);  // an allowed value works
  socket(AF_PACKET, SOCK_RAW, 0);                     // the filter kills the process here
  _exit(5);
}

TEST(SecurityThreads, AThreadRunningBeforeTheFilterIsFilteredToo) {
  // Allow everything but socket(AF_PACKET, …), loaded with sysfence's own loader.
  auto program = policy::compile_rules(
      "x86_64", policy::kActionAllow,
      {{"socket", SECCOMP_RET_KILL_PROCESS, {{0, policy::Compare::Equal, AF_PACKET}}}});
  ASSERT_TRUE(program) << program.error().message;
  const pid_t child = fork();
  if (child == 0) {
    if (pipe(g_ready) != 0) _exit(6);
    pthread_t thread;
    if (pthread_create(&thread, nullptr, thread_started_before_the_filter, nullptr) != 0) _exit(7);
    if (!enforce::install_filter(*program)) _exit(8);
    const char go = 1;
    if (write(g_ready[1], &go, 1) != 1) _exit(9);
    pthread_join(thread, nullptr);
    _exit(10);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGSYS);
}

}  // namespace
}  // namespace sysfence
