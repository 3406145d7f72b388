#include "analysis/register_liveness.h"

#include <gtest/gtest.h>

namespace sysfence::analysis {
namespace {

using arch::Flow;
using arch::LiftedInsn;
using arch::Transfer;

constexpr arch::Reg kReturn = 0;

LiftedInsn insn(Flow flow, std::vector<Transfer> transfers = {}) {
  LiftedInsn out;
  out.flow = flow;
  out.transfers = std::move(transfers);
  return out;
}

arch::Conventions conventions() {
  arch::Conventions c;
  c.return_value = kReturn;
  return c;
}

std::vector<int> live_registers(const RegisterSet& set) {
  std::vector<int> out;
  for (int r = 0; r < 8; ++r) {
    if (set[r]) out.push_back(r);
  }
  return out;
}

// MIPS's delay slot: a branch loads the next callee into a register on one path; the
// code after the join loads it again before it calls, so the join loses nothing there.
TEST(RegisterLiveness, ARegisterWrittenBeforeAnyReadIsDeadAtTheJoin) {
  const std::vector<LiftedInsn> insns = {
      insn(Flow::Branch, {Transfer::set(1, 5)}),                                // block A
      insn(Flow::Next, {Transfer::load(2, 3, 0, 4)}),                           // block B
      insn(Flow::Next, {Transfer::set(1, 7), Transfer::add_imm(4, 2, 1)}),      // block C
      insn(Flow::Return),
  };
  const std::vector<size_t> a_next = {1, 2}, b_next = {2}, c_next = {};
  const std::vector<LivenessBlock> blocks = {{0, 0, &a_next}, {1, 1, &b_next}, {2, 3, &c_next}};
  const auto live = live_at_entry(insns, blocks, conventions());
  EXPECT_EQ(live_registers(live[2]), (std::vector<int>{kReturn, 2}));
  EXPECT_EQ(live_registers(live[1]), (std::vector<int>{kReturn, 3}));
  EXPECT_EQ(live_registers(live[0]), (std::vector<int>{kReturn, 2, 3}));
}

// What a call leaves changed (the registers the value analysis makes unknown there) is
// dead before it: glibc's MIPS getifaddrs holds ioctl's address in v0 on one path to a
// call, and after the call reads only its result from v0. Without the callback nothing
// dies at a call.
TEST(RegisterLiveness, ARegisterACallChangesIsDeadBeforeIt) {
  constexpr arch::Reg kScratch = 4;
  const std::vector<LiftedInsn> insns = {
      insn(Flow::Call),
      insn(Flow::Next, {Transfer::add_imm(5, kReturn, 1), Transfer::add_imm(6, kScratch, 1)}),
      insn(Flow::Return),
  };
  const std::vector<size_t> none = {};
  const std::vector<arch::Reg> changed = {kReturn};
  const auto live = live_at_entry(insns, {{0, 2, &none}}, conventions(),
                                  [&](const LiftedInsn&) -> const std::vector<arch::Reg>& { return changed; });
  EXPECT_FALSE(live[0][kReturn]) << "the call's result replaces it";
  EXPECT_TRUE(live[0][kScratch]) << "a register the call leaves alone stays live";
  EXPECT_TRUE(live_at_entry(insns, {{0, 2, &none}}, conventions())[0][kReturn]);
}

// A callee reads the argument registers, not the others (a callee-saved one it keeps for
// its caller, a caller-saved one it overwrites); a Clobber may keep the old value (an ARM
// conditional write), so it does not end a register's life.
TEST(RegisterLiveness, CallsReadTheArgumentRegistersAndClobbersKillNone) {
  const std::vector<LiftedInsn> insns = {
      insn(Flow::Next, {Transfer::set(1, 0), Transfer::clobber(2)}),
      insn(Flow::Call),
  };
  arch::Conventions c = conventions();
  c.call_args = {1, 2, 3};
  c.call_clobbered = {kReturn, 1, 2, 3, 200};
  const std::vector<size_t> none = {};
  const auto live = live_at_entry(insns, {{0, 1, &none}}, c);
  EXPECT_FALSE(live[0][1]);
  EXPECT_TRUE(live[0][2]);
  EXPECT_TRUE(live[0][3]);
  EXPECT_FALSE(live[0][200]) << "a caller-saved register other than an argument is no input of the callee";
  EXPECT_FALSE(live[0][5]) << "a callee-saved register is no input of the callee";
}

// A callee-saved register the code after a call reads is live across the call.
TEST(RegisterLiveness, ACalleeSavedRegisterReadAfterACallIsLiveBeforeIt) {
  const std::vector<LiftedInsn> insns = {
      insn(Flow::Call),
      insn(Flow::Next, {Transfer::add_imm(3, 5, 1)}),
      insn(Flow::Return),
  };
  const std::vector<size_t> none = {};
  const auto live = live_at_entry(insns, {{0, 2, &none}}, conventions());
  EXPECT_TRUE(live[0][5]);
  EXPECT_FALSE(live[0][3]);
}

// A write that may not happen (an ARM conditional instruction) leaves the old value as
// one of the two the register may hold: the old value is read, and stays live.
TEST(RegisterLiveness, AWriteThatMayNotHappenReadsTheOldValue) {
  Transfer maybe = Transfer::set(1, 0);
  maybe.keeps_old = true;
  const std::vector<LiftedInsn> insns = {
      insn(Flow::Next, {maybe, Transfer::set(2, 0)}),
      insn(Flow::Return, {Transfer::add_imm(kReturn, 1, 0)}),
  };
  const std::vector<size_t> none = {};
  const auto live = live_at_entry(insns, {{0, 1, &none}}, conventions());
  EXPECT_EQ(live_registers(live[0]), (std::vector<int>{1}));
}

// A tail call or a branch out of the function reads whatever its target reads.
TEST(RegisterLiveness, LeavingTheFunctionKeepsEveryRegisterLive) {
  const std::vector<LiftedInsn> insns = {insn(Flow::Jump, {Transfer::set(1, 0)})};
  const std::vector<size_t> none = {};
  const auto stays = live_at_entry(insns, {{0, 0, &none, false}}, conventions());
  EXPECT_TRUE(stays[0].none());
  const auto leaves = live_at_entry(insns, {{0, 0, &none, true}}, conventions());
  EXPECT_FALSE(leaves[0][1]);
  EXPECT_TRUE(leaves[0][5]);
}

// Loops: what the loop body reads before writing is live at the loop's head.
TEST(RegisterLiveness, LoopsReachAFixpoint) {
  const std::vector<LiftedInsn> insns = {
      insn(Flow::Next, {Transfer::add_imm(3, 3, 1)}),  // head: reads r3
      insn(Flow::Branch, {Transfer::store(4, 0, 5, 4)}),  // body: reads r4, r5; back to head
      insn(Flow::Return),
  };
  const std::vector<size_t> head_next = {1}, body_next = {0, 2}, exit_next = {};
  const auto live = live_at_entry(insns, {{0, 0, &head_next}, {1, 1, &body_next}, {2, 2, &exit_next}}, conventions());
  EXPECT_EQ(live_registers(live[0]), (std::vector<int>{kReturn, 3, 4, 5}));
  EXPECT_EQ(live_registers(live[1]), (std::vector<int>{kReturn, 3, 4, 5}));
  EXPECT_EQ(live_registers(live[2]), (std::vector<int>{kReturn}));
}

}  // namespace
}  // namespace sysfence::analysis
