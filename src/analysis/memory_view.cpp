#include "analysis/memory_view.h"

#include <elf.h>

#include <unordered_set>

#include <algorithm>

#include "arch/relocations.h"
#include "cfg/code_ranges.h"

namespace sysfence::analysis {

MemoryView::MemoryView(const program::Module& module, const arch::Backend& backend)
    : module_(module), pointer_size_(module.elf().header().bits / 8), code_(cfg::code_ranges(module.elf())) {
  const elf::ElfFile& elf = module.elf();
  const uint16_t machine = elf.header().machine;
  for (const elf::Relocation& rel : elf.relocations()) {
    Slot slot;
    slot.symbol = rel.symbol;
    switch (arch::relocation_kind(machine, rel.type, rel.symbol != 0)) {
      case arch::RelocationKind::Relative: {
        slot.relative = true;
        auto value = elf.addend(rel);
        if (!value) continue;
        slot.value = *value;
        break;
      }
      case arch::RelocationKind::GotSlot:
        slot.call_only = rel.is_plt;
        break;
      case arch::RelocationKind::Symbol: break;
      case arch::RelocationKind::IRelative: slot.ifunc = true; break;
      case arch::RelocationKind::Other: continue;
    }
    slots_[rel.offset] = slot;
  }
  for (uint64_t address : backend.implicit_relative_slots(elf)) {
    if (auto stored = elf.read_address(address)) slots_[address] = {0, *stored, true, false, false, true};
  }
  for (uint64_t address : elf.relr_slots()) {
    if (auto stored = elf.read_address(address)) {
      Slot slot;
      slot.relative = true;
      slot.value = *stored;
      slots_[address] = slot;
    }
  }
  for (const arch::GotSlot& got : module.got_slots) {
    // MIPS global GOT entries: bound without relocations; the analysis follows each load.
    if (!got.resolver && !slots_.count(got.address)) slots_[got.address] = {got.symbol, 0, false, false, true, true};
  }
  for (const elf::Section& s : elf.sections()) {
    if (s.name != ".got" && s.name != ".got.plt") continue;
    for (auto& [address, slot] : slots_) {
      if (address >= s.address && address < s.address + s.size) slot.in_got = true;
    }
  }
  for (const elf::Segment& s : elf.segments()) {
    if (s.type == PT_LOAD && !(s.flags & PF_X)) data_.emplace_back(s.address, s.address + s.memory_size);
    if (s.type == PT_GNU_RELRO) {
      relro_start_ = s.address;
      relro_end_ = s.address + s.memory_size;
    }
  }
  std::sort(data_.begin(), data_.end());
}

std::optional<uint64_t> MemoryView::got_address(uint64_t address) const {
  auto it = slots_.find(address);
  if (it == slots_.end() || !it->second.in_got || !it->second.relative) return std::nullopt;
  return it->second.value;
}

std::span<const uint8_t> MemoryView::code_from(uint64_t address) const {
  auto it = std::upper_bound(code_.begin(), code_.end(), address,
                             [](uint64_t a, const std::pair<uint64_t, uint64_t>& r) { return a < r.first; });
  if (it == code_.begin() || address >= std::prev(it)->second) return {};
  auto bytes = module_.elf().bytes_at(address, std::prev(it)->second - address);
  return bytes ? *bytes : std::span<const uint8_t>{};
}

bool MemoryView::is_data(uint64_t address) const {
  auto it = std::upper_bound(data_.begin(), data_.end(), address,
                             [](uint64_t a, const std::pair<uint64_t, uint64_t>& r) { return a < r.first; });
  return it != data_.begin() && address < std::prev(it)->second;
}

std::vector<MemoryView::DataPointer> MemoryView::data_pointers() const {
  std::vector<DataPointer> out;
  for (const auto& [address, slot] : slots_) {
    if (slot.relative) {
      out.push_back({address, slot.value, 0});
    } else if (slot.symbol != 0 && !slot.call_only && !slot.ifunc) {
      out.push_back({address, 0, slot.symbol});
    }
  }
  std::sort(out.begin(), out.end(), [](const DataPointer& a, const DataPointer& b) { return a.slot < b.slot; });
  return out;
}

bool MemoryView::constant_memory(uint64_t address, uint64_t size) const {
  if (address >= relro_start_ && address + size <= relro_end_) return true;
  for (const elf::Segment& s : module_.elf().segments()) {
    if (s.type == PT_LOAD && !(s.flags & PF_W) && address >= s.address && address + size <= s.address + s.file_size) {
      return true;
    }
  }
  return false;
}

Value MemoryView::load(uint64_t address, int width, bool sign_extend) const {
  if (auto it = slots_.find(address); it != slots_.end()) {
    const Slot& slot = it->second;
    if (width != pointer_size_ || slot.ifunc) return Value::unknown();
    if (slot.relative) return Value::constant(slot.value);
    return slot.symbol != 0 ? Value::import(slot.symbol) : Value::unknown();
  }
  if (width <= 0 || width > 8 || !constant_memory(address, static_cast<uint64_t>(width))) return Value::unknown();
  auto word = file_word(address, width);
  if (!word) return Value::unknown();  // .bss-like tail of a segment
  uint64_t v = *word;
  if (sign_extend && width < 8 && (v >> (8 * width - 1)) & 1) v |= ~mask_of(8 * width);
  return Value::constant(v & mask_of(8 * pointer_size_));
}

std::optional<uint64_t> MemoryView::file_word(uint64_t address, int width) const {
  auto bytes = module_.elf().bytes_at(address, static_cast<uint64_t>(width));
  if (!bytes) return std::nullopt;
  const auto offset = static_cast<uint64_t>(bytes->data() - module_.elf().reader().bytes().data());
  const ByteReader& r = module_.elf().reader();
  switch (width) {
    case 1: return r.read_unchecked<uint8_t>(offset);
    case 2: return r.read_unchecked<uint16_t>(offset);
    case 4: return r.read_unchecked<uint32_t>(offset);
    case 8: return r.read_unchecked<uint64_t>(offset);
    default: return std::nullopt;
  }
}

std::optional<std::string> MemoryView::constant_string(uint64_t address) const {
  constexpr uint64_t kMaxLength = 4096;  // PATH_MAX
  std::string out;
  for (uint64_t at = address; at < address + kMaxLength; ++at) {
    if (!constant_memory(at, 1)) return std::nullopt;
    auto byte = module_.elf().bytes_at(at, 1);
    if (!byte) return std::nullopt;
    if ((*byte)[0] == 0) return out.empty() ? std::nullopt : std::optional(out);
    out.push_back(static_cast<char>((*byte)[0]));
  }
  return std::nullopt;
}

std::vector<uint64_t> MemoryView::code_words_in_data() const {
  // (ARM: bit 0 is the Thumb bit.)
  return words_in_data([&](uint64_t word) { return is_code(word & ~uint64_t{1}); });
}

std::vector<uint64_t> MemoryView::data_words_in_data() const {
  return words_in_data([&](uint64_t word) { return is_data(word); });
}

std::vector<uint64_t> MemoryView::words_in_data(const std::function<bool(uint64_t)>& wanted) const {
  std::vector<uint64_t> out;
  if (module_.elf().header().type != elf::FileType::Executable) return out;
  const elf::ElfFile& elf = module_.elf();
  for (const elf::Segment& s : elf.segments()) {
    if (s.type != PT_LOAD || (s.flags & PF_X)) continue;
    for (uint64_t at = s.address; at + pointer_size_ <= s.address + s.file_size; at += pointer_size_) {
      auto word = elf.read_address(at);
      if (!word) break;
      if (wanted(*word)) out.push_back(*word);
    }
  }
  return out;
}

std::vector<uint64_t> MemoryView::code_addresses_in_got() const {
  std::vector<uint64_t> out;
  const elf::ElfFile& elf = module_.elf();
  if (elf.header().type != elf::FileType::Executable || elf.dynamic().present) return out;
  for (const elf::Section& s : elf.sections()) {
    if (s.name != ".got" || s.type != SHT_PROGBITS) continue;
    for (uint64_t at = s.address; at + pointer_size_ <= s.address + s.size; at += pointer_size_) {
      if (slots_.count(at)) continue;  // IRELATIVE: the loader writes the ifunc's choice
      auto word = elf.read_address(at);
      if (!word) break;
      if (is_code(*word & ~uint64_t{1})) out.push_back(*word);  // ARM: bit 0 is the Thumb bit
    }
  }
  return out;
}


bool MemoryView::is_writable_data(uint64_t address, int width) const {
  if (width <= 0 || width > 8 || slots_.count(address)) return false;
  return is_data(address) && is_data(address + static_cast<uint64_t>(width) - 1) &&
         !constant_memory(address, static_cast<uint64_t>(width));
}

Value MemoryView::initial_value(uint64_t address, int width) const {
  if (!is_writable_data(address, width)) return Value::unknown();
  if (!module_.elf().bytes_at(address, static_cast<uint64_t>(width))) return Value::constant(0);  // .bss: zero-filled
  auto word = file_word(address, width);
  return word ? Value::constant(*word) : Value::unknown();
}

bool MemoryView::big_endian() const { return module_.elf().header().order == ByteOrder::Big; }

}  // namespace sysfence::analysis
