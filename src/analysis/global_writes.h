#pragma once
/// The globals of a program's modules as flow-insensitive value sets (Value::global):
/// every value the analysed functions store to each global, its initial value, and why a
/// global may change in ways its stores do not show.
///
/// Assumptions, stated because they bound soundness: only the module's own code writes
/// its data, and only through addresses the analysis sees (ModuleContext::globals_tracked); an
/// object whose address escapes (from the code, an exported symbol, a pointer stored in
/// data) may be written through it up to kObjectReach bytes on, unless the code names an
/// address in between (where another object starts).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/function_facts.h"
#include "analysis/module_context.h"
#include "analysis/value.h"

namespace sysfence::analysis {

class GlobalWrites {
 public:
  /// How far past an escaping address code may reach the object there, as for data regions.
  static constexpr uint64_t kObjectReach = 64;
  /// The function of the write that is a global's initial value.
  static constexpr uint32_t kInitialValue = UINT32_MAX;

  struct Write {
    uint32_t function = kInitialValue;  ///< the storing function's number (whole-program analysis)
    uint8_t width = 0;
    Value value;
  };

  explicit GlobalWrites(size_t modules);

  /// Adds the stores and escaping data addresses of function `id` of module `m`.
  void add_function(uint32_t m, uint32_t id, const FunctionFacts& facts);
  /// Adds what module `m` itself lets escape (relocated pointers in its data, exported
  /// symbols); after its functions.
  void add_module(uint32_t m, const ModuleContext& c);

  /// Why the `width`-byte global at `address` of module `m` may change in ways its stores
  /// do not show, or nullopt.
  std::optional<std::string> untracked(uint32_t m, const ModuleContext& c, uint64_t address,
                                       uint8_t width) const;
  /// What the global at `address` of module `m` may hold: its initial value (`width`
  /// bytes), then every store exactly there.
  std::vector<Write> writes_to(uint32_t m, const ModuleContext& c, uint64_t address, uint8_t width) const;

 private:
  std::vector<std::map<uint64_t, std::vector<Write>>> stores_;        ///< per module, by address
  std::vector<std::vector<uint64_t>> escaped_;                        ///< per module, sorted
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> exported_;  ///< per module
};

}  // namespace sysfence::analysis
