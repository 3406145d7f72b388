// Library models (data/library_gates.json): the table's format, that a model applies only
// to the release it was checked against, and, on this machine's glibc 2.36, that a gate
// stays closed for a program that does not use its feature and opens for each way of
// using it, where a traced run shows the held-back syscalls really being made.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "analysis/library_gates.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sysfence {
namespace {

using analysis::LibraryModels;
using testing::run_command;

TEST(LibraryModels, CompiledTableIsWellFormed) {
  const auto& models = LibraryModels::table().models();
  ASSERT_FALSE(models.empty());
  for (const auto& model : models) {
    EXPECT_FALSE(model.release.empty()) << model.soname;
    for (const auto& gate : model.gates) {
      EXPECT_FALSE(gate.wrappers.empty() && gate.values.empty()) << gate.feature;
      EXPECT_FALSE(gate.openers.empty()) << gate.feature;
    }
  }
}

TEST(LibraryModels, MalformedEntriesNameFileAndFunction) {
  auto table = [](const std::string& opener) {
    return nlohmann::json::parse(R"({"libraries": [{"soname": "libc.so.6", "release": "version 9.", "gates": [
        {"feature": "f", "wrappers": ["getpgid"], "openers": [)" + opener + "]}]}]}");
  };
  auto parsed = LibraryModels::parse(table(R"({"function": "g", "argument": 1})"), "gates.json");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("gates.json: libc.so.6: f: g: \"argument\" and \"bits\" go together"),
            std::string::npos)
      << parsed.error().message;
  parsed = LibraryModels::parse(table(R"({"function": "g", "argument": 1, "bits": "0"})"), "gates.json");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("\"bits\" is 0"), std::string::npos);
  parsed = LibraryModels::parse(table(R"({"function": "g", "argument": 7, "bits": "0x10"})"), "gates.json");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("argument index 7"), std::string::npos);
  parsed = LibraryModels::parse(nlohmann::json::parse(R"({"libraries": [{"release": "x"}]})"), "gates.json");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message.rfind("gates.json: ", 0), 0u);
  EXPECT_TRUE(LibraryModels::parse(table(R"({"function": "g", "argument": 1, "bits": "0x30"})"), "gates.json"));
}

TEST(LibraryModels, ApplyOnlyToTheReleaseTheyWereCheckedAgainst) {
  const auto& models = LibraryModels::table();
  const std::string banner = "GNU C Library (Debian GLIBC 2.36-9) stable release version 2.36.\n";
  EXPECT_NE(models.model_for("libc.so.6", "\x7f" "ELF..." + banner), nullptr);
  EXPECT_EQ(models.model_for("libc.so.6", "GNU C Library (GNU libc) stable release version 2.37.\n"), nullptr);
  EXPECT_EQ(models.model_for("libc.so.6", "GNU C Library stable release version 2.361.\n"), nullptr);
  EXPECT_EQ(models.model_for("libm.so.6", banner), nullptr);
}

/// A sysroot with this machine's glibc and one build of tests/probes/feature_probe.c.
class FeatureProbe : public ::testing::Test {
 protected:
  void install(const std::string& feature) {
    namespace fs = std::filesystem;
    const fs::path lib = dir_.path() / "lib/x86_64-linux-gnu";
    fs::create_directories(lib);
    fs::create_directories(dir_.path() / "lib64");
    fs::create_directories(dir_.path() / "bin");
    for (const char* name : {"libc.so.6", "ld-linux-x86-64.so.2"}) {
      fs::copy_file(fs::path("/lib/x86_64-linux-gnu") / name, lib / name);
    }
    fs::create_symlink("../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", dir_.path() / "lib64/ld-linux-x86-64.so.2");
    probe_ = std::string(SYSFENCE_PROBE_DIR) + "/feature_probe_" + feature;
    fs::copy_file(probe_, dir_.path() / "bin/probe");
  }

  /// The syscalls of the probe's profile, and the "library model" lines of its report.
  std::set<std::string> analyse(bool models, std::string* report = nullptr) {
    std::vector<std::string> argv = {SYSFENCE_BINARY, "analyze", "/bin/probe", "--accept-unresolved", "--sysroot", dir_.str(), "--no-cache"};
    if (!models) argv.push_back("--no-library-models");
    const auto r = run_command(argv);
    EXPECT_EQ(r.status, 0) << r.err;
    const auto profile = nlohmann::json::parse(r.out);
    profile_ = profile;
    std::set<std::string> names;
    for (const auto& s : profile["syscalls"]) names.insert(s["name"].get<std::string>());
    if (report != nullptr) {
      argv.insert(argv.end(), {"--format", "report"});
      *report = run_command(argv).out;
    }
    return names;
  }

  /// The values the last profile allows in argument `index` of `syscall` (empty when
  /// any value is allowed or the syscall is not).
  std::set<uint64_t> allowed_values(const std::string& syscall, const std::string& index) const {
    std::set<uint64_t> values;
    for (const auto& s : profile_["syscalls"]) {
      if (s["name"] != syscall) continue;
      for (const auto& rule : s.value("rules", nlohmann::json::array())) {
        if (!rule["args"].contains(index)) return {};  // a rule that does not check it
        for (uint64_t v : rule["args"][index]) values.insert(v);
      }
    }
    return values;
  }

  /// A traced run of the probe replays allowed against the last profile, arguments
  /// included, and runs under it in kill mode.
  void expect_run_allowed_with_arguments() {
    const std::string profile = (dir_.path() / "probe.json").string();
    std::ofstream(profile) << profile_.dump();
    const std::string file = (dir_.path() / "probe.trace").string();
    const auto traced = run_command({SYSFENCE_BINARY, "trace", "-o", file, "--", probe_});
    EXPECT_EQ(traced.status, 0) << traced.err;
    const auto checked = run_command({SYSFENCE_BINARY, "check", "--policy", profile, "--trace", file});
    EXPECT_EQ(checked.status, 0) << checked.out << checked.err;
    const auto run = run_command({SYSFENCE_BINARY, "run", "--policy", profile, "--", probe_});
    EXPECT_EQ(run.status, 0) << run.err;
  }

  /// The syscalls a run of the probe makes (its children included).
  std::set<std::string> trace() {
    const std::string file = (dir_.path() / "probe.trace").string();
    const auto r = run_command({SYSFENCE_BINARY, "trace", "-o", file, "--", probe_});
    EXPECT_EQ(r.status, 0) << r.err;
    std::set<std::string> names;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      names.insert(nlohmann::json::parse(line)["name"].get<std::string>());
    }
    return names;
  }

  /// Every syscall in `wanted` the run makes is in the profile, and the run makes `expected`.
  void expect_run_allowed(const std::set<std::string>& profile, const std::set<std::string>& wanted,
                          const std::string& expected) {
    const auto traced = trace();
    EXPECT_TRUE(traced.count(expected)) << expected << " was not made: the probe no longer uses the feature";
    for (const auto& name : wanted) {
      if (traced.count(name)) {
        EXPECT_TRUE(profile.count(name)) << name << " is made but not allowed";
      }
    }
  }

  testing::TempDir dir_;
  std::string probe_;
  nlohmann::json profile_;
};

const std::set<std::string> kSchedulingCalls = {"sched_get_priority_max", "sched_get_priority_min",
                                                "sched_getparam",         "sched_getscheduler",
                                                "sched_setparam",         "sched_setscheduler"};

TEST_F(FeatureProbe, SystemLeavesBothGatesClosed) {
  install("system");
  std::string report;
  const auto gated = analyse(true, &report);
  ASSERT_TRUE(gated.count("wait4")) << "system() waits for its child";
  for (const auto& name : kSchedulingCalls) EXPECT_FALSE(gated.count(name)) << name;
  EXPECT_FALSE(gated.count("getpgid"));
  EXPECT_NE(report.find("library model: libc.so.6: thread scheduling"), std::string::npos) << report;
  EXPECT_NE(report.find("library model: libc.so.6: the tcsetpgrp file action"), std::string::npos) << report;
  // Without the models, system()'s posix_spawn child reaches them all.
  const auto all = analyse(false);
  EXPECT_TRUE(all.count("sched_setparam"));
  EXPECT_TRUE(all.count("getpgid"));
  for (const auto& name : gated) EXPECT_TRUE(all.count(name)) << name;
}

TEST_F(FeatureProbe, SpawnWithSchedulingAttributesOpensTheSchedulingGate) {
  install("spawn_schedparam");
  const auto profile = analyse(true);
  for (const auto& name : kSchedulingCalls) EXPECT_TRUE(profile.count(name)) << name;
  EXPECT_FALSE(profile.count("getpgid"));
  expect_run_allowed(profile, kSchedulingCalls, "sched_setparam");
}

TEST_F(FeatureProbe, PriorityProtectMutexOpensTheSchedulingGate) {
  install("prio_protect");
  const auto profile = analyse(true);
  // Locking it changes the thread's priority (tpp.c); only posix_spawn and
  // pthread_setschedprio call sched_setparam.
  for (const auto& name : kSchedulingCalls) {
    if (name != "sched_setparam") {
      EXPECT_TRUE(profile.count(name)) << name;
    }
  }
  expect_run_allowed(profile, kSchedulingCalls, "sched_setscheduler");
}

TEST_F(FeatureProbe, SpawnTcsetpgrpActionOpensTheProcessGroupGate) {
  install("spawn_tcsetpgrp");
  const auto profile = analyse(true);
  EXPECT_TRUE(profile.count("getpgid"));
  expect_run_allowed(profile, {"getpgid"}, "getpgid");
}

/// glibc 2.36's priority-inheritance futex operations (FUTEX_LOCK_PI, UNLOCK_PI,
/// TRYLOCK_PI, LOCK_PI2, with the private and realtime-clock flags), and the requeue-PI
/// ones it never makes (FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI).
const std::set<uint64_t> kPriorityInheritanceOperations = {6, 7, 8, 13, 134, 135, 136, 141, 269, 397};
const std::set<uint64_t> kRequeuePiOperations = {11, 12, 139, 140};

// Threads that wait on semaphores, a barrier and a read-write lock, and are joined: the
// site model pins every futex operation glibc makes (a run replays allowed with its
// arguments, so a missing operation fails), and with no mutex anywhere the
// priority-inheritance operations are left out.
TEST_F(FeatureProbe, ThreadsWithoutMutexesGetFutexWithoutPriorityInheritance) {
  install("threads");
  std::string report;
  analyse(true, &report);
  const auto operations = allowed_values("futex", "1");
  ASSERT_FALSE(operations.empty()) << "futex is allowed with any operation, or not at all";
  for (uint64_t op : operations) {
    EXPECT_FALSE(kPriorityInheritanceOperations.count(op)) << op;
    EXPECT_FALSE(kRequeuePiOperations.count(op)) << op;
  }
  EXPECT_TRUE(operations.count(129)) << "FUTEX_WAKE_PRIVATE";
  EXPECT_NE(report.find("library model: libc.so.6: priority-inheritance (PTHREAD_PRIO_INHERIT) mutexes unused"),
            std::string::npos)
      << report;
  expect_run_allowed_with_arguments();
  // Without the models the same sites allow the priority-inheritance operations.
  analyse(false);
  EXPECT_TRUE(allowed_values("futex", "1").count(134));
}

// A priority-inheritance mutex two threads contend for: the gate opens, the run's
// FUTEX_LOCK_PI and FUTEX_UNLOCK_PI are allowed, and still no requeue-PI operation is.
TEST_F(FeatureProbe, PriorityInheritanceMutexOpensTheFutexGate) {
  install("prio_inherit");
  analyse(true);
  const auto operations = allowed_values("futex", "1");
  ASSERT_FALSE(operations.empty()) << "futex is allowed with any operation, or not at all";
  EXPECT_TRUE(operations.count(134)) << "FUTEX_LOCK_PI_PRIVATE";
  EXPECT_TRUE(operations.count(135)) << "FUTEX_UNLOCK_PI_PRIVATE";
  for (uint64_t op : operations) EXPECT_FALSE(kRequeuePiOperations.count(op)) << op;
  expect_run_allowed_with_arguments();
}

}  // namespace
}  // namespace sysfence
