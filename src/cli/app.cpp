#include "cli/app.h"

#include <string>

#include "cli/commands.h"

namespace sysfence::cli {

int run_sysfence(int argc, char** argv) {
  CLI::App app{"sysfence: finds the system calls (and argument values) a Linux program can make, "
               "from its ELF files inside a firmware root, and writes seccomp profiles."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("sysfence ") + SYSFENCE_VERSION);
  int status = 2;
  add_info_command(app, status);
  add_analyze_command(app, status);
  add_analyze_root_command(app, status);
  add_explain_command(app, status);
  add_check_command(app, status);
  add_run_command(app, status);
  add_trace_command(app, status);
  add_cve_command(app, status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // DESIGN.md: usage errors exit 2, whatever CLI11's own code is
  }
  return status;
}

}  // namespace sysfence::cli
