// `sysfence run` and `sysfence trace` on this machine: the profile confines the command
// from its first instruction (fails closed when it cannot), every format loads, and the
// tracer's JSON lines follow children and replay through `check`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <seccomp.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sysfence {
namespace {

using testing::run_command;

class RunAndTrace : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = path("true.json");
    auto r = run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "-o", policy_});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }
  testing::CommandResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {SYSFENCE_BINARY, "run"});
    return run_command(args);
  }

  ::sysfence::testing::TempDir dir_;
  std::string policy_;
};

TEST_F(RunAndTrace, RunConfinesTheCommandFromItsStart) {
  EXPECT_EQ(run({"--policy", policy_, "--", "/bin/true"}).status, 0);
  EXPECT_EQ(run({"--policy", policy_, "--", "/bin/sync"}).status, 128 + SIGSYS);  // sync(2) is not in true's profile
  EXPECT_EQ(run({"--policy", policy_, "--action", "errno", "--", "/bin/sync"}).status, 0);  // sync(2) fails, quietly
  const auto logged = run({"--policy", policy_, "--action", "log", "--", "/bin/sync"});
  EXPECT_EQ(logged.status, 0);
  EXPECT_NE(logged.err.find("log mode"), std::string::npos);
}

TEST_F(RunAndTrace, RunLoadsEveryPolicyFormat) {
  for (const char* format : {"oci", "bpf"}) {
    const std::string file = path(std::string("true.") + format);
    ASSERT_EQ(run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "--format", format, "-o", file}).status,
              0);
    EXPECT_EQ(run({"--policy", file, "--", "/bin/true"}).status, 0) << format;
    EXPECT_EQ(run({"--policy", file, "--", "/bin/sync"}).status, 128 + SIGSYS) << format;
  }
}

TEST_F(RunAndTrace, RunFailsClosed) {
  // The command would leave a file behind; whenever run refuses, the file must not appear.
  const std::string marker = path("ran");
  const std::vector<std::string> command = {"--", "/bin/sh", "-c", "echo > " + marker};
  auto refuse = [&](std::vector<std::string> args, const std::string& what) {
    args.insert(args.end(), command.begin(), command.end());
    const auto r = run(args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(marker)) << "the command ran";
  };
  refuse({"--policy", path("missing.json")}, "cannot read");
  std::ofstream(path("broken.json")) << "{\"schema\": ";
  refuse({"--policy", path("broken.json")}, "not valid JSON");
  std::ofstream(path("arm.json")) << R"({"schema": "sysfence-policy/1", "arch": "arm",
                                        "syscalls": [{"name": "exit_group", "nr": 248, "rules": []}]})";
  refuse({"--policy", path("arm.json")}, "the policy is for arm, not x86_64");
  const std::string bpf = path("true.bpf");
  ASSERT_EQ(run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "--format", "bpf", "-o", bpf}).status, 0);
  refuse({"--policy", bpf, "--action", "log"}, "actions are fixed");
  // A raw filter made for another architecture would kill the command's first call.
  const std::string foreign = path("aarch64.bpf");
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  ASSERT_NE(ctx, nullptr);
  ASSERT_EQ(seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE), 0);
  ASSERT_EQ(seccomp_arch_add(ctx, SCMP_ARCH_AARCH64), 0);
  const int fd = open(foreign.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(seccomp_export_bpf(ctx, fd), 0);
  close(fd);
  seccomp_release(ctx);
  refuse({"--policy", foreign}, "a filter for aarch64 (its architecture check), not for x86_64");
  const auto missing = run({"--policy", policy_, "--", "no-such-command-here"});
  EXPECT_EQ(missing.status, 127);
  EXPECT_NE(missing.err.find("command not found"), std::string::npos);
}

TEST_F(RunAndTrace, TraceFollowsChildrenAndReplaysThroughCheck) {
  const std::string trace = path("sh.trace");
  auto r = run_command({SYSFENCE_BINARY, "trace", "-o", trace, "--", "/bin/sh", "-c", "/bin/true; exit 3"});
  EXPECT_EQ(r.status, 3) << r.err;  // the command's own status
  std::ifstream in(trace);
  std::string line;
  std::set<long> pids;
  size_t execs = 0;
  while (std::getline(in, line)) {
    const auto record = nlohmann::json::parse(line);
    ASSERT_TRUE(record.contains("name") && record.contains("nr") && record.contains("pid")) << line;
    ASSERT_EQ(record["args"].size(), 6u) << line;
    EXPECT_EQ(record["arch"], "x86_64");
    pids.insert(record["pid"].get<long>());
    if (record["name"] == "execve") ++execs;
  }
  EXPECT_GE(pids.size(), 2u) << "the shell's child (/bin/true) was not followed";
  EXPECT_EQ(execs, 2u);  // sh, then true in the child

  const std::string true_trace = path("true.trace");
  ASSERT_EQ(run_command({SYSFENCE_BINARY, "trace", "-o", true_trace, "--", "/bin/true"}).status, 0);
  {
    // The trace is the command's: it starts with the exec, not with what the tracer's
    // forked child does before it (glibc's set_robust_list, closing pipes).
    std::ifstream first(true_trace);
    ASSERT_TRUE(std::getline(first, line));
    EXPECT_EQ(nlohmann::json::parse(line)["name"], "execve") << line;
  }
  r = run_command({SYSFENCE_BINARY, "check", "--policy", policy_, "--trace", true_trace});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" 0 denied"), std::string::npos) << r.out;
  const std::string sync_trace = path("sync.trace");
  ASSERT_EQ(run_command({SYSFENCE_BINARY, "trace", "-o", sync_trace, "--", "/bin/sync"}).status, 0);
  r = run_command({SYSFENCE_BINARY, "check", "--policy", policy_, "--trace", sync_trace});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("denied: line"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sync("), std::string::npos) << r.out;
}

TEST_F(RunAndTrace, TraceOfAMissingCommandFails) {
  const auto r = run_command({SYSFENCE_BINARY, "trace", "-o", path("x.trace"), "--", "no-such-command-here"});
  EXPECT_EQ(r.status, 127);
  EXPECT_NE(r.err.find("no-such-command-here"), std::string::npos) << r.err;
}

// A program that stops itself (SIGSTOP, as a shell's job control or a daemon waiting for
// a debugger does) stays stopped under `trace` until it is continued, then runs on and
// is traced to its end: the tracer seizes it (PTRACE_SEIZE), so a group-stop is not
// mistaken for a signal to deliver and resume.
TEST_F(RunAndTrace, TraceKeepsAStoppedProgramStoppedUntilContinued) {
  const std::string pid_file = path("pid"), done_file = path("done"), trace = path("stop.trace");
  const std::string script = "echo $$ > " + pid_file + "; kill -STOP $$; echo resumed > " + done_file;
  testing::CommandResult traced;
  std::thread tracer([&] { traced = run_command({SYSFENCE_BINARY, "trace", "-o", trace, "--", "/bin/sh", "-c", script}); });
  pid_t pid = 0;
  for (int i = 0; i < 100 && pid == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream(pid_file) >> pid;
  }
  ASSERT_GT(pid, 0) << "the traced shell did not start";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_FALSE(std::filesystem::exists(done_file)) << "the stopped program ran on";
  kill(pid, SIGCONT);  // the shell this test started
  tracer.join();
  EXPECT_EQ(traced.status, 0) << traced.err;
  EXPECT_TRUE(std::filesystem::exists(done_file)) << "the program did not run on after SIGCONT";
  std::ifstream lines(trace);
  std::set<std::string> names;
  for (std::string line; std::getline(lines, line);) names.insert(nlohmann::json::parse(line)["name"].get<std::string>());
  EXPECT_TRUE(names.count("kill"));
  EXPECT_TRUE(names.count("exit_group"));
}

}  // namespace
}  // namespace sysfence
