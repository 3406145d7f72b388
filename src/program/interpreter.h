#pragma once
/// The program interpreter (PT_INTERP) as the DT_NEEDED search sees it: the glibc loader
/// is found under its soname (libc needs ld-linux-*.so), musl's loader *is* libc and
/// answers for libc.so, libpthread.so.0, libm.so.6 and the rest of its reserved names.

#include <optional>
#include <string>
#include <string_view>

#include "program/module.h"
#include "program/sysroot.h"
#include "util/diagnostics.h"

namespace sysfence::program {

struct Interpreter {
  std::string path;          ///< canonical inside path
  std::string requested_as;  ///< PT_INTERP as written
  std::string soname;
  bool is_musl = false;
  std::optional<LoadedFile> pending;  ///< until it takes its place in the load order
  int module = -1;                    ///< its index in the load order once placed

  /// Whether DT_NEEDED `name` is satisfied by the interpreter itself.
  bool provides(std::string_view name) const;
};

/// Resolves and maps PT_INTERP `requested` inside `root`; nullopt (with a warning) when
/// it is missing or built for another ABI than `abi`.
std::optional<Interpreter> find_interpreter(const Sysroot& root, const std::string& requested,
                                            const elf::Header& abi, Diagnostics& diagnostics);

}  // namespace sysfence::program
