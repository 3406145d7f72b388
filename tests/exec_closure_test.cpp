// The exec closure (analysis/exec_closure.*, data/exec_calls.json): exec sites found with
// their constant paths (execl; system() and popen() through glibc's posix_spawn), the
// programs they run analysed in the same sysroot and added to the profile, --also for a
// program the code cannot name, scripts through their interpreter, and targets that
// cannot be analysed reported. The profiles are then enforced in kill mode: the probe and
// everything it runs work under the closure's profile, and are killed without it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "analysis/exec_calls.h"
#include "analysis/exec_closure.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;
using testing::run_command;

const std::string kProbeDir = SYSFENCE_PROBE_DIR;
const std::string kHelper = kProbeDir + "/exec_helper";  // the constant path in exec_probe.c
const std::string kOther = kProbeDir + "/exec_other";    // named only on the command line

TEST(ExecCalls, CompiledTableNamesThePathArguments) {
  const auto& table = analysis::ExecCalls::table();
  EXPECT_EQ(table.syscall_path("execve"), 0);
  EXPECT_EQ(table.syscall_path("execveat"), 1);
  EXPECT_FALSE(table.syscall_path("openat"));
  ASSERT_NE(table.function("posix_spawn"), nullptr);
  EXPECT_EQ(table.function("posix_spawn")->path, 1);
  ASSERT_NE(table.function("posix_spawnp"), nullptr);
  EXPECT_TRUE(table.function("posix_spawnp")->searched);
  EXPECT_EQ(table.function("execve"), nullptr);
}

void write_file(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

TEST(ExecClosure, FindsTargetsInsideTheSysroot) {
  testing::TempDir dir;
  write_file(dir.path() / "usr/bin/cat", "x");
  fs::create_directories(dir.path() / "bin");
  fs::create_symlink("/usr/bin/cat", dir.path() / "bin/cat");
  const program::Sysroot root(dir.path());
  EXPECT_EQ(analysis::find_executed(root, "/bin/cat", "/sbin/init"), "/usr/bin/cat");
  EXPECT_EQ(analysis::find_executed(root, "cat", "/sbin/init"), "/usr/bin/cat");  // searched in PATH
  EXPECT_EQ(analysis::find_executed(root, "/proc/self/exe", "/usr/bin/cat"), "/usr/bin/cat");
  EXPECT_FALSE(analysis::find_executed(root, "bin/cat", "/sbin/init"));  // relative to an unknown directory
  EXPECT_FALSE(analysis::find_executed(root, "/bin/tac", "/sbin/init"));
}

/// A sysroot with this machine's glibc, its /bin/sh, the probe as /bin/probe and the
/// helpers at their host paths (the paths the probe runs).
class ExecProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path lib = dir_.path() / "lib/x86_64-linux-gnu";
    fs::create_directories(lib);
    fs::create_directories(dir_.path() / "lib64");
    for (const char* name : {"libc.so.6", "ld-linux-x86-64.so.2"}) {
      fs::copy_file(fs::path("/lib/x86_64-linux-gnu") / name, lib / name);
    }
    fs::create_symlink("../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", dir_.path() / "lib64/ld-linux-x86-64.so.2");
    fs::create_directories(dir_.path() / "bin");
    fs::copy_file(fs::canonical("/bin/sh"), dir_.path() / "bin/sh");
    fs::copy_file(kProbeDir + "/exec_probe", dir_.path() / "bin/probe");
    for (const std::string& helper : {kHelper, kOther}) {
      const fs::path inside = dir_.path() / helper.substr(1);
      fs::create_directories(inside.parent_path());
      fs::copy_file(helper, inside);
    }
  }

  /// The native profile of the probe (written to `file`) with extra analyze arguments.
  nlohmann::json analyse(const std::string& file, const std::vector<std::string>& extra = {},
                         std::string* err = nullptr) {
    std::vector<std::string> argv = {SYSFENCE_BINARY, "analyze", "/bin/probe", "--accept-unresolved", "--sysroot", dir_.str(),
                                     "--no-cache",    "-o",      file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto r = run_command(argv);
    EXPECT_EQ(r.status, 0) << r.err;
    if (err != nullptr) *err = r.err;
    std::ifstream in(file);
    return nlohmann::json::parse(in);
  }

  static std::set<std::string> syscalls(const nlohmann::json& profile) {
    std::set<std::string> names;
    for (const auto& s : profile["syscalls"]) names.insert(s["name"].get<std::string>());
    return names;
  }

  static std::set<std::string> exec_paths(const nlohmann::json& profile) {
    std::set<std::string> paths;
    for (const auto& e : profile["exec"]) paths.insert(e["path"].is_null() ? "(not constant)" : e["path"].get<std::string>());
    return paths;
  }

  /// Runs the probe (with `args`) under `policy` in kill mode.
  testing::CommandResult run_probe(const std::string& policy, const std::vector<std::string>& args = {}) {
    std::vector<std::string> argv = {SYSFENCE_BINARY, "run", "--policy", policy, "--", kProbeDir + "/exec_probe"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }

  std::string file(const std::string& name) const { return (dir_.path() / name).string(); }

  testing::TempDir dir_;
};

TEST_F(ExecProbe, ConstantTargetsJoinTheProfileAndRunUnderIt) {
  const auto closure = analyse(file("closure.json"));
  const auto paths = exec_paths(closure);
  EXPECT_TRUE(paths.count(kHelper)) << closure["exec"].dump(1);    // execl
  EXPECT_TRUE(paths.count("/bin/sh")) << closure["exec"].dump(1);  // system() and popen()
  std::set<std::string> executed;
  for (const auto& p : closure["executed"]) {
    EXPECT_FALSE(p.contains("problem")) << p.dump();
    executed.insert(p["path"].get<std::string>());
  }
  EXPECT_EQ(executed, (std::set<std::string>{"/bin/probe", "/bin/sh", kHelper}));
  EXPECT_TRUE(syscalls(closure).count("personality"));

  const auto alone = analyse(file("alone.json"), {"--no-exec-closure"});
  ASSERT_FALSE(syscalls(alone).count("personality")) << "the probe itself now makes the helper's syscall";
  EXPECT_EQ(alone["executed"].size(), 1u);

  const auto works = run_probe(file("closure.json"));
  EXPECT_EQ(works.status, 0) << works.err;
  EXPECT_NE(works.out.find("helper execl"), std::string::npos) << works.out;
  EXPECT_NE(works.out.find("helper system"), std::string::npos) << works.out;
  EXPECT_NE(works.out.find("helper popen"), std::string::npos) << works.out;
  // Without the closure the helper is killed by the filter it inherits.
  EXPECT_NE(run_probe(file("alone.json")).status, 0);
}

TEST_F(ExecProbe, AlsoAddsAProgramTheCodeCannotName) {
  std::string err;
  const auto without = analyse(file("without.json"), {}, &err);
  EXPECT_TRUE(exec_paths(without).count("(not constant)")) << without["exec"].dump(1);  // execv(argv[1])
  EXPECT_NE(err.find("cannot name"), std::string::npos) << err;
  ASSERT_FALSE(syscalls(without).count("sched_rr_get_interval")) << "the closure already makes the other helper's syscall";
  EXPECT_NE(run_probe(file("without.json"), {kOther, "named"}).status, 0);

  const auto with = analyse(file("with.json"), {"--also", kOther});
  EXPECT_TRUE(syscalls(with).count("sched_rr_get_interval"));
  const auto works = run_probe(file("with.json"), {kOther, "named"});
  EXPECT_EQ(works.status, 0) << works.err;
  EXPECT_NE(works.out.find("helper named"), std::string::npos) << works.out;
}

TEST_F(ExecProbe, ScriptsRunTheirInterpreterAndMissingTargetsAreReported) {
  write_file(dir_.path() / "usr/lib/cgi-bin/hook", "#!/bin/sh\necho hook\n");
  std::string err;
  const auto profile = analyse(file("script.json"), {"--also", "/usr/lib/cgi-bin/hook", "--also", "/usr/bin/absent"},
                               &err);
  bool script = false, interpreter = false, absent = false;
  for (const auto& p : profile["executed"]) {
    const auto path = p["path"].get<std::string>();
    const auto why = p["why"].get<std::string>();
    script = script || (path == "/usr/lib/cgi-bin/hook" && why.find("a script") != std::string::npos);
    interpreter = interpreter || (path == "/bin/sh" && !p.contains("problem"));
    absent = absent || (path == "/usr/bin/absent" && p.value("problem", "").find("not in the sysroot") != std::string::npos);
  }
  EXPECT_TRUE(script) << profile["executed"].dump(1);
  EXPECT_TRUE(interpreter) << profile["executed"].dump(1);
  EXPECT_TRUE(absent) << profile["executed"].dump(1);
  EXPECT_NE(err.find("/usr/bin/absent (--also) is not in the sysroot"), std::string::npos) << err;
}

}  // namespace
}  // namespace sysfence
