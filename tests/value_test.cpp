// The abstract values of the analysis: arithmetic, joins and instantiation.
#include <gtest/gtest.h>

#include "analysis/value.h"

namespace sysfence::analysis {
namespace {

TEST(Value, ConstantArithmeticWrapsAtTheRegisterWidth) {
  EXPECT_EQ(Value::constant(0xffffffff).add(1, 32), Value::constant(0));
  EXPECT_EQ(Value::constant(0xffffffff).add(1, 64), Value::constant(0x100000000));
  EXPECT_EQ(Value::constant(1).bit_or(0x80000, 32), Value::constant(0x80001));
  EXPECT_EQ(Value::constant(0x1234).bit_and(0xff, 64), Value::constant(0x34));
  EXPECT_EQ(Value::constant(2).add(Value::constant(3), 64), Value::constant(5));
}

// glibc aarch64's prctl: `sxtw x0, w0` on the option before the svc.
TEST(Value, SignExtensionOfConstantsAndParameters) {
  EXPECT_EQ(Value::constant(0xffffff9c).sign_extend(32, 64), Value::constant(0xffffffffffffff9c));
  EXPECT_EQ(Value::constant(0x7f).sign_extend(8, 64), Value::constant(0x7f));
  EXPECT_EQ(Value::constant(0x80).sign_extend(8, 32), Value::constant(0xffffff80));
  const Value option = Value::parameter(0).sign_extend(32, 64);
  auto app = [](uint8_t) { return Value::constant(15); };  // PR_SET_NAME
  EXPECT_EQ(option.substitute(app, 64), Value::constant(15));
  auto negative = [](uint8_t) { return Value::constant(0xffffff9c); };  // AT_FDCWD in w0
  EXPECT_EQ(option.substitute(negative, 64), Value::constant(0xffffffffffffff9c));
  EXPECT_EQ(option.sign_extend(32, 64), option);
  EXPECT_TRUE(option.sign_extend(8, 64).is_unknown());
  EXPECT_TRUE(option.add(1, 64).is_unknown());  // no form for an addend after the extension
  EXPECT_TRUE(option.bit_or(0x80000, 64).is_unknown());
  EXPECT_FALSE(option == Value::parameter(0));
}

TEST(Value, JoinsGrowSetsThenGiveUp) {
  Value v = Value::constant(1);
  for (uint64_t c = 2; c <= Value::kMaxConstants; ++c) v = v.join(Value::constant(c));
  EXPECT_EQ(v.size(), Value::kMaxConstants);
  EXPECT_TRUE(v.join(Value::constant(99)).is_unknown());
  EXPECT_TRUE(Value::constant(1).join(Value::parameter(0)).is_unknown());
  EXPECT_TRUE(Value::stack(-8).join(Value::stack(-16)).is_unknown());
  EXPECT_EQ(Value::parameter(2).join(Value::parameter(2)), Value::parameter(2));
}

// glibc: socket(domain, type | SOCK_CLOEXEC, 0) inside libc, type from the app.
TEST(Value, ParametersCarryOffsetsOrBitsAndMasksIntoInstantiation) {
  const Value in_libc = Value::parameter(1).bit_or(0x80000, 64);
  auto app_passes = [](uint8_t index) { return index == 1 ? Value::constant(1) : Value::unknown(); };
  EXPECT_EQ(in_libc.substitute(app_passes, 64), Value::constant(0x80001));

  // aarch64 `mov w8, w0`: the number is the low 32 bits of parameter 0.
  const Value number = Value::parameter(0).bit_and(0xffffffff, 64);
  auto caller = [](uint8_t) { return Value::constant(0x1000000de); };
  EXPECT_EQ(number.substitute(caller, 64), Value::constant(0xde));

  // Adding to a masked or OR-ed parameter has no exact form: unknown, never wrong.
  EXPECT_TRUE(number.add(1, 64).is_unknown());
  EXPECT_TRUE(in_libc.add(1, 64).is_unknown());
  EXPECT_EQ(Value::parameter(0).add(4000, 32).substitute([](uint8_t) { return Value::constant(1); }, 32),
            Value::constant(4001));

  // glibc's tcsetattr: `mov r9d, esi; lea esi, [r9 + 0x5402]; movsxd rsi, esi`. In a
  // 32-bit result the zero-extension no longer matters: (p + 0x5402) & 0xffffffff.
  const Value request = Value::parameter(1).bit_and(0xffffffff, 64).add(0x5402, 32).sign_extend(32, 64);
  auto tcsanow = [](uint8_t) { return Value::constant(0); };
  EXPECT_EQ(request.substitute(tcsanow, 64), Value::constant(0x5402));
  auto high_garbage = [](uint8_t) { return Value::constant(0xdead00000002); };  // TCSAFLUSH, upper half unset
  EXPECT_EQ(request.substitute(high_garbage, 64), Value::constant(0x5404));
  // A mask that clears some of the result's bits still has no form.
  EXPECT_TRUE(Value::parameter(1).bit_and(0xff, 64).add(1, 32).is_unknown());
  EXPECT_TRUE(Value::parameter(1).sign_extend(8, 64).add(1, 32).is_unknown());
}

// libsystemd's safe_fork_full: `lsl w1, w19, #15; and w1, w1, #0x10000000; orr w1, w1,
// #0x11` moves FORK_NEW_USERNS (bit 13) of its flags to CLONE_NEWUSER: the clone flags
// follow what each caller passes instead of both outcomes.
TEST(Value, ShiftedParametersKeepTheirCallersBits) {
  const Value flags = Value::parameter(1)
                          .bit_and(0xffffffff, 64)
                          .shift_left(15, 32)
                          .bit_and(0x10000000, 64)
                          .bit_or(0x11, 64)
                          .sign_extend(32, 64);
  EXPECT_EQ(flags.kind(), Value::Kind::Parameter);
  EXPECT_EQ(flags.left_shift(), 15);
  auto passes = [](uint64_t v) { return [v](uint8_t) { return Value::constant(v); }; };
  EXPECT_EQ(flags.substitute(passes(0x100), 64), Value::constant(0x11));                  // no FORK_NEW_USERNS
  EXPECT_EQ(flags.substitute(passes(0x2000), 64), Value::constant(0x10000011));           // FORK_NEW_USERNS
  EXPECT_EQ(flags.substitute(passes(0x2000 | 0x80), 64), Value::constant(0x10000011));  // other bits dropped
  EXPECT_EQ(Value::constant(3).shift_left(4, 32), Value::constant(0x30));
  EXPECT_EQ(Value::constant(0x80000001).shift_left(1, 32), Value::constant(2));  // wraps at the width
  // A shifted parameter takes no addend, is no address, and a sign-extended one no shift.
  EXPECT_TRUE(Value::parameter(0).shift_left(2, 64).add(1, 64).is_unknown());
  EXPECT_FALSE(Value::parameter(0).shift_left(2, 64).is_plain_parameter());
  EXPECT_TRUE(Value::parameter(0).is_plain_parameter());
  EXPECT_TRUE(Value::parameter(0).sign_extend(32, 64).shift_left(1, 64).is_unknown());
  EXPECT_TRUE(Value::unknown().shift_left(1, 64).is_unknown());
  // Passed on through glibc's syscall(), whose argument is its plain parameter 1.
  auto wrapper_gets = [&](uint8_t index) { return index == 1 ? flags : Value::unknown(); };
  EXPECT_EQ(Value::parameter(1).substitute(wrapper_gets, 64), flags);
  // Entered from code the analysis cannot see, the flags are still one of two values.
  const Value either = flags.without_inputs(64);
  ASSERT_TRUE(either.is_constants());
  EXPECT_EQ(std::vector<uint64_t>(either.begin(), either.end()), (std::vector<uint64_t>{0x11, 0x10000011}));
  EXPECT_TRUE(Value::parameter(0).without_inputs(64).is_unknown());
  EXPECT_EQ(Value::constant(7).without_inputs(64), Value::constant(7));
  // ((x | o) & m) | b = (x | o | b) & (m | b): an OR after a mask keeps the form.
  const Value masked_or = Value::parameter(0).bit_and(0xff, 64).bit_or(0x100, 64);
  EXPECT_EQ(masked_or.substitute(passes(0x1234), 64), Value::constant(0x134));
}

// MIPS builds the mask in a register (`lui v0, 0x1000; and a1, a1, v0`): an AND of two
// values is the AND with the one that is a single constant.
TEST(Value, AndOfTwoValuesKeepsTheFormOfTheMaskedOne) {
  const Value mask = Value::constant(0x10000000);
  const Value shifted = Value::parameter(3).shift_left(15, 32);
  EXPECT_EQ(shifted.bit_and(mask, 32), shifted.bit_and(0x10000000, 32));
  EXPECT_EQ(mask.bit_and(shifted, 32), shifted.bit_and(0x10000000, 32));
  Value either = Value::constant(0x0f).join(Value::constant(0xf0));
  Value masked = either.bit_and(Value::constant(0x3c).join(Value::constant(0x01)), 32);
  ASSERT_TRUE(masked.is_constants());
  EXPECT_EQ(std::vector<uint64_t>(masked.begin(), masked.end()), (std::vector<uint64_t>{0x0, 0x1, 0x0c, 0x30}));
  EXPECT_TRUE(Value::parameter(0).bit_and(Value::parameter(1), 32).is_unknown());
  // Unknown under a mask of few bits is still one of the mask's subsets.
  EXPECT_EQ(Value::unknown().bit_and(mask, 32), Value::unknown().bit_and(0x10000000, 32));
}

// glibc's __clone_internal: `flags = cl_args->flags | cl_args->exit_signal`, read through
// its parameter; pthread_create's caller passes the address of a struct on its stack.
TEST(Value, FieldsReadThroughAParameterResolveWithTheCallersMemory) {
  const Value flags =
      Value::field({0, 0x20, 8}).bit_or(Value::field({0, 0, 8}), 64).bit_and(0xffffffff, 64);
  auto argument = [](uint8_t) { return Value::stack(-0x60); };
  auto create_thread = [](Value::FieldRef f) {
    return f.offset == 0 ? Value::constant(0x3d0f00) : f.offset == 0x20 ? Value::constant(0) : Value::unknown();
  };
  EXPECT_EQ(flags.substitute(argument, create_thread, 64), Value::constant(0x3d0f00));
  // One field the caller's memory does not give: the whole value is unknown.
  auto half_known = [](Value::FieldRef f) { return f.offset == 0 ? Value::constant(0x4100) : Value::unknown(); };
  EXPECT_TRUE(flags.substitute(argument, half_known, 64).is_unknown());
  // Fields the caller passes on from its own parameter stay fields, one level up.
  auto wrapper = [](Value::FieldRef f) { return Value::field({1, f.offset + 8, f.width}); };
  const Value up = flags.substitute(argument, wrapper, 64);
  ASSERT_EQ(up.kind(), Value::Kind::Fields);
  EXPECT_EQ(up.field_count(), 2);
  EXPECT_EQ(up.field_at(0).index, 1);
  EXPECT_EQ(up.field_at(0).offset, 0x28);
  // Sets of constants OR pairwise; arithmetic on fields has no form.
  auto two = [](Value::FieldRef f) { return f.offset == 0 ? Value::constant(0x100).join(Value::constant(0x200)) : Value::constant(0x11); };
  EXPECT_EQ(flags.substitute(argument, two, 64), Value::constant(0x111).join(Value::constant(0x211)));
  EXPECT_TRUE(flags.add(1, 64).is_unknown());
  EXPECT_TRUE(flags.join(Value::field({0, 0, 4})).is_unknown());
  EXPECT_EQ(flags.join(flags), flags);
  // OR-ing bits the mask clears has no form; bits it keeps are fine.
  EXPECT_TRUE(flags.bit_or(uint64_t{1} << 40, 64).is_unknown());
  EXPECT_EQ(flags.bit_or(0x11, 64).substitute(argument, create_thread, 64), Value::constant(0x3d0f11));
  // A parameter's plain value and a field of it do not mix.
  EXPECT_TRUE(Value::parameter(0).bit_or(Value::field({0, 0, 4}), 64).is_unknown());
}

// Whatever a value is, masking it with few bits leaves one of the mask's subsets.
TEST(Value, MaskingAnUnknownValueWithFewBitsGivesItsSubsets) {
  const Value shared_flag = Value::unknown().bit_and(0x80, 64);  // glibc: mutex kind & 128
  EXPECT_EQ(shared_flag, Value::constant(0).join(Value::constant(0x80)));
  EXPECT_EQ(shared_flag.bit_or(0x81, 64), Value::constant(0x81));
  const Value three = Value::unknown().bit_and(0x7, 64);
  EXPECT_EQ(three.size(), 8);
  EXPECT_EQ(*three.begin(), 0u);
  EXPECT_EQ(*(three.end() - 1), 7u);
  EXPECT_TRUE(Value::unknown().bit_and(0xf, 64).is_unknown());  // 16 subsets: too many to list
  // A sign-extended parameter has no masked form, but its subsets are still exact.
  EXPECT_EQ(Value::parameter(0).sign_extend(8, 64).bit_and(0x1, 64), Value::constant(0).join(Value::constant(1)));
  EXPECT_EQ(Value::unknown().bit_and(0, 64), Value::constant(0));
}

// glibc's futex operations: `(FUTEX_WAKE | FUTEX_PRIVATE_FLAG) ^ private`, `private`
// being 0 or 128; exclusive or is exact on constants and on a parameter with a constant
// (carried into instantiation), unknown on anything else.
TEST(Value, ExclusiveOrOfConstantsAndParameters) {
  const Value shared_flag = Value::unknown().bit_and(0x80, 64);
  EXPECT_EQ(shared_flag.bit_xor(0x81, 64), Value::constant(0x1).join(Value::constant(0x81)));
  EXPECT_EQ(shared_flag.bit_xor(Value::constant(0x81), 64), shared_flag.bit_xor(0x81, 64));
  EXPECT_EQ(Value::constant(0xff).bit_xor(0x1ff, 8), Value::constant(0x0));  // at the register's width
  EXPECT_TRUE(Value::unknown().bit_xor(0x80, 64).is_unknown());
  EXPECT_EQ(Value::parameter(1).bit_xor(0, 64), Value::parameter(1));
  EXPECT_TRUE(shared_flag.bit_xor(Value::parameter(1), 64).is_unknown());
  const Value wait = Value::parameter(1).bit_xor(0x80, 64);  // FUTEX_WAIT ^ private ^ FUTEX_PRIVATE_FLAG
  EXPECT_FALSE(wait.is_plain_parameter());
  auto with = [](Value v) { return [v](uint8_t) { return v; }; };
  EXPECT_EQ(wait.substitute(with(shared_flag), 64), shared_flag);
  EXPECT_EQ(wait.substitute(with(Value::constant(0x80)), 64), Value::constant(0));
  EXPECT_EQ(wait.bit_xor(0x80, 64), Value::parameter(1));  // flipped back
  // Under a mask, bits the mask clears become the constant's: (p & 0xff) ^ 0x100.
  const Value masked = Value::parameter(0).bit_and(0xff, 64).bit_xor(0x101, 64);
  EXPECT_EQ(masked.substitute(with(Value::constant(0x3ff)), 64), Value::constant((0x3ff & 0xff) ^ 0x101));
  EXPECT_TRUE(Value::parameter(0).bit_or(0x1, 64).bit_xor(0x80, 64).is_unknown());
  // A field under a mask of few bits: one of the mask's subsets, whatever the caller's
  // memory holds (glibc: `mutex->kind & 128` handed to a lock function that flips it).
  const Value kind = Value::field({0, 0x10, 4}).bit_and(0x80, 64);
  EXPECT_EQ(kind.bit_xor(0x80, 64), shared_flag);
  EXPECT_EQ(wait.substitute(with(kind), 64), shared_flag);
  EXPECT_EQ(kind.bit_xor(Value::constant(0x81), 64), Value::constant(0x1).join(Value::constant(0x81)));
  EXPECT_TRUE(Value::field({0, 0x10, 4}).bit_xor(0x80, 64).is_unknown());
  EXPECT_TRUE(wait.add(1, 64).is_unknown());
  EXPECT_EQ(wait.shift_left(1, 64).substitute(with(Value::constant(0x80)), 64), Value::constant(0));
  EXPECT_EQ(wait.shift_left(1, 64).substitute(with(Value::constant(0)), 64), Value::constant(0x100));
}

TEST(Value, StackAddressesFollowTheStackPointer) {
  EXPECT_EQ(Value::stack(0).add(-16, 64).add(8, 64), Value::stack(-8));
  EXPECT_TRUE(Value::stack(0).bit_and(~uint64_t{15}, 64).is_unknown());  // alignment: frame lost
  EXPECT_TRUE(Value::import(3).add(8, 64).is_unknown());
  EXPECT_EQ(Value::import(3).add(0, 64), Value::import(3));
}

}  // namespace
}  // namespace sysfence::analysis
