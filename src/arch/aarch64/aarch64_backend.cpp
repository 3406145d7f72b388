#include "arch/aarch64/aarch64_backend.h"

#include "arch/plt_scan.h"

namespace sysfence::arch {
namespace {

constexpr uint32_t kBtiC = 0xd503245f;

bool is_adrp_x16(uint32_t w) { return (w & 0x9f00001f) == 0x90000010; }
bool is_ldr_x17_from_x16(uint32_t w) { return (w & 0xffc003ff) == 0xf9400211; }

/// The page address an `adrp` at `pc` forms.
uint64_t adrp_target(uint64_t pc, uint32_t w) {
  uint64_t imm = (((w >> 5) & 0x7ffff) << 2) | ((w >> 29) & 0x3);
  int64_t offset = static_cast<int64_t>(imm << 43) >> 31;  // sign-extend 21 bits, then * 4096
  return (pc & ~uint64_t{0xfff}) + offset;
}

}  // namespace

// Each entry is `[bti c] adrp x16, slot; ldr x17, [x16, #lo12(slot)]; add x16, …; br x17`.
std::vector<PltStub> AArch64Backend::plt_stubs(const elf::ElfFile& file,
                                               const std::vector<GotSlot>& slots) const {
  const SlotIndex index(slots);
  std::vector<PltStub> stubs;
  for (const CodeWords& code : code_words(file, {".plt"})) {
    for (size_t i = 0; i + 1 < code.words.size(); ++i) {
      if (!is_adrp_x16(code.words[i]) || !is_ldr_x17_from_x16(code.words[i + 1])) continue;
      uint64_t pc = code.address + 4 * i;
      uint64_t slot = adrp_target(pc, code.words[i]) + ((code.words[i + 1] >> 10) & 0xfff) * 8;
      const GotSlot* bound = index.slot_at(slot);
      if (!bound) continue;  // PLT0 loads the lazy resolver's slot
      uint64_t start = (i > 0 && code.words[i - 1] == kBtiC) ? pc - 4 : pc;
      stubs.push_back(PltStub::through(start, *bound));
    }
  }
  return stubs;
}

}  // namespace sysfence::arch
