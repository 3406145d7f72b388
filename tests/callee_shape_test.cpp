// A function's code and what a caller needs to know of it, on hand-assembled x86-64
// instructions: the blocks FunctionCode cuts, and the arguments, stack parameters,
// return and clobbered registers describe_callee and leaf_clobbers find, and the code
// DecodedCodeStore keeps from a caller's question for the function's own analysis.
#include "analysis/callee_shape.h"

#include <elf.h>

#include <gtest/gtest.h>

#include "analysis/decoded_code_store.h"
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

  /// What decoding reads, and the exact extent of function `k`.
  CodeSource source() const {
    return CodeSource{program_->backend().conventions(), *lifter_, *memory_, *functions_, no_stubs_};
  }
  cfg::FunctionExtent extent(size_t k) const {
    const uint64_t start = text_ + k * kSlot;
    return cfg::FunctionExtent{start, start + kFunctions[k].size(), false, true};
  }
  /// The code of function `k`, not yet decoded.
  FunctionCode code(size_t k) { return FunctionCode(source(), extent(k)); }
  /// The code of function `k` loaded whole, to share.
  std::shared_ptr<const FunctionCode> loaded(size_t k) {
    auto f = std::make_shared<FunctionCode>(source(), extent(k));
    f->load(FunctionCode::Reach::Whole);
    return f;
  }
  const arch::Conventions& conventions() const { return program_->backend().conventions(); }
  CalleeShape shape(size_t k) {
    FunctionCode f = code(k);
    f.load(FunctionCode::Reach::Whole);
    return describe_callee(f, conventions(), [](uint64_t, bool) { return true; });
  }

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
  const CalleeShape first = shape(0);
  EXPECT_TRUE(first.returns);
  EXPECT_EQ(first.arguments, (std::vector<Reg>{kRdi}));
  EXPECT_EQ(first.stack_arguments, 0u);
  EXPECT_EQ(shape(5).arguments, (std::vector<Reg>{kRsi}));
}

TEST_F(CalleeShapeTest, AFunctionNoPathLeavesDoesNotReturn) {
  EXPECT_FALSE(shape(1).returns);
}

// A memory operand counts as wide as the widest access (a zmm register's 64 bytes): on
// x86-64, where the stack parameters start 8 bytes above the entry's stack pointer, one
// read of the stack above it reaches all eight.
TEST_F(CalleeShapeTest, StackParametersAreThoseAStackReadMayReach) {
  const size_t all = conventions().stack_params.size();
  EXPECT_EQ(shape(0).stack_arguments, 0u);
  EXPECT_EQ(shape(4).stack_arguments, all);
  EXPECT_EQ(shape(6).stack_arguments, all);  // takes the address of what its caller passed: may read them all
}

TEST_F(CalleeShapeTest, ALeafClobbersWhatItWritesAndACallerEverything) {
  FunctionCode leaf = code(2);
  EXPECT_EQ(leaf_clobbers(leaf, conventions()), (std::vector<Reg>{kRcx}));
  FunctionCode reads = code(0);
  EXPECT_EQ(leaf_clobbers(reads, conventions()), (std::vector<Reg>{kRax}));
  FunctionCode caller = code(3);
  EXPECT_EQ(leaf_clobbers(caller, conventions()), conventions().call_clobbered);
}

TEST_F(CalleeShapeTest, KeptCodeServesOnlyItsOwnExtentUntilForgotten) {
  const std::shared_ptr<const FunctionCode> kept = loaded(0);
  DecodedCodeStore store;
  store.keep(1, kept);
  cfg::FunctionExtent extent = kept->extent();
  EXPECT_EQ(store.find(1, extent), kept);
  EXPECT_EQ(store.find(2, extent), nullptr);
  extent.end += kSlot;  // the same start with a guessed extent: other code
  EXPECT_EQ(store.find(1, extent), nullptr);
  store.forget(1);
  EXPECT_EQ(store.find(1, kept->extent()), nullptr);
}

TEST_F(CalleeShapeTest, TheCodeKeptLongestGoesPastTheBound) {
  const std::shared_ptr<const FunctionCode> kept = loaded(0);
  const size_t size = kept->insns().size();
  ASSERT_EQ(size, 2u);
  DecodedCodeStore store;
  const uint64_t fit = DecodedCodeStore::kMaxInstructions / size;
  for (uint64_t key = 0; key < fit; ++key) store.keep(key, kept);
  EXPECT_EQ(store.find(0, kept->extent()), kept) << "exactly at the bound";
  store.keep(fit, kept);
  EXPECT_EQ(store.find(0, kept->extent()), nullptr);
  EXPECT_EQ(store.find(1, kept->extent()), kept);
  EXPECT_EQ(store.find(fit, kept->extent()), kept);
  store.forget(1);  // a forgotten key frees its room: the next one fits without a drop
  store.keep(fit + 1, kept);
  EXPECT_EQ(store.find(2, kept->extent()), kept);
}

}  // namespace
}  // namespace sysfence::analysis
