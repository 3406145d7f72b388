#pragma once
/// Where a program names the program it runs: the path argument of each exec syscall and
/// of the library functions that hand the path to it through memory (posix_spawn). The
/// table is data (data/exec_calls.json), compiled into the binary.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sysfence::analysis {

/// A library function whose path argument the analysis takes from its call sites.
struct ExecFunction {
  uint8_t path = 0;       ///< index of the parameter holding the path
  bool searched = false;  ///< a name without '/' is looked up in PATH
};

class ExecCalls {
 public:
  /// The table, parsed once.
  static const ExecCalls& table();
  /// The index of the argument of syscall `name` that holds the path it executes.
  std::optional<uint8_t> syscall_path(std::string_view name) const;
  /// The modelled library function `name`, if it is one.
  const ExecFunction* function(std::string_view name) const;

 private:
  ExecCalls();
  std::map<std::string, uint8_t, std::less<>> syscalls_;
  std::map<std::string, ExecFunction, std::less<>> functions_;
};

}  // namespace sysfence::analysis
