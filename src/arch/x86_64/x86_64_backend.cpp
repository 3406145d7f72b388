#include "arch/x86_64/x86_64_backend.h"

#include <elf.h>

#include "arch/plt_scan.h"

namespace sysfence::arch {

// Stubs are `[endbr64] [bnd] jmp *slot(%rip)` in .plt, .plt.sec and .plt.got.
std::vector<PltStub> X86_64Backend::plt_stubs(const elf::ElfFile& file,
                                              const std::vector<GotSlot>& slots) const {
  const SlotIndex index(slots);
  std::vector<PltStub> stubs;
  for (const elf::Section& section : file.sections()) {
    if (section.type != SHT_PROGBITS || !(section.flags & SHF_EXECINSTR)) continue;
    if (section.name != ".plt" && section.name != ".plt.sec" && section.name != ".plt.got") continue;
    auto bytes = file.section_bytes(section);
    if (!bytes) continue;
    // .plt entries are 16 bytes; .plt.got entries 8 (16 with IBT). The linker records
    // the size in sh_entsize, but some linkers leave it 0 or set it to the section size.
    uint64_t entry = (section.entry_size == 8 || section.entry_size == 16) ? section.entry_size : 16;
    const auto& b = *bytes;
    for (uint64_t at = 0; at + 6 <= b.size(); ++at) {
      if (b[at] != 0xff || b[at + 1] != 0x25) continue;  // jmp *disp32(%rip)
      int32_t disp = static_cast<int32_t>(file.reader().read_unchecked<uint32_t>(section.offset + at + 2));
      uint64_t slot = section.address + at + 6 + static_cast<int64_t>(disp);
      const GotSlot* bound = index.slot_at(slot);
      if (!bound) continue;  // PLT0's jump to the lazy resolver
      stubs.push_back(PltStub::through(section.address + at - (at % entry), *bound));
    }
  }
  return stubs;
}

}  // namespace sysfence::arch
