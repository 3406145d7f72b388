#pragma once
/// The small register-transfer form every architecture backend lifts machine code into
/// (DESIGN.md arch/ + disasm/). The value analysis only ever sees this form, so it never
/// switches on the architecture. Soundness rule for lifters: every register an
/// instruction writes must appear as the `dst` of some transfer; anything the lifter does
/// not model precisely is a `Clobber` (value unknown).

#include <cstdint>
#include <optional>
#include <vector>

namespace sysfence::arch {

/// A register in the backend's dense numbering [0, Backend::register_count()).
using Reg = uint8_t;
inline constexpr Reg kNoReg = 0xff;

/// The widest memory access a lifter reports (an x86 zmm register), in bytes.
inline constexpr int64_t kMaxAccessWidth = 64;

/// One register transfer, executed in order within an instruction.
struct Transfer {
  enum class Op : uint8_t {
    Set,      ///< dst = imm
    AddImm,   ///< dst = src + imm, modulo 2^(8 * width) when `width` is set (also plain moves:
              ///< imm = 0; subtraction: imm < 0)
    OrImm,    ///< dst = src | imm
    AndImm,   ///< dst = src & imm
    AddReg,   ///< dst = src + src2, modulo 2^(8 * width) when `width` is set
    ShlImm,   ///< dst = src << imm, modulo 2^(8 * width) when `width` is set
    OrReg,    ///< dst = src | src2
    AndReg,   ///< dst = src & src2
    XorImm,   ///< dst = src ^ imm
    XorReg,   ///< dst = src ^ src2
    Load,     ///< dst = memory[src + imm], `width` bytes, zero-extended (src kNoReg: absolute)
    Store,    ///< memory[src + imm] = src2 (or `value` when src2 is kNoReg), `width` bytes
    SignExtend,  ///< dst = src's low `width` bytes, sign-extended to the register
    Clobber,  ///< dst = unknown
    Forget,   ///< memory[src + imm], `width` bytes, becomes unknown (a store of an unmodelled value)
    Scribble,  ///< memory at an unknown offset from src (kNoReg: anywhere) may be written
  };
  Op op = Op::Clobber;
  Reg dst = kNoReg;
  Reg src = kNoReg;
  Reg src2 = kNoReg;
  int64_t imm = 0;
  int64_t value = 0;  ///< Store of a constant
  uint8_t width = 0;  ///< Load/Store size in bytes; SignExtend: the source's; AddImm, AddReg, ShlImm: the result's
  bool sign_extend = false;  ///< Load: sign-extend from `width` bytes instead of zero-extending
  /// The write may not happen (an ARM conditional instruction): `dst` then holds its old
  /// value or the new one.
  bool keeps_old = false;

  /// Whether it reads or writes memory at src + imm.
  bool accesses_memory() const { return op == Op::Load || op == Op::Store || op == Op::Forget; }

  static Transfer set(Reg dst, int64_t imm) { return {Op::Set, dst, kNoReg, kNoReg, imm}; }
  static Transfer add_imm(Reg dst, Reg src, int64_t imm, uint8_t width = 0) {
    Transfer t{Op::AddImm, dst, src, kNoReg, imm};
    t.width = width;
    return t;
  }
  static Transfer or_imm(Reg dst, Reg src, int64_t imm) { return {Op::OrImm, dst, src, kNoReg, imm}; }
  static Transfer shl_imm(Reg dst, Reg src, int64_t amount, uint8_t width = 0) {
    Transfer t{Op::ShlImm, dst, src, kNoReg, amount};
    t.width = width;
    return t;
  }
  static Transfer and_imm(Reg dst, Reg src, int64_t imm) { return {Op::AndImm, dst, src, kNoReg, imm}; }
  static Transfer add_reg(Reg dst, Reg a, Reg b, uint8_t width = 0) {
    Transfer t{Op::AddReg, dst, a, b, 0};
    t.width = width;
    return t;
  }
  static Transfer or_reg(Reg dst, Reg a, Reg b) { return {Op::OrReg, dst, a, b, 0}; }
  static Transfer and_reg(Reg dst, Reg a, Reg b) { return {Op::AndReg, dst, a, b, 0}; }
  static Transfer xor_imm(Reg dst, Reg src, int64_t imm) { return {Op::XorImm, dst, src, kNoReg, imm}; }
  static Transfer xor_reg(Reg dst, Reg a, Reg b) { return {Op::XorReg, dst, a, b, 0}; }
  static Transfer load(Reg dst, Reg base, int64_t disp, uint8_t width, bool sign_extend = false) {
    Transfer t{Op::Load, dst, base, kNoReg, disp};
    t.width = width;
    t.sign_extend = sign_extend;
    return t;
  }
  static Transfer store(Reg base, int64_t disp, Reg value_reg, uint8_t width) {
    Transfer t{Op::Store, kNoReg, base, value_reg, disp};
    t.width = width;
    return t;
  }
  static Transfer store_const(Reg base, int64_t disp, int64_t value, uint8_t width) {
    Transfer t{Op::Store, kNoReg, base, kNoReg, disp};
    t.value = value;
    t.width = width;
    return t;
  }
  static Transfer sign_extension(Reg dst, Reg src, uint8_t width) {
    Transfer t{Op::SignExtend, dst, src};
    t.width = width;
    return t;
  }
  static Transfer clobber(Reg dst) { return {Op::Clobber, dst}; }
  /// A store the form cannot place: an indexed address (`mov [rdi+rax*4], ecx`) or an
  /// unmodelled instruction's memory operand, through `base`.
  static Transfer scribble(Reg base) { return {Op::Scribble, kNoReg, base}; }
  static Transfer forget(Reg base, int64_t disp, uint8_t width) {
    Transfer t{Op::Forget, kNoReg, base, kNoReg, disp};
    t.width = width;
    return t;
  }
};

/// How control leaves an instruction.
enum class Flow : uint8_t {
  Next,          ///< falls through to `next`
  Jump,          ///< to `target` only (a tail call when `target` starts another function)
  Branch,        ///< to `target` or `next`
  Call,          ///< calls `target`, then continues at `next`
  IndirectCall,  ///< calls through `indirect`, then continues at `next`
  IndirectJump,  ///< jumps through `indirect` (jump table or tail call through a pointer)
  Return,
  Switch,        ///< to one of `cases`: a jump table the lifter reads (Thumb's tbb/tbh)
  Syscall,       ///< a system call instruction; continues at `next`
  Stop,          ///< trap, undefined or halting instruction: no successor
};

/// Where an indirect call or jump gets its target: a register, or memory at
/// `base + disp` (base kNoReg: absolute address, e.g. a GOT slot). Neither (reg kNoReg
/// and memory false) means the target is not modelled (e.g. an indexed jump table).
struct IndirectTarget {
  Reg reg = kNoReg;
  bool memory = false;
  Reg base = kNoReg;
  int64_t disp = 0;
};

/// A conditional branch that tests one whole register against zero (MIPS `beqz`,
/// `bnez`; ARM and AArch64 `cbz`, `cbnz` on a full-width register; ARM and x86-64
/// `beq`/`bne`, `je`/`jne` right after a compare with 0): on one of its edges the
/// register holds 0.
struct ZeroTest {
  Reg reg = kNoReg;
  bool zero_when_taken = true;  ///< else zero where the branch falls through
  /// The test is the flags of the compare right before the branch (ARM `cmp rN, #0;
  /// beq`): it holds only where control comes from that compare, not from a jump to
  /// the branch itself.
  bool after_compare = false;
};

/// A memory operand as base register + displacement (base kNoReg: an absolute address,
/// e.g. rip-relative); an index register, if any, is left out.
struct MemoryOperand {
  Reg base = kNoReg;
  int64_t disp = 0;
};

/// One decoded machine instruction in register-transfer form. The analysis applies the
/// transfers first and then reads `indirect` (so `ldr pc, [ip, #8]!` is ip += 8 followed
/// by a jump through [ip]); `opaque_reads` are read before the transfers.
struct LiftedInsn {
  uint64_t address = 0;
  uint64_t next = 0;  ///< address execution continues at (after any delay slot)
  Flow flow = Flow::Next;
  std::optional<uint64_t> target;  ///< direct Jump/Branch/Call target
  /// For ARM: the instruction set at `target` (a `blx` switches). Ignored elsewhere.
  std::optional<bool> target_thumb;
  IndirectTarget indirect;
  /// Flow::Switch: every address the table can send control to, in the instruction set
  /// of the switching code.
  std::vector<uint64_t> cases;
  /// The flow happens only when a condition holds (ARM condition codes and IT blocks,
  /// e.g. `bxeq lr`, `svcne 0`); otherwise execution continues at `next`.
  bool conditional = false;
  /// Flow::Branch: the register it tests against zero, if that is all it tests (and no
  /// transfer of the instruction, a MIPS delay slot, writes that register).
  std::optional<ZeroTest> zero_test;
  /// Effects in execution order. On MIPS a branch's delay-slot instruction is folded in
  /// here (it runs before control transfers); `next` then skips it.
  std::vector<Transfer> transfers;
  /// Registers the instruction reads in ways no transfer expresses (the unmodelled
  /// fallback: e.g. `movq xmm0, rdi`). A code address in one of them escapes.
  std::vector<Reg> opaque_reads;
  /// The instruction's memory operand, whether its access is modelled or not (a vector
  /// load from a table), except the one an indirect call or jump goes through; read in
  /// the state before the transfers. The data it names is data the code can reach.
  std::optional<MemoryOperand> memory;
};

}  // namespace sysfence::arch
