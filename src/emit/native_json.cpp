#include "emit/native_json.h"

#include <algorithm>

#include <fmt/format.h>

#include "analysis/syscall_names.h"

namespace sysfence::emit {
namespace {

nlohmann::json origin_json(const program::Program& program, const analysis::SyscallOrigin& origin) {
  return {{"module", program.modules()[origin.module].path},
          {"address", fmt::format("{:#x}", origin.address)},
          {"via", origin.via}};
}

}  // namespace

nlohmann::json rules_json(const analysis::SyscallArguments& arguments) {
  nlohmann::json rules = nlohmann::json::array();
  if (arguments.any) return rules;
  for (const analysis::ArgumentTuple& tuple : arguments.tuples) {
    nlohmann::json args = nlohmann::json::object();
    for (const auto& [index, values] : tuple) args[std::to_string(index)] = values;
    rules.push_back({{"args", std::move(args)}});
  }
  return rules;
}

nlohmann::json native_policy(const program::Program& program, const analysis::AnalysisResult& result,
                             bool with_arguments) {
  const analysis::SyscallNames names(result.arch);
  nlohmann::json modules = nlohmann::json::array();
  for (const auto& m : program.modules()) modules.push_back({{"path", m.path}, {"build_id", m.elf().build_id()}});
  nlohmann::json syscalls = nlohmann::json::array();
  auto add = [&](uint64_t nr, nlohmann::json sites, const std::string& implied) {
    auto arguments = result.arguments.find(nr);
    const bool constrained = with_arguments && arguments != result.arguments.end();
    nlohmann::json entry = {{"name", names.name(nr).value_or(fmt::format("syscall_{}", nr))},
                            {"nr", nr},
                            {"rules", constrained ? rules_json(arguments->second) : nlohmann::json::array()},
                            {"sites", std::move(sites)}};
    if (!implied.empty()) entry["implied"] = implied;
    syscalls.push_back(std::move(entry));
  };
  for (const auto& [nr, origins] : result.syscalls) {
    nlohmann::json sites = nlohmann::json::array();
    for (const auto& origin : origins) sites.push_back(origin_json(program, origin));
    add(nr, std::move(sites), "");
  }
  for (const auto& [nr, reason] : result.implied) add(nr, nlohmann::json::array(), reason);
  std::sort(syscalls.begin(), syscalls.end(), [](const auto& a, const auto& b) { return a["nr"] < b["nr"]; });
  nlohmann::json unresolved = nlohmann::json::array();
  for (const auto& u : result.unresolved) {
    nlohmann::json entry = origin_json(program, u.origin);
    entry["reason"] = u.reason;
    unresolved.push_back(std::move(entry));
  }
  return {{"schema", "sysfence-policy/1"},
          {"arch", result.arch},
          {"binary", program.modules()[0].path},
          {"modules", modules},
          {"syscalls", syscalls},
          {"unresolved", unresolved}};
}

}  // namespace sysfence::emit
