#include "cli/program_summary.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "util/json_text.h"

namespace sysfence::cli {

ProgramSummary summarise(const analysis::AnalysisResult& result) {
  ProgramSummary s;
  s.ok = true;
  s.syscalls = result.allowed_count();
  s.own_syscalls = result.executed.empty() ? s.syscalls : result.executed.front().syscalls;
  s.runs = result.executed.empty() ? 0 : result.executed.size() - 1;
  s.unresolved = result.unresolved.size();
  for (const auto& [nr, arguments] : result.arguments) s.constrained += arguments.constrained();
  return s;
}

bool write_summary(const std::string& file, const ProgramSummary& s) {
  const nlohmann::json json = {{"path", s.path},         {"ok", s.ok},
                               {"error", s.error},       {"syscalls", s.syscalls},
                               {"own_syscalls", s.own_syscalls}, {"runs", s.runs},
                               {"constrained", s.constrained},   {"unresolved", s.unresolved},
                               {"seconds", s.seconds},   {"peak_mib", s.peak_mib}};
  std::ofstream out(file, std::ios::trunc);
  out << json_text(json) << "\n";
  return static_cast<bool>(out.flush());
}

std::optional<ProgramSummary> read_summary(const std::string& file) {
  std::ifstream in(file);
  const auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  ProgramSummary s;
  s.path = json.value("path", "");
  s.ok = json.value("ok", false);
  s.error = json.value("error", "");
  s.syscalls = json.value("syscalls", size_t{0});
  s.own_syscalls = json.value("own_syscalls", size_t{0});
  s.runs = json.value("runs", size_t{0});
  s.constrained = json.value("constrained", size_t{0});
  s.unresolved = json.value("unresolved", size_t{0});
  s.seconds = json.value("seconds", 0.0);
  s.peak_mib = json.value("peak_mib", size_t{0});
  return s;
}

size_t peak_resident_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6)) / 1024;  // "VmHWM:  1234 kB"
  }
  return 0;
}

}  // namespace sysfence::cli
