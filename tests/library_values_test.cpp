// Library value models (data/library_values.json): the table's format, and, on this
// machine's libseccomp, that a program sandboxing itself gets the seccomp syscall in its
// profile, that a traced run of it replays allowed (a wrong model would show a denied
// call), and that it runs under that profile in kill mode.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "analysis/library_values.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sysfence {
namespace {

using analysis::LibraryValues;
using testing::run_command;

const std::string kProbe = std::string(SYSFENCE_PROBE_DIR) + "/seccomp_probe";

TEST(LibraryValues, CompiledTableModelsLibseccomp) {
  const auto* model = LibraryValues::table().model_for("libseccomp.so.2");
  ASSERT_NE(model, nullptr);
  ASSERT_FALSE(model->arguments.empty());
  EXPECT_EQ(model->arguments[0].function, "syscall");
  EXPECT_EQ(model->arguments[0].syscalls, std::vector<std::string>{"seccomp"});
  EXPECT_EQ(LibraryValues::table().model_for("libc.so.6"), nullptr);
}

TEST(LibraryValues, EntriesMustSayWhatTheyWereCheckedAgainst) {
  auto parsed = LibraryValues::parse(nlohmann::json::parse(R"({"libraries": [{"soname": "libx.so.1", "calls": [
      {"function": "syscall", "argument": 0, "syscalls": ["seccomp"]}]}]})"),
                                     "values.json");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("values.json: model of libx.so.1"), std::string::npos)
      << parsed.error().message;
  parsed = LibraryValues::parse(nlohmann::json::parse(R"({"libraries": [{"soname": "libx.so.1", "checked": "x",
      "calls": [{"function": "syscall", "argument": 0, "syscalls": []}]}]})"),
                                "values.json");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("lists no syscalls"), std::string::npos);
  parsed = LibraryValues::parse(nlohmann::json::parse(R"({"libraries": [{"soname": 3}]})"), "values.json");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message.rfind("values.json: ", 0), 0u);
}

TEST(LibraryValues, ASelfSandboxingProgramRunsUnderItsOwnProfile) {
  testing::TempDir dir;
  const std::string profile = (dir.path() / "probe.json").string();
  const auto analysed =
      run_command({SYSFENCE_BINARY, "analyze", kProbe, "--no-cache", "--accept-unresolved", "-o", profile});
  ASSERT_EQ(analysed.status, 0) << analysed.err;
  std::set<std::string> allowed;
  const auto json = nlohmann::json::parse(std::ifstream(profile));
  for (const auto& s : json["syscalls"]) allowed.insert(s["name"].get<std::string>());
  EXPECT_TRUE(allowed.count("seccomp")) << "libseccomp's seccomp call is not in the profile";

  // Every call of a traced run is allowed, with its arguments.
  const std::string trace = (dir.path() / "probe.trace").string();
  const auto traced = run_command({SYSFENCE_BINARY, "trace", "-o", trace, "--", kProbe});
  ASSERT_EQ(traced.status, 0) << traced.err;
  bool made_seccomp = false;
  std::ifstream in(trace);
  for (std::string line; std::getline(in, line);) made_seccomp |= nlohmann::json::parse(line)["name"] == "seccomp";
  EXPECT_TRUE(made_seccomp) << "the probe no longer makes the seccomp syscall";
  const auto checked = run_command({SYSFENCE_BINARY, "check", "--policy", profile, "--trace", trace});
  EXPECT_EQ(checked.status, 0) << checked.out << checked.err;

  // Under its own profile in kill mode it loads its filter and works.
  const auto run = run_command({SYSFENCE_BINARY, "run", "--policy", profile, "--", kProbe});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("sandboxed"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace sysfence
