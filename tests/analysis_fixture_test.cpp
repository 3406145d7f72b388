// Golden tests of the syscall analysis on the cross-compiled fixtures: every syscall
// the fixture's source reaches (fixtures/expected, resolved per target by
// scripts/trace-fixtures and checked there against real traces) must be found.
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "analysis/program_analysis.h"
#include "enforce/bpf_simulator.h"
#include "policy/profile.h"
#include "policy/seccomp_filter.h"
#include "analysis/syscall_names.h"
#include "program/program.h"
#include "support/run_command.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string target;
  std::string binary;
  std::string fixture;  ///< the source program (binary without -static/-stripped)
};

fs::path fixtures_dir() { return fs::path(SYSFENCE_CACHE_DIR) / "fixtures"; }

std::vector<Case> all_cases() {
  std::vector<Case> out;
  std::error_code ec;
  for (const auto& target : fs::directory_iterator(fixtures_dir(), ec)) {
    if (!fs::exists(target.path() / "target.json")) continue;
    for (const auto& file : fs::directory_iterator(target.path())) {
      std::string binary = file.path().filename().string();
      if (binary == "target.json") continue;
      out.push_back({target.path().filename().string(), binary, binary.substr(0, binary.find('-'))});
    }
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) {
    return std::tie(a.target, a.binary) < std::tie(b.target, b.binary);
  });
  return out;
}

/// Syscalls the analysis is known to miss today, kept here so that the test fails both
/// when another one goes missing and when one of these is found (then delete the line).
/// Each is an open gap of the analysis, listed in the README.
const std::set<std::tuple<std::string, std::string, std::string>> kKnownMisses = {
};

/// Whether some rule of `arguments` lets argument `index` be `value` (constraints on other
/// arguments are not checked: the expectation says nothing about them).
bool allows(const analysis::SyscallArguments& arguments, uint8_t index, uint64_t value) {
  if (arguments.any || arguments.tuples.empty()) return true;
  for (const analysis::ArgumentTuple& rule : arguments.tuples) {
    auto constraint = rule.find(index);
    if (constraint == rule.end() ||
        std::find(constraint->second.begin(), constraint->second.end(), value) != constraint->second.end()) {
      return true;
    }
  }
  return false;
}

/// A value no fixture passes and no rule lists (it fits a 32-bit register).
constexpr uint64_t kForbiddenValue = 0x7eadbeef;

/// Arguments for a call with the tuple's first values that some rule allows: the rule
/// that admits the tuple gives the arguments it pins and the tuple does not list.
std::array<uint64_t, 6> call_matching(const analysis::SyscallArguments& rules, const nlohmann::json& tuple) {
  std::array<uint64_t, 6> args{};
  for (const auto& [index, values] : tuple.items()) args[std::stoi(index)] = values.front().get<uint64_t>();
  if (rules.any) return args;
  for (const analysis::ArgumentTuple& rule : rules.tuples) {
    bool admits = true;
    for (const auto& [index, values] : tuple.items()) {
      auto constraint = rule.find(static_cast<uint8_t>(std::stoi(index)));
      if (constraint != rule.end() &&
          std::find(constraint->second.begin(), constraint->second.end(), args[std::stoi(index)]) ==
              constraint->second.end()) {
        admits = false;
      }
    }
    if (!admits) continue;
    for (const auto& [index, values] : rule) {
      if (!tuple.contains(std::to_string(index))) args[index] = values.front();
    }
    return args;
  }
  return args;
}

std::map<std::string, nlohmann::json> expectations_cache;

const nlohmann::json& expectations(const std::string& target) {
  auto it = expectations_cache.find(target);
  if (it != expectations_cache.end()) return it->second;
  auto result = testing::run_command({std::string(SYSFENCE_SOURCE_DIR) + "/scripts/trace-fixtures", "--resolve", target});
  EXPECT_EQ(result.status, 0) << result.err;
  return expectations_cache[target] = nlohmann::json::parse(result.out.empty() ? "{}" : result.out);
}

class AnalysisFixtureTest : public ::testing::TestWithParam<Case> {};

TEST_P(AnalysisFixtureTest, FindsEveryExpectedSyscall) {
  const Case& c = GetParam();
  std::ifstream description_file(fixtures_dir() / c.target / "target.json");
  const auto description = nlohmann::json::parse(description_file);
  program::Sysroot root(description["sysroot"].get<std::string>());
  Diagnostics diagnostics;
  auto program = program::Program::load(root, (fixtures_dir() / c.target / c.binary).string(), diagnostics);
  ASSERT_TRUE(program) << program.error().message;
  auto result = analysis::analyse_program(*program, diagnostics);
  ASSERT_TRUE(result) << result.error().message;

  const analysis::SyscallNames names(result->arch);
  std::set<std::string> found;
  for (const auto& [nr, origins] : result->syscalls) found.insert(names.name(nr).value_or("?"));
  for (const auto& [nr, reason] : result->implied) found.insert(names.name(nr).value_or("?"));

  const nlohmann::json& expected = expectations(c.target)[c.fixture];
  ASSERT_FALSE(expected.is_null()) << "no expectations for " << c.fixture;
  std::set<std::string> wanted;
  for (const auto& [name, tuples] : expected["syscalls"].items()) wanted.insert(name);
  for (const auto& name : expected["untraced"]) wanted.insert(name.get<std::string>());
  for (const std::string& name : wanted) {
    const bool known_miss = kKnownMisses.count({c.target, c.binary, name}) != 0;
    if (known_miss) {
      EXPECT_FALSE(found.count(name)) << name << " is found now: remove it from kKnownMisses";
    } else {
      EXPECT_TRUE(found.count(name)) << c.target << "/" << c.binary << " misses " << name;
    }
  }

  // The argument values the source passes (fixtures/README.md, "How tests should use
  // it") are each allowed by some rule. (Whether they were pinned rather than left to
  // "any value" is not asserted yet: other sites of the same syscall inside libc often
  // pass values the analysis cannot know.)
  for (const auto& [name, tuples] : expected["syscalls"].items()) {
    const auto nr = names.number(name);
    if (!nr || !found.count(name)) continue;
    auto known = result->arguments.find(*nr);
    ASSERT_NE(known, result->arguments.end()) << name;
    for (const auto& tuple : tuples) {
      for (const auto& [index, values] : tuple.items()) {
        for (const auto& value : values) {
          EXPECT_TRUE(allows(known->second, static_cast<uint8_t>(std::stoi(index)), value.get<uint64_t>()))
              << c.target << "/" << c.binary << ": " << name << " arg " << index << " = " << value << " is denied";
        }
      }
    }
  }

  // Arguments the expectation says the analysis pins (`pinned`) in dynamic builds: every
  // rule of the syscall lists them.
  const bool dynamic = c.binary.find("-static") == std::string::npos;
  const nlohmann::json pinned = dynamic ? expected.value("pinned", nlohmann::json::object()) : nlohmann::json::object();
  for (const auto& [name, indices] : pinned.items()) {
    const auto nr = names.number(name);
    ASSERT_TRUE(nr && found.count(name)) << name;
    const analysis::SyscallArguments& rules = result->arguments.at(*nr);
    EXPECT_TRUE(rules.constrained()) << c.target << "/" << c.binary << ": " << name << " allowed with any arguments";
    for (const auto& index : indices) {
      const auto i = static_cast<uint8_t>(std::stoi(index.get<std::string>()));
      for (const auto& rule : rules.tuples) {
        EXPECT_TRUE(rule.count(i)) << c.target << "/" << c.binary << ": " << name << " arg " << int{i} << " not pinned";
      }
    }
  }

  // The same through the compiled filter (libseccomp, then the BPF simulator): the values
  // the source passes are allowed; where every rule pins an argument, another value is
  // denied.
  auto filter = policy::compile_filter(policy::profile_of(*result, true), policy::DenyAction::Kill);
  ASSERT_TRUE(filter) << filter.error().message;
  const uint32_t audit_arch = seccomp_arch_resolve_name(result->arch.c_str());
  auto verdict = [&](uint64_t nr, const std::array<uint64_t, 6>& args) {
    enforce::SeccompData data;
    data.nr = static_cast<int32_t>(nr);
    data.arch = audit_arch;
    data.args = args;
    auto v = enforce::run_filter(filter->program, data, enforce::big_endian_arch(result->arch));
    EXPECT_TRUE(v) << v.error().message;
    return v ? v->action : 0;
  };
  for (const auto& [name, tuples] : expected["syscalls"].items()) {
    const auto nr = names.number(name);
    if (!nr || !found.count(name)) continue;
    const analysis::SyscallArguments& rules = result->arguments.at(*nr);
    for (const auto& tuple : tuples) {
      const std::array<uint64_t, 6> args = call_matching(rules, tuple);
      const uint32_t allowed = verdict(*nr, args);
      EXPECT_TRUE(enforce::action_of(allowed) == SECCOMP_RET_ALLOW || allowed == (SECCOMP_RET_ERRNO | ENOSYS))
          << c.target << "/" << c.binary << ": the filter denies " << name << tuple.dump();
      for (const auto& [index, values] : tuple.items()) {
        const auto i = static_cast<uint8_t>(std::stoi(index));
        if (rules.any || rules.tuples.empty() ||
            !std::all_of(rules.tuples.begin(), rules.tuples.end(), [&](const auto& r) { return r.count(i); })) {
          continue;  // not pinned: any value is allowed
        }
        std::array<uint64_t, 6> forbidden = args;
        forbidden[i] = kForbiddenValue;
        EXPECT_NE(enforce::action_of(verdict(*nr, forbidden)), SECCOMP_RET_ALLOW)
            << c.target << "/" << c.binary << ": " << name << " arg " << index << " pinned, yet "
            << kForbiddenValue << " is allowed";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(CrossCompiled, AnalysisFixtureTest, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) {
                           std::string name = info.param.target + "_" + info.param.binary;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace sysfence
