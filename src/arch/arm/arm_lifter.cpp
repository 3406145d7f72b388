// ARM (A32) and Thumb-2 (T32) lifter: Capstone 4 with detail, one handle per instruction
// set, into the register-transfer form of arch/lifted.h.
//
// What is modelled precisely: constant moves (mov/mvn/movw/movt, adr and add/sub with pc),
// add/sub immediate, add register, orr/and/bic immediate, uxtb/uxth, single and double
// loads and stores with immediate or register offsets (pre-index writeback and
// post-index too), literal loads, push/pop and ldm/stm (loads only through sp),
// vpush/vpop. Everything else clobbers every register it writes, forgets the memory it
// stores to and reads its source registers opaquely. Conditional instructions (ARM
// condition codes, Thumb IT blocks) clobber what they write and forget what they store.
// Capstone 4 gaps covered by hand: cs_regs_access misses the destinations of mrc/mrrc and
// ldrexd, vpush/vpop's sp update and NEON post-index register writeback.
#include <capstone/capstone.h>

#include <algorithm>
#include <array>
#include <bit>
#include <utility>

#include "arch/arm/arm_backend.h"
#include "arch/arm/thumb_branch_table.h"
#include "disasm/capstone.h"

namespace sysfence::arch {
namespace {

constexpr Reg kSp = ArmBackend::kSp;
constexpr Reg kLr = ArmBackend::kLr;
constexpr Reg kPc = ArmBackend::kPc;
constexpr Reg kScratch = ArmBackend::kScratch;
constexpr Reg kD0 = ArmBackend::kD0;
constexpr Reg kDoubleCount = ArmBackend::kDoubleCount;

/// Upper bound on the transfers of one instruction: a 16-register ldm/stm gives 17
/// (plus the writeback and an index computation); the generic lowering may add a
/// clobber for each of the 32 D registers.
constexpr size_t kMaxTransfers = 64;
/// No ARM store writes more than this many bytes (vstm/vpush of 16 D registers: 128);
/// Transfer::width is a byte.
constexpr uint32_t kMaxStoreBytes = 255;

/// Our number for a Capstone core register, kNoReg for anything else (VFP, status, …).
Reg gpr(int reg) {
  if (reg >= ARM_REG_R0 && reg <= ARM_REG_R12) return static_cast<Reg>(reg - ARM_REG_R0);
  switch (reg) {
    case ARM_REG_SP: return kSp;
    case ARM_REG_LR: return kLr;
    case ARM_REG_PC: return kPc;
    default: return kNoReg;
  }
}

/// Bytes a VFP/NEON register occupies in memory; 0 for any other register.
uint32_t fp_register_bytes(int reg) {
  if (reg >= ARM_REG_S0 && reg <= ARM_REG_S31) return 4;
  if (reg >= ARM_REG_D0 && reg <= ARM_REG_D31) return 8;
  if (reg >= ARM_REG_Q0 && reg <= ARM_REG_Q15) return 16;
  return 0;
}

/// The D registers a VFP/NEON register occupies, as a bit set over d0..d31 (s2n and
/// s2n+1 are halves of dn, qn is d2n and d2n+1); 0 for any other register.
uint32_t double_registers(int reg) {
  if (reg >= ARM_REG_S0 && reg <= ARM_REG_S31) return 1u << ((reg - ARM_REG_S0) / 2);
  if (reg >= ARM_REG_D0 && reg <= ARM_REG_D31) return 1u << (reg - ARM_REG_D0);
  if (reg >= ARM_REG_Q0 && reg <= ARM_REG_Q15) return 3u << (2 * (reg - ARM_REG_Q0));
  return 0;
}

int64_t u32(int64_t v) { return static_cast<uint32_t>(v); }

/// Size of the Thumb instruction whose first halfword is `hw` (ARM ARM A6.1).
unsigned thumb_size(uint16_t hw) { return (hw >> 11) >= 0x1d ? 4 : 2; }

/// `IT{x{y{z}}} firstcond`: 1011 1111 cond mask, mask != 0 (mask 0 encodes nop hints).
bool is_it(uint16_t hw) { return (hw & 0xff00) == 0xbf00 && (hw & 0xf) != 0; }

/// Thumb IT blocks. Capstone 4 keeps IT state inside its handle and applies it to
/// whatever it decodes next, at any address, so a lifter that is not called strictly in
/// sequence would get conditions on unrelated instructions. The lifter therefore never
/// lets Capstone see an IT instruction and tracks the blocks itself, by address: when an
/// IT is lifted, the addresses of its (up to four) instructions are worked out from the
/// bytes that follow, and lifting one of them later says whether it is conditional.
/// A few recent blocks are remembered, so a caller may lift other code in between.
class ItBlocks {
 public:
  void start(uint64_t it_address, uint16_t it, std::span<const uint8_t> code) {
    const unsigned firstcond = (it >> 4) & 0xf;
    const unsigned mask = it & 0xf;
    newest_ = (newest_ + 1) % blocks_.size();
    Block& b = blocks_[newest_];
    b.count = static_cast<uint8_t>(4 - std::countr_zero(mask));
    for (unsigned k = 0; k < b.count; ++k) {
      // ITSTATE shifts left after each instruction: the k-th condition is firstcond[3:1]
      // followed by mask bit 4-k (ARM ARM A7.3.3).
      const unsigned cond = k == 0 ? firstcond : (firstcond & 0xe) | ((mask >> (4 - k)) & 1);
      b.conditional[k] = cond != 0xe;  // "AL" blocks (it al) execute unconditionally
    }
    b.address[0] = it_address + 2;
    b.known = 1;
    uint64_t offset = 2;
    while (b.known < b.count && offset + 2 <= code.size()) {
      offset += thumb_size(static_cast<uint16_t>(code[offset] | code[offset + 1] << 8));
      b.address[b.known++] = it_address + offset;
    }
  }

  /// Whether the Thumb instruction at `address` (`size` bytes long) sits in a known IT
  /// block under a condition other than AL.
  bool conditional(uint64_t address, unsigned size) {
    bool result = false;
    for (Block& b : blocks_) {
      for (unsigned k = 0; k < b.known; ++k) {
        if (b.address[k] != address) continue;
        // The bytes given with the IT may have ended early: extend as the block is lifted.
        if (k + 1 == b.known && b.known < b.count) b.address[b.known++] = address + size;
        result = result || b.conditional[k];
        break;
      }
    }
    return result;
  }

 private:
  struct Block {
    std::array<uint64_t, 4> address{};
    std::array<bool, 4> conditional{};
    uint8_t count = 0;
    uint8_t known = 0;
  };
  std::array<Block, 4> blocks_{};
  size_t newest_ = 0;
};

/// A memory address as the lifted form expresses it: `base + disp` (base kNoReg:
/// absolute; kScratch: computed into the scratch register by an earlier transfer).
struct Address {
  Reg base = kNoReg;
  int64_t disp = 0;
  /// For an address computed into kScratch from a register and an index: that register.
  Reg indexed_from = kNoReg;
  Address plus(int64_t more) const { return {base, disp + more, indexed_from}; }
};

/// Lifts one decoded instruction into `out` (flow, target, indirect) and `buffer`
/// (transfers; `run` returns how many).
class Lowering {
 public:
  Lowering(const cs_insn& insn, csh handle, bool thumb, bool conditional,
           std::array<Transfer, kMaxTransfers>& buffer, LiftedInsn& out)
      : insn_(insn),
        arm_(insn.detail->arm),
        handle_(handle),
        thumb_(thumb),
        conditional_(conditional),
        buffer_(buffer),
        out_(out) {}

  /// Fills `out` (flow, targets, opaque reads); returns how many transfers are in `buffer`.
  size_t run() {
    if (!lower() || overflow_) {
      n_ = 0;
      overflow_ = false;
      opaque_ = 0;
      out_.flow = Flow::Next;
      out_.conditional = false;
      out_.target.reset();
      out_.target_thumb.reset();
      out_.indirect = {};
      lower_generic();
    }
    if (opaque_ != 0) {
      out_.opaque_reads.reserve(static_cast<size_t>(std::popcount(opaque_)));
      for (Reg r = 0; r < kPc; ++r) {
        if ((opaque_ & (1u << r)) != 0) out_.opaque_reads.push_back(r);
      }
    }
    return n_;
  }

 private:
  // ---- operands and values ------------------------------------------------------------

  unsigned count() const { return arm_.op_count; }
  const cs_arm_op& op(unsigned i) const { return arm_.operands[i]; }
  bool is_reg(unsigned i) const {
    return i < count() && op(i).type == ARM_OP_REG && gpr(op(i).reg) != kNoReg;
  }
  bool is_imm(unsigned i) const { return i < count() && op(i).type == ARM_OP_IMM; }
  /// Immediate operand i, with a split rotation (see lower_data) folded in.
  int64_t imm(unsigned i) const { return rotated_ && i + 2 == count() ? *rotated_ : op(i).imm; }
  bool is_mem(unsigned i) const { return i < count() && op(i).type == ARM_OP_MEM; }
  Reg reg(unsigned i) const { return gpr(op(i).reg); }
  /// A register operand used as is: no shift, not subtracted.
  static bool plain(const cs_arm_op& o) {
    return o.type == ARM_OP_REG && o.shift.type == ARM_SFT_INVALID && !o.subtracted;
  }

  /// A register operand shifted left by a constant (`r3, lsl #15`): the amount.
  static std::optional<int64_t> shifted_left(const cs_arm_op& o) {
    if (o.type != ARM_OP_REG || o.shift.type != ARM_SFT_LSL || o.subtracted || o.shift.value > 31) return std::nullopt;
    return o.shift.value;
  }

  /// What reading pc gives: the instruction's address plus 8 (ARM) or 4 (Thumb).
  int64_t pc() const { return u32(insn_.address + (thumb_ ? 4 : 8)); }
  /// The base of pc-relative addressing (adr, literal loads): Thumb uses Align(pc, 4).
  int64_t literal_base() const { return thumb_ ? u32((insn_.address + 4) & ~uint64_t{3}) : pc(); }

  /// Capstone 4 is not consistent about the sign of a subtracted offset: ARM addressing
  /// mode 3 reports `disp = -6` with `subtracted` set, a post-index `#-4` in ARM mode
  /// `imm = 4` with `subtracted`, the same in Thumb `imm = -4`. Normalise to signed.
  static int64_t signed_value(int64_t v, bool subtracted) { return subtracted && v > 0 ? -v : v; }
  static int64_t disp(const cs_arm_op& m) { return signed_value(m.mem.disp, m.subtracted); }

  // ---- emitting -----------------------------------------------------------------------

  void push(const Transfer& t) {
    // kMaxTransfers bounds every form; should a decoding break that, the generic
    // lowering (at most 18 transfers and the 32 D registers) takes over.
    if (n_ < buffer_.size()) {
      buffer_[n_++] = t;
    } else {
      overflow_ = true;
    }
  }

  /// Register `r` is read in a way no transfer shows (a code address in it escapes).
  void opaque_read(Reg r) {
    if (r < kPc) opaque_ |= 1u << r;
  }

  /// A register write. Under a condition the old value may survive: the register holds
  /// either (`it ne; movne r3, #0` keeps the GOT address glibc computed into r3 on the
  /// other path), and what would have been copied into it is read opaquely as well (a
  /// code address moved by `moveq r0, r4` must still be seen to escape where the two
  /// values do not join).
  void write(const Transfer& t) {
    if (!conditional_ || t.op == Transfer::Op::Clobber) {
      push(t);
      return;
    }
    Transfer maybe = t;
    maybe.keeps_old = true;
    push(maybe);
    if (t.op != Transfer::Op::Load) {
      opaque_read(t.src);
      opaque_read(t.src2);
    }
  }

  /// A base register's writeback: an address moves, no value is copied anywhere.
  void update_base(const Transfer& t) { push(conditional_ ? Transfer::clobber(t.dst) : t); }

  void load(Reg dst, Address a, uint8_t width, bool sign_extend = false) {
    write(Transfer::load(dst, a.base, a.disp, width, sign_extend));
  }

  /// Memory at `a` now holds `bytes` unknown bytes.
  void forget(Address a, uint32_t bytes) {
    if (a.indexed_from != kNoReg) push(Transfer::scribble(a.indexed_from));
    push(Transfer::forget(a.base, a.disp, static_cast<uint8_t>(std::min(bytes, kMaxStoreBytes))));
  }

  /// memory[a] = value (kNoReg: unknown), `width` bytes. Under a condition the memory
  /// may keep its old contents: it becomes unknown, and the value is read opaquely.
  void store(Address a, Reg value, uint8_t width) {
    if (value != kNoReg && !conditional_) {
      if (a.indexed_from != kNoReg) push(Transfer::scribble(a.indexed_from));
      push(Transfer::store(a.base, a.disp, value, width));
      return;
    }
    if (value != kNoReg) opaque_read(value);
    forget(a, width);
  }

  /// The address of memory operand `m`; a register index is added into kScratch first.
  Address address(const cs_arm_op& m) {
    const Reg base = gpr(m.mem.base);
    if (m.mem.index == ARM_REG_INVALID) {
      if (base == kPc) return {kNoReg, u32(literal_base() + disp(m))};
      if (base == kNoReg) {
        push(Transfer::clobber(kScratch));
        return {kScratch, 0};
      }
      return {base, disp(m)};
    }
    const Reg index = gpr(m.mem.index);
    const bool simple =
        m.shift.type == ARM_SFT_INVALID && m.mem.lshift == 0 && m.mem.scale == 1 && !m.subtracted;
    if (!simple || index == kNoReg || index == kPc || base == kNoReg) {
      push(Transfer::clobber(kScratch));
    } else if (base == kPc) {
      push(Transfer::add_imm(kScratch, index, pc()));
    } else {
      push(Transfer::add_reg(kScratch, base, index));
    }
    return {kScratch, 0, base == kPc ? kNoReg : base};
  }

  /// Base writeback after a pre-indexed access through `m` (whose address is computed).
  void pre_index_writeback(const cs_arm_op& m, Address computed) {
    const Reg base = gpr(m.mem.base);
    if (computed.base == kScratch) {
      update_base(Transfer::add_imm(base, kScratch, 0));
    } else {
      update_base(Transfer::add_imm(base, base, disp(m)));
    }
  }

  /// Base writeback after a post-indexed access: base += `offset` operand.
  void post_index_writeback(Reg base, const cs_arm_op& offset) {
    if (offset.type == ARM_OP_IMM) {
      update_base(Transfer::add_imm(base, base, signed_value(offset.imm, offset.subtracted)));
    } else if (plain(offset) && gpr(offset.reg) != kNoReg && gpr(offset.reg) != kPc) {
      update_base(Transfer::add_reg(base, base, gpr(offset.reg)));
    } else {
      update_base(Transfer::clobber(base));
    }
  }

  // ---- control flow -------------------------------------------------------------------

  void flow(Flow f) {
    out_.flow = f;
    // A conditional branch is Flow::Branch already; for every other kind the condition
    // means "or continue at next".
    out_.conditional = conditional_ && f != Flow::Branch && f != Flow::Next;
  }
  void direct(Flow f, int64_t target, bool target_thumb) {
    flow(f);
    out_.target = static_cast<uint64_t>(u32(target));
    out_.target_thumb = target_thumb;
  }
  void indirect_reg(Flow f, Reg r) {
    flow(f);
    out_.indirect.reg = r;
  }
  void indirect_memory(Reg base, int64_t disp) {
    flow(Flow::IndirectJump);
    out_.indirect.memory = true;
    out_.indirect.base = base;
    out_.indirect.disp = disp;
  }

  // ---- instructions -------------------------------------------------------------------

  /// False when the instruction is not modelled (or not in a form that is): the caller
  /// then discards anything emitted and clobbers what the instruction writes.
  bool lower() {
    switch (insn_.id) {
      case ARM_INS_B:
        if (!is_imm(0)) return false;
        direct(conditional_ ? Flow::Branch : Flow::Jump, op(0).imm, thumb_);
        return true;
      case ARM_INS_CBZ:
      case ARM_INS_CBNZ:
        if (!is_imm(1)) return false;
        direct(Flow::Branch, op(1).imm, thumb_);
        if (is_reg(0)) out_.zero_test = ZeroTest{reg(0), insn_.id == ARM_INS_CBZ};
        return true;
      case ARM_INS_BL:
        if (!is_imm(0)) return false;
        direct(Flow::Call, op(0).imm, thumb_);
        return true;
      case ARM_INS_BLX:
        if (is_imm(0)) {
          direct(Flow::Call, op(0).imm, !thumb_);  // blx <label> always switches instruction set
        } else if (is_reg(0)) {
          indirect_reg(Flow::IndirectCall, reg(0));
        } else {
          return false;
        }
        return true;
      case ARM_INS_BX:
      case ARM_INS_BXJ:
        if (!is_reg(0)) return false;
        if (reg(0) == kLr) {
          flow(Flow::Return);
        } else if (reg(0) == kPc) {
          direct(Flow::Jump, literal_base(), false);  // `bx pc`: to the ARM code that follows
        } else {
          indirect_reg(Flow::IndirectJump, reg(0));
        }
        return true;
      case ARM_INS_TBB:
      case ARM_INS_TBH:
        // A jump table: ArmLifter::lift reads its cases where the table follows.
        if (is_mem(0)) opaque_read(gpr(op(0).mem.index));
        flow(Flow::IndirectJump);
        return true;
      case ARM_INS_SVC: {
        // Linux takes EABI `svc 0` (number in r7) and, on old kernels, OABI
        // `svc 0x900000+n`. Any other immediate is data decoded as code (a literal after
        // a call that does not return) or semihosting: it stops the flow.
        const auto number = count() == 1 && op(0).type == ARM_OP_IMM ? static_cast<uint64_t>(imm(0)) : 0;
        flow(number == 0 || (number & 0xf00000) == 0x900000 ? Flow::Syscall : Flow::Stop);
        return true;
      }
      case ARM_INS_UDF:
      case ARM_INS_BKPT:
      case ARM_INS_TRAP:
      case ARM_INS_HLT:
        flow(Flow::Stop);
        return true;
      case ARM_INS_CMP:
      case ARM_INS_CMN:
      case ARM_INS_TST:
      case ARM_INS_TEQ:
      case ARM_INS_NOP:
      case ARM_INS_YIELD:
      case ARM_INS_WFE:
      case ARM_INS_WFI:
      case ARM_INS_SEV:
      case ARM_INS_SEVL:
      case ARM_INS_DMB:
      case ARM_INS_DSB:
      case ARM_INS_ISB:
      case ARM_INS_PLD:
      case ARM_INS_PLDW:
      case ARM_INS_PLI:
      case ARM_INS_CLREX:
        return true;  // flags, hints and barriers only
      case ARM_INS_MOV:
      case ARM_INS_MVN:
      case ARM_INS_MOVW:
      case ARM_INS_MOVT:
      case ARM_INS_ADR:
      case ARM_INS_ADD:
      case ARM_INS_ADDW:
      case ARM_INS_SUB:
      case ARM_INS_SUBW:
      case ARM_INS_ORR:
      case ARM_INS_AND:
      case ARM_INS_BIC:
      case ARM_INS_UXTB:
      case ARM_INS_UXTH:
      case ARM_INS_LSL:
        return lower_data();
      case ARM_INS_LDR: return lower_load(4, false);
      case ARM_INS_LDRB: return lower_load(1, false);
      case ARM_INS_LDRH: return lower_load(2, false);
      case ARM_INS_LDRSB: return lower_load(1, true);
      case ARM_INS_LDRSH: return lower_load(2, true);
      case ARM_INS_STR: return lower_store(4);
      case ARM_INS_STRB: return lower_store(1);
      case ARM_INS_STRH: return lower_store(2);
      case ARM_INS_LDRD: return lower_double(true);
      case ARM_INS_STRD: return lower_double(false);
      case ARM_INS_PUSH: return lower_push();
      case ARM_INS_POP: return lower_pop();
      case ARM_INS_LDM: return lower_multiple(true, 0, 1);
      case ARM_INS_LDMIB: return lower_multiple(true, 1, 1);
      case ARM_INS_LDMDA: return lower_multiple(true, 0, -1);
      case ARM_INS_LDMDB: return lower_multiple(true, -1, -1);
      case ARM_INS_STM: return lower_multiple(false, 0, 1);
      case ARM_INS_STMIB: return lower_multiple(false, 1, 1);
      case ARM_INS_STMDA: return lower_multiple(false, 0, -1);
      case ARM_INS_STMDB: return lower_multiple(false, -1, -1);
      case ARM_INS_VPUSH:
      case ARM_INS_VPOP: return lower_vpush_vpop();
      case ARM_INS_VLDR:
      case ARM_INS_VSTR: return lower_vldr_vstr();
      default: return false;
    }
  }

  bool lower_data() {
    if (!is_reg(0)) return false;
    const Reg dst = reg(0);
    const unsigned id = insn_.id;
    const bool unary = id == ARM_INS_MOV || id == ARM_INS_MVN || id == ARM_INS_MOVW || id == ARM_INS_MOVT ||
                       id == ARM_INS_ADR || id == ARM_INS_UXTB || id == ARM_INS_UXTH;
    // An ARM modified immediate whose rotation is not the canonical one comes as two
    // immediates, value and rotation (`add ip, pc, #0, 12` in glibc's PLT entries).
    unsigned operands = count();
    if (!thumb_ && operands >= 3 && is_imm(operands - 1) && is_imm(operands - 2)) {
      rotated_ =
          std::rotr(static_cast<uint32_t>(op(operands - 2).imm), static_cast<int>(op(operands - 1).imm & 31));
      --operands;
    }
    // Thumb's two-operand forms (`adds r0, #1`, `add r0, pc`) read the destination.
    unsigned a = 0, b = 1;
    if (unary) {
      if (operands != 2) return false;
    } else if (operands == 3) {
      a = 1;
      b = 2;
    } else if (operands != 2) {
      return false;
    }

    if (dst == kPc) {
      // Writes to pc are control flow: `mov pc, lr` returns, `mov pc, rN` jumps through rN
      // (as does `add pc, rN, #0`, Go's assembler's `B (Rn)`: Go's _rt0_arm_linux enters
      // the runtime that way), anything computed (`add pc, pc, r0, lsl #2` jump tables)
      // jumps somewhere unknown.
      const bool moves = id == ARM_INS_MOV && plain(op(b)) && is_reg(b);
      const bool adds_zero = id == ARM_INS_ADD && operands == 3 && is_reg(a) && is_imm(b) && imm(b) == 0;
      const unsigned source = moves ? b : a;
      if ((moves || adds_zero) && reg(source) != kPc) {
        if (reg(source) == kLr) {
          flow(Flow::Return);
        } else {
          indirect_reg(Flow::IndirectJump, reg(source));
        }
      } else {
        flow(Flow::IndirectJump);
      }
      return true;
    }

    switch (id) {
      case ARM_INS_MOV:
        if (is_imm(1)) {
          write(Transfer::set(dst, u32(imm(1))));
        } else if (is_reg(1) && plain(op(1))) {
          write(reg(1) == kPc ? Transfer::set(dst, pc()) : Transfer::add_imm(dst, reg(1), 0));
        } else {
          return lower_shifted_move(dst);  // `mov.w r1, r3, lsl #15`
        }
        return true;
      case ARM_INS_MVN:
        if (!is_imm(1)) return false;
        write(Transfer::set(dst, u32(~static_cast<int64_t>(imm(1)))));
        return true;
      case ARM_INS_MOVW:
        if (!is_imm(1)) return false;
        write(Transfer::set(dst, imm(1) & 0xffff));
        return true;
      case ARM_INS_MOVT:
        if (!is_imm(1)) return false;
        if (conditional_) {
          write(Transfer::clobber(dst));
        } else {
          push(Transfer::and_imm(dst, dst, 0xffff));
          push(Transfer::or_imm(dst, dst, u32(static_cast<int64_t>(imm(1) & 0xffff) << 16)));
        }
        return true;
      case ARM_INS_ADR:
        // Thumb `adr` (Capstone keeps the offset, not the target); subtraction comes as subw.
        if (!is_imm(1)) return false;
        write(Transfer::set(dst, u32(literal_base() + imm(1))));
        return true;
      case ARM_INS_UXTB:
      case ARM_INS_UXTH:
        if (!is_reg(1) || !plain(op(1)) || reg(1) == kPc) return false;  // a rotation shows as a shift
        write(Transfer::and_imm(dst, reg(1), id == ARM_INS_UXTB ? 0xff : 0xffff));
        return true;
      case ARM_INS_LSL:  // ARM's `lsl r1, r3, #15` comes as two operands, the second shifted
        if (operands == 2) return lower_shifted_move(dst);
        break;
      default:
        break;
    }

    if (!is_reg(a) || !plain(op(a))) return false;
    const Reg src = reg(a);
    if (is_imm(b)) {
      const int64_t value = imm(b);
      switch (id) {
        case ARM_INS_ADD:
        case ARM_INS_ADDW:
        case ARM_INS_SUB:
        case ARM_INS_SUBW: {
          const int64_t delta = (id == ARM_INS_SUB || id == ARM_INS_SUBW) ? -value : value;
          // `add r0, pc, #n` / `subw r0, pc, #n` are adr: an absolute address.
          write(src == kPc ? Transfer::set(dst, u32(literal_base() + delta))
                           : Transfer::add_imm(dst, src, delta));
          return true;
        }
        case ARM_INS_ORR:
          if (src == kPc) return false;
          write(Transfer::or_imm(dst, src, u32(value)));
          return true;
        case ARM_INS_AND:
          if (src == kPc) return false;
          write(Transfer::and_imm(dst, src, u32(value)));
          return true;
        case ARM_INS_BIC:
          if (src == kPc) return false;
          write(Transfer::and_imm(dst, src, u32(~value)));
          return true;
        case ARM_INS_LSL:  // libsystemd: `lsl r1, r3, #15` moves a flag to CLONE_NEWUSER
          if (src == kPc || value < 0 || value > 31) return false;
          write(Transfer::shl_imm(dst, src, value));
          return true;
        default:
          return false;
      }
    }
    if ((id == ARM_INS_AND || id == ARM_INS_ORR) && !arm_.update_flags && is_reg(b) && plain(op(b)) &&
        src != kPc && reg(b) == src && dst == src) {
      // A register anded or ored with itself into itself keeps its value, whatever the
      // condition: a no-op (setting no flags). Go's word 0 after a call that never
      // returns decodes as `andeq r0, r0, r0`; as padding, the call's end is seen
      // (calls_no_return).
      push(Transfer::add_imm(dst, dst, 0));
      return true;
    }
    if (id == ARM_INS_ORR && is_reg(b) && plain(op(b)) && src != kPc && reg(b) != kPc) {
      write(Transfer::or_reg(dst, src, reg(b)));  // glibc: flags | exit_signal
      return true;
    }
    if (id == ARM_INS_AND && is_reg(b) && plain(op(b)) && src != kPc && reg(b) != kPc) {
      write(Transfer::and_reg(dst, src, reg(b)));
      return true;
    }
    if (id != ARM_INS_ADD || !is_reg(b) || !plain(op(b))) return false;
    const Reg other = reg(b);
    if (src == kPc && other == kPc) return false;
    if (src == kPc) {
      write(Transfer::add_imm(dst, other, pc()));  // Thumb `add r3, pc`: position-independent data
    } else if (other == kPc) {
      write(Transfer::add_imm(dst, src, pc()));
    } else {
      write(Transfer::add_reg(dst, src, other));
    }
    return true;
  }

  /// dst = operand 1 shifted left by a constant (`mov.w r1, r3, lsl #15`).
  bool lower_shifted_move(Reg dst) {
    if (!is_reg(1) || !shifted_left(op(1)) || reg(1) == kPc) return false;
    write(Transfer::shl_imm(dst, reg(1), *shifted_left(op(1))));
    return true;
  }

  /// ldr/ldrb/ldrh/ldrsb/ldrsh: [base, #imm], [base, #imm]!, [base], #imm, [base, rM],
  /// literal; into pc: a return or a jump through memory.
  bool lower_load(uint8_t width, bool sign_extend) {
    if (!is_reg(0) || !is_mem(1) || gpr(op(1).mem.base) == kNoReg) return false;
    const Reg dst = reg(0);
    const cs_arm_op& m = op(1);
    const Reg base = gpr(m.mem.base);
    const bool post = count() >= 3;
    const bool writeback = post || arm_.writeback;
    if (dst == kPc) return width == 4 && lower_load_pc(m, post, writeback);
    if (post) {
      load(dst, {base, 0}, width, sign_extend);
      post_index_writeback(base, op(2));
    } else {
      const Address a = address(m);
      load(dst, a, width, sign_extend);
      if (writeback) pre_index_writeback(m, a);
    }
    if (writeback && dst == base) push(Transfer::clobber(dst));  // UNPREDICTABLE
    return true;
  }

  /// `ldr pc, …`. The analysis reads `indirect` after the instruction's transfers (as
  /// function_analyzer does for calls, whose arguments a MIPS delay slot may set), so a
  /// written-back base is described as it is afterwards: `ldr pc, [ip, #n]!` (the PLT)
  /// becomes ip += n and a jump through [ip + 0].
  bool lower_load_pc(const cs_arm_op& m, bool post, bool writeback) {
    const Reg base = gpr(m.mem.base);
    if (post && base == kSp) {  // `ldr pc, [sp], #4`: pop {pc}
      post_index_writeback(kSp, op(2));
      flow(Flow::Return);
      return true;
    }
    if (m.mem.index != ARM_REG_INVALID) {
      if (writeback) pre_index_writeback(m, address(m));
      flow(Flow::IndirectJump);  // `ldr pc, [pc, r0, lsl #2]`: a jump table
    } else if (base == kPc) {
      indirect_memory(kNoReg, u32(literal_base() + disp(m)));
    } else if (post && op(2).type == ARM_OP_IMM) {
      const int64_t offset = signed_value(op(2).imm, op(2).subtracted);
      update_base(Transfer::add_imm(base, base, offset));
      indirect_memory(base, -offset);
    } else if (post) {
      post_index_writeback(base, op(2));
      flow(Flow::IndirectJump);
    } else if (writeback) {
      update_base(Transfer::add_imm(base, base, disp(m)));
      indirect_memory(base, 0);
    } else {
      indirect_memory(base, disp(m));
    }
    return true;
  }

  bool lower_store(uint8_t width) {
    if (!is_reg(0) || !is_mem(1) || gpr(op(1).mem.base) == kNoReg) return false;
    // What `str pc` stores is IMPLEMENTATION DEFINED (pc+8 or pc+12).
    const Reg value = reg(0) == kPc ? kNoReg : reg(0);
    const cs_arm_op& m = op(1);
    const Reg base = gpr(m.mem.base);
    if (count() >= 3) {
      store({base, 0}, value, width);
      post_index_writeback(base, op(2));
    } else {
      const Address a = address(m);
      store(a, value, width);
      if (arm_.writeback) pre_index_writeback(m, a);
    }
    return true;
  }

  /// ldrd/strd r1, r2, [base …]: two words at the address and 4 past it.
  bool lower_double(bool is_load) {
    if (!is_reg(0) || !is_reg(1) || !is_mem(2) || gpr(op(2).mem.base) == kNoReg) return false;
    const Reg first = reg(0), second = reg(1);
    if (is_load && (first == kPc || second == kPc)) return false;
    const cs_arm_op& m = op(2);
    const Reg base = gpr(m.mem.base);
    const bool post = count() >= 4;
    const bool writeback = post || arm_.writeback;
    const Address a = post ? Address{base, 0} : address(m);
    if (is_load) {
      // The loads run in order: load the register that is also the base last.
      if (first == a.base) {
        load(second, a.plus(4), 4);
        load(first, a, 4);
      } else {
        load(first, a, 4);
        load(second, a.plus(4), 4);
      }
    } else {
      store(a, first == kPc ? kNoReg : first, 4);
      store(a.plus(4), second == kPc ? kNoReg : second, 4);
    }
    if (post) {
      post_index_writeback(base, op(3));
    } else if (writeback) {
      pre_index_writeback(m, a);
    }
    if (is_load && writeback && (first == base || second == base)) push(Transfer::clobber(base));
    return true;
  }

  bool all_registers(unsigned from) const {
    for (unsigned i = from; i < count(); ++i) {
      if (!is_reg(i)) return false;
    }
    return count() > from;
  }

  /// push {list} (also stmdb sp!, {list} and str rN, [sp, #-4]! as Capstone names them).
  bool lower_push() {
    if (!all_registers(0)) return false;
    const int64_t n = count();
    for (unsigned i = 0; i < count(); ++i) {
      store({kSp, -4 * n + 4 * i}, reg(i) == kPc ? kNoReg : reg(i), 4);
    }
    update_base(Transfer::add_imm(kSp, kSp, -4 * n));
    return true;
  }

  /// pop {list} (also ldmia sp!, {list}); with pc in the list, a return.
  bool lower_pop() {
    if (!all_registers(0)) return false;
    bool has_pc = false, has_sp = false;
    for (unsigned i = 0; i < count(); ++i) {
      const Reg r = reg(i);
      if (r == kPc) {
        has_pc = true;
      } else if (r == kSp) {
        has_sp = true;
      } else {
        load(r, {kSp, 4 * static_cast<int64_t>(i)}, 4);
      }
    }
    update_base(has_sp ? Transfer::clobber(kSp)
                       : Transfer::add_imm(kSp, kSp, 4 * static_cast<int64_t>(count())));
    if (has_pc) flow(Flow::Return);
    return true;
  }

  /// ldm/stm with the base in operand 0. `first` is the first word's offset in words from
  /// the base (IA 0, IB 1, DA and DB count back), `direction` the writeback's sign.
  bool lower_multiple(bool is_load, int first, int direction) {
    if (!all_registers(1)) return false;
    const Reg base = reg(0);
    if (base == kPc) return false;
    const int64_t n = count() - 1;
    // IA: base, IB: base+4, DA: base-4n+4, DB: base-4n.
    const int64_t start = direction > 0 ? 4 * first : (first == 0 ? -4 * n + 4 : -4 * n);
    const int64_t delta = 4 * n * direction;
    const bool writeback = arm_.writeback;

    if (!is_load) {
      for (unsigned i = 1; i < count(); ++i) {
        const Reg r = reg(i);
        // A written-back base stored after the first slot is UNKNOWN (ARM ARM STM).
        const bool unknown = r == kPc || (r == base && writeback && i != 1);
        store({base, start + 4 * (i - 1)}, unknown ? kNoReg : r, 4);
      }
      if (writeback) update_base(Transfer::add_imm(base, base, delta));
      return true;
    }

    std::optional<int64_t> pc_slot;
    bool base_loaded = false;
    for (unsigned i = 1; i < count(); ++i) {
      const Reg r = reg(i);
      const int64_t slot = start + 4 * (i - 1);
      if (r == kPc) {
        pc_slot = slot;
      } else if (r == base) {
        base_loaded = true;  // written last: every load goes through the old base
      } else {
        load(r, {base, slot}, 4);  // `ldmib r4, {r0, r1, r2}`: three fields of a struct
      }
    }
    if (base_loaded) write(Transfer::clobber(base));
    if (!pc_slot) {
      if (writeback && !base_loaded) update_base(Transfer::add_imm(base, base, delta));
      return true;
    }
    if (base == kSp && writeback && direction > 0 && first == 0 && !base_loaded) {
      update_base(Transfer::add_imm(kSp, kSp, delta));  // ldmia sp!, {…, pc}: pop
      flow(Flow::Return);
      return true;
    }
    // Described after the writeback, as in lower_load_pc.
    if (writeback && !base_loaded) {
      update_base(Transfer::add_imm(base, base, delta));
      indirect_memory(base, *pc_slot - delta);
    } else {
      indirect_memory(base, *pc_slot);
    }
    return true;
  }

  /// vldr/vstr of a D register (64 bits, one memory operand); S registers take the
  /// generic path.
  bool lower_vldr_vstr() {
    if (count() != 2 || op(0).type != ARM_OP_REG || op(0).reg < ARM_REG_D0 || op(0).reg > ARM_REG_D31 ||
        !is_mem(1)) {
      return false;
    }
    const Reg d = static_cast<Reg>(kD0 + (op(0).reg - ARM_REG_D0));
    const Address a = address(op(1));
    if (insn_.id == ARM_INS_VLDR) {
      write(Transfer::load(d, a.base, a.disp, 8));
    } else {
      store(a, d, 8);
    }
    return true;
  }

  /// vpush/vpop: sp moves by the registers' size (Capstone 4 does not report sp written);
  /// the pushed VFP values are unknown to the analysis.
  bool lower_vpush_vpop() {
    uint32_t bytes = 0;
    for (unsigned i = 0; i < count(); ++i) {
      if (op(i).type != ARM_OP_REG || fp_register_bytes(op(i).reg) == 0) return false;
      bytes += fp_register_bytes(op(i).reg);
    }
    if (bytes == 0) return false;
    if (insn_.id == ARM_INS_VPUSH) {
      forget({kSp, -static_cast<int64_t>(bytes)}, bytes);
      update_base(Transfer::add_imm(kSp, kSp, -static_cast<int64_t>(bytes)));
    } else {
      uint32_t popped = 0;
      for (unsigned i = 0; i < count(); ++i) popped |= double_registers(op(i).reg);
      clobber_doubles(popped);
      update_base(Transfer::add_imm(kSp, kSp, bytes));
    }
    return true;
  }

  // ---- everything else ----------------------------------------------------------------

  /// Bytes written to memory by an instruction that is not otherwise modelled, at its
  /// memory operand (or at the base in operand 0 for vstm); 0 when it does not store.
  uint32_t stored_bytes() const {
    switch (insn_.id) {
      case ARM_INS_STREXB:
      case ARM_INS_STLEXB:
      case ARM_INS_STLB:
      case ARM_INS_STRBT:
      case ARM_INS_SWPB:
        return 1;
      case ARM_INS_STREXH:
      case ARM_INS_STLEXH:
      case ARM_INS_STLH:
      case ARM_INS_STRHT:
        return 2;
      case ARM_INS_STREX:
      case ARM_INS_STLEX:
      case ARM_INS_STL:
      case ARM_INS_STRT:
      case ARM_INS_SWP:
      // Coprocessor stores: Linux user space has no coprocessor but VFP/NEON (which use
      // vstr/vstm); these encodings only show up when data is decoded as code.
      case ARM_INS_STC:
      case ARM_INS_STCL:
      case ARM_INS_STC2:
      case ARM_INS_STC2L:
        return 4;
      case ARM_INS_STREXD:
      case ARM_INS_STLEXD:
        return 8;
      case ARM_INS_VSTR:
        return count() > 0 && op(0).type == ARM_OP_REG ? fp_register_bytes(op(0).reg) : 8;
      case ARM_INS_VSTMIA:
      case ARM_INS_VSTMDB:
      case ARM_INS_FSTMIAX:
      case ARM_INS_FSTMDBX:
      case ARM_INS_VST1:
      case ARM_INS_VST2:
      case ARM_INS_VST3:
      case ARM_INS_VST4: {
        // The registers listed; for the lane forms of vst1-4 this is more than is written.
        uint32_t bytes = 0;
        for (unsigned i = 0; i < count(); ++i) {
          if (op(i).type == ARM_OP_REG) bytes += fp_register_bytes(op(i).reg);
        }
        if (insn_.id == ARM_INS_FSTMIAX || insn_.id == ARM_INS_FSTMDBX) bytes += 4;
        return bytes;
      }
      default:
        return 0;
    }
  }

  void memory_effects() {
    const uint32_t bytes = stored_bytes();
    if (bytes == 0) return;
    const unsigned id = insn_.id;
    if (id == ARM_INS_VSTMIA || id == ARM_INS_VSTMDB || id == ARM_INS_FSTMIAX || id == ARM_INS_FSTMDBX) {
      if (!is_reg(0)) {
        push(Transfer::clobber(kScratch));
        forget({kScratch, 0}, bytes);
        return;
      }
      const bool down = id == ARM_INS_VSTMDB || id == ARM_INS_FSTMDBX;
      forget({reg(0), down ? -static_cast<int64_t>(bytes) : 0}, bytes);
      return;
    }
    for (unsigned i = 0; i < count(); ++i) {
      if (op(i).type == ARM_OP_MEM) {
        forget(address(op(i)), bytes);
        return;
      }
    }
    push(Transfer::clobber(kScratch));
    forget({kScratch, 0}, bytes);
  }

  void clobber_doubles(uint32_t doubles) {
    for (Reg d = 0; d < kDoubleCount; ++d) {
      if ((doubles & (1u << d)) != 0) push(Transfer::clobber(static_cast<Reg>(kD0 + d)));
    }
  }

  void lower_generic() {
    memory_effects();
    uint32_t written = 0;
    uint32_t doubles_written = 0;
    auto mark = [&](int cs_reg) {
      const Reg r = gpr(cs_reg);
      if (r != kNoReg) written |= 1u << r;
      doubles_written |= double_registers(cs_reg);
    };
    cs_regs regs_read, regs_written;
    uint8_t read_count = 0, written_count = 0;
    if (cs_regs_access(handle_, &insn_, regs_read, &read_count, regs_written, &written_count) == CS_ERR_OK) {
      for (unsigned i = 0; i < written_count; ++i) mark(regs_written[i]);
    }
    for (unsigned i = 0; i < count(); ++i) {
      const cs_arm_op& o = op(i);
      if (o.type == ARM_OP_REG && (o.access & CS_AC_WRITE) != 0) mark(o.reg);
      // Values come from register operands (an address register of a memory operand
      // carries none). Capstone 4 leaves the access of some sources out (`ssat r0, #6,
      // lr`, the stored pair of strexd): whatever is not only written may be read.
      if (o.type == ARM_OP_REG && o.access != CS_AC_WRITE) opaque_read(gpr(o.reg));
      // Writeback, including NEON's post-index by register (`vst1.8 {d0}, [r0], r2`),
      // which Capstone 4 neither flags nor reports.
      if (o.type == ARM_OP_MEM && (arm_.writeback || i + 1 < count())) mark(o.mem.base);
    }
    // Destinations Capstone 4 reports as read, or not at all.
    auto destination = [&](unsigned i) {
      if (!is_reg(i) || reg(i) == kPc) return;  // mrc to pc sets the flags
      mark(op(i).reg);
      opaque_ &= ~(1u << reg(i));
    };
    switch (insn_.id) {
      case ARM_INS_MRC:
      case ARM_INS_MRC2:
        destination(2);
        break;
      case ARM_INS_MRRC:
      case ARM_INS_MRRC2:
        destination(2);
        destination(3);
        break;
      case ARM_INS_LDREXD:
      case ARM_INS_LDAEXD:
        destination(0);
        destination(1);
        break;
      default:
        break;
    }
    for (Reg r = 0; r < kPc; ++r) {
      if ((written & (1u << r)) != 0) push(Transfer::clobber(r));
    }
    clobber_doubles(doubles_written);
    if ((written & (1u << kPc)) != 0) flow(Flow::IndirectJump);
  }

  const cs_insn& insn_;
  const cs_arm& arm_;
  csh handle_;
  bool thumb_;
  bool conditional_;
  std::array<Transfer, kMaxTransfers>& buffer_;
  LiftedInsn& out_;
  size_t n_ = 0;
  bool overflow_ = false;
  uint32_t opaque_ = 0;             ///< registers read opaquely, as a bit set
  std::optional<int64_t> rotated_;  ///< value of a two-operand rotated immediate
};

class ArmLifter final : public Lifter {
 public:
  ArmLifter(disasm::Capstone arm, disasm::Capstone thumb) : arm_(std::move(arm)), thumb_(std::move(thumb)) {}

  std::optional<LiftedInsn> lift(std::span<const uint8_t> code, uint64_t address, bool thumb) override {
    // What the instruction lifted just before says holds only for the one after it.
    const Bound compared = std::exchange(compared_, {});
    const Bound bounded = std::exchange(bounded_, {});
    const Bound moved = std::exchange(moved_, {});
    LiftedInsn out;
    out.address = address;
    if (thumb && code.size() >= 2) {
      const auto first = static_cast<uint16_t>(code[0] | code[1] << 8);
      if (is_it(first)) {
        it_blocks_.start(address, first, code);
        out.next = address + 2;
        return out;
      }
    }
    const disasm::Capstone& capstone = thumb ? thumb_ : arm_;
    const cs_insn* insn = capstone.decode(code, address);
    if (insn == nullptr) return std::nullopt;
    out.next = address + insn->size;
    const arm_cc cc = insn->detail->arm.cc;
    bool conditional = cc != ARM_CC_AL && cc != ARM_CC_INVALID;
    if (thumb && it_blocks_.conditional(address, insn->size)) conditional = true;
    const size_t n = Lowering(*insn, capstone.handle(), thumb, conditional, buffer_, out).run();
    out.transfers.assign(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(n));
    if (out.flow == Flow::IndirectJump && !out.conditional) read_switch(*insn, code, bounded, out);
    if (out.flow == Flow::Branch && insn->id == ARM_INS_B && (cc == ARM_CC_EQ || cc == ARM_CC_NE) &&
        compared.at == address && compared.value == 0 && gpr(static_cast<int>(compared.reg)) != kNoReg) {
      out.zero_test = ZeroTest{gpr(static_cast<int>(compared.reg)), cc == ARM_CC_EQ, true};  // `cmp r2, #0; beq`
    }
    track_index_bound(*insn, conditional, compared, moved);
    return out;
  }

 private:
  /// A register compared with a constant, and what an unsigned branch on that compare
  /// leaves of it where the branch falls through: `cmp r2, #7; bhi.w default` leaves
  /// r2 <= 7 at the instruction after the branch.
  struct Bound {
    uint64_t at = 0;  ///< the address it holds at (0: none)
    unsigned reg = ARM_REG_INVALID;
    uint64_t value = 0;  ///< cmp: the constant; after the branch: the largest value left
  };

  /// Follows `cmp rN, #imm` (or `movw rM, #imm; cmp rN, rM`, for a bound too wide for
  /// cmp's immediate: dnsmasq's option switch of 338 cases) then `bhi`/`bhs` lifted in
  /// sequence (as the decoding of a function's straight-line code lifts them), to bound
  /// a table jump's index; `compared` and `moved` are what the instruction lifted before
  /// left.
  void track_index_bound(const cs_insn& insn, bool conditional, const Bound& compared, const Bound& moved) {
    const cs_arm& arm = insn.detail->arm;
    const uint64_t next = insn.address + insn.size;
    const bool plain_register = arm.op_count == 2 && arm.operands[0].type == ARM_OP_REG &&
                                arm.operands[0].shift.type == ARM_SFT_INVALID;
    if ((insn.id == ARM_INS_MOVW || insn.id == ARM_INS_MOV) && !conditional && plain_register &&
        arm.operands[1].type == ARM_OP_IMM) {
      moved_ = {next, static_cast<unsigned>(arm.operands[0].reg), static_cast<uint32_t>(arm.operands[1].imm)};
      return;
    }
    if (insn.id == ARM_INS_CMP && !conditional && plain_register) {
      const cs_arm_op& right = arm.operands[1];
      if (right.type == ARM_OP_IMM) {
        compared_ = {next, static_cast<unsigned>(arm.operands[0].reg), static_cast<uint32_t>(right.imm)};
      } else if (right.type == ARM_OP_REG && right.shift.type == ARM_SFT_INVALID && moved.at == insn.address &&
                 moved.reg == static_cast<unsigned>(right.reg) && moved.reg != static_cast<unsigned>(arm.operands[0].reg)) {
        compared_ = {next, static_cast<unsigned>(arm.operands[0].reg), moved.value};
      }
      return;
    }
    // bhi: taken when reg > value, so reg <= value after it; bhs (bcs): reg <= value - 1.
    const bool hi = arm.cc == ARM_CC_HI, hs = arm.cc == ARM_CC_HS;
    if (insn.id == ARM_INS_B && insn.address == compared.at && (hi || (hs && compared.value > 0))) {
      bounded_ = {next, compared.reg, hi ? compared.value : compared.value - 1};
    }
  }

  /// `tbb [pc, rN]` / `tbh [pc, rN, lsl #1]` right after the branch that bounds rN
  /// (`bounded`): a switch over the table that follows. Without the bound the table's
  /// length is unknown, and so are the cases.
  static void read_switch(const cs_insn& insn, std::span<const uint8_t> code, const Bound& bounded,
                          LiftedInsn& out) {
    if (insn.id != ARM_INS_TBB && insn.id != ARM_INS_TBH) return;
    const cs_arm& arm = insn.detail->arm;
    if (arm.op_count != 1 || arm.operands[0].type != ARM_OP_MEM || arm.operands[0].mem.base != ARM_REG_PC) return;
    if (bounded.at != insn.address || bounded.reg != static_cast<unsigned>(arm.operands[0].mem.index)) return;
    auto cases = thumb_branch_table_cases(code.subspan(insn.size), out.next, insn.id == ARM_INS_TBH ? 2 : 1,
                                          bounded.value + 1);
    if (cases.empty()) return;
    out.flow = Flow::Switch;
    out.cases = std::move(cases);
  }

  disasm::Capstone arm_;
  disasm::Capstone thumb_;
  ItBlocks it_blocks_;
  Bound compared_;
  Bound bounded_;
  Bound moved_;  ///< a register just set to a constant (`value`)
  std::array<Transfer, kMaxTransfers> buffer_{};
};

}  // namespace

Reg ArmBackend::register_count() const { return kD0 + kDoubleCount; }

const Conventions& ArmBackend::conventions() const {
  static const Conventions arm = [] {
    Conventions c;
    c.pointer_size = 4;
    c.instruction_step = 4;  // ARM code; Thumb steps by 2
    c.stack_pointer = kSp;
    c.syscall_number = 7;  // EABI; OABI's number in the svc immediate is not tracked
    c.syscall_args = {0, 1, 2, 3, 4, 5};
    c.call_args = {0, 1, 2, 3};
    c.stack_params = {0, 4, 8, 12, 16, 20, 24, 28};
    c.call_stack_adjust = 0;  // the return address goes in lr
    c.return_value = 0;
    c.call_clobbered = {0, 1, 2, 3, 12, kLr};
    c.link_register = kLr;
    // AAPCS-VFP keeps d8-d15 across calls; taking every D register as changed is safe.
    for (Reg d = 0; d < kDoubleCount; ++d) c.call_clobbered.push_back(static_cast<Reg>(kD0 + d));
    // The kernel preserves every register across a syscall except r0, the result.
    c.syscall_clobbered = {};
    c.register_jumps_are_calls = true;
    c.literal_pools_in_code = true;
    c.data_references_complete = true;
    c.got_relative_data = true;
    c.not_inputs = {kScratch};
    for (Reg d = 0; d < kDoubleCount; ++d) c.not_inputs.push_back(static_cast<Reg>(kD0 + d));
    return c;
  }();
  return arm;
}

Result<std::unique_ptr<Lifter>> ArmBackend::make_lifter() const {
  auto arm = disasm::Capstone::open(CS_ARCH_ARM, CS_MODE_ARM);
  if (!arm) return arm.error();
  auto thumb = disasm::Capstone::open(CS_ARCH_ARM, CS_MODE_THUMB);
  if (!thumb) return thumb.error();
  return std::unique_ptr<Lifter>(std::make_unique<ArmLifter>(std::move(*arm), std::move(*thumb)));
}

}  // namespace sysfence::arch
