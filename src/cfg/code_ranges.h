#pragma once
/// Where a module's code is. Executable segments often also hold read-only data
/// (.rodata, .eh_frame, the ELF header on ARM and MIPS), so when the file has section
/// headers the executable sections are used; only stripped-of-sections files fall back
/// to executable segments.

#include <cstdint>
#include <utility>
#include <vector>

#include "elf/elf_file.h"

namespace sysfence::cfg {

/// Sorted, non-overlapping [start, end) address ranges holding code.
std::vector<std::pair<uint64_t, uint64_t>> code_ranges(const elf::ElfFile& file);

}  // namespace sysfence::cfg
