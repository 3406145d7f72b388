// A function's code and what a caller needs to know of it, on hand-assembled x86-64
// instructions: the blocks FunctionCode cuts, and the arguments, stack parameters,
// return and clobbered registers describe_callee and leaf_clobbers find.
#include "analysis/callee_shape.h"

#include <elf.h>

#include <gtest/gtest.h>

#include "analysis/function_code.h"
#include "analysis/memory_view.h"
#include "cfg/function_index.h"
#include "program/program.h"
#include "support/elf_builder.h"
#include "support/temp_dir.h"

namespace sysfence::analysis {
namespace {

using arch::Reg;
constexpr Reg kRax = 0, kRcx = 1, kRsi = 6, kRdi = 7;

// Each function at a 16-byte boundary of .text, padded with int3.
constexpr uint64_t kSlot = 16;
const std::vector<std::vector<uint8_t>> kFunctions = {
    {0x89, 0xf8, 0xc3},                          // 0: mov eax, edi; ret
    {0xeb, 0xfe},                                // 1: jmp . (never returns)
    {0x31, 0xc9, 0xc3},                          // 2: xor ecx, ecx; ret
    {0xe8, 0xcb, 0xff, 0xff, 0xff, 0xc3},        // 3: call function 0; ret
    {0x48, 0x8b, 0x44, 0x24, 0x10, 0xc3},        // 4: mov rax, [rsp+16]; ret (the second stack parameter)
    {0x85, 0xf6, 0x74, 0x02, 0x89, 0xf0, 0xc3},  // 5: test esi, esi; je +2; mov eax, esi; ret
    {0x48, 0x8d, 0x44, 0x24, 0x08, 0xc3},        // 6: lea rax, [rsp+8]; ret (the address of what was passed)
};

class CalleeShapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<uint8_t> code;
    for (const auto& f : kFunctions) {
      code.insert(code.end(), f.begin(), f.end());
      code.resize((code.size() + kSlot - 1) / kSlot * kSlot, 0xcc);
    }
    testing::ElfBuilder builder(64, ByteOrder::Little, EM_X86_64);
    testing::write_file(dir_.path().string(), "code.so", builder.text(code).build());
    text_ = testing::ElfBuilder::kBase + builder.layout().text;
    program::Sysroot root(dir_.path());
    auto loaded = program::Program::load(root, "/code.so", diagnostics_);
    ASSERT_TRUE(loaded) << loaded.error().message;
    program_ = std::make_unique<program::Program>(std::move(*loaded));
    auto lifter = program_->backend().make_lifter();
    ASSERT_TRUE(lifter);
    lifter_ = std::move(*lifter);
    const program::Module& module = program_->modules()[0];
    memory_ = std::make_unique<MemoryView>(module, program_->backend());
    functions_ = std::make_unique<cfg::FunctionIndex>(module, program_->backend(), diagnostics_);
  }

  /// The code of function `k`, its extent exact.
  FunctionCode code(size_t k) {
    const uint64_t start = text_ + k * kSlot;
    const CodeSource source{program_->backend().conventions(), *lifter_, *memory_, *functions_, no_stubs_};
    return FunctionCode(source, cfg::FunctionExtent{start, start + kFunctions[k].size(), false, true});
  }
  const arch::Conventions& conventions() const { return program_->backend().conventions(); }

  testing::TempDir dir_;
  Diagnostics diagnostics_;
  uint64_t text_ = 0;
  std::unique_ptr<program::Program> program_;
  std::unique_ptr<arch::Lifter> lifter_;
  std::unique_ptr<MemoryView> memory_;
  std::unique_ptr<cfg::FunctionIndex> functions_;
  const std::unordered_map<uint64_t, arch::PltStub> no_stubs_;
};

TEST_F(CalleeShapeTest, ABranchCutsTheCodeIntoBlocksInReversePostOrder) {
  FunctionCode f = code(5);
  f.load(FunctionCode::Reach::Whole);
  ASSERT_EQ(f.insns().size(), 4u);
  ASSERT_EQ(f.blocks().size(), 3u);  // test+je, mov, ret
  EXPECT_EQ(f.blocks()[0].last, 1u);
  EXPECT_EQ(f.blocks()[0].successors, (std::vector<size_t>{2, 1}));  // taken, then the fall-through
  EXPECT_EQ(f.blocks()[1].successors, (std::vector<size_t>{2}));
  EXPECT_EQ(f.block_at(text_ + 5 * kSlot + 6), 2u);
  EXPECT_FALSE(f.block_at(text_ + 5 * kSlot + 1));  // inside the first instruction
  EXPECT_TRUE(f.is_branch_target(text_ + 5 * kSlot + 6));
  EXPECT_TRUE(f.seen_whole());
  const std::vector<size_t> rank = f.reverse_post_order(0);
  EXPECT_EQ(rank[0], 0u);
  EXPECT_LT(rank[1], rank[2]) << "the mov block runs before the return both reach";
}

TEST_F(CalleeShapeTest, ArgumentsAreTheRegistersReadBeforeWritten) {
  FunctionCode f = code(0);
  const CalleeShape shape = describe_callee(f, conventions());
  EXPECT_TRUE(shape.returns);
  EXPECT_EQ(shape.arguments, (std::vector<Reg>{kRdi}));
  EXPECT_EQ(shape.stack_arguments, 0u);
  FunctionCode g = code(5);
  EXPECT_EQ(describe_callee(g, conventions()).arguments, (std::vector<Reg>{kRsi}));
}

TEST_F(CalleeShapeTest, AFunctionNoPathLeavesDoesNotReturn) {
  FunctionCode f = code(1);
  EXPECT_FALSE(describe_callee(f, conventions()).returns);
}

// A memory operand counts as wide as the widest access (a zmm register's 64 bytes): on
// x86-64, where the stack parameters start 8 bytes above the entry's stack pointer, one
// read of the stack above it reaches all eight.
TEST_F(CalleeShapeTest, StackParametersAreThoseAStackReadMayReach) {
  const size_t all = conventions().stack_params.size();
  FunctionCode none = code(0);
  EXPECT_EQ(describe_callee(none, conventions()).stack_arguments, 0u);
  FunctionCode reads = code(4);
  EXPECT_EQ(describe_callee(reads, conventions()).stack_arguments, all);
  FunctionCode address = code(6);  // takes the address of what its caller passed: may read them all
  EXPECT_EQ(describe_callee(address, conventions()).stack_arguments, all);
}

TEST_F(CalleeShapeTest, ALeafClobbersWhatItWritesAndACallerEverything) {
  FunctionCode leaf = code(2);
  EXPECT_EQ(leaf_clobbers(leaf, conventions()), (std::vector<Reg>{kRcx}));
  FunctionCode reads = code(0);
  EXPECT_EQ(leaf_clobbers(reads, conventions()), (std::vector<Reg>{kRax}));
  FunctionCode caller = code(3);
  EXPECT_EQ(leaf_clobbers(caller, conventions()), conventions().call_clobbered);
}

}  // namespace
}  // namespace sysfence::analysis
