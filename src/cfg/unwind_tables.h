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
};

/// Every function range the unwind tables of `file` describe (unsorted). A malformed
/// table yields the entries before the damage and a warning.
std::vector<CodeRange> unwind_ranges(const elf::ElfFile& file, Diagnostics& diagnostics);

}  // namespace sysfence::cfg
