#pragma once
/// Helpers shared by the backends' PLT decoders: the executable PLT-like sections of a
/// file and a lookup from GOT slot address to dynamic symbol.

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "arch/arch.h"
#include "elf/elf_file.h"

namespace sysfence::arch {

/// GOT slot address → dynamic symbol index.
class SlotIndex {
 public:
  explicit SlotIndex(const std::vector<GotSlot>& slots) {
    for (const GotSlot& slot : slots) symbol_at_.emplace(slot.address, slot.symbol);
  }
  std::optional<uint32_t> symbol_at(uint64_t address) const {
    auto it = symbol_at_.find(address);
    if (it == symbol_at_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::unordered_map<uint64_t, uint32_t> symbol_at_;
};

/// A section's contents as 32-bit instruction words in the file's byte order.
struct CodeWords {
  uint64_t address = 0;
  std::vector<uint32_t> words;
};

/// The sections whose name is one of `names` and that hold code, as 32-bit words.
std::vector<CodeWords> code_words(const elf::ElfFile& file, std::initializer_list<std::string_view> names);

}  // namespace sysfence::arch
