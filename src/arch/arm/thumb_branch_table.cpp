#include "arch/arm/thumb_branch_table.h"

#include <algorithm>

namespace sysfence::arch {

std::vector<uint64_t> thumb_branch_table_cases(std::span<const uint8_t> bytes, uint64_t table_address,
                                               unsigned entry_size, uint64_t entries) {
  if (entries == 0 || entries > bytes.size() / entry_size) return {};
  const uint64_t table_end = table_address + entries * entry_size;
  std::vector<uint64_t> cases;
  for (uint64_t i = 0; i < entries; ++i) {
    uint64_t distance = bytes[i * entry_size];
    if (entry_size == 2) distance |= uint64_t{bytes[i * entry_size + 1]} << 8;
    const uint64_t target = table_address + 2 * distance;
    if (target < table_end) return {};
    cases.push_back(target);
  }
  std::sort(cases.begin(), cases.end());
  cases.erase(std::unique(cases.begin(), cases.end()), cases.end());
  return cases;
}

}  // namespace sysfence::arch
