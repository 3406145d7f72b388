#include "enforce/trace_constants.h"

#include <nlohmann/json.hpp>

namespace sysfence::data {
extern const char kTraceConstantsJson[];  // data/trace_constants.json, compiled in by src/CMakeLists.txt
}

namespace sysfence::enforce {

TraceConstants::TraceConstants(std::string_view arch) {
  // The file is checked by tests/trace_reader_test.cpp.
  static const nlohmann::json table = nlohmann::json::parse(data::kTraceConstantsJson);
  for (const auto& [name, value] : table.at("names").items()) values_[name] = value.get<int64_t>();
  for (const auto& generic : table.at("generic_arches")) {
    if (generic != arch) continue;
    for (const auto& [name, value] : table.at("generic").items()) values_[name] = value.get<int64_t>();
  }
  const auto& per_arch = table.at("per_arch");
  if (auto it = per_arch.find(std::string(arch)); it != per_arch.end()) {
    for (const auto& [name, value] : it->items()) values_[name] = value.get<int64_t>();
  }
}

std::optional<int64_t> TraceConstants::value(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

}  // namespace sysfence::enforce
