#include "cli/profile_output.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "emit/native_json.h"
#include "emit/report.h"
#include "emit/seccomp_formats.h"
#include "enforce/bpf_simulator.h"
#include "policy/container_runtimes.h"
#include "policy/profile.h"
#include "policy/seccomp_filter.h"
#include "util/json_text.h"

namespace sysfence::cli {
namespace {

/// Writes `text` to `file`; when that fails, says so naming `path` (the name the user gave).
bool write_text(const std::string& file, const std::string& path, const std::string& text) {
  std::ofstream out(file, std::ios::trunc);
  out << text;
  if (out.flush()) return true;
  std::cerr << fmt::format("sysfence: {}: cannot write\n", path);
  return false;
}

/// Says on stderr which constraints the compiled filter could not keep.
void warn_about_losses(const policy::CompiledFilter& filter) {
  std::vector<std::string> masked, unconstrained;
  for (const policy::Loosening& l : filter.loosened) {
    (l.kept == policy::Constraint::Masked ? masked : unconstrained).push_back(l.syscall);
  }
  if (!masked.empty()) {
    std::cerr << fmt::format("sysfence: warning: to fit the kernel's {}-instruction limit, the flags of these "
                             "syscalls are checked by mask, not by value: {}\n",
                             policy::kMaxFilterInstructions, fmt::join(masked, ", "));
  }
  if (!unconstrained.empty()) {
    std::cerr << fmt::format("sysfence: warning: to fit the kernel's {}-instruction limit, these syscalls are "
                             "allowed with any arguments: {}\n",
                             policy::kMaxFilterInstructions, fmt::join(unconstrained, ", "));
  }
  if (!filter.unnamed.empty()) {
    std::cerr << fmt::format("sysfence: warning: libseccomp has no name for {}, so the filter cannot allow them; "
                             "no kernel implements them\n",
                             fmt::join(filter.unnamed, ", "));
  }
}

}  // namespace

/// A path that is not a regular file (/dev/null, a FIFO) is written in place: renaming
/// over it would replace the device with a file.
bool write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    return true;
  }
  std::error_code status_error;
  const auto status = std::filesystem::status(path, status_error);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    return write_text(path, path, text);
  }
  const std::string temporary = path + ".tmp";
  if (!write_text(temporary, path, text)) {
    std::remove(temporary.c_str());
    return false;
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::cerr << fmt::format("sysfence: {}: cannot write: {}\n", path, ec.message());
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

void add_format_options(CLI::App& command, FormatOptions& options) {
  command.add_option("--format", options.format,
                     "Output format: native (sysfence JSON), report (readable), bpf (raw filter for the binary's "
                     "architecture), oci (Docker/podman/runc seccomp JSON), c (libseccomp C that loads the filter and "
                     "execs), systemd (SystemCallFilter=, names only)")
      ->check(CLI::IsMember({"native", "report", "bpf", "oci", "c", "systemd"}))
      ->capture_default_str();
  command.add_option("--action", options.action,
                     "What the bpf, oci, c and systemd formats do with a denied call (systemd: kill, errno, log)")
      ->check(CLI::IsMember({"kill", "errno", "log", "trap"}))
      ->capture_default_str();
  command.add_option("--rule-order", options.rule_order,
                     "How the bpf and c filters find a syscall: tree (binary search on the number) or libseccomp "
                     "(libseccomp's default, one comparison per syscall; to measure the difference)")
      ->check(CLI::IsMember({"tree", "libseccomp"}))
      ->capture_default_str();
  command.add_flag("--no-args", options.no_args,
                   "Allow each syscall with any arguments (the syscall-only profile, to measure what argument "
                   "constraints add)");
  command
      .add_option("--runtime", options.runtime,
                  "Also allow what these OCI runtimes do after they load the filter and before they run the program "
                  "(runc, crun, a comma-separated list, or none for consumers that load the filter last); listed as "
                  "implied. Default: runc,crun for --format oci, none otherwise")
      ->check(CLI::Validator(
          [](std::string& value) {
            auto named = policy::runtimes_named(value);
            return named ? std::string() : named.error().message;
          },
          "RUNTIMES"));
}

Result<void> add_runtime_syscalls(const FormatOptions& options, analysis::AnalysisResult& result) {
  const std::string runtimes = !options.runtime.empty() ? options.runtime : options.format == "oci" ? "runc,crun" : "none";
  auto named = policy::runtimes_named(runtimes);
  if (!named) return named.error();
  policy::add_runtime_syscalls(result, *named);
  return {};
}

Result<std::string> render_profile(const FormatOptions& options, const program::Program& program,
                                   analysis::AnalysisResult result, double seconds) {
  if (options.no_args) {
    for (auto& [nr, arguments] : result.arguments) arguments = {true, {}};
  }
  if (options.format == "report") return emit::text_report(program, result, seconds);
  if (options.format == "native") return json_text(emit::native_policy(program, result), 2) + "\n";
  const policy::Profile profile = policy::profile_of(result, true);
  const policy::DenyAction action = *policy::deny_action_named(options.action);
  const std::string& binary = program.modules()[0].path;
  if (options.format == "systemd") return emit::systemd_filter(profile, binary, action);
  const auto order = options.rule_order == "tree" ? policy::RuleOrder::BinaryTree : policy::RuleOrder::Libseccomp;
  auto filter = policy::compile_filter(profile, action, order);
  if (!filter) return filter.error();
  warn_about_losses(*filter);
  if (options.format == "oci") return json_text(emit::oci_profile(*filter, profile.arch, action), 2) + "\n";
  if (options.format == "c") return emit::libseccomp_c(*filter, profile.arch, action, order, binary);
  return policy::program_bytes(filter->program, enforce::big_endian_arch(profile.arch));
}

}  // namespace sysfence::cli
