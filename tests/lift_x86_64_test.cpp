// The x86-64 lifter on hand-assembled instructions (bytes from GNU as), and a sweep
// over the host libc's exported functions against Capstone's own register accounting.
#include <capstone/capstone.h>
#include <elf.h>
#include <gtest/gtest.h>

#include <vector>

#include "arch/x86_64/x86_64_backend.h"
#include "disasm/capstone.h"
#include "support/text_section.h"

namespace sysfence::arch {
namespace {

constexpr Reg kRax = 0, kRcx = 1, kRdx = 2, kRbx = 3, kRsp = 4, kRsi = 6, kRdi = 7, kR10 = 10, kR11 = 11;
constexpr uint64_t kAt = 0x1000;

class LiftX86_64 : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lifter = backend_.make_lifter();
    ASSERT_TRUE(lifter) << lifter.error().message;
    lifter_ = std::move(*lifter);
  }
  LiftedInsn lift(std::vector<uint8_t> bytes) {
    auto insn = lifter_->lift(bytes, kAt, false);
    EXPECT_TRUE(insn);
    EXPECT_EQ(insn->next, kAt + bytes.size());
    return *insn;
  }
  static void expect(const Transfer& t, Transfer::Op op, Reg dst, Reg src, int64_t imm) {
    EXPECT_EQ(t.op, op);
    EXPECT_EQ(t.dst, dst);
    EXPECT_EQ(t.src, src);
    EXPECT_EQ(t.imm, imm);
  }
  X86_64Backend backend_;
  std::unique_ptr<Lifter> lifter_;
};

// glibc's syscall(): the number arrives in rdi and every argument shifts down one.
TEST_F(LiftX86_64, MovesAndTheSyscallInstruction) {
  auto mov = lift({0x48, 0x89, 0xf8});  // mov rax, rdi
  ASSERT_EQ(mov.transfers.size(), 1u);
  expect(mov.transfers[0], Transfer::Op::AddImm, kRax, kRdi, 0);
  auto imm = lift({0xb8, 0x29, 0x00, 0x00, 0x00});  // mov eax, 0x29
  expect(imm.transfers[0], Transfer::Op::Set, kRax, kNoReg, 0x29);
  auto sys = lift({0x0f, 0x05});
  EXPECT_EQ(sys.flow, Flow::Syscall);
  ASSERT_EQ(sys.transfers.size(), 2u);  // the kernel returns through rcx and r11
  EXPECT_EQ(sys.transfers[0].dst, kRcx);
  EXPECT_EQ(sys.transfers[1].dst, kR11);
}

TEST_F(LiftX86_64, ShiftsByAConstant) {
  auto shl32 = lift({0xc1, 0xe0, 0x0f});  // shl eax, 15
  ASSERT_GE(shl32.transfers.size(), 1u);
  expect(shl32.transfers[0], Transfer::Op::ShlImm, kRax, kRax, 15);
  EXPECT_EQ(shl32.transfers[0].width, 4);
  auto shl64 = lift({0x48, 0xc1, 0xe2, 0x03});  // shl rdx, 3
  ASSERT_EQ(shl64.transfers.size(), 1u);
  expect(shl64.transfers[0], Transfer::Op::ShlImm, kRdx, kRdx, 3);
  auto by_cl = lift({0xd3, 0xe0});  // shl eax, cl
  ASSERT_EQ(by_cl.transfers.size(), 1u);
  EXPECT_EQ(by_cl.transfers[0].op, Transfer::Op::Clobber);
}

// The memory operand names the data an instruction reaches, modelled or not; not the
// slot an indirect call goes through (the analysis loads that itself), nor TLS.
TEST_F(LiftX86_64, MemoryOperandsNameTheDataReached) {
  auto vector_load = lift({0x0f, 0x10, 0x05, 0x00, 0x01, 0x00, 0x00});  // movups xmm0, [rip+0x100]
  ASSERT_TRUE(vector_load.memory);
  EXPECT_EQ(vector_load.memory->base, kNoReg);
  EXPECT_EQ(vector_load.memory->disp, static_cast<int64_t>(kAt + 7 + 0x100));
  auto indexed = lift({0x48, 0x8b, 0x44, 0xcb, 0x10});  // mov rax, [rbx+rcx*8+0x10]
  ASSERT_TRUE(indexed.memory);
  EXPECT_EQ(indexed.memory->base, kRbx);
  EXPECT_EQ(indexed.memory->disp, 0x10);
  EXPECT_FALSE(lift({0xff, 0x15, 0x00, 0x02, 0x00, 0x00}).memory);  // call [rip+0x200]
  EXPECT_FALSE(lift({0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00}).memory);  // mov rax, fs:[0x28]
  EXPECT_FALSE(lift({0x48, 0x89, 0xf8}).memory);  // mov rax, rdi
}

// What fills structs and joins their fields: glibc's create_thread clears struct
// clone_args with xmm0 and __clone_internal ORs two of its fields.
TEST_F(LiftX86_64, VectorZeroingAndOrOfFields) {
  constexpr Reg kRsp = 4, kRdi = 7, kR14 = 14, kTmp = 16, kXmm0 = 17;
  auto zero = lift({0x66, 0x0f, 0xef, 0xc0});  // pxor xmm0, xmm0
  ASSERT_EQ(zero.transfers.size(), 1u);
  expect(zero.transfers[0], Transfer::Op::Set, kXmm0, kNoReg, 0);
  auto store = lift({0x0f, 0x29, 0x44, 0x24, 0x30});  // movaps [rsp+0x30], xmm0
  ASSERT_EQ(store.transfers.size(), 1u);
  EXPECT_EQ(store.transfers[0].op, Transfer::Op::Store);
  EXPECT_EQ(store.transfers[0].src, kRsp);
  EXPECT_EQ(store.transfers[0].src2, kXmm0);
  EXPECT_EQ(store.transfers[0].width, 16);
  auto other = lift({0x66, 0x0f, 0xef, 0xc1});  // pxor xmm0, xmm1: not the idiom
  ASSERT_EQ(other.transfers.size(), 1u);
  expect(other.transfers[0], Transfer::Op::Clobber, kXmm0, kNoReg, 0);
  auto or_memory = lift({0x41, 0x0b, 0x16});  // or edx, [r14]
  ASSERT_EQ(or_memory.transfers.size(), 4u);
  expect(or_memory.transfers[0], Transfer::Op::Load, kTmp, kR14, 0);
  EXPECT_EQ(or_memory.transfers[1].op, Transfer::Op::OrReg);
  EXPECT_EQ(or_memory.transfers[1].src2, kTmp);
  expect(or_memory.transfers[2], Transfer::Op::Clobber, kTmp, kNoReg, 0);
  auto add_memory = lift({0x48, 0x03, 0x3c, 0x24});  // add rdi, [rsp]: a constant plus a field
  ASSERT_EQ(add_memory.transfers.size(), 3u);
  expect(add_memory.transfers[0], Transfer::Op::Load, kTmp, kRsp, 0);
  EXPECT_EQ(add_memory.transfers[1].op, Transfer::Op::AddReg);
  EXPECT_EQ(add_memory.transfers[1].dst, kRdi);
  EXPECT_EQ(add_memory.transfers[1].src2, kTmp);
  expect(add_memory.transfers[2], Transfer::Op::Clobber, kTmp, kNoReg, 0);
  // A store the form cannot place writes somewhere past its base register.
  auto indexed = lift({0x89, 0x0c, 0x87});  // mov [rdi+rax*4], ecx
  ASSERT_EQ(indexed.transfers.size(), 1u);
  EXPECT_EQ(indexed.transfers[0].op, Transfer::Op::Scribble);
  EXPECT_EQ(indexed.transfers[0].src, kRdi);
  EXPECT_TRUE(lift({0x64, 0x89, 0x02}).transfers.empty());  // mov fs:[rdx], eax (errno)
}

TEST_F(LiftX86_64, SignExtendingMoves) {
  auto sxd = lift({0x48, 0x63, 0xc7});  // movsxd rax, edi
  ASSERT_EQ(sxd.transfers.size(), 1u);
  EXPECT_EQ(sxd.transfers[0].op, Transfer::Op::SignExtend);
  EXPECT_EQ(sxd.transfers[0].dst, kRax);
  EXPECT_EQ(sxd.transfers[0].src, kRdi);
  EXPECT_EQ(sxd.transfers[0].width, 4);
  auto sxb = lift({0x0f, 0xbe, 0xc1});  // movsx eax, cl: extended to 32 bits, then zero-extended
  ASSERT_EQ(sxb.transfers.size(), 2u);
  EXPECT_EQ(sxb.transfers[0].width, 1);
  expect(sxb.transfers[1], Transfer::Op::AndImm, kRax, kRax, 0xffffffff);
  auto high = lift({0x0f, 0xbe, 0xc4});  // movsx eax, ah: bits 8-15, not modelled
  ASSERT_EQ(high.transfers.size(), 1u);
  EXPECT_EQ(high.transfers[0].op, Transfer::Op::Clobber);
}

TEST_F(LiftX86_64, ZeroingAndPartialWrites) {
  auto zero = lift({0x31, 0xc0});  // xor eax, eax
  expect(zero.transfers[0], Transfer::Op::Set, kRax, kNoReg, 0);
  auto low = lift({0xb0, 0x38});  // mov al, 0x38 (musl's __clone)
  ASSERT_EQ(low.transfers.size(), 2u);
  expect(low.transfers[0], Transfer::Op::AndImm, kRax, kRax, ~int64_t{0xff});
  expect(low.transfers[1], Transfer::Op::OrImm, kRax, kRax, 0x38);
  auto flags = lift({0x81, 0xce, 0x00, 0x00, 0x08, 0x00});  // or esi, SOCK_CLOEXEC
  expect(flags.transfers[0], Transfer::Op::OrImm, kRsi, kRsi, 0x80000);
  expect(flags.transfers[1], Transfer::Op::AndImm, kRsi, kRsi, 0xffffffff);
}

// glibc's futex operations: `xor esi, esi; setne sil; shl esi, 7`, then `xor sil, 0x81`
// or `xor esi, r8d`; a byte write keeps the rest of the register.
TEST_F(LiftX86_64, ExclusiveOrAndSettingAByte) {
  auto byte = lift({0x40, 0x80, 0xf6, 0x81});  // xor sil, 0x81
  ASSERT_EQ(byte.transfers.size(), 1u);
  expect(byte.transfers[0], Transfer::Op::XorImm, kRsi, kRsi, 0x81);
  auto wide = lift({0x44, 0x31, 0xc6});  // xor esi, r8d
  ASSERT_EQ(wide.transfers.size(), 2u);
  EXPECT_EQ(wide.transfers[0].op, Transfer::Op::XorReg);
  EXPECT_EQ(wide.transfers[0].dst, kRsi);
  EXPECT_EQ(wide.transfers[0].src2, 8);
  expect(wide.transfers[1], Transfer::Op::AndImm, kRsi, kRsi, 0xffffffff);
  auto set = lift({0x40, 0x0f, 0x95, 0xc6});  // setne sil
  ASSERT_EQ(set.transfers.size(), 5u);
  expect(set.transfers[0], Transfer::Op::AndImm, kRsi, kRsi, ~int64_t{0xff});
  EXPECT_EQ(set.transfers[1].op, Transfer::Op::Clobber);
  expect(set.transfers[2], Transfer::Op::AndImm, set.transfers[1].dst, set.transfers[1].dst, 1);
  EXPECT_EQ(set.transfers[3].op, Transfer::Op::OrReg);
  EXPECT_EQ(set.transfers[3].dst, kRsi);
  auto high = lift({0x0f, 0x95, 0xc4});  // setne ah: bits 8-15, not modelled
  ASSERT_EQ(high.transfers.size(), 1u);
  EXPECT_EQ(high.transfers[0].op, Transfer::Op::Clobber);
}

TEST_F(LiftX86_64, StackAndMemory) {
  auto push = lift({0x53});  // push rbx
  ASSERT_EQ(push.transfers.size(), 2u);
  EXPECT_EQ(push.transfers[0].op, Transfer::Op::Store);
  EXPECT_EQ(push.transfers[0].src, kRsp);
  EXPECT_EQ(push.transfers[0].imm, -8);
  EXPECT_EQ(push.transfers[0].src2, kRbx);
  expect(push.transfers[1], Transfer::Op::AddImm, kRsp, kRsp, -8);
  auto pop = lift({0x5b});  // pop rbx
  expect(pop.transfers[0], Transfer::Op::Load, kRbx, kRsp, 0);
  expect(pop.transfers[1], Transfer::Op::AddImm, kRsp, kRsp, 8);
  auto lea = lift({0x48, 0x8d, 0x15, 0x00, 0x01, 0x00, 0x00});  // lea rdx, [rip+0x100]
  expect(lea.transfers[0], Transfer::Op::Set, kRdx, kNoReg, kAt + 7 + 0x100);
  auto spill = lift({0x48, 0x89, 0x7c, 0x24, 0x08});  // mov [rsp+8], rdi
  EXPECT_EQ(spill.transfers[0].op, Transfer::Op::Store);
  EXPECT_EQ(spill.transfers[0].src2, kRdi);
  auto reload = lift({0x4c, 0x8b, 0x54, 0x24, 0x10});  // mov r10, [rsp+0x10]
  expect(reload.transfers[0], Transfer::Op::Load, kR10, kRsp, 0x10);
  auto constant = lift({0x48, 0xc7, 0x44, 0x24, 0x18, 0x05, 0x00, 0x00, 0x00});  // mov qword [rsp+0x18], 5
  EXPECT_EQ(constant.transfers[0].op, Transfer::Op::Store);
  EXPECT_EQ(constant.transfers[0].value, 5);
  // Memory changed by anything but a plain mov must not keep a tracked value.
  auto add = lift({0x83, 0x44, 0x24, 0x20, 0x01});  // add dword [rsp+0x20], 1
  ASSERT_FALSE(add.transfers.empty());
  EXPECT_EQ(add.transfers.back().op, Transfer::Op::Forget);
  EXPECT_EQ(add.transfers.back().imm, 0x20);
}

TEST_F(LiftX86_64, ControlFlow) {
  auto call = lift({0xff, 0x15, 0x00, 0x02, 0x00, 0x00});  // call [rip+0x200]: a GOT slot
  EXPECT_EQ(call.flow, Flow::IndirectCall);
  EXPECT_TRUE(call.indirect.memory);
  EXPECT_EQ(call.indirect.base, kNoReg);
  EXPECT_EQ(call.indirect.disp, static_cast<int64_t>(kAt + 6 + 0x200));
  auto jump = lift({0xff, 0xe0});  // jmp rax
  EXPECT_EQ(jump.flow, Flow::IndirectJump);
  EXPECT_EQ(jump.indirect.reg, kRax);
  EXPECT_EQ(lift({0xc3}).flow, Flow::Return);
  auto direct = lift({0xe8, 0x10, 0x00, 0x00, 0x00});  // call +0x10
  EXPECT_EQ(direct.flow, Flow::Call);
  EXPECT_EQ(direct.target, kAt + 5 + 0x10);
  auto branch = lift({0x74, 0x05});  // je +5
  EXPECT_EQ(branch.flow, Flow::Branch);
  EXPECT_EQ(branch.target, kAt + 2 + 5);
}

/// Our register for a Capstone x86 register, or kNoReg (not a general-purpose one).
Reg general_register(unsigned reg) {
  static const unsigned kFamilies[16][4] = {
      {X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL},     {X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL},
      {X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL},     {X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL},
      {X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL},    {X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL},
      {X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL},    {X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL},
      {X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B},    {X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B},
      {X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B}, {X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B},
      {X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B}, {X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B},
      {X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B}, {X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B}};
  for (Reg r = 0; r < 16; ++r) {
    for (unsigned alias : kFamilies[r]) {
      if (alias == reg) return r;
    }
  }
  if (reg == X86_REG_AH) return kRax;
  if (reg == X86_REG_BH) return kRbx;
  if (reg == X86_REG_CH) return kRcx;
  if (reg == X86_REG_DH) return kRdx;
  return kNoReg;
}

// The soundness rule of arch/lifted.h on real code: from every exported function of the
// host libc, the first 64 instructions; each general register Capstone says an
// instruction writes must be the destination of a transfer (calls excepted: the
// analysis applies call_clobbered).
// A whole register tested against zero right before je/jne: 0 on one edge. A 32-bit test
// says nothing about the upper half, and a branch not right after the test nothing at all.
TEST_F(LiftX86_64, TestingARegisterBeforeAnEqualityBranchIsAZeroTest) {
  auto branch_after = [&](const std::vector<uint8_t>& test, const std::vector<uint8_t>& jump) {
    EXPECT_TRUE(lifter_->lift(test, kAt, false));
    return *lifter_->lift(jump, kAt + test.size(), false);
  };
  const std::vector<uint8_t> je = {0x74, 0x10}, jne = {0x75, 0x10};
  const LiftedInsn after_test = branch_after({0x48, 0x85, 0xd2}, je);  // test rdx, rdx
  ASSERT_TRUE(after_test.zero_test);
  EXPECT_EQ(after_test.zero_test->reg, kRdx);
  EXPECT_TRUE(after_test.zero_test->zero_when_taken);
  EXPECT_TRUE(after_test.zero_test->after_compare);
  const LiftedInsn after_cmp = branch_after({0x48, 0x83, 0xfa, 0x00}, jne);  // cmp rdx, 0
  ASSERT_TRUE(after_cmp.zero_test);
  EXPECT_FALSE(after_cmp.zero_test->zero_when_taken);
  EXPECT_FALSE(branch_after({0x85, 0xd2}, je).zero_test);              // test edx, edx
  EXPECT_FALSE(branch_after({0x48, 0x85, 0xd1}, je).zero_test);        // test rcx, rdx
  EXPECT_FALSE(lifter_->lift(je, kAt + 64, false)->zero_test);         // nothing before it
}

TEST_F(LiftX86_64, EveryWrittenRegisterIsATransferDestination) {
  const std::string path = "/lib/x86_64-linux-gnu/libc.so.6";
  auto loaded = testing::load_text_section(path, "libc6 is part of every Debian system");
  ASSERT_TRUE(loaded);
  auto oracle = disasm::Capstone::open(CS_ARCH_X86, CS_MODE_64);
  ASSERT_TRUE(oracle);
  size_t checked = 0;
  for (const elf::Symbol& symbol : loaded->elf.dynamic_symbols()) {
    if (symbol.type != STT_FUNC || symbol.is_undefined()) continue;
    uint64_t at = symbol.value;
    for (int n = 0; n < 64; ++n) {
      auto code = loaded->elf.bytes_at(at, 16);
      if (!code) break;
      auto insn = lifter_->lift(*code, at, false);
      const cs_insn* raw = oracle->decode(*code, at);
      if (!insn || raw == nullptr) break;
      ASSERT_EQ(insn->next, at + raw->size);
      if (insn->flow != Flow::Call && insn->flow != Flow::IndirectCall) {
        cs_regs read{};
        cs_regs written{};
        uint8_t nread = 0;
        uint8_t nwritten = 0;
        ASSERT_EQ(cs_regs_access(oracle->handle(), raw, read, &nread, written, &nwritten), CS_ERR_OK);
        for (uint8_t i = 0; i < nwritten; ++i) {
          const Reg reg = general_register(written[i]);
          if (reg == kNoReg) continue;
          // Capstone 4.0.2 says `test` writes its first operand (it does not), and `ret`
          // writes rsp (control leaves the function with it).
          if (raw->id == X86_INS_TEST || (insn->flow == Flow::Return && reg == kRsp)) continue;
          const bool covered = std::any_of(insn->transfers.begin(), insn->transfers.end(),
                                           [&](const Transfer& t) { return t.dst == reg; });
          EXPECT_TRUE(covered) << symbol.name << "+" << (at - symbol.value) << ": " << raw->mnemonic << " "
                               << raw->op_str << " writes register " << int(reg);
        }
      }
      ++checked;
      if (insn->flow == Flow::Return || insn->flow == Flow::Jump || insn->flow == Flow::Stop) break;
      at = insn->next;
    }
  }
  EXPECT_GT(checked, 20000u);
}

}  // namespace
}  // namespace sysfence::arch
