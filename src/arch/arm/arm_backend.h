#pragma once
#include "arch/arch.h"

namespace sysfence::arch {

/// 32-bit ARM, EABI5 (ARM and Thumb-2 code), little endian.
///
/// Register numbering for the lifted form: r0..r15 are 0..15 (r13 sp, r14 lr, r15 pc;
/// pc is never a transfer `dst`, writes to it are control flow). Number 16 is a scratch
/// register that lives inside one lifted instruction: register-indexed addresses
/// (`ldr r0, [r1, r2]`, ARM PIC code's GOT loads) are computed into it first. Nothing
/// reads it in a later instruction.
class ArmBackend : public Backend {
 public:
  static constexpr Reg kSp = 13;
  static constexpr Reg kLr = 14;
  static constexpr Reg kPc = 15;
  static constexpr Reg kScratch = 16;
  /// d0..d31, tracked for 64-bit constants a literal load puts there and a store writes
  /// to memory (`vldr d7, [pc, #228]; vstr d7, [sp]`: glibc's struct clone_args flags).
  static constexpr Reg kD0 = 17;
  static constexpr Reg kDoubleCount = 32;

  std::string_view name() const override { return "arm"; }
  std::vector<std::string> multiarch_triplets() const override {
    return {"arm-linux-gnueabihf", "arm-linux-gnueabi"};
  }
  Reg register_count() const override;
  const Conventions& conventions() const override;
  Result<std::unique_ptr<Lifter>> make_lifter() const override;
  /// Bit 0 selects Thumb (interworking branches, function pointers, symbol values).
  CodePointer code_pointer(uint64_t value) const override { return {value & ~uint64_t{1}, (value & 1) != 0}; }
  /// AAPCS leaves the condition flags undefined when a function is entered, so no
  /// function begins with a conditional instruction: an ARM word whose condition is
  /// not AL (or the unconditional space), or a Thumb IT instruction. Thumb code read as
  /// ARM words mostly fails this.
  bool may_start_function(std::span<const uint8_t> code, bool thumb) const override;
  std::vector<PltStub> plt_stubs(const elf::ElfFile& file, const std::vector<GotSlot>& slots) const override;
};

}  // namespace sysfence::arch
