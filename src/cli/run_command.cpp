#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/program_loading.h"
#include "enforce/filter_loader.h"
#include "policy/policy_file.h"

namespace sysfence::cli {
namespace {

struct RunOptions {
  std::string policy;
  std::string action;
  std::vector<std::string> command;
};

/// Where execvp would find `name`, or nullopt. Resolved before the filter is loaded, so
/// that a mistyped command fails with a clear message rather than under the filter.
std::optional<std::string> find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? std::optional(name) : std::nullopt;
  const char* path = getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = end == start ? "." : dirs.substr(start, end - start);
    const std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

int run_confined(const RunOptions& options) {
  std::optional<policy::DenyAction> action;
  if (!options.action.empty()) action = policy::deny_action_named(options.action);
  const std::string arch = enforce::host_arch();
  auto loaded = load_policy(options.policy, arch, action);
  if (!loaded) return 2;
  const auto executable = find_executable(options.command[0]);
  if (!executable) {
    std::cerr << fmt::format("sysfence: {}: command not found\n", options.command[0]);
    return 127;
  }
  if (action == policy::DenyAction::Log) {
    std::cerr << "sysfence: log mode: calls the profile denies are allowed and logged by the kernel "
                 "(dmesg or the audit log, type=1326)\n";
  }
  std::vector<char*> argv;
  for (const std::string& arg : options.command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  // Fails closed: without the filter, the command is not run.
  if (auto installed = enforce::install_filter(loaded->program); !installed) {
    std::cerr << fmt::format("sysfence: {}: {}; {} not run\n", options.policy, installed.error().message,
                             options.command[0]);
    return 2;
  }
  execv(executable->c_str(), argv.data());
  const int error = errno;  // under the filter now: report with as few calls as possible
  std::cerr << fmt::format("sysfence: {}: {}\n", *executable, strerror(error));
  return error == ENOENT ? 127 : 126;
}

}  // namespace

void add_run_command(CLI::App& app, int& status) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* sub = app.add_subcommand("run", "Run a command under a seccomp profile, loaded before exec");
  sub->footer(
      "Sets no_new_privs, loads the filter, then execs the command: its dynamic loader and every thread and child "
      "are confined. Exit status: the command's; 2 if the profile cannot be read or loaded (the command is then "
      "not run); 127 if the command is not found.");
  sub->add_option("--policy", options->policy,
                  "Profile: native sysfence JSON, OCI/Docker seccomp JSON, or a raw BPF program for this machine")
      ->required();
  sub->add_option("--action", options->action,
                  "What a denied call does (JSON profiles; default: the profile's own, kill for native ones): kill, "
                  "errno (EPERM), log (allow and log, to see what a profile would deny), trap (SIGSYS)")
      ->check(CLI::IsMember({"kill", "errno", "log", "trap"}));
  sub->add_option("command", options->command, "The command and its arguments (after --)")->required();
  sub->callback([options, &status] { status = run_confined(*options); });
}

}  // namespace sysfence::cli
