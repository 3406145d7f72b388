#include "analysis/scalar_args.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace sysfence::data {
extern const char kScalarArgsJson[];  // data/scalar_args.json, compiled in by src/CMakeLists.txt
}

namespace sysfence::analysis {

ScalarArgs::ScalarArgs() {
  // The file is checked by tests/scalar_args_test.cpp; a malformed one fails the build's tests.
  const auto json = nlohmann::json::parse(data::kScalarArgsJson);
  for (const auto& [name, args] : json.at("syscalls").items()) {
    Entry& entry = syscalls_[name];
    for (const auto& [index, meaning] : args.items()) {
      const auto i = static_cast<uint8_t>(std::stoi(index));
      entry.indices.push_back(i);
      entry.meanings[i] = meaning.get<std::string>();
    }
    std::sort(entry.indices.begin(), entry.indices.end());
  }
  for (const auto& meaning : json.at("bit_sets")) bit_set_meanings_.insert(meaning.get<std::string>());
}

const ScalarArgs& ScalarArgs::table() {
  static const ScalarArgs table;
  return table;
}

const std::vector<uint8_t>& ScalarArgs::indices(std::string_view syscall) const {
  static const std::vector<uint8_t> none;
  auto it = syscalls_.find(syscall);
  return it == syscalls_.end() ? none : it->second.indices;
}

std::string ScalarArgs::meaning(std::string_view syscall, uint8_t index) const {
  auto it = syscalls_.find(syscall);
  if (it == syscalls_.end()) return "";
  auto m = it->second.meanings.find(index);
  return m == it->second.meanings.end() ? "" : m->second;
}

bool ScalarArgs::is_bit_set(std::string_view syscall, uint8_t index) const {
  return bit_set_meanings_.count(meaning(syscall, index)) != 0;
}

}  // namespace sysfence::analysis
