// The profile in the formats users deploy, end to end on this machine: the raw BPF (loaded
// by the kernel directly and by bwrap) and the libseccomp C program enforce /bin/true's
// profile (true runs, sync, whose sync(2) true never makes, is killed); the OCI JSON passes
// the runtime-spec's schema; the systemd text says what it loses.
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <nlohmann/json.hpp>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sysfence {
namespace {

using testing::run_command;

std::string analyze(const std::string& format, const std::string& action = "kill") {
  auto r = run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "--format", format,
                        "--action", action});
  EXPECT_EQ(r.status, 0) << r.err;
  return r.out;
}

/// Exit status of `program` run under the raw filter `bpf` (128 + signal when killed).
int run_under(const std::string& bpf, const char* program) {
  const pid_t child = fork();
  if (child == 0) {
    sock_fprog prog{static_cast<unsigned short>(bpf.size() / sizeof(sock_filter)),
                    reinterpret_cast<sock_filter*>(const_cast<char*>(bpf.data()))};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
      _exit(125);
    }
    execl(program, program, static_cast<char*>(nullptr));
    _exit(126);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

TEST(Formats, RawBpfEnforcesTheProfile) {
  EXPECT_EQ(analyze("systemd").find(" sync "), std::string::npos);  // the premise: true never syncs
  const std::string bpf = analyze("bpf");
  ASSERT_EQ(bpf.size() % sizeof(sock_filter), 0u);
  ASSERT_GT(bpf.size(), 0u);
  EXPECT_EQ(run_under(bpf, "/bin/true"), 0);  // the loader, libc start-up and exit: all allowed
  EXPECT_EQ(run_under(bpf, "/bin/sync"), 128 + SIGSYS);
}

TEST(Formats, RawBpfLoadsWithBwrapSeccomp) {
  ::sysfence::testing::TempDir dir;
  const std::string bpf = (dir.path() / "true.bpf").string();
  std::ofstream(bpf) << analyze("bpf");
  // bwrap reads the filter from a descriptor and loads it right before exec.
  const auto under_bwrap = [&](const char* program) {
    return run_command({"/bin/sh", "-c",
                        std::string("exec bwrap --ro-bind / / --dev /dev --proc /proc --seccomp 9 ") + program +
                            " 9<" + bpf})
        .status;
  };
  EXPECT_EQ(under_bwrap("/bin/true"), 0);
  EXPECT_EQ(under_bwrap("/bin/sync"), 128 + SIGSYS);
}

TEST(Formats, LibseccompCProgramLoadsTheFilterThenExecs) {
  ::sysfence::testing::TempDir dir;
  const std::string source = (dir.path() / "profile.c").string();
  const std::string binary = (dir.path() / "run-confined").string();
  std::ofstream(source) << analyze("c");
  auto cc = run_command({"/usr/bin/cc", "-o", binary, source, "-lseccomp"});
  ASSERT_EQ(cc.status, 0) << cc.err;
  EXPECT_EQ(run_command({binary, "/bin/true"}).status, 0);
  EXPECT_EQ(run_command({binary, "/bin/sync"}).status, 128 + SIGSYS);
  EXPECT_EQ(run_command({binary}).status, 2);  // usage
}

TEST(Formats, OciProfileHasOneEntryPerValueCombination) {
  const auto oci = nlohmann::json::parse(analyze("oci"));
  EXPECT_EQ(oci["defaultAction"], "SCMP_ACT_KILL_PROCESS");
  EXPECT_EQ(oci["architectures"], nlohmann::json::array({"SCMP_ARCH_X86_64"}));
  size_t with_args = 0;
  for (const auto& entry : oci["syscalls"]) {
    ASSERT_TRUE(entry.contains("names") && entry.contains("action"));
    if (!entry.contains("args")) continue;
    ++with_args;
    EXPECT_EQ(entry["names"].size(), 1u);
    std::set<int> indices;
    for (const auto& arg : entry["args"]) {
      EXPECT_EQ(arg["op"], "SCMP_CMP_EQ");
      EXPECT_TRUE(indices.insert(arg["index"].get<int>()).second) << "one condition per index: " << entry.dump();
    }
  }
  EXPECT_GT(with_args, 0u);
  const auto errno_oci = nlohmann::json::parse(
      run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "--format", "oci", "--action", "errno"}).out);
  EXPECT_EQ(errno_oci["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(errno_oci["defaultErrnoRet"], 1);
}

TEST(Formats, OciProfileMatchesTheRuntimeSpecSchema) {
  ::sysfence::testing::TempDir dir;
  const std::string schema_dir = "/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema";
  const std::string checker = std::string(SYSFENCE_SOURCE_DIR) + "/tests/tools/oci_seccomp_schema_check.py";
  const auto check = [&](const nlohmann::json& profile) {
    const std::string file = (dir.path() / "profile.json").string();
    std::ofstream(file, std::ios::trunc) << profile.dump();
    return run_command({"/usr/bin/python3", checker, schema_dir, file});
  };
  auto oci = nlohmann::json::parse(analyze("oci"));
  const auto valid = check(oci);
  EXPECT_EQ(valid.status, 0) << valid.err;
  // The check can fail: a made-up operator is refused.
  oci["syscalls"].back()["args"] = {{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_SOMETIMES"}}};
  const auto invalid = check(oci);
  EXPECT_EQ(invalid.status, 1);
  EXPECT_NE(invalid.err.find("SCMP_CMP_SOMETIMES"), std::string::npos) << invalid.err;
}

TEST(Formats, SystemdFilterNamesTheSyscallsAndSaysWhatIsLost) {
  const std::string unit = analyze("systemd");
  EXPECT_NE(unit.find("[Service]"), std::string::npos);
  EXPECT_NE(unit.find("SystemCallFilter="), std::string::npos);
  EXPECT_NE(unit.find(" exit_group"), std::string::npos);
  EXPECT_NE(unit.find("argument constraints"), std::string::npos);
  EXPECT_NE(unit.find("SystemCallArchitectures=native\n"), std::string::npos);
  EXPECT_EQ(unit.find("SystemCallErrorNumber="), std::string::npos);  // kill: systemd's default
}

// The systemd unit carries --action: errno answers EPERM, log denies nothing and logs
// what lies outside the profile; trap, which systemd cannot do, is refused.
TEST(Formats, SystemdFilterFollowsTheAction) {
  const std::string errno_unit = analyze("systemd", "errno");
  EXPECT_NE(errno_unit.find("SystemCallFilter="), std::string::npos);
  EXPECT_NE(errno_unit.find("SystemCallErrorNumber=EPERM\n"), std::string::npos);
  const std::string log_unit = analyze("systemd", "log");
  EXPECT_EQ(log_unit.find("SystemCallFilter="), std::string::npos);
  EXPECT_NE(log_unit.find("SystemCallLog=~"), std::string::npos);
  auto trap = run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "--format",
                           "systemd", "--action", "trap"});
  EXPECT_EQ(trap.status, 2);
  EXPECT_NE(trap.err.find("cannot trap"), std::string::npos) << trap.err;
  EXPECT_TRUE(trap.out.empty());
}

}  // namespace
}  // namespace sysfence
