#pragma once
/// Where a module's functions start and end, and (ARM) in which instruction set, from
/// every source that survives in shipped binaries: symbols (dynamic and static), ARM
/// mapping symbols, unwind tables (.eh_frame FDEs, .ARM.exidx), Go's function table
/// (.gopclntab), the entry point and the start of every call target the analysis
/// discovers.

#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "arch/arch.h"
#include "cfg/unwind_tables.h"
#include "program/module.h"
#include "util/diagnostics.h"

namespace sysfence::cfg {

struct FunctionExtent {
  uint64_t start = 0;
  uint64_t end = 0;  ///< one past the last byte the function is known (or assumed) to own
  bool thumb = false;
  bool exact = false;  ///< the size comes from a symbol or unwind table, not a guess

  bool operator==(const FunctionExtent&) const = default;
};

class FunctionIndex {
 public:
  FunctionIndex(const program::Module& module, const arch::Backend& backend, Diagnostics& diagnostics);

  /// The extent of the function starting at `start` (an address without the Thumb bit).
  /// Without an exact size (FDE or symbol) it runs to the next known function start, at
  /// most `kMaxGuessedSize` bytes, and never past the end of its code segment.
  FunctionExtent extent(uint64_t start, std::optional<bool> thumb_hint) const;
  /// The extent() of every known function start, in address order.
  std::vector<FunctionExtent> extents() const;
  /// The instruction set extent() gives the function at `start` (cheaper than extent()).
  bool thumb_for(uint64_t start, std::optional<bool> thumb_hint) const;
  bool is_start(uint64_t address) const { return sizes_.count(address) != 0; }
  /// Whether the code at `address` is Thumb as far as the module says: its mapping
  /// symbols, else the instruction set the module uses (see may_be_function).
  bool thumb_at(uint64_t address) const;
  /// True when `address` lies inside a function of known size but is not its start: a
  /// label (jump-table case, literal pool) rather than something a pointer can call.
  bool is_interior(uint64_t address) const;
  /// Whether a code pointer to `address` can be a function pointer: a known start, or an
  /// address that neither lies inside a function of known size nor inside the span of
  /// an ARM unwind entry (which the compiler emits per function), so a label (a
  /// computed-goto target in glibc's vfprintf, a Thumb literal-pool address) is not
  /// taken for a function. Code the tables do not describe (a static program's own
  /// code linked without unwind tables, as Debian's busybox-static is, next to libc's
  /// code that has them) keeps every candidate: tables add starts, never remove them.
  /// In Thumb code an ARM-mode (even) pointer is a label or data (Thumb function
  /// pointers have bit 0 set) unless a symbol says ARM code starts there or the code
  /// there reads as ARM: a static program's own ARM code next to its Thumb libc, glibc's
  /// ARM memcpy variants that its ifunc resolvers return. Otherwise an integer that
  /// happens to equal a Thumb function's address would be decoded as ARM. Which
  /// instruction set a module uses is what most of its function symbols say or,
  /// stripped, its entry point and the code addresses its data holds.
  bool may_be_function(uint64_t address, bool thumb) const {
    if (thumb_.count(address)) return true;
    if (!thumb && thumb_at(address) && !reads_as_arm(address)) return false;
    return is_start(address) || (!is_interior(address) && !inside_unwind_entry(address));
  }
  /// Whether a code address that is some symbol's value (a GOT slot's content) can be a
  /// function: not a label, so the unwind tables need not name it, but not inside a
  /// function of known size either (MIPS GOT page entries).
  bool may_be_symbol_address(uint64_t address) const { return is_start(address) || !is_interior(address); }
  /// The personality routines of the unwind tables (UnwindTables::personalities).
  const std::vector<uint64_t>& personalities() const { return personalities_; }
  /// The name of the symbol at `address`, or "" (for call paths in reports).
  std::string name_at(uint64_t address) const;
  /// Whether Go's function table lists a function at `start` (Go code, or Go's assembly).
  bool is_go_function(uint64_t start) const { return go_functions_.count(start) != 0; }
  /// How many bytes the arguments and results of the Go function at `start` take in Go's
  /// stack ABI (GoFunction::argument_bytes), where Go's function table says.
  std::optional<uint32_t> go_argument_bytes(uint64_t start) const {
    auto it = go_functions_.find(start);
    return it == go_functions_.end() ? std::nullopt : it->second;
  }

  static constexpr uint64_t kMaxGuessedSize = 1 << 16;

 private:
  void add(uint64_t start, uint64_t size, std::optional<bool> thumb, std::string name = {});
  bool in_code(uint64_t address) const;
  bool reads_as_arm(uint64_t address) const;
  bool inside_unwind_entry(uint64_t address) const;

  const elf::ElfFile* elf_;
  std::map<uint64_t, uint64_t> sizes_;          ///< start -> size (0: unknown)
  std::map<uint64_t, bool> thumb_;              ///< start -> instruction set, where known
  std::map<uint64_t, bool> mapping_symbols_;    ///< ARM $t/$a: address -> thumb
  std::map<uint64_t, std::string> names_;
  /// Go's functions by entry, with GoFunction::argument_bytes.
  std::unordered_map<uint64_t, std::optional<uint32_t>> go_functions_;
  std::vector<std::pair<uint64_t, uint64_t>> code_segments_;  ///< code ranges [start, end)
  bool default_thumb_ = false;
  /// ARM exidx entries by start: whether the entry describes a function (not
  /// EXIDX_CANTUNWIND). Each spans the code up to the next entry.
  std::map<uint64_t, bool> arm_unwind_entries_;
  std::vector<uint64_t> personalities_;
};

}  // namespace sysfence::cfg
