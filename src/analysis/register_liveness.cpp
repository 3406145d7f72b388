#include "analysis/register_liveness.h"

namespace sysfence::analysis {
namespace {

using arch::Flow;
using arch::Reg;
using arch::Transfer;

/// What a block reads before writing it (`used`) and what it writes (`defined`).
struct UseDef {
  RegisterSet used;
  RegisterSet defined;

  void read(Reg r) {
    if (r != arch::kNoReg && !defined[r]) used[r] = true;
  }
  void read_all() { used |= ~defined; }
  void read_each(const std::vector<Reg>& registers) {
    for (Reg r : registers) read(r);
  }
  void write(Reg r) {
    if (r != arch::kNoReg) defined[r] = true;
  }
};

void add_transfer(UseDef& block, const Transfer& t) {
  if (t.keeps_old) block.read(t.dst);
  switch (t.op) {
    case Transfer::Op::Set: break;
    case Transfer::Op::Clobber: return;  // may leave the old value: no write
    case Transfer::Op::AddReg:
    case Transfer::Op::OrReg:
    case Transfer::Op::AndReg:
    case Transfer::Op::XorReg:
    case Transfer::Op::Store:
      block.read(t.src);
      block.read(t.src2);
      break;
    default: block.read(t.src); break;
  }
  block.write(t.dst);
}

UseDef use_def(const std::vector<arch::LiftedInsn>& insns, const LivenessBlock& b, const arch::Conventions& c,
               const CallClobbers& clobbers) {
  UseDef block;
  for (size_t i = b.first; i <= b.last; ++i) {
    const arch::LiftedInsn& insn = insns[i];
    for (Reg r : insn.opaque_reads) block.read(r);
    if (insn.memory) block.read(insn.memory->base);
    for (const Transfer& t : insn.transfers) add_transfer(block, t);
    block.read(insn.indirect.reg);
    if (insn.indirect.memory) block.read(insn.indirect.base);
    switch (insn.flow) {
      case Flow::Call:
      case Flow::IndirectCall:
        block.read_each(c.call_args);
        if (clobbers) {
          for (Reg r : clobbers(insn)) block.write(r);
        }
        break;
      case Flow::IndirectJump:
      case Flow::Syscall: block.read_all(); break;
      case Flow::Return: block.read(c.return_value); break;
      default: break;
    }
  }
  if (b.leaves_function) block.read_all();
  return block;
}

}  // namespace

std::vector<RegisterSet> live_at_entry(const std::vector<arch::LiftedInsn>& insns,
                                       const std::vector<LivenessBlock>& blocks, const arch::Conventions& conventions,
                                       const CallClobbers& clobbers) {
  std::vector<UseDef> summary;
  summary.reserve(blocks.size());
  for (const LivenessBlock& b : blocks) summary.push_back(use_def(insns, b, conventions, clobbers));
  std::vector<RegisterSet> live(blocks.size());
  for (size_t b = 0; b < blocks.size(); ++b) live[b] = summary[b].used;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t b = blocks.size(); b-- > 0;) {
      RegisterSet out;
      for (size_t succ : *blocks[b].successors) out |= live[succ];
      const RegisterSet in = summary[b].used | (out & ~summary[b].defined);
      if (in != live[b]) {
        live[b] = in;
        changed = true;
      }
    }
  }
  return live;
}

}  // namespace sysfence::analysis
