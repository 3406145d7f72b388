// The AArch64 lifter and calling conventions: A64 machine code into the register-transfer
// form of arch/lifted.h, through Capstone 4.0.2 (detail on).
//
// Modelled precisely: moves (register, immediate, movz/movn/movk), orr/and with an
// immediate, eor with an immediate from xzr, add/sub with an immediate (also sp and the
// `lsl #12` form), add of two registers, adr/adrp, loads and stores with an immediate
// offset (pre- and post-index writeback, pairs, literal loads, acquire/release forms),
// and every control-flow instruction. Stores of SIMD/FP registers and store-exclusives
// are Forgets. Everything else clobbers each general register Capstone says it writes,
// so no written register ever looks unchanged (lifted.h), and lists the general
// registers it reads as opaque reads. A 32-bit (w) result is zero-extended: an and_imm
// with 0xffffffff follows it unless the transfer already gives a 32-bit value.
#include <capstone/capstone.h>

#include <algorithm>
#include <array>
#include <utility>

#include "arch/aarch64/aarch64_backend.h"
#include "disasm/capstone.h"

namespace sysfence::arch {
namespace {

using aarch64::kLinkRegister;
using aarch64::kStackPointer;
using aarch64::kV0;
using aarch64::kVectorCount;

constexpr int64_t kLow32 = 0xffffffff;

/// What a Capstone register is in the lifter's terms.
struct Operand {
  enum class Kind : uint8_t { None, Gpr, Zero, Fp };
  Kind kind = Kind::None;
  Reg reg = kNoReg;   ///< Gpr, and Fp (the vector register it is part of)
  uint8_t bytes = 0;  ///< access size: w 4, x 8; b/h/s/d/q 1/2/4/8/16

  bool gpr() const { return kind == Kind::Gpr; }
  bool fp() const { return kind == Kind::Fp; }
  bool zero() const { return kind == Kind::Zero; }
  bool is32() const { return bytes == 4; }
};

using RegTable = std::array<Operand, ARM64_REG_ENDING>;

constexpr RegTable make_reg_table() {
  RegTable t{};
  using K = Operand::Kind;
  for (int i = 0; i <= 28; ++i) t[ARM64_REG_X0 + i] = {K::Gpr, static_cast<Reg>(i), 8};
  t[ARM64_REG_X29] = {K::Gpr, 29, 8};
  t[ARM64_REG_X30] = {K::Gpr, 30, 8};
  for (int i = 0; i <= 30; ++i) t[ARM64_REG_W0 + i] = {K::Gpr, static_cast<Reg>(i), 4};
  t[ARM64_REG_SP] = {K::Gpr, kStackPointer, 8};
  t[ARM64_REG_WSP] = {K::Gpr, kStackPointer, 4};
  t[ARM64_REG_XZR] = {K::Zero, kNoReg, 8};
  t[ARM64_REG_WZR] = {K::Zero, kNoReg, 4};
  for (int i = 0; i < 32; ++i) {
    const auto v = static_cast<Reg>(kV0 + i);
    t[ARM64_REG_B0 + i] = {K::Fp, v, 1};
    t[ARM64_REG_H0 + i] = {K::Fp, v, 2};
    t[ARM64_REG_S0 + i] = {K::Fp, v, 4};
    t[ARM64_REG_D0 + i] = {K::Fp, v, 8};
    t[ARM64_REG_Q0 + i] = {K::Fp, v, 16};
    t[ARM64_REG_V0 + i] = {K::Fp, v, 16};
  }
  return t;
}

constexpr RegTable kRegs = make_reg_table();

Operand reg_of(unsigned capstone_reg) {
  return capstone_reg < kRegs.size() ? kRegs[capstone_reg] : Operand{};
}

/// A memory operand `[base, #disp]`, `[base, #disp]!`, `[base], #imm` or `[base], xM`.
struct Mem {
  Reg base = kNoReg;
  bool indexed = false;  ///< `[base, xM …]`: the address is not base + constant
  Reg index = kNoReg;    ///< indexed: xM (kNoReg for a SIMD/FP index, which cannot occur)
  int64_t disp = 0;      ///< offset of the access from base
  bool writeback = false;
  int64_t update = 0;       ///< writeback: base += update …
  Reg update_reg = kNoReg;  ///< … or base += update_reg
};

/// Reads the memory operand at `index` and the post-index operand after it, if any.
bool parse_mem(const cs_arm64& d, int index, Mem& m) {
  if (index >= d.op_count || d.operands[index].type != ARM64_OP_MEM) return false;
  const arm64_op_mem& mem = d.operands[index].mem;
  const Operand base = reg_of(mem.base);
  if (!base.gpr()) return false;
  m.base = base.reg;
  m.indexed = mem.index != ARM64_REG_INVALID;
  m.index = reg_of(mem.index).reg;
  m.disp = mem.disp;
  m.writeback = d.writeback;
  if (index + 1 < d.op_count) {
    // Post-index: Capstone 4.0.2 puts the increment after the memory operand.
    const cs_arm64_op& post = d.operands[index + 1];
    if (!d.writeback) return false;
    if (post.type == ARM64_OP_IMM) {
      m.update = post.imm;
    } else if (post.type == ARM64_OP_REG && reg_of(post.reg).gpr()) {
      m.update_reg = reg_of(post.reg).reg;
    } else {
      return false;
    }
  } else if (d.writeback) {
    m.update = m.disp;  // pre-index: the access and the new base are both base + disp
  }
  return true;
}

int find_mem(const cs_arm64& d) {
  for (int i = 0; i < d.op_count; ++i) {
    if (d.operands[i].type == ARM64_OP_MEM) return i;
  }
  return -1;
}

/// Access size and signedness of a load or store, by instruction (0: the register's size).
struct MemKind {
  uint8_t width = 0;
  bool sign = false;
};

bool is_pac_hint_x30(int64_t imm) {
  return imm == 7 || (imm >= 24 && imm <= 31);
}  // xpaclri, pac*/aut* {a,b}{z,sp}
bool is_pac_hint_x17(int64_t imm) {
  return imm == 8 || imm == 10 || imm == 12 || imm == 14;
}  // pac*/aut*1716

class AArch64Lifter final : public Lifter {
 public:
  explicit AArch64Lifter(disasm::Capstone capstone) : cs_(std::move(capstone)) {
    out_.reserve(32);
    opaque_.reserve(8);
  }

  std::optional<LiftedInsn> lift(std::span<const uint8_t> code, uint64_t address, bool /*thumb*/) override {
    // A64 instructions are word-aligned (a misaligned pc faults). Capstone would decode
    // anything; a misaligned start comes from a constant that only looks like a code
    // address (`adrp; add` of a string inside .text), and its bytes are not code.
    if (address % 4 != 0) return std::nullopt;
    const cs_insn* ci = cs_.decode(code, address);
    LiftedInsn insn;
    insn.address = address;
    insn.next = address + 4;
    if (ci == nullptr) {
      // UDF #imm16 (0x0000xxxx), the permanently undefined encoding, which Capstone
      // 4.0.2 does not decode: glibc and GCC place it after noreturn paths.
      if (code.size() >= 4 && code[2] == 0 && code[3] == 0) {
        insn.flow = Flow::Stop;
        return insn;
      }
      out_.clear();
      opaque_.clear();
      if (code.size() < 4 || !lift_unknown_to_capstone(word_at(code), insn)) return std::nullopt;
      finish(insn);
      return insn;
    }
    out_.clear();
    opaque_.clear();
    const cs_arm64& d = ci->detail->arm64;
    if (!lift_flow(*ci, d, insn) && !lift_data(*ci, d)) clobber_written(*ci, d);
    finish(insn);
    if (const int index = find_mem(d); index >= 0) {
      if (const Operand base = reg_of(d.operands[index].mem.base); base.gpr()) {
        insn.memory = MemoryOperand{base.reg, d.operands[index].mem.disp};
      }
    }
    return insn;
  }

 private:
  void emit(const Transfer& t) { out_.push_back(t); }

  /// A register read in a way no transfer expresses (a code address in it escapes).
  void opaque_read(Reg r) {
    if (r != kNoReg && std::find(opaque_.begin(), opaque_.end(), r) == opaque_.end()) opaque_.push_back(r);
  }

  void finish(LiftedInsn& insn) {
    insn.transfers.assign(out_.begin(), out_.end());
    insn.opaque_reads.assign(opaque_.begin(), opaque_.end());
  }

  /// A 32-bit result zero-extends into the whole x register.
  void zero_extend_if_32(const Operand& dst) {
    if (dst.is32()) emit(Transfer::and_imm(dst.reg, dst.reg, kLow32));
  }

  static int64_t last_imm(const cs_arm64& d) { return d.op_count > 0 ? d.operands[d.op_count - 1].imm : 0; }

  static uint32_t word_at(std::span<const uint8_t> code) {
    return uint32_t{code[0]} | uint32_t{code[1]} << 8 | uint32_t{code[2]} << 16 | uint32_t{code[3]} << 24;
  }

  /// Instructions Capstone 4.0.2 does not decode but Debian's arm64 libraries contain:
  /// ARMv8.1 LSE atomics (glibc's and libgcc's outline-atomics helpers, __aarch64_cas4_acq
  /// and friends, choose them at run time) and the ARMv8.3 pointer-authenticated branches
  /// and loads. False for anything else (the caller then gives nullopt).
  bool lift_unknown_to_capstone(uint32_t w, LiftedInsn& insn) {
    const unsigned rt = w & 31;
    const unsigned rn = (w >> 5) & 31;  // a base register: 31 is sp
    const unsigned rs = (w >> 16) & 31;
    const unsigned size = 1U << (w >> 30);
    auto base = [](unsigned r) { return r == 31 ? kStackPointer : static_cast<Reg>(r); };
    auto clobber = [this](unsigned r) {  // 31 is xzr in these positions
      if (r != 31) emit(Transfer::clobber(static_cast<Reg>(r)));
    };
    auto stored = [this](unsigned r) {  // a value that goes to memory without a Store
      if (r != 31) opaque_read(static_cast<Reg>(r));
    };
    if ((w & 0x3fa07c00) == 0x08a07c00) {  // cas{,a,l,al}{b,h,}: Rs receives the old value
      stored(rt);
      emit(Transfer::forget(base(rn), 0, static_cast<uint8_t>(size)));
      clobber(rs);
      return true;
    }
    if ((w & 0xbfa07c00) == 0x08207c00) {  // casp{,a,l,al}: the even pair Rs, Rs+1
      if (rs % 2 != 0 || rt % 2 != 0) return false;
      stored(rt);
      stored(rt + 1);
      emit(Transfer::forget(base(rn), 0, (w >> 30) & 1 ? 16 : 8));
      clobber(rs);
      clobber(rs + 1);
      return true;
    }
    if ((w & 0x3f200c00) == 0x38200000) {  // ld<op>, st<op> (Rt xzr), swp, ldapr
      const bool o3 = (w >> 15) & 1;
      const unsigned opc = (w >> 12) & 7;
      if (o3 && opc == 4) {  // ldapr{b,h,}: a load-acquire
        if (rs != 31) return false;
        if (rt != 31) emit(Transfer::load(static_cast<Reg>(rt), base(rn), 0, static_cast<uint8_t>(size)));
        return true;
      }
      if (o3 && opc != 0) return false;
      stored(rs);
      emit(Transfer::forget(base(rn), 0, static_cast<uint8_t>(size)));
      clobber(rt);
      return true;
    }
    if (w == 0xd65f0bff || w == 0xd65f0fff) {  // retaa, retab
      insn.flow = Flow::Return;
      return true;
    }
    const uint32_t zero_modifier = w & 0xfffff81f;  // bra{a,b}z, blra{a,b}z: key bit and Rn free
    const uint32_t reg_modifier = w & 0xfffff800;   // bra{a,b}, blra{a,b}: key bit, Rn and Rm free
    if (zero_modifier == 0xd61f081f || reg_modifier == 0xd71f0800) {
      insn.flow = Flow::IndirectJump;
      insn.indirect.reg = rn == 31 ? kNoReg : static_cast<Reg>(rn);
      return true;
    }
    if (zero_modifier == 0xd63f081f || reg_modifier == 0xd73f0800) {
      insn.flow = Flow::IndirectCall;
      insn.indirect.reg = rn == 31 ? kNoReg : static_cast<Reg>(rn);
      return true;
    }
    if ((w & 0xff200400) == 0xf8200400) {  // ldraa, ldrab: through an authenticated base
      opaque_read(base(rn));
      clobber(rt);
      if ((w >> 11) & 1) emit(Transfer::clobber(base(rn)));  // pre-index writeback
      return true;
    }
    return false;
  }

  /// Control flow; false for instructions that fall through without a side effect on it.
  static bool lift_flow(const cs_insn& ci, const cs_arm64& d, LiftedInsn& insn) {
    switch (ci.id) {
      case ARM64_INS_B:
        // b.al and b.nv (0b1111) are unconditional too.
        insn.flow = (d.cc == ARM64_CC_INVALID || d.cc == ARM64_CC_AL || d.cc == ARM64_CC_NV) ? Flow::Jump
                                                                                             : Flow::Branch;
        insn.target = static_cast<uint64_t>(last_imm(d));
        return true;
      case ARM64_INS_CBZ:
      case ARM64_INS_CBNZ:
        insn.flow = Flow::Branch;
        insn.target = static_cast<uint64_t>(last_imm(d));
        // Only a test of a whole x register says the register is 0 (`cbz w1` leaves the
        // upper half of x1 unknown).
        if (const Operand tested = reg_of(d.operands[0].reg); d.op_count > 0 && tested.gpr() && tested.bytes == 8) {
          insn.zero_test = ZeroTest{tested.reg, ci.id == ARM64_INS_CBZ};
        }
        return true;
      case ARM64_INS_TBZ:
      case ARM64_INS_TBNZ:
        insn.flow = Flow::Branch;
        insn.target = static_cast<uint64_t>(last_imm(d));
        return true;
      case ARM64_INS_BL:
        // x30 is the link register: call_clobbered covers it after the call.
        insn.flow = Flow::Call;
        insn.target = static_cast<uint64_t>(last_imm(d));
        return true;
      case ARM64_INS_BR:
      case ARM64_INS_BLR:
        insn.flow = ci.id == ARM64_INS_BR ? Flow::IndirectJump : Flow::IndirectCall;
        if (d.op_count > 0 && d.operands[0].type == ARM64_OP_REG)
          insn.indirect.reg = reg_of(d.operands[0].reg).reg;
        return true;
      case ARM64_INS_RET:
        insn.flow = Flow::Return;
        return true;
      case ARM64_INS_SVC:
        // Linux ignores the immediate. The kernel writes only x0 (Conventions::return_value);
        // Capstone 4.0.2 lists x30 as written, which is wrong.
        insn.flow = Flow::Syscall;
        return true;
      case ARM64_INS_BRK:
      case ARM64_INS_HLT:
      case ARM64_INS_HVC:  // hvc, smc, dcps*, eret, drps: undefined at EL0 (SIGILL)
      case ARM64_INS_SMC:
      case ARM64_INS_DCPS1:
      case ARM64_INS_DCPS2:
      case ARM64_INS_DCPS3:
      case ARM64_INS_ERET:
      case ARM64_INS_DRPS:
        insn.flow = Flow::Stop;
        return true;
      default:
        return false;
    }
  }

  /// Register and memory effects; false when not modelled (then clobber_written runs).
  bool lift_data(const cs_insn& ci, const cs_arm64& d) {
    switch (ci.id) {
      case ARM64_INS_NOP:
        return true;
      case ARM64_INS_HINT:
        // Hint space: bti and the like do nothing; the pointer-authentication hints
        // sign or authenticate the return address (x30) or x17 in place.
        if (d.op_count == 1 && d.operands[0].type == ARM64_OP_IMM) {
          if (is_pac_hint_x30(d.operands[0].imm)) {
            opaque_read(kLinkRegister);
            emit(Transfer::clobber(kLinkRegister));
          }
          if (is_pac_hint_x17(d.operands[0].imm)) {  // x17 is signed with x16 as the modifier
            opaque_read(17);
            opaque_read(16);
            emit(Transfer::clobber(17));
          }
          return true;
        }
        return false;
      // Flags only (subs/adds/ands into xzr). Capstone 4.0.2 reports their first operand
      // as written, which the ARM ARM contradicts.
      case ARM64_INS_CMP:
      case ARM64_INS_CMN:
      case ARM64_INS_TST:
        return true;
      // A system register or a cache operation; Capstone 4.0.2 reports the general
      // register operand, which is only read, as written.
      case ARM64_INS_MSR:
      case ARM64_INS_SYS:
        for (int i = 0; i < d.op_count; ++i) {
          if (d.operands[i].type == ARM64_OP_REG) opaque_read(reg_of(d.operands[i].reg).reg);
        }
        return true;
      case ARM64_INS_MOV:
        return lift_mov(d);
      case ARM64_INS_SXTB:
      case ARM64_INS_SXTH:
      case ARM64_INS_SXTW: {
        if (d.op_count != 2 || d.operands[0].type != ARM64_OP_REG || d.operands[1].type != ARM64_OP_REG) return false;
        const Operand dst = reg_of(d.operands[0].reg);
        const Operand src = reg_of(d.operands[1].reg);
        if (!dst.gpr() || !src.gpr()) return false;
        const uint8_t width = ci.id == ARM64_INS_SXTB ? 1 : ci.id == ARM64_INS_SXTH ? 2 : 4;
        emit(Transfer::sign_extension(dst.reg, src.reg, width));
        if (dst.is32()) emit(Transfer::and_imm(dst.reg, dst.reg, 0xffffffff));  // `sxtb w0, w1`
        return true;
      }
      case ARM64_INS_MOVZ:
      case ARM64_INS_MOVN:
      case ARM64_INS_MOVK:
        return lift_movewide(ci.id, d);
      case ARM64_INS_MOVI: {
        // The zeroing idiom (`movi v0.4s, #0`, `movi d0, #0`); other immediates are clobbers.
        const Operand dst = d.op_count == 2 && d.operands[0].type == ARM64_OP_REG ? reg_of(d.operands[0].reg) : Operand{};
        if (!dst.fp() || d.operands[1].type != ARM64_OP_IMM || d.operands[1].imm != 0) return false;
        emit(Transfer::set(dst.reg, 0));
        return true;
      }
      // Capstone 4.0.2 gives ands, adds and subs the ids of and, add and sub.
      case ARM64_INS_ORR:
      case ARM64_INS_AND:
      case ARM64_INS_EOR:
        return lift_logical_imm(ci.id, d);
      case ARM64_INS_ADD:
      case ARM64_INS_SUB:
        return lift_add_sub(ci.id, d);
      case ARM64_INS_LSL: {  // by an immediate (an alias of ubfm); by a register it is a clobber
        if (d.op_count != 3 || d.operands[0].type != ARM64_OP_REG || d.operands[1].type != ARM64_OP_REG ||
            d.operands[2].type != ARM64_OP_IMM) {
          return false;
        }
        const Operand dst = reg_of(d.operands[0].reg);
        const Operand src = reg_of(d.operands[1].reg);
        if (!dst.gpr() || !src.gpr()) return false;
        emit(Transfer::shl_imm(dst.reg, src.reg, d.operands[2].imm, dst.is32() ? 4 : 0));
        zero_extend_if_32(dst);
        return true;
      }
      case ARM64_INS_ADR:
      case ARM64_INS_ADRP: {
        if (d.op_count != 2 || d.operands[1].type != ARM64_OP_IMM) return false;
        const Operand dst = reg_of(d.operands[0].reg);
        if (!dst.gpr()) return false;
        emit(Transfer::set(dst.reg, d.operands[1].imm));
        return true;
      }
      case ARM64_INS_LDR:
      case ARM64_INS_LDUR:
      case ARM64_INS_LDTR:
      case ARM64_INS_LDAR:
      case ARM64_INS_LDXR:
      case ARM64_INS_LDAXR:
        return lift_load(d, {0, false});
      case ARM64_INS_LDRB:
      case ARM64_INS_LDURB:
      case ARM64_INS_LDTRB:
      case ARM64_INS_LDARB:
      case ARM64_INS_LDXRB:
      case ARM64_INS_LDAXRB:
        return lift_load(d, {1, false});
      case ARM64_INS_LDRH:
      case ARM64_INS_LDURH:
      case ARM64_INS_LDTRH:
      case ARM64_INS_LDARH:
      case ARM64_INS_LDXRH:
      case ARM64_INS_LDAXRH:
        return lift_load(d, {2, false});
      case ARM64_INS_LDRSB:
      case ARM64_INS_LDURSB:
      case ARM64_INS_LDTRSB:
        return lift_load(d, {1, true});
      case ARM64_INS_LDRSH:
      case ARM64_INS_LDURSH:
      case ARM64_INS_LDTRSH:
        return lift_load(d, {2, true});
      case ARM64_INS_LDRSW:
      case ARM64_INS_LDURSW:
      case ARM64_INS_LDTRSW:
        return lift_load(d, {4, true});
      case ARM64_INS_STR:
      case ARM64_INS_STUR:
      case ARM64_INS_STTR:
      case ARM64_INS_STLR:
        return lift_store(d, 0);
      case ARM64_INS_STRB:
      case ARM64_INS_STURB:
      case ARM64_INS_STTRB:
      case ARM64_INS_STLRB:
        return lift_store(d, 1);
      case ARM64_INS_STRH:
      case ARM64_INS_STURH:
      case ARM64_INS_STTRH:
      case ARM64_INS_STLRH:
        return lift_store(d, 2);
      case ARM64_INS_STXR:
      case ARM64_INS_STLXR:
        return lift_store_exclusive(d, 0, 1);
      case ARM64_INS_STXRB:
      case ARM64_INS_STLXRB:
        return lift_store_exclusive(d, 1, 1);
      case ARM64_INS_STXRH:
      case ARM64_INS_STLXRH:
        return lift_store_exclusive(d, 2, 1);
      case ARM64_INS_STXP:
      case ARM64_INS_STLXP:
        return lift_store_exclusive(d, 0, 2);
      case ARM64_INS_LDP:
      case ARM64_INS_LDNP:
      case ARM64_INS_LDXP:
      case ARM64_INS_LDAXP:
        return lift_load_pair(d, {0, false});
      case ARM64_INS_LDPSW:
        return lift_load_pair(d, {4, true});
      case ARM64_INS_STP:
      case ARM64_INS_STNP:
        return lift_store_pair(d);
      default:
        return false;
    }
  }

  /// `mov` aliases: orr with xzr, add #0 to or from sp, movz/movn/orr immediates.
  bool lift_mov(const cs_arm64& d) {
    if (d.op_count != 2 || d.operands[0].type != ARM64_OP_REG) return false;
    const Operand dst = reg_of(d.operands[0].reg);
    if (!dst.gpr()) return false;  // SIMD moves (and umov into a w/x register) are clobbers
    const cs_arm64_op& src = d.operands[1];
    if (src.type == ARM64_OP_IMM) {
      emit(Transfer::set(dst.reg, dst.is32() ? (src.imm & kLow32) : src.imm));
      return true;
    }
    if (src.type != ARM64_OP_REG || src.shift.type != ARM64_SFT_INVALID) return false;
    const Operand from = reg_of(src.reg);
    if (from.zero()) {
      emit(Transfer::set(dst.reg, 0));
      return true;
    }
    if (!from.gpr() || from.bytes != dst.bytes) return false;
    emit(dst.is32() ? Transfer::and_imm(dst.reg, from.reg, kLow32) : Transfer::add_imm(dst.reg, from.reg, 0));
    return true;
  }

  bool lift_movewide(unsigned id, const cs_arm64& d) {
    if (d.op_count != 2 || d.operands[0].type != ARM64_OP_REG || d.operands[1].type != ARM64_OP_IMM)
      return false;
    const Operand dst = reg_of(d.operands[0].reg);
    const cs_arm64_op& imm = d.operands[1];
    if (!dst.gpr() || (imm.shift.type != ARM64_SFT_INVALID && imm.shift.type != ARM64_SFT_LSL)) return false;
    const unsigned shift = imm.shift.type == ARM64_SFT_LSL ? imm.shift.value : 0;
    if (shift > 48 || imm.imm < 0 || imm.imm > 0xffff) return false;
    const uint64_t value = static_cast<uint64_t>(imm.imm) << shift;
    const uint64_t width_mask = dst.is32() ? uint64_t{0xffffffff} : ~uint64_t{0};
    switch (id) {
      case ARM64_INS_MOVZ:
        emit(Transfer::set(dst.reg, static_cast<int64_t>(value)));
        return true;
      case ARM64_INS_MOVN:
        emit(Transfer::set(dst.reg, static_cast<int64_t>(~value & width_mask)));
        return true;
      default: {  // movk: replace one 16-bit field, keep the others (w: clear bits 32–63)
        const uint64_t keep = ~(uint64_t{0xffff} << shift) & width_mask;
        emit(Transfer::and_imm(dst.reg, dst.reg, static_cast<int64_t>(keep)));
        emit(Transfer::or_imm(dst.reg, dst.reg, static_cast<int64_t>(value)));
        return true;
      }
    }
  }

  /// orr/and/ands/eor with an immediate, and orr of two unshifted registers (glibc's
  /// `flags | exit_signal`); the other register forms are clobbers.
  bool lift_logical_imm(unsigned id, const cs_arm64& d) {
    if (id == ARM64_INS_ORR && d.op_count == 3 && d.operands[2].type == ARM64_OP_REG) return lift_orr_registers(d);
    if (d.op_count != 3 || d.operands[0].type != ARM64_OP_REG || d.operands[1].type != ARM64_OP_REG ||
        d.operands[2].type != ARM64_OP_IMM) {
      return false;
    }
    const Operand dst = reg_of(d.operands[0].reg);
    const Operand src = reg_of(d.operands[1].reg);
    if (dst.zero()) return true;  // ands into wzr/xzr: flags only
    if (!dst.gpr() || !(src.gpr() || src.zero())) return false;
    const int64_t imm = dst.is32() ? (d.operands[2].imm & kLow32) : d.operands[2].imm;
    switch (id) {
      case ARM64_INS_ORR:
        if (src.zero()) {
          emit(Transfer::set(dst.reg, imm));
        } else {
          emit(Transfer::or_imm(dst.reg, src.reg, imm));
          zero_extend_if_32(dst);
        }
        return true;
      case ARM64_INS_AND:
        // A 32-bit mask already clears bits 32–63.
        emit(src.zero() ? Transfer::set(dst.reg, 0) : Transfer::and_imm(dst.reg, src.reg, imm));
        return true;
      default:  // eor: the form has no exclusive-or, so only eor from zero is exact
        if (src.zero()) {
          emit(Transfer::set(dst.reg, imm));
        } else {
          opaque_read(src.reg);
          emit(Transfer::clobber(dst.reg));
        }
        return true;
    }
  }

  bool lift_orr_registers(const cs_arm64& d) {
    const cs_arm64_op& third = d.operands[2];
    if (d.operands[0].type != ARM64_OP_REG || d.operands[1].type != ARM64_OP_REG ||
        third.shift.type != ARM64_SFT_INVALID || third.ext != ARM64_EXT_INVALID) {
      return false;
    }
    const Operand dst = reg_of(d.operands[0].reg);
    if (dst.zero()) return true;
    if (!dst.gpr()) return false;
    return emit_two_registers(dst, reg_of(d.operands[1].reg), reg_of(third.reg), Transfer::or_reg);
  }

  /// dst = combine(a, b) of two registers of dst's width (add or orr); with the zero
  /// register on one side it is a move of the other.
  bool emit_two_registers(const Operand& dst, const Operand& a, const Operand& b, Transfer (*combine)(Reg, Reg, Reg)) {
    if (!(a.gpr() || a.zero()) || !(b.gpr() || b.zero()) || a.bytes != dst.bytes || b.bytes != dst.bytes) {
      return false;
    }
    if (a.zero() && b.zero()) {
      emit(Transfer::set(dst.reg, 0));
      return true;
    }
    Transfer t = a.zero() || b.zero() ? Transfer::add_imm(dst.reg, a.zero() ? b.reg : a.reg, 0) : combine(dst.reg, a.reg, b.reg);
    if (t.op == Transfer::Op::AddReg && dst.is32()) t.width = 4;  // glibc's tcsetattr: `add w1, w5, w0`
    emit(t);
    zero_extend_if_32(dst);
    return true;
  }

  bool lift_add_sub(unsigned id, const cs_arm64& d) {
    if (d.op_count != 3 || d.operands[0].type != ARM64_OP_REG || d.operands[1].type != ARM64_OP_REG)
      return false;
    const Operand dst = reg_of(d.operands[0].reg);
    const Operand a = reg_of(d.operands[1].reg);
    if (dst.zero()) return true;  // adds/subs into xzr: flags only
    if (!dst.gpr()) return false;
    const cs_arm64_op& third = d.operands[2];
    const bool subtract = id == ARM64_INS_SUB;
    if (third.type == ARM64_OP_IMM) {
      if (!a.gpr() || (third.shift.type != ARM64_SFT_INVALID && third.shift.type != ARM64_SFT_LSL))
        return false;
      const unsigned shift = third.shift.type == ARM64_SFT_LSL ? third.shift.value : 0;
      if (shift > 12 || third.imm < 0) return false;
      const int64_t value = third.imm << shift;
      emit(Transfer::add_imm(dst.reg, a.reg, subtract ? -value : value, dst.is32() ? 4 : 0));
      zero_extend_if_32(dst);
      return true;
    }
    // add of two registers, unshifted and unextended; sub of registers has no transfer.
    if (subtract || third.type != ARM64_OP_REG || third.shift.type != ARM64_SFT_INVALID ||
        third.ext != ARM64_EXT_INVALID) {
      return false;
    }
    return emit_two_registers(dst, a, reg_of(third.reg), [](Reg d, Reg x, Reg y) { return Transfer::add_reg(d, x, y); });
  }

  void emit_writeback(const Mem& m) {
    if (!m.writeback) return;
    emit(m.update_reg != kNoReg ? Transfer::add_reg(m.base, m.base, m.update_reg)
                                : Transfer::add_imm(m.base, m.base, m.update));
  }

  void emit_load(const Operand& dst, Reg base, int64_t disp, MemKind kind) {
    if (dst.fp()) emit(Transfer::clobber(dst.reg));  // a vector register is tracked only as zero
    if (!dst.gpr()) return;  // xzr discards
    const uint8_t width = kind.width != 0 ? kind.width : dst.bytes;
    emit(Transfer::load(dst.reg, base, disp, width, kind.sign));
    // ldrsb/ldrsh into a w register sign-extend to 32 bits, then zero-extend.
    if (kind.sign && dst.is32()) zero_extend_if_32(dst);
  }

  bool lift_load(const cs_arm64& d, MemKind kind) {
    if (d.op_count < 2 || d.operands[0].type != ARM64_OP_REG) return false;
    const Operand dst = reg_of(d.operands[0].reg);
    if (dst.kind == Operand::Kind::None) return false;
    if (d.operands[1].type == ARM64_OP_IMM) {  // literal: Capstone gives the absolute address
      if (d.op_count != 2) return false;
      emit_load(dst, kNoReg, d.operands[1].imm, kind);
      return true;
    }
    Mem m;
    if (!parse_mem(d, 1, m)) return false;
    if (m.indexed) {  // [base, xM, lsl #s]: no constant address
      opaque_read(m.base);
      opaque_read(m.index);
      if (dst.gpr()) emit(Transfer::clobber(dst.reg));
      return true;
    }
    if (m.writeback && dst.gpr() && dst.reg == m.base) {  // constrained unpredictable
      emit(Transfer::clobber(dst.reg));
      return true;
    }
    emit_load(dst, m.base, m.disp, kind);
    emit_writeback(m);
    return true;
  }

  void emit_store(const Operand& value, const Mem& m, int64_t disp, uint8_t width) {
    if (value.zero()) {
      emit(Transfer::store_const(m.base, disp, 0, width));
    } else if (value.fp() || (value.gpr() && !(m.writeback && value.reg == m.base))) {
      emit(Transfer::store(m.base, disp, value.reg, width));  // a vector register: zero or unknown
    } else {
      // The base being written back (constrained unpredictable).
      opaque_read(value.reg);
      emit(Transfer::forget(m.base, disp, width));
    }
  }

  bool lift_store(const cs_arm64& d, uint8_t fixed_width) {
    if (d.op_count < 2 || d.operands[0].type != ARM64_OP_REG) return false;
    const Operand value = reg_of(d.operands[0].reg);
    if (value.kind == Operand::Kind::None) return false;
    Mem m;
    if (!parse_mem(d, 1, m)) return false;
    if (m.indexed) {
      // [base, xM]: no constant offset: a scribble through the base, and the escape of
      // the registers.
      if (value.gpr()) opaque_read(value.reg);
      opaque_read(m.base);
      opaque_read(m.index);
      emit(Transfer::scribble(m.base));
      return true;
    }
    emit_store(value, m, m.disp, fixed_width != 0 ? fixed_width : value.bytes);
    emit_writeback(m);
    return true;
  }

  /// stxr/stlxr (`count` 1) and stxp/stlxp (2): the store may or may not happen, so the
  /// memory becomes unknown; the status register is written.
  bool lift_store_exclusive(const cs_arm64& d, uint8_t fixed_width, int count) {
    if (d.op_count != count + 2 || d.operands[0].type != ARM64_OP_REG || d.operands[1].type != ARM64_OP_REG) {
      return false;
    }
    const Operand status = reg_of(d.operands[0].reg);
    const Operand value = reg_of(d.operands[1].reg);
    Mem m;
    if (value.kind == Operand::Kind::None || !parse_mem(d, count + 1, m) || m.indexed || m.writeback)
      return false;
    for (int i = 1; i <= count; ++i) {
      if (const Operand v = reg_of(d.operands[i].reg); v.gpr()) opaque_read(v.reg);
    }
    emit(Transfer::forget(m.base, m.disp,
                          static_cast<uint8_t>((fixed_width != 0 ? fixed_width : value.bytes) * count)));
    if (status.gpr()) emit(Transfer::clobber(status.reg));
    return true;
  }

  bool lift_load_pair(const cs_arm64& d, MemKind kind) {
    if (d.op_count < 3 || d.operands[0].type != ARM64_OP_REG || d.operands[1].type != ARM64_OP_REG)
      return false;
    const Operand a = reg_of(d.operands[0].reg);
    const Operand b = reg_of(d.operands[1].reg);
    Mem m;
    if (a.kind == Operand::Kind::None || b.kind == Operand::Kind::None || !parse_mem(d, 2, m) || m.indexed) {
      return false;
    }
    const bool a_base = a.gpr() && a.reg == m.base;
    const bool b_base = b.gpr() && b.reg == m.base;
    if ((a.gpr() && b.gpr() && a.reg == b.reg) || (m.writeback && (a_base || b_base))) {
      // Constrained unpredictable: every written register becomes unknown.
      if (a.gpr()) emit(Transfer::clobber(a.reg));
      if (b.gpr() && !(a.gpr() && a.reg == b.reg)) emit(Transfer::clobber(b.reg));
      if (m.writeback && !a_base && !b_base) emit(Transfer::clobber(m.base));
      return true;
    }
    const uint8_t width = kind.width != 0 ? kind.width : a.bytes;
    const int64_t disp = m.disp;
    // Each transfer reads the base as it is then: the load that overwrites the base goes last.
    if (a_base) {
      emit_load(b, m.base, disp + width, kind);
      emit_load(a, m.base, disp, kind);
    } else {
      emit_load(a, m.base, disp, kind);
      emit_load(b, m.base, disp + width, kind);
    }
    emit_writeback(m);
    return true;
  }

  bool lift_store_pair(const cs_arm64& d) {
    if (d.op_count < 3 || d.operands[0].type != ARM64_OP_REG || d.operands[1].type != ARM64_OP_REG)
      return false;
    const Operand a = reg_of(d.operands[0].reg);
    const Operand b = reg_of(d.operands[1].reg);
    Mem m;
    if (a.kind == Operand::Kind::None || b.kind == Operand::Kind::None || !parse_mem(d, 2, m) || m.indexed) {
      return false;
    }
    const int64_t disp = m.disp;
    emit_store(a, m, disp, a.bytes);
    emit_store(b, m, disp + a.bytes, b.bytes);
    emit_writeback(m);
    return true;
  }

  /// Not modelled: every general register Capstone says the instruction reads is an
  /// opaque read and every one it writes becomes unknown, except that an immediate or register writeback
  /// still updates the base exactly (SIMD ld1/st1 … post-index).
  void clobber_written(const cs_insn& ci, const cs_arm64& d) {
    out_.clear();
    Mem m;
    bool writeback = false;
    if (d.writeback) {
      const int index = find_mem(d);
      writeback = index >= 0 && parse_mem(d, index, m) && !m.indexed && m.writeback;
      for (int i = 0; writeback && i < d.op_count; ++i) {
        const cs_arm64_op& op = d.operands[i];
        if (op.type == ARM64_OP_REG && (op.access & CS_AC_WRITE) && reg_of(op.reg).reg == m.base)
          writeback = false;
      }
    }
    cs_regs read;
    cs_regs written;
    uint8_t read_count = 0;
    uint8_t write_count = 0;
    // Whatever it does with its memory operand may be a store (st1, stnp, …).
    if (const int index = find_mem(d); index >= 0) {
      if (const Operand base = reg_of(d.operands[index].mem.base); base.gpr()) emit(Transfer::scribble(base.reg));
    }
    if (cs_regs_access(cs_.handle(), &ci, read, &read_count, written, &write_count) != CS_ERR_OK) {
      for (Reg r = 0; r <= kStackPointer; ++r) {  // no information: everything
        opaque_read(r);
        emit(Transfer::clobber(r));
      }
      for (Reg v = kV0; v < kV0 + kVectorCount; ++v) emit(Transfer::clobber(v));
      return;
    }
    for (uint8_t i = 0; i < read_count; ++i) {
      if (const Operand r = reg_of(read[i]); r.gpr()) opaque_read(r.reg);
    }
    uint64_t seen = 0;
    for (uint8_t i = 0; i < write_count; ++i) {
      const Operand w = reg_of(written[i]);
      if (!(w.gpr() || w.fp()) || (writeback && w.reg == m.base) || (seen & (uint64_t{1} << w.reg))) continue;
      seen |= uint64_t{1} << w.reg;
      emit(Transfer::clobber(w.reg));
    }
    if (writeback) emit_writeback(m);
  }

  disasm::Capstone cs_;
  std::vector<Transfer> out_;  ///< the current instruction's transfers; capacity reused
  std::vector<Reg> opaque_;    ///< the current instruction's opaque reads; capacity reused
};

Conventions make_conventions() {
  Conventions c;
  c.pointer_size = 8;
  c.instruction_step = 4;
  c.stack_pointer = kStackPointer;
  c.syscall_number = 8;
  c.syscall_args = {0, 1, 2, 3, 4, 5};
  c.call_args = {0, 1, 2, 3, 4, 5, 6, 7};
  // AAPCS64: stacked arguments start at the callee's sp (no return address on the stack).
  c.stack_params = {0, 8, 16, 24, 32, 40, 48, 56};
  c.call_stack_adjust = 0;  // bl puts the return address in x30
  c.return_value = 0;
  // x0–x18 (arguments, results, temporaries, ip0/ip1 that PLT stubs and veneers use,
  // and the platform register, which Linux leaves caller-saved) and the link register.
  for (Reg r = 0; r <= 18; ++r) c.call_clobbered.push_back(r);
  c.call_clobbered.push_back(kLinkRegister);
  c.link_register = kLinkRegister;
  // AAPCS64 keeps the low halves of v8–v15 across calls; taking every vector register as
  // changed is safe.
  for (Reg v = kV0; v < kV0 + kVectorCount; ++v) c.call_clobbered.push_back(v);
  for (Reg v = kV0; v < kV0 + kVectorCount; ++v) c.not_inputs.push_back(v);
  // Empty: the kernel returns in x0, which is Conventions::return_value ("besides the
  // return value" in arch.h), and preserves every other general register across svc.
  c.syscall_clobbered = {};
  c.data_references_complete = true;
  return c;
}

}  // namespace

Reg AArch64Backend::register_count() const {
  return aarch64::kRegisterCount;
}

const Conventions& AArch64Backend::conventions() const {
  static const Conventions conventions = make_conventions();
  return conventions;
}

Result<std::unique_ptr<Lifter>> AArch64Backend::make_lifter() const {
  auto capstone = disasm::Capstone::open(CS_ARCH_ARM64, CS_MODE_ARM);
  if (!capstone) return capstone.error();
  return std::unique_ptr<Lifter>(std::make_unique<AArch64Lifter>(std::move(*capstone)));
}

}  // namespace sysfence::arch
