#pragma once
/// Unsigned integers read from JSON a user hands in (policy files, the CVE table). Asking
/// nlohmann for an integer where the file has a number like 3e83 converts a double that
/// does not fit, which is undefined behaviour (found by parsers_fuzz); here anything but
/// an unsigned integer that fits throws nlohmann's type_error, which the readers already
/// report as a bad file.

#include <limits>
#include <string>

#include <nlohmann/json.hpp>

namespace sysfence {

/// `value` as a T (an unsigned integer type); anything else (a string, a negative or
/// fractional number, one too large for T) throws nlohmann::json::type_error.
template <class T>
T json_unsigned(const nlohmann::json& value) {
  if (!value.is_number_unsigned() || value.get<uint64_t>() > std::numeric_limits<T>::max()) {
    throw nlohmann::json::type_error::create(
        302, "expected an unsigned integer of at most " + std::to_string(std::numeric_limits<T>::max()) + ", got " +
                 value.dump(),
        &value);
  }
  return static_cast<T>(value.get<uint64_t>());
}

/// `object[key]` as a T (json_unsigned), or `fallback` when the object has no such key.
template <class T>
T json_unsigned(const nlohmann::json& object, const char* key, T fallback) {
  auto it = object.find(key);
  return it == object.end() ? fallback : json_unsigned<T>(*it);
}

}  // namespace sysfence
