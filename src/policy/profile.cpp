#include "policy/profile.h"

#include <algorithm>

#include <fmt/format.h>

#include "analysis/syscall_names.h"

namespace sysfence::policy {

Profile profile_of(const analysis::AnalysisResult& result, bool with_arguments) {
  const analysis::SyscallNames names(result.arch);
  Profile profile;
  profile.arch = result.arch;
  auto add = [&](uint64_t nr) {
    SyscallPolicy entry{nr, names.name(nr).value_or(fmt::format("syscall_{}", nr)), {}};
    auto arguments = result.arguments.find(nr);
    if (with_arguments && arguments != result.arguments.end() && !arguments->second.any) {
      entry.rules.assign(arguments->second.tuples.begin(), arguments->second.tuples.end());
    }
    profile.syscalls.push_back(std::move(entry));
  };
  for (const auto& [nr, origins] : result.syscalls) add(nr);
  for (const auto& [nr, reason] : result.implied) add(nr);
  std::sort(profile.syscalls.begin(), profile.syscalls.end(),
            [](const SyscallPolicy& a, const SyscallPolicy& b) { return a.nr < b.nr; });
  auto named = [&](std::string_view name) {
    return std::find_if(profile.syscalls.begin(), profile.syscalls.end(),
                        [&](const SyscallPolicy& s) { return s.name == name; });
  };
  if (auto clone3 = named("clone3"); clone3 != profile.syscalls.end() && named("clone") != profile.syscalls.end()) {
    clone3->enosys = true;
  }
  return profile;
}

namespace {

Result<analysis::ArgumentTuple> read_rule(const nlohmann::json& rule, const std::string& where) {
  if (!rule.is_object() || !rule.contains("args") || !rule["args"].is_object() || rule["args"].empty()) {
    return Error{fmt::format("{}: a rule needs a non-empty \"args\" object", where)};
  }
  analysis::ArgumentTuple tuple;
  for (const auto& [index, values] : rule["args"].items()) {
    if (index.size() != 1 || index[0] < '0' || index[0] > '5') {
      return Error{fmt::format("{}: argument index \"{}\" is not 0..5", where, index)};
    }
    if (!values.is_array() || values.empty()) {
      return Error{fmt::format("{}: argument {} needs a non-empty list of values", where, index)};
    }
    auto& list = tuple[static_cast<uint8_t>(index[0] - '0')];
    for (const auto& v : values) {
      if (!v.is_number_unsigned()) return Error{fmt::format("{}: argument {}: {} is not an unsigned integer", where, index, v.dump())};
      list.push_back(v.get<uint64_t>());
    }
  }
  return tuple;
}

/// N of "syscall_N", the name profile_of gives a number libseccomp has no name for (an
/// old ABI's call, such as ARM's getrlimit 76 that Go's syscall package still names).
std::optional<uint64_t> unnamed_number(std::string_view name) {
  constexpr std::string_view kPrefix = "syscall_";
  if (!name.starts_with(kPrefix) || name.size() == kPrefix.size() || name.size() > kPrefix.size() + 9) {
    return std::nullopt;
  }
  uint64_t nr = 0;
  for (char c : name.substr(kPrefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    nr = nr * 10 + static_cast<uint64_t>(c - '0');
  }
  return nr;
}

}  // namespace

Result<Profile> read_native_policy(const nlohmann::json& json, const std::string& file) {
  if (!json.is_object() || json.value("schema", "") != "sysfence-policy/1") {
    return Error{fmt::format("{}: not a sysfence policy (no \"schema\": \"sysfence-policy/1\")", file)};
  }
  if (!json.contains("arch") || !json["arch"].is_string() || !json.contains("syscalls") || !json["syscalls"].is_array()) {
    return Error{fmt::format("{}: a policy needs \"arch\" and a \"syscalls\" list", file)};
  }
  Profile profile;
  profile.arch = json["arch"].get<std::string>();
  const analysis::SyscallNames names(profile.arch);
  if (!names.valid()) return Error{fmt::format("{}: unknown architecture \"{}\"", file, profile.arch)};
  for (size_t i = 0; i < json["syscalls"].size(); ++i) {
    const auto& s = json["syscalls"][i];
    const std::string where = fmt::format("{}: syscalls[{}]", file, i);
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string()) {
      return Error{fmt::format("{}: needs a \"name\"", where)};
    }
    SyscallPolicy entry;
    entry.name = s["name"].get<std::string>();
    auto nr = names.number(entry.name);
    if (!nr) nr = unnamed_number(entry.name);
    if (!nr) return Error{fmt::format("{}: \"{}\" is no {} syscall", where, entry.name, profile.arch)};
    entry.nr = *nr;
    entry.enosys = s.value("enosys", false);
    if (s.contains("rules")) {
      if (!s["rules"].is_array()) return Error{fmt::format("{}: \"rules\" is not a list", where)};
      for (const auto& rule : s["rules"]) {
        auto tuple = read_rule(rule, where);
        if (!tuple) return tuple.error();
        entry.rules.push_back(std::move(*tuple));
      }
    }
    profile.syscalls.push_back(std::move(entry));
  }
  std::sort(profile.syscalls.begin(), profile.syscalls.end(),
            [](const SyscallPolicy& a, const SyscallPolicy& b) { return a.nr < b.nr; });
  return profile;
}

}  // namespace sysfence::policy
