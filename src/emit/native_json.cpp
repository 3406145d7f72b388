#include "emit/native_json.h"

#include <algorithm>

#include <fmt/format.h>


namespace sysfence::emit {
namespace {

nlohmann::json origin_json(const analysis::SyscallOrigin& origin) {
  nlohmann::json out = {
      {"module", origin.module_path}, {"address", fmt::format("{:#x}", origin.address)}, {"via", origin.via}};
  if (!origin.program.empty()) out["program"] = origin.program;
  return out;
}

/// The exec sites and the programs of the exec closure.
nlohmann::json exec_json(const analysis::AnalysisResult& result) {
  nlohmann::json sites = nlohmann::json::array();
  for (const auto& site : result.exec_sites) {
    nlohmann::json entry = origin_json(site.origin);
    entry["path"] = site.path ? nlohmann::json(*site.path) : nlohmann::json(nullptr);
    if (site.searched) entry["searched"] = true;
    sites.push_back(std::move(entry));
  }
  return sites;
}

nlohmann::json executed_json(const analysis::AnalysisResult& result) {
  nlohmann::json programs = nlohmann::json::array();
  for (const auto& p : result.executed) {
    nlohmann::json entry = {{"path", p.path}, {"why", p.why}, {"syscalls", p.syscalls}};
    if (p.problem) entry["problem"] = *p.problem;
    programs.push_back(std::move(entry));
  }
  return programs;
}

}  // namespace

nlohmann::json rule_json(const analysis::ArgumentTuple& rule) {
  nlohmann::json args = nlohmann::json::object();
  for (const auto& [index, values] : rule) args[std::to_string(index)] = values;
  return {{"args", std::move(args)}};
}

nlohmann::json native_policy(const program::Program& program, const analysis::AnalysisResult& result,
                             bool with_arguments) {
  const policy::Profile profile = policy::profile_of(result, with_arguments);
  nlohmann::json modules = nlohmann::json::array();
  for (const auto& m : program.modules()) modules.push_back({{"path", m.path}, {"build_id", m.elf().build_id()}});
  nlohmann::json syscalls = nlohmann::json::array();
  auto add = [&](uint64_t nr, nlohmann::json sites, const std::string& implied) {
    auto decided = std::find_if(profile.syscalls.begin(), profile.syscalls.end(),
                                [&](const policy::SyscallPolicy& s) { return s.nr == nr; });
    nlohmann::json rules = nlohmann::json::array();
    for (const auto& rule : decided->rules) rules.push_back(rule_json(rule));
    nlohmann::json entry = {{"name", decided->name}, {"nr", nr}, {"rules", std::move(rules)}, {"sites", std::move(sites)}};
    if (decided->enosys) entry["enosys"] = true;
    if (!implied.empty()) entry["implied"] = implied;
    syscalls.push_back(std::move(entry));
  };
  for (const auto& [nr, origins] : result.syscalls) {
    nlohmann::json sites = nlohmann::json::array();
    for (const auto& origin : origins) sites.push_back(origin_json(origin));
    add(nr, std::move(sites), "");
  }
  for (const auto& [nr, reason] : result.implied) add(nr, nlohmann::json::array(), reason);
  std::sort(syscalls.begin(), syscalls.end(), [](const auto& a, const auto& b) { return a["nr"] < b["nr"]; });
  nlohmann::json unresolved = nlohmann::json::array();
  for (const auto& u : result.unresolved) {
    nlohmann::json entry = origin_json(u.origin);
    entry["reason"] = u.reason;
    unresolved.push_back(std::move(entry));
  }
  nlohmann::json substitutions = nlohmann::json::array();
  for (const policy::SyscallPolicy& s : profile.syscalls) {
    if (s.enosys) substitutions.push_back(policy::kClone3Substitution);
  }
  return {{"schema", "sysfence-policy/1"},
          {"substitutions", substitutions},
          {"unused_library_features", result.closed_gates},
          {"arch", result.arch},
          {"binary", program.modules()[0].path},
          {"modules", modules},
          {"syscalls", syscalls},
          {"unresolved", unresolved},
          {"exec", exec_json(result)},
          {"executed", executed_json(result)}};
}

}  // namespace sysfence::emit
