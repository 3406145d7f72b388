#include "analysis/abstract_state.h"

#include <algorithm>
#include <optional>

#include "analysis/slot_lookup.h"

namespace sysfence::analysis {
bool State::note_written(const Value::FieldRef& w) {
  auto same = [&](const Value::FieldRef& k) {
    return k.index == w.index && k.offset == w.offset && k.width == w.width;
  };
  if (memory_written || std::any_of(written.begin(), written.end(), same)) return false;
  if (written.size() >= kMaxWrittenFields) {
    memory_written = true;
  } else {
    written.push_back(w);
  }
  return true;
}

bool State::note_given_up(arch::Reg r, const Value& v) {
  const std::pair<arch::Reg, Value> entry{r, v};
  if (std::find(given_up.begin(), given_up.end(), entry) != given_up.end()) return false;
  given_up.push_back(entry);
  return true;
}

Value FrameSlots::entry_slot(int64_t offset, uint8_t width) const {
  if (width != c_.pointer_size) return Value::unknown();
  for (size_t k = 0; k < c_.stack_params.size(); ++k) {
    if (c_.stack_params[k] == offset) return Value::parameter(static_cast<uint8_t>(c_.call_args.size() + k));
  }
  return Value::unknown();
}

std::pair<size_t, size_t> FrameSlots::window(const State& s, int64_t offset, uint8_t width) {
  auto first = std::lower_bound(s.slots.begin(), s.slots.end(), offset - arch::kMaxAccessWidth,
                                [](const Slot& slot, int64_t at) { return slot.offset < at; });
  auto last = std::lower_bound(first, s.slots.end(), offset + width,
                               [](const Slot& slot, int64_t at) { return slot.offset < at; });
  return {static_cast<size_t>(first - s.slots.begin()), static_cast<size_t>(last - s.slots.begin())};
}

Value FrameSlots::read(const State& s, int64_t offset, uint8_t width) const {
  if (s.frame_lost) return Value::unknown();
  auto [first, last] = window(s, offset, width);
  return slot_value(s.slots.begin() + static_cast<std::ptrdiff_t>(first),
                    s.slots.begin() + static_cast<std::ptrdiff_t>(last), offset, width,
                    entry_slot(offset, width), big_endian_,
                    [&](const Slot& slot) -> const Value& { return value_of(slot); });
}

void FrameSlots::write(State& s, int64_t offset, uint8_t width, const Value& value) {
  if (s.frame_lost) return;
  auto [first, last] = window(s, offset, width);
  // What a partly overwritten zeroed slot keeps on either side stays zero (`movaps
  // [rsp+0x30], xmm0` clearing a struct, then `mov [rsp+0x38], rcx` setting a field).
  std::vector<Slot> kept_zero;
  size_t keep = first;
  for (size_t i = first; i < last; ++i) {
    Slot& old = s.slots[i];
    if (!overlaps(old, offset, width)) {
      s.slots[keep++] = std::move(old);
      continue;
    }
    if (value_of(old).single() != std::optional<uint64_t>{0}) continue;
    if (old.offset < offset)
      kept_zero.push_back({old.offset, static_cast<uint8_t>(offset - old.offset), old.value});
    const int64_t end = old.offset + old.width;
    if (end > offset + width) {
      kept_zero.push_back({offset + width, static_cast<uint8_t>(end - offset - width), old.value});
    }
  }
  s.slots.erase(s.slots.begin() + static_cast<std::ptrdiff_t>(keep),
                s.slots.begin() + static_cast<std::ptrdiff_t>(last));
  kept_zero.push_back({offset, width, pool_.intern(value)});
  for (Slot& slot : kept_zero) {
    auto at = std::lower_bound(s.slots.begin(), s.slots.end(), slot, order);
    s.slots.insert(at, std::move(slot));
  }
}

}  // namespace sysfence::analysis
