#pragma once
/// The profile in the formats other tools load (DESIGN.md emit/): OCI/Docker seccomp
/// JSON, libseccomp C source, systemd's SystemCallFilter=. The OCI and C writers emit
/// the rules of a compiled filter, so they enforce exactly what its raw BPF program does.

#include <string>

#include <nlohmann/json.hpp>

#include "policy/profile.h"
#include "util/result.h"
#include "policy/seccomp_filter.h"

namespace sysfence::emit {

/// Docker/podman/runc/crun seccomp JSON for architecture `arch` (libseccomp's name): one
/// syscalls[] entry per rule (runtimes AND the conditions of one entry, and cannot OR
/// values on one index); a mask check is SCMP_CMP_MASKED_EQ with value the mask.
nlohmann::json oci_profile(const policy::CompiledFilter& filter, const std::string& arch, policy::DenyAction action);

/// A C program (libseccomp) that loads the filter, then execs its arguments; built on or
/// for the target: `cc profile.c -lseccomp`.
std::string libseccomp_c(const policy::CompiledFilter& filter, const std::string& arch, policy::DenyAction action,
                         policy::RuleOrder order, const std::string& binary);

/// A systemd unit drop-in with SystemCallFilter= (syscall names only: systemd cannot
/// express the argument constraints, which the comment says) and the denial `action`:
/// kill (systemd's default), errno (SystemCallErrorNumber=EPERM) or log (no filter;
/// SystemCallLog= of every call outside the profile). systemd has no trap action: an
/// error says so.
Result<std::string> systemd_filter(const policy::Profile& profile, const std::string& binary,
                                   policy::DenyAction action);

}  // namespace sysfence::emit
