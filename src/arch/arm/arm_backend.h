#pragma once
#include "arch/arch.h"

namespace sysfence::arch {

/// 32-bit ARM, EABI5 (ARM and Thumb-2 code), little endian.
class ArmBackend : public Backend {
 public:
  std::string_view name() const override { return "arm"; }
  std::vector<std::string> multiarch_triplets() const override {
    return {"arm-linux-gnueabihf", "arm-linux-gnueabi"};
  }
  bool is_irelative(uint32_t type) const override { return type == 160; }  // R_ARM_IRELATIVE
  Reg register_count() const override;
  const Conventions& conventions() const override;
  Result<std::unique_ptr<Lifter>> make_lifter() const override;
  std::vector<PltStub> plt_stubs(const elf::ElfFile& file, const std::vector<GotSlot>& slots) const override;
};

}  // namespace sysfence::arch
