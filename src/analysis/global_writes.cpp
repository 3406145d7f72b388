#include "analysis/global_writes.h"

#include <algorithm>

#include <fmt/format.h>

namespace sysfence::analysis {

GlobalWrites::GlobalWrites(size_t modules) : stores_(modules), escaped_(modules), exported_(modules) {}

void GlobalWrites::add_function(uint32_t m, uint32_t id, const FunctionFacts& facts) {
  for (const GlobalStore& store : facts.global_stores) {
    stores_[m][store.address].push_back({id, store.width, store.value});
  }
  escaped_[m].insert(escaped_[m].end(), facts.escaped_data.begin(), facts.escaped_data.end());
}

void GlobalWrites::add_module(uint32_t m, const ModuleContext& c) {
  for (const MemoryView::DataPointer& p : c.memory.data_pointers()) {
    if (p.symbol == 0 && c.memory.is_data(p.target)) escaped_[m].push_back(p.target);
  }
  if (c.globals_tracked && !c.data_references_complete) {
    // A fixed-address executable (ModuleContext::globals_tracked): its data pointers are
    // plain words; every word that is an address in its data counts as one.
    const std::vector<uint64_t> words = c.memory.data_words_in_data();
    escaped_[m].insert(escaped_[m].end(), words.begin(), words.end());
  }
  for (const elf::Symbol& s : c.module.elf().dynamic_symbols()) {
    if (!s.is_undefined() && c.memory.is_data(s.value)) {
      exported_[m].emplace_back(s.value, s.value + std::max<uint64_t>(s.size, 1));
    }
  }
  std::sort(escaped_[m].begin(), escaped_[m].end());
}

std::optional<std::string> GlobalWrites::untracked(uint32_t m, const ModuleContext& c, uint64_t address,
                                                   uint8_t width) const {
  if (!c.globals_tracked) return "not every access to the module's data is visible";
  for (const auto& [start, end] : exported_[m]) {
    if (address < end && start < address + width) return "it is exported";
  }
  const auto& escaped = escaped_[m];
  for (auto it = std::lower_bound(escaped.begin(), escaped.end(),
                                  address >= kObjectReach ? address - kObjectReach + 1 : 0);
       it != escaped.end() && *it < address + width; ++it) {
    bool another_object = false;  // something the code names starts between the two
    for (uint64_t at = *it + 1; at <= address && !another_object; ++at)
      another_object = c.data_named.count(at) != 0;
    if (!another_object) return fmt::format("the address {:#x} escapes", *it);
  }
  const auto& writes = stores_[m];
  for (auto w = writes.lower_bound(address >= 7 ? address - 7 : 0);
       w != writes.end() && w->first < address + width; ++w) {
    for (const Write& write : w->second) {
      if (w->first != address || write.width != width)
        return fmt::format("a store at {:#x} overlaps it", w->first);
    }
  }
  return std::nullopt;
}

std::vector<GlobalWrites::Write> GlobalWrites::writes_to(uint32_t m, const ModuleContext& c, uint64_t address,
                                                         uint8_t width) const {
  std::vector<Write> writes = {{kInitialValue, width, c.memory.initial_value(address, width)}};
  if (auto it = stores_[m].find(address); it != stores_[m].end()) {
    writes.insert(writes.end(), it->second.begin(), it->second.end());
  }
  return writes;
}

}  // namespace sysfence::analysis
