// libFuzzer target: any byte string through the ELF reader and the architecture
// backends' table decoders must give a value or an Error, never UB (ASan+UBSan build).
#include <cstddef>
#include <cstdint>
#include <span>

#include "arch/arch.h"
#include "elf/elf_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = sysfence::elf::ElfFile::parse(std::span<const uint8_t>(data, size), "fuzz-input");
  if (!file) return 0;
  for (const auto& section : file->sections()) (void)file->section_bytes(section);
  for (const auto& segment : file->segments()) (void)file->bytes_at(segment.address, segment.file_size);
  std::vector<sysfence::arch::GotSlot> slots;
  for (const auto& rel : file->relocations()) {
    (void)file->read_address(rel.offset);
    slots.push_back({rel.offset, rel.symbol, {}});
  }
  auto backend = sysfence::arch::backend_for(*file);
  if (!backend) return 0;
  for (const auto& slot : (*backend)->implicit_got_slots(*file)) slots.push_back(slot);
  (void)(*backend)->plt_stubs(*file, slots);
  return 0;
}
