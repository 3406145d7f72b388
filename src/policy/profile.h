#pragma once
/// A seccomp profile in the analysis's terms (DESIGN.md policy/): per syscall, allowed
/// with any arguments or only when some rule matches. Built from an analysis, or read
/// back from the native JSON another run wrote.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/program_analysis.h"
#include "util/result.h"

namespace sysfence::policy {

struct SyscallPolicy {
  uint64_t nr = 0;
  std::string name;
  /// Empty: any arguments. Otherwise a call is allowed when it matches one rule: every
  /// argument a rule lists equals one of that rule's values for it.
  std::vector<analysis::ArgumentTuple> rules;
  /// Answered with ENOSYS instead of run: the program's code falls back to another
  /// syscall whose arguments a filter can check (clone3, whose flags are in memory).
  bool enosys = false;
};

struct Profile {
  std::string arch;  ///< libseccomp's name ("x86_64", "arm", "mipsel", …)
  std::vector<SyscallPolicy> syscalls;  ///< by number
};

/// The profile of an analysis; `with_arguments` false gives the syscall-only profile.
/// Where the program can make both clone3 and clone (glibc since 2.34 tries clone3 and
/// falls back to clone on ENOSYS), clone3 is answered with ENOSYS so that every thread
/// and process is created through clone, whose flags the filter checks.
Profile profile_of(const analysis::AnalysisResult& result, bool with_arguments);

/// Why a syscall of the profile is answered with ENOSYS (for reports).
inline constexpr const char* kClone3Substitution =
    "clone3 answered with ENOSYS: glibc falls back to clone, whose flags a filter can check (clone3's are in memory)";

/// Reads a native policy ("sysfence-policy/1"); errors name `file` and what is wrong.
Result<Profile> read_native_policy(const nlohmann::json& json, const std::string& file);

}  // namespace sysfence::policy
