#pragma once
/// Function boundaries from unwind tables, which survive stripping: DWARF .eh_frame FDEs
/// (start and length of every function compiled with CFI) and, on 32-bit ARM, the EHABI
/// index .ARM.exidx (function starts only).

#include <cstdint>
#include <vector>

#include "elf/elf_file.h"
#include "util/diagnostics.h"

namespace sysfence::cfg {

struct CodeRange {
  uint64_t start = 0;
  uint64_t size = 0;  ///< 0 when the table gives only the start
  /// False for an ARM EXIDX_CANTUNWIND entry: GNU ld covers code that has no unwind
  /// data with such entries, so its span says nothing about where functions start.
  bool unwinds = true;
};

struct UnwindTables {
  /// Every function range the tables describe (unsorted).
  std::vector<CodeRange> ranges;
  /// The personality routines .eh_frame CIEs name, which the unwinder calls: a code
  /// address, or (indirect encoding) the address of the data slot that holds it.
  std::vector<uint64_t> personalities;
};

/// What the unwind tables of `file` say. A malformed table yields the entries before
/// the damage and a warning.
UnwindTables read_unwind_tables(const elf::ElfFile& file, Diagnostics& diagnostics);

}  // namespace sysfence::cfg
