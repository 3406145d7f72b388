#pragma once
/// Architecture identity and the per-architecture backend interface (DESIGN.md arch/,
/// convention 4). Code above arch/ asks a Backend; it never switches on the machine.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "elf/elf_file.h"
#include "util/result.h"

namespace sysfence::arch {

/// A GOT entry the loader fills: with the address of dynamic symbol `symbol`, or, for
/// an IRELATIVE relocation (GNU ifunc), with what the module's own function at
/// `resolver` returns (then `symbol` is 0).
struct GotSlot {
  uint64_t address = 0;
  uint32_t symbol = 0;
  std::optional<uint64_t> resolver;
};

/// A PLT (or MIPS lazy-binding) stub: calling `address` reaches the import that the
/// dynamic symbol `symbol` names, or the ifunc whose resolver is `resolver`.
struct PltStub {
  uint64_t address = 0;
  uint32_t symbol = 0;
  std::optional<uint64_t> resolver;

  static PltStub through(uint64_t address, const GotSlot& slot) { return {address, slot.symbol, slot.resolver}; }
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
  /// Whether relocation `type` is this architecture's IRELATIVE (ifunc) relocation.
  virtual bool is_irelative(uint32_t type) const = 0;
  /// GOT entries bound without a relocation (MIPS global GOT); empty elsewhere.
  virtual std::vector<GotSlot> implicit_got_slots(const elf::ElfFile&) const { return {}; }
};

/// The backend for an ELF header, or an error naming the file and the unsupported
/// machine/class/byte order.
Result<std::unique_ptr<Backend>> backend_for(const elf::ElfFile& file);

/// True when two files could be loaded into one process (same machine, class, order).
bool same_abi(const elf::Header& a, const elf::Header& b);

}  // namespace sysfence::arch
