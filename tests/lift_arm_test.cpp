// The ARM/Thumb-2 lifter (src/arch/arm/arm_lifter.cpp): every modelled instruction form in
// both instruction sets, the DESIGN.md hard cases (glibc's Thumb-2 syscall wrapper,
// movw/movt constants, literal pools, IT blocks, the PLT's `ldr pc, [ip, #n]!`), and a
// property test over the Thumb-2 .text of Debian's armhf libc.
//
// The byte arrays come from `arm-linux-gnueabihf-as` (`.syntax unified`, `.arch armv7-a`,
// `.fpu neon`, -mthumb for Thumb) and objdump; each line's comment is its source.
#include <capstone/capstone.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "arch/arch.h"
#include "arch/arm/arm_backend.h"
#include "disasm/capstone.h"
#include "elf/elf_file.h"
#include "util/mapped_file.h"
#include "support/text_section.h"

namespace sysfence::arch {
namespace {

using Bytes = std::vector<uint8_t>;
using Strings = std::vector<std::string>;

constexpr Reg kSp = ArmBackend::kSp;
constexpr Reg kLr = ArmBackend::kLr;
constexpr Reg kPc = ArmBackend::kPc;

std::string reg_name(Reg r) {
  switch (r) {
    case kNoReg: return "-";
    case kSp: return "sp";
    case kLr: return "lr";
    case kPc: return "pc";
    case ArmBackend::kScratch: return "tmp";
    default:
      if (r >= ArmBackend::kD0) return fmt::format("d{}", r - ArmBackend::kD0);
      return fmt::format("r{}", r);
  }
}

std::string describe_write(const Transfer& t);

/// One transfer in one line: "r0 = r1 + 4"; a write that may not happen (a conditional
/// instruction) as "maybe r0 = 0x1".
std::string describe(const Transfer& t) { return (t.keeps_old ? "maybe " : "") + describe_write(t); }

std::string describe_write(const Transfer& t) {
  const std::string dst = reg_name(t.dst), src = reg_name(t.src);
  switch (t.op) {
    case Transfer::Op::Set: return fmt::format("{} = {:#x}", dst, t.imm);
    case Transfer::Op::AddImm: return fmt::format("{} = {} + {}", dst, src, t.imm);
    case Transfer::Op::OrImm: return fmt::format("{} = {} | {:#x}", dst, src, t.imm);
    case Transfer::Op::AndImm: return fmt::format("{} = {} & {:#x}", dst, src, t.imm);
    case Transfer::Op::AddReg: return fmt::format("{} = {} + {}", dst, src, reg_name(t.src2));
    case Transfer::Op::OrReg: return fmt::format("{} = {} | {}", dst, src, reg_name(t.src2));
    case Transfer::Op::AndReg: return fmt::format("{} = {} & {}", dst, src, reg_name(t.src2));
    case Transfer::Op::XorImm: return fmt::format("{} = {} ^ {:#x}", dst, src, t.imm);
    case Transfer::Op::XorReg: return fmt::format("{} = {} ^ {}", dst, src, reg_name(t.src2));
    case Transfer::Op::ShlImm: return fmt::format("{} = {} << {}", dst, src, t.imm);
    case Transfer::Op::Load: {
      const std::string width = fmt::format("{}{}", t.width, t.sign_extend ? "s" : "");
      if (t.src == kNoReg) return fmt::format("{} = load{} [{:#x}]", dst, width, t.imm);
      return fmt::format("{} = load{} [{} + {}]", dst, width, src, t.imm);
    }
    case Transfer::Op::Store: {
      const std::string value = t.src2 == kNoReg ? fmt::format("{:#x}", t.value) : reg_name(t.src2);
      if (t.src == kNoReg) return fmt::format("store{} [{:#x}] = {}", t.width, t.imm, value);
      return fmt::format("store{} [{} + {}] = {}", t.width, src, t.imm, value);
    }
    case Transfer::Op::SignExtend: return fmt::format("{} = sext{} {}", dst, 8 * t.width, src);
    case Transfer::Op::Clobber: return fmt::format("{} = ?", dst);
    case Transfer::Op::Forget:
      if (t.src == kNoReg) return fmt::format("forget{} [{:#x}]", t.width, t.imm);
      return fmt::format("forget{} [{} + {}]", t.width, src, t.imm);
    case Transfer::Op::Scribble: return fmt::format("scribble [{} + ?]", src);
  }
  return "?";
}

Strings transfers(const LiftedInsn& insn) {
  Strings out;
  for (const Transfer& t : insn.transfers) out.push_back(describe(t));
  return out;
}

Strings opaque_reads(const LiftedInsn& insn) {
  Strings out;
  for (Reg r : insn.opaque_reads) out.push_back(reg_name(r));
  return out;
}

/// The control flow of `insn` in one line: "call 0x10064 T", "ijump [r3 + 4]", "return if".
std::string flow(const LiftedInsn& insn) {
  auto target = [&] {
    if (!insn.target) return std::string("<none>");
    const char* set = !insn.target_thumb ? "?" : (*insn.target_thumb ? "T" : "A");
    return fmt::format("{:#x} {}", *insn.target, set);
  };
  auto indirect = [&] {
    const IndirectTarget& t = insn.indirect;
    if (t.memory && t.base == kNoReg) return fmt::format("[{:#x}]", t.disp);
    if (t.memory) return fmt::format("[{} + {}]", reg_name(t.base), t.disp);
    if (t.reg != kNoReg) return reg_name(t.reg);
    return std::string("?");
  };
  std::string s;
  switch (insn.flow) {
    case Flow::Next: s = "next"; break;
    case Flow::Jump: s = "jump " + target(); break;
    case Flow::Branch: s = "branch " + target(); break;
    case Flow::Call: s = "call " + target(); break;
    case Flow::IndirectCall: s = "icall " + indirect(); break;
    case Flow::IndirectJump: s = "ijump " + indirect(); break;
    case Flow::Switch: s = fmt::format("switch {:#x}", fmt::join(insn.cases, " ")); break;
    case Flow::Return: s = "return"; break;
    case Flow::Syscall: s = "syscall"; break;
    case Flow::Stop: s = "stop"; break;
  }
  return insn.conditional ? s + " if" : s;
}

/// Register values after running transfers (no memory: loads give unknown).
using Registers = std::array<std::optional<uint32_t>, ArmBackend::kScratch + 1>;

void run(const LiftedInsn& insn, Registers& regs) {
  for (const Transfer& t : insn.transfers) {
    auto value = [&](Reg r) { return r == kNoReg ? std::nullopt : regs[r]; };
    std::optional<uint32_t> result;
    switch (t.op) {
      case Transfer::Op::Set: result = static_cast<uint32_t>(t.imm); break;
      case Transfer::Op::AddImm:
        if (value(t.src)) result = static_cast<uint32_t>(*value(t.src) + t.imm);
        break;
      case Transfer::Op::OrImm:
        if (value(t.src)) result = static_cast<uint32_t>(*value(t.src) | t.imm);
        break;
      case Transfer::Op::AndImm:
        if (value(t.src)) result = static_cast<uint32_t>(*value(t.src) & t.imm);
        break;
      case Transfer::Op::AddReg:
        if (value(t.src) && value(t.src2)) result = *value(t.src) + *value(t.src2);
        break;
      case Transfer::Op::OrReg:
        if (value(t.src) && value(t.src2)) result = *value(t.src) | *value(t.src2);
        break;
      case Transfer::Op::AndReg:
        if (value(t.src) && value(t.src2)) result = *value(t.src) & *value(t.src2);
        break;
      case Transfer::Op::XorImm:
        if (value(t.src)) result = static_cast<uint32_t>(*value(t.src) ^ t.imm);
        break;
      case Transfer::Op::XorReg:
        if (value(t.src) && value(t.src2)) result = *value(t.src) ^ *value(t.src2);
        break;
      case Transfer::Op::ShlImm:
        if (value(t.src)) result = static_cast<uint32_t>(*value(t.src) << t.imm);
        break;
      case Transfer::Op::Store:
      case Transfer::Op::Forget:
      case Transfer::Op::Scribble: continue;
      case Transfer::Op::SignExtend:  // not emitted by the ARM lifter
      case Transfer::Op::Load:
      case Transfer::Op::Clobber: break;
    }
    regs[t.dst] = result;
  }
}

class ArmLift : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lifter = backend_.make_lifter();
    ASSERT_TRUE(lifter) << lifter.error().message;
    lifter_ = std::move(*lifter);
  }

  /// Lifts the Thumb instructions at the given offsets of `code` (at 0x10000) in
  /// sequence, as the decoding of straight-line code does; the last one.
  std::optional<LiftedInsn> lift_in_sequence(const Bytes& code, const std::vector<size_t>& offsets) {
    std::optional<LiftedInsn> insn;
    for (size_t offset : offsets) insn = lifter_->lift(std::span(code).subspan(offset), 0x10000 + offset, true);
    return insn;
  }

  /// Lifts `code`, located at `address`, one instruction after the other.
  std::vector<LiftedInsn> lift_all(const Bytes& code, uint64_t address, bool thumb) {
    std::vector<LiftedInsn> out;
    for (size_t offset = 0; offset < code.size();) {
      auto insn = lifter_->lift(std::span(code).subspan(offset), address + offset, thumb);
      if (!insn) {
        ADD_FAILURE() << "no instruction at offset " << offset;
        break;
      }
      EXPECT_EQ(insn->address, address + offset);
      EXPECT_GT(insn->next, insn->address);
      offset = insn->next - address;
      out.push_back(std::move(*insn));
    }
    return out;
  }

  ArmBackend backend_;
  std::unique_ptr<Lifter> lifter_;
};

TEST(ArmBackend, ConventionsAndCodePointers) {
  ArmBackend arm;
  EXPECT_EQ(arm.register_count(), 49);  // r0..r15, the scratch register, d0..d31
  const Conventions& c = arm.conventions();
  EXPECT_EQ(c.pointer_size, 4);
  EXPECT_EQ(c.instruction_step, 4);
  EXPECT_EQ(c.call_stack_adjust, 0);
  EXPECT_EQ(c.stack_pointer, kSp);
  EXPECT_EQ(c.syscall_number, 7);
  EXPECT_EQ(c.syscall_args, (std::vector<Reg>{0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(c.syscall_stack_args.empty());
  EXPECT_EQ(c.call_args, (std::vector<Reg>{0, 1, 2, 3}));
  EXPECT_EQ(c.stack_params, (std::vector<int64_t>{0, 4, 8, 12, 16, 20, 24, 28}));
  EXPECT_EQ(c.return_value, 0);
  std::vector<Reg> clobbered = {0, 1, 2, 3, 12, kLr};
  for (Reg d = 0; d < 32; ++d) clobbered.push_back(static_cast<Reg>(ArmBackend::kD0 + d));
  EXPECT_EQ(c.call_clobbered, clobbered);
  EXPECT_TRUE(c.syscall_clobbered.empty());

  const CodePointer thumb = arm.code_pointer(0x1e4b5);
  EXPECT_EQ(thumb.address, 0x1e4b4u);
  EXPECT_TRUE(thumb.thumb);
  const CodePointer a32 = arm.code_pointer(0x1e4b4);
  EXPECT_EQ(a32.address, 0x1e4b4u);
  EXPECT_FALSE(a32.thumb);
}

// DESIGN.md hard case: glibc's Thumb-2 wrappers.
TEST_F(ArmLift, ThumbGlibcSyscallWrapper) {
  const Bytes code = {
      0x80, 0xb4,              // push {r7}
      0x40, 0xf2, 0x19, 0x17,  // movw r7, #281
      0x00, 0xdf,              // svc 0
      0x80, 0xbc,              // pop {r7}
      0x70, 0x47,              // bx lr
  };
  const auto x = lift_all(code, 0x10000, true);
  ASSERT_EQ(x.size(), 5u);
  EXPECT_EQ(transfers(x[0]), (Strings{"store4 [sp + -4] = r7", "sp = sp + -4"}));
  EXPECT_EQ(flow(x[0]), "next");
  EXPECT_EQ(x[0].next, 0x10002u);
  EXPECT_EQ(transfers(x[1]), (Strings{"r7 = 0x119"}));
  EXPECT_EQ(x[1].next, 0x10006u);
  EXPECT_EQ(flow(x[2]), "syscall");
  EXPECT_TRUE(x[2].transfers.empty());  // the kernel preserves everything but r0
  EXPECT_EQ(transfers(x[3]), (Strings{"r7 = load4 [sp + 0]", "sp = sp + 4"}));
  EXPECT_EQ(flow(x[4]), "return");
}

TEST_F(ArmLift, ArmSyscallWrapperAndOabiSvc) {
  const Bytes code = {
      0x04, 0x70, 0x2d, 0xe5,  // push {r7}  (str r7, [sp, #-4]!)
      0x04, 0x70, 0xa0, 0xe3,  // mov r7, #4
      0x00, 0x00, 0x00, 0xef,  // svc 0
      0x04, 0x70, 0x9d, 0xe4,  // pop {r7}  (ldr r7, [sp], #4)
      0x1e, 0xff, 0x2f, 0xe1,  // bx lr
      0x04, 0x00, 0x90, 0xef,  // svc 0x900004
  };
  const auto x = lift_all(code, 0x10000, false);
  ASSERT_EQ(x.size(), 6u);
  EXPECT_EQ(transfers(x[0]), (Strings{"store4 [sp + -4] = r7", "sp = sp + -4"}));
  EXPECT_EQ(transfers(x[1]), (Strings{"r7 = 0x4"}));
  EXPECT_EQ(flow(x[2]), "syscall");
  EXPECT_EQ(transfers(x[3]), (Strings{"r7 = load4 [sp + 0]", "sp = sp + 4"}));
  EXPECT_EQ(flow(x[4]), "return");
  EXPECT_EQ(flow(x[5]), "syscall");
  EXPECT_EQ(x[5].next, 0x10018u);
}

// Linux takes only `svc 0` (and OABI's 0x9000xx): any other immediate is a literal
// decoded as code or semihosting, and must not become a syscall site.
TEST_F(ArmLift, SvcWithAnotherImmediateStops) {
  const Bytes thumb = {
      0xab, 0xdf,  // svc 0xab (Thumb semihosting)
      0xd4, 0xdf,  // svc 0xd4 (a literal after a call that does not return)
  };
  auto x = lift_all(thumb, 0x20000, true);
  ASSERT_EQ(x.size(), 2u);
  EXPECT_EQ(flow(x[0]), "stop");
  EXPECT_EQ(flow(x[1]), "stop");
  const Bytes arm = {0x05, 0x00, 0x00, 0xef};  // svc 5
  x = lift_all(arm, 0x10000, false);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(flow(x[0]), "stop");
}

// DESIGN.md hard case: a constant built by movw/movt.
TEST_F(ArmLift, MovwMovtBuildAConstantInBothSets) {
  const Bytes thumb = {
      0x45, 0xf2, 0x78, 0x60,  // movw r0, #0x5678
      0xc1, 0xf2, 0x34, 0x20,  // movt r0, #0x1234
  };
  const Bytes arm = {
      0x78, 0x06, 0x05, 0xe3,  // movw r0, #0x5678
      0x34, 0x02, 0x41, 0xe3,  // movt r0, #0x1234
  };
  for (bool is_thumb : {true, false}) {
    SCOPED_TRACE(is_thumb ? "thumb" : "arm");
    const auto x = lift_all(is_thumb ? thumb : arm, 0x10000, is_thumb);
    ASSERT_EQ(x.size(), 2u);
    EXPECT_EQ(transfers(x[0]), (Strings{"r0 = 0x5678"}));
    EXPECT_EQ(transfers(x[1]), (Strings{"r0 = r0 & 0xffff", "r0 = r0 | 0x12340000"}));
    Registers regs;
    run(x[0], regs);
    run(x[1], regs);
    ASSERT_TRUE(regs[0]);
    EXPECT_EQ(*regs[0], 0x12345678u);
  }
}

TEST_F(ArmLift, ShiftsByAConstant) {
  const Bytes thumb = {
      0x4f, 0xea, 0xc3, 0x31,  // mov.w r1, r3, lsl #15 (lsl.w)
  };
  const Bytes arm = {
      0x83, 0x17, 0xa0, 0xe1,  // lsl r1, r3, #15
      0x13, 0x12, 0xa0, 0xe1,  // lsl r1, r3, r2: by a register
  };
  const auto t = lift_all(thumb, 0x10000, true);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(transfers(t[0]), (Strings{"r1 = r3 << 15"}));
  const auto a = lift_all(arm, 0x10000, false);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(transfers(a[0]), (Strings{"r1 = r3 << 15"}));
  EXPECT_EQ(transfers(a[1]), (Strings{"r1 = ?"}));
  Registers regs;
  regs[3] = 0x2000;  // libsystemd's FORK_NEW_USERNS, moved to CLONE_NEWUSER
  run(a[0], regs);
  ASSERT_TRUE(regs[1]);
  EXPECT_EQ(*regs[1], 0x10000000u);
}

// DESIGN.md hard case: literal pools. Thumb reads Align(pc, 4), pc being address + 4.
TEST_F(ArmLift, ThumbLiteralLoadsUseTheAlignedPc) {
  const Bytes code = {
      0x00, 0xbf,              // nop
      0x02, 0x4f,              // ldr r7, [pc, #8]
      0x5f, 0xf8, 0x08, 0x70,  // ldr.w r7, [pc, #-8]
      0xdf, 0xe9, 0x04, 0x01,  // ldrd r0, r1, [pc, #16]
  };
  const auto x = lift_all(code, 0x10000, true);
  ASSERT_EQ(x.size(), 4u);
  EXPECT_TRUE(x[0].transfers.empty());
  EXPECT_EQ(transfers(x[1]), (Strings{"r7 = load4 [0x1000c]"}));  // Align(0x10006, 4) + 8
  EXPECT_EQ(transfers(x[2]), (Strings{"r7 = load4 [0x10000]"}));  // 0x10008 - 8
  EXPECT_EQ(transfers(x[3]), (Strings{"r0 = load4 [0x1001c]", "r1 = load4 [0x10020]"}));
}

TEST_F(ArmLift, ArmLiteralLoadsUsePcPlus8) {
  const Bytes code = {
      0x08, 0x70, 0x9f, 0xe5,  // ldr r7, [pc, #8]
      0x04, 0x00, 0x1f, 0xe5,  // ldr r0, [pc, #-4]
      0xb2, 0x00, 0xdf, 0xe1,  // ldrh r0, [pc, #2]
  };
  const auto x = lift_all(code, 0x20000, false);
  ASSERT_EQ(x.size(), 3u);
  EXPECT_EQ(transfers(x[0]), (Strings{"r7 = load4 [0x20010]"}));
  EXPECT_EQ(transfers(x[1]), (Strings{"r0 = load4 [0x20008]"}));
  EXPECT_EQ(transfers(x[2]), (Strings{"r0 = load2 [0x20012]"}));
}

// DESIGN.md hard case: IT blocks. A conditional write may keep the old value, conditional
// flow says so.
TEST_F(ArmLift, ThumbItBlocksMakeTheirInstructionsConditional) {
  const Bytes code = {
      0x08, 0xbf,  // it eq
      0x01, 0x20,  // moveq r0, #1
      0x02, 0x21,  // movs r1, #2
      0x14, 0xbf,  // ite ne
      0x03, 0x22,  // movne r2, #3
      0x70, 0x47,  // bxeq lr
  };
  const auto x = lift_all(code, 0x10000, true);
  ASSERT_EQ(x.size(), 6u);
  EXPECT_EQ(flow(x[0]), "next");
  EXPECT_TRUE(x[0].transfers.empty());
  EXPECT_EQ(x[0].next, 0x10002u);
  EXPECT_EQ(transfers(x[1]), (Strings{"maybe r0 = 0x1"}));  // r0 may keep its old value
  EXPECT_EQ(transfers(x[2]), (Strings{"r1 = 0x2"}));  // after the block
  EXPECT_EQ(transfers(x[4]), (Strings{"maybe r2 = 0x3"}));
  EXPECT_EQ(flow(x[5]), "return if");
}

TEST_F(ArmLift, ThumbItBlockWithElseLoadsStoresAndSyscall) {
  const Bytes itete = {
      0xcb, 0xbf,  // itete gt
      0x01, 0x30,  // addgt r0, #1
      0x01, 0x38,  // suble r0, #1
      0x08, 0x68,  // ldrgt r0, [r1]
      0x01, 0x90,  // strle r0, [sp, #4]
      0x00, 0x23,  // movs r3, #0
  };
  auto x = lift_all(itete, 0x10000, true);
  ASSERT_EQ(x.size(), 6u);
  EXPECT_EQ(transfers(x[1]), (Strings{"maybe r0 = r0 + 1"}));
  EXPECT_EQ(transfers(x[2]), (Strings{"maybe r0 = r0 + -1"}));
  EXPECT_EQ(transfers(x[3]), (Strings{"maybe r0 = load4 [r1 + 0]"}));
  // The slot may keep its old value: it becomes unknown, and r0 may escape there.
  EXPECT_EQ(transfers(x[4]), (Strings{"forget4 [sp + 4]"}));
  EXPECT_EQ(opaque_reads(x[4]), (Strings{"r0"}));
  EXPECT_EQ(transfers(x[5]), (Strings{"r3 = 0x0"}));

  const Bytes svc = {
      0x1c, 0xbf,  // itt ne
      0x01, 0x20,  // movne r0, #1
      0x00, 0xdf,  // svcne 0
      0x02, 0x21,  // movs r1, #2
  };
  x = lift_all(svc, 0x20000, true);
  ASSERT_EQ(x.size(), 4u);
  EXPECT_EQ(transfers(x[1]), (Strings{"maybe r0 = 0x1"}));
  EXPECT_EQ(flow(x[2]), "syscall if");
  EXPECT_EQ(flow(x[3]), "next");
  EXPECT_EQ(transfers(x[3]), (Strings{"r1 = 0x2"}));
}

// Capstone 4 applies a pending IT condition to whatever it decodes next; the lifter keeps
// IT state by address, so lifting other code in between changes nothing.
TEST_F(ArmLift, ThumbItStateFollowsAddressesNotCallOrder) {
  const Bytes block = {
      0x08, 0xbf,  // it eq
      0x01, 0x20,  // moveq r0, #1
  };
  const Bytes elsewhere = {
      0x01, 0x20,  // movs r0, #1
  };
  ASSERT_TRUE(lifter_->lift(block, 0x10000, true));
  auto other = lifter_->lift(elsewhere, 0x30000, true);
  ASSERT_TRUE(other);
  EXPECT_EQ(transfers(*other), (Strings{"r0 = 0x1"}));
  EXPECT_FALSE(other->conditional);
  auto inside = lifter_->lift(std::span(block).subspan(2), 0x10002, true);
  ASSERT_TRUE(inside);
  EXPECT_EQ(transfers(*inside), (Strings{"maybe r0 = 0x1"}));

  // Given only the IT's own two bytes, the block is followed as it is lifted.
  ASSERT_TRUE(lifter_->lift(std::span(block).first(2), 0x40000, true));
  inside = lifter_->lift(std::span(block).subspan(2), 0x40002, true);
  ASSERT_TRUE(inside);
  EXPECT_EQ(transfers(*inside), (Strings{"maybe r0 = 0x1"}));
}

TEST_F(ArmLift, ArmConditionCodes) {
  const Bytes code = {
      0x01, 0x00, 0xa0, 0x03,  // moveq r0, #1
      0x1e, 0xff, 0x2f, 0x11,  // bxne lr
      0x00, 0x00, 0x00, 0x1f,  // svcne 0
      0x10, 0x80, 0xbd, 0x18,  // popne {r4, pc}
      0x04, 0x00, 0x8d, 0x05,  // streq r0, [sp, #4]
      0x17, 0x00, 0x00, 0x1b,  // blne .+100
      0x04, 0xf0, 0x93, 0x15,  // ldrne pc, [r3, #4]
      0x00, 0x00, 0x00, 0x0a,  // beq .+8
      0x04, 0x00, 0x91, 0xc4,  // ldrgt r0, [r1], #4
      0x01, 0x00, 0x40, 0x13,  // movtne r0, #1
  };
  const auto x = lift_all(code, 0x10000, false);
  ASSERT_EQ(x.size(), 10u);
  EXPECT_EQ(transfers(x[0]), (Strings{"maybe r0 = 0x1"}));
  EXPECT_EQ(flow(x[0]), "next");
  EXPECT_EQ(flow(x[1]), "return if");
  EXPECT_EQ(flow(x[2]), "syscall if");
  EXPECT_EQ(flow(x[3]), "return if");
  EXPECT_EQ(transfers(x[3]), (Strings{"maybe r4 = load4 [sp + 0]", "sp = ?"}));
  EXPECT_EQ(transfers(x[4]), (Strings{"forget4 [sp + 4]"}));
  EXPECT_EQ(opaque_reads(x[4]), (Strings{"r0"}));
  EXPECT_EQ(flow(x[5]), "call 0x10078 A if");
  EXPECT_EQ(flow(x[6]), "ijump [r3 + 4] if");
  EXPECT_EQ(flow(x[7]), "branch 0x10024 A");
  EXPECT_EQ(transfers(x[8]), (Strings{"maybe r0 = load4 [r1 + 0]", "r1 = ?"}));
  EXPECT_EQ(transfers(x[9]), (Strings{"r0 = ?"}));
}

// A conditional copy may keep its destination's old value; the source is read opaquely
// as well, so that a code address moved this way is still seen to escape.
TEST_F(ArmLift, ConditionalCopiesReadTheirSourcesOpaquely) {
  const Bytes arm = {
      0x04, 0x00, 0xa0, 0x01,  // moveq r0, r4
      0x04, 0x10, 0x85, 0x12,  // addne r1, r5, #4
  };
  const Bytes thumb = {
      0x14, 0xbf,  // ite ne
      0x20, 0x46,  // movne r0, r4
      0x29, 0x1d,  // addeq r1, r5, #4
  };
  for (bool is_thumb : {false, true}) {
    SCOPED_TRACE(is_thumb ? "thumb" : "arm");
    auto x = lift_all(is_thumb ? thumb : arm, 0x10000, is_thumb);
    if (is_thumb) x.erase(x.begin());
    ASSERT_EQ(x.size(), 2u);
    EXPECT_EQ(transfers(x[0]), (Strings{"maybe r0 = r4 + 0"}));
    EXPECT_EQ(opaque_reads(x[0]), (Strings{"r4"}));
    EXPECT_EQ(transfers(x[1]), (Strings{"maybe r1 = r5 + 4"}));
    EXPECT_EQ(opaque_reads(x[1]), (Strings{"r5"}));
  }
}

// A register anded or ored with itself keeps its value under any condition: Go's word 0
// after a call that never returns (`andeq r0, r0, r0`) is a no-op, which the analysis
// takes as padding; with flags set, or into another register, it is not.
TEST_F(ArmLift, ARegisterAndedWithItselfIsANoOp) {
  const Bytes arm = {
      0x00, 0x00, 0x00, 0x00,  // andeq r0, r0, r0
      0x03, 0x30, 0x83, 0xe1,  // orr r3, r3, r3
      0x00, 0x00, 0x10, 0xe0,  // ands r0, r0, r0
      0x00, 0x10, 0x00, 0xe0,  // and r1, r0, r0
  };
  const auto x = lift_all(arm, 0x10000, false);
  ASSERT_EQ(x.size(), 4u);
  EXPECT_EQ(transfers(x[0]), (Strings{"r0 = r0 + 0"}));
  EXPECT_EQ(transfers(x[1]), (Strings{"r3 = r3 + 0"}));
  EXPECT_EQ(transfers(x[2]), (Strings{"r0 = r0 & r0"}));
  EXPECT_EQ(transfers(x[3]), (Strings{"r1 = r0 & r0"}));
}

// DESIGN.md hard case: an ARM PLT entry, as in Debian's armhf binaries (the first `add`
// has a non-canonical rotated immediate, which Capstone splits into two operands).
TEST_F(ArmLift, ArmPltEntryJumpsThroughItsGotSlot) {
  const Bytes code = {
      0x00, 0xc6, 0x8f, 0xe2,  // add ip, pc, #0, 12
      0x11, 0xca, 0x8c, 0xe2,  // add ip, ip, #69632
      0xd4, 0xf0, 0xbc, 0xe5,  // ldr pc, [ip, #212]!
  };
  const auto x = lift_all(code, 0x1dee0, false);
  ASSERT_EQ(x.size(), 3u);
  EXPECT_EQ(transfers(x[0]), (Strings{"r12 = 0x1dee8"}));
  EXPECT_EQ(transfers(x[1]), (Strings{"r12 = r12 + 69632"}));
  // `indirect` is read after the transfers: ip has moved to the slot by then.
  EXPECT_EQ(transfers(x[2]), (Strings{"r12 = r12 + 212"}));
  EXPECT_EQ(flow(x[2]), "ijump [r12 + 0]");
  Registers regs;
  for (const LiftedInsn& insn : x) run(insn, regs);
  ASSERT_TRUE(regs[12]);
  EXPECT_EQ(*regs[12] + x[2].indirect.disp, 0x1dee8u + 0x11000 + 212);  // the GOT slot
}

TEST_F(ArmLift, ThumbPltPrefixSwitchesToArm) {
  const Bytes code = {
      0x78, 0x47,  // bx pc
      0x00, 0xbf,  // nop
  };
  const auto x = lift_all(code, 0x1dedc, true);
  ASSERT_EQ(x.size(), 2u);
  EXPECT_EQ(flow(x[0]), "jump 0x1dee0 A");
}

TEST_F(ArmLift, ThumbBranchTablesBoundedByACompareAreSwitches) {
  auto last_flow = [&](const Bytes& code, const std::vector<size_t>& offsets) {
    const std::optional<LiftedInsn> insn = lift_in_sequence(code, offsets);
    return insn ? flow(*insn) : std::string("none");
  };
  const Bytes tbb = {
      0x02, 0x2b,              // cmp r3, #2
      0x04, 0xd8,              // bhi.n default: r3 <= 2 after it
      0xdf, 0xe8, 0x03, 0xf0,  // tbb [pc, r3]
      0x02, 0x03, 0x02,        // three cases: table + 4, + 6, + 4
      0x00,                    // padding
      0x70, 0x47,              // bx lr
      0x70, 0x47,              // bx lr
  };
  EXPECT_EQ(last_flow(tbb, {0, 2, 4}), "switch 0x1000c 0x1000e");
  {
    auto insn = lifter_->lift(std::span(tbb).subspan(4), 0x10004, true);
    ASSERT_TRUE(insn);
    EXPECT_EQ(opaque_reads(*insn), Strings{"r3"});  // the index
  }
  // Without the compare and branch just before it, the table's length is unknown.
  EXPECT_EQ(last_flow(tbb, {4}), "ijump ?");
  EXPECT_EQ(last_flow(tbb, {0, 4}), "ijump ?");
  Bytes other = tbb;
  other[0] = 0x02, other[1] = 0x2a;  // cmp r2, #2: not the index
  EXPECT_EQ(last_flow(other, {0, 2, 4}), "ijump ?");
  Bytes signed_bound = tbb;
  signed_bound[3] = 0xdc;  // bgt: a signed compare leaves negative indices
  EXPECT_EQ(last_flow(signed_bound, {0, 2, 4}), "ijump ?");
  Bytes backwards = tbb;
  backwards[9] = 0x01;  // the second entry points into the table: no table of that length
  EXPECT_EQ(last_flow(backwards, {0, 2, 4}), "ijump ?");

  const Bytes tbh = {
      0x02, 0x2a,              // cmp r2, #2
      0x04, 0xd2,              // bcs.n default (bhs): r2 <= 1 after it
      0xdf, 0xe8, 0x12, 0xf0,  // tbh [pc, r2, lsl #1]
      0x02, 0x00, 0x04, 0x01,  // two cases: table + 4 and table + 0x208
      0x70, 0x47,              // bx lr
  };
  EXPECT_EQ(last_flow(tbh, {0, 2, 4}), "switch 0x1000c 0x10210");
  // The bytes end inside the table: its cases are unknown.
  EXPECT_EQ(last_flow(Bytes(tbh.begin(), tbh.begin() + 10), {0, 2, 4}), "ijump ?");

  // A bound too wide for cmp's immediate comes in a register set just before.
  const Bytes through_register = {
      0x02, 0x21,              // movs r1, #2
      0x8b, 0x42,              // cmp r3, r1
      0x04, 0xd8,              // bhi.n default: r3 <= 2 after it
      0xdf, 0xe8, 0x03, 0xf0,  // tbb [pc, r3]
      0x02, 0x03, 0x02,        // three cases: table + 4, + 6, + 4
      0x00,                    // padding
      0x70, 0x47,              // bx lr
      0x70, 0x47,              // bx lr
  };
  EXPECT_EQ(last_flow(through_register, {0, 2, 4, 6}), "switch 0x1000e 0x10010");
  // Not set right before the compare, or another register set: the bound is unknown.
  EXPECT_EQ(last_flow(through_register, {2, 4, 6}), "ijump ?");
  Bytes other_register = through_register;
  other_register[1] = 0x22;  // movs r2, #2
  EXPECT_EQ(last_flow(other_register, {0, 2, 4, 6}), "ijump ?");
}

// `cmp rN, #0` then `beq`/`bne`, lifted in sequence: rN is 0 on one edge (the flags are
// the compare's only where control comes from it: the analysis checks the block).
TEST_F(ArmLift, ACompareWithZeroBeforeAnEqualityBranchIsAZeroTest) {
  auto lifted_after = [&](const Bytes& code, const std::vector<size_t>& offsets) {
    return *lift_in_sequence(code, offsets);
  };
  const Bytes code = {
      0x00, 0x2a,  // cmp r2, #0
      0x5a, 0xd0,  // beq.n
      0x00, 0x2a,  // cmp r2, #0
      0x5a, 0xd1,  // bne.n
      0x01, 0x2a,  // cmp r2, #1
      0x5a, 0xd0,  // beq.n
  };
  const LiftedInsn beq = lifted_after(code, {0, 2});
  ASSERT_TRUE(beq.zero_test);
  EXPECT_EQ(beq.zero_test->reg, 2);
  EXPECT_TRUE(beq.zero_test->zero_when_taken);
  EXPECT_TRUE(beq.zero_test->after_compare);
  const LiftedInsn bne = lifted_after(code, {4, 6});
  ASSERT_TRUE(bne.zero_test);
  EXPECT_FALSE(bne.zero_test->zero_when_taken);
  EXPECT_FALSE(lifted_after(code, {2}).zero_test);      // no compare just before
  EXPECT_FALSE(lifted_after(code, {8, 10}).zero_test);  // compared with 1
}

TEST_F(ArmLift, ThumbControlFlow) {
  const Bytes code = {
      0x00, 0xf0, 0x30, 0xf8,  // bl .+100
      0x00, 0xf0, 0x30, 0xe8,  // blx .+100
      0x98, 0x47,              // blx r3
      0x08, 0xe0,              // b .+20
      0x08, 0xd0,              // beq .+20
      0x10, 0xb1,              // cbz r0, .+8
      0x10, 0xb9,              // cbnz r0, .+8
      0xd1, 0xe8, 0x00, 0xf0,  // tbb [r1, r0]: a table elsewhere
      0xd1, 0xe8, 0x10, 0xf0,  // tbh [r1, r0, lsl #1]
      0x70, 0x47,              // bx lr
      0x18, 0x47,              // bx r3
      0xf7, 0x46,              // mov pc, lr
      0xd3, 0xf8, 0x04, 0xf0,  // ldr.w pc, [r3, #4]
      0x00, 0xdf,              // svc 0
      0x00, 0xde,              // udf #0
      0x00, 0xbe,              // bkpt #0
      0x00, 0xf0, 0xda, 0xbd,  // b.w .+3000
      0x00, 0xf0, 0xe6, 0x83,  // beq.w .+2000
      0x87, 0x44,              // add pc, r0
  };
  const auto x = lift_all(code, 0x10000, true);
  ASSERT_EQ(x.size(), 19u);
  EXPECT_EQ(flow(x[0]), "call 0x10064 T");
  EXPECT_EQ(flow(x[1]), "call 0x10068 A");  // blx switches to ARM
  EXPECT_EQ(flow(x[2]), "icall r3");
  EXPECT_EQ(flow(x[3]), "jump 0x1001e T");
  EXPECT_EQ(flow(x[4]), "branch 0x10020 T");
  EXPECT_EQ(flow(x[5]), "branch 0x10016 T");
  EXPECT_EQ(flow(x[6]), "branch 0x10018 T");
  ASSERT_TRUE(x[5].zero_test && x[6].zero_test);  // r0 is 0 where cbz branches, where cbnz does not
  EXPECT_EQ(x[5].zero_test->reg, x[6].zero_test->reg);
  EXPECT_TRUE(x[5].zero_test->zero_when_taken);
  EXPECT_FALSE(x[6].zero_test->zero_when_taken);
  EXPECT_FALSE(x[4].zero_test);  // beq tests flags
  EXPECT_EQ(flow(x[7]), "ijump ?");
  EXPECT_EQ(flow(x[8]), "ijump ?");
  EXPECT_EQ(flow(x[9]), "return");
  EXPECT_EQ(flow(x[10]), "ijump r3");
  EXPECT_EQ(flow(x[11]), "return");
  EXPECT_EQ(flow(x[12]), "ijump [r3 + 4]");
  EXPECT_EQ(flow(x[13]), "syscall");
  EXPECT_EQ(flow(x[14]), "stop");
  EXPECT_EQ(flow(x[15]), "stop");
  EXPECT_EQ(flow(x[16]), "jump 0x10be2 T");
  EXPECT_EQ(flow(x[17]), "branch 0x107fe T");
  EXPECT_EQ(flow(x[18]), "ijump ?");
  for (const LiftedInsn& insn : x) {
    EXPECT_FALSE(insn.conditional) << flow(insn);
    EXPECT_TRUE(insn.transfers.empty()) << flow(insn);  // calls leave lr to call_clobbered
  }
}

TEST_F(ArmLift, ArmControlFlow) {
  const Bytes code = {
      0x17, 0x00, 0x00, 0xeb,  // bl .+100
      0x17, 0x00, 0x00, 0xfa,  // blx .+100
      0x33, 0xff, 0x2f, 0xe1,  // blx r3
      0x00, 0x00, 0x00, 0xea,  // b .+8
      0x00, 0x00, 0x00, 0x0a,  // beq .+8
      0x1e, 0xff, 0x2f, 0xe1,  // bx lr
      0x13, 0xff, 0x2f, 0xe1,  // bx r3
      0x0e, 0xf0, 0xa0, 0xe1,  // mov pc, lr
      0x04, 0xf0, 0x93, 0xe5,  // ldr pc, [r3, #4]
      0x04, 0xf0, 0x1f, 0xe5,  // ldr pc, [pc, #-4]
      0x00, 0x00, 0x00, 0xef,  // svc 0
      0xf0, 0x00, 0xf0, 0xe7,  // udf #0
      0x70, 0x00, 0x20, 0xe1,  // bkpt #0
      0x00, 0xf1, 0x9f, 0xe7,  // ldr pc, [pc, r0, lsl #2]
      0x00, 0xf1, 0x8f, 0xe0,  // add pc, pc, r0, lsl #2
      0x1f, 0xff, 0x2f, 0xe1,  // bx pc
      0x00, 0xf0, 0x84, 0xe2,  // add pc, r4, #0 (Go's `B (R4)`)
      0x04, 0xf0, 0x84, 0xe2,  // add pc, r4, #4
  };
  const auto x = lift_all(code, 0x10000, false);
  ASSERT_EQ(x.size(), 18u);
  EXPECT_EQ(flow(x[0]), "call 0x10064 A");
  EXPECT_EQ(flow(x[1]), "call 0x10068 T");  // blx switches to Thumb
  EXPECT_EQ(flow(x[2]), "icall r3");
  EXPECT_EQ(flow(x[3]), "jump 0x10014 A");
  EXPECT_EQ(flow(x[4]), "branch 0x10018 A");
  EXPECT_EQ(flow(x[5]), "return");
  EXPECT_EQ(flow(x[6]), "ijump r3");
  EXPECT_EQ(flow(x[7]), "return");
  EXPECT_EQ(flow(x[8]), "ijump [r3 + 4]");
  EXPECT_EQ(flow(x[9]), "ijump [0x10028]");  // a literal word holding the target
  EXPECT_EQ(flow(x[10]), "syscall");
  EXPECT_EQ(flow(x[11]), "stop");
  EXPECT_EQ(flow(x[12]), "stop");
  EXPECT_EQ(flow(x[13]), "ijump ?");  // jump tables
  EXPECT_EQ(flow(x[14]), "ijump ?");
  EXPECT_EQ(flow(x[15]), "jump 0x10044 A");
  EXPECT_EQ(flow(x[16]), "ijump r4");
  EXPECT_EQ(flow(x[17]), "ijump ?");
  for (const LiftedInsn& insn : x) EXPECT_TRUE(insn.transfers.empty()) << flow(insn);
}

TEST_F(ArmLift, ArmDataProcessing) {
  const Bytes code = {
      0xff, 0x04, 0xa0, 0xe3,  // mov r0, #0xff000000
      0x00, 0x00, 0xe0, 0xe3,  // mvn r0, #0
      0x01, 0x00, 0xa0, 0xe1,  // mov r0, r1
      0x0f, 0x00, 0xa0, 0xe1,  // mov r0, pc
      0x10, 0x00, 0x81, 0xe2,  // add r0, r1, #16
      0x10, 0x00, 0x41, 0xe2,  // sub r0, r1, #16
      0x08, 0x00, 0x8f, 0xe2,  // add r0, pc, #8
      0x08, 0x00, 0x4f, 0xe2,  // sub r0, pc, #8
      0x02, 0x00, 0x81, 0xe0,  // add r0, r1, r2
      0x0f, 0x00, 0x81, 0xe0,  // add r0, r1, pc
      0x02, 0x01, 0x81, 0xe0,  // add r0, r1, r2, lsl #2
      0x02, 0x07, 0x81, 0xe3,  // orr r0, r1, #0x80000
      0x0f, 0x00, 0x01, 0xe2,  // and r0, r1, #15
      0x02, 0x00, 0x01, 0xe0,  // and r0, r1, r2
      0x0f, 0x00, 0xc1, 0xe3,  // bic r0, r1, #15
      0x71, 0x00, 0xef, 0xe6,  // uxtb r0, r1
      0x71, 0x00, 0xff, 0xe6,  // uxth r0, r1
      0x71, 0x04, 0xef, 0xe6,  // uxtb r0, r1, ror #8
      0x10, 0xd0, 0x4d, 0xe2,  // sub sp, sp, #16
      0x00, 0x00, 0x20, 0xe0,  // eor r0, r0, r0
      0x40, 0x0f, 0xa0, 0xe3,  // mov r0, #64, 30
  };
  const auto x = lift_all(code, 0x10000, false);
  ASSERT_EQ(x.size(), 21u);
  const Strings expected = {
      "r0 = 0xff000000", "r0 = 0xffffffff", "r0 = r1 + 0",    "r0 = 0x10014",    "r0 = r1 + 16",
      "r0 = r1 + -16",   "r0 = 0x10028",    "r0 = 0x1001c",   "r0 = r1 + r2",    "r0 = r1 + 65580",
      "r0 = ?",          "r0 = r1 | 0x80000", "r0 = r1 & 0xf", "r0 = r1 & r2", "r0 = r1 & 0xfffffff0", "r0 = r1 & 0xff",
      "r0 = r1 & 0xffff", "r0 = ?",         "sp = sp + -16",  "r0 = ?",          "r0 = 0x100",
  };
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(transfers(x[i]), Strings{expected[i]}) << "instruction " << i;
    EXPECT_EQ(flow(x[i]), "next");
  }
}

TEST_F(ArmLift, ThumbDataProcessing) {
  const Bytes code = {
      0x00, 0xbf,              // nop
      0x01, 0x20,              // movs r0, #1
      0x4f, 0xf0, 0x12, 0x20,  // mov.w r0, #0x12001200
      0x6f, 0xf0, 0x00, 0x00,  // mvn.w r0, #0
      0x08, 0x46,              // mov r0, r1
      0x04, 0x30,              // adds r0, #4
      0x04, 0x38,              // subs r0, #4
      0x01, 0xeb, 0x02, 0x00,  // add r0, r1, r2
      0x78, 0x44,              // add r0, pc
      0x04, 0xa0,              // add r0, pc, #16  (adr)
      0xaf, 0xf2, 0x12, 0x00,  // subw r0, pc, #18  (adr.w)
      0x01, 0xf6, 0xff, 0x70,  // addw r0, r1, #4095
      0x41, 0xf4, 0x7f, 0x40,  // orr.w r0, r1, #0xff00
      0x01, 0xf0, 0x0f, 0x00,  // and.w r0, r1, #15
      0x21, 0xf0, 0x0f, 0x00,  // bic.w r0, r1, #15
      0xc8, 0xb2,              // uxtb r0, r1
      0x04, 0xb0,              // add sp, #16
      0x84, 0xb0,              // sub sp, #16
      0x02, 0xaf,              // add r7, sp, #8
      0x48, 0x40,              // eors r0, r1
      0xfe, 0x46,              // mov lr, pc
  };
  const auto x = lift_all(code, 0x10000, true);
  ASSERT_EQ(x.size(), 21u);
  const std::vector<Strings> expected = {
      {},
      {"r0 = 0x1"},
      {"r0 = 0x12001200"},
      {"r0 = 0xffffffff"},
      {"r0 = r1 + 0"},
      {"r0 = r0 + 4"},
      {"r0 = r0 + -4"},
      {"r0 = r1 + r2"},
      {"r0 = r0 + 65562"},  // add reg reads pc unaligned: 0x10016 + 4
      {"r0 = 0x1002c"},     // adr: Align(0x1001c, 4) + 16
      {"r0 = 0x1000a"},     // Align(0x1001e, 4) - 18
      {"r0 = r1 + 4095"},
      {"r0 = r1 | 0xff00"},
      {"r0 = r1 & 0xf"},
      {"r0 = r1 & 0xfffffff0"},
      {"r0 = r1 & 0xff"},
      {"sp = sp + 16"},
      {"sp = sp + -16"},
      {"r7 = sp + 8"},
      {"r0 = ?"},
      {"lr = 0x1003c"},
  };
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(transfers(x[i]), expected[i]) << "instruction " << i;
    EXPECT_EQ(flow(x[i]), "next");
  }
}

TEST_F(ArmLift, ThumbLoads) {
  const Bytes code = {
      0x51, 0xf8, 0x04, 0x0c,  // ldr r0, [r1, #-4]
      0x51, 0xf8, 0x04, 0x0f,  // ldr r0, [r1, #4]!
      0x51, 0xf8, 0x04, 0x0b,  // ldr r0, [r1], #4
      0x51, 0xf8, 0x04, 0x09,  // ldr r0, [r1], #-4
      0x48, 0x78,              // ldrb r0, [r1, #1]
      0x31, 0xf8, 0x06, 0x0d,  // ldrh r0, [r1, #-6]!
      0x91, 0xf9, 0x02, 0x00,  // ldrsb r0, [r1, #2]
      0x31, 0xf9, 0x02, 0x09,  // ldrsh r0, [r1], #-2
      0x88, 0x58,              // ldr r0, [r1, r2]
      0x51, 0xf8, 0x22, 0x00,  // ldr.w r0, [r1, r2, lsl #2]
      0x02, 0x98,              // ldr r0, [sp, #8]
  };
  const auto x = lift_all(code, 0x10000, true);
  ASSERT_EQ(x.size(), 11u);
  const std::vector<Strings> expected = {
      {"r0 = load4 [r1 + -4]"},
      {"r0 = load4 [r1 + 4]", "r1 = r1 + 4"},
      {"r0 = load4 [r1 + 0]", "r1 = r1 + 4"},
      {"r0 = load4 [r1 + 0]", "r1 = r1 + -4"},
      {"r0 = load1 [r1 + 1]"},
      {"r0 = load2 [r1 + -6]", "r1 = r1 + -6"},
      {"r0 = load1s [r1 + 2]"},
      {"r0 = load2s [r1 + 0]", "r1 = r1 + -2"},
      {"tmp = r1 + r2", "r0 = load4 [tmp + 0]"},
      {"tmp = ?", "r0 = load4 [tmp + 0]"},  // a scaled index is not modelled
      {"r0 = load4 [sp + 8]"},
  };
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(transfers(x[i]), expected[i]) << "instruction " << i;
}

TEST_F(ArmLift, ArmLoads) {
  const Bytes code = {
      0x04, 0x00, 0x11, 0xe5,  // ldr r0, [r1, #-4]
      0x04, 0x00, 0xb1, 0xe5,  // ldr r0, [r1, #4]!
      0x04, 0x00, 0x91, 0xe4,  // ldr r0, [r1], #4
      0x04, 0x00, 0x11, 0xe4,  // ldr r0, [r1], #-4
      0x01, 0x00, 0xd1, 0xe5,  // ldrb r0, [r1, #1]
      0xb6, 0x00, 0x71, 0xe1,  // ldrh r0, [r1, #-6]!
      0xd2, 0x00, 0xd1, 0xe1,  // ldrsb r0, [r1, #2]
      0xf2, 0x00, 0x51, 0xe0,  // ldrsh r0, [r1], #-2
      0x02, 0x00, 0x91, 0xe7,  // ldr r0, [r1, r2]
      0x02, 0x01, 0x91, 0xe7,  // ldr r0, [r1, r2, lsl #2]
      0x02, 0x00, 0x91, 0xe6,  // ldr r0, [r1], r2
  };
  const auto x = lift_all(code, 0x10000, false);
  ASSERT_EQ(x.size(), 11u);
  const std::vector<Strings> expected = {
      {"r0 = load4 [r1 + -4]"},
      {"r0 = load4 [r1 + 4]", "r1 = r1 + 4"},
      {"r0 = load4 [r1 + 0]", "r1 = r1 + 4"},
      {"r0 = load4 [r1 + 0]", "r1 = r1 + -4"},
      {"r0 = load1 [r1 + 1]"},
      {"r0 = load2 [r1 + -6]", "r1 = r1 + -6"},
      {"r0 = load1s [r1 + 2]"},
      {"r0 = load2s [r1 + 0]", "r1 = r1 + -2"},
      {"tmp = r1 + r2", "r0 = load4 [tmp + 0]"},
      {"tmp = ?", "r0 = load4 [tmp + 0]"},
      {"r0 = load4 [r1 + 0]", "r1 = r1 + r2"},
  };
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(transfers(x[i]), expected[i]) << "instruction " << i;
}

TEST_F(ArmLift, StoresAndDoublewordsInBothSets) {
  const Bytes thumb = {
      0x4d, 0xf8, 0x04, 0x0d,  // str r0, [sp, #-4]!
      0x48, 0x70,              // strb r0, [r1, #1]
      0x21, 0xf8, 0x02, 0x0b,  // strh r0, [r1], #2
      0x03, 0x91,              // str r1, [sp, #12]
      0x88, 0x50,              // str r0, [r1, r2]
      0xdd, 0xe9, 0x02, 0x23,  // ldrd r2, r3, [sp, #8]
      0x6d, 0xe9, 0x02, 0x23,  // strd r2, r3, [sp, #-8]!
      0xfd, 0xe8, 0x02, 0x23,  // ldrd r2, r3, [sp], #8
      0xd0, 0xe9, 0x00, 0x01,  // ldrd r0, r1, [r0]
  };
  const Bytes arm = {
      0x04, 0x00, 0x2d, 0xe5,  // str r0, [sp, #-4]!
      0x01, 0x00, 0xc1, 0xe5,  // strb r0, [r1, #1]
      0xb2, 0x00, 0xc1, 0xe0,  // strh r0, [r1], #2
      0x0c, 0x10, 0x8d, 0xe5,  // str r1, [sp, #12]
      0x02, 0x00, 0x81, 0xe7,  // str r0, [r1, r2]
      0xd8, 0x20, 0xcd, 0xe1,  // ldrd r2, r3, [sp, #8]
      0xf8, 0x20, 0x6d, 0xe1,  // strd r2, r3, [sp, #-8]!
      0xd8, 0x20, 0xcd, 0xe0,  // ldrd r2, r3, [sp], #8
      0xd0, 0x00, 0xc0, 0xe1,  // ldrd r0, r1, [r0]
  };
  const std::vector<Strings> expected = {
      {"store4 [sp + -4] = r0", "sp = sp + -4"},
      {"store1 [r1 + 1] = r0"},
      {"store2 [r1 + 0] = r0", "r1 = r1 + 2"},
      {"store4 [sp + 12] = r1"},
      {"tmp = r1 + r2", "scribble [r1 + ?]", "store4 [tmp + 0] = r0"},
      {"r2 = load4 [sp + 8]", "r3 = load4 [sp + 12]"},
      {"store4 [sp + -8] = r2", "store4 [sp + -4] = r3", "sp = sp + -8"},
      {"r2 = load4 [sp + 0]", "r3 = load4 [sp + 4]", "sp = sp + 8"},
      {"r1 = load4 [r0 + 4]", "r0 = load4 [r0 + 0]"},  // the base is loaded last
  };
  for (bool is_thumb : {true, false}) {
    SCOPED_TRACE(is_thumb ? "thumb" : "arm");
    const auto x = lift_all(is_thumb ? thumb : arm, 0x10000, is_thumb);
    ASSERT_EQ(x.size(), expected.size());
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(transfers(x[i]), expected[i]) << "instruction " << i;
  }
}

TEST_F(ArmLift, ThumbPushPopAndMultiples) {
  const Bytes code = {
      0x70, 0xb5,              // push {r4, r5, r6, lr}
      0x10, 0xbd,              // pop {r4, pc}
      0x2d, 0xe9, 0x10, 0x41,  // push.w {r4, r8, lr}
      0xbd, 0xe8, 0x10, 0x81,  // pop.w {r4, r8, pc}
      0x06, 0xc8,              // ldmia r0!, {r1, r2}
      0x06, 0xc0,              // stmia r0!, {r1, r2}
      0x10, 0xe9, 0x06, 0x00,  // ldmdb r0, {r1, r2}
      0x5d, 0xf8, 0x04, 0xfb,  // ldr.w pc, [sp], #4
      0x4d, 0xf8, 0x04, 0x4d,  // stmdb sp!, {r4}  (str r4, [sp, #-4]!)
  };
  const auto x = lift_all(code, 0x10000, true);
  ASSERT_EQ(x.size(), 9u);
  EXPECT_EQ(transfers(x[0]), (Strings{"store4 [sp + -16] = r4", "store4 [sp + -12] = r5",
                                      "store4 [sp + -8] = r6", "store4 [sp + -4] = lr", "sp = sp + -16"}));
  EXPECT_EQ(transfers(x[1]), (Strings{"r4 = load4 [sp + 0]", "sp = sp + 8"}));
  EXPECT_EQ(flow(x[1]), "return");
  EXPECT_EQ(transfers(x[2]), (Strings{"store4 [sp + -12] = r4", "store4 [sp + -8] = r8",
                                      "store4 [sp + -4] = lr", "sp = sp + -12"}));
  EXPECT_EQ(transfers(x[3]), (Strings{"r4 = load4 [sp + 0]", "r8 = load4 [sp + 4]", "sp = sp + 12"}));
  EXPECT_EQ(flow(x[3]), "return");
  EXPECT_EQ(transfers(x[4]), (Strings{"r1 = load4 [r0 + 0]", "r2 = load4 [r0 + 4]", "r0 = r0 + 8"}));
  EXPECT_EQ(transfers(x[5]), (Strings{"store4 [r0 + 0] = r1", "store4 [r0 + 4] = r2", "r0 = r0 + 8"}));
  EXPECT_EQ(transfers(x[6]), (Strings{"r1 = load4 [r0 + -8]", "r2 = load4 [r0 + -4]"}));
  EXPECT_EQ(transfers(x[7]), (Strings{"sp = sp + 4"}));
  EXPECT_EQ(flow(x[7]), "return");
  EXPECT_EQ(transfers(x[8]), (Strings{"store4 [sp + -4] = r4", "sp = sp + -4"}));
}

TEST_F(ArmLift, ArmPushPopAndMultiples) {
  const Bytes code = {
      0x30, 0x40, 0x2d, 0xe9,  // push {r4, r5, lr}
      0x30, 0x80, 0xbd, 0xe8,  // pop {r4, r5, pc}
      0x30, 0x00, 0x2d, 0xe9,  // stmdb sp!, {r4, r5}
      0x30, 0x00, 0xbd, 0xe8,  // ldmia sp!, {r4, r5}
      0x06, 0x00, 0xb0, 0xe8,  // ldm r0!, {r1, r2}
      0x06, 0x00, 0x80, 0xe8,  // stm r0, {r1, r2}
      0x06, 0x00, 0x20, 0xe9,  // stmdb r0!, {r1, r2}
      0x06, 0x00, 0x90, 0xe9,  // ldmib r0, {r1, r2}
      0x04, 0xf0, 0x9d, 0xe4,  // ldr pc, [sp], #4
      0x01, 0x80, 0x9d, 0xe8,  // ldm sp, {r0, pc}
      0x02, 0x80, 0x33, 0xe8,  // ldmda r3!, {r1, pc}
  };
  const auto x = lift_all(code, 0x10000, false);
  ASSERT_EQ(x.size(), 11u);
  EXPECT_EQ(transfers(x[0]), (Strings{"store4 [sp + -12] = r4", "store4 [sp + -8] = r5",
                                      "store4 [sp + -4] = lr", "sp = sp + -12"}));
  EXPECT_EQ(transfers(x[1]), (Strings{"r4 = load4 [sp + 0]", "r5 = load4 [sp + 4]", "sp = sp + 12"}));
  EXPECT_EQ(flow(x[1]), "return");
  EXPECT_EQ(transfers(x[2]), (Strings{"store4 [sp + -8] = r4", "store4 [sp + -4] = r5", "sp = sp + -8"}));
  EXPECT_EQ(transfers(x[3]), (Strings{"r4 = load4 [sp + 0]", "r5 = load4 [sp + 4]", "sp = sp + 8"}));
  EXPECT_EQ(flow(x[3]), "next");
  EXPECT_EQ(transfers(x[4]), (Strings{"r1 = load4 [r0 + 0]", "r2 = load4 [r0 + 4]", "r0 = r0 + 8"}));
  EXPECT_EQ(transfers(x[5]), (Strings{"store4 [r0 + 0] = r1", "store4 [r0 + 4] = r2"}));
  EXPECT_EQ(transfers(x[6]), (Strings{"store4 [r0 + -8] = r1", "store4 [r0 + -4] = r2", "r0 = r0 + -8"}));
  EXPECT_EQ(transfers(x[7]), (Strings{"r1 = load4 [r0 + 4]", "r2 = load4 [r0 + 8]"}));
  EXPECT_EQ(transfers(x[8]), (Strings{"sp = sp + 4"}));
  EXPECT_EQ(flow(x[8]), "return");
  EXPECT_EQ(transfers(x[9]), (Strings{"r0 = load4 [sp + 0]"}));
  EXPECT_EQ(flow(x[9]), "ijump [sp + 4]");
  // DA: pc comes from the old base, which is 8 above the written-back one.
  EXPECT_EQ(transfers(x[10]), (Strings{"r1 = load4 [r3 + -4]", "r3 = r3 + -8"}));
  EXPECT_EQ(flow(x[10]), "ijump [r3 + 8]");
}

// Not modelled: every written register is clobbered, including those Capstone 4 does not
// report (mrc, mrrc, ldrexd, vpush/vpop's sp, NEON post-increment by register); stores of
// values the analysis cannot see make their memory unknown.
TEST_F(ArmLift, ArmUnmodelledInstructionsClobber) {
  const Bytes code = {
      0x70, 0x0f, 0x1d, 0xee,  // mrc p15, 0, r0, c13, c0, 3
      0x92, 0x03, 0x81, 0xe0,  // umull r0, r1, r2, r3
      0x9f, 0x0f, 0xb2, 0xe1,  // ldrexd r0, r1, [r2]
      0x90, 0x2f, 0x81, 0xe1,  // strex r2, r0, [r1]
      0x04, 0x8b, 0x2d, 0xed,  // vpush {d8-d9}
      0x04, 0x8b, 0xbd, 0xec,  // vpop {d8-d9}
      0x02, 0x0b, 0x8d, 0xed,  // vstr d0, [sp, #8]
      0x02, 0x07, 0x00, 0xf4,  // vst1.8 {d0}, [r0], r2
      0x01, 0x00, 0x50, 0xe3,  // cmp r0, #1
      0x0e, 0x0f, 0x51, 0xec,  // mrrc p15, 0, r0, r1, c14
  };
  const auto x = lift_all(code, 0x10000, false);
  ASSERT_EQ(x.size(), 10u);
  const std::vector<Strings> expected = {
      {"r0 = ?"},
      {"r0 = ?", "r1 = ?"},
      {"r0 = ?", "r1 = ?"},
      {"forget4 [r1 + 0]", "r2 = ?"},
      {"forget16 [sp + -16]", "sp = sp + -16"},
      {"d8 = ?", "d9 = ?", "sp = sp + 16"},
      {"store8 [sp + 8] = d0"},
      {"forget8 [r0 + 0]", "r0 = ?"},
      {},
      {"r0 = ?", "r1 = ?"},
  };
  // What the instruction reads and no transfer shows: umull's factors, the value strex
  // stores (a code address there escapes), vst1's increment; address registers carry
  // no value and are left out.
  const std::vector<Strings> reads = {
      {}, {"r2", "r3"}, {}, {"r0"}, {}, {}, {}, {"r2"}, {}, {},
  };
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(transfers(x[i]), expected[i]) << "instruction " << i;
    EXPECT_EQ(opaque_reads(x[i]), reads[i]) << "instruction " << i;
    EXPECT_EQ(flow(x[i]), "next");
  }
}

TEST_F(ArmLift, ThumbUnmodelledInstructionsClobber) {
  const Bytes code = {
      0x1d, 0xee, 0x70, 0x0f,  // mrc p15, 0, r0, c13, c0, 3
      0x2d, 0xed, 0x02, 0x8b,  // vpush {d8}
      0xbd, 0xec, 0x02, 0x8b,  // vpop {d8}
      0x41, 0xe8, 0x00, 0x02,  // strex r2, r0, [r1]
      0x51, 0xe8, 0x00, 0x0f,  // ldrex r0, [r1]
      0x83, 0xea, 0x03, 0x03,  // eor.w r3, r3, r3
  };
  const auto x = lift_all(code, 0x10000, true);
  ASSERT_EQ(x.size(), 6u);
  const std::vector<Strings> expected = {
      {"r0 = ?"},
      {"forget8 [sp + -8]", "sp = sp + -8"},
      {"d8 = ?", "sp = sp + 8"},
      {"forget4 [r1 + 0]", "r2 = ?"},
      {"r0 = ?"},
      {"r3 = ?"},
  };
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(transfers(x[i]), expected[i]) << "instruction " << i;
}

// glibc's create_thread sets struct clone_args' 64-bit flags from a literal through d7.
TEST_F(ArmLift, DoubleRegistersCarryLiteralsToMemory) {
  const Bytes code = {
      0x9f, 0xed, 0x39, 0x7b,  // vldr d7, [pc, #228]
      0x8d, 0xed, 0x00, 0x7b,  // vstr d7, [sp]
      0x9f, 0xed, 0x02, 0x0a,  // vldr s0, [pc, #8]: half of d0
      0x27, 0xee, 0x07, 0x7b,  // vmul.f64 d7, d7, d7
  };
  const auto x = lift_all(code, 0x5cc4a, true);
  ASSERT_EQ(x.size(), 4u);
  const std::vector<Strings> expected = {
      {"d7 = load8 [0x5cd30]"},
      {"store8 [sp + 0] = d7"},
      {"d0 = ?"},
      {"d7 = ?"},
  };
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(transfers(x[i]), expected[i]) << "instruction " << i;
}

TEST_F(ArmLift, UndecodableBytesGiveNothing) {
  const Bytes junk = {0xff, 0xff, 0xff, 0xff};
  EXPECT_FALSE(lifter_->lift(junk, 0x10000, false));
  EXPECT_FALSE(lifter_->lift(junk, 0x10000, true));
  EXPECT_FALSE(lifter_->lift(std::span(junk).first(1), 0x10000, true));
  EXPECT_FALSE(lifter_->lift({}, 0x10000, false));
}

/// Our number for a Capstone core register (the test's own copy of the mapping).
Reg core_register(int reg) {
  if (reg >= ARM_REG_R0 && reg <= ARM_REG_R12) return static_cast<Reg>(reg - ARM_REG_R0);
  if (reg == ARM_REG_SP) return kSp;
  if (reg == ARM_REG_LR) return kLr;
  if (reg == ARM_REG_PC) return kPc;
  return kNoReg;
}

// Property test: Debian's armhf libc is Thumb-2. Lift its .text linearly (literal pools
// and all) and check against an independent Capstone handle that nothing crashes, `next`
// is the decoded size on, and every register Capstone reports written is the `dst` of
// some transfer (pc excepted, and calls, whose clobbers come from the conventions).
TEST(ArmLiftLibc, ThumbTextLiftsSoundly) {
  const std::string path = "/usr/arm-linux-gnueabihf/lib/libc.so.6";
  auto loaded = testing::load_text_section(path, "scripts/setup installs libc6-armhf-cross");
  ASSERT_TRUE(loaded);
  const std::unique_ptr<Backend>* backend = &loaded->backend;
  ASSERT_EQ((*backend)->name(), "arm");
  const elf::Section* text = loaded->text;
  const std::optional<std::span<const uint8_t>> bytes = loaded->bytes;
  const std::span<const uint8_t> code = *bytes;
  auto lifter = (*backend)->make_lifter();
  ASSERT_TRUE(lifter) << lifter.error().message;
  const Reg registers = (*backend)->register_count();

  // Lifting alone, timed.
  size_t lifted = 0;
  const auto start = std::chrono::steady_clock::now();
  for (size_t offset = 0; offset + 2 <= code.size();) {
    auto insn = (*lifter)->lift(code.subspan(offset), text->address + offset, true);
    if (insn && insn->next > insn->address) {
      ++lifted;
      offset = insn->next - text->address;
    } else {
      offset += 2;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "[ arm lift ] %zu instructions from %zu bytes of libc .text in %.3f s (%.2f M instructions/s)\n",
      lifted, code.size(), seconds, lifted / seconds / 1e6);
  EXPECT_GT(lifted, 300000u);

  // The same sweep, checked against a second decoder.
  auto reference = disasm::Capstone::open(CS_ARCH_ARM, CS_MODE_THUMB);
  ASSERT_TRUE(reference) << reference.error().message;
  std::vector<std::string> problems;
  size_t checked = 0;
  auto problem = [&](uint64_t address, const cs_insn* insn, const std::string& what) {
    if (problems.size() < 20) {
      problems.push_back(fmt::format("{:#x} {} {}: {}", address, insn ? insn->mnemonic : "?",
                                     insn ? insn->op_str : "", what));
    }
  };
  for (size_t offset = 0; offset + 2 <= code.size();) {
    const uint64_t address = text->address + offset;
    auto insn = (*lifter)->lift(code.subspan(offset), address, true);
    const cs_insn* ref = reference->decode(code.subspan(offset), address);
    if (!insn) {
      offset += 2;
      continue;
    }
    if (insn->address != address || (insn->next != address + 2 && insn->next != address + 4)) {
      problem(address, ref, fmt::format("address {:#x}, next {:#x}", insn->address, insn->next));
      break;
    }
    offset = insn->next - text->address;
    for (const Transfer& t : insn->transfers) {
      const bool memory = t.op == Transfer::Op::Store || t.op == Transfer::Op::Forget || t.op == Transfer::Op::Scribble;
      const bool bad_dst = memory ? t.dst != kNoReg : (t.dst >= registers || t.dst == kPc);
      const bool bad_src = t.src != kNoReg && t.src >= registers;
      const bool bad_src2 = t.src2 != kNoReg && t.src2 >= registers;
      if (bad_dst || bad_src || bad_src2) problem(address, ref, "bad registers in " + describe(t));
    }
    if (ref == nullptr) continue;  // the reference's own IT state can refuse what the lifter takes
    if (insn->next != address + ref->size) problem(address, ref, fmt::format("next {:#x}", insn->next));
    ++checked;
    // Nothing after a call is modelled through the callee, and nothing runs after a stop
    // (a non-Linux `svc #n`, a trap).
    if (insn->flow == Flow::Call || insn->flow == Flow::IndirectCall || insn->flow == Flow::Stop) continue;
    cs_regs read, written;
    uint8_t read_count = 0, written_count = 0;
    ASSERT_EQ(cs_regs_access(reference->handle(), ref, read, &read_count, written, &written_count),
              CS_ERR_OK);
    for (unsigned i = 0; i < written_count; ++i) {
      const Reg r = core_register(written[i]);
      if (r == kNoReg || r == kPc) continue;
      // Two writes Capstone 4 reports that do not happen: `svc` "writes" lr (it models
      // the exception entry, whose lr is the supervisor's banked copy), and Thumb-2
      // push.w/stmdb sp! marks the registers it stores as read-write.
      if (insn->flow == Flow::Syscall && r == kLr) continue;
      if (ref->id == ARM_INS_PUSH && r != kSp) continue;
      const bool covered = std::any_of(insn->transfers.begin(), insn->transfers.end(),
                                       [&](const Transfer& t) { return t.dst == r; });
      if (!covered) problem(address, ref, fmt::format("{} written, no transfer", reg_name(r)));
    }
  }
  EXPECT_GT(checked, 300000u);
  std::string list;
  for (const std::string& p : problems) list += "\n  " + p;
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems (first 20):" << list;
}

}  // namespace
}  // namespace sysfence::arch
