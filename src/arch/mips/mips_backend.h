#pragma once
#include "arch/arch.h"

namespace sysfence::arch {

/// MIPS o32, little (mipsel) or big (mips) endian.
class MipsBackend : public Backend {
 public:
  explicit MipsBackend(bool little_endian) : little_(little_endian) {}
  std::string_view name() const override { return little_ ? "mipsel" : "mips"; }
  std::vector<std::string> multiarch_triplets() const override {
    return {little_ ? "mipsel-linux-gnu" : "mips-linux-gnu"};
  }
  Reg register_count() const override;
  const Conventions& conventions() const override;
  Result<std::unique_ptr<Lifter>> make_lifter() const override;
  std::vector<std::pair<Reg, uint64_t>> entry_values(uint64_t function) const override;
  std::vector<uint64_t> prologue_starts(const elf::ElfFile& file,
                                        const std::vector<std::pair<uint64_t, uint64_t>>& ranges) const override;
  std::optional<uint64_t> global_pointer(const elf::ElfFile& file,
                                         const std::vector<std::pair<uint64_t, uint64_t>>& ranges) const override;
  std::vector<PltStub> plt_stubs(const elf::ElfFile& file, const std::vector<GotSlot>& slots) const override;
  std::vector<GotSlot> implicit_got_slots(const elf::ElfFile& file) const override;
  std::vector<uint64_t> implicit_relative_slots(const elf::ElfFile& file) const override;

 private:
  bool little_;
};

}  // namespace sysfence::arch
