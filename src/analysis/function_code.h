#pragma once
/// The code of one function as the value analysis walks it (FunctionAnalyzer): its
/// instructions, decoded from its entry or swept over its extent plus the out-of-line
/// parts jumps reach, in address order and cut into basic blocks; on architectures that
/// keep constants in the code, decoded again with the literal pools its loads name as
/// barriers.
///
/// Assumptions, stated because they bound soundness: compiled code never jumps into the
/// middle of an instruction; decoding stops at another function's start (whether control
/// runs into it is falls_into_function's question); the words a pc-relative load reads
/// are data, never instructions.

#include <cstdint>
#include <map>
#include <memory_resource>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analysis/memory_view.h"
#include "analysis/register_liveness.h"
#include "arch/arch.h"
#include "cfg/function_index.h"

namespace sysfence::analysis {

/// Whether control may go on to the next instruction after `insn`.
bool falls_through(const arch::LiftedInsn& insn);

/// An instruction that changes nothing the analysis models: a nop, or a register moved
/// onto itself (zero bytes between a literal pool and the next function decode as
/// Thumb's `movs r0, r0`).
bool is_padding_insn(const arch::LiftedInsn& insn);

/// What decoding a function reads of its module.
struct CodeSource {
  const arch::Conventions& conventions;
  arch::Lifter& lifter;
  const MemoryView& memory;
  const cfg::FunctionIndex& functions;
  const std::unordered_map<uint64_t, arch::PltStub>& stubs;  ///< by stub address
};

/// A basic block: instructions [first, last] of FunctionCode::insns().
struct CodeBlock {
  size_t first = 0;
  size_t last = 0;  ///< inclusive
  std::vector<size_t> successors;
  /// It ends in a jump through a register or memory whose targets are not known.
  bool unresolved_jump = false;
};

class FunctionCode {
 public:
  /// A bound that keeps one pathological function from stalling the whole analysis;
  /// reaching it only makes values unknown (never drops code).
  static constexpr size_t kMaxInstructions = 1 << 17;

  /// How much of the function to decode.
  enum class Reach {
    Whole,      ///< the extent (swept when exact) and the code its jumps reach past it
    FromEntry,  ///< what control reaches from the entry, inside the extent when exact
  };

  FunctionCode(const CodeSource& source, const cfg::FunctionExtent& extent);

  /// Decodes the function and cuts it into blocks.
  void load(Reach reach);
  /// Decodes the function (the instructions in address order).
  void decode(Reach reach);
  /// Cuts the decoded code into blocks. Where literal pools (find_literal_pools) turn out
  /// to have been decoded, decodes again (as `reach` says) with the pools as barriers: a
  /// pool read as code can branch into the middle of another function (glibc's
  /// ttyname_r into readlink), and flow that ran through a pool reaches code the function
  /// never runs.
  void cut_into_blocks(Reach reach);

  const cfg::FunctionExtent& extent() const { return extent_; }
  const std::vector<arch::LiftedInsn>& insns() const { return insns_; }
  const std::vector<CodeBlock>& blocks() const { return blocks_; }
  /// The block starting at `address`, if one does.
  std::optional<size_t> block_at(uint64_t address) const;
  /// Whether an instruction was decoded at `address`.
  bool decoded(uint64_t address) const { return index_.count(address) != 0; }
  /// Whether a direct jump or branch of the function goes to `address`.
  bool is_branch_target(uint64_t address) const { return branch_targets_.count(address) != 0; }
  /// How many byte ranges did not decode as instructions.
  size_t undecodable() const { return undecodable_; }
  /// Whether the whole function decoded, within the bound.
  bool seen_whole() const { return insns_.size() < kMaxInstructions && undecodable_ == 0; }

  /// A jump target that belongs to another function (or a PLT stub): a tail call.
  bool is_foreign(uint64_t target) const;
  /// Whether `target` starts another function of the module (not a PLT stub).
  bool is_local_function(uint64_t target) const;
  /// Whether control may go from `insn` into other code for good: a jump out of the
  /// function or through a pointer, a conditional branch to another function's start
  /// (x86 `jb __chk_fail`), a switch case in another function.
  bool tail_calls(const arch::LiftedInsn& insn) const;
  /// The start of the function the last instruction of `b` runs into, unless that is
  /// the return of a call that does not return (__stack_chk_fail, abort), after padding
  /// or, where literal pools sit in the code, after the pool: compilers never let a
  /// returning call run into the next function, but hand-written code may fall through
  /// on purpose (glibc's __memmove_chk into __memmove).
  std::optional<uint64_t> falls_into_function(const CodeBlock& b) const;
  /// Whether control may leave the function at the end of `b` for code that reads its
  /// registers as inputs: a jump or branch to code outside the function's blocks, or
  /// running into the next function.
  bool leaves_function(const CodeBlock& b) const;
  /// Whether every instruction of `b` is padding.
  bool is_padding(const CodeBlock& b) const;
  /// Each block's place in reverse post-order from block `first`; the blocks it does not
  /// reach come after, in address order.
  std::vector<size_t> reverse_post_order(size_t first) const;
  /// The blocks as the register liveness reads them (live_at_entry).
  std::vector<LivenessBlock> liveness_blocks() const;

 private:
  uint64_t step() const;
  bool inside_decoded_instruction(uint64_t address) const;
  void decode_from(uint64_t address, uint64_t end);
  void decode_whole();
  void cut_blocks();
  bool find_literal_pools();
  bool in_pool(uint64_t begin, uint64_t end) const;

  CodeSource source_;
  cfg::FunctionExtent extent_;
  /// Where the lookup tables below keep their entries: one per instruction, freed all at
  /// once with the code (a large program's functions make tens of millions).
  std::pmr::monotonic_buffer_resource arena_;
  std::vector<arch::LiftedInsn> insns_;
  std::pmr::unordered_map<uint64_t, size_t> index_{&arena_};
  std::vector<CodeBlock> blocks_;
  std::pmr::unordered_map<uint64_t, size_t> block_at_{&arena_};
  std::pmr::unordered_set<uint64_t> branch_targets_{&arena_};
  std::map<uint64_t, uint64_t> pools_;  ///< literal pools found: start -> end
  size_t undecodable_ = 0;
};

}  // namespace sysfence::analysis
