#include "arch/mips/mips_backend.h"

#include <elf.h>

#include <algorithm>

#include "arch/plt_scan.h"

namespace sysfence::arch {
namespace {

bool is_lw_t9_gp(uint32_t w) { return (w & 0xffff0000) == 0x8f990000; }    // lw t9, off(gp)
bool is_lui_t7(uint32_t w) { return (w & 0xffff0000) == 0x3c0f0000; }      // lui t7, hi
bool is_lw_t9_t7(uint32_t w) { return (w & 0xffff0000) == 0x8df90000; }    // lw t9, lo(t7)
bool is_li_t8(uint32_t w) { return (w & 0xffff0000) == 0x24180000 || (w & 0xffff0000) == 0x34180000; }
bool is_lui_t8(uint32_t w) { return (w & 0xffff0000) == 0x3c180000; }      // lui t8, hi
bool is_ori_t8_t8(uint32_t w) { return (w & 0xffff0000) == 0x37180000; }   // ori t8, t8, lo

/// The dynamic symbol index a .MIPS.stubs entry at word `i` loads into t8 before
/// jumping to the lazy resolver (`lw t9,…(gp); move t7,ra; jalr t9; li t8,index`).
std::optional<uint32_t> stub_symbol(const std::vector<uint32_t>& w, size_t i) {
  std::optional<uint32_t> high;
  for (size_t j = i + 1; j < w.size() && j <= i + 5; ++j) {
    if (is_lw_t9_gp(w[j])) return std::nullopt;  // next stub
    if (is_li_t8(w[j])) return w[j] & 0xffff;
    if (is_lui_t8(w[j])) high = (w[j] & 0xffff) << 16;
    if (is_ori_t8_t8(w[j]) && high) return *high | (w[j] & 0xffff);
  }
  return std::nullopt;
}

/// A PIC o32 prologue: the function at `start` computes `gp`.
struct GpPrologue {
  uint64_t start = 0;
  uint64_t gp = 0;
};

// Position-independent o32 code computes $gp from $t9 (the function's own address) in
// its first three instructions: `lui gp, %hi(_gp_disp)`, `addiu gp, gp, %lo(_gp_disp)`,
// `addu gp, gp, t9`.
std::vector<GpPrologue> gp_prologues(const elf::ElfFile& file, const std::vector<std::pair<uint64_t, uint64_t>>& ranges) {
  constexpr uint32_t kLuiGp = 0x3c1c0000;       // lui $gp, imm
  constexpr uint32_t kAddiuGpGp = 0x279c0000;   // addiu $gp, $gp, imm
  constexpr uint32_t kAdduGpGpT9 = 0x0399e021;  // addu $gp, $gp, $t9
  std::vector<GpPrologue> prologues;
  for (const auto& [begin, end] : ranges) {
    auto bytes = file.bytes_at(begin, end - begin);
    if (!bytes) continue;
    const ByteReader code(*bytes, file.reader().order(), file.reader().file_name());
    for (uint64_t at = 0; at + 12 <= bytes->size(); at += 4) {
      const uint32_t lui = code.read_unchecked<uint32_t>(at);
      const uint32_t addiu = code.read_unchecked<uint32_t>(at + 4);
      if ((lui & 0xffff0000) == kLuiGp && (addiu & 0xffff0000) == kAddiuGpGp &&
          code.read_unchecked<uint32_t>(at + 8) == kAdduGpGpT9) {
        const uint64_t start = begin + at;
        const auto low = static_cast<int16_t>(addiu & 0xffff);
        const uint64_t gp = (start + (uint64_t{lui & 0xffff} << 16) + static_cast<uint64_t>(int64_t{low})) & 0xffffffff;
        prologues.push_back({start, gp});
      }
    }
  }
  return prologues;
}

}  // namespace

// Two kinds of stubs: .MIPS.stubs (PIC lazy binding; the stub names its symbol in t8)
// and the .plt of non-PIC executables (`lui t7,%hi(slot); lw t9,%lo(slot)(t7); …`).
std::vector<PltStub> MipsBackend::plt_stubs(const elf::ElfFile& file,
                                            const std::vector<GotSlot>& slots) const {
  const SlotIndex index(slots);
  std::vector<PltStub> stubs;
  for (const CodeWords& code : code_words(file, {".MIPS.stubs"})) {
    for (size_t i = 0; i < code.words.size(); ++i) {
      if (!is_lw_t9_gp(code.words[i])) continue;
      if (auto symbol = stub_symbol(code.words, i)) stubs.push_back({code.address + 4 * i, *symbol, {}});
    }
  }
  for (const CodeWords& code : code_words(file, {".plt"})) {
    for (size_t i = 0; i + 1 < code.words.size(); ++i) {
      if (!is_lui_t7(code.words[i]) || !is_lw_t9_t7(code.words[i + 1])) continue;
      uint32_t high = (code.words[i] & 0xffff) << 16;
      int32_t low = static_cast<int16_t>(code.words[i + 1] & 0xffff);
      if (const GotSlot* bound = index.slot_at(static_cast<uint32_t>(high + low))) {
        stubs.push_back(PltStub::through(code.address + 4 * i, *bound));
      }
    }
  }
  return stubs;
}

// Debian's MIPS libraries carry almost no unwind tables, so the PIC prologue is what
// bounds their functions (a guessed extent would run up to 64 KiB).
std::vector<uint64_t> MipsBackend::prologue_starts(const elf::ElfFile& file,
                                                   const std::vector<std::pair<uint64_t, uint64_t>>& ranges) const {
  std::vector<uint64_t> starts;
  for (const GpPrologue& p : gp_prologues(file, ranges)) starts.push_back(p.start);
  return starts;
}

// The o32 ABI's global pointer: the GOT's address (DT_PLTGOT) + 0x7ff0, which the
// linker makes `_gp` and glibc's loader assumes (elf_mips_got_from_gpreg). A function
// computes it from t9 in its prologue or keeps its caller's: code of the same module,
// since a call into another module goes through t9 and that module's prologue.
// The assumption is checked, not trusted: a module whose prologues compute any other
// value (a multi-GOT link, where each part of the module has its own GOT and gp) or
// that has no prologue at all (not PIC code) gets none. Only a position-independent
// module is PIC for sure; an executable at a fixed address may use gp for small data.
std::optional<uint64_t> MipsBackend::global_pointer(const elf::ElfFile& file,
                                                    const std::vector<std::pair<uint64_t, uint64_t>>& ranges) const {
  constexpr uint64_t kGpBias = 0x7ff0;
  const std::optional<uint64_t> got = file.dynamic().pltgot;
  if (file.header().type != elf::FileType::SharedObject || !got) return std::nullopt;
  const uint64_t canonical = (*got + kGpBias) & 0xffffffff;
  const std::vector<GpPrologue> prologues = gp_prologues(file, ranges);
  if (prologues.empty()) return std::nullopt;
  for (const GpPrologue& p : prologues) {
    if (p.gp != canonical) return std::nullopt;
  }
  return canonical;
}

// The local part of the GOT holds addresses inside the module (pages and local
// functions), relocated by the load base without relocation records. Entry 0 is the lazy
// resolver and entry 1 (GNU) the module pointer: both are filled at run time.
std::vector<uint64_t> MipsBackend::implicit_relative_slots(const elf::ElfFile& file) const {
  const elf::DynamicInfo& d = file.dynamic();
  if (!d.pltgot || !d.mips_local_gotno) return {};
  std::vector<uint64_t> slots;
  for (uint64_t k = 2; k < *d.mips_local_gotno && k < (1u << 16); ++k) slots.push_back(*d.pltgot + 4 * k);
  return slots;
}

// The MIPS ABI binds the global part of the GOT without relocations: entry
// local_gotno + k holds the address of dynamic symbol gotsym + k.
std::vector<GotSlot> MipsBackend::implicit_got_slots(const elf::ElfFile& file) const {
  const elf::DynamicInfo& d = file.dynamic();
  if (!d.pltgot || !d.mips_local_gotno || !d.mips_gotsym) return {};
  // DT_MIPS_SYMTABNO comes from the file: never trust it beyond the table we read.
  const uint64_t symbols = std::min<uint64_t>(d.mips_symtabno.value_or(UINT64_MAX),
                                              file.dynamic_symbols().size());
  std::vector<GotSlot> slots;
  for (uint64_t k = 0; *d.mips_gotsym + k < symbols; ++k) {
    slots.push_back({*d.pltgot + 4 * (*d.mips_local_gotno + k), static_cast<uint32_t>(*d.mips_gotsym + k), {}});
  }
  return slots;
}

}  // namespace sysfence::arch
