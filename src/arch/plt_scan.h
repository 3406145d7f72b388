#pragma once
/// Helpers shared by the backends' PLT decoders: the executable PLT-like sections of a
/// file and a lookup from GOT slot address to dynamic symbol.

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "arch/arch.h"
#include "elf/elf_file.h"

namespace sysfence::arch {

/// GOT slot address → the slot's binding.
class SlotIndex {
 public:
  explicit SlotIndex(const std::vector<GotSlot>& slots) {
    for (const GotSlot& slot : slots) slot_at_.emplace(slot.address, &slot);
  }
  /// The slot at `address`, or null when no relocation fills it.
  const GotSlot* slot_at(uint64_t address) const {
    auto it = slot_at_.find(address);
    return it == slot_at_.end() ? nullptr : it->second;
  }

 private:
  std::unordered_map<uint64_t, const GotSlot*> slot_at_;
};

/// A section's contents as 32-bit instruction words in the file's byte order.
struct CodeWords {
  uint64_t address = 0;
  std::vector<uint32_t> words;
};

/// The sections whose name is one of `names` and that hold code, as 32-bit words.
std::vector<CodeWords> code_words(const elf::ElfFile& file, std::initializer_list<std::string_view> names);

}  // namespace sysfence::arch
