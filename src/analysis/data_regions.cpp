#include "analysis/data_regions.h"

#include <algorithm>

namespace sysfence::analysis {

DataRegions::DataRegions(std::vector<MemoryView::DataPointer> pointers, const std::vector<uint64_t>& boundaries,
                         std::vector<std::pair<uint64_t, uint64_t>> slot_tables)
    : pointers_(std::move(pointers)), slot_tables_(std::move(slot_tables)) {
  regions_.emplace(0, false);  // everything below the first boundary
  for (uint64_t b : boundaries) regions_.emplace(b, false);
  for (const auto& [start, end] : slot_tables_) {
    for (const MemoryView::DataPointer& p : pointers_) {
      if (p.slot >= start && p.slot < end) regions_.emplace(p.slot, false);
    }
    regions_.emplace(end, false);
  }
  // What a pointer points to may start something; where a pointer is stored does not (a
  // table of pointers is one object).
  for (const MemoryView::DataPointer& p : pointers_) {
    if (p.symbol == 0) add_boundary(p.target);
  }
}

bool DataRegions::inside_pointer_run(uint64_t address) const {
  auto first = std::lower_bound(pointers_.begin(), pointers_.end(), address - std::min(address, kPointerRunGap),
                                [](const MemoryView::DataPointer& p, uint64_t a) { return p.slot < a; });
  return first != pointers_.end() && first->slot < address;
}

void DataRegions::add_boundary(uint64_t address) {
  if (!inside_pointer_run(address)) add_object_start(address);
}

void DataRegions::add_object_start(uint64_t address) {
  auto containing = std::prev(regions_.upper_bound(address));
  // Splitting a reached region: its pointers were all handed out already.
  regions_.emplace(address, containing->second);
}

void DataRegions::reach(uint64_t address, uint64_t size, std::vector<MemoryView::DataPointer>& out) {
  const bool in_slot_table = std::any_of(slot_tables_.begin(), slot_tables_.end(), [&](const auto& table) {
    return address >= table.first && address < table.second;
  });
  auto region = std::prev(regions_.upper_bound(address));
  const auto last = regions_.upper_bound(address + size + (in_slot_table ? 0 : kLeadingSlack));
  for (; region != last; ++region) reach_region(region, out);
}

void DataRegions::reach_all(std::vector<MemoryView::DataPointer>& out) {
  for (auto region = regions_.begin(); region != regions_.end(); ++region) reach_region(region, out);
}

void DataRegions::reach_region(std::map<uint64_t, bool>::iterator region, std::vector<MemoryView::DataPointer>& out) {
  if (region->second) return;
  region->second = true;
  const uint64_t end = std::next(region) == regions_.end() ? UINT64_MAX : std::next(region)->first;
  auto first = std::lower_bound(pointers_.begin(), pointers_.end(), region->first,
                                [](const MemoryView::DataPointer& p, uint64_t a) { return p.slot < a; });
  for (auto p = first; p != pointers_.end() && p->slot < end; ++p) out.push_back(*p);
}

}  // namespace sysfence::analysis
