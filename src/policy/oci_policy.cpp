#include "policy/oci_policy.h"

#include <seccomp.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <map>
#include <set>

#include <fmt/format.h>

#include "util/json_numbers.h"

namespace sysfence::policy {
namespace {

// The capabilities Docker grants a container by default (moby's
// oci/caps/defaults.go): entries of its default profile conditioned on others
// (CAP_SYS_ADMIN's mount, bpf, unshare …) do not apply.
const std::set<std::string> kDockerDefaultCapabilities = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE",     "CAP_FSETID",     "CAP_FOWNER",     "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID",          "CAP_SETUID",     "CAP_SETFCAP",    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"};

/// Docker's architecture names (Go's GOARCH spelling) for libseccomp's.
std::string docker_arch_name(const std::string& arch) {
  if (arch == "x86_64") return "amd64";
  if (arch == "aarch64") return "arm64";
  return arch;
}

/// The OCI (and libseccomp) operator names, in policy::Compare's order.
constexpr const char* kOperatorNames[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                                          "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};

std::optional<Compare> compare_named(const std::string& op) {
  for (size_t i = 0; i < std::size(kOperatorNames); ++i) {
    if (op == kOperatorNames[i]) return static_cast<Compare>(i);
  }
  return std::nullopt;
}

/// OCI action names and the kernel's action values they stand for (data, such as
/// ERRNO's errno, apart); the first name of a value is the one written.
constexpr std::pair<const char*, uint32_t> kActionNames[] = {
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},         {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS}, {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD},    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},             {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)}};

/// The kernel's action value for an OCI action name; `data` is ERRNO's errno or TRACE's message.
std::optional<uint32_t> action_named(const std::string& name, uint32_t data) {
  for (const auto& [known, value] : kActionNames) {
    if (name != known) continue;
    const bool takes_data = value == SCMP_ACT_ERRNO(0) || value == SCMP_ACT_TRACE(0);
    return takes_data ? value | (data & 0xffff) : value;
  }
  return std::nullopt;
}

bool contains(const nlohmann::json& list, const std::string& value) {
  return list.is_array() && std::any_of(list.begin(), list.end(), [&](const auto& v) { return v == value; });
}

/// Whether an entry applies to `arch` in a container with Docker's default capabilities.
bool applies(const nlohmann::json& entry, const std::string& docker_arch) {
  const auto& includes = entry.value("includes", nlohmann::json::object());
  const auto& excludes = entry.value("excludes", nlohmann::json::object());
  if (includes.contains("arches") && !contains(includes["arches"], docker_arch)) return false;
  if (excludes.contains("arches") && contains(excludes["arches"], docker_arch)) return false;
  for (const auto& cap : includes.value("caps", nlohmann::json::array())) {
    if (!cap.is_string() || !kDockerDefaultCapabilities.count(cap.get<std::string>())) return false;
  }
  for (const auto& cap : excludes.value("caps", nlohmann::json::array())) {
    if (cap.is_string() && kDockerDefaultCapabilities.count(cap.get<std::string>())) return false;
  }
  return true;
}

/// Whether the profile's architecture list (OCI "architectures", Docker "archMap") has
/// `arch`; a profile without one applies to every architecture.
bool lists_arch(const nlohmann::json& json, const std::string& oci_arch) {
  if (json.contains("architectures") && json["architectures"].is_array() && !json["architectures"].empty()) {
    return contains(json["architectures"], oci_arch);
  }
  if (json.contains("archMap") && json["archMap"].is_array() && !json["archMap"].empty()) {
    return std::any_of(json["archMap"].begin(), json["archMap"].end(), [&](const auto& m) {
      return m.value("architecture", "") == oci_arch || contains(m.value("subArchitectures", nlohmann::json()), oci_arch);
    });
  }
  return true;
}

}  // namespace

std::string oci_arch_name(const std::string& arch) {
  std::string upper;
  for (char c : arch) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "SCMP_ARCH_" + upper;
}

const char* oci_operator_name(Compare op) { return kOperatorNames[static_cast<int>(op)]; }

std::string oci_action_name(uint32_t action) {
  for (const auto& [name, value] : kActionNames) {
    if (value == (action & 0xffff0000u)) return name;
  }
  return fmt::format("{:#x}", action);
}

bool is_oci_policy(const nlohmann::json& json) { return json.is_object() && json.contains("defaultAction"); }

Result<OciPolicy> read_oci_policy(const nlohmann::json& json, const std::string& file, const std::string& arch) {
  try {
    OciPolicy policy;
    const uint32_t default_errno = json_unsigned(json, "defaultErrnoRet", uint32_t{EPERM});
    const auto default_action = action_named(json.at("defaultAction").get<std::string>(), default_errno);
    if (!default_action) return Error{fmt::format("{}: unknown defaultAction {}", file, json["defaultAction"].dump())};
    policy.default_action = *default_action;
    if (!lists_arch(json, oci_arch_name(arch))) {
      return Error{fmt::format("{}: the profile does not list {}", file, oci_arch_name(arch))};
    }
    const std::string docker_arch = docker_arch_name(arch);
    const auto& entries = json.value("syscalls", nlohmann::json::array());
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto& entry = entries[i];
      const std::string where = fmt::format("{}: syscalls[{}]", file, i);
      if (!applies(entry, docker_arch)) continue;
      const auto action = action_named(entry.at("action").get<std::string>(), json_unsigned(entry, "errnoRet", default_errno));
      if (!action) return Error{fmt::format("{}: unknown action {}", where, entry["action"].dump())};
      std::vector<ArgumentCheck> checks;
      for (const auto& arg : entry.value("args", nlohmann::json::array())) {
        const auto op = compare_named(arg.at("op").get<std::string>());
        if (!op) return Error{fmt::format("{}: unknown operator {}", where, arg["op"].dump())};
        const auto index = json_unsigned<unsigned>(arg.at("index"));
        if (index > 5) return Error{fmt::format("{}: argument index {} is not 0..5", where, index)};
        checks.push_back({static_cast<uint8_t>(index), *op, json_unsigned<uint64_t>(arg.at("value")),
                          json_unsigned(arg, "valueTwo", uint64_t{0})});
      }
      std::vector<std::string> names;
      if (entry.contains("names")) names = entry["names"].get<std::vector<std::string>>();
      if (entry.contains("name")) names.push_back(entry["name"].get<std::string>());  // the spec's older form
      for (const std::string& name : names) {
        if (seccomp_syscall_resolve_name(name.c_str()) == __NR_SCMP_ERROR) {
          policy.unknown_names.push_back(name);
          continue;
        }
        policy.rules.push_back({name, *action, checks});
      }
    }
    return policy;
  } catch (const nlohmann::json::exception& e) {
    return Error{fmt::format("{}: not an OCI seccomp profile: {}", file, e.what())};
  }
}

}  // namespace sysfence::policy
