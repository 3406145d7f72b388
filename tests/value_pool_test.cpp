// ValuePool names each distinct value by one number: the per-function analysis compares
// stack slots by their numbers, so equal values must share one and different values not.
#include "analysis/value_pool.h"

#include <gtest/gtest.h>

#include <vector>

namespace sysfence::analysis {
namespace {

TEST(ValuePool, EqualValuesShareANumberAndDifferentOnesDoNot) {
  const std::vector<Value> values = {
      Value::constant(0),       Value::constant(1).join(Value::constant(2)),
      Value::parameter(0),      Value::parameter(0).add(8, 64),
      Value::stack(-0x60),      Value::stack(-0x58),
      Value::import(3),         Value::field({1, 0x20, 4}),
      Value::global(0x4000, 8),
  };
  ValuePool pool;
  std::vector<ValuePool::Id> ids;
  for (const Value& v : values) ids.push_back(pool.intern(v));
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_NE(ids[i], ValuePool::kUnknown) << values[i].to_string();
    EXPECT_EQ(pool.at(ids[i]), values[i]) << values[i].to_string();
    for (size_t j = 0; j < i; ++j)
      EXPECT_NE(ids[i], ids[j]) << values[i].to_string() << " " << values[j].to_string();
  }
  // The same values made again (by other operations) get the numbers they had.
  EXPECT_EQ(pool.intern(Value::constant(2).join(Value::constant(1))), ids[1]);
  EXPECT_EQ(pool.intern(Value::parameter(0).add(4, 64).add(4, 64)), ids[3]);
  EXPECT_EQ(pool.intern(Value::stack(-0x60)), ids[4]);
}

TEST(ValuePool, UnknownIsNumberZeroWithoutBeingStored) {
  ValuePool pool;
  EXPECT_EQ(pool.intern(Value::unknown()), ValuePool::kUnknown);
  EXPECT_EQ(pool.intern(Value::constant(1).join(Value::parameter(2))), ValuePool::kUnknown);
  EXPECT_TRUE(pool.at(ValuePool::kUnknown).is_unknown());
}

TEST(ValuePool, ValuesStayWhereTheyAreWhileThePoolGrows) {
  ValuePool pool;
  const Value& first = pool.at(pool.intern(Value::constant(7)));
  for (uint64_t c = 100; c < 5000; ++c) pool.intern(Value::constant(c));
  EXPECT_EQ(first, Value::constant(7));
}

}  // namespace
}  // namespace sysfence::analysis
