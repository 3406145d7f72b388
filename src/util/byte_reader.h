#pragma once
/// The one checked way to read bytes of an untrusted file (DESIGN.md convention 1).
/// Every read names its offset; a read past the end is an Error, never undefined
/// behaviour. Multi-byte values are decoded in the reader's byte order.

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "util/result.h"

namespace sysfence {

enum class ByteOrder { Little, Big };

/// `a + b`, or nothing when it overflows 64 bits.
[[nodiscard]] inline bool checked_add(uint64_t a, uint64_t b, uint64_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}
/// `a * b`, or nothing when it overflows 64 bits.
[[nodiscard]] inline bool checked_mul(uint64_t a, uint64_t b, uint64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

/// A non-owning view of a file's bytes with bounds-checked, endian-aware reads.
class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> bytes, ByteOrder order, std::string file_name)
      : bytes_(bytes), order_(order), file_name_(std::move(file_name)) {}

  uint64_t size() const { return bytes_.size(); }
  ByteOrder order() const { return order_; }
  const std::string& file_name() const { return file_name_; }
  std::span<const uint8_t> bytes() const { return bytes_; }

  /// True when [offset, offset+length) lies inside the file.
  bool contains(uint64_t offset, uint64_t length) const {
    uint64_t end = 0;
    return checked_add(offset, length, end) && end <= bytes_.size();
  }

  /// An error message naming the file and offset, for use by callers that validate.
  Error error_at(uint64_t offset, std::string_view what) const {
    return Error{fmt::format("{}: {} (at file offset {:#x})", file_name_, what, offset)};
  }

  /// Reads an unsigned integer of type T at `offset`.
  template <class T>
  Result<T> read(uint64_t offset) const {
    static_assert(std::is_unsigned_v<T>);
    if (!contains(offset, sizeof(T))) {
      return error_at(offset, fmt::format("truncated: {} byte read past end of {}-byte file",
                                          sizeof(T), bytes_.size()));
    }
    return decode<T>(bytes_.data() + offset);
  }

  /// Reads T at `offset` when it is known to be in bounds (after `contains`).
  template <class T>
  T read_unchecked(uint64_t offset) const {
    return decode<T>(bytes_.data() + offset);
  }

  /// The bytes [offset, offset+length), or an error when they leave the file.
  Result<std::span<const uint8_t>> slice(uint64_t offset, uint64_t length) const {
    if (!contains(offset, length)) {
      return error_at(offset, fmt::format("{} bytes run past end of {}-byte file", length,
                                          bytes_.size()));
    }
    return bytes_.subspan(offset, length);
  }

  /// A NUL-terminated string starting at `offset` and ending before `limit`.
  /// A string without a terminator inside the limit is an error (no unbounded scan).
  Result<std::string_view> c_string(uint64_t offset, uint64_t limit) const {
    if (limit > bytes_.size()) limit = bytes_.size();
    if (offset >= limit) return error_at(offset, "string offset outside its table");
    const auto* begin = reinterpret_cast<const char*>(bytes_.data() + offset);
    const void* nul = std::memchr(begin, 0, limit - offset);
    if (nul == nullptr) return error_at(offset, "string is not NUL-terminated inside its table");
    return std::string_view(begin, static_cast<const char*>(nul) - begin);
  }

 private:
  template <class T>
  T decode(const uint8_t* p) const {
    T value = 0;
    if (order_ == ByteOrder::Little) {
      for (size_t i = sizeof(T); i-- > 0;) value = static_cast<T>((value << 8) | p[i]);
    } else {
      for (size_t i = 0; i < sizeof(T); ++i) value = static_cast<T>((value << 8) | p[i]);
    }
    return value;
  }

  std::span<const uint8_t> bytes_;
  ByteOrder order_;
  std::string file_name_;  // owned: readers outlive the strings callers build names in
};

}  // namespace sysfence
