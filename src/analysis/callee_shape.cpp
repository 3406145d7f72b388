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
/// where it did not decode whole.
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

/// How many of the stack parameters (Conventions::stack_params) this function may
/// read: up to the highest a constant
/// offset from the stack pointer reaches, or a syscall's stack arguments; all of them
/// where it does not decode whole, computes an address at or above the one it was
/// entered with (varargs), moves the stack pointer in a way other than by a constant,
/// or passes them on (a jump out of it: a tail call).
size_t stack_parameters_read(const FunctionCode& code, const arch::Conventions& c,
                             std::optional<size_t> entry) {
  const size_t all = c.stack_params.size();
  const std::vector<LiftedInsn>& insns = code.insns();
  const std::vector<CodeBlock>& blocks = code.blocks();
  if (!entry || insns.size() >= FunctionCode::kMaxInstructions) return all;
  const Reg sp_reg = c.stack_pointer;
  size_t read = 0;
  auto note = [&](int64_t offset, int64_t width) {
    for (size_t k = 0; k < all; ++k) {
      if (c.stack_params[k] < offset + width && offset < c.stack_params[k] + c.pointer_size)
        read = std::max(read, k + 1);
    }
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
      if (insn.memory && insn.memory->base == sp_reg) note(sp + insn.memory->disp, arch::kMaxAccessWidth);
      if (insn.indirect.memory && insn.indirect.base == sp_reg) note(sp + insn.indirect.disp, c.pointer_size);
      for (const Transfer& t : insn.transfers) {
        const bool base = t.src == sp_reg && t.accesses_memory() && t.src2 != sp_reg;
        if (t.dst == sp_reg) {
          if (t.op != Transfer::Op::AddImm || t.src != sp_reg || t.keeps_old) return all;
          sp += t.imm;
        } else if (base) {
          note(sp + t.imm, t.width);
        } else if (t.op == Transfer::Op::AddImm && t.src == sp_reg) {
          if (sp + t.imm >= 0) return all;  // the address of what the caller passed
        } else if (t.src == sp_reg || t.src2 == sp_reg) {
          return all;
        }
      }
      if (insn.flow == Flow::Syscall) {
        for (int64_t at : c.syscall_stack_args) note(sp + at, c.pointer_size);
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
  return read;
}

}  // namespace

CalleeShape describe_callee(const FunctionCode& code, const arch::Conventions& c,
                            const TailCalleeReturns& tail_callee_returns) {
  const std::optional<size_t> whole_entry =
      code.undecodable() != 0 ? std::nullopt : code.block_at(code.extent().start);
  CalleeShape shape;
  shape.returns = !code.first_decoding_whole() || may_return(code, tail_callee_returns);
  shape.stack_arguments = stack_parameters_read(code, c, whole_entry);
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
