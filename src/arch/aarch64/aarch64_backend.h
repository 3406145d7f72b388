#pragma once
#include "arch/arch.h"

namespace sysfence::arch {

/// The AArch64 backend's register numbering: x0..x30 are 0..30, sp is 31, v0..v31 are
/// 32..63 (tracked only to know when one is zero: `movi v0.4s, #0; stp q0, q0, [x6]`
/// clearing a struct). xzr/wzr is not a register (reads are the constant 0, writes are
/// discarded).
namespace aarch64 {
inline constexpr Reg kLinkRegister = 30;
inline constexpr Reg kStackPointer = 31;
inline constexpr Reg kV0 = 32;
inline constexpr Reg kVectorCount = 32;
inline constexpr Reg kRegisterCount = kV0 + kVectorCount;
}  // namespace aarch64

/// AArch64 (little endian, LP64).
class AArch64Backend : public Backend {
 public:
  std::string_view name() const override { return "aarch64"; }
  std::vector<std::string> multiarch_triplets() const override { return {"aarch64-linux-gnu"}; }
  Reg register_count() const override;
  const Conventions& conventions() const override;
  Result<std::unique_ptr<Lifter>> make_lifter() const override;
  std::vector<PltStub> plt_stubs(const elf::ElfFile& file, const std::vector<GotSlot>& slots) const override;
};

}  // namespace sysfence::arch
