#include "cfg/function_index.h"

#include <elf.h>

#include <algorithm>

#include "arch/relocations.h"
#include "cfg/code_ranges.h"
#include "cfg/go_function_table.h"
#include "cfg/unwind_tables.h"

namespace sysfence::cfg {

FunctionIndex::FunctionIndex(const program::Module& module, const arch::Backend& backend,
                             Diagnostics& diagnostics)
    : elf_(&module.elf()) {
  const elf::ElfFile& elf = module.elf();
  code_segments_ = code_ranges(elf);
  int thumb_votes = 0;
  int arm_votes = 0;
  auto add_symbols = [&](const std::vector<elf::Symbol>& symbols) {
    for (const elf::Symbol& s : symbols) {
      if (s.is_undefined() || s.section_index >= SHN_LORESERVE) continue;
      // ARM mapping symbols mark where ARM code ($a), Thumb code ($t) and data ($d) begin.
      if (s.type == STT_NOTYPE && s.name.size() >= 2 && s.name[0] == '$' && (s.name[1] == 'a' || s.name[1] == 't')) {
        mapping_symbols_[s.value] = s.name[1] == 't';
        continue;
      }
      if (s.type != STT_FUNC && s.type != STT_GNU_IFUNC) continue;
      arch::CodePointer p = backend.code_pointer(s.value);
      (p.thumb ? thumb_votes : arm_votes)++;
      add(p.address, s.size, p.thumb, s.name);
    }
  };
  add_symbols(elf.dynamic_symbols());
  add_symbols(elf.symbols());
  // Go's ARM port is ARM-mode only: its functions are never Thumb.
  for (GoFunction& f : read_go_functions(elf, diagnostics)) {
    add(f.entry, f.size, false, std::move(f.name));
    go_functions_[f.entry] = f.argument_bytes;
  }
  if (thumb_votes + arm_votes == 0) {
    // Stripped: the entry point and the code addresses stored in data (function
    // pointers, which carry the Thumb bit) say which instruction set the code uses.
    auto vote = [&](uint64_t pointer) {
      const arch::CodePointer p = backend.code_pointer(pointer);
      if (in_code(p.address)) (p.thumb ? thumb_votes : arm_votes)++;
    };
    if (elf.header().entry != 0) vote(elf.header().entry);
    for (const elf::Relocation& rel : elf.relocations()) {
      if (arch::relocation_kind(elf.header().machine, rel.type, rel.symbol != 0) != arch::RelocationKind::Relative) {
        continue;
      }
      if (auto value = elf.addend(rel)) vote(*value);
    }
    for (uint64_t slot : elf.relr_slots()) {
      if (auto stored = elf.read_address(slot)) vote(*stored);
    }
  }
  default_thumb_ = thumb_votes > arm_votes;
  if (elf.header().entry != 0) {
    arch::CodePointer p = backend.code_pointer(elf.header().entry);
    add(p.address, 0, p.thumb);
  }
  for (uint64_t start : backend.prologue_starts(elf, code_segments_)) add(start, 0, std::nullopt);
  UnwindTables tables = read_unwind_tables(elf, diagnostics);
  for (const CodeRange& range : tables.ranges) {
    add(range.start, range.size, std::nullopt);
    if (range.size == 0) arm_unwind_entries_[range.start] = range.unwinds;
  }
  personalities_ = std::move(tables.personalities);
}

bool FunctionIndex::inside_unwind_entry(uint64_t address) const {
  auto it = arm_unwind_entries_.upper_bound(address);
  return it != arm_unwind_entries_.begin() && std::prev(it)->second;
}

bool FunctionIndex::in_code(uint64_t address) const {
  return std::any_of(code_segments_.begin(), code_segments_.end(),
                     [&](const auto& segment) { return address >= segment.first && address < segment.second; });
}

bool FunctionIndex::reads_as_arm(uint64_t address) const {
  // Compiled and hand-written ARM functions begin with an unconditional instruction
  // (condition AL, the top four bits 0xe: push, mov, sub, cmp, ...); Thumb code read as
  // an ARM word has any condition there. Only the first word is asked: a second one
  // may well be conditional (`cmp r0, #0; bxeq lr`).
  auto word = elf_->bytes_at(address, 4);
  return word && ((*word)[3] >> 4) == 0xe;
}

void FunctionIndex::add(uint64_t start, uint64_t size, std::optional<bool> thumb, std::string name) {
  if (!in_code(start)) return;
  uint64_t& known = sizes_[start];
  if (known == 0) known = size;
  if (thumb) thumb_.emplace(start, *thumb);
  if (!name.empty()) names_.emplace(start, std::move(name));
}

bool FunctionIndex::thumb_for(uint64_t start, std::optional<bool> thumb_hint) const {
  // A symbol's mode wins: a pointer to a Thumb function with bit 0 clear is not a call
  // target (it would run the code as ARM) but data that the analysis treats as one.
  // Otherwise the branch or pointer says which instruction set it enters.
  if (auto it = thumb_.find(start); it != thumb_.end()) return it->second;
  return thumb_hint.value_or(thumb_at(start));
}

bool FunctionIndex::thumb_at(uint64_t address) const {
  auto it = mapping_symbols_.upper_bound(address);
  if (it != mapping_symbols_.begin()) return std::prev(it)->second;
  return default_thumb_;
}

FunctionExtent FunctionIndex::extent(uint64_t start, std::optional<bool> thumb_hint) const {
  FunctionExtent out{start, start, false};
  out.thumb = thumb_for(start, thumb_hint);
  uint64_t segment_end = start;
  for (const auto& [begin, end] : code_segments_) {
    if (start >= begin && start < end) segment_end = end;
  }
  if (auto it = sizes_.find(start); it != sizes_.end() && it->second != 0) {
    out.end = std::min(start + it->second, segment_end);
    out.exact = true;
    return out;
  }
  auto next = sizes_.upper_bound(start);
  out.end = std::min<uint64_t>({segment_end, start + kMaxGuessedSize, next == sizes_.end() ? segment_end : next->first});
  return out;
}

std::vector<FunctionExtent> FunctionIndex::extents() const {
  std::vector<FunctionExtent> out;
  out.reserve(sizes_.size());
  for (const auto& entry : sizes_) out.push_back(extent(entry.first, std::nullopt));
  return out;
}

bool FunctionIndex::is_interior(uint64_t address) const {
  if (sizes_.count(address)) return false;
  // Table entries without a size (ARM exidx) may sit between a sized function's start
  // and `address`: look back over the starts that could still contain it.
  for (auto it = sizes_.upper_bound(address); it != sizes_.begin();) {
    --it;
    if (it->first + kMaxGuessedSize < address) break;
    if (it->second != 0 && address < it->first + it->second) return true;
  }
  return false;
}

std::string FunctionIndex::name_at(uint64_t address) const {
  auto it = names_.find(address);
  return it == names_.end() ? std::string() : it->second;
}

}  // namespace sysfence::cfg
