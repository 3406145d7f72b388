#pragma once
/// The abstract state of FunctionAnalyzer's value analysis at one point of a function
/// (registers, the stack slots written on the way, fields written through its inputs),
/// and FrameSlots, which reads and writes the slots of such states.
///
/// Assumption, stated because it bounds soundness: a slot untouched since the entry holds
/// what the caller put there (a stack-passed parameter where the ABI puts one), nothing
/// else the analysis knows.

#include <cstdint>
#include <utility>
#include <vector>

#include "analysis/value.h"
#include "analysis/value_pool.h"
#include "arch/arch.h"

namespace sysfence::analysis {

/// A stack slot a state holds: its value is a number of the function's pool (FrameSlots),
/// as a large function's states hold a thousand slots each.
struct Slot {
  int64_t offset = 0;
  uint8_t width = 0;
  ValuePool::Id value = ValuePool::kUnknown;
};

/// A value some bytes of the frame held (lost in a join), with the value itself.
struct FrameValue {
  int64_t offset = 0;
  uint8_t width = 0;
  Value value;
};

/// What the analysis knows at one point of a function: registers, the stack slots written
/// on the way there, and what may have been written through its inputs.
struct State {
  bool reached = false;
  /// Nothing is known about the stack frame any more (after widening): every slot
  /// reads as unknown and writes are not tracked. The top of the memory lattice.
  bool frame_lost = false;
  /// Fields of memory the parameters point to that a store on the way here wrote
  /// (parameter-relative stores); `memory_written`: any of it may have been written
  /// (too many, or a store through a parameter the form cannot place).
  std::vector<Value::FieldRef> written;
  bool memory_written = false;

  static constexpr size_t kMaxWrittenFields = 16;
  /// Adds `w` to the written fields (all of them past kMaxWrittenFields); true when that
  /// changes the state.
  bool note_written(const Value::FieldRef& w);
  std::vector<Value> regs;
  std::vector<Slot> slots;  ///< stack slots written on the way here
  /// Code addresses and imports a join gave up in a register, whose value is unknown
  /// since: they count as taken only where code uses the register (FunctionAnalyzer's give_up).
  std::vector<std::pair<arch::Reg, Value>> given_up;

  /// Adds `v` to what register `r` may hold unseen; true when that changes the state.
  bool note_given_up(arch::Reg r, const Value& v);
};

/// Whether `s` (a Slot or FrameValue) overlaps [offset, offset + width).
template <class Bytes>
bool overlaps(const Bytes& s, int64_t offset, uint8_t width) {
  return s.offset < offset + width && offset < s.offset + s.width;
}

/// Reads and writes the stack slots of a function's states, keeping their values in one
/// pool per function.
class FrameSlots {
 public:
  FrameSlots(const arch::Conventions& conventions, bool big_endian)
      : c_(conventions), big_endian_(big_endian) {}

  /// What `width` bytes at `offset` of the frame hold in `s` (slot_value).
  Value read(const State& s, int64_t offset, uint8_t width) const;
  /// Writes `value` to `width` bytes at `offset` of the frame in `s`.
  void write(State& s, int64_t offset, uint8_t width, const Value& value);
  /// What a state's slot holds.
  const Value& value_of(const Slot& slot) const { return pool_.at(slot.value); }
  /// The pool's number for `value`, for a slot that is to hold it.
  ValuePool::Id intern(const Value& value) { return pool_.intern(value); }

  /// The slots of `s` that may overlap [offset, offset+width), as indices [first, last):
  /// slots are sorted by offset and no wider than arch::kMaxAccessWidth, so only a small
  /// window is searched.
  static std::pair<size_t, size_t> window(const State& s, int64_t offset, uint8_t width);
  /// The order of a state's slots: by offset, then width. A join leaves overlapping slots
  /// of two paths side by side; one order keeps the next join pairing them up again.
  static bool order(const Slot& a, const Slot& b) {
    return a.offset < b.offset || (a.offset == b.offset && a.width < b.width);
  }
  /// Whether a store of `width` bytes at `address` writes a slot of the function's own
  /// frame (below the stack pointer at entry) that the analysis tracks.
  static bool in_own_frame(const State& s, const Value& address, uint8_t width) {
    return address.kind() == Value::Kind::Stack && address.stack_offset() + width <= 0 && !s.frame_lost;
  }

 private:
  /// What an untouched stack slot holds at entry: a stack-passed parameter, or unknown.
  Value entry_slot(int64_t offset, uint8_t width) const;

  const arch::Conventions& c_;
  bool big_endian_;
  ValuePool pool_;
};

}  // namespace sysfence::analysis
