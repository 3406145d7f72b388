// x86-64 lifter: Capstone's x86 detail into the register-transfer form.
#include <capstone/capstone.h>

#include "arch/x86_64/x86_64_backend.h"
#include "disasm/capstone.h"

namespace sysfence::arch {
namespace {

// Our numbering follows the hardware encoding: rax rcx rdx rbx rsp rbp rsi rdi r8..r15.
constexpr Reg kRax = 0, kRcx = 1, kRdx = 2, kRbx = 3, kRsp = 4, kRbp = 5, kRsi = 6, kRdi = 7;
constexpr Reg kR8 = 8, kR9 = 9, kR10 = 10, kR11 = 11;
// Past the general-purpose registers: a scratch register for operations on a memory
// operand (`or edx, [r14]` is tmp = load; edx |= tmp), and xmm0..xmm15, tracked only to
// know when one is zero (`pxor xmm0, xmm0; movaps [rsp+0x30], xmm0` zeroing a struct).
constexpr Reg kTmp = 16;
constexpr Reg kXmm0 = 17;
constexpr Reg kVectorCount = 16;
constexpr Reg kRegisterCount = kXmm0 + kVectorCount;

/// A general-purpose register as our register and the width Capstone names (8, 4, 2, 1);
/// {kNoReg, 0} for anything else (rip, flags, segment, vector registers).
struct GprView {
  Reg reg = kNoReg;
  int width = 0;
};

GprView gpr(unsigned capstone_reg) {
  switch (capstone_reg) {
#define SYSFENCE_GPR(r64, r32, r16, r8, n) \
  case X86_REG_##r64: return {n, 8};       \
  case X86_REG_##r32: return {n, 4};       \
  case X86_REG_##r16: return {n, 2};       \
  case X86_REG_##r8: return {n, 1};
    SYSFENCE_GPR(RAX, EAX, AX, AL, 0)
    SYSFENCE_GPR(RCX, ECX, CX, CL, 1)
    SYSFENCE_GPR(RDX, EDX, DX, DL, 2)
    SYSFENCE_GPR(RBX, EBX, BX, BL, 3)
    SYSFENCE_GPR(RSP, ESP, SP, SPL, 4)
    SYSFENCE_GPR(RBP, EBP, BP, BPL, 5)
    SYSFENCE_GPR(RSI, ESI, SI, SIL, 6)
    SYSFENCE_GPR(RDI, EDI, DI, DIL, 7)
    SYSFENCE_GPR(R8, R8D, R8W, R8B, 8)
    SYSFENCE_GPR(R9, R9D, R9W, R9B, 9)
    SYSFENCE_GPR(R10, R10D, R10W, R10B, 10)
    SYSFENCE_GPR(R11, R11D, R11W, R11B, 11)
    SYSFENCE_GPR(R12, R12D, R12W, R12B, 12)
    SYSFENCE_GPR(R13, R13D, R13W, R13B, 13)
    SYSFENCE_GPR(R14, R14D, R14W, R14B, 14)
    SYSFENCE_GPR(R15, R15D, R15W, R15B, 15)
#undef SYSFENCE_GPR
    case X86_REG_AH: return {0, 1};
    case X86_REG_CH: return {1, 1};
    case X86_REG_DH: return {2, 1};
    case X86_REG_BH: return {3, 1};
    default: return {};
  }
}

/// xmm/ymm/zmm register n (n < 16) as our register; kNoReg for anything else.
Reg vector(unsigned capstone_reg) {
  if (capstone_reg >= X86_REG_XMM0 && capstone_reg < X86_REG_XMM0 + kVectorCount) return kXmm0 + (capstone_reg - X86_REG_XMM0);
  if (capstone_reg >= X86_REG_YMM0 && capstone_reg < X86_REG_YMM0 + kVectorCount) return kXmm0 + (capstone_reg - X86_REG_YMM0);
  if (capstone_reg >= X86_REG_ZMM0 && capstone_reg < X86_REG_ZMM0 + kVectorCount) return kXmm0 + (capstone_reg - X86_REG_ZMM0);
  return kNoReg;
}

/// A register the instruction writes, as ours (general-purpose or vector).
Reg written_reg(unsigned capstone_reg) {
  const Reg r = gpr(capstone_reg).reg;
  return r != kNoReg ? r : vector(capstone_reg);
}

class X86_64Lifter : public Lifter {
 public:
  explicit X86_64Lifter(disasm::Capstone capstone) : cs_(std::move(capstone)) {}

  std::optional<LiftedInsn> lift(std::span<const uint8_t> code, uint64_t address, bool /*thumb*/) override {
    // What the instruction lifted just before says holds only for the one after it.
    const ZeroCompare compared = std::exchange(compared_, {});
    const cs_insn* insn = cs_.decode(code, address);
    if (insn == nullptr) return std::nullopt;
    LiftedInsn out;
    out.address = address;
    out.next = address + insn->size;
    if (!lift_known(*insn, out)) clobber_written(*insn, out);
    out.memory = memory_operand(*insn, out);
    const bool equal = insn->id == X86_INS_JE;
    if (out.flow == Flow::Branch && (equal || insn->id == X86_INS_JNE) && compared.at == address) {
      out.zero_test = ZeroTest{compared.reg, equal, true};  // `test rdx, rdx; je`
    }
    compared_ = compared_with_zero(*insn);
    return out;
  }

 private:
  /// A whole 64-bit register compared with zero (`test rdx, rdx`, `cmp rdx, 0`), as the
  /// flags for the instruction at `at` say.
  struct ZeroCompare {
    uint64_t at = 0;  ///< 0: none
    Reg reg = kNoReg;
  };

  static ZeroCompare compared_with_zero(const cs_insn& insn) {
    const cs_x86& x = insn.detail->x86;
    if (x.op_count != 2 || x.operands[0].type != X86_OP_REG) return {};
    const GprView tested = gpr(x.operands[0].reg);
    if (tested.reg == kNoReg || tested.width != 8) return {};  // `test eax, eax` leaves rax's upper half
    const cs_x86_op& other = x.operands[1];
    const bool zero_test = (insn.id == X86_INS_TEST && other.type == X86_OP_REG && other.reg == x.operands[0].reg) ||
                           (insn.id == X86_INS_CMP && other.type == X86_OP_IMM && other.imm == 0);
    return zero_test ? ZeroCompare{insn.address + insn.size, tested.reg} : ZeroCompare{};
  }

  /// A memory operand as base register + displacement, when it has no index or
  /// segment; rip-relative operands become absolute (base kNoReg).
  struct Address {
    bool simple = false;
    Reg base = kNoReg;
    int64_t disp = 0;
  };
  static Address address_of(const cs_insn& insn, const cs_x86_op& op) {
    const x86_op_mem& m = op.mem;
    if (m.index != X86_REG_INVALID || m.segment != X86_REG_INVALID) return {};
    if (m.base == X86_REG_RIP) return {true, kNoReg, static_cast<int64_t>(insn.address + insn.size) + m.disp};
    if (m.base == X86_REG_INVALID) return {true, kNoReg, m.disp};
    GprView base = gpr(m.base);
    if (base.reg == kNoReg || base.width != 8) return {};
    return {true, base.reg, m.disp};
  }

  /// The instruction's memory operand as base + displacement, whatever the index; none
  /// for segment-relative (TLS) operands and for the one an indirect call goes through.
  static std::optional<MemoryOperand> memory_operand(const cs_insn& insn, const LiftedInsn& out) {
    const cs_x86& x = insn.detail->x86;
    for (uint8_t i = 0; i < x.op_count; ++i) {
      if (x.operands[i].type != X86_OP_MEM) continue;
      const x86_op_mem& m = x.operands[i].mem;
      if (m.segment != X86_REG_INVALID) return std::nullopt;
      MemoryOperand operand{kNoReg, m.disp};
      if (m.base == X86_REG_RIP) {
        operand.disp += static_cast<int64_t>(insn.address + insn.size);
      } else if (m.base != X86_REG_INVALID) {
        GprView base = gpr(m.base);
        if (base.reg == kNoReg || base.width != 8) return std::nullopt;
        operand.base = base.reg;
      }
      if (out.indirect.memory && out.indirect.base == operand.base && out.indirect.disp == operand.disp) {
        return std::nullopt;
      }
      return operand;
    }
    return std::nullopt;
  }

  /// The width an addition into `dst` wraps at: 4 for a 32-bit register (whose upper
  /// half `narrow` then clears), 0 (the register's) otherwise.
  static uint8_t arithmetic_width(GprView dst) { return dst.width == 4 ? 4 : 0; }

  /// dst (of `width` bytes) = result already in dst's 64-bit form: 32-bit writes clear
  /// the upper half, narrower writes keep it (so the value is unknown to us).
  static void narrow(LiftedInsn& out, GprView dst) {
    if (dst.width == 4) out.transfers.push_back(Transfer::and_imm(dst.reg, dst.reg, 0xffffffff));
  }

  bool lift_known(const cs_insn& insn, LiftedInsn& out) {
    const cs_x86& x = insn.detail->x86;
    const cs_x86_op* op = x.operands;
    auto& t = out.transfers;
    switch (insn.id) {
      case X86_INS_NOP:
      case X86_INS_ENDBR64:
      case X86_INS_CMP:
      case X86_INS_TEST:
        return true;
      case X86_INS_SYSCALL:
        out.flow = Flow::Syscall;
        t.push_back(Transfer::clobber(kRcx));  // the kernel returns through rcx/r11
        t.push_back(Transfer::clobber(kR11));
        return true;
      case X86_INS_HLT:
      case X86_INS_UD2:
        out.flow = Flow::Stop;
        return true;
      case X86_INS_RET:
        out.flow = Flow::Return;
        return true;
      case X86_INS_CALL:
      case X86_INS_JMP:
        return lift_transfer(insn, out, insn.id == X86_INS_CALL);
      case X86_INS_PUSH:
        if (x.op_count != 1) return false;
        if (op[0].type == X86_OP_REG && gpr(op[0].reg).width == 8) {
          t.push_back(Transfer::store(kRsp, -8, gpr(op[0].reg).reg, 8));
        } else if (op[0].type == X86_OP_IMM) {
          t.push_back(Transfer::store_const(kRsp, -8, op[0].imm, 8));
        } else {
          t.push_back(Transfer::forget(kRsp, -8, 8));  // a pushed memory operand
        }
        t.push_back(Transfer::add_imm(kRsp, kRsp, -8));
        return true;
      case X86_INS_POP:
        if (x.op_count != 1 || op[0].type != X86_OP_REG || gpr(op[0].reg).width != 8) return false;
        t.push_back(Transfer::load(gpr(op[0].reg).reg, kRsp, 0, 8));
        t.push_back(Transfer::add_imm(kRsp, kRsp, 8));
        return true;
      case X86_INS_LEAVE:
        t.push_back(Transfer::add_imm(kRsp, kRbp, 0));
        t.push_back(Transfer::load(kRbp, kRsp, 0, 8));
        t.push_back(Transfer::add_imm(kRsp, kRsp, 8));
        return true;
      default:
        break;
    }
    if (insn.id >= X86_INS_JAE && insn.id <= X86_INS_JS && insn.id != X86_INS_JMP) return lift_branch(insn, out);
    if (insn.id >= X86_INS_SETAE && insn.id <= X86_INS_SETS) return lift_set_byte(insn, out);
    if (lift_vector(insn, out)) return true;
    if (x.op_count != 2 || op[0].type != X86_OP_REG) return lift_store(insn, out);
    const GprView dst = gpr(op[0].reg);
    // An 8- or 16-bit write with a constant keeps the rest of the register: `mov al, 56`
    // after `xor eax, eax` (musl's __clone), `xor sil, 0x81` (glibc's futex operations,
    // `(FUTEX_WAKE | FUTEX_PRIVATE_FLAG) ^ private`). The high-byte registers (ah…) are
    // left to the fallback.
    if ((insn.id == X86_INS_MOV || insn.id == X86_INS_XOR) && op[1].type == X86_OP_IMM &&
        (dst.width == 1 || dst.width == 2) && !high_byte(op[0].reg)) {
      const int64_t mask = dst.width == 1 ? 0xff : 0xffff;
      if (insn.id == X86_INS_XOR) {
        t.push_back(Transfer::xor_imm(dst.reg, dst.reg, op[1].imm & mask));
        return true;
      }
      t.push_back(Transfer::and_imm(dst.reg, dst.reg, ~mask));
      t.push_back(Transfer::or_imm(dst.reg, dst.reg, op[1].imm & mask));
      return true;
    }
    if (dst.reg == kNoReg || dst.width < 4) return false;
    switch (insn.id) {
      case X86_INS_MOV:
      case X86_INS_MOVABS:
        if (op[1].type == X86_OP_IMM) {
          t.push_back(Transfer::set(dst.reg, dst.width == 4 ? op[1].imm & 0xffffffff : op[1].imm));
          return true;
        }
        if (op[1].type == X86_OP_REG) {
          GprView src = gpr(op[1].reg);
          if (src.reg == kNoReg || src.width != dst.width) return false;
          t.push_back(Transfer::add_imm(dst.reg, src.reg, 0));
          narrow(out, dst);
          return true;
        }
        return lift_load(insn, out, dst, op[1], dst.width, false);
      case X86_INS_MOVZX:
        if (op[1].type == X86_OP_MEM) return lift_load(insn, out, dst, op[1], op[1].size, false);
        return false;
      case X86_INS_MOVSX:
      case X86_INS_MOVSXD: {
        if (op[1].type == X86_OP_MEM) return lift_load(insn, out, dst, op[1], op[1].size, true);
        const GprView src = gpr(op[1].reg);
        if (op[1].type != X86_OP_REG || high_byte(op[1].reg) || src.reg == kNoReg || dst.width < 4) return false;
        t.push_back(Transfer::sign_extension(dst.reg, src.reg, src.width));
        narrow(out, dst);
        return true;
      }
      case X86_INS_LEA: {
        Address a = address_of(insn, op[1]);
        if (!a.simple) return false;
        t.push_back(a.base == kNoReg ? Transfer::set(dst.reg, a.disp)
                                     : Transfer::add_imm(dst.reg, a.base, a.disp, arithmetic_width(dst)));
        narrow(out, dst);
        return true;
      }
      case X86_INS_XOR:
        if (op[1].type == X86_OP_REG && op[1].reg == op[0].reg) {
          t.push_back(Transfer::set(dst.reg, 0));
          return true;
        }
        if (op[1].type == X86_OP_IMM) {
          t.push_back(Transfer::xor_imm(dst.reg, dst.reg, op[1].imm));
        } else if (op[1].type == X86_OP_REG && gpr(op[1].reg).reg != kNoReg && gpr(op[1].reg).width == dst.width) {
          t.push_back(Transfer::xor_reg(dst.reg, dst.reg, gpr(op[1].reg).reg));
        } else {
          return false;
        }
        narrow(out, dst);
        return true;
      case X86_INS_OR:
      case X86_INS_AND:
      case X86_INS_ADD:
      case X86_INS_SUB:
      case X86_INS_SHL:
        return lift_arithmetic(insn, out, dst);
      default:
        return false;
    }
  }

  /// ah, bh, ch and dh are bits 8-15, not the low byte: not modelled.
  static bool high_byte(x86_reg r) {
    return r == X86_REG_AH || r == X86_REG_BH || r == X86_REG_CH || r == X86_REG_DH;
  }

  /// `setne sil` (glibc's futex operations: `xor esi, esi; setne sil; shl esi, 7`): the
  /// low byte becomes 0 or 1, the rest of the register stays. A memory operand is left to
  /// the fallback.
  bool lift_set_byte(const cs_insn& insn, LiftedInsn& out) {
    const cs_x86_op& op = insn.detail->x86.operands[0];
    if (insn.detail->x86.op_count != 1 || op.type != X86_OP_REG || high_byte(op.reg)) return false;
    const GprView dst = gpr(op.reg);
    if (dst.reg == kNoReg || dst.width != 1) return false;
    auto& t = out.transfers;
    t.push_back(Transfer::and_imm(dst.reg, dst.reg, ~int64_t{0xff}));
    t.push_back(Transfer::clobber(kTmp));
    t.push_back(Transfer::and_imm(kTmp, kTmp, 1));  // whatever the flags say: 0 or 1
    t.push_back(Transfer::or_reg(dst.reg, dst.reg, kTmp));
    t.push_back(Transfer::clobber(kTmp));
    return true;
  }

  bool lift_arithmetic(const cs_insn& insn, LiftedInsn& out, GprView dst) {
    const cs_x86_op* op = insn.detail->x86.operands;
    auto& t = out.transfers;
    if (op[1].type == X86_OP_IMM) {
      const int64_t imm = op[1].imm;
      switch (insn.id) {
        case X86_INS_OR: t.push_back(Transfer::or_imm(dst.reg, dst.reg, imm)); break;
        case X86_INS_AND: t.push_back(Transfer::and_imm(dst.reg, dst.reg, imm)); break;
        case X86_INS_ADD: t.push_back(Transfer::add_imm(dst.reg, dst.reg, imm, arithmetic_width(dst))); break;
        case X86_INS_SHL: t.push_back(Transfer::shl_imm(dst.reg, dst.reg, imm, arithmetic_width(dst))); break;
        default: t.push_back(Transfer::add_imm(dst.reg, dst.reg, -imm, arithmetic_width(dst))); break;
      }
      narrow(out, dst);
      return true;
    }
    if ((insn.id == X86_INS_ADD || insn.id == X86_INS_OR) && op[1].type == X86_OP_REG &&
        gpr(op[1].reg).width == dst.width) {
      const Reg src = gpr(op[1].reg).reg;
      t.push_back(insn.id == X86_INS_ADD ? Transfer::add_reg(dst.reg, dst.reg, src, arithmetic_width(dst))
                                         : Transfer::or_reg(dst.reg, dst.reg, src));
      narrow(out, dst);
      return true;
    }
    // glibc: `or edx, [r14]`, flags | exit_signal; `add rdi, [rsp]`, a constant plus a field.
    if ((insn.id == X86_INS_OR || insn.id == X86_INS_ADD) && op[1].type == X86_OP_MEM) {
      const Address a = address_of(insn, op[1]);
      if (!a.simple) return false;
      t.push_back(Transfer::load(kTmp, a.base, a.disp, static_cast<uint8_t>(dst.width)));
      t.push_back(insn.id == X86_INS_ADD ? Transfer::add_reg(dst.reg, dst.reg, kTmp, arithmetic_width(dst))
                                         : Transfer::or_reg(dst.reg, dst.reg, kTmp));
      t.push_back(Transfer::clobber(kTmp));
      narrow(out, dst);
      return true;
    }
    return false;
  }

  /// The vector instructions that zero a struct: the zeroing idiom (`pxor xmm0, xmm0`)
  /// and whole-register stores (`movaps [rsp+0x30], xmm0`). Every other write of a
  /// vector register is a clobber (clobber_written).
  bool lift_vector(const cs_insn& insn, LiftedInsn& out) {
    const cs_x86& x = insn.detail->x86;
    const cs_x86_op* op = x.operands;
    switch (insn.id) {
      case X86_INS_PXOR:
      case X86_INS_XORPS:
      case X86_INS_XORPD:
      case X86_INS_VPXOR:
      case X86_INS_VXORPS:
      case X86_INS_VXORPD: {
        if (x.op_count < 2) return false;
        for (uint8_t i = 0; i < x.op_count; ++i) {
          if (op[i].type != X86_OP_REG || op[i].reg != op[0].reg) return false;
        }
        const Reg v = vector(op[0].reg);
        if (v == kNoReg) return false;
        out.transfers.push_back(Transfer::set(v, 0));
        return true;
      }
      case X86_INS_MOVAPS:
      case X86_INS_MOVUPS:
      case X86_INS_MOVAPD:
      case X86_INS_MOVUPD:
      case X86_INS_MOVDQA:
      case X86_INS_MOVDQU:
      case X86_INS_VMOVAPS:
      case X86_INS_VMOVUPS:
      case X86_INS_VMOVDQA:
      case X86_INS_VMOVDQU: {
        if (x.op_count != 2 || op[0].type != X86_OP_MEM || op[1].type != X86_OP_REG) return false;
        const Reg v = vector(op[1].reg);
        if (v == kNoReg) return false;
        const Address a = address_of(insn, op[0]);
        if (!a.simple) return store_somewhere(op[0], out);
        out.transfers.push_back(Transfer::store(a.base, a.disp, v, static_cast<uint8_t>(op[0].size)));
        return true;
      }
      default: return false;
    }
  }

  /// A store whose address the form cannot express: an indexed address, a scribble
  /// through its base (rip-relative or absolute: a global, which no parameter points
  /// into by the analysis's assumptions), or thread-local storage (`mov [fs:rdx], eax`
  /// setting errno), which no pointer a function receives points into.
  static bool store_somewhere(const cs_x86_op& mem, LiftedInsn& out) {
    if (mem.mem.segment != X86_REG_INVALID) return true;
    const GprView base = gpr(mem.mem.base);
    if (base.reg != kNoReg) out.transfers.push_back(Transfer::scribble(base.reg));
    return true;
  }

  bool lift_load(const cs_insn& insn, LiftedInsn& out, GprView dst, const cs_x86_op& mem, int width,
                 bool sign_extend) {
    Address a = address_of(insn, mem);
    if (!a.simple) return false;
    out.transfers.push_back(Transfer::load(dst.reg, a.base, a.disp, static_cast<uint8_t>(width), sign_extend));
    // A 4-byte sign-extending load into a 32-bit register still zero-fills the top half.
    if (sign_extend) narrow(out, dst);
    return true;
  }

  /// `mov [mem], reg/imm`: a store the analysis tracks when it hits a stack slot.
  bool lift_store(const cs_insn& insn, LiftedInsn& out) {
    const cs_x86& x = insn.detail->x86;
    if (insn.id != X86_INS_MOV || x.op_count != 2 || x.operands[0].type != X86_OP_MEM) return false;
    Address a = address_of(insn, x.operands[0]);
    const auto width = static_cast<uint8_t>(x.operands[0].size);
    if (!a.simple) return store_somewhere(x.operands[0], out);
    if (x.operands[1].type == X86_OP_IMM) {
      out.transfers.push_back(Transfer::store_const(a.base, a.disp, x.operands[1].imm, width));
    } else {
      GprView src = gpr(x.operands[1].reg);
      out.transfers.push_back(src.reg != kNoReg && src.width == width ? Transfer::store(a.base, a.disp, src.reg, width)
                                                                       : Transfer::forget(a.base, a.disp, width));
    }
    return true;
  }

  bool lift_branch(const cs_insn& insn, LiftedInsn& out) {
    const cs_x86& x = insn.detail->x86;
    if (x.op_count != 1 || x.operands[0].type != X86_OP_IMM) return false;
    out.flow = Flow::Branch;
    out.target = static_cast<uint64_t>(x.operands[0].imm);
    return true;
  }

  bool lift_transfer(const cs_insn& insn, LiftedInsn& out, bool is_call) {
    const cs_x86& x = insn.detail->x86;
    if (x.op_count != 1) return false;
    const cs_x86_op& op = x.operands[0];
    if (op.type == X86_OP_IMM) {
      out.flow = is_call ? Flow::Call : Flow::Jump;
      out.target = static_cast<uint64_t>(op.imm);
      return true;
    }
    out.flow = is_call ? Flow::IndirectCall : Flow::IndirectJump;
    if (op.type == X86_OP_REG) {
      out.indirect.reg = gpr(op.reg).reg;
    } else if (op.type == X86_OP_MEM) {
      Address a = address_of(insn, op);
      if (a.simple) out.indirect = {kNoReg, true, a.base, a.disp};
    }
    return true;
  }

  /// The soundness fallback: every general-purpose register the instruction writes
  /// becomes unknown.
  void clobber_written(const cs_insn& insn, LiftedInsn& out) {
    cs_regs read{};
    cs_regs written{};
    uint8_t read_count = 0;
    uint8_t write_count = 0;
    if (cs_regs_access(cs_.handle(), &insn, read, &read_count, written, &write_count) != CS_ERR_OK) {
      for (Reg r = 0; r < kRegisterCount; ++r) out.transfers.push_back(Transfer::clobber(r));
      out.transfers.push_back(Transfer::scribble(kNoReg));  // and it may write memory anywhere
      return;
    }
    for (uint8_t i = 0; i < write_count; ++i) {
      const Reg w = written_reg(written[i]);
      if (w != kNoReg) out.transfers.push_back(Transfer::clobber(w));
    }
    for (uint8_t i = 0; i < read_count; ++i) {
      GprView r = gpr(read[i]);
      if (r.reg != kNoReg) out.opaque_reads.push_back(r.reg);
    }
    // Memory it writes (`add [rsp+8], 1`, `setne [rbp-1]`) must not keep a tracked value.
    const cs_x86& x = insn.detail->x86;
    for (uint8_t i = 0; i < x.op_count; ++i) {
      const cs_x86_op& op = x.operands[i];
      if (op.type != X86_OP_MEM || !(op.access & CS_AC_WRITE)) continue;
      Address a = address_of(insn, op);
      if (a.simple) {
        out.transfers.push_back(Transfer::forget(a.base, a.disp, op.size));
      } else {
        store_somewhere(op, out);
      }
    }
  }

  disasm::Capstone cs_;
  ZeroCompare compared_;
};

}  // namespace

Reg X86_64Backend::register_count() const { return kRegisterCount; }

const Conventions& X86_64Backend::conventions() const {
  static const Conventions conventions = [] {
    Conventions c;
    c.pointer_size = 8;
    c.instruction_step = 1;
    c.stack_pointer = kRsp;
    c.syscall_number = kRax;
    c.syscall_args = {kRdi, kRsi, kRdx, kR10, kR8, kR9};
    c.call_args = {kRdi, kRsi, kRdx, kRcx, kR8, kR9};
    c.stack_params = {8, 16, 24, 32, 40, 48, 56, 64};  // past the return address
    c.call_stack_adjust = -8;
    c.return_value = kRax;
    c.call_clobbered = {kRax, kRcx, kRdx, kRsi, kRdi, kR8, kR9, kR10, kR11, kTmp};
    for (Reg v = kXmm0; v < kXmm0 + kVectorCount; ++v) c.call_clobbered.push_back(v);  // SysV: all caller-saved
    c.syscall_clobbered = {kRax, kRcx, kR11};
    c.not_inputs = {kTmp};
    for (Reg v = kXmm0; v < kXmm0 + kVectorCount; ++v) c.not_inputs.push_back(v);
    c.data_references_complete = true;
    c.addresses_in_one_instruction = true;
    return c;
  }();
  return conventions;
}

Result<std::unique_ptr<Lifter>> X86_64Backend::make_lifter() const {
  auto capstone = disasm::Capstone::open(CS_ARCH_X86, CS_MODE_64);
  if (!capstone) return capstone.error();
  auto lifter = std::make_unique<X86_64Lifter>(std::move(*capstone));
  // Capstone 4 sorts its x86 implicit-register tables (X86Mapping.c) on first use,
  // without a lock. Lifting a few instructions here, where lifters are made one at a
  // time, keeps lifters that later run on several threads from racing there.
  static const std::vector<std::vector<uint8_t>> kWarmUp = {
      {0x55}, {0x48, 0x89, 0xe5}, {0xec}, {0x91}, {0x0f, 0xa2}, {0xf3, 0xa4}, {0x48, 0x99}};
  for (const auto& code : kWarmUp) lifter->lift(code, 0, false);
  return std::unique_ptr<Lifter>(std::move(lifter));
}

}  // namespace sysfence::arch
