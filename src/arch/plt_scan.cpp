#include "arch/plt_scan.h"

#include <elf.h>

#include <algorithm>

namespace sysfence::arch {

std::vector<CodeWords> code_words(const elf::ElfFile& file,
                                  std::initializer_list<std::string_view> names) {
  std::vector<CodeWords> out;
  for (const elf::Section& section : file.sections()) {
    if (section.type != SHT_PROGBITS || !(section.flags & SHF_EXECINSTR)) continue;
    if (std::find(names.begin(), names.end(), section.name) == names.end()) continue;
    auto bytes = file.section_bytes(section);
    if (!bytes) continue;  // parse() already checked section bounds
    CodeWords code{section.address, {}};
    code.words.reserve(bytes->size() / 4);
    for (uint64_t at = 0; at + 4 <= bytes->size(); at += 4) {
      code.words.push_back(file.reader().read_unchecked<uint32_t>(section.offset + at));
    }
    out.push_back(std::move(code));
  }
  return out;
}

}  // namespace sysfence::arch
