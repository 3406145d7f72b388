#include <linux/seccomp.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/program_loading.h"
#include "cve/cve_check.h"
#include "policy/oci_policy.h"
#include "policy/policy_file.h"
#include "util/json_text.h"

namespace sysfence::cli {
namespace {

struct CveOptions {
  std::string policy;
  std::string arch;
  std::string docker = policy::kDockerDefaultProfile;
  std::string trace;
  std::string context = "unprivileged";
  bool json = false;
};

/// Totals for the profiles the policy is compared with, on the same architecture: the
/// policy without argument rules (a native policy only), Docker's default, and none.
struct Comparison {
  std::optional<size_t> no_args;
  std::optional<size_t> docker;
  size_t no_profile = 0;
};

Comparison compare(const CveOptions& options, const policy::LoadedPolicy& loaded, const cve::KernelCves& table,
                   cve::Context context) {
  Comparison out;
  if (loaded.profile) {
    policy::Profile syscalls_only = *loaded.profile;
    for (auto& s : syscalls_only.syscalls) s.rules.clear();
    if (auto filter = policy::compile_filter(syscalls_only, policy::DenyAction::Kill)) {
      out.no_args = cve::check_cves(table, filter->program, loaded.arch, context).blocked();
    }
  }
  if (std::filesystem::exists(options.docker)) {
    auto docker = policy::load_policy_file(options.docker, loaded.arch, std::nullopt);
    if (docker) {
      out.docker = cve::check_cves(table, docker->program, loaded.arch, context).blocked();
    } else {
      std::cerr << "sysfence: warning: " << docker.error().message << "\n";
    }
  }
  const sock_filter allow_all[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  out.no_profile = cve::check_cves(table, allow_all, loaded.arch, context).blocked();
  return out;
}

std::string total_text(const std::optional<size_t>& blocked, size_t total) {
  return blocked ? fmt::format("{} of {} blocked", *blocked, total) : "n/a";
}

int run_cve(const CveOptions& options) {
  const auto context = cve::parse_context(options.context);
  if (!context) {
    std::cerr << "sysfence: --context: \"" << options.context << "\" is not unprivileged or root\n";
    return 2;
  }
  auto loaded = load_policy(options.policy, options.arch, std::nullopt);
  if (!loaded) return 2;
  const cve::KernelCves& table = cve::KernelCves::table();
  cve::CveReport report = cve::check_cves(table, loaded->program, loaded->arch, *context);
  if (!options.trace.empty()) {
    auto calls = load_trace(options.trace, loaded->arch);
    if (!calls) return 2;
    cve::mark_made_by_run(report, table, *calls);
  }
  const Comparison comparison = compare(options, *loaded, table, *context);
  const size_t total = report.verdicts.size();
  if (options.json) {
    nlohmann::json cves = nlohmann::json::array();
    for (const auto& v : report.verdicts) {
      cves.push_back({{"id", v.id}, {"blocked", v.blocked}, {"reason", v.reason}});
      if (!options.trace.empty()) cves.back()["made_by_run"] = v.made_by_run;
    }
    auto optional_count = [](const std::optional<size_t>& n) { return n ? nlohmann::json(*n) : nlohmann::json(); };
    nlohmann::json out = {{"arch", report.arch},
                          {"context", cve::context_name(report.context)},
                          {"total", total},
                          {"blocked", report.blocked()},
                          {"cves", std::move(cves)},
                          {"not_applicable", report.not_applicable},
                          {"out_of_context", report.out_of_context},
                          {"compared",
                           {{"without_argument_rules", optional_count(comparison.no_args)},
                            {"docker_default", optional_count(comparison.docker)},
                            {"no_profile", comparison.no_profile}}}};
    if (!options.trace.empty()) out["made_by_run"] = report.made_by_run();
    std::cout << json_text(out, 2) << "\n";
    return 0;
  }
  for (const auto& v : report.verdicts) {
    std::cout << fmt::format("{:11} {}: {}{}\n", v.blocked ? "blocked" : "NOT blocked", v.id, v.reason,
                             v.made_by_run ? " (the traced run makes this trigger's calls)" : "");
  }
  std::cout << fmt::format(
      "{} ({}, {} context): {} of {} kernel CVEs blocked ({:.1f}%); without argument rules: {}; Docker's default "
      "profile: {}; no profile: {}\n",
      options.policy, report.arch, cve::context_name(report.context), report.blocked(), total,
      total == 0 ? 0.0 : 100.0 * static_cast<double>(report.blocked()) / static_cast<double>(total),
      total_text(comparison.no_args, total), total_text(comparison.docker, total),
      total_text(comparison.no_profile, total));
  if (!options.trace.empty()) {
    const size_t reachable = total - report.made_by_run();
    std::cout << fmt::format(
        "{}: the run makes the calls of {} triggers itself, so a profile it works under blocks at most {} of {} "
        "({:.1f}%)\n",
        options.trace, report.made_by_run(), reachable, total,
        total == 0 ? 0.0 : 100.0 * static_cast<double>(reachable) / static_cast<double>(total));
  }
  if (!report.out_of_context.empty()) {
    std::cout << fmt::format("out of reach of an unprivileged process (capabilities only the initial namespace grants): {}\n",
                             fmt::join(report.out_of_context, ", "));
  }
  if (!report.not_applicable.empty()) {
    std::cout << fmt::format("not applicable on {}: {}\n", report.arch, fmt::join(report.not_applicable, ", "));
  }
  return 0;
}

}  // namespace

void add_cve_command(CLI::App& app, int& status) {
  auto options = std::make_shared<CveOptions>();
  CLI::App* sub = app.add_subcommand("cve", "Which kernel CVEs a profile blocks (data/kernel_cves.json)");
  sub->footer(
      "A CVE is blocked when the profile denies every way to make one step its trigger needs, as the BPF simulator "
      "check uses decides. In the unprivileged context a CVE that needs capabilities also needs a way to get a user "
      "namespace (where one grants them), and one that needs capabilities of the initial namespace is out of reach; "
      "as root, every capability is there. The totals are compared with the same profile without argument rules, "
      "Docker's default profile and no profile.");
  sub->add_option("--policy", options->policy, "Profile: native sysfence JSON, OCI/Docker JSON or raw BPF")
      ->required();
  sub->add_option("--arch", options->arch,
                  "Architecture (libseccomp's name) of a raw BPF program or a multi-architecture OCI profile");
  sub->add_option("--docker", options->docker, "Docker's default profile, for the comparison")->capture_default_str();
  sub->add_option("--trace", options->trace,
                  "A run of the program (as check reads it): marks the CVEs whose trigger calls the run makes itself, "
                  "which no profile the run works under can block (\"made_by_run\" in --json)");
  sub->add_option("--context", options->context,
                  "Who runs the program: unprivileged (capabilities only through a user namespace) or root")
      ->capture_default_str();
  sub->add_flag("--json", options->json,
                "JSON: {\"context\", \"total\", \"blocked\", \"cves\": [{\"id\", \"blocked\", \"reason\"}], "
                "\"out_of_context\", …}");
  sub->callback([options, &status] { status = run_cve(*options); });
}

}  // namespace sysfence::cli
