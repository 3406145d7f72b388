#pragma once
/// Function boundaries of Go code from the table Go's runtime itself reads: `.gopclntab`
/// lists every function the Go linker placed (Go and assembly, the runtime's included)
/// with its entry and name, and survives `-s -w` and strip (Go's traceback and garbage
/// collector need it). Go emits no .eh_frame, so in a stripped Go program this is the
/// only record of where functions start and end.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "elf/elf_file.h"
#include "util/diagnostics.h"

namespace sysfence::cfg {

struct GoFunction {
  uint64_t entry = 0;
  uint64_t size = 0;  ///< up to the next function's entry (the alignment padding included)
  std::string name;   ///< "runtime.morestack", "main.main", …
  /// How many bytes its arguments and results take in Go's stack ABI (`args`: above the
  /// entry's stack pointer and the word there, the return address or the saved link
  /// register's slot); nullopt where the table does not know (assembly that declares none).
  std::optional<uint32_t> argument_bytes;
};

/// The functions `.gopclntab` lists, in the layouts of Go 1.16 and later (the header's
/// magic says which); empty without such a section. A table that does not check out (a
/// layout this reader does not know, offsets outside the section, entries out of order)
/// yields the functions before the damage and a warning.
std::vector<GoFunction> read_go_functions(const elf::ElfFile& file, Diagnostics& diagnostics);

}  // namespace sysfence::cfg
