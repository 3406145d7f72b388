#include "analysis/computed_addresses.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace sysfence::analysis {
namespace {

using arch::Flow;
using arch::LiftedInsn;
using arch::Reg;
using arch::Transfer;

/// What the pass knows of a register: a constant, and whether it is already an address
/// an addition formed (so adding to it again gives a field, not an object).
struct Known {
  std::optional<uint64_t> value;
  bool formed = false;
};

class AddressScan {
 public:
  AddressScan(const program::Module& module, const arch::Backend& backend, arch::Lifter& lifter,
              const MemoryView& memory, std::optional<uint64_t> global_pointer)
      : c_(backend.conventions()),
        lifter_(lifter),
        memory_(memory),
        global_pointer_(global_pointer),
        page_slots_(backend.implicit_relative_slots(module.elf())),
        regs_(backend.register_count()),
        mask_(c_.pointer_size == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * c_.pointer_size)) - 1) {}

  void scan(const cfg::FunctionExtent& f, std::vector<uint64_t>& out) {
    std::vector<LiftedInsn> insns = lift(f);
    if (c_.literal_pools_in_code) insns = reached_from_entry(std::move(insns), f.start);
    std::unordered_set<uint64_t> targets;
    for (const LiftedInsn& insn : insns) {
      if (insn.target) targets.insert(*insn.target);
      targets.insert(insn.cases.begin(), insn.cases.end());
    }
    forget_all();
    for (const LiftedInsn& insn : insns) {
      if (targets.count(insn.address)) forget_all();
      for (const Transfer& t : insn.transfers) {
        apply(t, out);
        // An ARM conditional write may leave the old value: the register is either.
        if (t.keeps_old) forget(t.dst);
      }
      switch (insn.flow) {
        case Flow::Call:
        case Flow::IndirectCall:
          for (Reg r : c_.call_clobbered) forget(r);
          forget(c_.return_value);
          break;
        case Flow::Syscall:
          for (Reg r : c_.syscall_clobbered) forget(r);
          forget(c_.return_value);
          break;
        case Flow::Next:
        case Flow::Branch: break;
        default: forget_all(); break;  // what follows is entered from elsewhere, if at all
      }
    }
  }

 private:
  /// The instructions from the function's start to its end, in address order; bytes
  /// that do not decode, and ARM literal-pool words the function loads, are skipped.
  std::vector<LiftedInsn> lift(const cfg::FunctionExtent& f) {
    std::vector<LiftedInsn> insns;
    std::unordered_set<uint64_t> pool;
    const uint64_t step = f.thumb ? 2 : static_cast<uint64_t>(c_.instruction_step);
    for (uint64_t at = f.start; at < f.end;) {
      if (pool.count(at)) {
        at += 4;
        continue;
      }
      auto code = memory_.code_from(at);
      if (code.empty()) break;
      code = code.first(std::min<uint64_t>(code.size(), f.end + 8 - at));  // MIPS: the delay slot
      std::optional<LiftedInsn> insn = lifter_.lift(code, at, f.thumb);
      if (!insn || insn->next <= at) {
        at += step;
        continue;
      }
      for (const Transfer& t : insn->transfers) {
        if (c_.literal_pools_in_code && t.op == Transfer::Op::Load && t.src == arch::kNoReg &&
            memory_.is_code(static_cast<uint64_t>(t.imm))) {
          for (int b = 0; b < t.width; b += 4) pool.insert(static_cast<uint64_t>(t.imm) + b);
        }
      }
      at = insn->next;
      insns.push_back(std::move(*insn));
    }
    return insns;
  }

  /// The instructions control reaches from the function's entry: where literal pools
  /// sit in the code, a pool word no load names would otherwise decode as code.
  static std::vector<LiftedInsn> reached_from_entry(std::vector<LiftedInsn> insns, uint64_t entry) {
    std::unordered_map<uint64_t, size_t> at;
    for (size_t i = 0; i < insns.size(); ++i) at.emplace(insns[i].address, i);
    std::vector<bool> reached(insns.size(), false);
    std::vector<size_t> work;
    auto reach = [&](uint64_t address) {
      auto it = at.find(address);
      if (it != at.end() && !reached[it->second]) {
        reached[it->second] = true;
        work.push_back(it->second);
      }
    };
    reach(entry);
    while (!work.empty()) {
      const LiftedInsn& insn = insns[work.back()];
      work.pop_back();
      if (insn.target) reach(*insn.target);
      for (uint64_t c : insn.cases) reach(c);
      switch (insn.flow) {
        case Flow::Next:
        case Flow::Branch:
        case Flow::Call:
        case Flow::IndirectCall:
        case Flow::Syscall: reach(insn.next); break;
        default:
          if (insn.conditional) reach(insn.next);
          break;
      }
    }
    std::vector<LiftedInsn> out;
    for (size_t i = 0; i < insns.size(); ++i) {
      if (reached[i]) out.push_back(std::move(insns[i]));
    }
    return out;
  }

  void apply(const Transfer& t, std::vector<uint64_t>& out) {
    switch (t.op) {
      case Transfer::Op::Set: set(t.dst, {static_cast<uint64_t>(t.imm) & mask_, false}); break;
      case Transfer::Op::AddImm: add(t, get(t.src), Known{static_cast<uint64_t>(t.imm), false}, out); break;
      case Transfer::Op::AddReg: add(t, get(t.src), get(t.src2), out); break;
      case Transfer::Op::Load: set(t.dst, load(t)); break;
      case Transfer::Op::Store:
      case Transfer::Op::Forget:
      case Transfer::Op::Scribble: break;
      default: forget(t.dst); break;
    }
  }

  /// dst = a + b; a data address when neither input was an address already.
  void add(const Transfer& t, const Known& a, const Known& b, std::vector<uint64_t>& out) {
    if (!a.value || !b.value) {
      forget(t.dst);
      return;
    }
    const uint64_t width_mask = t.width == 0 || t.width >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * t.width)) - 1;
    const uint64_t sum = (*a.value + *b.value) & mask_ & width_mask;
    const bool formed = a.formed || b.formed;
    if (!formed && memory_.is_data(sum)) out.push_back(sum);
    set(t.dst, {sum, true});
  }

  /// A load from a constant address of memory that cannot change: a GOT entry holds a
  /// whole address (an object's, so an addition to it gives a member), except MIPS's
  /// local entries, which hold pages for `addiu` to complete; a literal-pool word is an
  /// offset, no address yet.
  Known load(const Transfer& t) {
    const Known base = t.src == arch::kNoReg ? Known{0, false} : get(t.src);
    if (!base.value) return {};
    const uint64_t at = (*base.value + static_cast<uint64_t>(t.imm)) & mask_;
    if (auto got = memory_.got_address(at)) {
      return {*got, !std::binary_search(page_slots_.begin(), page_slots_.end(), at)};
    }
    const Value v = memory_.load(at, t.width, t.sign_extend);
    if (auto single = v.single()) return {*single & mask_, false};
    return {};
  }

  Known get(Reg r) const { return r == arch::kNoReg || r >= regs_.size() ? Known{} : regs_[r]; }

  void set(Reg r, Known k) {
    if (r == arch::kNoReg || r >= regs_.size()) return;
    // The ABI keeps the module's global pointer in its register; a function's prologue
    // recomputes it from t9 and its .cprestore reloads it, both the same value.
    if (r == c_.global_pointer && global_pointer_) return;
    regs_[r] = k;
  }
  void forget(Reg r) { set(r, {}); }
  void forget_all() {
    std::fill(regs_.begin(), regs_.end(), Known{});
    if (c_.global_pointer != arch::kNoReg && global_pointer_) regs_[c_.global_pointer] = {*global_pointer_, false};
  }

  const arch::Conventions& c_;
  arch::Lifter& lifter_;
  const MemoryView& memory_;
  std::optional<uint64_t> global_pointer_;
  std::vector<uint64_t> page_slots_;  ///< Backend::implicit_relative_slots, ascending
  std::vector<Known> regs_;
  uint64_t mask_;
};

}  // namespace

std::vector<uint64_t> computed_data_addresses(const program::Module& module, const arch::Backend& backend,
                                              arch::Lifter& lifter, const MemoryView& memory,
                                              const cfg::FunctionIndex& index,
                                              std::optional<uint64_t> global_pointer) {
  std::vector<uint64_t> out;
  if (backend.conventions().addresses_in_one_instruction) return out;
  AddressScan scan(module, backend, lifter, memory, global_pointer);
  for (const cfg::FunctionExtent& f : index.extents()) {
    // Where literal pools sit between functions, a guessed extent may run into one.
    if (!f.exact && backend.conventions().literal_pools_in_code) continue;
    scan.scan(f, out);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace sysfence::analysis
