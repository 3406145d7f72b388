#include "cve/kernel_cves.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "util/json_numbers.h"

namespace sysfence::data {
extern const char kKernelCvesJson[];  // data/kernel_cves.json, compiled in by src/CMakeLists.txt
}

namespace sysfence::cve {
namespace {

/// A list of unsigned integers (json_unsigned each).
std::vector<uint64_t> unsigned_list(const nlohmann::json& list) {
  std::vector<uint64_t> out;
  for (const auto& v : list) out.push_back(json_unsigned<uint64_t>(v));
  return out;
}

Result<CallNeed> parse_call(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("syscall") || !j["syscall"].is_string()) {
    return Error{fmt::format("{}: a call needs \"syscall\"", where)};
  }
  CallNeed call{j["syscall"].get<std::string>(), {}, j.value("trace_proves", true)};
  const nlohmann::json args = j.value("args", nlohmann::json::object());
  for (const auto& [index, condition] : args.items()) {
    ArgumentNeed arg;
    if (index.size() != 1 || index[0] < '0' || index[0] > '5') {
      return Error{fmt::format("{}: {}: argument index \"{}\" is not 0..5", where, call.syscall, index)};
    }
    arg.index = static_cast<uint8_t>(index[0] - '0');
    if (condition.contains("equals")) {
      arg.equals = unsigned_list(condition["equals"]);
      if (condition.contains("mips")) arg.mips_equals = unsigned_list(condition["mips"]);
      if (arg.equals.empty()) return Error{fmt::format("{}: {}: \"equals\" is empty", where, call.syscall)};
    } else if (condition.contains("has_bits")) {
      arg.mask = arg.value = json_unsigned<uint64_t>(condition["has_bits"]);
      if (arg.mask == 0) return Error{fmt::format("{}: {}: \"has_bits\" is 0", where, call.syscall)};
    } else if (condition.contains("mask") && condition.contains("value")) {
      arg.mask = json_unsigned<uint64_t>(condition["mask"]);
      arg.value = json_unsigned<uint64_t>(condition["value"]);
      if (arg.mask == 0 || (arg.value & ~arg.mask) != 0) {
        return Error{fmt::format("{}: {}: \"value\" has bits outside \"mask\"", where, call.syscall)};
      }
    } else {
      return Error{fmt::format("{}: {}: a condition is \"equals\", \"has_bits\" or \"mask\" with \"value\"", where,
                               call.syscall)};
    }
    call.args.push_back(std::move(arg));
  }
  return call;
}

/// Adds one alternative of a step: a call, or every call of a named route.
Result<bool> add_alternative(const nlohmann::json& j, const std::map<std::string, Need>& routes, Need& step,
                             const std::string& where) {
  if (j.is_object() && j.contains("route")) {
    const std::string name = j["route"].get<std::string>();
    const auto route = routes.find(name);
    if (route == routes.end()) return Error{fmt::format("{}: no route \"{}\"", where, name)};
    step.any_of.insert(step.any_of.end(), route->second.any_of.begin(), route->second.any_of.end());
    if (step.route.empty()) step.route = name;
    return true;
  }
  auto call = parse_call(j, where);
  if (!call) return call.error();
  step.any_of.push_back(std::move(*call));
  return true;
}

Result<Need> parse_step(const nlohmann::json& j, const std::map<std::string, Need>& routes, const std::string& where) {
  Need step;
  const auto& alternatives = j.contains("any_of") ? j["any_of"] : nlohmann::json::array({j});
  for (const auto& alternative : alternatives) {
    if (auto added = add_alternative(alternative, routes, step, where); !added) return added.error();
  }
  if (step.any_of.empty()) return Error{fmt::format("{}: an empty \"any_of\"", where)};
  return step;
}

Prerequisites parse_prerequisites(const nlohmann::json& j) {
  Prerequisites out;
  out.capabilities = j.value("capabilities", std::vector<std::string>{});
  out.from_user_namespace = j.value("from_user_namespace", false);
  out.devices = j.value("devices", std::vector<std::string>{});
  out.kernel = j.value("kernel", std::vector<std::string>{});
  return out;
}

}  // namespace

std::optional<Context> parse_context(const std::string& text) {
  if (text == "unprivileged") return Context::Unprivileged;
  if (text == "root") return Context::Root;
  return std::nullopt;
}

const char* context_name(Context context) { return context == Context::Root ? "root" : "unprivileged"; }

Result<KernelCves> KernelCves::parse(const nlohmann::json& json, const std::string& file) {
  KernelCves table;
  try {
    for (const auto& [multiplexer, calls] : json.at("multiplexers").items()) {
      for (const auto& [syscall, number] : calls.items()) {
        table.multiplexed_[syscall].emplace_back(multiplexer, json_unsigned<uint64_t>(number));
      }
    }
    if (json.contains("ring")) {
      table.ring_via_ = json["ring"].at("via").get<std::string>();
      table.ring_calls_ = json["ring"].at("calls").get<std::set<std::string>>();
    }
    const nlohmann::json routes = json.value("routes", nlohmann::json::object());
    for (const auto& [name, route] : routes.items()) {
      auto step = parse_step(route, table.routes_, fmt::format("{}: routes.{}", file, name));
      if (!step) return step.error();
      step->route = name;
      table.routes_.emplace(name, std::move(*step));
    }
    const auto& entries = json.at("cves");
    for (size_t n = 0; n < entries.size(); ++n) {
      const auto& e = entries[n];
      KernelCve cve;
      cve.id = e.at("id").get<std::string>();
      const std::string where = fmt::format("{}: cves[{}] ({})", file, n, cve.id);
      cve.title = e.at("title").get<std::string>();
      cve.trigger = e.at("trigger").get<std::string>();
      cve.source = e.at("source").get<std::string>();
      if (e.contains("arches")) cve.arches = e["arches"].get<std::vector<std::string>>();
      for (const auto& need : e.at("needs")) {
        auto step = parse_step(need, table.routes_, where);
        if (!step) return step.error();
        cve.needs.push_back(std::move(*step));
      }
      if (cve.needs.empty()) return Error{fmt::format("{}: no \"needs\"", where)};
      if (e.contains("requires")) cve.prerequisites = parse_prerequisites(e["requires"]);
      if (cve.prerequisites.from_user_namespace && !table.routes_.count("user_namespace")) {
        return Error{fmt::format("{}: \"from_user_namespace\" needs the route \"user_namespace\"", where)};
      }
      table.cves_.push_back(std::move(cve));
    }
  } catch (const nlohmann::json::exception& e) {
    return Error{fmt::format("{}: {}", file, e.what())};
  }
  return table;
}

const KernelCves& KernelCves::table() {
  // The file is checked by tests/kernel_cves_test.cpp; a malformed one fails the tests.
  static const KernelCves table = [] {
    auto parsed = parse(nlohmann::json::parse(data::kKernelCvesJson), "data/kernel_cves.json");
    if (!parsed) {
      std::fprintf(stderr, "sysfence: the compiled-in CVE table is broken: %s\n", parsed.error().message.c_str());
      std::abort();
    }
    return std::move(*parsed);
  }();
  return table;
}

std::vector<std::pair<std::string, uint64_t>> KernelCves::multiplexed(const std::string& syscall) const {
  auto it = multiplexed_.find(syscall);
  return it == multiplexed_.end() ? std::vector<std::pair<std::string, uint64_t>>{} : it->second;
}

std::optional<std::string> KernelCves::ring_for(const std::string& syscall) const {
  if (ring_via_.empty() || !ring_calls_.count(syscall)) return std::nullopt;
  return ring_via_;
}

const Need* KernelCves::route(const std::string& name) const {
  auto it = routes_.find(name);
  return it == routes_.end() ? nullptr : &it->second;
}

std::optional<std::vector<Need>> KernelCves::steps_in(const KernelCve& cve, Context context) const {
  std::vector<Need> steps = cve.needs;
  if (context == Context::Root || cve.prerequisites.capabilities.empty()) return steps;
  if (!cve.prerequisites.from_user_namespace) return std::nullopt;
  const bool listed = std::any_of(steps.begin(), steps.end(), [](const Need& n) { return n.route == "user_namespace"; });
  if (!listed) steps.push_back(*route("user_namespace"));
  return steps;
}

std::vector<enforce::ArgumentCondition> conditions_on(const CallNeed& call, const std::string& arch) {
  const bool mips = arch == "mips" || arch == "mipsel";
  std::vector<enforce::ArgumentCondition> out;
  for (const ArgumentNeed& a : call.args) {
    enforce::ArgumentCondition c;
    c.index = a.index;
    if (!a.equals.empty()) {
      c.values = mips && !a.mips_equals.empty() ? a.mips_equals : a.equals;
      // The kernel reads these arguments as 32-bit ints (ioctl's request is an unsigned
      // int), so a caller may pass a value with bit 31 set sign-extended as well.
      for (size_t i = 0, n = c.values.size(); i < n; ++i) {
        const uint64_t v = c.values[i];
        if (v <= 0xffffffffu && (v & 0x80000000u) != 0) c.values.push_back(v | 0xffffffff00000000u);
      }
    } else {
      c.mask = a.mask;
      c.value = a.value;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace sysfence::cve
