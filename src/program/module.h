#pragma once
/// One loaded ELF object of a Program: its bytes, parsed tables, and what the
/// program model learned about it (its DT_NEEDED edges, PLT stubs, bound imports).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/arch.h"
#include "elf/elf_file.h"
#include "util/mapped_file.h"

namespace sysfence::program {

/// A symbol of a module: `module` indexes Program::modules(), `symbol` its dynamic symbols.
struct SymbolRef {
  uint32_t module = 0;
  uint32_t symbol = 0;
  bool operator==(const SymbolRef&) const = default;
};

/// An undefined dynamic symbol and the definition the loader would bind it to.
struct Import {
  uint32_t symbol = 0;
  std::optional<SymbolRef> definition;  ///< nullopt: unbound (or weak and absent)
};

/// An ELF file mapped together with its parsed form. Movable; the parsed ElfFile keeps
/// pointing at the mapping, whose address a move does not change.
struct LoadedFile {
  MappedFile file;
  elf::ElfFile elf;
};

struct Module {
  std::string path;          ///< canonical path inside the sysroot (a host path for a
                             ///< binary given from outside the sysroot)
  std::string requested_as;  ///< the DT_NEEDED name (or the path given for the binary)
  LoadedFile loaded;         ///< loaded.file.path() is where the bytes came from on this machine
  bool is_interpreter = false;
  /// Why the module is loaded at run time rather than by DT_NEEDED (an NSS service named
  /// in /etc/nsswitch.conf), or "". Its exported functions are called through pointers.
  std::string loaded_at_run_time;
  std::vector<uint32_t> needed;  ///< indices of the modules its DT_NEEDED entries bound to
  std::vector<arch::GotSlot> got_slots;
  std::vector<arch::PltStub> plt_stubs;
  std::vector<Import> imports;

  const elf::ElfFile& elf() const { return loaded.elf; }
};

/// Maps and parses `host_path`; errors name `display_name`.
Result<LoadedFile> load_file(const std::string& host_path, const std::string& display_name);

}  // namespace sysfence::program
