#include "analysis/exec_calls.h"

#include <nlohmann/json.hpp>

namespace sysfence::data {
extern const char kExecCallsJson[];  // data/exec_calls.json, compiled in by src/CMakeLists.txt
}

namespace sysfence::analysis {

ExecCalls::ExecCalls() {
  // The file is checked by tests/exec_closure_test.cpp; a malformed one fails the build's tests.
  const auto json = nlohmann::json::parse(data::kExecCallsJson);
  for (const auto& [name, index] : json.at("syscalls").items()) syscalls_[name] = index.get<uint8_t>();
  for (const auto& [name, entry] : json.at("functions").items()) {
    functions_[name] = {entry.at("path").get<uint8_t>(), entry.value("searched", false)};
  }
}

const ExecCalls& ExecCalls::table() {
  static const ExecCalls table;
  return table;
}

std::optional<uint8_t> ExecCalls::syscall_path(std::string_view name) const {
  auto it = syscalls_.find(name);
  if (it == syscalls_.end()) return std::nullopt;
  return it->second;
}

const ExecFunction* ExecCalls::function(std::string_view name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

}  // namespace sysfence::analysis
