#pragma once
#include "arch/arch.h"

namespace sysfence::arch {

/// x86-64 (System V ABI).
class X86_64Backend : public Backend {
 public:
  std::string_view name() const override { return "x86_64"; }
  std::vector<std::string> multiarch_triplets() const override { return {"x86_64-linux-gnu"}; }
  Reg register_count() const override;
  const Conventions& conventions() const override;
  Result<std::unique_ptr<Lifter>> make_lifter() const override;
  std::vector<PltStub> plt_stubs(const elf::ElfFile& file, const std::vector<GotSlot>& slots) const override;
};

}  // namespace sysfence::arch
