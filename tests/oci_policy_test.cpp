// OCI/Docker seccomp profiles read as a runtime applies them to one architecture, then
// compiled and run through the simulator: conditions on architectures and capabilities,
// errno actions, masked comparisons.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

#include "enforce/bpf_simulator.h"
#include "policy/oci_policy.h"
#include "policy/seccomp_filter.h"

namespace sysfence {
namespace {

const char* kProfile = R"({
  "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
              {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
  "syscalls": [
    {"names": ["getpid", "exit_group", "no_such_call"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64"]}},
    {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["chroot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_CHROOT"]}},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
     "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}
  ]})";

uint32_t verdict(const std::vector<sock_filter>& program, uint32_t arch, int nr, uint64_t arg0 = 0) {
  enforce::SeccompData data;
  data.arch = arch;
  data.nr = nr;
  data.args[0] = arg0;
  auto v = enforce::run_filter(program, data, false);
  EXPECT_TRUE(v) << v.error().message;
  return v ? v->action : 0;
}

TEST(OciPolicy, AppliedAsDockerAppliesIt) {
  const auto json = nlohmann::json::parse(kProfile);
  ASSERT_TRUE(policy::is_oci_policy(json));
  auto oci = policy::read_oci_policy(json, "profile.json", "x86_64");
  ASSERT_TRUE(oci) << oci.error().message;
  EXPECT_EQ(oci->unknown_names, std::vector<std::string>{"no_such_call"});
  auto program = policy::compile_rules("x86_64", oci->default_action, oci->rules);
  ASSERT_TRUE(program) << program.error().message;
  const uint32_t eperm = SECCOMP_RET_ERRNO | EPERM;
  EXPECT_EQ(verdict(*program, AUDIT_ARCH_X86_64, 39), SECCOMP_RET_ALLOW);   // getpid
  EXPECT_EQ(verdict(*program, AUDIT_ARCH_X86_64, 158), SECCOMP_RET_ALLOW);  // arch_prctl: amd64 only
  EXPECT_EQ(verdict(*program, AUDIT_ARCH_X86_64, 165), eperm);              // mount: needs CAP_SYS_ADMIN
  EXPECT_EQ(verdict(*program, AUDIT_ARCH_X86_64, 161), SECCOMP_RET_ALLOW);  // chroot: a default capability
  EXPECT_EQ(verdict(*program, AUDIT_ARCH_X86_64, 56, 0x11), SECCOMP_RET_ALLOW);          // clone(SIGCHLD)
  EXPECT_EQ(verdict(*program, AUDIT_ARCH_X86_64, 56, 0x10000000 | 0x11), eperm);  // clone(CLONE_NEWUSER)
  EXPECT_EQ(verdict(*program, AUDIT_ARCH_X86_64, 435), SECCOMP_RET_ERRNO | ENOSYS);  // clone3

  auto arm64 = policy::read_oci_policy(json, "profile.json", "aarch64");
  ASSERT_TRUE(arm64);
  for (const auto& rule : arm64->rules) EXPECT_NE(rule.syscall, "arch_prctl");
  EXPECT_FALSE(policy::read_oci_policy(json, "profile.json", "mipsel"));  // not in archMap
}

TEST(OciPolicy, MalformedEntriesAreNamed) {
  auto json = nlohmann::json::parse(kProfile);
  json["syscalls"][4]["args"][0]["op"] = "SCMP_CMP_ROUGHLY";
  auto bad = policy::read_oci_policy(json, "profile.json", "x86_64");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("profile.json: syscalls[4]: unknown operator"), std::string::npos)
      << bad.error().message;
  json = nlohmann::json::parse(kProfile);
  json["syscalls"][0]["action"] = "SCMP_ACT_MAYBE";
  EXPECT_FALSE(policy::read_oci_policy(json, "profile.json", "x86_64"));
  json = nlohmann::json::parse(kProfile);
  json["syscalls"][4]["args"][0]["index"] = 6;
  EXPECT_FALSE(policy::read_oci_policy(json, "profile.json", "x86_64"));
}

// A rule a more general one of the same syscall and action covers changes nothing and is
// left out before libseccomp sees it (Debian 12's libseccomp leaks such rules' nodes):
// the filter is the general rule's alone, and allows and denies as the three would.
TEST(OciPolicy, RulesAMoreGeneralOneCoversAreLeftOut) {
  using policy::ArgumentCheck;
  using policy::Compare;
  const ArgumentCheck a1_is_0{1, Compare::Equal, 0, 0}, a2_is_3{2, Compare::Equal, 3, 0}, a3_is_50{3, Compare::Equal, 50, 0};
  const std::vector<policy::FilterRule> covered = {{"mmap", policy::kActionAllow, {a1_is_0, a3_is_50}},
                                                   {"mmap", policy::kActionAllow, {a2_is_3, a3_is_50}},
                                                   {"mmap", policy::kActionAllow, {a3_is_50}},
                                                   {"mmap", policy::kActionAllow, {a3_is_50}}};
  const std::vector<policy::FilterRule> general = {{"mmap", policy::kActionAllow, {a3_is_50}}};
  auto a = policy::compile_rules("x86_64", SECCOMP_RET_KILL_PROCESS, covered);
  auto b = policy::compile_rules("x86_64", SECCOMP_RET_KILL_PROCESS, general);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->size(), b->size());
  EXPECT_EQ(0, std::memcmp(a->data(), b->data(), a->size() * sizeof(sock_filter)));
  enforce::SeccompData data;
  data.arch = AUDIT_ARCH_X86_64;
  data.nr = 9;  // mmap
  data.args[3] = 50;
  EXPECT_EQ(enforce::run_filter(*a, data, false)->action, SECCOMP_RET_ALLOW);
  data.args[3] = 51;
  EXPECT_EQ(enforce::run_filter(*a, data, false)->action, SECCOMP_RET_KILL_PROCESS);
}

// Numbers an OCI profile gives that are not unsigned integers are a bad file, not a
// conversion of a double that does not fit (undefined behaviour, found by parsers_fuzz).
TEST(OciPolicy, NumbersThatAreNotUnsignedIntegersAreErrors) {
  auto read = [](const char* arg) {
    const auto json = nlohmann::json::parse(std::string(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [)") + arg + "]}]}");
    return policy::read_oci_policy(json, "profile.json", "x86_64");
  };
  ASSERT_TRUE(read(R"({"index": 0, "value": 1, "valueTwo": 0, "op": "SCMP_CMP_EQ"})"));
  for (const char* bad : {R"({"index": 0, "value": 3.35e83, "op": "SCMP_CMP_EQ"})",
                          R"({"index": -1, "value": 1, "op": "SCMP_CMP_EQ"})",
                          R"({"index": 0, "value": 1, "valueTwo": "2", "op": "SCMP_CMP_EQ"})"}) {
    auto oci = read(bad);
    ASSERT_FALSE(oci) << bad;
    EXPECT_NE(oci.error().message.find("unsigned integer"), std::string::npos) << oci.error().message;
  }
}

}  // namespace
}  // namespace sysfence
