#pragma once
/// The `sysfence` command line: parses `argv` and runs the subcommand it names.

namespace sysfence::cli {

/// Runs `sysfence ARGS…` in this process and returns its exit status (0 ok, 1 a check
/// failed or a profile is incomplete, 2 usage or input error). Output goes to stdout and
/// stderr as the executable's does.
int run_sysfence(int argc, char** argv);

}  // namespace sysfence::cli
