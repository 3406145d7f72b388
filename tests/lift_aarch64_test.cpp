// The AArch64 lifter on hand-assembled instructions, and a soundness sweep over every
// word of glibc's .text. The words come from aarch64-linux-gnu-as and -objdump: the
// snippets were linked with `ld -Ttext=0x400000`, so the addresses below are the ones
// the branch and PC-relative operands were assembled for.
#include <capstone/capstone.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "arch/aarch64/aarch64_backend.h"
#include "disasm/capstone.h"
#include "elf/elf_file.h"
#include "util/mapped_file.h"
#include "support/text_section.h"

namespace sysfence::arch {
namespace {

constexpr Reg kSp = aarch64::kStackPointer;
constexpr Reg kLr = aarch64::kLinkRegister;

std::string reg_name(Reg r) {
  if (r == kSp) return "sp";
  if (r == kNoReg) return "-";
  if (r >= aarch64::kV0) return fmt::format("v{}", r - aarch64::kV0);
  return fmt::format("x{}", r);
}

std::string address(Reg base, int64_t disp) {
  if (base == kNoReg) return fmt::format("{:#x}", static_cast<uint64_t>(disp));
  if (disp == 0) return reg_name(base);
  return disp < 0 ? fmt::format("{} - {}", reg_name(base), -disp)
                  : fmt::format("{} + {}", reg_name(base), disp);
}

/// One transfer as text, so a failing comparison reads like the instruction.
std::string show(const Transfer& t) {
  const std::string dst = reg_name(t.dst);
  const auto imm = static_cast<uint64_t>(t.imm);
  switch (t.op) {
    case Transfer::Op::Set:
      return fmt::format("{} = {:#x}", dst, imm);
    case Transfer::Op::AddImm:
      return fmt::format("{} = {}", dst, address(t.src, t.imm));
    case Transfer::Op::OrImm:
      return fmt::format("{} = {} | {:#x}", dst, reg_name(t.src), imm);
    case Transfer::Op::AndImm:
      return fmt::format("{} = {} & {:#x}", dst, reg_name(t.src), imm);
    case Transfer::Op::AddReg:
      return fmt::format("{} = {} + {}{}", dst, reg_name(t.src), reg_name(t.src2),
                         t.width != 0 ? fmt::format(" mod 2^{}", 8 * t.width) : "");
    case Transfer::Op::OrReg:
      return fmt::format("{} = {} | {}", dst, reg_name(t.src), reg_name(t.src2));
    case Transfer::Op::AndReg:
      return fmt::format("{} = {} & {}", dst, reg_name(t.src), reg_name(t.src2));
    case Transfer::Op::XorImm:
      return fmt::format("{} = {} ^ {:#x}", dst, reg_name(t.src), imm);
    case Transfer::Op::XorReg:
      return fmt::format("{} = {} ^ {}", dst, reg_name(t.src), reg_name(t.src2));
    case Transfer::Op::ShlImm:
      return fmt::format("{} = {} << {}{}", dst, reg_name(t.src), t.imm,
                         t.width != 0 ? fmt::format(" mod 2^{}", 8 * t.width) : "");
    case Transfer::Op::Load:
      return fmt::format("{} = {}load{} [{}]", dst, t.sign_extend ? "s" : "", t.width, address(t.src, t.imm));
    case Transfer::Op::Store:
      if (t.src2 == kNoReg) return fmt::format("store{} [{}] = #{}", t.width, address(t.src, t.imm), t.value);
      return fmt::format("store{} [{}] = {}", t.width, address(t.src, t.imm), reg_name(t.src2));
    case Transfer::Op::SignExtend:
      return fmt::format("{} = sext{} {}", dst, t.width * 8, reg_name(t.src));
    case Transfer::Op::Clobber:
      return fmt::format("{} = ?", dst);
    case Transfer::Op::Forget:
      return fmt::format("forget{} [{}]", t.width, address(t.src, t.imm));
    case Transfer::Op::Scribble:
      return fmt::format("scribble [{} + ?]", reg_name(t.src));
  }
  return "invalid";
}

using Shown = std::vector<std::string>;

Shown show(const LiftedInsn& insn) {
  Shown out;
  for (const Transfer& t : insn.transfers) out.push_back(show(t));
  return out;
}

std::array<uint8_t, 4> le_bytes(uint32_t word) {
  return {static_cast<uint8_t>(word), static_cast<uint8_t>(word >> 8), static_cast<uint8_t>(word >> 16),
          static_cast<uint8_t>(word >> 24)};
}

class LiftAArch64 : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lifter = backend_.make_lifter();
    ASSERT_TRUE(lifter) << lifter.error().message;
    lifter_ = std::move(*lifter);
  }

  /// Lifts `words`, one instruction each, laid out from `start`; every one must decode.
  std::vector<LiftedInsn> lift(uint64_t start, std::initializer_list<uint32_t> words) {
    std::vector<LiftedInsn> out;
    uint64_t at = start;
    for (uint32_t word : words) {
      const auto bytes = le_bytes(word);
      auto insn = lifter_->lift(bytes, at, false);
      EXPECT_TRUE(insn) << fmt::format("{:#010x} at {:#x} does not lift", word, at);
      if (!insn) return out;
      EXPECT_EQ(insn->address, at);
      EXPECT_EQ(insn->next, at + 4);
      out.push_back(std::move(*insn));
      at += 4;
    }
    return out;
  }

  LiftedInsn lift_one(uint32_t word, uint64_t at = 0x400000) {
    auto insns = lift(at, {word});
    return insns.empty() ? LiftedInsn{} : insns[0];
  }

  Shown transfers_of(uint32_t word) { return show(lift_one(word)); }

  AArch64Backend backend_;
  std::unique_ptr<Lifter> lifter_;
};

/// Runs the constant-valued part of `insns` (no memory): what each register holds after.
std::array<std::optional<uint64_t>, aarch64::kRegisterCount> evaluate(const std::vector<LiftedInsn>& insns) {
  std::array<std::optional<uint64_t>, aarch64::kRegisterCount> regs{};
  for (const LiftedInsn& insn : insns) {
    for (const Transfer& t : insn.transfers) {
      const auto imm = static_cast<uint64_t>(t.imm);
      auto src = [&](Reg r) { return r == kNoReg ? std::optional<uint64_t>() : regs[r]; };
      switch (t.op) {
        case Transfer::Op::Set:
          regs[t.dst] = imm;
          break;
        case Transfer::Op::AddImm:
          regs[t.dst] = src(t.src) ? std::optional(*src(t.src) + imm) : std::nullopt;
          break;
        case Transfer::Op::OrImm:
          regs[t.dst] = src(t.src) ? std::optional(*src(t.src) | imm) : std::nullopt;
          break;
        case Transfer::Op::AndImm:
          regs[t.dst] = src(t.src) ? std::optional(*src(t.src) & imm) : std::nullopt;
          break;
        case Transfer::Op::AddReg:
          regs[t.dst] = src(t.src) && src(t.src2) ? std::optional(*src(t.src) + *src(t.src2)) : std::nullopt;
          break;
        case Transfer::Op::OrReg:
          regs[t.dst] = src(t.src) && src(t.src2) ? std::optional(*src(t.src) | *src(t.src2)) : std::nullopt;
          break;
        case Transfer::Op::AndReg:
          regs[t.dst] = src(t.src) && src(t.src2) ? std::optional(*src(t.src) & *src(t.src2)) : std::nullopt;
          break;
        case Transfer::Op::XorImm:
          regs[t.dst] = src(t.src) ? std::optional(*src(t.src) ^ imm) : std::nullopt;
          break;
        case Transfer::Op::XorReg:
          regs[t.dst] = src(t.src) && src(t.src2) ? std::optional(*src(t.src) ^ *src(t.src2)) : std::nullopt;
          break;
        case Transfer::Op::ShlImm:
          regs[t.dst] = src(t.src) ? std::optional(*src(t.src) << imm) : std::nullopt;
          break;
        case Transfer::Op::SignExtend:
          regs[t.dst] = src(t.src) ? std::optional(static_cast<uint64_t>(static_cast<int64_t>(
                                         static_cast<int32_t>(*src(t.src) << (32 - 8 * t.width)) >> (32 - 8 * t.width))))
                                   : std::nullopt;
          break;
        case Transfer::Op::Load:
        case Transfer::Op::Clobber:
          regs[t.dst] = std::nullopt;
          break;
        case Transfer::Op::Store:
        case Transfer::Op::Forget:
        case Transfer::Op::Scribble:
          break;
      }
    }
  }
  return regs;
}

TEST_F(LiftAArch64, Conventions) {
  EXPECT_EQ(backend_.register_count(), 64);  // x0..x30, sp, v0..v31
  const Conventions& c = backend_.conventions();
  EXPECT_EQ(c.pointer_size, 8);
  EXPECT_EQ(c.stack_pointer, kSp);
  EXPECT_EQ(c.syscall_number, 8);
  EXPECT_EQ(c.syscall_args, (std::vector<Reg>{0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(c.syscall_stack_args.empty());
  EXPECT_EQ(c.call_args, (std::vector<Reg>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(c.stack_params, (std::vector<int64_t>{0, 8, 16, 24, 32, 40, 48, 56}));
  EXPECT_EQ(c.return_value, 0);
  std::vector<Reg> clobbered = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, kLr};
  for (Reg v = aarch64::kV0; v < aarch64::kRegisterCount; ++v) clobbered.push_back(v);
  EXPECT_EQ(c.call_clobbered, clobbered);
  EXPECT_TRUE(c.syscall_clobbered.empty());
}

TEST_F(LiftAArch64, GlibcSyscallWrapper) {
  // mov x8, #198 (socket); svc #0; ret
  auto insns = lift(0x400000, {0xd28018c8, 0xd4000001, 0xd65f03c0});
  ASSERT_EQ(insns.size(), 3u);
  EXPECT_EQ(insns[0].flow, Flow::Next);
  EXPECT_EQ(show(insns[0]), (Shown{"x8 = 0xc6"}));
  EXPECT_EQ(insns[1].flow, Flow::Syscall);
  EXPECT_TRUE(insns[1].transfers.empty());  // the result in x0 comes from Conventions
  EXPECT_EQ(insns[2].flow, Flow::Return);
  EXPECT_EQ(evaluate(insns)[8], 198u);
}

TEST_F(LiftAArch64, MoveWideBuildsConstants) {
  auto insns = lift(0x40000c, {
                                  0xd2a24680,  // mov  x0, #0x12340000
                                  0xf28acf00,  // movk x0, #0x5678
                                  0xf2d7dde0,  // movk x0, #0xbeef, lsl #32
                                  0x928000a1,  // mov  x1, #-6 (movn)
                                  0x128000a2,  // mov  w2, #0xfffffffa (movn)
                                  0x528000a3,  // mov  w3, #5
                                  0x92800004,  // mov  x4, #-1
                                  0x72b7dde4,  // movk w4, #0xbeef, lsl #16
                                  0xd2a00025,  // mov  x5, #0x10000
                              });
  ASSERT_EQ(insns.size(), 9u);
  EXPECT_EQ(show(insns[0]), (Shown{"x0 = 0x12340000"}));
  EXPECT_EQ(show(insns[1]), (Shown{"x0 = x0 & 0xffffffffffff0000", "x0 = x0 | 0x5678"}));
  EXPECT_EQ(show(insns[2]), (Shown{"x0 = x0 & 0xffff0000ffffffff", "x0 = x0 | 0xbeef00000000"}));
  EXPECT_EQ(show(insns[3]), (Shown{"x1 = 0xfffffffffffffffa"}));
  EXPECT_EQ(show(insns[4]), (Shown{"x2 = 0xfffffffa"}));
  EXPECT_EQ(show(insns[5]), (Shown{"x3 = 0x5"}));
  // movk on a w register also clears bits 32-63.
  EXPECT_EQ(show(insns[7]), (Shown{"x4 = x4 & 0xffff", "x4 = x4 | 0xbeef0000"}));
  auto regs = evaluate(insns);
  EXPECT_EQ(regs[0], 0xbeef12345678u);
  EXPECT_EQ(regs[1], static_cast<uint64_t>(-6));
  EXPECT_EQ(regs[2], 0xfffffffau);
  EXPECT_EQ(regs[3], 5u);
  EXPECT_EQ(regs[4], 0xbeefffffu);
  EXPECT_EQ(regs[5], 0x10000u);
}

// The memory operand names the data an instruction reaches, a SIMD load included.
TEST_F(LiftAArch64, MemoryOperandsNameTheDataReached) {
  auto insns = lift(0x400000, {
                                  0x3dc00420,  // ldr q0, [x1, #16]
                                  0xf9400441,  // ldr x1, [x2, #8]
                                  0x8b020020,  // add x0, x1, x2
                              });
  ASSERT_EQ(insns.size(), 3u);
  ASSERT_TRUE(insns[0].memory);
  EXPECT_EQ(insns[0].memory->base, 1);
  EXPECT_EQ(insns[0].memory->disp, 16);
  ASSERT_TRUE(insns[1].memory);
  EXPECT_EQ(insns[1].memory->base, 2);
  EXPECT_EQ(insns[1].memory->disp, 8);
  EXPECT_FALSE(insns[2].memory);
}

// glibc's int-argument wrappers sign-extend before the svc: `sxtw x0, w0` (prctl).
TEST_F(LiftAArch64, SignExtensions) {
  auto insns = lift(0x400000, {
                                  0x93407c00,  // sxtw x0, w0
                                  0x93401c21,  // sxtb x1, w1
                                  0x13003c42,  // sxth w2, w2
                              });
  ASSERT_EQ(insns.size(), 3u);
  EXPECT_EQ(show(insns[0]), (Shown{"x0 = sext32 x0"}));
  EXPECT_EQ(show(insns[1]), (Shown{"x1 = sext8 x1"}));
  EXPECT_EQ(show(insns[2]), (Shown{"x2 = sext16 x2", "x2 = x2 & 0xffffffff"}));
}

TEST_F(LiftAArch64, RegisterMoves) {
  EXPECT_EQ(transfers_of(0xaa0103e0), (Shown{"x0 = x1"}));               // mov x0, x1
  EXPECT_EQ(transfers_of(0x2a0103e0), (Shown{"x0 = x1 & 0xffffffff"}));  // mov w0, w1
  EXPECT_EQ(transfers_of(0x910003e0), (Shown{"x0 = sp"}));               // mov x0, sp
  EXPECT_EQ(transfers_of(0x9100003f), (Shown{"sp = x1"}));               // mov sp, x1
  EXPECT_EQ(transfers_of(0xaa1f03e0), (Shown{"x0 = 0x0"}));              // mov x0, xzr
  EXPECT_EQ(transfers_of(0x2a1f03e0), (Shown{"x0 = 0x0"}));              // mov w0, wzr
}

TEST_F(LiftAArch64, LogicalImmediates) {
  EXPECT_EQ(transfers_of(0xb2401c20), (Shown{"x0 = x1 | 0xff"}));  // orr x0, x1, #0xff
  EXPECT_EQ(transfers_of(0x32001c20),
            (Shown{"x0 = x1 | 0xff", "x0 = x0 & 0xffffffff"}));  // orr w0, w1, #0xff
  EXPECT_EQ(transfers_of(0xb2103fe0),
            (Shown{"x0 = 0xffff0000ffff0000"}));                   // mov x0, #0xffff0000ffff0000 (orr)
  EXPECT_EQ(transfers_of(0x32009fe3), (Shown{"x3 = 0xff00ff"}));   // mov w3, #0xff00ff (orr)
  EXPECT_EQ(transfers_of(0x92401c20), (Shown{"x0 = x1 & 0xff"}));  // and x0, x1, #0xff
  EXPECT_EQ(transfers_of(0x12001c20), (Shown{"x0 = x1 & 0xff"}));  // and w0, w1, #0xff
  EXPECT_EQ(transfers_of(0xf2401c20), (Shown{"x0 = x1 & 0xff"}));  // ands x0, x1, #0xff
  EXPECT_EQ(transfers_of(0xf2401c3f), Shown{});                    // tst x1, #0xff
  EXPECT_EQ(transfers_of(0xd2401c20), (Shown{"x0 = ?"}));          // eor x0, x1, #0xff
  EXPECT_EQ(transfers_of(0x52001fe0), (Shown{"x0 = 0xff"}));       // eor w0, wzr, #0xff
  EXPECT_EQ(transfers_of(0xaa020020), (Shown{"x0 = x1 | x2"}));    // orr x0, x1, x2
  EXPECT_EQ(transfers_of(0x2a030042), (Shown{"x2 = x2 | x3", "x2 = x2 & 0xffffffff"}));  // orr w2, w2, w3
  EXPECT_EQ(transfers_of(0xaa020c20), (Shown{"x0 = ?"}));          // orr x0, x1, x2, lsl #3
}

TEST_F(LiftAArch64, AddAndSubtract) {
  EXPECT_EQ(transfers_of(0x91001020), (Shown{"x0 = x1 + 4"}));                          // add x0, x1, #4
  EXPECT_EQ(transfers_of(0x11001020), (Shown{"x0 = x1 + 4", "x0 = x0 & 0xffffffff"}));  // add w0, w1, #4
  EXPECT_EQ(transfers_of(0x910043e0), (Shown{"x0 = sp + 16"}));                         // add x0, sp, #16
  EXPECT_EQ(transfers_of(0xd100c3ff), (Shown{"sp = sp - 48"}));                         // sub sp, sp, #0x30
  EXPECT_EQ(transfers_of(0x91400420), (Shown{"x0 = x1 + 4096"}));  // add x0, x1, #1, lsl #12
  EXPECT_EQ(transfers_of(0xd1400420), (Shown{"x0 = x1 - 4096"}));  // sub x0, x1, #1, lsl #12
  EXPECT_EQ(transfers_of(0xb1000420), (Shown{"x0 = x1 + 1"}));     // adds x0, x1, #1
  EXPECT_EQ(transfers_of(0x71000c20), (Shown{"x0 = x1 - 3", "x0 = x0 & 0xffffffff"}));   // subs w0, w1, #3
  EXPECT_EQ(transfers_of(0xf100043f), Shown{});                                          // cmp x1, #1
  EXPECT_EQ(transfers_of(0x3100043f), Shown{});                                          // cmn w1, #1
  EXPECT_EQ(transfers_of(0xeb02003f), Shown{});                                          // cmp x1, x2
  EXPECT_EQ(transfers_of(0x8b020020), (Shown{"x0 = x1 + x2"}));                          // add x0, x1, x2
  // add w0, w1, w2: the sum wraps at 32 bits (glibc's tcsetattr adds TCSETS to its argument)
  EXPECT_EQ(transfers_of(0x0b020020), (Shown{"x0 = x1 + x2 mod 2^32", "x0 = x0 & 0xffffffff"}));
  EXPECT_EQ(transfers_of(0x8b020c20), (Shown{"x0 = ?"}));  // add x0, x1, x2, lsl #3
  EXPECT_EQ(transfers_of(0xcb020020), (Shown{"x0 = ?"}));  // sub x0, x1, x2
}

TEST_F(LiftAArch64, ShiftsByAConstant) {
  // libsystemd's raw_clone flags: `lsl w1, w19, #15` moves FORK_NEW_USERNS to CLONE_NEWUSER.
  EXPECT_EQ(transfers_of(0x53114261), (Shown{"x1 = x19 << 15 mod 2^32", "x1 = x1 & 0xffffffff"}));
  EXPECT_EQ(transfers_of(0xd37df041), (Shown{"x1 = x2 << 3"}));  // lsl x1, x2, #3
  EXPECT_EQ(transfers_of(0x1ac32041), (Shown{"x1 = ?"}));        // lsl w1, w2, w3: by a register
}

TEST_F(LiftAArch64, AdrpAddLdrAndAdr) {
  auto insns = lift(0x4000b0, {
                                  0x90000000,  // adrp x0, 0x400000
                                  0x91088000,  // add  x0, x0, #0x220
                                  0xf9400401,  // ldr  x1, [x0, #8]
                                  0x10ffffa2,  // adr  x2, 0x4000b0
                              });
  ASSERT_EQ(insns.size(), 4u);
  EXPECT_EQ(show(insns[0]), (Shown{"x0 = 0x400000"}));
  EXPECT_EQ(show(insns[1]), (Shown{"x0 = x0 + 544"}));
  EXPECT_EQ(show(insns[2]), (Shown{"x1 = load8 [x0 + 8]"}));
  EXPECT_EQ(show(insns[3]), (Shown{"x2 = 0x4000b0"}));
  auto regs = evaluate(insns);
  EXPECT_EQ(regs[0], 0x400220u);
  EXPECT_EQ(regs[2], 0x4000b0u);
}

TEST_F(LiftAArch64, LoadsWithImmediateOffsetsWritebackAndLiterals) {
  auto at = [&](uint32_t word, uint64_t address) { return show(lift_one(word, address)); };
  EXPECT_EQ(transfers_of(0xf9400420), (Shown{"x0 = load8 [x1 + 8]"}));  // ldr x0, [x1, #8]
  EXPECT_EQ(transfers_of(0xb9400820), (Shown{"x0 = load4 [x1 + 8]"}));  // ldr w0, [x1, #8]
  EXPECT_EQ(transfers_of(0x39400420), (Shown{"x0 = load1 [x1 + 1]"}));  // ldrb w0, [x1, #1]
  EXPECT_EQ(transfers_of(0x79400420), (Shown{"x0 = load2 [x1 + 2]"}));  // ldrh w0, [x1, #2]
  EXPECT_EQ(transfers_of(0x39c00420), (Shown{"x0 = sload1 [x1 + 1]", "x0 = x0 & 0xffffffff"}));  // ldrsb w0
  EXPECT_EQ(transfers_of(0x39800420), (Shown{"x0 = sload1 [x1 + 1]"}));  // ldrsb x0, [x1, #1]
  EXPECT_EQ(transfers_of(0x79c00420), (Shown{"x0 = sload2 [x1 + 2]", "x0 = x0 & 0xffffffff"}));  // ldrsh w0
  EXPECT_EQ(transfers_of(0x79800420), (Shown{"x0 = sload2 [x1 + 2]"}));                // ldrsh x0, [x1, #2]
  EXPECT_EQ(transfers_of(0xb9800420), (Shown{"x0 = sload4 [x1 + 4]"}));                // ldrsw x0, [x1, #4]
  EXPECT_EQ(transfers_of(0xf85f8020), (Shown{"x0 = load8 [x1 - 8]"}));                 // ldur x0, [x1, #-8]
  EXPECT_EQ(transfers_of(0x385ff020), (Shown{"x0 = load1 [x1 - 1]"}));                 // ldurb w0, [x1, #-1]
  EXPECT_EQ(transfers_of(0xb89fc020), (Shown{"x0 = sload4 [x1 - 4]"}));                // ldursw x0, [x1, #-4]
  EXPECT_EQ(transfers_of(0xf8408c20), (Shown{"x0 = load8 [x1 + 8]", "x1 = x1 + 8"}));  // ldr x0, [x1, #8]!
  EXPECT_EQ(transfers_of(0xf8408420), (Shown{"x0 = load8 [x1]", "x1 = x1 + 8"}));      // ldr x0, [x1], #8
  EXPECT_EQ(transfers_of(0xf85f0fe0),
            (Shown{"x0 = load8 [sp - 16]", "sp = sp - 16"}));                       // ldr x0, [sp, #-16]!
  EXPECT_EQ(transfers_of(0xb84107e0), (Shown{"x0 = load4 [sp]", "sp = sp + 16"}));  // ldr w0, [sp], #16
  EXPECT_EQ(at(0x58000900, 0x400100), (Shown{"x0 = load8 [0x400220]"}));            // ldr x0, 0x400220
  EXPECT_EQ(at(0x180008e0, 0x400104), (Shown{"x0 = load4 [0x400220]"}));            // ldr w0, 0x400220
  EXPECT_EQ(at(0x980008c0, 0x400108), (Shown{"x0 = sload4 [0x400220]"}));           // ldrsw x0, 0x400220
  EXPECT_EQ(transfers_of(0xf8627820), (Shown{"x0 = ?"}));               // ldr x0, [x1, x2, lsl #3]
  EXPECT_EQ(transfers_of(0xb8625820), (Shown{"x0 = ?"}));               // ldr w0, [x1, w2, uxtw #2]
  EXPECT_EQ(transfers_of(0xf9400400), (Shown{"x0 = load8 [x0 + 8]"}));  // ldr x0, [x0, #8]
  EXPECT_EQ(transfers_of(0x3cc20420), (Shown{"v0 = ?", "x1 = x1 + 32"}));  // ldr q0, [x1], #32
  EXPECT_EQ(transfers_of(0xc8dffc20), (Shown{"x0 = load8 [x1]"}));      // ldar x0, [x1]
  EXPECT_EQ(transfers_of(0x885f7c20), (Shown{"x0 = load4 [x1]"}));      // ldxr w0, [x1]
}

TEST_F(LiftAArch64, Stores) {
  EXPECT_EQ(transfers_of(0xf9000420), (Shown{"store8 [x1 + 8] = x0"}));                 // str x0, [x1, #8]
  EXPECT_EQ(transfers_of(0xb9000820), (Shown{"store4 [x1 + 8] = x0"}));                 // str w0, [x1, #8]
  EXPECT_EQ(transfers_of(0x39000420), (Shown{"store1 [x1 + 1] = x0"}));                 // strb w0, [x1, #1]
  EXPECT_EQ(transfers_of(0x79000420), (Shown{"store2 [x1 + 2] = x0"}));                 // strh w0, [x1, #2]
  EXPECT_EQ(transfers_of(0xf81f8020), (Shown{"store8 [x1 - 8] = x0"}));                 // stur x0, [x1, #-8]
  EXPECT_EQ(transfers_of(0xf8008c20), (Shown{"store8 [x1 + 8] = x0", "x1 = x1 + 8"}));  // str x0, [x1, #8]!
  EXPECT_EQ(transfers_of(0xf8008420), (Shown{"store8 [x1] = x0", "x1 = x1 + 8"}));      // str x0, [x1], #8
  EXPECT_EQ(transfers_of(0xf900043f), (Shown{"store8 [x1 + 8] = #0"}));                 // str xzr, [x1, #8]
  EXPECT_EQ(transfers_of(0xb90007ff), (Shown{"store4 [sp + 4] = #0"}));                 // str wzr, [sp, #4]
  EXPECT_EQ(transfers_of(0xf8227820), Shown{"scribble [x1 + ?]"});  // str x0, [x1, x2, lsl #3]
  // A vector register is tracked for the zeroing idiom only: glibc's create_thread
  // clears its struct clone_args with `movi v0.4s, #0; stp q0, q0, [x6]; str q0, [x6, #32]`.
  EXPECT_EQ(transfers_of(0x3d8007e0), (Shown{"store16 [sp + 16] = v0"}));  // str q0, [sp, #16]
  EXPECT_EQ(transfers_of(0x4f000400), (Shown{"v0 = 0x0"}));                 // movi v0.4s, #0
  EXPECT_EQ(transfers_of(0xad0000c0), (Shown{"store16 [x6] = v0", "store16 [x6 + 16] = v0"}));  // stp q0, q0, [x6]
  EXPECT_EQ(transfers_of(0x3dc00020), (Shown{"v0 = ?"}));                   // ldr q0, [x1]
  EXPECT_EQ(transfers_of(0x4e211c00), (Shown{"v0 = ?"}));                   // and v0.16b, v0.16b, v1.16b
  EXPECT_EQ(transfers_of(0xbc1fcfe0), (Shown{"store4 [sp - 4] = v0", "sp = sp - 4"}));  // str s0, [sp, #-4]!
  EXPECT_EQ(transfers_of(0x889ffc20), (Shown{"store4 [x1] = x0"}));                 // stlr w0, [x1]
  // stxr may or may not store; the status register is written; x0 goes to memory
  // without a Store, so it escapes.
  LiftedInsn stxr = lift_one(0xc8027c20);  // stxr w2, x0, [x1]
  EXPECT_EQ(show(stxr), (Shown{"forget8 [x1]", "x2 = ?"}));
  EXPECT_EQ(stxr.opaque_reads, (std::vector<Reg>{0}));
  // A register-offset store has no constant address: nothing is stored, everything escapes.
  EXPECT_EQ(lift_one(0xf8227820).opaque_reads, (std::vector<Reg>{0, 1, 2}));
  for (uint32_t word : {0xf9000420u, 0xf8008c20u, 0x3d8007e0u, 0x889ffc20u}) {
    EXPECT_TRUE(lift_one(word).opaque_reads.empty()) << fmt::format("{:#010x}", word);
  }
}

TEST_F(LiftAArch64, PairsWithWriteback) {
  EXPECT_EQ(transfers_of(0xa9bf7bfd),  // stp x29, x30, [sp, #-16]!
            (Shown{"store8 [sp - 16] = x29", "store8 [sp - 8] = x30", "sp = sp - 16"}));
  EXPECT_EQ(transfers_of(0xa8c17bfd),  // ldp x29, x30, [sp], #16
            (Shown{"x29 = load8 [sp]", "x30 = load8 [sp + 8]", "sp = sp + 16"}));
  EXPECT_EQ(transfers_of(0xa90107e0),
            (Shown{"store8 [sp + 16] = x0", "store8 [sp + 24] = x1"}));                          // stp x0, x1
  EXPECT_EQ(transfers_of(0xa94107e0), (Shown{"x0 = load8 [sp + 16]", "x1 = load8 [sp + 24]"}));  // ldp x0, x1
  EXPECT_EQ(transfers_of(0x29c10440),  // ldp w0, w1, [x2, #8]!
            (Shown{"x0 = load4 [x2 + 8]", "x1 = load4 [x2 + 12]", "x2 = x2 + 8"}));
  EXPECT_EQ(transfers_of(0x694207e0), (Shown{"x0 = sload4 [sp + 16]", "x1 = sload4 [sp + 20]"}));  // ldpsw
  EXPECT_EQ(transfers_of(0xa9007c1f),
            (Shown{"store8 [x0] = #0", "store8 [x0 + 8] = #0"}));  // stp xzr, xzr, [x0]
  EXPECT_EQ(transfers_of(0x2901041f),
            (Shown{"store4 [x0 + 8] = #0", "store4 [x0 + 12] = x1"}));  // stp wzr, w1
  // The load that overwrites the base register goes last.
  EXPECT_EQ(transfers_of(0xa9400400), (Shown{"x1 = load8 [x0 + 8]", "x0 = load8 [x0]"}));  // ldp x0, x1, [x0]
  EXPECT_EQ(transfers_of(0xa9410001), (Shown{"x1 = load8 [x0 + 16]", "x0 = load8 [x0 + 24]"}));  // ldp x1, x0
  EXPECT_EQ(transfers_of(0xadbf07e0),  // stp q0, q1, [sp, #-32]!
            (Shown{"store16 [sp - 32] = v0", "store16 [sp - 16] = v1", "sp = sp - 32"}));
  EXPECT_EQ(transfers_of(0xa8810440),  // stp x0, x1, [x2], #16
            (Shown{"store8 [x2] = x0", "store8 [x2 + 8] = x1", "x2 = x2 + 16"}));
}

TEST_F(LiftAArch64, DirectBranchesAndCalls) {
  auto insns = lift(0x40018c, {
                                  0x97ffffa0,  // bl   0x40000c
                                  0x17ffff9c,  // b    0x400000
                                  0x54fff960,  // b.eq 0x4000c0
                                  0x54fffc61,  // b.ne 0x400124
                                  0xb4fffe00,  // cbz  x0, 0x40015c
                                  0x35fffde0,  // cbnz w0, 0x40015c
                                  0xb61fff40,  // tbz  x0, #35, 0x40018c
                                  0x37fff2c0,  // tbnz w0, #31, 0x400000
                              });
  ASSERT_EQ(insns.size(), 8u);
  const std::vector<std::pair<Flow, uint64_t>> expected = {
      {Flow::Call, 0x40000c},   {Flow::Jump, 0x400000},   {Flow::Branch, 0x4000c0}, {Flow::Branch, 0x400124},
      {Flow::Branch, 0x40015c}, {Flow::Branch, 0x40015c}, {Flow::Branch, 0x40018c}, {Flow::Branch, 0x400000},
  };
  for (size_t i = 0; i < insns.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(insns[i].flow, expected[i].first);
    EXPECT_EQ(insns[i].target, expected[i].second);
    EXPECT_FALSE(insns[i].conditional);
    EXPECT_TRUE(insns[i].transfers.empty());  // bl: x30 is in call_clobbered
    // Only cbz x0 says a whole register is 0 on an edge (cbnz w0 leaves x0's upper half).
    EXPECT_EQ(insns[i].zero_test.has_value(), i == 4);
  }
  EXPECT_EQ(insns[4].zero_test->reg, 0);
  EXPECT_TRUE(insns[4].zero_test->zero_when_taken);
}

TEST_F(LiftAArch64, IndirectFlowsAndReturns) {
  auto insns =
      lift(0x4001ac, {0xd61f0200, 0xd63f0060, 0xd65f03c0, 0xd65f0020});  // br x16; blr x3; ret; ret x1
  ASSERT_EQ(insns.size(), 4u);
  EXPECT_EQ(insns[0].flow, Flow::IndirectJump);
  EXPECT_EQ(insns[0].indirect.reg, 16);
  EXPECT_FALSE(insns[0].indirect.memory);
  EXPECT_EQ(insns[1].flow, Flow::IndirectCall);
  EXPECT_EQ(insns[1].indirect.reg, 3);
  EXPECT_EQ(insns[2].flow, Flow::Return);
  EXPECT_EQ(insns[3].flow, Flow::Return);
  for (const LiftedInsn& insn : insns) EXPECT_FALSE(insn.target);
}

TEST_F(LiftAArch64, TrapsStop) {
  // brk #1; udf #0; hlt #0; hvc #0 (undefined at EL0)
  for (uint32_t word : {0xd4200020u, 0x00000000u, 0xd4400000u, 0xd4000002u}) {
    SCOPED_TRACE(fmt::format("{:#010x}", word));
    LiftedInsn insn = lift_one(word);
    EXPECT_EQ(insn.flow, Flow::Stop);
    EXPECT_TRUE(insn.transfers.empty());
  }
}

TEST_F(LiftAArch64, HintsAndBarriers) {
  // nop; bti c; yield; dmb ish: nothing happens.
  for (uint32_t word : {0xd503201fu, 0xd503245fu, 0xd503203fu, 0xd5033bbfu}) {
    LiftedInsn insn = lift_one(word);
    EXPECT_EQ(insn.flow, Flow::Next);
    EXPECT_TRUE(insn.transfers.empty()) << fmt::format("{:#010x}", word);
  }
  // paciasp / autiasp sign and authenticate x30 in place; pacia1716 signs x17.
  EXPECT_EQ(transfers_of(0xd503233f), (Shown{"x30 = ?"}));
  EXPECT_EQ(transfers_of(0xd50323bf), (Shown{"x30 = ?"}));
  EXPECT_EQ(transfers_of(0xd503211f), (Shown{"x17 = ?"}));
}

TEST_F(LiftAArch64, UnmodelledInstructionsClobberWhatTheyWrite) {
  EXPECT_EQ(transfers_of(0xd53bd040), (Shown{"x0 = ?"}));  // mrs x0, tpidr_el0
  EXPECT_EQ(transfers_of(0xd51bd041), Shown{});            // msr tpidr_el0, x1: writes no general register
  EXPECT_EQ(transfers_of(0x9a820020), (Shown{"x0 = ?"}));  // csel x0, x1, x2, eq
  EXPECT_EQ(transfers_of(0x9b027c23), (Shown{"x3 = ?"}));  // mul x3, x1, x2
  EXPECT_EQ(transfers_of(0x9ac22024), (Shown{"x4 = ?"}));  // lsl x4, x1, x2 (by a register)
  EXPECT_EQ(transfers_of(0x93442c65), (Shown{"x5 = ?"}));  // sbfx x5, x3, #4, #8 (of sbfm, only sxtb/h/w are modelled)
  EXPECT_EQ(transfers_of(0x7a431800), Shown{});            // ccmp w0, #3, #0, ne: flags only
  EXPECT_EQ(transfers_of(0x9e660006), (Shown{"x6 = ?"}));  // fmov x6, d0
  EXPECT_EQ(transfers_of(0xd50b7423), Shown{});            // dc zva, x3
  EXPECT_EQ(transfers_of(0x0e0c3c07), (Shown{"x7 = ?"}));  // mov w7, v0.s[1] (umov)
  // What an unmodelled instruction reads escapes (a code address in it is address-taken).
  const std::vector<std::pair<uint32_t, std::vector<Reg>>> escapes = {
      {0xca010000, {0, 1}},  // eor x0, x0, x1 (glibc's PTR_MANGLE)
      {0x9e670020, {1}},     // fmov d0, x1
      {0x4e181c40, {2}},     // mov v0.d[1], x2
      {0xcb020020, {1, 2}},  // sub x0, x1, x2
      {0xd2401c20, {1}},     // eor x0, x1, #0xff
      {0xd51bd041, {1}},     // msr tpidr_el0, x1
      {0xf8627820, {1, 2}},  // ldr x0, [x1, x2, lsl #3]
  };
  for (const auto& [word, regs] : escapes) {
    std::vector<Reg> reads = lift_one(word).opaque_reads;
    std::sort(reads.begin(), reads.end());
    EXPECT_EQ(reads, regs) << fmt::format("{:#010x}", word);
  }
  // Modelled instructions say everything through their transfers.
  for (uint32_t word : {0xaa0103e0u, 0x91001020u, 0xf9400420u, 0xa9bf7bfdu, 0xf100043fu, 0x8b020020u}) {
    EXPECT_TRUE(lift_one(word).opaque_reads.empty()) << fmt::format("{:#010x}", word);
  }
  // SIMD structure loads and stores: the post-index writeback is still exact; what they
  // do with their memory operand may be a store, through the base.
  // (Capstone 4 reports st1's second register as written: clobbering it is only safe.)
  EXPECT_EQ(transfers_of(0x4cdf7000), (Shown{"scribble [x0 + ?]", "v0 = ?", "x0 = x0 + 16"}));  // ld1 {v0.16b}, [x0], #16
  EXPECT_EQ(transfers_of(0x4cc27020), (Shown{"scribble [x1 + ?]", "v0 = ?", "x1 = x1 + x2"}));  // ld1 {v0.16b}, [x1], x2
  EXPECT_EQ(transfers_of(0x4c9fa060),  // st1 {v0.16b, v1.16b}, [x3], #32
            (Shown{"scribble [x3 + ?]", "v1 = ?", "x3 = x3 + 32"}));
}

TEST_F(LiftAArch64, AtomicsAndPointerAuthenticationCapstoneDoesNotDecode) {
  // The old value goes to a register, the new one to memory (and escapes).
  const std::vector<std::tuple<uint32_t, Shown, std::vector<Reg>>> atomics = {
      {0x88a07c41, {"forget4 [x2]", "x0 = ?"}, {1}},                // cas w0, w1, [x2]
      {0xc8e3ffe4, {"forget8 [sp]", "x3 = ?"}, {4}},                // casal x3, x4, [sp]
      {0x4864fd06, {"forget16 [x8]", "x4 = ?", "x5 = ?"}, {6, 7}},  // caspal x4, x5, x6, x7, [x8]
      {0xb8208020, {"forget4 [x1]", "x0 = ?"}, {0}},                // swp w0, w0, [x1]
      {0xf82500e6, {"forget8 [x7]", "x6 = ?"}, {5}},                // ldadd x5, x6, [x7]
      {0xb82500ff, {"forget4 [x7]"}, {5}},                          // stadd w5, [x7]
  };
  for (const auto& [word, transfers, escapes] : atomics) {
    LiftedInsn insn = lift_one(word);
    EXPECT_EQ(show(insn), transfers) << fmt::format("{:#010x}", word);
    EXPECT_EQ(insn.opaque_reads, escapes) << fmt::format("{:#010x}", word);
  }
  EXPECT_EQ(transfers_of(0x38bfc041), (Shown{"x1 = load1 [x2]"}));  // ldaprb w1, [x2]
  EXPECT_EQ(transfers_of(0xf8bfc041), (Shown{"x1 = load8 [x2]"}));  // ldapr x1, [x2]
  EXPECT_EQ(lift_one(0xd65f0bff).flow, Flow::Return);               // retaa
  EXPECT_EQ(lift_one(0xd65f0fff).flow, Flow::Return);               // retab
  const std::vector<std::tuple<uint32_t, Flow, Reg>> indirect = {
      {0xd61f083f, Flow::IndirectJump, 1},  // braaz x1
      {0xd61f0c5f, Flow::IndirectJump, 2},  // brabz x2
      {0xd63f087f, Flow::IndirectCall, 3},  // blraaz x3
      {0xd71f0885, Flow::IndirectJump, 4},  // braa x4, x5
      {0xd73f0cdf, Flow::IndirectCall, 6},  // blrab x6, sp
  };
  for (const auto& [word, flow, reg] : indirect) {
    LiftedInsn insn = lift_one(word);
    EXPECT_EQ(insn.flow, flow) << fmt::format("{:#010x}", word);
    EXPECT_EQ(insn.indirect.reg, reg) << fmt::format("{:#010x}", word);
  }
  EXPECT_EQ(transfers_of(0xf8201c20), (Shown{"x0 = ?", "x1 = ?"}));  // ldraa x0, [x1, #8]!
  EXPECT_EQ(transfers_of(0xf8ffe462), (Shown{"x2 = ?"}));            // ldrab x2, [x3, #-16]
}

TEST_F(LiftAArch64, BytesThatDoNotDecode) {
  const auto sve = le_bytes(0xa400a020);  // ld1b {z0.b}, p0/z, [x1]: SVE, unknown to Capstone 4
  EXPECT_FALSE(lifter_->lift(sve, 0x400000, false));
  const auto mte = le_bytes(0xd9600000);  // ldg x0, [x0]: MTE
  EXPECT_FALSE(lifter_->lift(mte, 0x400000, false));
  const auto bytes = le_bytes(0xd28018c8);
  EXPECT_FALSE(lifter_->lift(std::span(bytes).first(3), 0x400000, false));  // too short
  EXPECT_FALSE(lifter_->lift({}, 0x400000, false));
  // A64 code is word-aligned: a misaligned address is never an instruction.
  for (uint64_t misaligned : {0x400001u, 0x400002u, 0x400003u}) {
    EXPECT_FALSE(lifter_->lift(bytes, misaligned, false)) << misaligned;
  }
}

/// Capstone's general registers, in the backend's numbering; kNoReg for xzr, flags,
/// SIMD/FP and system registers.
Reg capstone_gpr(uint16_t reg) {
  if (reg >= ARM64_REG_X0 && reg <= ARM64_REG_X28) return static_cast<Reg>(reg - ARM64_REG_X0);
  if (reg >= ARM64_REG_W0 && reg <= ARM64_REG_W30) return static_cast<Reg>(reg - ARM64_REG_W0);
  if (reg == ARM64_REG_X29) return 29;
  if (reg == ARM64_REG_X30) return 30;
  if (reg == ARM64_REG_SP || reg == ARM64_REG_WSP) return kSp;
  return kNoReg;
}

/// Writes Capstone 4.0.2 reports that the architecture contradicts: cmp/cmn/tst write
/// only flags (their first operand is read), msr and sys read their general register,
/// and svc does not change x30 (Linux returns in x0 and preserves the rest).
bool capstone_wrongly_reports(unsigned id, Reg reg) {
  switch (id) {
    case ARM64_INS_CMP:
    case ARM64_INS_CMN:
    case ARM64_INS_TST:
    case ARM64_INS_MSR:
    case ARM64_INS_SYS:
      return true;
    case ARM64_INS_SVC:
      return reg == kLr;
    default:
      return false;
  }
}

// Every word of glibc's .text, lifted on its own: nothing crashes, what Capstone decodes
// lifts, and every general register Capstone says an instruction writes is the
// destination of a transfer (calls excepted: call_clobbered covers them).
TEST_F(LiftAArch64, EveryLibcTextWordLiftsSoundly) {
  const std::string path = "/usr/aarch64-linux-gnu/lib/libc.so.6";
  auto loaded = testing::load_text_section(path, "scripts/setup installs libc6-arm64-cross");
  ASSERT_TRUE(loaded);
  const std::unique_ptr<Backend>* backend = &loaded->backend;
  ASSERT_EQ((*backend)->name(), "aarch64");
  const elf::Section* text = loaded->text;
  const std::optional<std::span<const uint8_t>> bytes = loaded->bytes;
  ASSERT_GT(bytes->size(), 100000u);

  auto oracle = disasm::Capstone::open(CS_ARCH_ARM64, CS_MODE_ARM);
  ASSERT_TRUE(oracle) << oracle.error().message;
  const Reg count = backend_.register_count();

  size_t words = 0;
  size_t lifted = 0;
  size_t failures = 0;
  std::string examples;
  auto fail = [&](uint64_t at, const cs_insn* ci, const std::string& why) {
    if (++failures <= 20) {
      examples += fmt::format("  {:#x}: {} {}: {}\n", at, ci ? ci->mnemonic : "?", ci ? ci->op_str : "", why);
    }
  };
  for (size_t off = 0; off + 4 <= bytes->size(); off += 4) {
    const auto code = bytes->subspan(off, 4);
    const uint64_t at = text->address + off;
    ++words;
    auto insn = lifter_->lift(code, at, false);
    const cs_insn* ci = oracle->decode(code, at);
    if (ci != nullptr && !insn) fail(at, ci, "decodes but does not lift");
    if (!insn) continue;
    ++lifted;
    if (insn->address != at || insn->next != at + 4) fail(at, ci, "wrong address or next");
    uint64_t destinations = 0;
    for (const Transfer& t : insn->transfers) {
      const bool memory = t.op == Transfer::Op::Store || t.op == Transfer::Op::Forget || t.op == Transfer::Op::Scribble;
      const bool dst_ok = memory ? t.dst == kNoReg : t.dst < count;
      if (!dst_ok || (t.src != kNoReg && t.src >= count) || (t.src2 != kNoReg && t.src2 >= count)) {
        fail(at, ci, "register out of range: " + show(t));
      }
      if (t.dst < count) destinations |= uint64_t{1} << t.dst;
    }
    for (Reg r : insn->opaque_reads) {
      if (r >= count) fail(at, ci, "opaque read out of range");
    }
    if (ci == nullptr || insn->flow == Flow::Call || insn->flow == Flow::IndirectCall) continue;
    cs_regs read;
    cs_regs written;
    uint8_t read_count = 0;
    uint8_t write_count = 0;
    ASSERT_EQ(cs_regs_access(oracle->handle(), ci, read, &read_count, written, &write_count), CS_ERR_OK);
    for (uint8_t i = 0; i < write_count; ++i) {
      const Reg reg = capstone_gpr(written[i]);
      if (reg == kNoReg || capstone_wrongly_reports(ci->id, reg)) continue;
      if (!(destinations & (uint64_t{1} << reg)))
        fail(at, ci, "writes " + reg_name(reg) + " without a transfer");
    }
  }
  EXPECT_EQ(failures, 0u) << "first failures:\n" << examples;
  // Capstone 4.0.2 lacks SVE and MTE (glibc's string functions for those CPUs) and the
  // zero words between functions are udf: nearly everything else decodes.
  EXPECT_GT(lifted, words * 99 / 100);

  // Throughput of the lifter alone.
  const auto start = std::chrono::steady_clock::now();
  size_t transfers = 0;
  for (size_t off = 0; off + 4 <= bytes->size(); off += 4) {
    if (auto insn = lifter_->lift(bytes->subspan(off, 4), text->address + off, false)) {
      transfers += insn->transfers.size();
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double rate = static_cast<double>(words) / seconds;
  RecordProperty("lifted_words_per_second", static_cast<int>(rate));
  std::printf("[ aarch64  ] %zu words, %zu lifted, %zu transfers; %.0f words/s\n", words, lifted, transfers,
              rate);
}

}  // namespace
}  // namespace sysfence::arch
