#include "analysis/value.h"

#include <bit>

#include <algorithm>

#include <fmt/format.h>

namespace sysfence::analysis {

Value Value::constant(uint64_t v) {
  Value out;
  out.kind_ = Kind::Constants;
  out.count_ = 1;
  out.values_[0] = v;
  return out;
}

Value Value::parameter(uint8_t index) {
  Value out;
  out.kind_ = Kind::Parameter;
  out.index_ = index;
  out.values_[2] = ~uint64_t{0};
  return out;
}

Value Value::stack(int64_t offset) {
  Value out;
  out.kind_ = Kind::Stack;
  out.values_[0] = static_cast<uint64_t>(offset);
  return out;
}

Value Value::import(uint32_t symbol) {
  Value out;
  out.kind_ = Kind::Import;
  out.values_[0] = symbol;
  return out;
}

static_assert(Value::kMaxFields + 2 <= Value::kMaxConstants, "a Fields value fits the constants' storage");

namespace {

// A field packed in one word: parameter index, width, and a 48-bit signed offset.
constexpr int64_t kMaxFieldOffset = (int64_t{1} << 47) - 1;

uint64_t pack(Value::FieldRef f) {
  return uint64_t{f.index} | uint64_t{f.width} << 8 | static_cast<uint64_t>(f.offset) << 16;
}

Value::FieldRef unpack(uint64_t word) {
  return {static_cast<uint8_t>(word), static_cast<int64_t>(word) >> 16, static_cast<uint8_t>(word >> 8)};
}

}  // namespace

Value Value::field(FieldRef f) {
  if (f.offset > kMaxFieldOffset || f.offset < -kMaxFieldOffset || f.width == 0 || f.width > 8) return unknown();
  Value out;
  out.kind_ = Kind::Fields;
  out.count_ = 1;
  out.values_[0] = pack(f);
  out.values_[kFieldsAnd] = ~uint64_t{0};
  return out;
}

Value::FieldRef Value::field_at(int i) const { return unpack(values_[i]); }

Value Value::library_object(uint8_t object) {
  Value out;
  out.kind_ = Kind::LibraryObject;
  out.values_[0] = object;
  return out;
}

Value Value::global(uint64_t address, uint8_t width, bool through, int64_t offset, bool sign_extended) {
  Value out;
  out.kind_ = Kind::Global;
  out.values_[0] = address;
  out.values_[1] = static_cast<uint64_t>(offset);
  out.values_[2] = sign_extended ? 1 : 0;
  out.index_ = width;
  out.count_ = through ? 1 : 0;
  return out;
}

std::optional<uint64_t> Value::single() const {
  if (kind_ == Kind::Constants && count_ == 1) return values_[0];
  return std::nullopt;
}

namespace {

/// Applies `f` to every constant of a Constants value (result re-sorted, deduplicated).
template <class F>
Value map_constants(const Value& v, F f) {
  Value out = Value::constant(f(*v.begin()));
  for (const uint64_t* it = v.begin() + 1; it != v.end(); ++it) out = out.join(Value::constant(f(*it)));
  return out;
}

/// `f(a, b)` for every pair of constants of two Constants values.
template <class F>
Value cross_constants(const Value& left, const Value& right, F f) {
  Value out = map_constants(left, [&](uint64_t c) { return f(c, *right.begin()); });
  for (const uint64_t* it = right.begin() + 1; it != right.end() && !out.is_unknown(); ++it) {
    out = out.join(map_constants(left, [&](uint64_t c) { return f(c, *it); }));
  }
  return out;
}

}  // namespace

Value Value::add(int64_t imm, int bits) const {
  if (imm == 0) return *this;
  const uint64_t mask = mask_of(bits);
  switch (kind_) {
    case Kind::Constants:
      return map_constants(*this, [&](uint64_t c) { return (c + static_cast<uint64_t>(imm)) & mask; });
    case Kind::Parameter: {
      // (p | b) + k, (p << s) + k and (p ^ x) + k have no such form
      if (or_bits() != 0 || left_shift() != 0 || xor_bits() != 0) return unknown();
      Value out = *this;
      out.values_[0] = static_cast<uint64_t>(addend() + imm);
      if (and_mask() == ~uint64_t{0} && sign_extended_from() == 0) return out;
      // (p & m) + k has no such form either, except in a narrower result whose bits m
      // keeps: then it is (p + k) & mask, as glibc's tcsetattr computes TCSETS +
      // optional_actions with a 32-bit lea on a zero- or sign-extended parameter.
      const bool keeps_low_bits = (and_mask() & mask) == mask;
      const bool extension_above = sign_extended_from() == 0 || sign_extended_from() >= bits;
      if (bits >= 64 || !keeps_low_bits || !extension_above) return unknown();
      out.values_[2] = mask;
      out.values_[3] = 0;
      return out;
    }
    case Kind::Stack: return stack(stack_offset() + imm);
    default: return unknown();
  }
}

Value Value::bit_or(uint64_t imm, int bits) const {
  if (imm == 0) return *this;
  const uint64_t mask = mask_of(bits);
  switch (kind_) {
    case Kind::Constants: return map_constants(*this, [&](uint64_t c) { return (c | imm) & mask; });
    case Kind::Parameter: {
      // ((x | o) & m) | b is (x | o | b) & (m | b), whatever x is.
      if (sign_extended_from() != 0) return unknown();
      Value out = *this;
      out.values_[1] |= imm & mask;
      out.values_[2] |= imm & mask;
      return out;
    }
    case Kind::Fields: {
      // ((x | o) & m) | b is ((x | o | b) & m) when m keeps every bit of b.
      if (sign_extended_from() != 0 || ((imm & mask) & ~and_mask()) != 0) return unknown();
      Value out = *this;
      out.values_[kFieldsOr] |= imm & mask;
      return out;
    }
    default: return unknown();
  }
}

Value Value::bit_or(const Value& other, int bits) const {
  if (auto c = other.single()) return bit_or(*c, bits);
  if (auto c = single()) return other.bit_or(*c, bits);
  if (kind_ == Kind::Constants && other.kind_ == Kind::Constants) {
    return cross_constants(*this, other, [&](uint64_t a, uint64_t b) { return (a | b) & mask_of(bits); });
  }
  // Two ORs of fields under the same mask are one: (a & m) | (b & m) = (a | b) & m.
  if (kind_ != Kind::Fields || other.kind_ != Kind::Fields || and_mask() != other.and_mask() ||
      sign_extended_from() != 0 || other.sign_extended_from() != 0 || count_ + other.count_ > kMaxFields) {
    return unknown();
  }
  Value out = *this;
  for (int i = 0; i < other.count_; ++i) out.values_[out.count_++] = other.values_[i];
  out.values_[kFieldsOr] |= other.or_bits();
  return out;
}

Value Value::bit_and(const Value& other, int bits) const {
  if (auto c = other.single()) return bit_and(*c, bits);
  if (auto c = single()) return other.bit_and(*c, bits);
  if (kind_ == Kind::Constants && other.kind_ == Kind::Constants) {
    return cross_constants(*this, other, [&](uint64_t a, uint64_t b) { return a & b & mask_of(bits); });
  }
  return unknown();
}

Value Value::bit_xor(uint64_t imm, int bits) const {
  const uint64_t mask = mask_of(bits);
  if (imm == 0) return *this;
  if (kind_ == Kind::Constants) return map_constants(*this, [&](uint64_t c) { return (c ^ imm) & mask; });
  if (kind_ != Kind::Parameter || or_bits() != 0 || sign_extended_from() != 0) {
    // An input under a mask of few bits is one of few values, whatever it holds (glibc:
    // `mutex->kind & 128`, then `^ FUTEX_PRIVATE_FLAG` in the lock function it calls).
    const Value bounded = without_inputs(bits);
    return bounded.is_constants() ? bounded.bit_xor(imm, bits) : unknown();
  }
  // (y & m) ^ x is ((y ^ (x & m)) | (x & ~m)) & (m | x): the bits the mask clears become x's.
  Value out = *this;
  const uint64_t outside = imm & ~and_mask() & mask;
  out.values_[5] = (xor_bits() ^ (imm & and_mask())) & mask;
  out.values_[1] = outside;
  out.values_[2] = and_mask() | outside;
  return out;
}

Value Value::bit_xor(const Value& other, int bits) const {
  if (auto c = other.single()) return bit_xor(*c, bits);
  if (auto c = single()) return other.bit_xor(*c, bits);
  const Value left = without_inputs(bits);
  const Value right = other.without_inputs(bits);
  if (!left.is_constants() || !right.is_constants()) return unknown();
  return cross_constants(left, right, [&](uint64_t a, uint64_t b) { return (a ^ b) & mask_of(bits); });
}

Value Value::bit_and(uint64_t imm, int bits) const {
  const uint64_t mask = mask_of(bits) & imm;
  if (kind_ == Kind::Constants) return map_constants(*this, [&](uint64_t c) { return c & mask; });
  // Keeping every bit changes nothing, whatever the form (a wrapper passing on an argument
  // its caller sign-extended: `sxtw x1, w1` before glibc's syscall()).
  if (mask == mask_of(bits)) return *this;
  if (kind_ == Kind::Parameter && sign_extended_from() == 0) {
    Value out = *this;
    out.values_[2] &= mask;  // applied after the addend and the OR-ed bits (e.g. `mov w8, w0`)
    return out;
  }
  if (kind_ == Kind::Fields && sign_extended_from() == 0) {
    Value out = *this;
    out.values_[kFieldsAnd] &= mask;
    return out;
  }
  // Whatever x is, x & mask is one of the mask's subsets: few enough to list when the
  // mask has few bits (glibc's `kind & 128` choosing FUTEX_PRIVATE_FLAG).
  if (std::popcount(mask) <= kMaxMaskBits) return subsets_of(mask);
  return unknown();
}

Value Value::shift_left(int amount, int bits) const {
  if (amount == 0) return *this;
  if (amount < 0 || amount >= bits) return unknown();
  const uint64_t mask = mask_of(bits);
  if (kind_ == Kind::Constants) return map_constants(*this, [&](uint64_t c) { return (c << amount) & mask; });
  if (kind_ != Kind::Parameter || sign_extended_from() != 0 || left_shift() + amount >= 64) return unknown();
  // ((x | o) & m) << k is ((x << k) | (o << k)) & (m << k).
  Value out = *this;
  out.values_[1] = (or_bits() << amount) & mask;
  out.values_[2] = (and_mask() << amount) & mask;
  out.values_[4] = static_cast<uint64_t>(left_shift() + amount);
  out.values_[5] = (xor_bits() << amount) & mask;
  return out;
}

Value Value::without_inputs(int bits) const {
  if (!depends_on_inputs()) return *this;
  return substitute([](uint8_t) { return unknown(); }, [](FieldRef) { return unknown(); }, bits);
}

bool Value::is_plain_parameter() const {
  return kind_ == Kind::Parameter && or_bits() == 0 && and_mask() == ~uint64_t{0} && sign_extended_from() == 0 &&
         left_shift() == 0 && xor_bits() == 0;
}

Value Value::subsets_of(uint64_t mask) {
  Value out = constant(0);
  for (uint64_t bit = mask & -mask; bit != 0; mask &= ~bit, bit = mask & -mask) {
    out = out.join(out.bit_or(bit, 64));
  }
  return out;
}

Value Value::sign_extend(int from_bits, int bits) const {
  if (from_bits <= 0 || from_bits >= bits) return *this;
  auto extend = [&](uint64_t c) {
    const uint64_t low = c & mask_of(from_bits);
    const bool negative = (low >> (from_bits - 1)) & 1;
    return (negative ? low | ~mask_of(from_bits) : low) & mask_of(bits);
  };
  if (kind_ == Kind::Constants) return map_constants(*this, extend);
  if (kind_ == Kind::Parameter) {
    // Extending again from as many bits or more changes nothing; from fewer has no form.
    if (sign_extended_from() != 0) return sign_extended_from() <= from_bits ? *this : unknown();
    Value out = *this;
    out.values_[3] = static_cast<uint64_t>(from_bits);
    return out;
  }
  if (kind_ == Kind::Fields) {
    if (sign_extended_from() != 0) return sign_extended_from() <= from_bits ? *this : unknown();
    Value out = *this;
    out.index_ = static_cast<uint8_t>(from_bits);
    return out;
  }
  return unknown();
}

Value Value::add(const Value& other, int bits) const {
  if (other.kind_ == Kind::Constants && other.count_ == 1) return add(static_cast<int64_t>(other.values_[0]), bits);
  if (kind_ == Kind::Constants && count_ == 1) return other.add(static_cast<int64_t>(values_[0]), bits);
  if (kind_ == Kind::Constants && other.kind_ == Kind::Constants) {
    Value out = map_constants(*this, [&](uint64_t c) { return (c + other.values_[0]) & mask_of(bits); });
    for (const uint64_t* it = other.begin() + 1; it != other.end() && !out.is_unknown(); ++it) {
      out = out.join(map_constants(*this, [&](uint64_t c) { return (c + *it) & mask_of(bits); }));
    }
    return out;
  }
  return unknown();
}

Value Value::join(const Value& other) const {
  if (*this == other) return *this;
  if (kind_ != Kind::Constants || other.kind_ != Kind::Constants) return unknown();
  std::array<uint64_t, 2 * kMaxConstants> merged{};
  auto end = std::set_union(begin(), this->end(), other.begin(), other.end(), merged.begin());
  auto n = end - merged.begin();
  if (n > kMaxConstants) return unknown();
  Value out;
  out.kind_ = Kind::Constants;
  out.count_ = static_cast<uint8_t>(n);
  std::copy(merged.begin(), end, out.values_.begin());
  return out;
}

std::string Value::to_string() const {
  switch (kind_) {
    case Kind::Unknown: return "?";
    case Kind::Constants: {
      std::string out = "{";
      for (const uint64_t* it = begin(); it != end(); ++it) out += fmt::format("{}{:#x}", it == begin() ? "" : ",", *it);
      return out + "}";
    }
    case Kind::Parameter: {
      std::string out = fmt::format("param{}", index_);
      if (addend() != 0) out += fmt::format("{:+#x}", addend());
      if (left_shift() != 0) out += fmt::format("<<{}", left_shift());
      if (xor_bits() != 0) out += fmt::format("^{:#x}", xor_bits());
      if (or_bits() != 0) out += fmt::format("|{:#x}", or_bits());
      if (and_mask() != ~uint64_t{0}) out += fmt::format("&{:#x}", and_mask());
      if (sign_extended_from() != 0) out += fmt::format(" sext{}", sign_extended_from());
      return out;
    }
    case Kind::Fields: {
      std::string out;
      for (int i = 0; i < count_; ++i) {
        const FieldRef f = field_at(i);
        out += fmt::format("{}[param{}{:+#x}]:{}", i == 0 ? "" : "|", f.index, f.offset, f.width);
      }
      if (or_bits() != 0) out += fmt::format("|{:#x}", or_bits());
      if (and_mask() != ~uint64_t{0}) out += fmt::format("&{:#x}", and_mask());
      if (sign_extended_from() != 0) out += fmt::format(" sext{}", sign_extended_from());
      return out;
    }
    case Kind::Global:
      return global_through() ? fmt::format("[[{:#x}]{:+#x}]:{}", global_address(), global_offset(), global_width())
                              : fmt::format("[{:#x}]:{}", global_address(), global_width());
    case Kind::Stack: return fmt::format("sp{:+#x}", stack_offset());
    case Kind::Import: return fmt::format("import#{}", import_symbol());
    case Kind::LibraryObject: return fmt::format("object#{}", library_object());
  }
  return "?";
}

}  // namespace sysfence::analysis
