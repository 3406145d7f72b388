#include "policy/filter_rules.h"

#include <map>
#include <set>
#include <utility>

#include "analysis/scalar_args.h"

namespace sysfence::policy {
namespace {

using Checks = std::vector<ArgumentCheck>;

/// Every combination of one value per argument, each compared for equality.
std::vector<Checks> combinations(const analysis::ArgumentTuple& tuple) {
  std::vector<Checks> out = {{}};
  for (const auto& [index, values] : tuple) {
    std::vector<Checks> next;
    for (const Checks& partial : out) {
      for (uint64_t v : values) {
        next.push_back(partial);
        next.back().push_back({index, Compare::Equal, v});
      }
    }
    out = std::move(next);
  }
  return out;
}

/// The tuples with their bit-set arguments merged: tuples that agree on the other
/// arguments (and pin the same bit-set ones) become one, each bit-set argument the
/// union of their values. A union of one value stays an equality.
std::vector<Checks> masked(const std::string& syscall, const std::vector<analysis::ArgumentTuple>& tuples) {
  const auto& table = analysis::ScalarArgs::table();
  // Key: the non-bit-set arguments with their values, and which bit-set arguments are pinned.
  using Key = std::pair<analysis::ArgumentTuple, std::set<uint8_t>>;
  std::map<Key, std::map<uint8_t, std::set<uint64_t>>> groups;
  for (const auto& tuple : tuples) {
    Key key;
    std::map<uint8_t, std::set<uint64_t>> bits;
    for (const auto& [index, values] : tuple) {
      if (table.is_bit_set(syscall, index)) {
        key.second.insert(index);
        bits[index].insert(values.begin(), values.end());
      } else {
        key.first[index] = values;
      }
    }
    auto& group = groups[key];
    for (auto& [index, values] : bits) group[index].merge(values);
  }
  std::vector<Checks> out;
  for (const auto& [key, bits] : groups) {
    for (Checks checks : combinations(key.first)) {
      for (const auto& [index, values] : bits) {
        if (values.size() == 1) {
          checks.push_back({index, Compare::Equal, *values.begin()});
          continue;
        }
        uint64_t allowed = 0;
        for (uint64_t v : values) allowed |= v;
        checks.push_back({index, Compare::MaskedEqual, ~allowed, 0});
      }
      out.push_back(std::move(checks));
    }
  }
  return out;
}

}  // namespace

std::vector<FilterRule> filter_rules(const SyscallPolicy& syscall, Constraint level) {
  if (syscall.enosys) return {{syscall.name, kActionEnosys, {}}};
  if (syscall.rules.empty() || level == Constraint::Any) return {{syscall.name, kActionAllow, {}}};
  std::set<Checks> distinct;
  if (level == Constraint::Masked) {
    for (Checks& checks : masked(syscall.name, syscall.rules)) distinct.insert(std::move(checks));
  } else {
    for (const auto& tuple : syscall.rules) {
      for (Checks& checks : combinations(tuple)) distinct.insert(std::move(checks));
    }
  }
  std::vector<FilterRule> out;
  for (const Checks& checks : distinct) out.push_back({syscall.name, kActionAllow, checks});
  return out;
}

}  // namespace sysfence::policy
