#pragma once
/// The cases of a Thumb-2 switch (`tbb [pc, rN]`, `tbh [pc, rN, lsl #1]`), read from the
/// table that follows the instruction.

#include <cstdint>
#include <span>
#include <vector>

namespace sysfence::arch {

/// The targets of the `entries`-entry branch table at `table_address`, whose bytes (and
/// whatever follows them) are `bytes`: entries of `entry_size` bytes (1: tbb, 2: tbh),
/// each a forward distance in halfwords from the table's start. Empty when the bytes run
/// out or an entry points back into the table (no table then, or not that long): the
/// cases are unknown. Sorted, without duplicates.
std::vector<uint64_t> thumb_branch_table_cases(std::span<const uint8_t> bytes, uint64_t table_address,
                                               unsigned entry_size, uint64_t entries);

}  // namespace sysfence::arch
