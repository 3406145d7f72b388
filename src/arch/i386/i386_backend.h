#pragma once
#include "arch/arch.h"

namespace sysfence::arch {

/// i386 is recognised (so `info` can describe such files and the user gets a precise
/// message) but not analysed: none of the supported device families ships it.
class I386Backend : public Backend {
 public:
  std::string_view name() const override { return "x86"; }
  bool analysable() const override { return false; }
  std::vector<std::string> multiarch_triplets() const override { return {"i386-linux-gnu"}; }
  Reg register_count() const override { return 0; }
  const Conventions& conventions() const override {
    static const Conventions none;
    return none;
  }
  Result<std::unique_ptr<Lifter>> make_lifter() const override { return Error{"i386 code is not analysed"}; }
  std::vector<PltStub> plt_stubs(const elf::ElfFile&, const std::vector<GotSlot>&) const override {
    return {};
  }
};

}  // namespace sysfence::arch
