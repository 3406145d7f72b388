#include "arch/arch.h"

#include <elf.h>

#include <fmt/format.h>

#include "arch/aarch64/aarch64_backend.h"
#include "arch/arm/arm_backend.h"
#include "arch/i386/i386_backend.h"
#include "arch/mips/mips_backend.h"
#include "arch/x86_64/x86_64_backend.h"

namespace sysfence::arch {

Result<std::unique_ptr<Backend>> backend_for(const elf::ElfFile& file) {
  const elf::Header& h = file.header();
  const bool little = h.order == ByteOrder::Little;
  std::unique_ptr<Backend> backend;
  if (h.machine == EM_X86_64 && h.bits == 64 && little) backend = std::make_unique<X86_64Backend>();
  if (h.machine == EM_AARCH64 && h.bits == 64 && little) backend = std::make_unique<AArch64Backend>();
  if (h.machine == EM_ARM && h.bits == 32 && little) backend = std::make_unique<ArmBackend>();
  if (h.machine == EM_MIPS && h.bits == 32) backend = std::make_unique<MipsBackend>(little);
  if (h.machine == EM_386 && h.bits == 32 && little) backend = std::make_unique<I386Backend>();
  if (backend) return backend;
  return Error{fmt::format("{}: unsupported architecture: e_machine {} ({}-bit, {} endian)",
                           file.name(), h.machine, h.bits, little ? "little" : "big")};
}

bool same_abi(const elf::Header& a, const elf::Header& b) {
  return a.machine == b.machine && a.bits == b.bits && a.order == b.order;
}

}  // namespace sysfence::arch
