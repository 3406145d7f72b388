#include "arch/relocations.h"

#include <elf.h>

namespace sysfence::arch {

RelocationKind relocation_kind(uint16_t machine, uint32_t type, bool has_symbol) {
  switch (machine) {
    case EM_X86_64:
      switch (type) {
        case R_X86_64_RELATIVE: return RelocationKind::Relative;
        case R_X86_64_64: return RelocationKind::Symbol;
        case R_X86_64_GLOB_DAT:
        case R_X86_64_JUMP_SLOT: return RelocationKind::GotSlot;
        case R_X86_64_IRELATIVE: return RelocationKind::IRelative;
        default: return RelocationKind::Other;
      }
    case EM_AARCH64:
      switch (type) {
        case R_AARCH64_RELATIVE: return RelocationKind::Relative;
        case R_AARCH64_ABS64: return RelocationKind::Symbol;
        case R_AARCH64_GLOB_DAT:
        case R_AARCH64_JUMP_SLOT: return RelocationKind::GotSlot;
        case R_AARCH64_IRELATIVE: return RelocationKind::IRelative;
        default: return RelocationKind::Other;
      }
    case EM_ARM:
      switch (type) {
        case R_ARM_RELATIVE: return RelocationKind::Relative;
        case R_ARM_ABS32: return RelocationKind::Symbol;
        case R_ARM_GLOB_DAT:
        case R_ARM_JUMP_SLOT: return RelocationKind::GotSlot;
        case R_ARM_IRELATIVE: return RelocationKind::IRelative;
        default: return RelocationKind::Other;
      }
    case EM_MIPS:
      switch (type) {
        case R_MIPS_REL32: return has_symbol ? RelocationKind::Symbol : RelocationKind::Relative;
        case R_MIPS_32: return RelocationKind::Symbol;
        case R_MIPS_JUMP_SLOT: return RelocationKind::GotSlot;
        default: return RelocationKind::Other;
      }
    case EM_386:
      switch (type) {
        case R_386_RELATIVE: return RelocationKind::Relative;
        case R_386_32: return RelocationKind::Symbol;
        case R_386_GLOB_DAT:
        case R_386_JMP_SLOT: return RelocationKind::GotSlot;
        case R_386_IRELATIVE: return RelocationKind::IRelative;
        default: return RelocationKind::Other;
      }
    default: return RelocationKind::Other;
  }
}

}  // namespace sysfence::arch
