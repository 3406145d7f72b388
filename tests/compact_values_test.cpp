// CompactValues keeps the lists of values a function's facts hold for each call in
// little memory: what goes in comes back out, in order, whatever form the value has.
#include "analysis/compact_values.h"

#include <gtest/gtest.h>

namespace sysfence::analysis {
namespace {

TEST(CompactValues, ArgumentsReadBackAsGivenInEveryForm) {
  const std::vector<IndexedValue> given = {
      {0, Value::parameter(0)},                                    // passed on: the small form
      {1, Value::constant(0x3d0f00)},                              // one constant: the small form
      {2, Value::parameter(5).add(8, 64)},                         // a parameter plus an addend: small
      {2, Value::parameter(5).add(-8, 32)},                        // in 32 bits: whole
      {3, Value::constant(1).join(Value::constant(2))},            // two constants: whole
      {4, Value::stack(-0x60)},                                    // an address in the frame: small
      {4, Value::parameter(2).bit_or(0x40, 64)},                   // bits OR-ed in: whole
      {5, Value::field({1, 0x20, 4}).bit_or(Value::constant(0x11), 64)},
      {70, Value::parameter(70)},                                  // a register passed outside the convention
  };
  const CallArguments compact = given;
  ASSERT_EQ(compact.size(), given.size());
  size_t i = 0;
  for (const IndexedValue& back : compact) {
    EXPECT_EQ(back.index, given[i].index) << i;
    EXPECT_EQ(back.value, given[i].value) << i << ": " << back.value.to_string();
    ++i;
  }
  EXPECT_EQ(i, given.size());
  EXPECT_TRUE(CallArguments().empty());
}

TEST(CompactValues, PassedFieldsKeepTheirPlace) {
  const PassedFields compact = {{0, 0, 8, Value::constant(0x3d0f00)},
                                {0, 0x20, 16, Value::constant(0)},
                                {2, 0x30, 4, Value::parameter(1).bit_or(0x100, 64)},
                                {1, -8, 8, Value::import(7)}};
  const std::vector<PassedField> back = compact.items();
  ASSERT_EQ(back.size(), 4u);
  EXPECT_EQ(back[1].offset, 0x20);
  EXPECT_EQ(back[1].width, 16);
  EXPECT_EQ(back[2].index, 2);
  EXPECT_EQ(back[2].value, Value::parameter(1).bit_or(0x100, 64));
  EXPECT_EQ(back[3].offset, -8);
  EXPECT_EQ(back[3].value, Value::import(7));
}

}  // namespace
}  // namespace sysfence::analysis
