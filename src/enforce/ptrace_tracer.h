#pragma once
/// A native syscall tracer (DESIGN.md enforce/): runs a command under ptrace, follows every
/// process and thread it creates, and writes each syscall it enters as one JSON line, the
/// format `sysfence check` reads.

#include <ostream>
#include <string>
#include <vector>

#include "util/result.h"

namespace sysfence::enforce {

/// Runs `command` (searched in PATH) traced, writing for each syscall entry a line
/// {"pid": N, "arch": "x86_64", "name": "openat", "nr": 257, "args": [a0, …, a5]} to
/// `out` (raw register values; a number without a name is "syscall_N"). Gives the
/// command's exit status (128 + signal when a signal ended it), or an error when it
/// could not be started or traced.
Result<int> trace_command(const std::vector<std::string>& command, std::ostream& out);

}  // namespace sysfence::enforce
