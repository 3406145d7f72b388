#pragma once
/// Subcommands of the `sysfence` executable. Each `add_*_command` registers a
/// subcommand whose callback stores the process exit status in `status`
/// (0 ok, 1 a check failed, 2 usage or input error).

#include <CLI/CLI.hpp>

namespace sysfence::cli {

/// `sysfence info BINARY [--sysroot DIR]`: the loaded program model as JSON.
void add_info_command(CLI::App& app, int& status);

/// `sysfence analyze BINARY [--sysroot DIR] [-o FILE] [--format native|report|bpf|oci|c|systemd]`.
void add_analyze_command(CLI::App& app, int& status);

/// `sysfence analyze-root ROOTFS [-o DIR] [-j N]`: every ELF program in a firmware root,
/// a profile each and a summary; exit 1 when some program could not be analysed.
void add_analyze_root_command(CLI::App& app, int& status);

/// `sysfence explain BINARY SYSCALL [--sysroot DIR]`: where and through which calls the
/// program makes SYSCALL; exit 1 when it cannot.
void add_explain_command(CLI::App& app, int& status);

/// `sysfence check --policy FILE --trace FILE [--arch ARCH]`: exit 1 when the filter
/// would deny a traced call.
void add_check_command(CLI::App& app, int& status);

/// `sysfence run --policy FILE [--action kill|errno|log|trap] -- CMD...`: CMD under the
/// profile, loaded before exec; exit status CMD's, 2 when the profile cannot be loaded.
void add_run_command(CLI::App& app, int& status);

/// `sysfence trace [-o FILE] -- CMD...`: CMD's syscalls as JSON lines.
void add_trace_command(CLI::App& app, int& status);

/// `sysfence cve --policy FILE [--json]`: the kernel CVEs the profile blocks.
void add_cve_command(CLI::App& app, int& status);

}  // namespace sysfence::cli
