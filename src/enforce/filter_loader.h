#pragma once
/// Loading a seccomp filter into the kernel for the calling process (DESIGN.md enforce/):
/// what `sysfence run` does before it execs the program.

#include <linux/filter.h>

#include <span>
#include <string>

#include "util/result.h"

namespace sysfence::enforce {

/// Sets no_new_privs (so an unprivileged process may load a filter, and a set-uid
/// program cannot shed it) and loads `program` (host byte order) with
/// SECCOMP_FILTER_FLAG_TSYNC, so that threads the process already runs are filtered too.
/// An error says why the kernel refused; the caller must then not run what the filter
/// was meant to confine.
Result<void> install_filter(std::span<const sock_filter> program);

/// The architecture this process runs as, in libseccomp's naming ("x86_64", "aarch64",
/// "arm", "mipsel", "mips"): the only one whose filters it can load.
std::string host_arch();

}  // namespace sysfence::enforce
