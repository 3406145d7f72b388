// Library value models (data/library_values.json): the table's format, and, on this
// machine's libseccomp, libcap, glibc and libcrypto, that a program using them gets the
// syscall they make in its profile, that a traced run of it replays allowed (a wrong
// model would show a denied call), and that it runs under that profile in kill mode.
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

/// Analyses `probe`, checks its profile allows `syscall` and leaves no site in `library`
/// unresolved, that a traced run makes it and
/// replays allowed (a wrong model would show a denied call), and that the probe runs
/// under the profile in kill mode, printing `output`.
void expect_runs_under_its_own_profile(const std::string& probe, const std::string& library,
                                       const std::string& syscall, const std::string& output) {
  testing::TempDir dir;
  const std::string profile = (dir.path() / "probe.json").string();
  const auto analysed =
      run_command({SYSFENCE_BINARY, "analyze", probe, "--no-cache", "--accept-unresolved", "-o", profile});
  ASSERT_EQ(analysed.status, 0) << analysed.err;
  std::set<std::string> allowed;
  const auto json = nlohmann::json::parse(std::ifstream(profile));
  for (const auto& s : json["syscalls"]) allowed.insert(s["name"].get<std::string>());
  EXPECT_TRUE(allowed.count(syscall)) << syscall << ", made through the library, is not in the profile";
  // No site the model covers is left unresolved.
  for (const auto& site : json["unresolved"]) {
    for (const auto& function : site["via"]) {
      EXPECT_EQ(function.get<std::string>().find(library), std::string::npos) << site.dump();
    }
  }

  const std::string trace = (dir.path() / "probe.trace").string();
  const auto traced = run_command({SYSFENCE_BINARY, "trace", "-o", trace, "--", probe});
  ASSERT_EQ(traced.status, 0) << traced.err;
  bool made = false;
  std::ifstream in(trace);
  for (std::string line; std::getline(in, line);) made |= nlohmann::json::parse(line)["name"] == syscall;
  EXPECT_TRUE(made) << "the probe no longer makes " << syscall;
  const auto checked = run_command({SYSFENCE_BINARY, "check", "--policy", profile, "--trace", trace});
  EXPECT_EQ(checked.status, 0) << checked.out << checked.err;

  const auto run = run_command({SYSFENCE_BINARY, "run", "--policy", profile, "--", probe});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find(output), std::string::npos) << run.out;
}

// libseccomp resolves the seccomp syscall's number at run time and keeps it in a global.
TEST(LibraryValues, ASelfSandboxingProgramRunsUnderItsOwnProfile) {
  expect_runs_under_its_own_profile(std::string(SYSFENCE_PROBE_DIR) + "/seccomp_probe", "libseccomp.so", "seccomp",
                                    "sandboxed");
}

// libcap's syscall hooks (called through a table in writable data) take the number as
// input. Without libpsx the run takes glibc's capset wrapper instead, so the trace shows
// capset but not the hook path; the hook's numbers are checked against the source.
TEST(LibraryValues, AProgramSettingItsCapabilitiesWithLibcapRunsUnderItsOwnProfile) {
  expect_runs_under_its_own_profile(std::string(SYSFENCE_PROBE_DIR) + "/libcap_probe", "libcap.so", "capset",
                                    "capabilities set");
}

/// The rules `probe`'s profile gives `syscall` (null when the profile lacks it).
nlohmann::json rules_for(const std::string& probe, const std::string& syscall) {
  testing::TempDir dir;
  const std::string profile = (dir.path() / "probe.json").string();
  const auto analysed =
      run_command({SYSFENCE_BINARY, "analyze", probe, "--no-cache", "--accept-unresolved", "-o", profile});
  EXPECT_EQ(analysed.status, 0) << analysed.err;
  if (analysed.status != 0) return nullptr;
  const auto json = nlohmann::json::parse(std::ifstream(profile));
  for (const auto& s : json["syscalls"]) {
    if (s["name"] == syscall) return s["rules"];
  }
  return nullptr;
}

// getaddrinfo's results are AF_INET or AF_INET6: `socket(rp->ai_family, …)` over the
// result list gets a rule with those families (without the model, socket is allowed with
// any arguments), and the traced run replays allowed.
TEST(LibraryValues, TheFamilyOfAGetaddrinfoResultIsPinned) {
  const std::string probe = std::string(SYSFENCE_PROBE_DIR) + "/getaddrinfo_probe";
  expect_runs_under_its_own_profile(probe, "libc.so", "socket", "sockets opened");
  const auto rules = rules_for(probe, "socket");
  ASSERT_TRUE(rules.is_array()) << "the profile lacks socket";
  ASSERT_FALSE(rules.empty()) << "socket is allowed with any arguments";
  // The probe's site: the family from the result list, the type and protocol unknown.
  // (glibc's own lookups add AF_UNIX for nscd and AF_NETLINK for the interface check,
  // and two sites whose family comes from its internal lists.)
  bool from_results = false;
  for (const auto& rule : rules) {
    if (!rule["args"].contains("0")) continue;
    const auto families = rule["args"]["0"].get<std::set<uint64_t>>();
    from_results |= families == std::set<uint64_t>{2, 10} && rule["args"].size() == 1;
    for (uint64_t family : families) {
      EXPECT_TRUE(family == 1 || family == 2 || family == 10 || family == 16) << family;
    }
  }
  EXPECT_TRUE(from_results) << rules.dump();
}

// libcrypto's connect BIO makes its socket from an address list it keeps on the heap:
// the model gives the socket call inside BIO_socket the family, type and protocol its
// lookups can produce (without it, socket is allowed with any arguments).
TEST(LibraryValues, TheSocketOfAnOpensslConnectBioIsPinned) {
  const std::string probe = std::string(SYSFENCE_PROBE_DIR) + "/bio_connect_probe";
  expect_runs_under_its_own_profile(probe, "libcrypto.so", "socket", "connected through a BIO");
  const auto rules = rules_for(probe, "socket");
  ASSERT_TRUE(rules.is_array()) << "the profile lacks socket";
  ASSERT_FALSE(rules.empty()) << "socket is allowed with any arguments";
  bool modelled = false;
  for (const auto& rule : rules) {
    const auto& args = rule["args"];
    modelled |= args.size() == 3 && args["0"].get<std::set<uint64_t>>() == std::set<uint64_t>{1, 2, 10} &&
                args["1"].get<std::set<uint64_t>>() == std::set<uint64_t>{1} &&
                args["2"].get<std::set<uint64_t>>() == std::set<uint64_t>{0, 6};
  }
  EXPECT_TRUE(modelled) << "no rule with the families, type and protocols of the libcrypto model";
}

TEST(LibraryValues, ValueModelsListNumbersWithMipsOwnReplacingThem) {
  const auto parsed = LibraryValues::parse(nlohmann::json::parse(R"({"libraries": [{"soname": "libx.so.1",
      "checked": "x", "calls": [{"function": "f", "argument": 1, "values": [1], "mips": [2]},
                                {"function": "f", "argument": 2, "values": [0, 6]}]}]})"),
                                           "values.json");
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto* model = parsed->model_for("libx.so.1");
  ASSERT_NE(model, nullptr);
  ASSERT_EQ(model->arguments.size(), 2u);
  EXPECT_EQ(model->arguments[0].values, std::vector<uint64_t>{1});
  EXPECT_EQ(model->arguments[0].mips_values, std::vector<uint64_t>{2});
  EXPECT_EQ(model->arguments[1].mips_values, (std::vector<uint64_t>{0, 6}));  // the same everywhere
  const auto both = LibraryValues::parse(nlohmann::json::parse(R"({"libraries": [{"soname": "libx.so.1",
      "checked": "x", "calls": [{"function": "f", "argument": 1, "values": [1], "syscalls": ["read"]}]}]})"),
                                         "values.json");
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("one of the two"), std::string::npos) << both.error().message;
}

// glibc 2.36's futex operations: the model applies to its libc and dynamic loaders, and
// only to that release (the glibc probes of tests/library_gates_test.cpp replay traced
// runs with the operations against the profiles it gives).
TEST(LibraryValues, TheFutexSiteModelAppliesToGlibc236Only) {
  const auto& table = LibraryValues::table();
  const std::string banner = "GNU C Library (Debian GLIBC 2.36-9) stable release version 2.36.\n";
  for (const char* soname : {"libc.so.6", "ld-linux-x86-64.so.2", "ld-linux-armhf.so.3", "ld-linux-aarch64.so.1",
                             "ld.so.1"}) {
    const auto* model = table.sites_for(soname, "\x7f" "ELF..." + banner);
    ASSERT_NE(model, nullptr) << soname;
    ASSERT_EQ(model->arguments.size(), 1u);
    EXPECT_EQ(model->arguments[0].syscalls, (std::vector<std::string>{"futex", "futex_time64"}));
    EXPECT_EQ(model->arguments[0].argument, 1);
    const std::set<uint64_t> operations(model->arguments[0].values.begin(), model->arguments[0].values.end());
    EXPECT_TRUE(operations.count(129));   // FUTEX_WAKE_PRIVATE
    EXPECT_TRUE(operations.count(393));   // FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME
    EXPECT_FALSE(operations.count(139));  // FUTEX_WAIT_REQUEUE_PI_PRIVATE: glibc 2.36 never makes it
  }
  EXPECT_EQ(table.sites_for("libc.so.6", "GNU C Library (GNU libc) stable release version 2.37.\n"), nullptr);
  EXPECT_EQ(table.sites_for("libc.so", banner), nullptr);  // musl's name
  const auto parsed = LibraryValues::parse(nlohmann::json::parse(R"({"libraries": [], "sites": [{"sonames":
      ["libx.so.1"], "release": "x 1.", "arguments": [{"syscalls": ["futex"], "argument": 1, "values": [0]}]}]})"),
                                           "values.json");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("values.json: a site model needs"), std::string::npos)
      << parsed.error().message;
}

TEST(LibraryValues, TheGetaddrinfoResultModelReadsFieldsByAbi) {
  const auto& table = LibraryValues::table();
  const auto* model = table.result_of("getaddrinfo");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->argument, 3);
  const auto family = table.read_object(model->object, 4, 4, 8);
  ASSERT_TRUE(family.is_constants());
  EXPECT_EQ(std::vector<uint64_t>(family.begin(), family.end()), (std::vector<uint64_t>{2, 10}));
  EXPECT_EQ(table.read_object(model->object, 40, 8, 8), analysis::Value::library_object(model->object));
  EXPECT_EQ(table.read_object(model->object, 28, 4, 4), analysis::Value::library_object(model->object));
  EXPECT_TRUE(table.read_object(model->object, 28, 8, 8).is_unknown());  // ai_addr on 64-bit: not modelled
  EXPECT_TRUE(table.read_object(model->object, 8, 4, 8).is_unknown());   // ai_socktype follows the hints
}

}  // namespace
}  // namespace sysfence
