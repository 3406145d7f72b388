// The stack slots of the value analysis's states: what a write keeps of the slots it
// overlaps, what a read of untouched bytes gives, and the written fields' bound.
#include "analysis/abstract_state.h"

#include <gtest/gtest.h>

namespace sysfence::analysis {
namespace {

arch::Conventions little_endian_64() {
  arch::Conventions c;
  c.pointer_size = 8;
  c.call_args = {7, 6};
  c.stack_params = {8, 16};
  return c;
}

TEST(FrameSlots, AnUntouchedSlotHoldsTheStackParameterTheAbiPutsThere) {
  const arch::Conventions c = little_endian_64();
  const FrameSlots frame(c, false);
  const State s;
  EXPECT_EQ(frame.read(s, 16, 8), Value::parameter(3));  // after the two register arguments
  EXPECT_TRUE(frame.read(s, 16, 4).is_unknown());        // part of it
  EXPECT_TRUE(frame.read(s, -8, 8).is_unknown());        // the function's own frame
}

TEST(FrameSlots, AWriteInsideAZeroedSlotKeepsTheRestZero) {
  const arch::Conventions c = little_endian_64();
  FrameSlots frame(c, false);
  State s;
  frame.write(s, -32, 16, Value::constant(0));  // a cleared struct (movaps)
  frame.write(s, -24, 8, Value::constant(0x11));
  EXPECT_EQ(frame.read(s, -32, 8), Value::constant(0));
  EXPECT_EQ(frame.read(s, -24, 8), Value::constant(0x11));
  EXPECT_TRUE(std::is_sorted(s.slots.begin(), s.slots.end(), FrameSlots::order));
  frame.write(s, -28, 8, Value::constant(5));  // straddles both: neither is read back whole
  EXPECT_TRUE(frame.read(s, -24, 8).is_unknown());
  EXPECT_EQ(frame.read(s, -32, 4), Value::constant(0));
}

TEST(FrameSlots, ALostFrameReadsUnknownAndTakesNoWrites) {
  const arch::Conventions c = little_endian_64();
  FrameSlots frame(c, false);
  State s;
  s.frame_lost = true;
  frame.write(s, -8, 8, Value::constant(1));
  EXPECT_TRUE(s.slots.empty());
  EXPECT_TRUE(frame.read(s, -8, 8).is_unknown());
  EXPECT_FALSE(FrameSlots::in_own_frame(s, Value::stack(-8), 8));
  s.frame_lost = false;
  EXPECT_TRUE(FrameSlots::in_own_frame(s, Value::stack(-8), 8));
  EXPECT_FALSE(FrameSlots::in_own_frame(s, Value::stack(-4), 8)) << "runs into the caller's part";
}

TEST(State, WrittenFieldsPastTheBoundMeanAnyMemoryMayHaveBeenWritten) {
  State s;
  for (int64_t k = 0; k < static_cast<int64_t>(State::kMaxWrittenFields); ++k) {
    EXPECT_TRUE(s.note_written({0, 8 * k, 8}));
  }
  EXPECT_FALSE(s.note_written({0, 0, 8})) << "already noted";
  EXPECT_FALSE(s.memory_written);
  EXPECT_TRUE(s.note_written({1, 0, 8}));
  EXPECT_TRUE(s.memory_written);
  EXPECT_FALSE(s.note_written({2, 0, 8}));
}

}  // namespace
}  // namespace sysfence::analysis
