// The kernel CVE table (data/kernel_cves.json) and the CVE report: the file is well
// formed and every entry makes sense on each architecture it applies to; verdicts on
// hand-made profiles are what the profiles say.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>

#include "analysis/syscall_names.h"
#include "cve/cve_check.h"
#include "policy/filter_rules.h"
#include "policy/seccomp_filter.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sysfence {
namespace {

const char* const kArches[] = {"x86_64", "aarch64", "arm", "mipsel", "mips"};

nlohmann::json data_file() {
  std::ifstream file(std::string(SYSFENCE_SOURCE_DIR) + "/data/kernel_cves.json");
  EXPECT_TRUE(file) << "data/kernel_cves.json";
  return nlohmann::json::parse(file);
}

TEST(KernelCves, TheFileIsWellFormed) {
  const auto json = data_file();
  EXPECT_EQ(json["schema"], "sysfence-kernel-cves/2");
  auto parsed = cve::KernelCves::parse(json, "data/kernel_cves.json");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_GE(parsed->cves().size(), 60u);
  const std::regex id(R"(CVE-(19|20)\d\d-\d{4,})");
  const std::regex url(R"(https?://[^ ]+)");
  std::set<std::string> ids;
  for (const auto& e : json["cves"]) {
    for (const char* key : {"id", "title", "trigger", "source", "needs"}) EXPECT_TRUE(e.contains(key)) << e.dump();
    const std::string cve_id = e["id"];
    EXPECT_TRUE(std::regex_match(cve_id, id)) << cve_id;
    EXPECT_TRUE(ids.insert(cve_id).second) << cve_id << " twice";
    EXPECT_TRUE(std::regex_match(e["source"].get<std::string>(), url)) << cve_id;
    EXPECT_GT(e["trigger"].get<std::string>().size(), 20u) << cve_id;
  }
}

// A number that is not an unsigned integer, or an argument index that is not one, is a
// bad file, said with its place (3e83 was converted to an integer: undefined behaviour,
// found by parsers_fuzz).
TEST(KernelCves, NumbersThatAreNotUnsignedIntegersAreErrors) {
  auto table = [](const char* need) {
    return nlohmann::json::parse(std::string(R"({"multiplexers": {}, "cves": [{"id": "CVE-2000-0001", "title": "t",
      "trigger": "t", "source": "https://example.org", "needs": [)") + need + "]}]}");
  };
  for (const char* bad : {R"({"syscall": "socket", "args": {"0": {"equals": [3e83]}}})",
                          R"({"syscall": "socket", "args": {"0": {"equals": [-1]}}})",
                          R"({"syscall": "socket", "args": {"0": {"has_bits": 1.5}}})",
                          R"({"syscall": "socket", "args": {"0": {"mask": "7", "value": 1}}})",
                          R"({"syscall": "socket", "args": {"x": {"equals": [1]}}})"}) {
    auto parsed = cve::KernelCves::parse(table(bad), "cves.json");
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().message.find("cves.json"), std::string::npos) << parsed.error().message;
    EXPECT_TRUE(parsed.error().message.find("unsigned integer") != std::string::npos ||
                parsed.error().message.find("is not 0..5") != std::string::npos)
        << parsed.error().message;
  }
  EXPECT_TRUE(cve::KernelCves::parse(table(R"({"syscall": "socket", "args": {"0": {"equals": [17]}}})"), "cves.json"));
}

TEST(KernelCves, EveryNeedCanBeMadeOnEachArchitectureItAppliesTo) {
  const auto& table = cve::KernelCves::table();
  for (const char* arch : kArches) {
    const analysis::SyscallNames names(arch);
    for (const auto& entry : table.cves()) {
      if (!entry.arches.empty() && std::find(entry.arches.begin(), entry.arches.end(), arch) == entry.arches.end()) {
        continue;
      }
      for (const auto& need : entry.needs) {
        bool possible = false;
        for (const auto& call : need.any_of) {
          // Each name is a syscall somewhere; each condition fits a register.
          EXPECT_TRUE(std::any_of(std::begin(kArches), std::end(kArches),
                                  [&](const char* a) { return analysis::SyscallNames(a).number(call.syscall); }))
              << entry.id << ": " << call.syscall << " is no syscall";
          possible |= names.number(call.syscall).has_value();
          for (const auto& m : table.multiplexed(call.syscall)) possible |= names.number(m.first).has_value();
          for (const auto& c : cve::conditions_on(call, arch)) {
            EXPECT_LE(c.index, 5) << entry.id;
            for (uint64_t v : c.values) {
              if (std::string(arch) != "x86_64" && std::string(arch) != "aarch64") {
                EXPECT_TRUE(v <= 0xffffffffu || v >= 0xffffffff80000000u) << entry.id << " on " << arch;
              }
            }
          }
        }
        EXPECT_TRUE(possible) << entry.id << ": no way to make one of its needed calls on " << arch
                              << " (restrict it with \"arches\")";
      }
    }
  }
}

/// A hand-made x86_64 profile: what a small network daemon needs, sockets AF_INET only.
policy::Profile daemon_profile(bool socket_any) {
  policy::Profile p;
  p.arch = "x86_64";
  for (const char* name : {"read", "write", "close", "exit_group", "accept4", "bind", "listen", "sendto", "recvfrom",
                           "setsockopt", "clone", "openat", "mmap", "ioctl"}) {
    p.syscalls.push_back({0, name, {}});
  }
  p.syscalls.push_back({41, "socket", socket_any ? std::vector<analysis::ArgumentTuple>{}
                                                 : std::vector<analysis::ArgumentTuple>{{{0, {2}}}}});
  return p;
}

const cve::CveVerdict* verdict_of(const cve::CveReport& report, const std::string& id) {
  for (const auto& v : report.verdicts) {
    if (v.id == id) return &v;
  }
  return nullptr;
}

TEST(CveCheck, VerdictsFollowTheProfile) {
  const auto& table = cve::KernelCves::table();
  auto pinned = policy::compile_filter(daemon_profile(false), policy::DenyAction::Kill);
  auto any = policy::compile_filter(daemon_profile(true), policy::DenyAction::Kill);
  ASSERT_TRUE(pinned && any);
  const auto with_args = cve::check_cves(table, pinned->program, "x86_64", cve::Context::Root);
  const auto without_args = cve::check_cves(table, any->program, "x86_64", cve::Context::Root);
  // An AF_PACKET CVE: blocked only where socket's domain is pinned.
  const auto* packet = verdict_of(with_args, "CVE-2016-8655");
  ASSERT_NE(packet, nullptr);
  EXPECT_TRUE(packet->blocked);
  EXPECT_NE(packet->reason.find("socket with argument 0 = 17"), std::string::npos) << packet->reason;
  const auto* packet_open = verdict_of(without_args, "CVE-2016-8655");
  ASSERT_NE(packet_open, nullptr);
  EXPECT_FALSE(packet_open->blocked) << packet_open->reason;
  EXPECT_NE(packet_open->reason.find("socket(17"), std::string::npos) << packet_open->reason;
  EXPECT_GT(with_args.blocked(), without_args.blocked());
  // A tty ioctl CVE: ioctl is allowed with any request in both.
  const auto* tty = verdict_of(with_args, "CVE-2017-2636");
  ASSERT_NE(tty, nullptr);
  EXPECT_FALSE(tty->blocked);

  const sock_filter allow_all[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  const auto none = cve::check_cves(table, allow_all, "x86_64", cve::Context::Root);
  EXPECT_EQ(none.blocked(), 0u);
  const sock_filter deny_all[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)};
  const auto all = cve::check_cves(table, deny_all, "x86_64", cve::Context::Root);
  EXPECT_EQ(all.blocked(), all.verdicts.size());
  EXPECT_EQ(none.verdicts.size(), all.verdicts.size());
}

TEST(CveCheck, CallsThroughAMultiplexerCount) {
  // On MIPS, socket can also be made through socketcall, whose arguments a filter cannot see.
  policy::Profile p;
  p.arch = "mipsel";
  p.syscalls = {{4246, "exit_group", {}}, {4183, "socket", {{{0, {2}}}}}};
  auto without = policy::compile_filter(p, policy::DenyAction::Kill);
  p.syscalls.push_back({4102, "socketcall", {}});
  auto with = policy::compile_filter(p, policy::DenyAction::Kill);
  ASSERT_TRUE(without && with);
  const auto& table = cve::KernelCves::table();
  EXPECT_TRUE(verdict_of(cve::check_cves(table, without->program, "mipsel", cve::Context::Root), "CVE-2016-8655")->blocked);
  EXPECT_FALSE(verdict_of(cve::check_cves(table, with->program, "mipsel", cve::Context::Root), "CVE-2016-8655")->blocked);
}

enforce::TracedCall traced(const std::string& name, std::array<uint64_t, 6> args, const std::string& result = "3") {
  enforce::TracedCall call;
  call.name = name;
  call.args = args;
  call.text = name + "(…) = " + result;
  return call;
}

TEST(CveCheck, ARunMakesATriggerOnlyWithEveryNeededCallAndValue) {
  const auto& table = cve::KernelCves::table();
  const sock_filter allow_all[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  auto marks = [&](const std::vector<enforce::TracedCall>& calls) {
    auto report = cve::check_cves(table, allow_all, "x86_64", cve::Context::Root);
    cve::mark_made_by_run(report, table, calls);
    return report;
  };
  // CVE-2016-8655 needs socket(AF_PACKET) and two setsockopt(SOL_PACKET, …) options.
  const enforce::TracedCall packet = traced("socket", {17, 3, 0});
  const enforce::TracedCall version = traced("setsockopt", {3, 263, 10});
  const enforce::TracedCall ring = traced("setsockopt", {3, 263, 5});
  EXPECT_TRUE(verdict_of(marks({packet, version, ring}), "CVE-2016-8655")->made_by_run);
  EXPECT_FALSE(verdict_of(marks({packet, version}), "CVE-2016-8655")->made_by_run);
  EXPECT_FALSE(verdict_of(marks({traced("socket", {2, 1, 0}), version, ring}), "CVE-2016-8655")->made_by_run);
  // A call the run saw fail, or an argument the trace does not give, does not count.
  EXPECT_FALSE(verdict_of(marks({traced("socket", {17, 3, 0}, "-1 EPERM"), version, ring}), "CVE-2016-8655")
                   ->made_by_run);
  enforce::TracedCall unnamed = packet;
  unnamed.unknown[0] = true;
  EXPECT_FALSE(verdict_of(marks({unnamed, version, ring}), "CVE-2016-8655")->made_by_run);
  const auto packet_run = marks({packet, version, ring});
  EXPECT_FALSE(verdict_of(packet_run, "CVE-2016-5195")->made_by_run);  // Dirty COW needs madvise
  for (const auto& v : packet_run.verdicts) {
    if (v.made_by_run) {
      EXPECT_NE(v.reason.find("socket(17"), std::string::npos) << v.id << ": " << v.reason;
    }
  }
  EXPECT_EQ(marks({}).made_by_run(), 0u);
}

/// Every syscall name libseccomp knows on `arch`.
std::set<std::string> syscall_names(const char* arch) {
  const analysis::SyscallNames names(arch);
  const uint64_t base = *names.number("read") / 1000 * 1000;  // MIPS o32 starts at 4000
  std::set<std::string> out;
  for (uint64_t nr = base; nr < base + 1000; ++nr) {
    if (auto name = names.name(nr)) out.insert(*name);
  }
  return out;
}

TEST(KernelCves, EveryRouteCoversWhatLibseccompListsOnEachArchitecture) {
  const auto json = data_file();
  const auto& table = cve::KernelCves::table();
  ASSERT_FALSE(table.routes().empty());
  for (const char* arch : kArches) {
    const auto known = syscall_names(arch);
    for (const auto& [name, route] : json["routes"].items()) {
      const std::regex covers(route["covers"].get<std::string>());
      std::set<std::string> members;
      for (const auto& call : table.route(name)->any_of) members.insert(call.syscall);
      for (const auto& syscall : known) {
        if (std::regex_search(syscall, covers)) {
          EXPECT_TRUE(members.count(syscall)) << name << " misses " << syscall << " on " << arch;
        }
      }
      for (const auto& member : members) {
        EXPECT_TRUE(std::any_of(std::begin(kArches), std::end(kArches),
                                [&](const char* a) { return analysis::SyscallNames(a).number(member); }))
            << name << ": " << member << " is no syscall";
      }
    }
  }
}

/// A filter for `arch` that allows everything but `denied` (each with any arguments).
std::vector<sock_filter> denying(const char* arch, const std::set<std::string>& denied) {
  std::vector<policy::FilterRule> rules;
  for (const auto& name : denied) {
    if (analysis::SyscallNames(arch).number(name)) rules.push_back({name, SECCOMP_RET_KILL_PROCESS, {}});
  }
  auto program = policy::compile_rules(arch, SECCOMP_RET_ALLOW, rules);
  EXPECT_TRUE(program) << program.error().message;
  return program ? *program : std::vector<sock_filter>{};
}

/// Each route is a class of ways in: a profile that denies all of them but one leaves a
/// CVE that needs the route open, whichever one it keeps; denying all of them (and the
/// multiplexers and ring that make them) blocks it.
class EachRoute : public ::testing::TestWithParam<std::string> {};

TEST_P(EachRoute, OneWayLeftOpenLeavesTheCveOpen) {
  const auto& table = cve::KernelCves::table();
  const std::string name = GetParam();
  const cve::KernelCve* user = nullptr;
  for (const auto& entry : table.cves()) {
    for (const auto& need : entry.needs) {
      if (need.route == name && need.any_of.size() == table.route(name)->any_of.size() && user == nullptr) user = &entry;
    }
  }
  ASSERT_NE(user, nullptr) << "no CVE uses the route " << name << " as a step of its own";
  std::set<std::string> every;
  for (const auto& call : table.route(name)->any_of) {
    every.insert(call.syscall);
    for (const auto& [multiplexer, number] : table.multiplexed(call.syscall)) every.insert(multiplexer);
    if (auto ring = table.ring_for(call.syscall)) every.insert(*ring);
  }
  for (const char* arch : {"x86_64", "arm"}) {
    if (!user->arches.empty() && std::find(user->arches.begin(), user->arches.end(), arch) == user->arches.end()) {
      continue;
    }
    const auto all_denied = cve::check_cves(table, denying(arch, every), arch, cve::Context::Root);
    const auto* blocked = verdict_of(all_denied, user->id);
    ASSERT_NE(blocked, nullptr) << user->id << " on " << arch;
    EXPECT_TRUE(blocked->blocked) << name << ", " << user->id << " on " << arch << ": " << blocked->reason;
    for (const auto& kept : every) {
      if (!analysis::SyscallNames(arch).number(kept)) continue;
      std::set<std::string> others = every;
      others.erase(kept);
      const auto one_left = cve::check_cves(table, denying(arch, others), arch, cve::Context::Root);
      EXPECT_FALSE(verdict_of(one_left, user->id)->blocked)
          << name << ": " << user->id << " on " << arch << " with only " << kept << " left";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(KernelCves, EachRoute, ::testing::ValuesIn([] {
                           std::vector<std::string> names;
                           for (const auto& [name, route] : cve::KernelCves::table().routes()) names.push_back(name);
                           return names;
                         }()));

TEST(CveCheck, AnUnprivilegedCallerNeedsAUserNamespaceForCapabilities) {
  const auto& table = cve::KernelCves::table();
  // socket with any arguments, clone without CLONE_NEWUSER, no unshare, clone3 or setns.
  policy::Profile p = daemon_profile(true);
  p.syscalls.erase(std::remove_if(p.syscalls.begin(), p.syscalls.end(), [](const auto& s) { return s.name == "clone"; }),
                   p.syscalls.end());
  p.syscalls.push_back({56, "clone", {{{0, {0x3d0f00}}}}});
  auto pinned = policy::compile_filter(p, policy::DenyAction::Kill);
  p.syscalls.push_back({272, "unshare", {}});
  auto with_unshare = policy::compile_filter(p, policy::DenyAction::Kill);
  ASSERT_TRUE(pinned && with_unshare);
  const auto unprivileged = cve::check_cves(table, pinned->program, "x86_64", cve::Context::Unprivileged);
  const auto root = cve::check_cves(table, pinned->program, "x86_64", cve::Context::Root);
  // AF_PACKET needs CAP_NET_RAW: blocked for an unprivileged caller that cannot get a
  // user namespace, open for root.
  const auto* packet = verdict_of(unprivileged, "CVE-2016-8655");
  ASSERT_NE(packet, nullptr);
  EXPECT_TRUE(packet->blocked);
  EXPECT_NE(packet->reason.find("user_namespace"), std::string::npos) << packet->reason;
  EXPECT_FALSE(verdict_of(root, "CVE-2016-8655")->blocked);
  EXPECT_FALSE(verdict_of(cve::check_cves(table, with_unshare->program, "x86_64", cve::Context::Unprivileged),
                          "CVE-2016-8655")
                   ->blocked);
  // NFC needs CAP_NET_RAW of the initial namespace: out of an unprivileged caller's reach.
  EXPECT_EQ(verdict_of(unprivileged, "CVE-2021-23134"), nullptr);
  EXPECT_NE(std::find(unprivileged.out_of_context.begin(), unprivileged.out_of_context.end(), "CVE-2021-23134"),
            unprivileged.out_of_context.end());
  EXPECT_NE(verdict_of(root, "CVE-2021-23134"), nullptr);
  EXPECT_TRUE(root.out_of_context.empty());
  // A traced clone3 does not prove a user namespace was made.
  const sock_filter allow_all[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  auto report = cve::check_cves(table, allow_all, "x86_64", cve::Context::Unprivileged);
  enforce::TracedCall clone3 = traced("clone3", {0x7ffc0000, 88, 0});
  cve::mark_made_by_run(report, table,
                        {traced("socket", {17, 3, 0}), traced("setsockopt", {3, 263, 10}),
                         traced("setsockopt", {3, 263, 5}), clone3});
  EXPECT_FALSE(verdict_of(report, "CVE-2016-8655")->made_by_run);
  cve::mark_made_by_run(report, table,
                        {traced("socket", {17, 3, 0}), traced("setsockopt", {3, 263, 10}),
                         traced("setsockopt", {3, 263, 5}), traced("unshare", {0x10000000})});
  EXPECT_TRUE(verdict_of(report, "CVE-2016-8655")->made_by_run);
}

TEST(CveCheck, FlagsAndTypesAreComparedUnderTheirMasks) {
  const auto& table = cve::KernelCves::table();
  // DCCP over IPv6 with SOCK_CLOEXEC: the type is still SOCK_DCCP.
  policy::Profile p = daemon_profile(false);
  p.syscalls.back().rules = {{{0, {10}}, {1, {6 | 0x80000}}}};
  auto dccp = policy::compile_filter(p, policy::DenyAction::Kill);
  p.syscalls.back().rules = {{{0, {10}}, {1, {1 | 0x80000}}}};
  auto tcp = policy::compile_filter(p, policy::DenyAction::Kill);
  ASSERT_TRUE(dccp && tcp);
  EXPECT_FALSE(verdict_of(cve::check_cves(table, dccp->program, "x86_64", cve::Context::Root), "CVE-2017-6074")->blocked);
  EXPECT_TRUE(verdict_of(cve::check_cves(table, tcp->program, "x86_64", cve::Context::Root), "CVE-2017-6074")->blocked);
}

/// A filter for `arch` allowing every syscall but `denied`, and `syscall` only with
/// argument `index` equal to one of `values`.
std::vector<sock_filter> allowing_only(const char* arch, const std::string& syscall, uint8_t index,
                                       const std::vector<uint64_t>& values, const std::set<std::string>& denied = {}) {
  const analysis::SyscallNames names(arch);
  policy::Profile p;
  p.arch = arch;
  for (const auto& name : syscall_names(arch)) {
    if (denied.count(name)) continue;
    policy::SyscallPolicy allowed{*names.number(name), name, {}};
    if (name == syscall) allowed.rules = {{{index, values}}};
    p.syscalls.push_back(std::move(allowed));
  }
  auto filter = policy::compile_filter(p, policy::DenyAction::Kill);
  EXPECT_TRUE(filter) << filter.error().message;
  return filter ? filter->program : std::vector<sock_filter>{};
}

// The corrected entries of issue 18 that no route test covers.
TEST(CveCheck, CorrectedEntriesCountTheirOtherWaysIn) {
  const auto& table = cve::KernelCves::table();
  // 2021-22555: ARPT_SO_SET_REPLACE (96 at SOL_IP) reaches the compat translation too.
  const auto arpt = cve::check_cves(table, allowing_only("x86_64", "setsockopt", 2, {96}), "x86_64", cve::Context::Root);
  EXPECT_FALSE(verdict_of(arpt, "CVE-2021-22555")->blocked);
  const auto other = cve::check_cves(table, allowing_only("x86_64", "setsockopt", 2, {1}), "x86_64", cve::Context::Root);
  EXPECT_TRUE(verdict_of(other, "CVE-2021-22555")->blocked);
  // 2014-3153: futex_time64 makes the requeue-PI operations on 32-bit ARM.
  const auto time64 = cve::check_cves(table, allowing_only("arm", "futex_time64", 1, {11, 12}, {"futex"}), "arm",
                                      cve::Context::Root);
  EXPECT_FALSE(verdict_of(time64, "CVE-2014-3153")->blocked);
  const auto neither = cve::check_cves(table, denying("arm", {"futex", "futex_time64"}), "arm", cve::Context::Root);
  EXPECT_TRUE(verdict_of(neither, "CVE-2014-3153")->blocked);
  // 2018-1000199: the hardware-breakpoint paths are x86's, ARM's and arm64's, not MIPS's;
  // on ARM PTRACE_SETHBPREGS reaches it.
  const sock_filter allow_all[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  const auto mips = cve::check_cves(table, allow_all, "mipsel", cve::Context::Root);
  EXPECT_NE(std::find(mips.not_applicable.begin(), mips.not_applicable.end(), "CVE-2018-1000199"),
            mips.not_applicable.end());
  const auto sethbpregs = cve::check_cves(table, allowing_only("arm", "ptrace", 0, {0, 30}), "arm", cve::Context::Root);
  EXPECT_FALSE(verdict_of(sethbpregs, "CVE-2018-1000199")->blocked);
  const auto traceme_only = cve::check_cves(table, allowing_only("arm", "ptrace", 0, {0}), "arm", cve::Context::Root);
  EXPECT_TRUE(verdict_of(traceme_only, "CVE-2018-1000199")->blocked);
}

TEST(CveCheck, ARingMakesItsOperationsWithAnyArguments) {
  const auto& table = cve::KernelCves::table();
  policy::Profile p = daemon_profile(false);  // socket pinned to AF_INET
  auto without = policy::compile_filter(p, policy::DenyAction::Kill);
  p.syscalls.push_back({425, "io_uring_setup", {}});
  auto with = policy::compile_filter(p, policy::DenyAction::Kill);
  ASSERT_TRUE(without && with);
  EXPECT_TRUE(verdict_of(cve::check_cves(table, without->program, "x86_64", cve::Context::Root), "CVE-2016-8655")->blocked);
  const auto report = cve::check_cves(table, with->program, "x86_64", cve::Context::Root);
  const auto* open = verdict_of(report, "CVE-2016-8655");
  EXPECT_FALSE(open->blocked);
  EXPECT_NE(open->reason.find("io_uring_setup"), std::string::npos) << open->reason;
}

TEST(CveCheck, TheCommandReportsJsonAndComparisons) {
  ::sysfence::testing::TempDir dir;
  const std::string policy = (dir.path() / "true.json").string();
  ASSERT_EQ(::sysfence::testing::run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "-o", policy})
                .status,
            0);
  const auto r = ::sysfence::testing::run_command({SYSFENCE_BINARY, "cve", "--policy", policy, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["total"], json["cves"].size());
  EXPECT_LE(json["blocked"].get<size_t>(), json["total"].get<size_t>());
  for (const auto& c : json["cves"]) {
    EXPECT_TRUE(c.contains("id") && c.contains("blocked") && c.contains("reason")) << c.dump();
  }
  EXPECT_EQ(json["compared"]["no_profile"], 0);
  EXPECT_LE(json["compared"]["without_argument_rules"].get<size_t>(), json["blocked"].get<size_t>());
  EXPECT_EQ(json["context"], "unprivileged");
  EXPECT_TRUE(json["out_of_context"].is_array());
  const auto root = ::sysfence::testing::run_command({SYSFENCE_BINARY, "cve", "--policy", policy, "--context", "root", "--json"});
  ASSERT_EQ(root.status, 0) << root.err;
  const auto as_root = nlohmann::json::parse(root.out);
  EXPECT_EQ(as_root["context"], "root");
  EXPECT_TRUE(as_root["out_of_context"].empty());
  EXPECT_EQ(as_root["total"].get<size_t>(), json["total"].get<size_t>() + json["out_of_context"].size());
  const auto bad_context =
      ::sysfence::testing::run_command({SYSFENCE_BINARY, "cve", "--policy", policy, "--context", "admin"});
  EXPECT_EQ(bad_context.status, 2);
  EXPECT_NE(bad_context.err.find("admin"), std::string::npos) << bad_context.err;
  const auto bad = ::sysfence::testing::run_command({SYSFENCE_BINARY, "cve", "--policy", (dir.path() / "none").string()});
  EXPECT_EQ(bad.status, 2);
  // --trace: an strace run that makes a Dirty COW trigger's calls (madvise MADV_DONTNEED, write).
  const std::string trace = (dir.path() / "run.strace").string();
  std::ofstream(trace) << "madvise(0x7f0000000000, 4096, 0x4) = 0\nwrite(1, \"x\", 1) = 1\n";
  const auto run = ::sysfence::testing::run_command(
      {SYSFENCE_BINARY, "cve", "--policy", policy, "--trace", trace, "--json"});
  ASSERT_EQ(run.status, 0) << run.err;
  const auto marked = nlohmann::json::parse(run.out);
  EXPECT_EQ(marked["made_by_run"], 1) << run.out;
  for (const auto& c : marked["cves"]) EXPECT_EQ(c["made_by_run"], c["id"] == "CVE-2016-5195") << c.dump();
  const auto missing = ::sysfence::testing::run_command(
      {SYSFENCE_BINARY, "cve", "--policy", policy, "--trace", (dir.path() / "none").string()});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("none"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace sysfence
