#pragma once
/// Seccomp profiles in the OCI runtime spec's JSON (what Docker, podman, runc and crun
/// load, and what `analyze --format oci` writes), read as a runtime applies them to one
/// architecture, so that `run`, `check` and the CVE report can use other tools' profiles
/// (Docker's default) alongside sysfence's own.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/filter_rules.h"
#include "util/result.h"

namespace sysfence::policy {

/// Where Debian's golang-github-docker-docker-dev installs Docker's default profile.
inline constexpr const char* kDockerDefaultProfile =
    "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json";

struct OciPolicy {
  uint32_t default_action = 0;  ///< the kernel's action value
  std::vector<FilterRule> rules;
  /// Syscall names libseccomp does not know; runtimes skip them, and so does the filter.
  std::vector<std::string> unknown_names;
};

/// "SCMP_ARCH_X86_64" for libseccomp's "x86_64".
std::string oci_arch_name(const std::string& arch);

/// The OCI (and libseccomp) name of a comparison: "SCMP_CMP_MASKED_EQ".
const char* oci_operator_name(Compare op);

/// The OCI name of a kernel action value: "SCMP_ACT_ERRNO" (its errno goes in errnoRet).
std::string oci_action_name(uint32_t action);

/// Whether `json` is an OCI seccomp object (it has "defaultAction").
bool is_oci_policy(const nlohmann::json& json);

/// The profile as applied to `arch` (libseccomp's name). Entries whose "includes" or
/// "excludes" name architectures are kept or dropped for `arch` (Docker's names: amd64,
/// arm64, arm, mipsel …); ones that name capabilities are taken as for a container with
/// Docker's default capability set; "minKernel" is taken as met. Errors name `file` and
/// the entry: an unknown action or operator, an argument index beyond 5, a profile whose
/// "architectures" or "archMap" leave `arch` out.
Result<OciPolicy> read_oci_policy(const nlohmann::json& json, const std::string& file, const std::string& arch);

}  // namespace sysfence::policy
