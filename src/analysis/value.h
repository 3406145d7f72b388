#pragma once
/// The abstract values of the per-function analysis (DESIGN.md analysis/): a small set
/// of constants, "parameter i of this function" (with a constant added and bits OR-ed
/// in), fields of memory a parameter points to (OR-ed together), an address in the
/// function's own stack frame, the address an import binds to, or unknown. Every
/// operation is sound: when in doubt the result is unknown.

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace sysfence::analysis {

class Value {
 public:
  enum class Kind : uint8_t { Unknown, Constants, Parameter, Stack, Import, Fields, Global, LibraryObject };
  /// Constant sets beyond this size become Unknown (keeps values small and joins finite).
  static constexpr int kMaxConstants = 8;
  /// A mask with at most this many bits turns any value into the set of its subsets.
  static constexpr int kMaxMaskBits = 3;
  /// The most fields one Fields value ORs together.
  static constexpr int kMaxFields = 6;

  /// A field read through a parameter: `width` bytes at (parameter `index` + `offset`).
  struct FieldRef {
    uint8_t index = 0;
    int64_t offset = 0;
    uint8_t width = 0;
  };

  static Value unknown() { return {}; }
  static Value constant(uint64_t v);
  /// Parameter `index` (0-based, in call order) of the function being analysed.
  static Value parameter(uint8_t index);
  /// The entry stack pointer plus `offset`.
  static Value stack(int64_t offset);
  /// The address of dynamic symbol `symbol` of the module being analysed, once bound.
  static Value import(uint32_t symbol);
  /// The content of a field of memory parameter `field.index` points to, as the function
  /// found it at entry (zero-extended from `field.width` bytes): glibc's
  /// `cl_args->flags`, `cmdp->syscall_no`.
  static Value field(FieldRef field);
  /// What `width` bytes of the module's writable data at `address` hold when read (a
  /// global, resolved over every store to it: ProgramAnalysis), or, `through` set, what a
  /// field at `offset` of the object the pointer kept there points to holds.
  static Value global(uint64_t address, uint8_t width, bool through = false, int64_t offset = 0,
                      bool sign_extended = false);

  /// A pointer to an object a library function handed back whose layout a result model
  /// describes (getaddrinfo's `struct addrinfo`): number `object` of LibraryValues.
  static Value library_object(uint8_t object);

  Kind kind() const { return kind_; }
  bool is_unknown() const { return kind_ == Kind::Unknown; }
  bool is_constants() const { return kind_ == Kind::Constants; }
  /// The constants of a Constants value, in ascending order.
  const uint64_t* begin() const { return values_.data(); }
  const uint64_t* end() const { return values_.data() + count_; }
  int size() const { return count_; }
  /// The single constant, if this is exactly one.
  std::optional<uint64_t> single() const;
  uint8_t parameter_index() const { return index_; }
  /// For Fields values: the value is (field 0 | field 1 | … | or_bits) & and_mask, then,
  /// when sign_extended_from() is not 0, sign-extended from that many bits.
  int field_count() const { return count_; }
  FieldRef field_at(int i) const;
  /// For Global values: the global's address, the width read, and whether the value is a
  /// field (at global_offset()) of the object the global points to.
  uint64_t global_address() const { return values_[0]; }
  uint8_t global_width() const { return index_; }
  bool global_through() const { return count_ != 0; }
  int64_t global_offset() const { return static_cast<int64_t>(values_[1]); }
  /// Whether the field read is sign-extended from global_width() bytes (AArch64 `ldrsw`).
  bool global_sign_extended() const { return values_[2] != 0; }
  uint32_t import_symbol() const { return static_cast<uint32_t>(values_[0]); }
  uint8_t library_object() const { return static_cast<uint8_t>(values_[0]); }
  int64_t stack_offset() const { return static_cast<int64_t>(values_[0]); }
  /// For Parameter values: the value is ((((parameter + addend) << left_shift) ^ xor_bits)
  /// | or_bits) & and_mask, then, when sign_extended_from() is not 0, sign-extended from
  /// that many bits (libsystemd's raw_clone flags: `(flags << 15) & CLONE_NEWUSER |
  /// SIGCHLD`; glibc's futex operations: `private ^ FUTEX_PRIVATE_FLAG`).
  int64_t addend() const { return static_cast<int64_t>(values_[0]); }
  int left_shift() const { return kind_ == Kind::Parameter ? static_cast<int>(values_[4]) : 0; }
  uint64_t xor_bits() const { return kind_ == Kind::Parameter ? values_[5] : 0; }
  /// A Parameter value that is the parameter plus an addend, nothing else: an address.
  bool is_plain_parameter() const;
  uint64_t or_bits() const { return kind_ == Kind::Fields ? values_[kFieldsOr] : values_[1]; }
  uint64_t and_mask() const { return kind_ == Kind::Fields ? values_[kFieldsAnd] : values_[2]; }
  int sign_extended_from() const { return kind_ == Kind::Fields ? index_ : static_cast<int>(values_[3]); }
  /// Whether the value depends on the function's inputs (Parameter or Fields): a call
  /// site instantiates it.
  bool depends_on_inputs() const { return kind_ == Kind::Parameter || kind_ == Kind::Fields; }

  /// Arithmetic used by the register transfers; results are masked to `bits` bits.
  Value add(int64_t imm, int bits) const;
  Value bit_or(uint64_t imm, int bits) const;
  Value bit_and(uint64_t imm, int bits) const;
  /// this << amount (lsl, shl, sll by a constant).
  Value shift_left(int amount, int bits) const;
  Value add(const Value& other, int bits) const;
  /// this | other (`orr w2, w2, w3` joining two fields of a struct).
  Value bit_or(const Value& other, int bits) const;
  /// this & other (MIPS has no `and` with a 32-bit immediate: libsystemd masks its
  /// shifted flags with a mask built by `lui`).
  Value bit_and(const Value& other, int bits) const;
  /// this ^ imm and this ^ other: on constants, and a parameter with a constant (glibc's
  /// futex operations, `(FUTEX_WAKE | FUTEX_PRIVATE_FLAG) ^ private` with `private` 0 or
  /// 128); other inputs only where a mask of few bits leaves them few values; anything
  /// else is unknown.
  Value bit_xor(uint64_t imm, int bits) const;
  Value bit_xor(const Value& other, int bits) const;
  /// The low `from_bits` bits sign-extended to `bits` (sxtw, movsxd).
  Value sign_extend(int from_bits, int bits) const;
  /// The least upper bound: a value that covers both.
  Value join(const Value& other) const;
  /// Replaces Parameter(i) by `arguments[i]` (instantiation at a call site); anything
  /// else stays as it is. `arguments` has one entry per parameter index.
  /// `field_of(FieldRef)` is what the caller's memory holds in the field its argument
  /// points to (unknown when it cannot tell).
  template <class Lookup, class FieldLookup>
  Value substitute(const Lookup& argument_of, const FieldLookup& field_of, int bits) const {
    Value out;
    if (kind_ == Kind::Parameter) {
      out = argument_of(index_).add(addend(), bits).shift_left(left_shift(), bits).bit_xor(xor_bits(), bits);
    } else if (kind_ == Kind::Fields) {
      out = constant(0);
      for (int i = 0; i < count_ && !out.is_unknown(); ++i) out = out.bit_or(field_of(field_at(i)), bits);
    } else {
      return *this;
    }
    // Whatever an unknown input holds, only the mask's bits the OR does not set vary:
    // few enough to list (libsystemd's `(flags << 15) & CLONE_NEWUSER | SIGCHLD`).
    out = out.is_unknown() ? unknown().bit_and(and_mask() & ~or_bits(), bits).bit_or(or_bits() & and_mask(), bits)
                           : out.bit_or(or_bits(), bits).bit_and(and_mask(), bits);
    return sign_extended_from() != 0 ? out.sign_extend(sign_extended_from(), bits) : out;
  }
  template <class Lookup>
  Value substitute(const Lookup& argument_of, int bits) const {
    return substitute(argument_of, [](FieldRef) { return unknown(); }, bits);
  }

  /// What the value can be whatever the inputs hold (a function entered from code the
  /// analysis cannot see): the few values a mask leaves, or unknown.
  Value without_inputs(int bits) const;

  bool operator==(const Value& other) const;
  /// A hash that equal values share (operator== ignores what a kind leaves unused).
  size_t hash() const;
  std::string to_string() const;

 private:
  /// Every value made of some of `mask`'s bits (at most kMaxMaskBits of them).
  static Value subsets_of(uint64_t mask);

  // A Fields value keeps its fields packed in values_[0..kMaxFields), its OR-ed bits and
  // mask after them, and the sign extension in index_.
  static constexpr int kFieldsOr = kMaxFields;
  static constexpr int kFieldsAnd = kMaxFields + 1;

  Kind kind_ = Kind::Unknown;
  uint8_t count_ = 0;
  uint8_t index_ = 0;
  std::array<uint64_t, kMaxConstants> values_{};
};

/// Inline: the fixpoint compares values more than it does anything else.
inline bool Value::operator==(const Value& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::Unknown: return true;
    case Kind::Constants: return std::equal(begin(), end(), other.begin(), other.end());
    case Kind::Parameter:
      return index_ == other.index_ && values_[0] == other.values_[0] && values_[1] == other.values_[1] &&
             values_[2] == other.values_[2] && values_[3] == other.values_[3] && values_[4] == other.values_[4] &&
             values_[5] == other.values_[5];
    case Kind::Fields:
      return count_ == other.count_ && index_ == other.index_ && values_ == other.values_;
    case Kind::Global:
      return count_ == other.count_ && index_ == other.index_ && values_[0] == other.values_[0] &&
             values_[1] == other.values_[1] && values_[2] == other.values_[2];
    default: return values_[0] == other.values_[0];
  }
}

inline size_t Value::hash() const {
  // Every kind but Unknown compares values_[0] when it compares anything; a Constants
  // value with none leaves it unused.
  if (kind_ == Kind::Unknown || (kind_ == Kind::Constants && count_ == 0)) return static_cast<size_t>(kind_);
  return std::hash<uint64_t>{}(values_[0] * 31 + static_cast<uint64_t>(kind_));
}

/// All-ones mask of `bits` bits (bits in 1..64).
inline uint64_t mask_of(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

}  // namespace sysfence::analysis
