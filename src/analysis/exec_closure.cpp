#include "analysis/exec_closure.h"

#include <array>
#include <deque>
#include <fstream>
#include <set>

#include <fmt/format.h>

namespace sysfence::analysis {
namespace {

// Where a name without '/' is looked up: the directories of the default PATH that
// glibc's execvp uses when PATH is unset, and the usual sbin ones a daemon's PATH has.
constexpr std::array<const char*, 6> kSearchPath = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                                    "/usr/bin",        "/sbin",           "/bin"};
constexpr size_t kMaxScriptLine = 256;  // Linux reads at most this much of a #! line (BINPRM_BUF_SIZE)

/// The interpreter a `#!` script names, and its optional argument; nullopt for other files.
std::optional<std::pair<std::string, std::string>> script_interpreter(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string line(kMaxScriptLine, '\0');
  in.read(line.data(), static_cast<std::streamsize>(line.size()));
  line.resize(static_cast<size_t>(in.gcount()));
  if (!line.starts_with("#!")) return std::nullopt;
  line = line.substr(2, line.find('\n') == std::string::npos ? std::string::npos : line.find('\n') - 2);
  const auto first = line.find_first_not_of(" \t");
  if (first == std::string::npos) return std::make_pair(std::string(), std::string());
  const auto end = line.find_first_of(" \t", first);
  std::string interpreter = line.substr(first, end == std::string::npos ? std::string::npos : end - first);
  std::string argument;
  if (end != std::string::npos) {
    const auto from = line.find_first_not_of(" \t", end);
    const auto to = line.find_last_not_of(" \t\r");
    if (from != std::string::npos) argument = line.substr(from, to + 1 - from);
  }
  return std::make_pair(std::move(interpreter), std::move(argument));
}

void merge_arguments(SyscallArguments& into, const SyscallArguments& from) {
  if (from.any && !into.any) into = {true, {}, {}};
  if (!into.any) {
    into.tuples.insert(from.tuples.begin(), from.tuples.end());
    return;
  }
  for (const SyscallOrigin& o : from.any_from) {
    if (into.any_from.size() < kMaxOriginsPerSyscall) into.any_from.push_back(o);
  }
}

/// Adds `member`'s analysis to the union `into`; origins name the member's program.
void merge(AnalysisResult& into, AnalysisResult member, const std::string& program) {
  auto label = [&](SyscallOrigin& o) { o.program = program; };
  for (auto& [nr, origins] : member.syscalls) {
    auto& known = into.syscalls[nr];
    for (auto& o : origins) {
      if (known.size() >= kMaxOriginsPerSyscall) break;
      label(o);
      known.push_back(std::move(o));
    }
    into.implied.erase(nr);
  }
  for (auto& [nr, reason] : member.implied) {
    if (!into.syscalls.count(nr)) into.implied.emplace(nr, std::move(reason));
  }
  for (auto& [nr, arguments] : member.arguments) {
    for (SyscallOrigin& o : arguments.any_from) label(o);
    merge_arguments(into.arguments[nr], arguments);
  }
  for (auto& u : member.unresolved) {
    label(u.origin);
    into.unresolved.push_back(std::move(u));
  }
  for (auto& e : member.exec_sites) {
    label(e.origin);
    into.exec_sites.push_back(std::move(e));
  }
  for (auto& gate : member.closed_gates) into.closed_gates.push_back(fmt::format("{} (in {})", gate, program));
  into.functions_analysed += member.functions_analysed;
  into.functions_from_cache += member.functions_from_cache;
  into.address_taken += member.address_taken;
  into.fallback_pointer_calls += member.fallback_pointer_calls;
  into.fallback_ifunc_calls += member.fallback_ifunc_calls;
}

class Closure {
 public:
  Closure(const program::Sysroot& root, const program::Program& program, Diagnostics& diagnostics,
          const FactsCache* cache, const AnalysisOptions& options)
      : root_(root), program_(program), diagnostics_(diagnostics), cache_(cache), options_(options) {}

  Result<AnalysisResult> run(const ExecClosureOptions& closure) {
    const std::string& self = program_.modules()[0].path;
    auto own = analyse_program(program_, diagnostics_, cache_, options_);
    if (!own) return own.error();
    result_ = std::move(*own);
    result_.executed.push_back({self, "the analysed program", result_.allowed_count(), {}});
    seen_.insert(root_.resolve(self).value_or(self));
    if (closure.follow_exec_sites) queue_exec_sites(result_.exec_sites, self);
    for (const std::string& also : closure.also) queue(also, "--also", false);
    while (!pending_.empty()) {
      Pending next = std::move(pending_.front());
      pending_.pop_front();
      analyse_member(next, closure.follow_exec_sites);
    }
    return std::move(result_);
  }

 private:
  struct Pending {
    std::string named;
    std::string canonical;
    std::string why;
  };

  void queue_exec_sites(const std::vector<ExecSite>& sites, const std::string& runner) {
    for (const ExecSite& site : sites) {
      if (site.path) queue(*site.path, "run by " + runner, site.searched);
    }
  }

  void queue(const std::string& named, const std::string& why, bool searched) {
    const std::string& self = program_.modules()[0].path;
    std::optional<std::string> canonical = find_executed(root_, named, self);
    if (!canonical) {
      const bool relative = !named.starts_with('/') && named.find('/') != std::string::npos;
      problem(named, why, relative && !searched ? "is a relative path" : "is not in the sysroot");
      return;
    }
    if (!seen_.insert(*canonical).second) return;
    pending_.push_back({named, *canonical, why});
  }

  /// A member that cannot be analysed: listed with the reason, and warned about.
  void problem(const std::string& named, const std::string& why, const std::string& what) {
    if (!problems_.insert(named).second) return;
    diagnostics_.warn(fmt::format("{} ({}) {}: the syscalls it makes are not in the profile", named, why, what));
    result_.executed.push_back({named, why, 0, what});
  }

  void analyse_member(const Pending& next, bool follow) {
    const std::string& named = next.named;
    const std::string& why = next.why;
    if (auto script = script_interpreter(root_.host_path(next.canonical))) {
      // The kernel runs the interpreter with the script as its argument; `#!/usr/bin/env
      // NAME` runs NAME from PATH. The script's own commands are not followed.
      result_.executed.push_back({named, why + " (a script: its interpreter is analysed)", 0, {}});
      if (script->first.empty()) {
        problem(named, why, "is a script without an interpreter");
        return;
      }
      queue(script->first, "interpreter of " + named, false);
      if (script->first.ends_with("/env") && !script->second.empty()) {
        queue(script->second.substr(0, script->second.find_first_of(" \t")), "run by env for " + named, true);
      }
      return;
    }
    Diagnostics loading;
    auto member = program::Program::load(root_, next.canonical, loading);
    for (const std::string& w : loading.warnings()) diagnostics_.warn(fmt::format("{}: {}", named, w));
    if (!member) {
      problem(named, why, "cannot be analysed: " + member.error().message);
      return;
    }
    if (member->backend().name() != program_.backend().name()) {
      problem(named, why, fmt::format("is {} code, not {}", member->backend().name(), program_.backend().name()));
      return;
    }
    auto analysed = analyse_program(*member, diagnostics_, cache_, options_);
    if (!analysed) {
      problem(named, why, "cannot be analysed: " + analysed.error().message);
      return;
    }
    result_.executed.push_back({named, why, analysed->allowed_count(), {}});
    if (follow) queue_exec_sites(analysed->exec_sites, named);
    merge(result_, std::move(*analysed), named);
  }

  const program::Sysroot& root_;
  const program::Program& program_;
  Diagnostics& diagnostics_;
  const FactsCache* cache_;
  AnalysisOptions options_;
  std::set<std::string> seen_;
  std::set<std::string> problems_;
  std::deque<Pending> pending_;
  AnalysisResult result_;
};

}  // namespace

std::optional<std::string> find_executed(const program::Sysroot& root, const std::string& path,
                                         const std::string& self) {
  if (path == "/proc/self/exe") return root.resolve(self).value_or(self);
  if (path.starts_with('/')) return root.resolve(path);
  if (path.find('/') != std::string::npos) return std::nullopt;  // relative to a working directory we do not know
  for (const char* dir : kSearchPath) {
    if (auto found = root.resolve(fmt::format("{}/{}", dir, path))) return found;
  }
  return std::nullopt;
}

Result<AnalysisResult> analyse_exec_closure(const program::Sysroot& root, const program::Program& program,
                                            const ExecClosureOptions& closure, Diagnostics& diagnostics,
                                            const FactsCache* cache, const AnalysisOptions& options) {
  return Closure(root, program, diagnostics, cache, options).run(closure);
}

}  // namespace sysfence::analysis
