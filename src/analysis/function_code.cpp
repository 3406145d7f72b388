#include "analysis/function_code.h"

#include <algorithm>
#include <limits>

namespace sysfence::analysis {
namespace {

using arch::Flow;
using arch::LiftedInsn;
using arch::Transfer;

bool ends_block(const LiftedInsn& insn) {
  switch (insn.flow) {
    case Flow::Next:
    case Flow::Call:
    case Flow::IndirectCall:
    case Flow::Syscall:
      return false;
    default:
      return true;
  }
}

}  // namespace

bool falls_through(const LiftedInsn& insn) {
  switch (insn.flow) {
    case Flow::Jump:
    case Flow::IndirectJump:
    case Flow::Switch:
    case Flow::Return:
    case Flow::Stop:
      return insn.conditional;
    default:
      return true;
  }
}

bool is_padding_insn(const LiftedInsn& insn) {
  auto no_op = [](const Transfer& t) {
    return t.op == Transfer::Op::AddImm && t.dst == t.src && t.imm == 0 && t.width == 0;
  };
  return insn.flow == Flow::Next && std::all_of(insn.transfers.begin(), insn.transfers.end(), no_op);
}

FunctionCode::FunctionCode(const CodeSource& source, const cfg::FunctionExtent& extent)
    : source_(source), extent_(extent) {}

std::optional<size_t> FunctionCode::block_at(uint64_t address) const {
  auto it = block_at_.find(address);
  if (it == block_at_.end()) return std::nullopt;
  return it->second;
}

uint64_t FunctionCode::step() const {
  return extent_.thumb ? 2 : static_cast<uint64_t>(source_.conventions.instruction_step);
}

bool FunctionCode::inside_decoded_instruction(uint64_t address) const {
  constexpr uint64_t kMaxInstructionLength = 15;  // x86-64; 4 elsewhere
  for (uint64_t back = 1; back < kMaxInstructionLength && back <= address; ++back) {
    auto known = index_.find(address - back);
    if (known != index_.end() && insns_[known->second].next > address) return true;
  }
  return false;
}

/// Decodes from `address`: linearly to `end`, or (end 0) until control leaves.
void FunctionCode::decode_from(uint64_t address, uint64_t end) {
  uint64_t at = address;
  while (insns_.size() < kMaxInstructions && (end == 0 || at < end)) {
    if (auto known = index_.find(at); known != index_.end()) {
      if (end == 0) return;             // following flow: joined code decoded before
      at = insns_[known->second].next;  // sweeping: step over it
      continue;
    }
    // Decoding stops at another function's start; whether control really runs into
    // it (a tail call) or not (after a call that does not return) is for
    // falls_into_function to say.
    if (end == 0 && at != extent_.start && source_.functions.is_start(at)) return;
    // Compiled code never jumps into the middle of an instruction: a path that does
    // runs through data decoded as code (a literal pool after a call that does not
    // return, in stripped Thumb code), and decoding it would split the real
    // instruction's block and cut the function's flow there.
    if (end == 0 && inside_decoded_instruction(at)) return;
    if (in_pool(at, at + step())) {  // data, not code: flow never runs into it
      if (end == 0) return;
      at += step();
      continue;
    }
    auto code = source_.memory.code_from(at);
    if (code.empty()) return;
    auto insn = source_.lifter.lift(code, at, extent_.thumb);
    // An ARM function in Thumb code (static glibc's memmove, whose `addne pc, pc, ip`
    // has it swept) ends where its bytes stop decoding as ARM: what follows is Thumb
    // code, whose calls read as ARM would lead into more misdecoded code.
    if (!insn && end != 0 && !extent_.thumb && source_.functions.thumb_at(at)) return;
    if (!insn) {
      ++undecodable_;
      LiftedInsn stop;
      stop.address = at;
      stop.next = at + step();
      stop.flow = Flow::Stop;
      insn = stop;
    }
    if (in_pool(at, insn->next)) {  // an instruction that runs into a pool is none
      if (end == 0) return;
      at += step();
      continue;
    }
    index_.emplace(at, insns_.size());
    insns_.push_back(std::move(*insn));
    const LiftedInsn& last = insns_.back();
    at = last.next;
    if (end == 0 && !falls_through(last)) {
      return;
    }
  }
}

bool FunctionCode::tail_calls(const LiftedInsn& insn) const {
  if (insn.flow == Flow::IndirectJump) return true;
  if (insn.flow == Flow::Jump && (!insn.target || is_foreign(*insn.target))) return true;
  if (insn.flow == Flow::Branch && insn.target && is_foreign(*insn.target)) return true;
  return std::any_of(insn.cases.begin(), insn.cases.end(), [&](uint64_t c) { return is_foreign(c); });
}

bool FunctionCode::is_foreign(uint64_t target) const {
  if (target == extent_.start) return false;
  return source_.functions.is_start(target) || source_.stubs.count(target) || !source_.memory.is_code(target);
}

bool FunctionCode::is_local_function(uint64_t target) const {
  return target != extent_.start && source_.functions.is_start(target) && source_.stubs.count(target) == 0;
}

void FunctionCode::load(Reach reach) {
  decode(reach);
  cut_into_blocks(reach);
}

void FunctionCode::decode(Reach reach) {
  if (reach == Reach::FromEntry) {
    decode_from(extent_.start, extent_.exact ? extent_.end : 0);  // forward only: in address order
  } else {
    decode_whole();
  }
}

void FunctionCode::decode_whole() {
  if (extent_.exact) {
    decode_from(extent_.start, extent_.end);
  } else {
    // A guessed extent may run far past the function (stripped busybox: 64 KiB):
    // follow control flow instead, and sweep linearly only when a switch table needs it.
    decode_from(extent_.start, 0);
  }
  // Code past the extent: out-of-line parts (GCC's .cold blocks) reached by jumps, and
  // code an unwind table leaves out (glibc's clone3 ends its FDE before the syscall
  // so that the child thread has no unwind information).
  bool swept = extent_.exact;
  const arch::Conventions& c = source_.conventions;
  for (size_t i = 0; i < insns_.size() && insns_.size() < kMaxInstructions; ++i) {
    // What decoding from here needs of the instruction, read before decoding moves it.
    const LiftedInsn& insn = insns_[i];
    const Flow flow = insn.flow;
    const std::optional<uint64_t> target = insn.target;
    const uint64_t next = insn.next;
    const bool goes_on = falls_through(insn);
    const bool may_be_table = !(c.register_jumps_are_calls && insn.indirect.reg != arch::kNoReg);
    const std::vector<uint64_t> cases = insn.cases;
    if ((flow == Flow::Jump || flow == Flow::Branch) && target && !index_.count(*target) &&
        !is_foreign(*target)) {
      decode_from(*target, 0);
    }
    if (goes_on && !index_.count(next) && !source_.functions.is_start(next)) {
      decode_from(next, 0);
    }
    for (uint64_t case_target : cases) {
      if (!index_.count(case_target) && !is_foreign(case_target)) decode_from(case_target, 0);
    }
    if (!extent_.exact && flow == Flow::IndirectJump && may_be_table && !swept) {
      swept = true;
      decode_from(extent_.start, extent_.end);
    }
  }
  std::vector<size_t> order(insns_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return insns_[a].address < insns_[b].address; });
  std::vector<LiftedInsn> sorted;
  sorted.reserve(insns_.size());
  for (size_t i : order) sorted.push_back(std::move(insns_[i]));
  insns_ = std::move(sorted);
  index_.clear();
  for (size_t i = 0; i < insns_.size(); ++i) index_.emplace(insns_[i].address, i);
}

void FunctionCode::cut_into_blocks(Reach reach) {
  constexpr int kMaxDecodings = 3;
  for (int decoding = 1;; ++decoding) {
    cut_blocks();
    if (decoding == kMaxDecodings || !find_literal_pools()) return;
    insns_.clear();
    index_.clear();
    blocks_.clear();
    block_at_.clear();
    branch_targets_.clear();
    undecodable_ = 0;
    decode(reach);
  }
}

/// Adds to `pools_` the words this function's pc-relative loads read (ARM keeps
/// constants in the code, after a call that does not return or between a function's
/// parts). Only loads of instructions the entry reaches by direct edges count, taken
/// in address order so that an instruction decoded from a pool already known names
/// none. True when a decoded instruction overlaps a pool.
bool FunctionCode::find_literal_pools() {
  if (!source_.conventions.literal_pools_in_code || blocks_.empty()) return false;
  std::vector<bool> reached(blocks_.size(), false);
  std::vector<size_t> work = {block_at(extent_.start).value_or(0)};
  reached[work.front()] = true;
  while (!work.empty()) {
    const size_t b = work.back();
    work.pop_back();
    for (size_t succ : blocks_[b].successors) {
      if (!reached[succ]) {
        reached[succ] = true;
        work.push_back(succ);
      }
    }
  }
  for (size_t b = 0; b < blocks_.size(); ++b) {  // blocks_ and their instructions are in address order
    if (!reached[b]) continue;
    for (size_t i = blocks_[b].first; i <= blocks_[b].last; ++i) {
      const LiftedInsn& insn = insns_[i];
      if (in_pool(insn.address, insn.next)) continue;
      for (const Transfer& t : insn.transfers) {
        if (t.op == Transfer::Op::Load && t.src == arch::kNoReg && t.width > 0 &&
            source_.memory.is_code(static_cast<uint64_t>(t.imm))) {
          const auto at = static_cast<uint64_t>(t.imm);
          pools_[at] = std::max(pools_[at], at + t.width);
        }
      }
    }
  }
  return std::any_of(insns_.begin(), insns_.end(),
                     [&](const LiftedInsn& insn) { return in_pool(insn.address, insn.next); });
}

bool FunctionCode::in_pool(uint64_t begin, uint64_t end) const {
  auto it = pools_.lower_bound(end);
  return it != pools_.begin() && std::prev(it)->second > begin;
}

void FunctionCode::cut_blocks() {
  std::vector<bool> leader(insns_.size(), false);
  if (!insns_.empty()) leader[0] = true;
  auto mark = [&](uint64_t address) {
    if (auto it = index_.find(address); it != index_.end()) leader[it->second] = true;
  };
  mark(extent_.start);
  for (size_t i = 0; i < insns_.size(); ++i) {
    const LiftedInsn& insn = insns_[i];
    if (insn.target && (insn.flow == Flow::Branch || insn.flow == Flow::Jump)) {
      mark(*insn.target);
      branch_targets_.insert(*insn.target);
    }
    for (uint64_t target : insn.cases) {
      mark(target);
      branch_targets_.insert(target);
    }
    if (ends_block(insn) || insn.conditional) mark(insn.next);
    if (i + 1 < insns_.size() && insns_[i + 1].address != insn.next) leader[i + 1] = true;
  }
  for (size_t i = 0; i < insns_.size(); ++i) {
    if (leader[i]) {
      block_at_.emplace(insns_[i].address, blocks_.size());
      blocks_.push_back({i, i});
    } else {
      blocks_.back().last = i;
    }
  }
  for (CodeBlock& b : blocks_) {
    const LiftedInsn& end = insns_[b.last];
    auto edge = [&](uint64_t address) {
      if (auto it = block_at_.find(address); it != block_at_.end()) b.successors.push_back(it->second);
    };
    switch (end.flow) {
      case Flow::Branch:
        if (end.target) edge(*end.target);
        edge(end.next);
        break;
      case Flow::Jump:
        if (end.target && !is_foreign(*end.target)) edge(*end.target);
        if (end.conditional) edge(end.next);
        break;
      case Flow::IndirectJump:
        b.unresolved_jump = true;  // constant targets are recorded as calls; the rest seed orphans
        if (end.conditional) edge(end.next);
        break;
      case Flow::Switch:
        // A case in another function is a tail call (recorded by the analysis).
        for (uint64_t target : end.cases) {
          if (!is_foreign(target)) edge(target);
        }
        if (end.conditional) edge(end.next);
        break;
      case Flow::Return:
      case Flow::Stop:
        if (end.conditional) edge(end.next);
        break;
      default:
        edge(end.next);
        break;
    }
  }
}

std::optional<uint64_t> FunctionCode::falls_into_function(const CodeBlock& b) const {
  const LiftedInsn& last = insns_[b.last];
  if (!falls_through(last)) return std::nullopt;
  if (last.next == extent_.start || !source_.functions.is_start(last.next)) return std::nullopt;
  for (size_t i = b.last + 1; i-- > b.first;) {
    const LiftedInsn& insn = insns_[i];
    if (insn.flow == Flow::Call || insn.flow == Flow::IndirectCall) return std::nullopt;
    const bool padding = is_padding_insn(insn);
    if (!padding && !source_.conventions.literal_pools_in_code) break;
  }
  // Padding no branch goes to, right after an instruction control never passes (Go's
  // word 0 after runtime.panicIndex's jump to goPanicIndex, inside the extent Go's
  // function table gives it), is never run.
  if (is_padding(b) && b.first > 0 && !is_branch_target(insns_[b.first].address)) {
    const LiftedInsn& before = insns_[b.first - 1];
    if (before.next == insns_[b.first].address && !falls_through(before)) return std::nullopt;
  }
  return last.next;
}

bool FunctionCode::leaves_function(const CodeBlock& b) const {
  const LiftedInsn& last = insns_[b.last];
  if ((last.flow == Flow::Jump || last.flow == Flow::Branch) &&
      (!last.target || !block_at_.count(*last.target))) {
    return true;
  }
  if (std::any_of(last.cases.begin(), last.cases.end(), [&](uint64_t c) { return !block_at_.count(c); }))
    return true;
  return falls_into_function(b).has_value();
}

bool FunctionCode::is_padding(const CodeBlock& b) const {
  for (size_t i = b.first; i <= b.last; ++i) {
    if (!is_padding_insn(insns_[i])) return false;
  }
  return true;
}

std::vector<size_t> FunctionCode::reverse_post_order(size_t first) const {
  constexpr size_t kUnranked = std::numeric_limits<size_t>::max();
  std::vector<size_t> rank(blocks_.size(), kUnranked);
  std::vector<bool> seen(blocks_.size(), false);
  std::vector<size_t> post_order;
  std::vector<std::pair<size_t, size_t>> path = {{first, 0}};  // block, next successor
  seen[first] = true;
  while (!path.empty()) {
    auto& [b, next] = path.back();
    if (next < blocks_[b].successors.size()) {
      const size_t succ = blocks_[b].successors[next++];
      if (!seen[succ]) {
        seen[succ] = true;
        path.push_back({succ, 0});
      }
      continue;
    }
    post_order.push_back(b);
    path.pop_back();
  }
  size_t n = 0;
  for (auto it = post_order.rbegin(); it != post_order.rend(); ++it) rank[*it] = n++;
  for (size_t b = 0; b < blocks_.size(); ++b) {
    if (rank[b] == kUnranked) rank[b] = n++;
  }
  return rank;
}

std::vector<LivenessBlock> FunctionCode::liveness_blocks() const {
  std::vector<LivenessBlock> spans;
  spans.reserve(blocks_.size());
  for (const CodeBlock& b : blocks_) spans.push_back({b.first, b.last, &b.successors, leaves_function(b)});
  return spans;
}

}  // namespace sysfence::analysis
