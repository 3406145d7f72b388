// The container runtimes' table (data/container_runtimes.json) and how its calls join a
// profile.

#include "policy/container_runtimes.h"

#include <gtest/gtest.h>

#include "analysis/syscall_names.h"

namespace sysfence {
namespace {

using policy::ContainerRuntime;
using Tuple = analysis::ArgumentTuple;

const ContainerRuntime& runtime(const std::string& name) {
  auto named = policy::runtimes_named(name);
  EXPECT_TRUE(named) << name;
  EXPECT_EQ(named->size(), 1u);
  return *named->front();
}

TEST(ContainerRuntimes, EveryEntryNamesASyscallOfEveryArchitecture) {
  ASSERT_FALSE(policy::container_runtimes().empty());
  for (const ContainerRuntime& r : policy::container_runtimes()) {
    EXPECT_FALSE(r.version.empty()) << r.name;
    for (const char* arch : {"x86_64", "aarch64", "arm", "mipsel"}) {
      const analysis::SyscallNames names(arch);
      for (const policy::RuntimeSyscall& call : r.syscalls) {
        ASSERT_FALSE(call.names.empty()) << r.name;
        const bool known = std::any_of(call.names.begin(), call.names.end(),
                                       [&](const std::string& n) { return names.number(n).has_value(); });
        EXPECT_TRUE(known) << r.name << ": no name of {" << call.names.front() << ", …} exists on " << arch;
        for (const auto* tuple : {&call.args, &call.args_mips}) {
          for (const auto& [index, values] : *tuple) {
            EXPECT_LE(index, 5) << r.name << " " << call.names.front();
            EXPECT_FALSE(values.empty()) << r.name << " " << call.names.front();
          }
        }
      }
    }
  }
}

TEST(ContainerRuntimes, ListsAreParsedAndUnknownNamesAreErrors) {
  auto both = policy::runtimes_named("runc,crun,runc");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->size(), 2u);
  auto none = policy::runtimes_named("none");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto bad = policy::runtimes_named("runc,docker");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("\"docker\""), std::string::npos) << bad.error().message;
  EXPECT_FALSE(policy::runtimes_named(""));
}

TEST(ContainerRuntimes, CallsJoinTheProfileWithTheirValuesOrAsImplied) {
  const analysis::SyscallNames names("x86_64");
  const uint64_t prctl = *names.number("prctl"), umask = *names.number("umask"), close = *names.number("close");
  const uint64_t fstatfs = *names.number("fstatfs"), futex = *names.number("futex");
  analysis::AnalysisResult result;
  result.arch = "x86_64";
  result.syscalls[prctl] = {};
  result.arguments[prctl].tuples.insert(Tuple{{0, {15}}});  // PR_SET_NAME
  result.syscalls[umask] = {};
  result.arguments[umask].tuples.insert(Tuple{{0, {022}}});
  result.syscalls[close] = {};
  result.arguments[close] = {};  // no scalar arguments
  policy::add_runtime_syscalls(result, {&runtime("runc")});

  // The program's prctl keeps its rule and gains runc's options.
  EXPECT_FALSE(result.arguments[prctl].any);
  EXPECT_EQ(result.arguments[prctl].tuples.size(), 2u);
  EXPECT_TRUE(result.arguments[prctl].tuples.count(Tuple{{0, {8, 24, 47}}}));
  // runc's umask takes the configuration's value: any.
  EXPECT_TRUE(result.arguments[umask].any);
  // What the program makes is not implied; what it does not make is, with runc's reason.
  EXPECT_FALSE(result.implied.count(close));
  EXPECT_FALSE(result.arguments[close].constrained());
  ASSERT_TRUE(result.implied.count(fstatfs));
  EXPECT_NE(result.implied[fstatfs].find("runc 1.1.5"), std::string::npos) << result.implied[fstatfs];
  EXPECT_TRUE(result.arguments[fstatfs].any);
  // A call the program does not make, with values runc passes: only those.
  ASSERT_TRUE(result.implied.count(futex));
  EXPECT_TRUE(result.arguments[futex].constrained());
  EXPECT_TRUE(result.arguments[futex].tuples.count(Tuple{{1, {128, 129}}}));
}

TEST(ContainerRuntimes, MipsGetsItsOwnConstants) {
  const analysis::SyscallNames names("mipsel");
  analysis::AnalysisResult result;
  result.arch = "mipsel";
  policy::add_runtime_syscalls(result, {&runtime("crun")});
  const auto ioctl = result.arguments.find(*names.number("ioctl"));
  ASSERT_NE(ioctl, result.arguments.end());
  EXPECT_TRUE(ioctl->second.tuples.count(Tuple{{1, {0x540d}}}));  // TCGETS on MIPS
  EXPECT_FALSE(ioctl->second.tuples.count(Tuple{{1, {0x5401}}}));
  EXPECT_TRUE(result.implied.count(*names.number("setresuid")));
  EXPECT_FALSE(result.implied.count(*names.number("fstatfs"))) << "a runc call in crun's list";
}

}  // namespace
}  // namespace sysfence
