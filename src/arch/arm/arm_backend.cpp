#include "arch/arm/arm_backend.h"

#include <bit>

#include "arch/plt_scan.h"

namespace sysfence::arch {
namespace {

/// `bx pc` followed by `nop` or `b .-2`: the Thumb entry in front of an ARM-mode stub.
bool is_thumb_bx_pc_prefix(uint32_t w) { return (w & 0xffff) == 0x4778; }

/// The value of an ARM data-processing "modified immediate" (imm8 rotated right by 2*rot).
uint32_t arm_immediate(uint32_t w) { return std::rotr(w & 0xff, static_cast<int>(((w >> 8) & 0xf) * 2)); }

bool is_add_ip_pc(uint32_t w) { return (w & 0xfffff000) == 0xe28fc000; }
bool is_add_ip_ip(uint32_t w) { return (w & 0xfffff000) == 0xe28cc000; }
bool is_ldr_pc_ip_writeback(uint32_t w) { return (w & 0xfffff000) == 0xe5bcf000; }
constexpr uint32_t kLdrIpPc4 = 0xe59fc004;  // long form: ldr ip, [pc, #4]
constexpr uint32_t kAddIpIpPc = 0xe08cc00f;  // add ip, ip, pc
constexpr uint32_t kLdrPcIp = 0xe59cf000;    // ldr pc, [ip]

/// The GOT slot an ARM-mode PLT entry starting at word `i` jumps through, if it is one.
std::optional<uint64_t> entry_slot(const CodeWords& code, size_t i) {
  const auto& w = code.words;
  const uint64_t pc = code.address + 4 * i;
  if (is_add_ip_pc(w[i])) {
    // Short form: add ip, pc, #a; add ip, ip, #b; [add ip, ip, #c;] ldr pc, [ip, #d]!
    uint64_t slot = pc + 8 + arm_immediate(w[i]);
    for (size_t j = i + 1; j < w.size() && j <= i + 3; ++j) {
      if (is_add_ip_ip(w[j])) {
        slot += arm_immediate(w[j]);
      } else if (is_ldr_pc_ip_writeback(w[j])) {
        return (slot + (w[j] & 0xfff)) & 0xffffffff;
      } else {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }
  if (w[i] == kLdrIpPc4 && i + 3 < w.size() && w[i + 1] == kAddIpIpPc && w[i + 2] == kLdrPcIp) {
    // Long form: the slot's offset from the `add`'s pc+8 is the literal word after it.
    return (pc + 4 + 8 + w[i + 3]) & 0xffffffff;
  }
  return std::nullopt;
}

}  // namespace

std::vector<PltStub> ArmBackend::plt_stubs(const elf::ElfFile& file,
                                           const std::vector<GotSlot>& slots) const {
  const SlotIndex index(slots);
  std::vector<PltStub> stubs;
  // Static executables keep their ifunc stubs in .iplt.
  for (const CodeWords& code : code_words(file, {".plt", ".iplt"})) {
    for (size_t i = 0; i < code.words.size(); ++i) {
      auto slot = entry_slot(code, i);
      if (!slot) continue;
      const GotSlot* bound = index.slot_at(*slot);
      if (!bound) continue;  // PLT0's jump to the lazy resolver
      uint64_t start = code.address + 4 * i;
      stubs.push_back(PltStub::through(start, *bound));
      // Thumb callers enter 4 bytes earlier, through `bx pc`.
      if (i > 0 && is_thumb_bx_pc_prefix(code.words[i - 1])) stubs.push_back(PltStub::through(start - 4, *bound));
    }
  }
  return stubs;
}

bool ArmBackend::may_start_function(std::span<const uint8_t> code, bool thumb) const {
  if (thumb) {
    constexpr uint8_t kItOpcode = 0xbf;  // 1011 1111 cccc mmmm, mask not 0 (0 are hints: nop, yield)
    return code.size() < 2 || code[1] != kItOpcode || (code[0] & 0x0f) == 0;
  }
  if (code.size() < 4) return true;
  const uint8_t condition = code[3] >> 4;  // little endian: bits 28-31 are in the last byte
  return condition == 0xe || condition == 0xf;
}

}  // namespace sysfence::arch
