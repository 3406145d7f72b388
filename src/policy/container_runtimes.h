#pragma once
/// What OCI runtimes do after they load a container's seccomp filter: runc and crun keep
/// running in the container's process (closing descriptors, dropping capabilities,
/// changing user) before they exec the program, and the filter judges those calls too.
/// The table is data (data/container_runtimes.json), compiled into the binary.

#include <string>
#include <string_view>
#include <vector>

#include "analysis/program_analysis.h"
#include "util/result.h"

namespace sysfence::policy {

/// One syscall a runtime makes: every name the architecture has, and the values of one
/// argument tuple where they are known (any arguments otherwise).
struct RuntimeSyscall {
  std::vector<std::string> names;
  analysis::ArgumentTuple args;       ///< empty: any arguments
  analysis::ArgumentTuple args_mips;  ///< replaces `args` on MIPS when not empty
};

struct ContainerRuntime {
  std::string name;
  std::string version;
  std::vector<RuntimeSyscall> syscalls;
};

/// Every runtime of the table, parsed once.
const std::vector<ContainerRuntime>& container_runtimes();

/// The runtimes a comma-separated list names ("runc,crun"; "none" for none); an error
/// naming the unknown entry and the known ones otherwise.
Result<std::vector<const ContainerRuntime*>> runtimes_named(std::string_view list);

/// Adds what `runtimes` make after loading the filter to `result`: a syscall the program
/// does not make becomes implied (the runtime and its version as the reason); one it makes
/// with constrained arguments gains the runtime's tuple, or any arguments when the
/// runtime's values are not known.
void add_runtime_syscalls(analysis::AnalysisResult& result, const std::vector<const ContainerRuntime*>& runtimes);

}  // namespace sysfence::policy
