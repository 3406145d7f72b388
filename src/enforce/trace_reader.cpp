#include "enforce/trace_reader.h"

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sysfence::enforce {
namespace {

/// Splits a printed argument list at top-level commas (not inside quotes, brackets or
/// braces).
std::vector<std::string> split_arguments(const std::string& s) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      current += c;
      if (c == '\\' && i + 1 < s.size()) {
        current += s[++i];
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (c == '"') quoted = true;
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(current);
      current.clear();
      continue;
    }
    current += c;
  }
  if (!current.empty() || !out.empty()) out.push_back(current);
  for (auto& a : out) {
    const auto first = a.find_first_not_of(' ');
    const auto last = a.find_last_not_of(' ');
    a = first == std::string::npos ? "" : a.substr(first, last - first + 1);
  }
  return out;
}

/// A printed number: decimal, 0x hex, 0-prefixed octal, negative, NULL, a name the
/// architecture's table knows, or those OR-ed with '|'. nullopt for anything else (an
/// unknown name, a string, a structure).
std::optional<uint64_t> printed_number(std::string text, int bits, const TraceConstants& names) {
  if (auto comment = text.find("/*"); comment != std::string::npos) text = text.substr(0, comment);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text == "NULL") return 0;
  uint64_t value = 0;
  std::stringstream parts(text);
  std::string part;
  while (std::getline(parts, part, '|')) {
    if (part.empty()) return std::nullopt;
    if (auto named = names.value(part)) {
      value |= static_cast<uint64_t>(*named);
      continue;
    }
    const bool negative = part[0] == '-';
    const std::string digits = negative ? part.substr(1) : part;
    if (digits.empty() || !std::isdigit(static_cast<unsigned char>(digits[0]))) return std::nullopt;
    size_t used = 0;
    uint64_t v = 0;
    try {
      const int base = digits.size() > 1 && digits[0] == '0' && digits[1] != 'x' ? 8 : 0;
      v = std::stoull(digits, &used, base);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (used != digits.size()) return std::nullopt;
    value |= negative ? static_cast<uint64_t>(-static_cast<int64_t>(v)) : v;
  }
  return bits == 64 ? value : value & 0xffffffffu;
}

Result<TracedCall> json_call(const std::string& line, size_t number, const std::string& file) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    return Error{fmt::format("{}:{}: not JSON: {}", file, number, e.what())};
  }
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string() || !j.contains("args") || !j["args"].is_array()) {
    return Error{fmt::format("{}:{}: a traced call needs \"name\" and \"args\"", file, number)};
  }
  TracedCall call;
  call.line = number;
  call.name = j["name"].get<std::string>();
  call.unknown.fill(true);
  std::string shown;
  for (size_t i = 0; i < j["args"].size() && i < 6; ++i) {
    shown += fmt::format("{}{}", i == 0 ? "" : ", ", j["args"][i].dump());
    if (!j["args"][i].is_number_unsigned()) continue;
    call.args[i] = j["args"][i].get<uint64_t>();
    call.unknown[i] = false;
  }
  call.text = fmt::format("{}({})", call.name, shown);  // as strace would show it
  return call;
}

/// A call as strace or qemu prints it, "name(args) = result" (the result may hold
/// parentheses too), or nullopt.
std::optional<TracedCall> parse_call(const std::string& text, size_t number, int bits, const TraceConstants& names) {
  static const std::regex call(R"(^([a-z_][a-z0-9_]*)\((.*)\)\s*=.*$)");
  std::smatch m;
  if (!std::regex_match(text, m, call)) return std::nullopt;
  TracedCall out;
  out.line = number;
  out.name = m[1];
  out.text = text;
  out.unknown.fill(true);
  const auto printed = split_arguments(m[2]);
  // strace prints clone with named fields in its own order, which is not the
  // registers'; the flags are the first argument on every architecture.
  static const std::regex named_field(R"(^([a-z_]+)=(.*)$)");
  for (size_t i = 0; i < printed.size() && i < 6; ++i) {
    std::smatch field;
    if (std::regex_match(printed[i], field, named_field)) {
      if (out.name != "clone" || field[1] != "flags") continue;
      if (auto v = printed_number(field[2], bits, names)) {
        out.args[0] = *v;
        out.unknown[0] = false;
      }
    } else if (auto v = printed_number(printed[i], bits, names)) {
      out.args[i] = *v;
      out.unknown[i] = false;
    }
  }
  return out;
}

}  // namespace

Result<std::vector<TracedCall>> read_trace(const std::string& text, const std::string& file, int bits,
                                          const TraceConstants& names) {
  // strace: "[pid N] name(args) = result" or "N name(args) = result", qemu-user the
  // latter. A call strace interrupts ("name(args <unfinished ...>") is completed by the
  // same thread's "<... name resumed>rest" line; one never resumed is read as it stands.
  static const std::regex prefix(R"(^(?:\[pid\s+(\d+)\]\s*|(\d+)\s+)?(.*)$)");
  static const std::regex unfinished(R"(^([a-z_][a-z0-9_]*\(.*?)(?:,\s*)?\s*<unfinished \.\.\.>$)");
  static const std::regex resumed(R"(^<\.\.\. ([a-z_][a-z0-9_]*) resumed>\s*(.*)$)");
  struct Pending {
    size_t line;
    std::string text;
  };
  std::map<std::string, Pending> pending;  // by thread
  std::vector<TracedCall> calls;
  std::stringstream lines(text);
  std::string line;
  size_t number = 0;
  // The file's first record says its format: JSON lines throughout, or text, where a line
  // may also start with '{' (the rest of a structure another thread's output cut off).
  std::optional<bool> json_lines;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    if (!json_lines) json_lines = line[0] == '{';
    if (*json_lines) {
      auto call = json_call(line, number, file);
      if (!call) return call.error();
      calls.push_back(std::move(*call));
      continue;
    }
    std::smatch m;
    if (!std::regex_match(line, m, prefix)) continue;
    const std::string thread = m[1].matched ? m[1].str() : m[2].str();
    const std::string body = m[3];
    std::smatch part;
    if (std::regex_match(body, part, unfinished)) {
      pending[thread] = {number, part[1]};
      continue;
    }
    if (std::regex_match(body, part, resumed)) {
      auto it = pending.find(thread);
      if (it == pending.end() || it->second.text.rfind(part[1].str() + "(", 0) != 0) continue;
      const std::string rest = part[2];
      const bool first = it->second.text.back() == '(' || rest.empty() || rest[0] == ')' || rest[0] == ',';
      const std::string joined = it->second.text + (first ? "" : ", ") + rest;
      if (auto call = parse_call(joined, it->second.line, bits, names)) calls.push_back(std::move(*call));
      pending.erase(it);
      continue;
    }
    if (auto call = parse_call(body, number, bits, names)) calls.push_back(std::move(*call));
  }
  for (const auto& [thread, call] : pending) {
    if (auto parsed = parse_call(call.text + ") = ?", call.line, bits, names)) calls.push_back(std::move(*parsed));
  }
  if (calls.empty() && number > 0) {
    // Lines but no call: not a trace (an empty file is an empty trace).
    return Error{fmt::format("{}: no syscall found in {} line(s); expected JSON lines (sysfence trace), strace or "
                             "qemu -strace output",
                             file, number)};
  }
  std::sort(calls.begin(), calls.end(), [](const TracedCall& a, const TracedCall& b) { return a.line < b.line; });
  return calls;
}

}  // namespace sysfence::enforce
