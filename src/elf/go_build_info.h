#pragma once
/// Go programs: the Go linker marks every executable it links with its own sections
/// (`.go.buildinfo`, `.gopclntab`, the `Go` build-ID note), and since Go 1.13 writes the
/// toolchain version and the module's build settings into `.go.buildinfo` (what
/// `go version -m` prints). Go code makes its syscalls through its own runtime, not libc.

#include <map>
#include <optional>
#include <string>

#include "elf/elf_file.h"

namespace sysfence::elf {

struct GoBuildInfo {
  /// The toolchain ("go1.19.8"); empty when the file has Go's sections but no readable
  /// build info (a damaged header, or a release before Go 1.13).
  std::string version;
  /// The main package's import path ("cmd/gofmt"), when the module info names it.
  std::string path;
  /// The module info's `build` settings ("CGO_ENABLED" → "1", "GOARCH" → "arm", …).
  std::map<std::string, std::string> settings;
  /// Whether the program links C code through cgo: it loads a libc (an interpreter or a
  /// needed libc), or defines cgo's entry points (`crosscall2`, `x_cgo_init`). A static
  /// cgo program stripped of its symbols reads as false.
  bool cgo = false;
};

/// Whether `elf` was linked by Go's linker, and what its build info says: nullopt when it
/// has neither Go's sections nor (section headers stripped) the build-info header at a
/// 16-byte boundary of a writable segment. Never fails: what cannot be read stays empty.
std::optional<GoBuildInfo> read_go_build_info(const ElfFile& elf);

}  // namespace sysfence::elf
