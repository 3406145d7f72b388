#pragma once
/// A policy file as `check` and `run` take it: a native sysfence policy, an OCI/Docker
/// seccomp profile, or a raw BPF program, turned into the BPF program to simulate or load.

#include <linux/filter.h>

#include <optional>
#include <string>
#include <vector>

#include "policy/profile.h"
#include "policy/seccomp_filter.h"
#include "util/result.h"

namespace sysfence::policy {

struct LoadedPolicy {
  std::string arch;  ///< libseccomp's name
  std::string kind;  ///< "sysfence policy", "OCI profile" or "BPF program"
  std::vector<sock_filter> program;  ///< in the host's byte order
  std::vector<std::string> warnings;  ///< what the compilation loosened or skipped
  std::optional<Profile> profile;  ///< a native policy's profile
};

/// Reads `path`. A JSON file is a native policy (compiled as `analyze --format bpf`
/// would) or an OCI profile (applied to `arch`, which it then needs); anything else is a
/// raw BPF program for `arch`. `action` replaces the action for denied calls of a JSON
/// policy (a raw program's actions are fixed: asking to change them is an error). Errors
/// name the file and, for broken JSON, the line.
Result<LoadedPolicy> load_policy_file(const std::string& path, const std::string& arch,
                                      std::optional<DenyAction> action);

}  // namespace sysfence::policy
