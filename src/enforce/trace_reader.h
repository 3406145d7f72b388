#pragma once
/// Reads the system calls of a recorded run (DESIGN.md enforce/): JSON lines as
/// `sysfence trace` writes them, strace output, and qemu-user `-strace` output. A value
/// the trace prints as a name or a structure rather than a number is marked unknown.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "enforce/trace_constants.h"
#include "util/result.h"

namespace sysfence::enforce {

struct TracedCall {
  size_t line = 0;  ///< 1-based line in the trace
  std::string name;  ///< as the trace names it
  std::array<uint64_t, 6> args{};
  std::array<bool, 6> unknown{};  ///< argument i was not printed as a number
  std::string text;  ///< the call as the trace printed it, for reports
};

/// The calls in `text` (the content of `file`, named in errors), for an architecture whose
/// registers are `bits` wide (a printed -1 is all ones in that width) and whose printed
/// names `names` gives values for. JSON lines need
/// "name" and "args" (a file whose first record is JSON is JSON lines throughout); in
/// strace and qemu output, lines that are not calls (signals, exits, the remains of lines
/// another thread's output cut in two) are skipped; a file with lines but no call is an error.
Result<std::vector<TracedCall>> read_trace(const std::string& text, const std::string& file, int bits,
                                          const TraceConstants& names);

}  // namespace sysfence::enforce
