// The MIPS o32 lifter and conventions, little and big endian. Instruction words come from
// GNU as (`mipsel-linux-gnu-as -mips32r2` and `mips-linux-gnu-as -mips32r2`, `.set
// noreorder`, `.set noat`), read back with objdump; the listing is next to each array.
// Both assemblers produce the same words, stored in each file's byte order.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "arch/arch.h"
#include "arch/mips/mips_backend.h"
#include "arch/mips/mips_registers.h"
#include "elf/elf_file.h"
#include "util/mapped_file.h"
#include "support/text_section.h"

namespace sysfence::arch {
namespace {

using namespace mips;  // NOLINT(google-build-using-namespace): register names

constexpr uint64_t kBase = 0x400000;  // where each snippet is placed

std::string reg_name(Reg r) {
  static const char* const names[] = {"zero", "at", "v0", "v1", "a0", "a1", "a2", "a3",    "t0",
                                      "t1",   "t2", "t3", "t4", "t5", "t6", "t7", "s0",    "s1",
                                      "s2",   "s3", "s4", "s5", "s6", "s7", "t8", "t9",    "k0",
                                      "k1",   "gp", "sp", "fp", "ra", "hi", "lo", "TARGET"};
  if (r == kNoReg) return "abs";
  return r < std::size(names) ? names[r] : fmt::format("r{}", r);
}

/// A transfer as text, so that expectations read like the instruction they model.
std::string show(const Transfer& t) {
  switch (t.op) {
    case Transfer::Op::Set: return fmt::format("{} = {}", reg_name(t.dst), t.imm);
    case Transfer::Op::AddImm: return fmt::format("{} = {} + {}", reg_name(t.dst), reg_name(t.src), t.imm);
    case Transfer::Op::OrImm: return fmt::format("{} = {} | {:#x}", reg_name(t.dst), reg_name(t.src), t.imm);
    case Transfer::Op::AndImm: return fmt::format("{} = {} & {:#x}", reg_name(t.dst), reg_name(t.src), t.imm);
    case Transfer::Op::AddReg:
      return fmt::format("{} = {} + {}", reg_name(t.dst), reg_name(t.src), reg_name(t.src2));
    case Transfer::Op::OrReg:
      return fmt::format("{} = {} | {}", reg_name(t.dst), reg_name(t.src), reg_name(t.src2));
    case Transfer::Op::AndReg:
      return fmt::format("{} = {} & {}", reg_name(t.dst), reg_name(t.src), reg_name(t.src2));
    case Transfer::Op::XorImm: return fmt::format("{} = {} ^ {:#x}", reg_name(t.dst), reg_name(t.src), t.imm);
    case Transfer::Op::XorReg:
      return fmt::format("{} = {} ^ {}", reg_name(t.dst), reg_name(t.src), reg_name(t.src2));
    case Transfer::Op::ShlImm: return fmt::format("{} = {} << {}", reg_name(t.dst), reg_name(t.src), t.imm);
    case Transfer::Op::Load:
      return fmt::format("{} = load{}{} [{} + {}]", reg_name(t.dst), t.width, t.sign_extend ? "s" : "",
                         reg_name(t.src), t.imm);
    case Transfer::Op::Store:
      return fmt::format("store{} [{} + {}] = {}", t.width, reg_name(t.src), t.imm,
                         t.src2 == kNoReg ? fmt::format("#{}", t.value) : reg_name(t.src2));
    case Transfer::Op::SignExtend:
      return fmt::format("{} = sext{} {}", reg_name(t.dst), 8 * t.width, reg_name(t.src));
    case Transfer::Op::Clobber: return fmt::format("{} = ?", reg_name(t.dst));
    case Transfer::Op::Forget: return fmt::format("forget{} [{} + {}]", t.width, reg_name(t.src), t.imm);
    case Transfer::Op::Scribble: return fmt::format("scribble [{} + ?]", reg_name(t.src));
  }
  return "?";
}

std::vector<std::string> show(const std::vector<Transfer>& ts) {
  std::vector<std::string> out;
  for (const Transfer& t : ts) out.push_back(show(t));
  return out;
}

std::vector<std::string> names(const std::vector<Reg>& regs) {
  std::vector<std::string> out;
  for (Reg r : regs) out.push_back(reg_name(r));
  return out;
}
using Lines = std::vector<std::string>;

std::vector<uint8_t> to_bytes(const std::vector<uint32_t>& words, ByteOrder order) {
  std::vector<uint8_t> bytes;
  for (uint32_t w : words) {
    for (int i = 0; i < 4; ++i) {
      const int shift = order == ByteOrder::Little ? 8 * i : 24 - 8 * i;
      bytes.push_back(static_cast<uint8_t>(w >> shift));
    }
  }
  return bytes;
}

class MipsLiftTest : public ::testing::TestWithParam<ByteOrder> {
 protected:
  void SetUp() override {
    auto lifter = backend_.make_lifter();
    ASSERT_TRUE(lifter) << lifter.error().message;
    lifter_ = std::move(*lifter);
  }

  /// Lifts word `index` of `words`, the snippet being placed at kBase.
  LiftedInsn at(const std::vector<uint32_t>& words, size_t index) {
    const std::vector<uint8_t> bytes = to_bytes(words, GetParam());
    const uint64_t address = kBase + 4 * index;
    auto insn = lifter_->lift(std::span(bytes).subspan(4 * index), address, false);
    EXPECT_TRUE(insn) << "word " << index << " did not lift";
    if (!insn) return {};
    EXPECT_EQ(insn->address, address);
    return *insn;
  }

  MipsBackend backend_{GetParam() == ByteOrder::Little};
  std::unique_ptr<Lifter> lifter_;
};

INSTANTIATE_TEST_SUITE_P(ByteOrders, MipsLiftTest, ::testing::Values(ByteOrder::Little, ByteOrder::Big),
                         [](const auto& info) {
                           return info.param == ByteOrder::Little ? "mipsel" : "mips";
                         });

// The analysis interface: numbering, o32 conventions, the PIC entry value of t9.
TEST_P(MipsLiftTest, MipsConventionsAreO32) {
  EXPECT_EQ(backend_.register_count(), kRegisterCount);
  const Conventions& c = backend_.conventions();
  EXPECT_EQ(c.pointer_size, 4);
  EXPECT_EQ(c.stack_pointer, kSp);
  EXPECT_EQ(c.syscall_number, kV0);
  EXPECT_EQ(c.syscall_args, (std::vector<Reg>{kA0, kA1, kA2, kA3}));
  EXPECT_EQ(c.syscall_stack_args, (std::vector<int64_t>{16, 20}));
  EXPECT_EQ(c.call_args, (std::vector<Reg>{kA0, kA1, kA2, kA3}));
  // o32's from 16 on, and Go's ABI0's, which passes every argument on the stack from 4 on.
  EXPECT_EQ(c.stack_params, (std::vector<int64_t>{4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44}));
  EXPECT_EQ(c.return_value, kV0);
  const auto has = [](const std::vector<Reg>& regs, Reg r) {
    return std::find(regs.begin(), regs.end(), r) != regs.end();
  };
  for (Reg r : {kAt, kV0, kV1, kA0, kA1, kA2, kA3, Reg{8}, Reg{15}, kT8, kT9, kRa, kHi, kLo}) {
    EXPECT_TRUE(has(c.call_clobbered, r)) << reg_name(r);
  }
  for (Reg r = kS0; r < kT8; ++r) EXPECT_FALSE(has(c.call_clobbered, r)) << reg_name(r);
  // gp holds the caller's module's value whenever the caller reads it again.
  for (Reg r : {kSp, kFp, kZero, kGp}) EXPECT_FALSE(has(c.call_clobbered, r)) << reg_name(r);
  EXPECT_EQ(c.global_pointer, kGp);
  // glibc's __SYSCALL_CLOBBERS plus v0 (result) and a3 (error flag).
  for (Reg r : {kAt, kV0, kV1, kA3, Reg{8}, Reg{9}, Reg{10}, Reg{15}, kT8, kT9, kHi, kLo}) {
    EXPECT_TRUE(has(c.syscall_clobbered, r)) << reg_name(r);
  }
  for (Reg r : {kA0, kA1, kA2, kS0, kGp, kSp, kFp, kRa})
    EXPECT_FALSE(has(c.syscall_clobbered, r)) << reg_name(r);
  for (Reg r : c.call_clobbered) EXPECT_LT(r, kRegisterCount);
  for (Reg r : c.syscall_clobbered) EXPECT_LT(r, kRegisterCount);
  EXPECT_EQ(backend_.entry_values(0x12340), (std::vector<std::pair<Reg, uint64_t>>{{kT9, 0x12340}}));
}

// Real assembler output in each byte order, independent of to_bytes().
TEST_P(MipsLiftTest, MipsGlibcWrapperFromAssemblerBytes) {
  //    0:	24021057 	li	v0,4183
  //    4:	0000000c 	syscall
  static const uint8_t kLittle[] = {0x57, 0x10, 0x02, 0x24, 0x0c, 0x00, 0x00, 0x00};  // mipsel-linux-gnu-as
  static const uint8_t kBig[] = {0x24, 0x02, 0x10, 0x57, 0x00, 0x00, 0x00, 0x0c};     // mips-linux-gnu-as
  std::span<const uint8_t> code = GetParam() == ByteOrder::Little ? std::span(kLittle) : std::span(kBig);
  auto li = lifter_->lift(code, 0x3d884, false);
  ASSERT_TRUE(li);
  EXPECT_EQ(li->flow, Flow::Next);
  EXPECT_EQ(li->next, 0x3d888u);
  EXPECT_EQ(show(li->transfers), (Lines{"v0 = 4183"}));
  auto sc = lifter_->lift(code.subspan(4), 0x3d888, false);
  ASSERT_TRUE(sc);
  EXPECT_EQ(sc->flow, Flow::Syscall);
  EXPECT_EQ(sc->next, 0x3d88cu);
  EXPECT_TRUE(sc->transfers.empty());
}

TEST_P(MipsLiftTest, MipsConstants) {
  const std::vector<uint32_t> w = {
      0x3c041234,  // lui	a0,0x1234
      0x34845678,  // ori	a0,a0,0x5678
      0x2485fff8,  // addiu	a1,a0,-8
      0x20a60064,  // addi	a2,a1,100
      0x30a7ff00,  // andi	a3,a1,0xff00
      0x3c028000,  // lui	v0,0x8000
      0x2403ffff,  // li	v1,-1
      0x34088000,  // li	t0,0x8000   (ori t0,zero,0x8000)
      0x38090007,  // xori	t1,zero,0x7
      0x300a00ff,  // andi	t2,zero,0xff
  };
  const Lines expected[] = {
      {"a0 = 305397760"},   {"a0 = a0 | 0x5678"}, {"a1 = a0 + -8"}, {"a2 = a1 + 100"},
      {"a3 = a1 & 0xff00"}, {"v0 = -2147483648"},  // o32 values are sign-extended 32-bit
      {"v1 = -1"},          {"t0 = 32768"},       {"t1 = 7"},       {"t2 = 0"}};
  for (size_t i = 0; i < w.size(); ++i) {
    LiftedInsn insn = at(w, i);
    EXPECT_EQ(insn.flow, Flow::Next);
    EXPECT_EQ(insn.next, kBase + 4 * i + 4);
    EXPECT_EQ(show(insn.transfers), expected[i]) << "word " << i;
  }
}

TEST_P(MipsLiftTest, MipsMovesAndRegisterAdds) {
  const std::vector<uint32_t> w = {
      0x02002025,  // move	a0,s0       (or)
      0x02202821,  // move	a1,s1       (addu a1,s1,zero)
      0x00123021,  // addu	a2,zero,s2
      0x00003825,  // move	a3,zero
      0x02604023,  // subu	t0,s3,zero
      0x00144800,  // sll	t1,s4,0x0
      0x0399e021,  // addu	gp,gp,t9
      0x00851020,  // add	v0,a0,a1
      0x00801826,  // xor	v1,a0,zero
      0x00851024,  // and	v0,a0,a1
      0x00801824,  // and	v1,a0,zero
  };
  const Lines expected[] = {{"a0 = s0 + 0"}, {"a1 = s1 + 0"}, {"a2 = s2 + 0"}, {"a3 = 0"},
                            {"t0 = s3 + 0"}, {"t1 = s4 + 0"}, {"gp = gp + t9"}, {"v0 = a0 + a1"},
                            {"v1 = a0 + 0"}, {"v0 = a0 & a1"}, {"v1 = 0"}};
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(show(at(w, i).transfers), expected[i]) << "word " << i;
}

TEST_P(MipsLiftTest, ShiftsByAConstant) {
  const std::vector<uint32_t> w = {
      0x00144bc0,  // sll	t1,s4,0xf
      0x01544804,  // sllv	t1,s4,t2: by a register
  };
  const Lines expected[] = {{"t1 = s4 << 15"}, {"t1 = ?"}};
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(show(at(w, i).transfers), expected[i]) << "word " << i;
}

TEST_P(MipsLiftTest, MipsLoadsAndZeroRegister) {
  const std::vector<uint32_t> w = {
      0x8fa40010,  // lw	a0,16(sp)
      0x8485fffe,  // lh	a1,-2(a0)
      0x94860002,  // lhu	a2,2(a0)
      0x80870001,  // lb	a3,1(a0)
      0x90880003,  // lbu	t0,3(a0)
      0x8c090100,  // lw	t1,256(zero)
      0xc08a0000,  // ll	t2,0(a0)
      0x8c800000,  // lw	zero,0(a0)
      0x24800005,  // addiu	zero,a0,5
  };
  const Lines expected[] = {{"a0 = load4 [sp + 16]"}, {"a1 = load2s [a0 + -2]"}, {"a2 = load2 [a0 + 2]"},
                            {"a3 = load1s [a0 + 1]"}, {"t0 = load1 [a0 + 3]"}, {"t1 = load4 [abs + 256]"},
                            {"t2 = load4 [a0 + 0]"}, {}, {}};  // writes to $zero are discarded
  for (size_t i = 0; i < w.size(); ++i) {
    LiftedInsn insn = at(w, i);
    EXPECT_EQ(insn.flow, Flow::Next);
    EXPECT_EQ(show(insn.transfers), expected[i]) << "word " << i;
  }
}

TEST_P(MipsLiftTest, MipsStores) {
  const std::vector<uint32_t> w = {
      0xafa40010,  // sw	a0,16(sp)
      0xa4850006,  // sh	a1,6(a0)
      0xa086ffff,  // sb	a2,-1(a0)
      0xafa00014,  // sw	zero,20(sp)
      0xac070200,  // sw	a3,512(zero)
  };
  const Lines expected[] = {{"store4 [sp + 16] = a0"}, {"store2 [a0 + 6] = a1"}, {"store1 [a0 + -1] = a2"},
                            {"store4 [sp + 20] = #0"}, {"store4 [abs + 512] = a3"}};
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(show(at(w, i).transfers), expected[i]) << "word " << i;
}

// Hard case: `lw t9, %call16(f)(gp); jalr t9` with an argument set in the delay slot,
// and the other call and return forms.
TEST_P(MipsLiftTest, MipsCallsReturnsAndIndirectJumps) {
  const std::vector<uint32_t> w = {
      0x8f99801c,  //  0: lw	t9,-32740(gp)
      0x0320f809,  //  4: jalr	t9
      0x02002025,  //  8: move	a0,s0
      0x0c100040,  //  c: jal	0x400100
      0x24040003,  // 10: li	a0,3
      0x03e00008,  // 14: jr	ra
      0x27bd0020,  // 18: addiu	sp,sp,32
      0x03200008,  // 1c: jr	t9
      0x00000000,  // 20: nop
      0x03200008,  // 24: jr	t9
      0x0080c825,  // 28: move	t9,a0
      0x03e0f809,  // 2c: jalr	ra
      0x00000000,  // 30: nop
      0x03208009,  // 34: jalr	s0,t9
      0x00000000,  // 38: nop
      0x03200009,  // 3c: jalr	zero,t9    (= jr t9)
      0x00000000,  // 40: nop
  };
  LiftedInsn lw = at(w, 0);
  EXPECT_EQ(show(lw.transfers), (Lines{"t9 = load4 [gp + -32740]"}));

  LiftedInsn jalr = at(w, 1);
  EXPECT_EQ(jalr.flow, Flow::IndirectCall);
  EXPECT_EQ(jalr.indirect.reg, kT9);
  EXPECT_FALSE(jalr.indirect.memory);
  EXPECT_EQ(jalr.next, kBase + 0xc);  // skips the delay slot
  EXPECT_FALSE(jalr.conditional);
  EXPECT_EQ(show(jalr.transfers), (Lines{fmt::format("ra = {}", kBase + 0xc), "a0 = s0 + 0"}));

  LiftedInsn jal = at(w, 3);
  EXPECT_EQ(jal.flow, Flow::Call);
  EXPECT_EQ(jal.target, 0x400100u);
  EXPECT_EQ(jal.next, kBase + 0x14);
  EXPECT_EQ(show(jal.transfers), (Lines{fmt::format("ra = {}", kBase + 0x14), "a0 = 3"}));

  LiftedInsn ret = at(w, 5);
  EXPECT_EQ(ret.flow, Flow::Return);
  EXPECT_EQ(ret.next, kBase + 0x1c);
  EXPECT_EQ(show(ret.transfers), (Lines{"sp = sp + 32"}));

  LiftedInsn tail = at(w, 7);
  EXPECT_EQ(tail.flow, Flow::IndirectJump);
  EXPECT_EQ(tail.indirect.reg, kT9);
  EXPECT_TRUE(tail.transfers.empty());

  // The delay slot overwrites the target register: the jump uses the value from before.
  LiftedInsn clobbered = at(w, 9);
  EXPECT_EQ(clobbered.flow, Flow::IndirectJump);
  EXPECT_EQ(clobbered.indirect.reg, kTarget);
  EXPECT_EQ(show(clobbered.transfers), (Lines{"TARGET = t9 + 0", "t9 = a0 + 0"}));

  LiftedInsn jalr_ra = at(w, 11);  // links into its own target register
  EXPECT_EQ(jalr_ra.flow, Flow::IndirectCall);
  EXPECT_EQ(jalr_ra.indirect.reg, kTarget);
  EXPECT_EQ(show(jalr_ra.transfers), (Lines{"TARGET = ra + 0", fmt::format("ra = {}", kBase + 0x34)}));

  LiftedInsn jalr_s0 = at(w, 13);
  EXPECT_EQ(jalr_s0.flow, Flow::IndirectCall);
  EXPECT_EQ(jalr_s0.indirect.reg, kT9);
  EXPECT_EQ(show(jalr_s0.transfers), (Lines{fmt::format("s0 = {}", kBase + 0x3c)}));

  LiftedInsn jr = at(w, 15);
  EXPECT_EQ(jr.flow, Flow::IndirectJump);
  EXPECT_EQ(jr.indirect.reg, kT9);
  EXPECT_TRUE(jr.transfers.empty());
}

// Hard case: `li v0, N` in the delay slot of the branch to the syscall block.
TEST_P(MipsLiftTest, MipsBranchesAndSyscallNumberInDelaySlot) {
  const std::vector<uint32_t> w = {
      0x08100080,  //  0: j	0x400200
      0x00000000,  //  4: nop
      0x1000000f,  //  8: b	0x48
      0x00000000,  //  c: nop
      0x1000000d,  // 10: b	0x48       (beq zero,zero)
      0x00000000,  // 14: nop
      0x1085000b,  // 18: beq	a0,a1,0x48
      0x00000000,  // 1c: nop
      0x10800009,  // 20: beqz	a0,0x48
      0x24020fa4,  // 24: li	v0,4004
      0x14840007,  // 28: bne	a0,a0,0x48 (never taken; the delay slot still runs)
      0x24020fa5,  // 2c: li	v0,4005
      0x04010005,  // 30: b	0x48       (bgez zero)
      0x00000000,  // 34: nop
      0x04000003,  // 38: bltz	zero,0x48  (never taken)
      0x00000000,  // 3c: nop
      0x45010001,  // 40: bc1t	0x48
      0x00000000,  // 44: nop
      0x0000000c,  // 48: syscall
  };
  LiftedInsn j = at(w, 0);
  EXPECT_EQ(j.flow, Flow::Jump);
  EXPECT_EQ(j.target, 0x400200u);
  EXPECT_EQ(j.next, kBase + 8);
  EXPECT_TRUE(j.transfers.empty());
  for (size_t i : {2, 4, 12}) {
    LiftedInsn b = at(w, i);
    EXPECT_EQ(b.flow, Flow::Jump) << i;
    EXPECT_EQ(b.target, kBase + 0x48) << i;
  }
  LiftedInsn beq = at(w, 6);
  EXPECT_EQ(beq.flow, Flow::Branch);
  EXPECT_EQ(beq.target, kBase + 0x48);
  EXPECT_EQ(beq.next, kBase + 0x20);
  EXPECT_FALSE(beq.conditional);
  EXPECT_FALSE(beq.zero_test);  // two registers compared

  LiftedInsn beqz = at(w, 8);
  EXPECT_EQ(beqz.flow, Flow::Branch);
  EXPECT_EQ(beqz.target, kBase + 0x48);
  EXPECT_EQ(beqz.next, kBase + 0x28);
  EXPECT_EQ(show(beqz.transfers), (Lines{"v0 = 4004"}));
  ASSERT_TRUE(beqz.zero_test);  // a0 is 0 where it branches
  EXPECT_EQ(beqz.zero_test->reg, kA0);
  EXPECT_TRUE(beqz.zero_test->zero_when_taken);
  const std::vector<uint32_t> tests = {
      0x14a00002,  // 0: bnez	a1,0x0c: a1 is 0 where it falls through
      0x00000000,  // 4: nop
      0x10a00002,  // 8: beqz	a1,0x14
      0x24050001,  // c: li	a1,1 (the delay slot writes it first: nothing known)
  };
  LiftedInsn bnez = at(tests, 0);
  ASSERT_TRUE(bnez.zero_test);
  EXPECT_EQ(bnez.zero_test->reg, kA1);
  EXPECT_FALSE(bnez.zero_test->zero_when_taken);
  EXPECT_FALSE(at(tests, 2).zero_test);

  LiftedInsn bne = at(w, 10);
  EXPECT_EQ(bne.flow, Flow::Next);
  EXPECT_EQ(bne.next, kBase + 0x30);
  EXPECT_EQ(show(bne.transfers), (Lines{"v0 = 4005"}));

  LiftedInsn bltz = at(w, 14);
  EXPECT_EQ(bltz.flow, Flow::Next);
  EXPECT_EQ(bltz.next, kBase + 0x40);

  LiftedInsn bc1t = at(w, 16);
  EXPECT_EQ(bc1t.flow, Flow::Branch);
  EXPECT_EQ(bc1t.target, kBase + 0x48);

  EXPECT_EQ(at(w, 18).flow, Flow::Syscall);
}

// Branch-likely: the delay slot runs only when the branch is taken.
TEST_P(MipsLiftTest, MipsBranchLikelyClobbersItsDelaySlot) {
  const std::vector<uint32_t> w = {
      0x50850009,  //  0: beql	a0,a1,0x28
      0x24420001,  //  4: addiu	v0,v0,1
      0x54850007,  //  8: bnel	a0,a1,0x28
      0xafa40010,  // 0c: sw	a0,16(sp)
      0x50000005,  // 10: beqzl	zero,0x28   (always taken: the slot always runs)
      0x24020fa1,  // 14: li	v0,4001
      0x54840003,  // 18: bnel	a0,a0,0x28  (never taken: the slot never runs)
      0x24020fa2,  // 1c: li	v0,4002
      0x04930001,  // 20: bgezall	a0,0x28
      0x02002025,  // 24: move	a0,s0
  };
  LiftedInsn beql = at(w, 0);
  EXPECT_EQ(beql.flow, Flow::Branch);
  EXPECT_EQ(beql.target, kBase + 0x28);
  EXPECT_EQ(beql.next, kBase + 8);
  EXPECT_EQ(show(beql.transfers), (Lines{"v0 = ?"}));

  LiftedInsn bnel = at(w, 2);
  EXPECT_EQ(bnel.flow, Flow::Branch);
  EXPECT_EQ(show(bnel.transfers), (Lines{"forget4 [sp + 16]"}));
  EXPECT_EQ(names(bnel.opaque_reads), (Lines{"a0"}));  // it may have been stored

  LiftedInsn always = at(w, 4);
  EXPECT_EQ(always.flow, Flow::Jump);
  EXPECT_EQ(show(always.transfers), (Lines{"v0 = 4001"}));

  LiftedInsn never = at(w, 6);
  EXPECT_EQ(never.flow, Flow::Next);
  EXPECT_EQ(never.next, kBase + 0x20);
  EXPECT_TRUE(never.transfers.empty());

  LiftedInsn call = at(w, 8);
  EXPECT_EQ(call.flow, Flow::Call);
  EXPECT_TRUE(call.conditional);
  EXPECT_EQ(call.target, kBase + 0x28);
  EXPECT_EQ(show(call.transfers), (Lines{fmt::format("ra = {}", kBase + 0x28), "a0 = ?"}));
  EXPECT_EQ(names(call.opaque_reads), (Lines{"s0"}));
}

/// Runs the constant transfers of `insns` on a register file (32-bit arithmetic), from
/// the ABI's entry values of a function at `function`.
std::array<std::optional<int64_t>, kRegisterCount> run(const MipsBackend& backend, uint64_t function,
                                                       const std::vector<LiftedInsn>& insns) {
  std::array<std::optional<int64_t>, kRegisterCount> regs;
  for (auto [r, v] : backend.entry_values(function)) regs[r] = static_cast<int64_t>(v);
  const auto wrap = [](int64_t v) { return static_cast<int64_t>(static_cast<uint32_t>(v)); };
  for (const LiftedInsn& insn : insns) {
    for (const Transfer& t : insn.transfers) {
      std::optional<int64_t> v;
      switch (t.op) {
        case Transfer::Op::Set: v = wrap(t.imm); break;
        case Transfer::Op::AddImm: if (regs[t.src]) v = wrap(*regs[t.src] + t.imm); break;
        case Transfer::Op::OrImm: if (regs[t.src]) v = wrap(*regs[t.src] | t.imm); break;
        case Transfer::Op::AndImm: if (regs[t.src]) v = wrap(*regs[t.src] & t.imm); break;
        case Transfer::Op::AddReg:
          if (regs[t.src] && regs[t.src2]) v = wrap(*regs[t.src] + *regs[t.src2]);
          break;
        case Transfer::Op::OrReg:
          if (regs[t.src] && regs[t.src2]) v = wrap(*regs[t.src] | *regs[t.src2]);
          break;
        case Transfer::Op::ShlImm: if (regs[t.src]) v = wrap(*regs[t.src] << t.imm); break;
        default: break;
      }
      if (t.dst != kNoReg) regs[t.dst] = v;
    }
  }
  return regs;
}

// Hard case: the _gp_disp prologue makes gp a constant from the entry value of t9.
TEST_P(MipsLiftTest, MipsGpDispPrologueGivesConstantGp) {
  const std::vector<uint32_t> w = {
      0x3c1c001c,  // lui	gp,0x1c
      0x279c8990,  // addiu	gp,gp,-30320
      0x0399e021,  // addu	gp,gp,t9
      0x27bdffe0,  // addiu	sp,sp,-32
      0x8f99820c,  // lw	t9,-32244(gp)
  };
  std::vector<LiftedInsn> insns;
  for (size_t i = 0; i < 3; ++i) insns.push_back(at(w, i));
  EXPECT_EQ(show(insns[0].transfers), (Lines{"gp = 1835008"}));
  EXPECT_EQ(show(insns[1].transfers), (Lines{"gp = gp + -30320"}));
  EXPECT_EQ(show(insns[2].transfers), (Lines{"gp = gp + t9"}));
  auto regs = run(backend_, 0x20490, insns);
  ASSERT_TRUE(regs[kGp]);
  EXPECT_EQ(*regs[kGp], 0x20490 + 0x1c0000 - 30320);
  EXPECT_EQ(show(at(w, 3).transfers), (Lines{"sp = sp + -32"}));
  EXPECT_EQ(show(at(w, 4).transfers), (Lines{"t9 = load4 [gp + -32244]"}));
}

// `bal` to the next instruction reads the pc (glibc __libc_start_main, SETUP_GPX); any
// other bal is a call; bgezal/bltzal are conditional calls; `bltzal zero` (nal) only links.
TEST_P(MipsLiftTest, MipsBalReadsPcOrCalls) {
  const std::vector<uint32_t> w = {
      0x03e00825,  //  0: move	at,ra
      0x04110001,  //  4: bal	0xc
      0x00000000,  //  8: nop
      0x3c1c001c,  //  c: lui	gp,0x1c
      0x279c8294,  // 10: addiu	gp,gp,-32108
      0x039fe021,  // 14: addu	gp,gp,ra
      0x04110002,  // 18: bal	0x24
      0x00000000,  // 1c: nop
      0x00000000,  // 20: nop
      0x0491ffff,  // 24: bgezal	a0,0x24
      0x00000000,  // 28: nop
      0x0410fffd,  // 2c: bltzal	zero,0x24
      0x00000000,  // 30: nop
      0x04b0fffb,  // 34: bltzal	a1,0x24
      0x00000000,  // 38: nop
  };
  LiftedInsn getpc = at(w, 1);
  EXPECT_EQ(getpc.flow, Flow::Next);
  EXPECT_EQ(getpc.next, kBase + 0xc);
  EXPECT_FALSE(getpc.target);
  EXPECT_EQ(show(getpc.transfers), (Lines{fmt::format("ra = {}", kBase + 0xc)}));
  std::vector<LiftedInsn> prologue = {at(w, 0), getpc, at(w, 3), at(w, 4), at(w, 5)};
  auto regs = run(backend_, kBase, prologue);
  ASSERT_TRUE(regs[kGp]);
  EXPECT_EQ(*regs[kGp], static_cast<int64_t>(kBase + 0xc + 0x1c0000 - 32108));

  LiftedInsn call = at(w, 6);
  EXPECT_EQ(call.flow, Flow::Call);
  EXPECT_FALSE(call.conditional);
  EXPECT_EQ(call.target, kBase + 0x24);
  EXPECT_EQ(call.next, kBase + 0x20);

  LiftedInsn bgezal = at(w, 9);
  EXPECT_EQ(bgezal.flow, Flow::Call);
  EXPECT_TRUE(bgezal.conditional);
  EXPECT_EQ(bgezal.target, kBase + 0x24);
  EXPECT_EQ(show(bgezal.transfers), (Lines{fmt::format("ra = {}", kBase + 0x2c)}));

  LiftedInsn nal = at(w, 11);
  EXPECT_EQ(nal.flow, Flow::Next);
  EXPECT_EQ(nal.next, kBase + 0x34);
  EXPECT_EQ(show(nal.transfers), (Lines{fmt::format("ra = {}", kBase + 0x34)}));

  LiftedInsn bltzal = at(w, 13);
  EXPECT_EQ(bltzal.flow, Flow::Call);
  EXPECT_TRUE(bltzal.conditional);
}

// Hard case: syscall arguments 5 and 6 stored at sp+16 and sp+20 before the syscall
// (mmap2: a0..a3, then offset and fd on the stack).
TEST_P(MipsLiftTest, MipsStackArgumentsFiveAndSix) {
  const std::vector<uint32_t> w = {
      0x27bdffe0,  // addiu	sp,sp,-32
      0xafa50010,  // sw	a1,16(sp)
      0xafa00014,  // sw	zero,20(sp)
      0x24040000,  // li	a0,0
      0x24060003,  // li	a2,3
      0x24070022,  // li	a3,34
      0x24021072,  // li	v0,4210
      0x0000000c,  // syscall
  };
  EXPECT_EQ(show(at(w, 1).transfers), (Lines{"store4 [sp + 16] = a1"}));
  EXPECT_EQ(show(at(w, 2).transfers), (Lines{"store4 [sp + 20] = #0"}));
  EXPECT_EQ(show(at(w, 6).transfers), (Lines{"v0 = 4210"}));
  EXPECT_EQ(at(w, 7).flow, Flow::Syscall);
  EXPECT_EQ(backend_.conventions().syscall_stack_args, (std::vector<int64_t>{16, 20}));
}

// Traps, hi/lo, coprocessor moves, atomics and everything the lifter only clobbers.
TEST_P(MipsLiftTest, MipsUnmodelledInstructionsClobberWhatTheyWrite) {
  const std::vector<uint32_t> w = {
      0x0000000c,  //  0: syscall
      0x0000000d,  //  4: break
      0x7000003f,  //  8: sdbbp
      0x00400034,  //  c: teq	v0,zero
      0x7c03e83b,  // 10: rdhwr	v1,$29
      0x0085102b,  // 14: sltu	v0,a0,a1
      0x00850018,  // 18: mult	a0,a1
      0x00001010,  // 1c: mfhi	v0
      0x70851802,  // 20: mul	v1,a0,a1
      0xe0880000,  // 24: sc	t0,0(a0)
      0xe7a00018,  // 28: swc1	$f0,24(sp)
      0xf7b40020,  // 2c: sdc1	$f20,32(sp)
      0xc4820004,  // 30: lwc1	$f2,4(a0)
      0x44842000,  // 34: mtc1	a0,$f4
      0x44052000,  // 38: mfc1	a1,$f4
      0x7ce61840,  // 3c: ext	a2,a3,0x1,0x4
      0xaba90008,  // 40: swl	t1,8(sp)
      0x00000000,  // 44: nop
      0x00000008,  // 48: jr	zero
      0x00000000,  // 4c: nop
  };
  const Flow flows[] = {Flow::Syscall, Flow::Stop, Flow::Stop};
  for (size_t i = 0; i < 3; ++i) {
    LiftedInsn insn = at(w, i);
    EXPECT_EQ(insn.flow, flows[i]) << i;
    EXPECT_EQ(insn.next, kBase + 4 * i + 4);
    EXPECT_TRUE(insn.transfers.empty()) << i;
  }
  struct Expected {
    Lines transfers;
    Lines opaque_reads;
  };
  const Expected expected[] = {
      {{}, {"v0"}},                                          // teq: a conditional trap, else next
      {{"v1 = ?"}, {}},                                      // rdhwr (the TLS pointer)
      {{"v0 = ?"}, {"a0", "a1"}},                            // sltu
      {{"hi = ?", "lo = ?"}, {"a0", "a1"}},                  // mult
      {{"v0 = ?"}, {}},                                      // mfhi
      {{"v1 = ?", "hi = ?", "lo = ?"}, {"a0", "a1"}},        // mul
      {{"forget4 [a0 + 0]", "t0 = ?"}, {"t0"}},              // sc: maybe stores t0, sets t0
      {{"forget4 [sp + 24]"}, {}},                           // swc1
      {{"forget8 [sp + 32]"}, {}},                           // sdc1
      {{}, {}},                                              // lwc1
      {{}, {"a0"}},                                          // mtc1
      {{"a1 = ?"}, {}},                                      // mfc1
      {{"a2 = ?"}, {"a3"}},                                  // ext
      {{"forget7 [sp + 5]"}, {"t1"}},                        // swl: somewhere in [sp+5, sp+12)
      {{}, {}},                                              // nop
  };
  for (size_t i = 3; i < 18; ++i) {
    LiftedInsn insn = at(w, i);
    EXPECT_EQ(insn.flow, Flow::Next) << i;
    EXPECT_EQ(show(insn.transfers), expected[i - 3].transfers) << "word " << i;
    EXPECT_EQ(names(insn.opaque_reads), expected[i - 3].opaque_reads) << "word " << i;
  }
  EXPECT_EQ(at(w, 18).flow, Flow::Stop);  // jr zero
}

TEST_P(MipsLiftTest, MipsBadInputs) {
  // A branch without its delay slot in `code`, undecodable bytes, a control transfer
  // or syscall in a delay slot (UNPREDICTABLE: Stop).
  const std::vector<uint32_t> w = {
      0x10000003,  // 0: b	0x10
      0x03e00008,  // 4: jr	ra     (in the delay slot)
      0x10800001,  // 8: beqz	a0,0x10
      0x0000000c,  // c: syscall    (in the delay slot)
  };
  const std::vector<uint8_t> bytes = to_bytes(w, GetParam());
  EXPECT_FALSE(lifter_->lift(std::span(bytes).first(4), kBase, false));
  EXPECT_FALSE(lifter_->lift(std::span(bytes).first(3), kBase, false));
  EXPECT_FALSE(lifter_->lift({}, kBase, false));
  const std::vector<uint8_t> invalid = to_bytes({0xfc000000}, GetParam());  // opcode 63 (sd) not in MIPS32
  EXPECT_FALSE(lifter_->lift(invalid, kBase, false));
  for (size_t i : {0, 2}) {
    LiftedInsn insn = at(w, i);
    EXPECT_EQ(insn.flow, Flow::Stop) << i;
    EXPECT_EQ(insn.next, kBase + 4 * i + 8) << i;
  }
}

// ---------------------------------------------------------------------------------------
// Property test over glibc: an encoding-level oracle of what each MIPS32r2 instruction
// writes, independent of Capstone, against the lifter.

struct Fields {
  uint32_t op, rs, rt, rd, sa, funct;
  explicit Fields(uint32_t w)
      : op(w >> 26),
        rs((w >> 21) & 31),
        rt((w >> 16) & 31),
        rd((w >> 11) & 31),
        sa((w >> 6) & 31),
        funct(w & 63) {}
};

/// Registers `w` writes (general, hi, lo) as a bit set, or nullopt for encodings the
/// oracle does not know (DSP, MSA, ...).
std::optional<uint64_t> oracle_writes(uint32_t w) {
  const Fields f(w);
  const auto bit = [](uint32_t r) { return uint64_t{1} << r; };
  const uint64_t none = 0;
  const uint64_t hilo = bit(kHi) | bit(kLo);
  const uint64_t rd = bit(f.rd), rt = bit(f.rt), ra = bit(kRa);
  switch (f.op) {
    case 0:  // SPECIAL
      switch (f.funct) {
        case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x06: case 0x07: case 0x09: case 0x0a:
        case 0x0b: case 0x10: case 0x12:
          return rd;
        case 0x08: case 0x0c: case 0x0d: case 0x0f: return none;
        case 0x11: case 0x13: case 0x18: case 0x19: case 0x1a: case 0x1b: return hilo;
        default:
          if ((f.funct >= 0x20 && f.funct <= 0x27) || f.funct == 0x2a || f.funct == 0x2b) return rd;
          if (f.funct >= 0x30 && f.funct <= 0x36) return none;
          return std::nullopt;
      }
    case 1:  // REGIMM
      if (f.rt >= 0x10 && f.rt <= 0x13) return ra;
      if (f.rt <= 0x03 || (f.rt >= 0x08 && f.rt <= 0x0e) || f.rt == 0x1f || f.rt == 0x1c) return none;
      return std::nullopt;
    case 2: case 4: case 5: case 6: case 7: case 20: case 21: case 22: case 23: return none;
    case 3: case 29: return ra;  // jal, jalx
    case 8: case 9: case 10: case 11: case 12: case 13: case 14: case 15: return rt;
    case 16:  // COP0
      if (f.rs == 0 || f.rs == 0x0b) return rt;
      if (f.rs == 0x0a) return rd;
      if (f.rs == 4 || f.rs == 8 || f.rs == 0x0e || f.rs >= 0x10) return none;
      return std::nullopt;
    case 17: case 18:  // COP1, COP2
      if (f.rs <= 3) return rt;
      if (f.rs <= 8 || f.rs >= 0x10) return none;
      return std::nullopt;
    case 19: return none;  // COP1X (floating point only) / bc3*
    case 28:               // SPECIAL2
      if (f.funct == 0 || f.funct == 1 || f.funct == 4 || f.funct == 5) return hilo;
      if (f.funct == 2) return rd | hilo;
      if (f.funct == 0x20 || f.funct == 0x21) return rd;
      if (f.funct == 0x3f) return none;
      return std::nullopt;
    case 31:  // SPECIAL3
      if (f.funct == 0 || f.funct == 4 || f.funct == 0x3b) return rt;
      if (f.funct == 0x20 && (f.sa == 2 || f.sa == 0x10 || f.sa == 0x18)) return rd;
      return std::nullopt;
    case 32: case 33: case 34: case 35: case 36: case 37: case 38: case 48: case 56:
      return rt;  // loads, ll, sc
    case 40: case 41: case 42: case 43: case 46: case 47: case 49: case 50: case 51: case 53: case 54:
    case 57: case 58: case 61: case 62:
      return none;
    default:
      return std::nullopt;
  }
}

/// Whether `w` writes memory at base + offset (stores, sc, coprocessor stores).
bool oracle_stores(uint32_t w) {
  switch (Fields(w).op) {
    case 40: case 41: case 42: case 43: case 46: case 56: case 57: case 58: case 61: case 62: return true;
    default: return false;
  }
}

/// Whether `w` is a branch or jump (has a delay slot), and whether it is a branch-likely.
bool oracle_cti(uint32_t w, bool* likely) {
  const Fields f(w);
  *likely = (f.op >= 20 && f.op <= 23) ||
            (f.op == 1 && (f.rt == 0x02 || f.rt == 0x03 || f.rt == 0x12 || f.rt == 0x13)) ||
            (f.op >= 16 && f.op <= 19 && f.rs == 8 && (f.rt & 2));
  switch (f.op) {
    case 0: return f.funct == 0x08 || f.funct == 0x09;
    case 1: return f.rt <= 0x03 || (f.rt >= 0x10 && f.rt <= 0x13) || f.rt == 0x1c;
    case 2: case 3: case 4: case 5: case 6: case 7: case 20: case 21: case 22: case 23: case 29: return true;
    case 16: case 18: case 19: return f.rs == 8;
    case 17: return f.rs == 8 || f.rs == 0x0b || f.rs == 0x0f || f.rs >= 0x18;
    default: return false;
  }
}

struct SweepStats {
  size_t words = 0, lifted = 0, undecoded = 0, oracle_unknown = 0, branches = 0, stopped_delay_slots = 0;
  double seconds = 0;
};

uint32_t word_at(std::span<const uint8_t> b, size_t off, ByteOrder order) {
  return order == ByteOrder::Little
             ? b[off] | b[off + 1] << 8 | b[off + 2] << 16 | static_cast<uint32_t>(b[off + 3]) << 24
             : static_cast<uint32_t>(b[off]) << 24 | b[off + 1] << 16 | b[off + 2] << 8 | b[off + 3];
}

void sweep_libc(const std::string& path, SweepStats& stats) {
  auto loaded = testing::load_text_section(path, "scripts/setup installs the mips cross libc");
  ASSERT_TRUE(loaded);
  const elf::ElfFile* file = &loaded->elf;
  const std::unique_ptr<Backend>* backend = &loaded->backend;
  auto lifter = (*backend)->make_lifter();
  ASSERT_TRUE(lifter) << lifter.error().message;
  const elf::Section* text = loaded->text;
  const std::optional<std::span<const uint8_t>> bytes = loaded->bytes;
  const ByteOrder order = file->header().order;
  const Reg count = (*backend)->register_count();

  std::vector<std::string> failures;
  const auto fail = [&](uint64_t address, uint32_t word, const std::string& what) {
    if (failures.size() < 25)
      failures.push_back(fmt::format("{}: {:#x} ({:08x}): {}", path, address, word, what));
  };
  for (size_t i = 0; 4 * i + 4 <= bytes->size(); ++i) {
    ++stats.words;
    const uint64_t address = text->address + 4 * i;
    const uint32_t word = word_at(*bytes, 4 * i, order);
    const auto start = std::chrono::steady_clock::now();
    const std::optional<LiftedInsn> lifted = (*lifter)->lift(bytes->subspan(4 * i), address, false);
    stats.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!lifted) {
      ++stats.undecoded;
      continue;
    }
    ++stats.lifted;
    const LiftedInsn& insn = *lifted;
    if (insn.address != address) fail(address, word, "wrong address");
    uint64_t written = 0;
    bool stores = false;
    for (const Transfer& t : insn.transfers) {
      for (Reg r : {t.dst, t.src, t.src2}) {
        if (r != kNoReg && r >= count) fail(address, word, fmt::format("register {} out of range", r));
      }
      if (t.dst == kZero || t.src == kZero || t.src2 == kZero) fail(address, word, "uses $zero: " + show(t));
      if (t.dst != kNoReg) written |= uint64_t{1} << t.dst;
      stores |= t.op == Transfer::Op::Store || t.op == Transfer::Op::Forget;
    }
    for (Reg r : insn.opaque_reads) {
      if (r == kZero || r >= count) fail(address, word, fmt::format("opaque read of register {}", r));
    }
    const auto check_writes = [&](uint32_t w, const char* which) {
      auto regs = oracle_writes(w);
      if (!regs) {
        ++stats.oracle_unknown;
        return;
      }
      const uint64_t missing = *regs & ~written & ~uint64_t{1};  // $zero: discarded
      for (Reg r = 0; r < 64; ++r) {
        if (missing >> r & 1)
          fail(address, word, fmt::format("{} writes {} but no transfer does", which, reg_name(r)));
      }
      if (oracle_stores(w) && !stores)
        fail(address, word, fmt::format("{} stores but no transfer does", which));
    };
    bool likely = false;
    if (oracle_cti(word, &likely)) {
      ++stats.branches;
      if (insn.next != address + 8) fail(address, word, "branch: next is not address + 8");
      if (insn.flow == Flow::Stop) {
        ++stats.stopped_delay_slots;
        continue;
      }
      check_writes(word, "branch");
      // An annulled delay slot (a never-taken branch-likely) runs nothing.
      if (!(likely && insn.flow == Flow::Next)) check_writes(word_at(*bytes, 4 * i + 4, order), "delay slot");
      if ((insn.flow == Flow::Jump || insn.flow == Flow::Branch || insn.flow == Flow::Call) && !insn.target) {
        fail(address, word, "direct flow without target");
      }
      if ((insn.flow == Flow::IndirectCall || insn.flow == Flow::IndirectJump) &&
          insn.indirect.reg == kNoReg) {
        fail(address, word, "indirect flow without register");
      }
    } else {
      if (insn.next != address + 4) fail(address, word, "next is not address + 4");
      if (insn.flow != Flow::Next && insn.flow != Flow::Syscall && insn.flow != Flow::Stop) {
        fail(address, word, "control flow from a non-branch");
      }
      check_writes(word, "instruction");
    }
  }
  std::string all;
  for (const std::string& f : failures) all += f + "\n";
  EXPECT_TRUE(failures.empty()) << all;
}

TEST(MipsLiftLibc, LinearSweepOfGlibcTextIsSound) {
  SweepStats stats;
  for (const char* path : {"/usr/mipsel-linux-gnu/lib/libc.so.6", "/usr/mips-linux-gnu/lib/libc.so.6"}) {
    sweep_libc(path, stats);
  }
  ASSERT_GT(stats.words, 100000u);
  // .text is code; the few words that do not decode are padding or data in text.
  EXPECT_LT(stats.undecoded * 1000, stats.words) << stats.undecoded << " of " << stats.words;
  // Branches with an unpredictable delay slot come from lifting delay slots and data as
  // if they were instructions; real code has none.
  EXPECT_LT(stats.stopped_delay_slots * 1000, stats.branches);
  EXPECT_LT(stats.oracle_unknown * 1000, stats.words);
  std::printf("[ mips    ] %zu words, %zu lifted (%zu branches, %zu with a control transfer in the slot, "
              "%zu undecoded, %zu unknown to the oracle) in %.0f ms: %.1f M instructions/s\n",
              stats.words, stats.lifted, stats.branches, stats.stopped_delay_slots, stats.undecoded,
              stats.oracle_unknown, stats.seconds * 1e3, stats.words / stats.seconds / 1e6);
}

}  // namespace
}  // namespace sysfence::arch
