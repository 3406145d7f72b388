#pragma once
/// The values of names traces print for arguments, for one architecture: only names whose
/// value the table gives for it (data/trace_constants.json, compiled in).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sysfence::enforce {

class TraceConstants {
 public:
  /// The names of libseccomp's architecture `arch`.
  explicit TraceConstants(std::string_view arch);
  /// The value of `name`, or nullopt when the table does not know it for the architecture.
  std::optional<int64_t> value(std::string_view name) const;

 private:
  std::map<std::string, int64_t, std::less<>> values_;
};

}  // namespace sysfence::enforce
