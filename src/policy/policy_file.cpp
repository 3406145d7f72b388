#include "policy/policy_file.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <seccomp.h>

#include "enforce/bpf_simulator.h"
#include "policy/oci_policy.h"
#include "policy/profile.h"
#include "util/file_text.h"

namespace sysfence::policy {
namespace {

Result<nlohmann::json> parse_json(const std::string& content, const std::string& path) {
  try {
    return nlohmann::json::parse(content);
  } catch (const nlohmann::json::parse_error& e) {
    const size_t at = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, content.size());
    const size_t line = 1 + std::count(content.begin(), content.begin() + static_cast<long>(at), '\n');
    return Error{fmt::format("{}:{}: not valid JSON: {}", path, line, e.what())};
  } catch (const nlohmann::json::exception& e) {  // a number too large for any type (out_of_range.406)
    return Error{fmt::format("{}: not valid JSON: {}", path, e.what())};
  }
}

/// libseccomp's name for an OCI architecture ("SCMP_ARCH_X86_64" -> "x86_64").
std::string arch_of_oci_name(const std::string& name) {
  std::string arch = name.rfind("SCMP_ARCH_", 0) == 0 ? name.substr(10) : name;
  for (char& c : arch) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return arch;
}

Result<LoadedPolicy> load_native(const nlohmann::json& json, const std::string& path, const std::string& arch,
                                 DenyAction action) {
  auto profile = read_native_policy(json, path);
  if (!profile) return profile.error();
  if (!arch.empty() && arch != profile->arch) {
    return Error{fmt::format("{}: the policy is for {}, not {}", path, profile->arch, arch)};
  }
  auto compiled = compile_filter(*profile, action);
  if (!compiled) return Error{fmt::format("{}: {}", path, compiled.error().message)};
  LoadedPolicy loaded{profile->arch, "sysfence policy", std::move(compiled->program), {}, std::move(*profile)};
  for (const Loosening& l : compiled->loosened) {
    loaded.warnings.push_back(fmt::format("{}: to fit the instruction limit, {} is {}", path, l.syscall,
                                          l.kept == Constraint::Masked ? "checked by mask" : "allowed with any arguments"));
  }
  return loaded;
}

Result<LoadedPolicy> load_oci(const nlohmann::json& json, const std::string& path, std::string arch,
                              std::optional<DenyAction> action) {
  if (arch.empty()) {
    const auto& listed = json.value("architectures", nlohmann::json::array());
    if (listed.size() != 1 || !listed[0].is_string()) {
      return Error{fmt::format("{}: an OCI profile for several architectures needs --arch", path)};
    }
    arch = arch_of_oci_name(listed[0].get<std::string>());
  }
  auto oci = read_oci_policy(json, path, arch);
  if (!oci) return oci.error();
  const uint32_t default_action = action ? action_value(*action) : oci->default_action;
  auto program = compile_rules(arch, default_action, oci->rules);
  if (!program) return Error{fmt::format("{}: {}", path, program.error().message)};
  LoadedPolicy loaded{arch, "OCI profile", std::move(*program), {}, std::nullopt};
  if (!oci->unknown_names.empty()) {
    loaded.warnings.push_back(fmt::format("{}: libseccomp does not know {}; skipped, as runtimes skip them", path,
                                          fmt::join(oci->unknown_names, ", ")));
  }
  return loaded;
}

/// libseccomp's names of the architectures whose AUDIT_ARCH_* value is `audit` (x86_64
/// and x32 share one), or the value in hex.
std::string architectures_named(uint32_t audit) {
  static constexpr const char* kKnown[] = {"x86_64", "x86", "aarch64", "arm", "mips", "mipsel", "mips64", "mipsel64",
                                           "mips64n32", "mipsel64n32", "ppc", "ppc64", "ppc64le", "s390", "s390x",
                                           "riscv64"};
  std::vector<std::string> names;
  for (const char* name : kKnown) {
    if (seccomp_arch_resolve_name(name) == audit) names.push_back(name);
  }
  return names.empty() ? fmt::format("AUDIT_ARCH {:#x}", audit) : fmt::format("{}", fmt::join(names, "/"));
}

/// An error when the raw `program` checks the architecture and `arch` is not among those
/// it lets through: loaded, it would kill (or deny) every call as another ABI's.
Result<void> check_raw_architecture(std::span<const sock_filter> program, const std::string& path,
                                    const std::string& arch) {
  const std::vector<uint32_t> checked = enforce::checked_architectures(program);
  if (checked.empty() || std::find(checked.begin(), checked.end(), seccomp_arch_resolve_name(arch.c_str())) != checked.end()) {
    return {};
  }
  std::vector<std::string> names;
  for (uint32_t audit : checked) names.push_back(architectures_named(audit));
  return Error{fmt::format("{}: the BPF program is a filter for {} (its architecture check), not for {}", path,
                           fmt::join(names, ", "), arch)};
}

}  // namespace

Result<LoadedPolicy> load_policy_file(const std::string& path, const std::string& arch,
                                      std::optional<DenyAction> action) {
  auto content = read_whole_file(path);
  if (!content) return content.error();
  // A file that starts as JSON is read as a policy (a BPF program's first byte is an
  // opcode's low byte, never '{' for the loads seccomp filters start with).
  const size_t first = content->find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (*content)[first] == '{') {
    auto json = parse_json(*content, path);
    if (!json) return json.error();
    if (is_oci_policy(*json)) return load_oci(*json, path, arch, action);
    return load_native(*json, path, arch, action.value_or(DenyAction::Kill));
  }
  if (content->empty() || content->size() % sizeof(sock_filter) != 0) {
    return Error{fmt::format("{}: neither a sysfence policy (JSON) nor a BPF program (a multiple of {} bytes)", path,
                             sizeof(sock_filter))};
  }
  if (arch.empty()) return Error{fmt::format("{}: a raw BPF program needs --arch", path)};
  if (action) return Error{fmt::format("{}: a raw BPF program's actions are fixed; --action needs a JSON policy", path)};
  std::vector<sock_filter> program = program_from_bytes(*content, enforce::big_endian_arch(arch));
  if (auto matches = check_raw_architecture(program, path, arch); !matches) return matches.error();
  return LoadedPolicy{arch, "BPF program", std::move(program), {}, std::nullopt};
}

}  // namespace sysfence::policy
