#pragma once
/// Architecture identity and the per-architecture backend interface (DESIGN.md arch/,
/// convention 4). Code above arch/ asks a Backend; it never switches on the machine.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "arch/lifted.h"
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

/// The calling and system-call conventions, in the backend's register numbering.
struct Conventions {
  int pointer_size = 8;
  /// The smallest instruction size, to step over bytes that do not decode (x86: 1;
  /// Thumb code always steps by 2, whatever this says).
  int instruction_step = 4;
  Reg stack_pointer = kNoReg;
  /// Register holding the syscall number at the syscall instruction (rax, x8, r7, v0).
  Reg syscall_number = kNoReg;
  /// Registers holding syscall arguments 1..n at the syscall instruction.
  std::vector<Reg> syscall_args;
  /// Syscall arguments passed on the stack after those registers, as offsets from the
  /// stack pointer at the syscall instruction (MIPS o32: arguments 5 and 6 at sp+16, sp+20).
  std::vector<int64_t> syscall_stack_args;
  /// Registers holding function arguments 1..n at a call.
  std::vector<Reg> call_args;
  /// Function arguments after those registers, as offsets from the stack pointer at the
  /// callee's first instruction (x86-64: 8, 16, … past the return address; ARM: 0, 4, …;
  /// MIPS: 4, 8, …, o32's from 16 on past the home area of a0–a3, Go's ABI0's from 4).
  std::vector<int64_t> stack_params;
  /// The ABI saves the global pointer right above the outgoing stack arguments (MIPS
  /// o32's `.cprestore N`: `sw gp, N(sp)`, N = 16 + the most stack argument bytes any call
  /// of the function passes): a call passes no stack parameter at or above that slot.
  bool stack_arguments_below_global_pointer_save = false;
  /// The callee's entry stack pointer minus the caller's at a call instruction (x86-64:
  /// -8, the pushed return address; 0 where the return address goes in a register).
  int64_t call_stack_adjust = 0;
  Reg return_value = kNoReg;
  /// Registers a called function may change (caller-saved, including return registers).
  std::vector<Reg> call_clobbered;
  /// The register a call leaves its return address in (lr, x30, ra), or kNoReg (x86-64
  /// pushes it): changed by every call, whatever the callee does.
  Reg link_register = kNoReg;
  /// Registers a syscall instruction changes besides the return value.
  std::vector<Reg> syscall_clobbered;
  /// Registers of the lifted form that are no input of a function (a lifter's scratch
  /// register, vector registers tracked only for the zeroing idiom): unknown at entry.
  std::vector<Reg> not_inputs;
  /// A jump through a plain register is never a jump table (ARM: compilers switch with
  /// `ldr pc, [pc, rN, lsl #2]`, `add pc, pc, …`, tbb/tbh; `bx rN` is a tail call),
  /// so it gives no reason to sweep a function of unknown size for switch cases.
  bool register_jumps_are_calls = false;
  /// Compilers place literal pools in the code, after the last instruction of a function
  /// (ARM): bytes that decode as instructions but are data.
  bool literal_pools_in_code = false;
  /// Every address of the module's data that code uses appears as a constant in the
  /// analysis (x86-64 rip-relative operands, AArch64 adrp, ARM's pc- and GOT-relative
  /// offsets with got_relative_data): data no analysed function names is out of the
  /// program's reach. MIPS reaches its data through `global_pointer`: complete in a
  /// module whose global pointer Backend::global_pointer knows.
  bool data_references_complete = false;
  /// Code forms a data address in one instruction (x86-64's rip-relative `lea`), so the
  /// lifted form's additions to constants give members of objects, never their starts
  /// (computed_data_addresses learns nothing from them). Elsewhere an address is built
  /// from two parts (AArch64 `adrp` + `add`, MIPS GOT page + `addiu`, ARM literal + pc).
  bool addresses_in_one_instruction = false;
  /// Position-independent code reaches data as the GOT's address plus an offset from a
  /// literal pool (ARM: R_ARM_GOTOFF32, R_ARM_GOT_BREL), and its own pc plus one. Where
  /// the analysis lost the GOT's address, the offset added to an unknown value still
  /// names the data (ModuleCode::got_base); where it lost the offset added to the pc,
  /// nothing does, and all of the module's data counts as reached.
  bool got_relative_data = false;
  /// The register the ABI keeps pointing into the running module's GOT (MIPS $gp), or
  /// kNoReg. Where Backend::global_pointer knows its value, every function of the
  /// module is entered with it.
  Reg global_pointer = kNoReg;
};

/// A code address as stored in a pointer: ARM keeps the instruction set in bit 0.
struct CodePointer {
  uint64_t address = 0;
  bool thumb = false;
};

/// Decodes and lifts machine code. Holds Capstone handles: one per thread.
class Lifter {
 public:
  virtual ~Lifter() = default;
  /// Lifts the instruction at the start of `code` (located at `address`); for MIPS,
  /// `code` must extend past a branch to include its delay slot. nullopt for bytes that
  /// do not decode (the caller treats that as a Stop).
  virtual std::optional<LiftedInsn> lift(std::span<const uint8_t> code, uint64_t address, bool thumb) = 0;
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
  /// Slots the loader relocates by the load base without a relocation record (the MIPS
  /// local GOT); empty elsewhere.
  virtual std::vector<uint64_t> implicit_relative_slots(const elf::ElfFile&) const { return {}; }
  /// GOT entries bound without a relocation (MIPS global GOT); empty elsewhere.
  virtual std::vector<GotSlot> implicit_got_slots(const elf::ElfFile&) const { return {}; }

  /// Number of registers in this backend's numbering (every Reg is below it).
  virtual Reg register_count() const = 0;
  virtual const Conventions& conventions() const = 0;
  /// A new lifter for this architecture.
  virtual Result<std::unique_ptr<Lifter>> make_lifter() const = 0;
  /// Function starts recognisable by a prologue the ABI fixes, within the code `ranges`
  /// of `file`; for code without symbols or unwind tables. Empty by default.
  virtual std::vector<uint64_t> prologue_starts(const elf::ElfFile& /*file*/,
                                                const std::vector<std::pair<uint64_t, uint64_t>>& /*ranges*/) const {
    return {};
  }
  /// Register values the ABI guarantees at a function's first instruction, besides
  /// parameters (MIPS PIC: t9 holds the function's own address).
  virtual std::vector<std::pair<Reg, uint64_t>> entry_values(uint64_t /*function*/) const { return {}; }
  /// The value Conventions::global_pointer holds whenever code of `file` (code `ranges`)
  /// runs, when the ABI fixes one value for the whole module and its code agrees;
  /// nullopt otherwise and by default.
  virtual std::optional<uint64_t> global_pointer(const elf::ElfFile& /*file*/,
                                                 const std::vector<std::pair<uint64_t, uint64_t>>& /*ranges*/) const {
    return std::nullopt;
  }
  /// Whether `code`, in the given instruction set, can be the first bytes of a function:
  /// a check for code pointers nothing else vouches for (words in a stripped static
  /// program's data). True unless the ABI rules it out.
  virtual bool may_start_function(std::span<const uint8_t> /*code*/, bool /*thumb*/) const { return true; }
  /// Splits a stored code pointer into address and instruction set.
  virtual CodePointer code_pointer(uint64_t value) const { return {value, false}; }
};

/// The backend for an ELF header, or an error naming the file and the unsupported
/// machine/class/byte order.
Result<std::unique_ptr<Backend>> backend_for(const elf::ElfFile& file);

/// True when two files could be loaded into one process (same machine, class, order).
bool same_abi(const elf::Header& a, const elf::Header& b);

}  // namespace sysfence::arch
