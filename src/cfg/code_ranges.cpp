#include "cfg/code_ranges.h"

#include <elf.h>

#include <algorithm>

namespace sysfence::cfg {

std::vector<std::pair<uint64_t, uint64_t>> code_ranges(const elf::ElfFile& file) {
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const elf::Section& s : file.sections()) {
    if (s.type == SHT_PROGBITS && (s.flags & SHF_ALLOC) && (s.flags & SHF_EXECINSTR) && s.size > 0) {
      ranges.emplace_back(s.address, s.address + s.size);
    }
  }
  if (ranges.empty()) {
    for (const elf::Segment& s : file.segments()) {
      if (s.type == PT_LOAD && (s.flags & PF_X) && s.file_size > 0) ranges.emplace_back(s.address, s.address + s.file_size);
    }
  }
  std::sort(ranges.begin(), ranges.end());
  return ranges;
}

}  // namespace sysfence::cfg
