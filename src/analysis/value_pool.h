#pragma once
/// Values stored once and named by a number (DESIGN.md analysis/): the per-function
/// analysis keeps a state at the entry of every block, and in a large function each of
/// them holds every slot of a frame of a thousand slots, most with values other blocks
/// hold too (LLVM's largest functions: half a gigabyte of Values, 88 bytes a slot).

#include <cstdint>
#include <deque>
#include <unordered_map>

#include "analysis/value.h"

namespace sysfence::analysis {

class ValuePool {
 public:
  using Id = uint32_t;
  /// The number of the unknown value, which every pool has without storing it.
  static constexpr Id kUnknown = 0;

  /// The number of `v`: equal values get the same one, so two numbers are equal exactly
  /// when their values are.
  Id intern(const Value& v) {
    if (v.is_unknown()) return kUnknown;
    auto [it, added] = ids_.try_emplace(v, static_cast<Id>(values_.size() + 1));
    if (added) values_.push_back(v);
    return it->second;
  }

  /// The value numbered `id`; the reference stays valid while the pool lives (a deque
  /// does not move what it holds when it grows).
  const Value& at(Id id) const { return id == kUnknown ? unknown_ : values_[id - 1]; }

 private:
  struct Hash {
    size_t operator()(const Value& v) const { return v.hash(); }
  };
  const Value unknown_ = Value::unknown();
  std::deque<Value> values_;
  std::unordered_map<Value, Id, Hash> ids_;
};

}  // namespace sysfence::analysis
