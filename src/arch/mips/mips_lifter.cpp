// MIPS o32 (MIPS32r2, little and big endian): conventions and the lifter into the
// register-transfer form of arch/lifted.h.
//
// Capstone 4.0.2 gives no per-operand access information for MIPS and cs_regs_access
// answers CS_ERR_ARCH, so the registers an instruction writes come from the MIPS
// operand order instead: the first register operand is the destination, except for the
// instructions listed in first_operand_only_read(); hi/lo and the link register come
// from the implicit write list. tests/lift_mips_test.cpp checks this against the
// instruction encodings over the whole .text of glibc.
#include <capstone/capstone.h>

#include <algorithm>

#include "arch/mips/mips_backend.h"
#include "arch/mips/mips_registers.h"
#include "disasm/capstone.h"

namespace sysfence::arch {
namespace {

using namespace mips;  // NOLINT(google-build-using-namespace): register names

std::optional<Reg> gpr(unsigned cs_reg) {
  if (cs_reg >= MIPS_REG_0 && cs_reg <= MIPS_REG_31) return static_cast<Reg>(cs_reg - MIPS_REG_0);
  return std::nullopt;
}

bool is_accumulator(unsigned cs_reg) {
  return cs_reg == MIPS_REG_AC0 || cs_reg == MIPS_REG_HI || cs_reg == MIPS_REG_LO;
}

/// o32 registers hold 32-bit values; constants are given sign-extended from bit 31.
int64_t s32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

/// Instructions whose first operand is a general register they only read (stores, moves
/// to coprocessors and hi/lo, multiply/divide into hi/lo, traps). Ids are shared with
/// floating-point forms (MIPS_INS_DIV is also `div.s`), whose first operand is not a
/// general register, so listing them here is harmless.
bool first_operand_only_read(unsigned id) {
  switch (id) {
    case MIPS_INS_SB: case MIPS_INS_SH: case MIPS_INS_SW: case MIPS_INS_SWL: case MIPS_INS_SWR:
    case MIPS_INS_MTC0: case MIPS_INS_MTC1: case MIPS_INS_MTC2: case MIPS_INS_MTHC1: case MIPS_INS_CTC1:
    case MIPS_INS_DMTC0: case MIPS_INS_DMTC1: case MIPS_INS_DMTC2:
    case MIPS_INS_MTHI: case MIPS_INS_MTLO: case MIPS_INS_MTHLIP: case MIPS_INS_WRDSP:
    case MIPS_INS_MULT: case MIPS_INS_MULTU: case MIPS_INS_DIV: case MIPS_INS_DIVU:
    case MIPS_INS_MADD: case MIPS_INS_MADDU: case MIPS_INS_MSUB: case MIPS_INS_MSUBU:
    case MIPS_INS_TEQ: case MIPS_INS_TEQI: case MIPS_INS_TGE: case MIPS_INS_TGEI: case MIPS_INS_TGEIU:
    case MIPS_INS_TGEU: case MIPS_INS_TLT: case MIPS_INS_TLTI: case MIPS_INS_TLTIU: case MIPS_INS_TLTU:
    case MIPS_INS_TNE: case MIPS_INS_TNEI:
      return true;
    default:
      return false;
  }
}

/// Instructions that change hi/lo without naming them as an operand.
bool writes_hi_lo(unsigned id) {
  switch (id) {
    case MIPS_INS_MULT: case MIPS_INS_MULTU: case MIPS_INS_DIV: case MIPS_INS_DIVU:
    case MIPS_INS_MADD: case MIPS_INS_MADDU: case MIPS_INS_MSUB: case MIPS_INS_MSUBU:
    case MIPS_INS_MTHI: case MIPS_INS_MTLO:
    case MIPS_INS_MUL:  // leaves hi/lo UNPREDICTABLE before release 6
      return true;
    default:
      return false;
  }
}

/// Width in bytes of a store whose value no transfer expresses (a floating-point or
/// coprocessor register, or sc's conditional store); 0 when `id` is not one.
uint8_t opaque_store_width(unsigned id) {
  switch (id) {
    case MIPS_INS_SC: case MIPS_INS_SWC1: case MIPS_INS_SWC2: return 4;
    case MIPS_INS_SDC1: case MIPS_INS_SDC2: return 8;
    case MIPS_INS_ST: return 16;  // MSA st.[bhwd]
    default: return 0;
  }
}

/// Memory-operand instructions that do not write memory.
bool reads_memory_only(unsigned id) {
  switch (id) {
    case MIPS_INS_LB: case MIPS_INS_LBU: case MIPS_INS_LH: case MIPS_INS_LHU: case MIPS_INS_LW:
    case MIPS_INS_LL: case MIPS_INS_LWL: case MIPS_INS_LWR: case MIPS_INS_LD:
    case MIPS_INS_LWC1: case MIPS_INS_LDC1: case MIPS_INS_LWC2: case MIPS_INS_LDC2:
    case MIPS_INS_CACHE: case MIPS_INS_PREF: case MIPS_INS_SYNCI:
      return true;
    default:
      return false;
  }
}

/// A branch or jump: every one of them has a delay slot in MIPS32.
struct BranchKind {
  bool link = false;      ///< writes the return address (ra, or rd of `jalr rd, rs`)
  bool likely = false;    ///< the delay slot runs only when the branch is taken
  bool indirect = false;  ///< jr / jalr
};

std::optional<BranchKind> branch_kind(unsigned id) {
  switch (id) {
    case MIPS_INS_J: case MIPS_INS_B: case MIPS_INS_BEQ: case MIPS_INS_BNE: case MIPS_INS_BEQZ:
    case MIPS_INS_BNEZ: case MIPS_INS_BGEZ: case MIPS_INS_BGTZ: case MIPS_INS_BLEZ: case MIPS_INS_BLTZ:
    case MIPS_INS_BC0F: case MIPS_INS_BC0T: case MIPS_INS_BC1F: case MIPS_INS_BC1T: case MIPS_INS_BC2F:
    case MIPS_INS_BC2T: case MIPS_INS_BC3F: case MIPS_INS_BC3T: case MIPS_INS_BPOSGE32: case MIPS_INS_BZ:
    case MIPS_INS_BNZ:
      return BranchKind{};
    case MIPS_INS_BEQL: case MIPS_INS_BNEL: case MIPS_INS_BGEZL: case MIPS_INS_BGTZL: case MIPS_INS_BLEZL:
    case MIPS_INS_BLTZL: case MIPS_INS_BC0FL: case MIPS_INS_BC0TL: case MIPS_INS_BC1FL: case MIPS_INS_BC1TL:
    case MIPS_INS_BC2FL: case MIPS_INS_BC2TL: case MIPS_INS_BC3FL: case MIPS_INS_BC3TL:
      return BranchKind{.likely = true};
    case MIPS_INS_JAL: case MIPS_INS_JALX: case MIPS_INS_BAL: case MIPS_INS_BGEZAL: case MIPS_INS_BLTZAL:
      return BranchKind{.link = true};
    case MIPS_INS_BGEZALL: case MIPS_INS_BLTZALL:
      return BranchKind{.link = true, .likely = true};
    case MIPS_INS_JR: case MIPS_INS_JR_HB:
      return BranchKind{.indirect = true};
    case MIPS_INS_JALR: case MIPS_INS_JALR_HB:
      return BranchKind{.link = true, .indirect = true};
    default:
      return std::nullopt;
  }
}

bool has_control_group(const cs_insn& insn) {
  const cs_detail& d = *insn.detail;
  for (uint8_t i = 0; i < d.groups_count; ++i) {
    switch (d.groups[i]) {
      case MIPS_GRP_JUMP: case MIPS_GRP_CALL: case MIPS_GRP_RET: case MIPS_GRP_IRET:
      case MIPS_GRP_BRANCH_RELATIVE:
        return true;
      default:
        break;
    }
  }
  return false;
}

/// Whether a conditional branch on `rs` (and `rt`) is decided by its encoding alone:
/// `beq x, x`, `bgez $zero` (= b), `bltzal $zero` (= nal, never branches).
enum class Taken : uint8_t { Always, Never, Maybe };

Taken taken(unsigned id, Reg rs, Reg rt) {
  switch (id) {
    case MIPS_INS_B: case MIPS_INS_BAL: case MIPS_INS_J: case MIPS_INS_JAL: case MIPS_INS_JALX:
      return Taken::Always;
    case MIPS_INS_BEQ: case MIPS_INS_BEQL:
      return rs == rt ? Taken::Always : Taken::Maybe;
    case MIPS_INS_BNE: case MIPS_INS_BNEL:
      return rs == rt ? Taken::Never : Taken::Maybe;
    case MIPS_INS_BEQZ: case MIPS_INS_BGEZ: case MIPS_INS_BGEZL: case MIPS_INS_BLEZ: case MIPS_INS_BLEZL:
    case MIPS_INS_BGEZAL: case MIPS_INS_BGEZALL:
      return rs == kZero ? Taken::Always : Taken::Maybe;
    case MIPS_INS_BNEZ: case MIPS_INS_BGTZ: case MIPS_INS_BGTZL: case MIPS_INS_BLTZ: case MIPS_INS_BLTZL:
    case MIPS_INS_BLTZAL: case MIPS_INS_BLTZALL:
      return rs == kZero ? Taken::Never : Taken::Maybe;
    default:
      return Taken::Maybe;
  }
}

/// `beqz rs` / `bnez rs` (`beq rs, $zero`, either way round): rs is 0 on one edge,
/// unless the delay slot, which runs before control moves, writes it.
std::optional<ZeroTest> zero_test(unsigned id, std::optional<Reg> rs, std::optional<Reg> rt,
                                  const std::vector<Transfer>& transfers) {
  const bool equal = id == MIPS_INS_BEQ || id == MIPS_INS_BEQZ;
  if (!equal && id != MIPS_INS_BNE && id != MIPS_INS_BNEZ) return std::nullopt;
  if (!rs) return std::nullopt;
  Reg tested = *rs;
  if (rt && *rt != kZero) {
    if (*rs != kZero) return std::nullopt;  // two registers compared
    tested = *rt;
  }
  if (tested == kZero) return std::nullopt;
  for (const Transfer& t : transfers) {
    if (t.dst == tested) return std::nullopt;
  }
  return ZeroTest{tested, equal};
}

/// What an instruction does besides its register and memory effects.
enum class Kind : uint8_t { Plain, Syscall, Stop, Control };

/// Appends transfers (and opaque reads) of one instruction, dropping writes to $zero and
/// turning reads of $zero into constants.
class Emitter {
 public:
  Emitter(std::vector<Transfer>& out, std::vector<Reg>& opaque) : out_(out), opaque_(opaque) {}

  void set(Reg dst, int64_t imm) {
    if (dst != kZero) out_.push_back(Transfer::set(dst, s32(imm)));
  }
  void add_imm(Reg dst, Reg src, int64_t imm) {
    if (src == kZero) return set(dst, imm);
    if (dst != kZero) out_.push_back(Transfer::add_imm(dst, src, imm));
  }
  void or_imm(Reg dst, Reg src, int64_t imm) {
    if (src == kZero) return set(dst, imm);
    if (dst != kZero) out_.push_back(Transfer::or_imm(dst, src, imm));
  }
  void and_imm(Reg dst, Reg src, int64_t imm) {
    if (src == kZero) return set(dst, 0);
    if (dst != kZero) out_.push_back(Transfer::and_imm(dst, src, imm));
  }
  void shl_imm(Reg dst, Reg src, int64_t amount) {
    if (src == kZero) return set(dst, 0);
    if (amount == 0) return add_imm(dst, src, 0);  // `sll rd, rt, 0`: a move (or nop)
    if (dst != kZero) out_.push_back(Transfer::shl_imm(dst, src, amount));
  }
  void or_reg(Reg dst, Reg a, Reg b) {
    if (dst != kZero) out_.push_back(Transfer::or_reg(dst, a, b));
  }
  void and_reg(Reg dst, Reg a, Reg b) {
    if (a == kZero || b == kZero) return set(dst, 0);
    if (dst != kZero) out_.push_back(Transfer::and_reg(dst, a, b));
  }
  void add_reg(Reg dst, Reg a, Reg b) {
    if (a == kZero) return add_imm(dst, b, 0);
    if (b == kZero) return add_imm(dst, a, 0);
    if (dst != kZero) out_.push_back(Transfer::add_reg(dst, a, b));
  }
  // $zero as a base register: an absolute address.
  void load(Reg dst, Reg base, int64_t disp, uint8_t width, bool sign_extend) {
    if (dst != kZero) out_.push_back(Transfer::load(dst, absolute(base), disp, width, sign_extend));
  }
  void store(Reg base, int64_t disp, Reg value, uint8_t width) {
    out_.push_back(value == kZero ? Transfer::store_const(absolute(base), disp, 0, width)
                                  : Transfer::store(absolute(base), disp, value, width));
  }
  /// memory[base + disp] becomes unknown, `width` bytes.
  void forget(Reg base, int64_t disp, uint8_t width) {
    out_.push_back(Transfer::forget(absolute(base), disp, width));
  }
  void clobber(Reg dst) {
    if (dst == kZero) return;
    for (const Transfer& t : out_) {
      if (t.op == Transfer::Op::Clobber && t.dst == dst) return;
    }
    out_.push_back(Transfer::clobber(dst));
  }
  /// A register read in a way no transfer expresses: a code address in it escapes.
  void opaque_read(Reg r) {
    if (r == kZero || r == kNoReg || std::find(opaque_.begin(), opaque_.end(), r) != opaque_.end()) return;
    opaque_.push_back(r);
  }

 private:
  static Reg absolute(Reg base) { return base == kZero ? kNoReg : base; }

  std::vector<Transfer>& out_;
  std::vector<Reg>& opaque_;
};

/// The instructions modelled precisely; false when `id` is not one of them (or its
/// operands are not the expected ones) and the generic rule applies. `rd` is the first
/// operand, a general register.
template <class RegAt, class ImmAt, class MemAt>
bool lift_modelled(unsigned id, Reg rd, const RegAt& reg, const ImmAt& imm, const MemAt& mem, int op_count,
                   Emitter& e) {
  switch (id) {
    case MIPS_INS_LUI:
      if (op_count != 2 || !imm(1)) return false;
      e.set(rd, static_cast<int64_t>(*imm(1) & 0xffff) << 16);
      return true;
    case MIPS_INS_LI:
      if (op_count != 2 || !imm(1)) return false;
      e.set(rd, *imm(1));
      return true;
    case MIPS_INS_ADDIU: case MIPS_INS_ADDI:
      if (!reg(1) || !imm(2)) return false;
      e.add_imm(rd, *reg(1), static_cast<int16_t>(*imm(2)));
      return true;
    case MIPS_INS_ORI: case MIPS_INS_XORI:
      // xori of $zero is a constant; otherwise only ori is an or.
      if (!reg(1) || !imm(2) || (id == MIPS_INS_XORI && *reg(1) != kZero)) return false;
      e.or_imm(rd, *reg(1), *imm(2) & 0xffff);
      return true;
    case MIPS_INS_ANDI:
      if (!reg(1) || !imm(2)) return false;
      e.and_imm(rd, *reg(1), *imm(2) & 0xffff);
      return true;
    case MIPS_INS_MOVE:
      if (op_count != 2 || !reg(1)) return false;
      e.add_imm(rd, *reg(1), 0);
      return true;
    case MIPS_INS_ADDU: case MIPS_INS_ADD:
      if (!reg(1) || !reg(2)) return false;
      e.add_reg(rd, *reg(1), *reg(2));
      return true;
    case MIPS_INS_OR: case MIPS_INS_XOR:
      // With a $zero operand these are moves (GNU as's `move` is `or rd, rs, $zero`).
      if (!reg(1) || !reg(2)) return false;
      if (*reg(1) == kZero || *reg(2) == kZero) {
        e.add_reg(rd, *reg(1), *reg(2));
      } else if (id == MIPS_INS_OR) {
        e.or_reg(rd, *reg(1), *reg(2));
      } else {
        return false;
      }
      return true;
    case MIPS_INS_AND:
      if (!reg(1) || !reg(2)) return false;
      e.and_reg(rd, *reg(1), *reg(2));
      return true;
    case MIPS_INS_SUBU: case MIPS_INS_SUB:
      if (!reg(1) || !reg(2) || *reg(2) != kZero) return false;
      e.add_imm(rd, *reg(1), 0);
      return true;
    case MIPS_INS_SLL:
      if (!reg(1) || !imm(2) || *imm(2) < 0 || *imm(2) > 31) return false;
      e.shl_imm(rd, *reg(1), *imm(2));
      return true;
    case MIPS_INS_LW: case MIPS_INS_LL: case MIPS_INS_LH: case MIPS_INS_LHU: case MIPS_INS_LB:
    case MIPS_INS_LBU: {
      const auto m = mem(1);
      if (!m) return false;
      const uint8_t width = id == MIPS_INS_LB || id == MIPS_INS_LBU ? 1
                            : id == MIPS_INS_LH || id == MIPS_INS_LHU ? 2
                                                                      : 4;
      e.load(rd, m->first, m->second, width, id == MIPS_INS_LB || id == MIPS_INS_LH);
      return true;
    }
    case MIPS_INS_SW: case MIPS_INS_SH: case MIPS_INS_SB: {
      const auto m = mem(1);
      if (!m) return false;
      e.store(m->first, m->second, rd, id == MIPS_INS_SB ? 1 : id == MIPS_INS_SH ? 2 : 4);
      return true;
    }
    default:
      return false;
  }
}

/// Instructions whose operands after the first name coprocessor or hardware registers
/// that Capstone prints as general ones (`rdhwr v1, $29`, `cfc1 v0, $31`, `mfc0 v0, $12`).
bool only_first_operand_general(unsigned id) {
  switch (id) {
    case MIPS_INS_RDHWR: case MIPS_INS_MFC0: case MIPS_INS_MTC0: case MIPS_INS_DMFC0: case MIPS_INS_DMTC0:
    case MIPS_INS_MFC2: case MIPS_INS_MTC2: case MIPS_INS_DMFC2: case MIPS_INS_DMTC2: case MIPS_INS_CFC1:
    case MIPS_INS_CTC1:
      return true;
    default:
      return false;
  }
}

/// Instructions that also read the register they write (a conditional move keeps the
/// old value, ins/lwl/lwr merge into it, sc stores it and then sets it to 0 or 1).
bool reads_destination(unsigned id) {
  switch (id) {
    case MIPS_INS_MOVN: case MIPS_INS_MOVZ: case MIPS_INS_MOVF: case MIPS_INS_MOVT: case MIPS_INS_INS:
    case MIPS_INS_LWL: case MIPS_INS_LWR: case MIPS_INS_SC:
      return true;
    default:
      return false;
  }
}

/// The register and memory effects of one instruction that is not a branch or jump, and
/// its kind. Emits nothing for Control, Syscall and Stop.
Kind lift_body(const cs_insn& insn, Emitter& e) {
  const unsigned id = insn.id;
  if (branch_kind(id) || has_control_group(insn)) return Kind::Control;
  switch (id) {
    case MIPS_INS_SYSCALL: return Kind::Syscall;
    case MIPS_INS_BREAK: case MIPS_INS_SDBBP: case MIPS_INS_ERET: case MIPS_INS_DERET: return Kind::Stop;
    default: break;
  }

  const cs_mips& m = insn.detail->mips;
  const cs_mips_op* op = m.operands;
  const auto reg = [&](int i) -> std::optional<Reg> {
    return i < m.op_count && op[i].type == MIPS_OP_REG ? gpr(op[i].reg) : std::nullopt;
  };
  const auto imm = [&](int i) -> std::optional<int64_t> {
    return i < m.op_count && op[i].type == MIPS_OP_IMM ? std::optional<int64_t>(op[i].imm) : std::nullopt;
  };
  const auto mem = [&](int i) -> std::optional<std::pair<Reg, int64_t>> {
    if (i >= m.op_count || op[i].type != MIPS_OP_MEM) return std::nullopt;
    auto base = gpr(op[i].mem.base);
    if (!base) return std::nullopt;
    return std::make_pair(*base, op[i].mem.disp);
  };
  const auto rd = reg(0);
  if (rd && lift_modelled(id, *rd, reg, imm, mem, m.op_count, e)) return Kind::Plain;

  // Everything else. Memory it may write becomes unknown; every register it writes is
  // clobbered (the soundness rule of arch/lifted.h); the registers it reads are opaque.
  if (id == MIPS_INS_SWL || id == MIPS_INS_SWR) {
    // Unaligned partial stores: swl writes from A to the end of A's word, swr from the
    // start of A's word to A; both within [A-3, A+4).
    if (auto m1 = mem(1)) e.forget(m1->first, m1->second - 3, 7);
  } else if (!reads_memory_only(id)) {
    for (int i = 0; i < m.op_count; ++i) {
      if (op[i].type != MIPS_OP_MEM) continue;
      const uint8_t width = opaque_store_width(id);
      if (auto base = gpr(op[i].mem.base)) e.forget(*base, op[i].mem.disp, width != 0 ? width : 16);
    }
  }
  const bool first_read = first_operand_only_read(id);
  const int last_read = only_first_operand_general(id) ? 1 : m.op_count;
  for (int i = first_read || reads_destination(id) ? 0 : 1; i < last_read; ++i) {
    if (auto r = reg(i)) e.opaque_read(*r);
  }
  if (rd && !first_read) e.clobber(*rd);
  bool hi_lo = writes_hi_lo(id);
  for (int i = 0; i < m.op_count; ++i) hi_lo |= op[i].type == MIPS_OP_REG && is_accumulator(op[i].reg);
  const cs_detail& d = *insn.detail;
  for (uint8_t i = 0; i < d.regs_write_count; ++i) {
    if (auto r = gpr(d.regs_write[i])) e.clobber(*r);
    hi_lo |= is_accumulator(d.regs_write[i]);
  }
  if (hi_lo) {
    e.clobber(kHi);
    e.clobber(kLo);
  }
  return Kind::Plain;
}

class MipsLifter final : public Lifter {
 public:
  explicit MipsLifter(disasm::Capstone cs) : cs_(std::move(cs)) {}

  std::optional<LiftedInsn> lift(std::span<const uint8_t> code, uint64_t address, bool /*thumb*/) override {
    // MIPS32 instructions are word-aligned: fetching elsewhere is an address error (and an
    // odd code pointer means MIPS16e/microMIPS code, which this lifter does not decode).
    if (address % 4 != 0) return std::nullopt;
    const cs_insn* insn = cs_.decode(code, address);
    if (insn == nullptr) return std::nullopt;
    LiftedInsn out;
    out.address = address;
    out.next = address + 4;
    if (auto kind = branch_kind(insn->id)) return lift_branch(*insn, *kind, code, std::move(out));
    Emitter e(out.transfers, out.opaque_reads);
    switch (lift_body(*insn, e)) {
      case Kind::Plain: out.flow = Flow::Next; break;
      case Kind::Syscall: out.flow = Flow::Syscall; break;
      case Kind::Stop: out.flow = Flow::Stop; break;
      case Kind::Control:
        // A control instruction Capstone marks as such but branch_kind() does not know
        // (none in MIPS32 as of Capstone 4.0.2): its target is unknown, its delay slot
        // may or may not run.
        return lift_branch(*insn, BranchKind{.likely = true, .indirect = true}, code, std::move(out));
    }
    return out;
  }

 private:
  std::optional<LiftedInsn> lift_branch(const cs_insn& insn, BranchKind kind, std::span<const uint8_t> code,
                                        LiftedInsn out) {
    // Everything needed from `insn` is read before decoding the delay slot reuses its buffer.
    const uint64_t address = out.address;
    const unsigned id = insn.id;
    const bool known = branch_kind(id).has_value();
    const cs_mips& m = insn.detail->mips;
    std::optional<Reg> regs[2];
    int nregs = 0;
    std::optional<uint64_t> target;
    for (int i = 0; i < m.op_count; ++i) {
      if (m.operands[i].type == MIPS_OP_REG && nregs < 2) regs[nregs++] = gpr(m.operands[i].reg);
      if (m.operands[i].type == MIPS_OP_IMM) target = static_cast<uint32_t>(m.operands[i].imm);
    }
    Reg link = kind.link ? kRa : kNoReg;
    Reg jump_reg = kNoReg;
    if (kind.indirect && known) {
      // jr rs | jalr rs (links ra) | jalr rd, rs
      if (nregs == 0 || !regs[nregs - 1]) return std::nullopt;
      jump_reg = *regs[nregs - 1];
      if (kind.link && nregs == 2) link = regs[0].value_or(kZero);
      if (link == kZero) kind.link = false;  // `jalr $zero, rs` is jr
    } else if (known && !target) {
      return std::nullopt;
    }
    const Taken tk = known && !kind.indirect ? taken(id, regs[0].value_or(kNoReg), regs[1].value_or(kNoReg))
                                             : Taken::Maybe;

    out.next = address + 8;
    if (code.size() < 8) return std::nullopt;
    const cs_insn* slot = cs_.decode(code.subspan(4), address + 4);
    if (slot == nullptr) return std::nullopt;
    slot_.clear();
    slot_opaque_.clear();
    Emitter se(slot_, slot_opaque_);
    // A control transfer, syscall or trap in a delay slot is UNPREDICTABLE (MIPS32
    // architecture, "branch delay slot"); compilers never emit one.
    if (lift_body(*slot, se) != Kind::Plain) {
      out.flow = Flow::Stop;
      return out;
    }
    const bool slot_runs = !(kind.likely && tk == Taken::Never);
    // Branch-likely: the delay slot runs only when the branch is taken, so what it writes
    // may or may not have changed, and what it reads may have gone there.
    if (kind.likely && tk == Taken::Maybe) {
      for (Transfer& t : slot_) {
        se.opaque_read(t.src2);
        const bool src_is_address =
            t.op == Transfer::Op::Load || t.op == Transfer::Op::Store || t.op == Transfer::Op::Forget;
        if (!src_is_address) se.opaque_read(t.src);
        if (t.op == Transfer::Op::Store) {
          t = Transfer::forget(t.src, t.imm, t.width);
        } else if (t.dst != kNoReg) {
          t = Transfer::clobber(t.dst);
        }
      }
    }

    // jr/jalr read their target before the link and the delay slot run; when either
    // overwrites it, the target is kept in kTarget (`jalr ra`, `jr t9; move t9, a0`).
    const bool is_return = kind.indirect && !kind.link && jump_reg == kRa;
    bool copy_target = false;
    if (jump_reg != kNoReg && jump_reg != kZero && !is_return) {
      copy_target = kind.link && link == jump_reg;
      for (const Transfer& t : slot_) copy_target |= t.dst == jump_reg;
    }

    out.transfers.reserve((copy_target ? 1 : 0) + (kind.link ? 1 : 0) + (slot_runs ? slot_.size() : 0));
    if (copy_target) out.transfers.push_back(Transfer::add_imm(kTarget, jump_reg, 0));
    Emitter e(out.transfers, out.opaque_reads);
    if (kind.link) e.set(link, static_cast<int64_t>(address + 8));
    if (slot_runs) {
      out.transfers.insert(out.transfers.end(), slot_.begin(), slot_.end());
      for (Reg r : slot_opaque_) e.opaque_read(r);
    }

    if (!known) {
      out.flow = Flow::IndirectJump;  // indirect.reg stays kNoReg: the target is unknown
      return out;
    }
    if (kind.indirect) {
      if (jump_reg == kZero) {
        out.flow = Flow::Stop;  // a jump to address 0
      } else if (is_return) {
        out.flow = Flow::Return;
      } else {
        out.flow = kind.link ? Flow::IndirectCall : Flow::IndirectJump;
        out.indirect.reg = copy_target ? kTarget : jump_reg;
      }
      return out;
    }
    switch (tk) {
      case Taken::Never:
        out.flow = Flow::Next;
        break;
      case Taken::Always:
        // `bal 1f; nop; 1:` reads the pc (glibc's SETUP_GPX in start.S, and
        // __libc_start_main): execution simply goes on at address + 8 with ra set. When
        // address + 8 happens to start another function (glibc: `bal abort` as the last
        // instruction before abort) this is still exact: it falls into that function.
        if (kind.link && *target == address + 8 && id != MIPS_INS_JAL && id != MIPS_INS_JALX) {
          out.flow = Flow::Next;
        } else {
          out.flow = kind.link ? Flow::Call : Flow::Jump;
          out.target = target;
        }
        break;
      case Taken::Maybe:
        out.flow = kind.link ? Flow::Call : Flow::Branch;
        out.conditional = kind.link;  // bgezal/bltzal: a call only when the condition holds
        out.target = target;
        if (!kind.link && !kind.likely) out.zero_test = zero_test(id, regs[0], regs[1], out.transfers);
        break;
    }
    return out;
  }

  disasm::Capstone cs_;
  // The delay slot's effects, reused from one call to the next.
  std::vector<Transfer> slot_;
  std::vector<Reg> slot_opaque_;
};

}  // namespace

Reg MipsBackend::register_count() const { return kRegisterCount; }

const Conventions& MipsBackend::conventions() const {
  static const Conventions o32 = [] {
    Conventions c;
    c.pointer_size = 4;
    c.instruction_step = 4;
    c.stack_pointer = kSp;
    c.syscall_number = kV0;  // 4000 + N, left as the kernel numbers them
    c.syscall_args = {kA0, kA1, kA2, kA3};
    c.syscall_stack_args = {16, 20};
    c.call_args = {kA0, kA1, kA2, kA3};
    // o32 passes arguments 5 on at sp+16 on, past the home area of a0-a3, which callers
    // leave alone; Go's stack-based ABI0 passes them all from sp+4 on (sp+0 holds the
    // caller's return address). Both are read as parameters: a C caller never writes a
    // home slot, so what a C callee reads there is no value it was given.
    for (int64_t offset = 4; offset < 16 + 8 * 4; offset += 4) c.stack_params.push_back(offset);
    c.call_stack_adjust = 0;  // the return address goes in ra
    c.stack_arguments_below_global_pointer_save = true;
    c.return_value = kV0;
    c.global_pointer = kGp;
    // at, v0-v1, a0-a3, t0-t7, t8-t9, ra, hi, lo. Not gp: a callee in another module
    // loads its own module's gp from t9 and may leave it there, but code reads gp only
    // after reloading its .cprestore slot, or after calling a local function known to
    // preserve it (GCC's IPA-RA: glibc's __libc_start_main), so whenever the caller reads
    // gp it holds the caller's module's value (Backend::global_pointer).
    c.call_clobbered = {kAt, kV0, kV1, kA0, kA1, kA2, kA3};
    for (Reg r = kT0; r < kS0; ++r) c.call_clobbered.push_back(r);
    for (Reg r : {kT8, kT9, kRa, kHi, kLo, kTarget}) c.call_clobbered.push_back(r);
    c.link_register = kRa;
    // The kernel returns the result in v0 and the error flag in a3; glibc's
    // INTERNAL_SYSCALL (sysdeps/unix/sysv/linux/mips/mips32/sysdep.h, __SYSCALL_CLOBBERS)
    // also lets it change $1, $3, $8-$15, $24, $25, hi and lo.
    c.syscall_clobbered = {kAt, kV0, kV1, kA3};
    for (Reg r = kT0; r < kS0; ++r) c.syscall_clobbered.push_back(r);
    for (Reg r : {kT8, kT9, kHi, kLo, kTarget}) c.syscall_clobbered.push_back(r);
    return c;
  }();
  return o32;
}

Result<std::unique_ptr<Lifter>> MipsBackend::make_lifter() const {
  auto cs = disasm::Capstone::open(
      CS_ARCH_MIPS,
      static_cast<cs_mode>(CS_MODE_MIPS32 | (little_ ? CS_MODE_LITTLE_ENDIAN : CS_MODE_BIG_ENDIAN)));
  if (!cs) return cs.error();
  return std::unique_ptr<Lifter>(std::make_unique<MipsLifter>(std::move(*cs)));
}

// The PIC calling convention: a function is entered with its own address in t9, from
// which `lui gp, %hi(_gp_disp); addiu gp, gp, %lo(_gp_disp); addu gp, gp, t9` makes gp.
std::vector<std::pair<Reg, uint64_t>> MipsBackend::entry_values(uint64_t function) const {
  return {{kT9, function}};
}

}  // namespace sysfence::arch
