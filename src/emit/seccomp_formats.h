#pragma once
/// The profile in the formats other tools load (DESIGN.md emit/): OCI/Docker seccomp
/// JSON, libseccomp C source, systemd's SystemCallFilter=. The raw BPF program comes
/// from policy::compile_filter.

#include <string>

#include <nlohmann/json.hpp>

#include "policy/profile.h"
#include "policy/seccomp_filter.h"

namespace sysfence::emit {

/// Docker/podman/runc/crun seccomp JSON: one syscalls[] entry per combination of argument
/// values (runtimes AND the conditions of one entry, and cannot OR values on one index).
nlohmann::json oci_profile(const policy::Profile& profile, policy::DenyAction action);

/// A C program (libseccomp) that loads the filter, then execs its arguments; built on or
/// for the target: `cc profile.c -lseccomp`.
std::string libseccomp_c(const policy::Profile& profile, policy::DenyAction action, const std::string& binary);

/// A systemd unit drop-in with SystemCallFilter= (syscall names only: systemd cannot
/// express the argument constraints, which the comment says).
std::string systemd_filter(const policy::Profile& profile, const std::string& binary);

}  // namespace sysfence::emit
