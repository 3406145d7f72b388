#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "enforce/ptrace_tracer.h"

namespace sysfence::cli {
namespace {

struct TraceOptions {
  std::string output;
  std::vector<std::string> command;
};

int run_trace(const TraceOptions& options) {
  std::ofstream file;
  if (!options.output.empty() && options.output != "-") {
    file.open(options.output, std::ios::trunc);
    if (!file) {
      std::cerr << fmt::format("sysfence: {}: cannot write\n", options.output);
      return 2;
    }
  }
  std::ostream& out = file.is_open() ? file : std::cerr;
  auto status = enforce::trace_command(options.command, out);
  if (!status) {
    std::cerr << "sysfence: " << status.error().message << "\n";
    return options.command.empty() ? 2 : 127;
  }
  if (file.is_open() && !file.flush()) {
    std::cerr << fmt::format("sysfence: {}: cannot write\n", options.output);
    return 2;
  }
  return *status;
}

}  // namespace

void add_trace_command(CLI::App& app, int& status) {
  auto options = std::make_shared<TraceOptions>();
  CLI::App* sub = app.add_subcommand("trace", "Trace a command's syscalls (ptrace) as JSON lines `check` reads");
  sub->footer(
      "Children and threads are followed; each line is {pid, arch, name, nr, args} with the raw register values. "
      "Exit status: the command's.");
  sub->add_option("-o,--output", options->output, "Write the trace here (default: stderr, like strace)");
  sub->add_option("command", options->command, "The command and its arguments (after --)")->required();
  sub->callback([options, &status] { status = run_trace(*options); });
}

}  // namespace sysfence::cli
