#pragma once
/// Architecture identity and the per-architecture backend interface (DESIGN.md arch/,
/// convention 4). Code above arch/ asks a Backend; it never switches on the machine.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "elf/elf_file.h"
#include "util/result.h"

namespace sysfence::arch {

/// A PLT (or MIPS lazy-binding) stub: calling `address` reaches the import that the
/// dynamic symbol `symbol` names.
struct PltStub {
  uint64_t address = 0;
  uint32_t symbol = 0;
};

/// A GOT entry the loader fills with the address of a dynamic symbol.
struct GotSlot {
  uint64_t address = 0;
  uint32_t symbol = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  /// libseccomp's name for the architecture ("x86_64", "aarch64", "arm", "mips", "mipsel").
  virtual std::string_view name() const = 0;
  /// Whether later stages can analyse code for this architecture.
  virtual bool analysable() const { return true; }
  /// Multiarch triplet directories Debian uses for this architecture, most likely first.
  virtual std::vector<std::string> multiarch_triplets() const = 0;
  /// The PLT / lazy-binding stubs of `file`, each mapped to the dynamic symbol it calls.
  /// `slots` are the file's GOT entries (from relocations and implicit_got_slots).
  virtual std::vector<PltStub> plt_stubs(const elf::ElfFile& file,
                                         const std::vector<GotSlot>& slots) const = 0;
  /// GOT entries bound without a relocation (MIPS global GOT); empty elsewhere.
  virtual std::vector<GotSlot> implicit_got_slots(const elf::ElfFile&) const { return {}; }
};

/// The backend for an ELF header, or an error naming the file and the unsupported
/// machine/class/byte order.
Result<std::unique_ptr<Backend>> backend_for(const elf::ElfFile& file);

/// True when two files could be loaded into one process (same machine, class, order).
bool same_abi(const elf::Header& a, const elf::Header& b);

}  // namespace sysfence::arch
