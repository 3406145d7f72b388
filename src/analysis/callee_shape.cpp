#include "analysis/callee_shape.h"

#include <algorithm>
#include <optional>

namespace sysfence::analysis {
namespace {

using arch::Flow;
using arch::LiftedInsn;
using arch::Reg;
using arch::Transfer;

/// Whether a tail call may come back to the caller: false only for a jump or branch to
/// the start of a function of the module that never returns (Go's runtime.panicIndex
/// jumps to goPanicIndex, which panics).
bool tail_call_may_return(const FunctionCode& code, const LiftedInsn& end, const TailCalleeReturns& returns) {
  if (end.flow != Flow::Jump && end.flow != Flow::Branch) return true;
  if (!end.target || !end.cases.empty() || !code.is_local_function(*end.target)) return true;
  return returns(*end.target, end.target_thumb.value_or(code.extent().thumb));
}

/// Whether some path of the decoded function leaves it back to a caller: true too
/// where it did not decode whole. Literal pools (FunctionCode) are data, not code that
/// failed to decode: Go's ARM goPanicIndex, which panics, ends in one whose words are no
/// instructions. This rests on the pools the function's own loads name, as its own
/// analysis does (a word loaded pc-relative is data, never a return path).
bool may_return(const FunctionCode& code, const TailCalleeReturns& returns) {
  if (!code.seen_whole()) return true;
  for (const CodeBlock& b : code.blocks()) {
    const LiftedInsn& end = code.insns()[b.last];
    if (end.flow == Flow::Return || code.falls_into_function(b)) return true;
    if (code.tail_calls(end) && tail_call_may_return(code, end, returns)) return true;
  }
  return false;
}

/// The argument registers live at the entry of the decoded function (its entry block
/// `entry`, none where it did not decode whole): all of them without one.
std::vector<Reg> arguments_read(const FunctionCode& code, const arch::Conventions& c,
                                std::optional<size_t> entry) {
  if (!entry) return c.call_args;
  // Calls kill nothing: what a callee reads, without asking its own callees.
  const std::vector<RegisterSet> live = live_at_entry(code.insns(), code.liveness_blocks(), c);
  std::vector<Reg> read;
  for (Reg r : c.call_args) {
    if (live[*entry][r]) read.push_back(r);
  }
  return read;
}

/// What a function does with its caller's part of the stack, from its entry's stack
/// pointer up.
struct StackUse {
  size_t parameters_read = 0;  ///< how many of Conventions::stack_params it may read
  int64_t bytes_written = 0;   ///< how many bytes from the entry's stack pointer up it may write
};

/// How many of the stack parameters (Conventions::stack_params) this function may read,
/// up to the highest a constant offset from the stack pointer reaches, or a syscall's
/// stack arguments; and how far up its stores there reach (an access the lifted form does
/// not model as wide as the widest). All of them, and any byte, where it does not decode
/// whole, computes an address at or above the one it was entered with (varargs), moves the
/// stack pointer in a way other than by a constant, or passes them on (a jump out of it:
/// a tail call).
StackUse stack_use(const FunctionCode& code, const arch::Conventions& c, std::optional<size_t> entry) {
  const size_t all_parameters = c.stack_params.size();
  const StackUse all{all_parameters, CalleeShape::kAnyStackWrite};
  const std::vector<LiftedInsn>& insns = code.insns();
  const std::vector<CodeBlock>& blocks = code.blocks();
  if (!entry || insns.size() >= FunctionCode::kMaxInstructions) return all;
  const Reg sp_reg = c.stack_pointer;
  StackUse use;
  auto read = [&](int64_t offset, int64_t width) {
    for (size_t k = 0; k < all_parameters; ++k) {
      if (c.stack_params[k] < offset + width && offset < c.stack_params[k] + c.pointer_size)
        use.parameters_read = std::max(use.parameters_read, k + 1);
    }
  };
  auto write = [&](int64_t offset, int64_t width) {
    use.bytes_written = std::max(use.bytes_written, offset + width);
  };
  // The stack pointer's offset from its value at entry, at each block's entry.
  std::vector<std::optional<int64_t>> sp_at(blocks.size());
  sp_at[*entry] = 0;
  std::vector<size_t> work = {*entry};
  while (!work.empty()) {
    const CodeBlock& b = blocks[work.back()];
    int64_t sp = *sp_at[work.back()];
    work.pop_back();
    if (b.unresolved_jump || code.leaves_function(b)) return all;
    for (size_t i = b.first; i <= b.last; ++i) {
      const LiftedInsn& insn = insns[i];
      if (std::find(insn.opaque_reads.begin(), insn.opaque_reads.end(), sp_reg) != insn.opaque_reads.end())
        return all;
      if (insn.memory && insn.memory->base == sp_reg) {
        read(sp + insn.memory->disp, arch::kMaxAccessWidth);
        const bool modelled =
            std::any_of(insn.transfers.begin(), insn.transfers.end(),
                        [&](const Transfer& t) { return t.accesses_memory() && t.src == sp_reg; });
        if (!modelled) write(sp + insn.memory->disp, arch::kMaxAccessWidth);
      }
      if (insn.indirect.memory && insn.indirect.base == sp_reg) read(sp + insn.indirect.disp, c.pointer_size);
      for (const Transfer& t : insn.transfers) {
        const bool base = t.src == sp_reg && t.accesses_memory() && t.src2 != sp_reg;
        if (t.dst == sp_reg) {
          if (t.op != Transfer::Op::AddImm || t.src != sp_reg || t.keeps_old) return all;
          sp += t.imm;
        } else if (base) {
          read(sp + t.imm, t.width);
          if (t.op != Transfer::Op::Load) write(sp + t.imm, t.width);
        } else if (t.op == Transfer::Op::AddImm && t.src == sp_reg) {
          if (sp + t.imm >= 0) return all;  // the address of what the caller passed
        } else if (t.src == sp_reg || t.src2 == sp_reg) {
          return all;
        }
      }
      if (insn.flow == Flow::Syscall) {
        for (int64_t at : c.syscall_stack_args) read(sp + at, c.pointer_size);
      }
    }
    for (size_t succ : b.successors) {
      if (!sp_at[succ]) {
        sp_at[succ] = sp;
        work.push_back(succ);
      } else if (*sp_at[succ] != sp) {
        return all;
      }
    }
  }
  return use;
}

}  // namespace

CalleeShape describe_callee(const FunctionCode& code, const arch::Conventions& c,
                            const TailCalleeReturns& tail_callee_returns) {
  const std::optional<size_t> whole_entry =
      code.undecodable() != 0 ? std::nullopt : code.block_at(code.extent().start);
  CalleeShape shape;
  shape.returns = may_return(code, tail_callee_returns);
  const StackUse stack = stack_use(code, c, whole_entry);
  shape.stack_arguments = stack.parameters_read;
  shape.stack_written = stack.bytes_written;
  shape.arguments = arguments_read(code, c, whole_entry);
  return shape;
}

std::vector<Reg> leaf_clobbers(FunctionCode& code, const arch::Conventions& c) {
  constexpr size_t kMaxLeafInstructions = 64;
  const cfg::FunctionExtent& extent = code.extent();
  if (extent.exact && extent.end - extent.start > kMaxLeafInstructions * 4) return c.call_clobbered;
  const auto small_and_whole = [&] {
    return code.insns().size() <= kMaxLeafInstructions && code.undecodable() == 0;
  };
  code.decode(FunctionCode::Reach::FromEntry);
  if (!small_and_whole()) return c.call_clobbered;
  code.cut_into_blocks(FunctionCode::Reach::FromEntry);
  if (!small_and_whole()) return c.call_clobbered;
  RegisterSet written;
  for (const CodeBlock& b : code.blocks()) {
    if (code.falls_into_function(b)) return c.call_clobbered;
  }
  for (const LiftedInsn& insn : code.insns()) {
    switch (insn.flow) {
      case Flow::Call:
      case Flow::IndirectCall:
      case Flow::IndirectJump:
      case Flow::Switch:
        return c.call_clobbered;
      case Flow::Jump:
      case Flow::Branch:
        // Out of the function, or to code the decoding from the entry did not reach.
        if (!insn.target || code.is_foreign(*insn.target) || !code.decoded(*insn.target)) {
          return c.call_clobbered;
        }
        break;
      case Flow::Syscall:
        written[c.return_value] = true;
        for (Reg r : c.syscall_clobbered) written[r] = true;
        break;
      default:
        break;
    }
    for (const Transfer& t : insn.transfers) {
      if (t.dst != arch::kNoReg) written[t.dst] = true;
    }
  }
  if (c.link_register != arch::kNoReg) written[c.link_register] = true;
  std::vector<Reg> clobbered;
  for (Reg r : c.call_clobbered) {
    if (written[r]) clobbered.push_back(r);
  }
  return clobbered;
}

}  // namespace sysfence::analysis
