#include "policy/container_runtimes.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "analysis/syscall_names.h"

namespace sysfence::data {
extern const char kContainerRuntimesJson[];  // data/container_runtimes.json, compiled in by src/CMakeLists.txt
}

namespace sysfence::policy {
namespace {

analysis::ArgumentTuple tuple_of(const nlohmann::json& args) {
  analysis::ArgumentTuple tuple;
  for (const auto& [index, values] : args.items()) {
    tuple[static_cast<uint8_t>(std::stoi(index))] = values.get<std::vector<uint64_t>>();
  }
  return tuple;
}

std::vector<ContainerRuntime> parse_table() {
  // The file is checked by tests/container_runtimes_test.cpp; a malformed one fails the tests.
  const auto json = nlohmann::json::parse(data::kContainerRuntimesJson);
  std::vector<ContainerRuntime> runtimes;
  for (const auto& [name, entry] : json.at("runtimes").items()) {
    ContainerRuntime runtime{name, entry.at("version").get<std::string>(), {}};
    for (const auto& call : entry.at("syscalls")) {
      runtime.syscalls.push_back({call.at("names").get<std::vector<std::string>>(), tuple_of(call.value("args", nlohmann::json::object())),
                                  tuple_of(call.value("args_mips", nlohmann::json::object()))});
    }
    runtimes.push_back(std::move(runtime));
  }
  return runtimes;
}

bool is_mips(std::string_view arch) { return arch.substr(0, 4) == "mips"; }

/// Allows `nr` with `tuple` (any arguments when empty) on top of what `result` allows.
void allow(analysis::AnalysisResult& result, uint64_t nr, const analysis::ArgumentTuple& tuple,
           const std::string& reason) {
  if (!result.syscalls.count(nr) && !result.implied.count(nr)) {
    result.implied.emplace(nr, reason);
    analysis::SyscallArguments arguments;
    arguments.any = tuple.empty();
    if (!tuple.empty()) arguments.tuples.insert(tuple);
    result.arguments[nr] = std::move(arguments);
    return;
  }
  analysis::SyscallArguments& arguments = result.arguments[nr];
  if (!arguments.constrained()) return;  // already allowed with any arguments
  if (tuple.empty()) {
    arguments.any = true;
    arguments.tuples.clear();
  } else {
    arguments.tuples.insert(tuple);
  }
}

}  // namespace

const std::vector<ContainerRuntime>& container_runtimes() {
  static const std::vector<ContainerRuntime> runtimes = parse_table();
  return runtimes;
}

Result<std::vector<const ContainerRuntime*>> runtimes_named(std::string_view list) {
  std::vector<const ContainerRuntime*> named;
  if (list == "none") return named;
  std::vector<std::string> known;
  for (const ContainerRuntime& r : container_runtimes()) known.push_back(r.name);
  size_t start = 0;
  while (start <= list.size()) {
    const size_t end = std::min(list.find(',', start), list.size());
    const std::string_view name = list.substr(start, end - start);
    auto it = std::find_if(container_runtimes().begin(), container_runtimes().end(),
                           [&](const ContainerRuntime& r) { return r.name == name; });
    if (it == container_runtimes().end()) {
      return Error{fmt::format("unknown runtime \"{}\" (known: {}, or none)", name, fmt::join(known, ", "))};
    }
    if (std::find(named.begin(), named.end(), &*it) == named.end()) named.push_back(&*it);
    start = end + 1;
  }
  return named;
}

void add_runtime_syscalls(analysis::AnalysisResult& result, const std::vector<const ContainerRuntime*>& runtimes) {
  const analysis::SyscallNames names(result.arch);
  for (const ContainerRuntime* runtime : runtimes) {
    const std::string reason =
        fmt::format("{} {} makes it after it loads the container's filter, before it runs the program", runtime->name,
                    runtime->version);
    for (const RuntimeSyscall& call : runtime->syscalls) {
      const analysis::ArgumentTuple& tuple = is_mips(result.arch) && !call.args_mips.empty() ? call.args_mips : call.args;
      for (const std::string& name : call.names) {
        if (auto nr = names.number(name)) allow(result, *nr, tuple, reason);
      }
    }
  }
}

}  // namespace sysfence::policy
