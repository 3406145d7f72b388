#include "enforce/trace_reader.h"

#include <algorithm>
#include <map>
#include <cctype>
#include <string_view>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sysfence::enforce {
namespace {

// The lines are taken apart by hand, not with std::regex: libstdc++'s matcher recurses
// once per character and overflows the stack on a long line (strace -s 65536 prints
// long strings; found by parsers_fuzz).

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

/// The length of the syscall name `s` starts with ([a-z_][a-z0-9_]*), 0 for none.
size_t name_length(std::string_view s) {
  if (s.empty() || !is_name_start(s[0])) return 0;
  size_t n = 1;
  while (n < s.size() && is_name_char(s[n])) ++n;
  return n;
}

std::string_view skip_spaces(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

/// A line's thread ("[pid N] " or "N ", as strace -f and qemu print it; "" for none) and
/// the rest.
std::pair<std::string, std::string_view> split_thread(std::string_view line) {
  std::string_view rest = line;
  if (rest.starts_with("[pid") && rest.size() > 4 && is_space(rest[4])) {
    std::string_view after = skip_spaces(rest.substr(4));
    size_t digits = 0;
    while (digits < after.size() && is_digit(after[digits])) ++digits;
    if (digits > 0 && digits < after.size() && after[digits] == ']') {
      return {std::string(after.substr(0, digits)), skip_spaces(after.substr(digits + 1))};
    }
    return {"", line};
  }
  size_t digits = 0;
  while (digits < rest.size() && is_digit(rest[digits])) ++digits;
  if (digits > 0 && digits < rest.size() && is_space(rest[digits])) {
    return {std::string(rest.substr(0, digits)), skip_spaces(rest.substr(digits))};
  }
  return {"", line};
}

/// For "name(args <unfinished ...>": "name(args", without a trailing comma and the
/// spaces around it; nullopt for any other line.
std::optional<std::string> unfinished_call(std::string_view body) {
  static constexpr std::string_view kUnfinished = "<unfinished ...>";
  const size_t name = name_length(body);
  if (name == 0 || name >= body.size() || body[name] != '(' || !body.ends_with(kUnfinished)) return std::nullopt;
  std::string_view call = trim_right(body.substr(0, body.size() - kUnfinished.size()));
  if (call.size() > name + 1 && call.back() == ',') call.remove_suffix(1);
  return std::string(call);
}

/// For "<... name resumed>rest": the name and the rest; nullopt for any other line.
std::optional<std::pair<std::string, std::string>> resumed_call(std::string_view body) {
  static constexpr std::string_view kStart = "<... ";
  static constexpr std::string_view kResumed = " resumed>";
  if (!body.starts_with(kStart)) return std::nullopt;
  body.remove_prefix(kStart.size());
  const size_t name = name_length(body);
  if (name == 0 || !body.substr(name).starts_with(kResumed)) return std::nullopt;
  return std::pair{std::string(body.substr(0, name)), std::string(skip_spaces(body.substr(name + kResumed.size())))};
}

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
  // "name(" … the last ")" followed by spaces and "=" … (the result may hold parentheses).
  const std::string_view line = text;
  const size_t name = name_length(line);
  if (name == 0 || name >= line.size() || line[name] != '(') return std::nullopt;
  size_t close = std::string_view::npos;
  for (size_t equals = line.rfind('='); equals != std::string_view::npos && equals > name;
       equals = line.rfind('=', equals - 1)) {
    const std::string_view before = trim_right(line.substr(0, equals));
    if (before.size() > name + 1 && before.back() == ')') {
      close = before.size() - 1;
      break;
    }
  }
  if (close == std::string_view::npos) return std::nullopt;
  TracedCall out;
  out.line = number;
  out.name = std::string(line.substr(0, name));
  out.text = text;
  out.unknown.fill(true);
  const auto printed = split_arguments(std::string(line.substr(name + 1, close - name - 1)));
  // strace prints clone with named fields in its own order, which is not the
  // registers'; the flags are the first argument on every architecture.
  for (size_t i = 0; i < printed.size() && i < 6; ++i) {
    const std::string_view argument = printed[i];
    size_t field_name = 0;
    while (field_name < argument.size() && (is_name_start(argument[field_name]))) ++field_name;
    if (field_name > 0 && field_name < argument.size() && argument[field_name] == '=') {  // name=value
      if (out.name != "clone" || argument.substr(0, field_name) != "flags") continue;
      if (auto v = printed_number(std::string(argument.substr(field_name + 1)), bits, names)) {
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
    const auto [thread, body_view] = split_thread(line);
    const std::string body(body_view);
    if (auto unfinished = unfinished_call(body)) {
      pending[thread] = {number, std::move(*unfinished)};
      continue;
    }
    if (auto resumed = resumed_call(body)) {
      auto it = pending.find(thread);
      if (it == pending.end() || it->second.text.rfind(resumed->first + "(", 0) != 0) continue;
      const std::string& rest = resumed->second;
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
