#pragma once
/// Reading a value back from memory the analysis tracks as written slots (a function's
/// stack frame, the fields of a stack object a caller passes): one rule for both.

#include <cstdint>
#include <optional>

#include "analysis/value.h"

namespace sysfence::analysis {

/// What `width` bytes at `offset` hold, given the slots in [first, last) (each with
/// `offset`, `width` and `value`; slots never overlap one another): the slot written
/// exactly there; part of a slot holding one constant (`movq $0x3d0f00, [rsp+0x10]`
/// read back as 4 bytes; a cleared vector register stored, read as any field);
/// `untouched` when no slot overlaps; otherwise unknown. `value_of(*it)` is a slot's value.
template <class Iterator, class ValueOf>
Value slot_value(Iterator first, Iterator last, int64_t offset, uint8_t width, const Value& untouched,
                 bool big_endian, const ValueOf& value_of) {
  std::optional<Value> found;
  for (auto it = first; it != last; ++it) {
    if (!(it->offset < offset + width && offset < it->offset + it->width)) continue;
    if (found) return Value::unknown();
    if (it->offset == offset && it->width == width) {
      found = value_of(*it);
      continue;
    }
    const auto constant = value_of(*it).single();
    const bool inside = it->offset <= offset && offset + width <= it->offset + it->width;
    if (!inside || !constant || (*constant != 0 && it->width > 8)) return Value::unknown();
    const int64_t byte_shift = big_endian ? it->offset + it->width - (offset + width) : offset - it->offset;
    found = Value::constant(*constant == 0 ? 0 : (*constant >> (8 * byte_shift)) & mask_of(8 * width));
  }
  return found ? *found : untouched;
}

/// The same for slots that hold their value as `value`.
template <class Iterator>
Value slot_value(Iterator first, Iterator last, int64_t offset, uint8_t width, const Value& untouched,
                 bool big_endian) {
  return slot_value(first, last, offset, width, untouched, big_endian,
                    [](const auto& slot) -> const Value& { return slot.value; });
}

}  // namespace sysfence::analysis
