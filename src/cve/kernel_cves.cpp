#include "cve/kernel_cves.h"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace sysfence::data {
extern const char kKernelCvesJson[];  // data/kernel_cves.json, compiled in by src/CMakeLists.txt
}

namespace sysfence::cve {
namespace {

Result<CallNeed> parse_call(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("syscall") || !j["syscall"].is_string()) {
    return Error{fmt::format("{}: a call needs \"syscall\"", where)};
  }
  CallNeed call{j["syscall"].get<std::string>(), {}};
  const nlohmann::json args = j.value("args", nlohmann::json::object());
  for (const auto& [index, condition] : args.items()) {
    ArgumentNeed arg;
    const int i = std::stoi(index);
    if (i < 0 || i > 5) return Error{fmt::format("{}: {}: argument index {} is not 0..5", where, call.syscall, index)};
    arg.index = static_cast<uint8_t>(i);
    if (condition.contains("equals")) {
      arg.equals = condition["equals"].get<std::vector<uint64_t>>();
      if (condition.contains("mips")) arg.mips_equals = condition["mips"].get<std::vector<uint64_t>>();
      if (arg.equals.empty()) return Error{fmt::format("{}: {}: \"equals\" is empty", where, call.syscall)};
    } else if (condition.contains("has_bits")) {
      arg.has_bits = condition["has_bits"].get<uint64_t>();
      if (arg.has_bits == 0) return Error{fmt::format("{}: {}: \"has_bits\" is 0", where, call.syscall)};
    } else {
      return Error{fmt::format("{}: {}: a condition is \"equals\" or \"has_bits\"", where, call.syscall)};
    }
    call.args.push_back(std::move(arg));
  }
  return call;
}

}  // namespace

Result<KernelCves> KernelCves::parse(const nlohmann::json& json, const std::string& file) {
  KernelCves table;
  try {
    for (const auto& [multiplexer, calls] : json.at("multiplexers").items()) {
      for (const auto& [syscall, number] : calls.items()) {
        table.multiplexed_[syscall].emplace_back(multiplexer, number.get<uint64_t>());
      }
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
        Need step;
        const auto& alternatives = need.contains("any_of") ? need["any_of"] : nlohmann::json::array({need});
        for (const auto& alternative : alternatives) {
          auto call = parse_call(alternative, where);
          if (!call) return call.error();
          step.any_of.push_back(std::move(*call));
        }
        if (step.any_of.empty()) return Error{fmt::format("{}: an empty \"any_of\"", where)};
        cve.needs.push_back(std::move(step));
      }
      if (cve.needs.empty()) return Error{fmt::format("{}: no \"needs\"", where)};
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
      c.mask = c.value = a.has_bits;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace sysfence::cve
