#pragma once
/// Runs a command (no shell) and captures its exit status, stdout and stderr.

#include <string>
#include <vector>

namespace sysfence::testing {

struct CommandResult {
  int status = -1;  ///< exit status, or 128+signal when killed by a signal
  std::string out;
  std::string err;
};

CommandResult run_command(const std::vector<std::string>& argv);

}  // namespace sysfence::testing
