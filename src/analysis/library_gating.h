#pragma once
/// The gates of the library models (LibraryModels) in one program: which calls from a
/// modelled library's unexported code to a gate's wrappers are held back while the gate
/// is closed, which values the library's syscalls pass only for a closed gate's feature,
/// and which gates stay closed. Whether the reachable code uses a feature is the whole-
/// program analysis's question (program_analysis.cpp); this keeps the gates' state.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analysis/library_gates.h"
#include "arch/arch.h"
#include "program/module.h"

namespace sysfence::analysis {

/// A gate of a model that applies to module `module` of the program.
struct ActiveGate {
  uint32_t module = 0;
  const LibraryGate* gate = nullptr;
  bool open = false;
};

/// A call held back by a closed gate: site `site` of function `caller` (numbers of the
/// whole-program analysis).
struct HeldCall {
  uint32_t caller = 0;
  size_t site = 0;
  size_t gate = 0;
};

/// Code addresses of `module`'s exported functions named `name` (every version).
std::vector<uint64_t> exported_functions(const program::Module& module, const arch::Backend& backend,
                                         std::string_view name);

class LibraryGating {
 public:
  explicit LibraryGating(const arch::Backend& backend) : backend_(backend) {}

  /// Adds the gates of the model that applies to module `m` (file `module`, soname
  /// `soname`), if one does.
  void add_module(uint32_t m, const program::Module& module, std::string_view soname);

  /// Whether no model applies to the program.
  bool empty() const { return gates_.empty(); }
  /// The closed gate that holds back a call from the function starting at `caller_start`
  /// of module `m` to the code at `target` of the same module: a call from the library's
  /// unexported code to one of the gate's wrappers.
  std::optional<size_t> held_back_by(uint32_t m, uint64_t caller_start, uint64_t target) const;
  /// Keeps `call`, held back by its gate, until the gate opens.
  void hold(const HeldCall& call) { held_.push_back(call); }

  /// Opens every closed gate `used` says the program uses; returns the calls the opened
  /// gates held back (none when no gate opened).
  std::vector<HeldCall> open_used(const std::function<bool(const ActiveGate&)>& used);

  /// Removes from `tuple` (syscall `name`'s values by argument, at a site of module `m`)
  /// the values the module's syscalls pass only for a feature whose gate is closed. False
  /// when nothing is left of an argument: the site makes the call only for that feature.
  bool without_unused_features(uint32_t m, std::string_view name,
                               std::map<uint8_t, std::vector<uint64_t>>& tuple) const;

  /// One line per gate that stayed closed, naming the module (`file_name`), the feature
  /// and what was held back.
  std::vector<std::string> closed_gates(const std::function<std::string(uint32_t)>& file_name) const;

 private:
  uint64_t code_key(uint32_t m, uint64_t pointer) const;

  const arch::Backend& backend_;
  std::vector<ActiveGate> gates_;
  std::unordered_map<uint64_t, size_t> gated_wrappers_;  ///< code_key → gate
  std::unordered_set<uint64_t> exported_code_;           ///< code_key of the modelled libraries' exports
  std::vector<HeldCall> held_;
};

}  // namespace sysfence::analysis
