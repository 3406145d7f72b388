#pragma once
/// What a dynamic relocation type means to the analysis, per machine (a table of data,
/// DESIGN.md convention 5).

#include <cstdint>

namespace sysfence::arch {

enum class RelocationKind {
  Relative,   ///< slot = load base + addend
  Symbol,     ///< slot = symbol address (+ addend), in data: a stored pointer
  GotSlot,    ///< slot = symbol address, in the GOT (GLOB_DAT, JUMP_SLOT)
  IRelative,  ///< slot = what the ifunc resolver at addend returns
  Other,      ///< TLS, copy relocations and the like
};

/// The kind of relocation `type` for ELF machine `machine`; `has_symbol` tells MIPS's
/// REL32 apart (relative without a symbol, symbolic with one).
RelocationKind relocation_kind(uint16_t machine, uint32_t type, bool has_symbol);

}  // namespace sysfence::arch
