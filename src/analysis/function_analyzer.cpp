#include "analysis/function_analyzer.h"

#include <algorithm>
#include <limits>
#include <map>
#include <queue>
#include <unordered_set>

#include "analysis/abstract_state.h"
#include "analysis/facts_cache.h"
#include "analysis/function_code.h"
#include "analysis/register_liveness.h"
#include "analysis/syscall_names.h"

namespace sysfence::analysis {
namespace {

using arch::Flow;
using arch::LiftedInsn;
using arch::Reg;
using arch::Transfer;

// A bound that keeps one pathological function from stalling the whole analysis (with
// FunctionCode::kMaxInstructions); hitting it only makes values unknown (never drops code).
constexpr int kMaxVisits = 24;
/// Where the analysis cannot tell which registers code reads (an unresolved jump).
const RegisterSet kAllRegisters = RegisterSet().set();
// How much of a stack object passed by address a call records (glibc's struct
// clone_args is 88 bytes, its setxid command 40), and at most how many of its fields.
constexpr int64_t kMaxPassedObject = 512;
constexpr size_t kMaxPassedFields = 64;
}  // namespace

/// One analysis of one function: decoding, the fixpoint, and the recording pass.
class FunctionAnalyzer::Run {
 public:
  /// `private_below`: slots of the frame below this offset are the function's own, out
  /// of reach of other code (see join_into).
  /// `code`: the function, loaded whole.
  Run(const FunctionAnalyzer& owner, const FunctionCode& code, int64_t private_below = 0)
      : o_(owner),
        c_(owner.backend_.conventions()),
        extent_(code.extent()),
        bits_(c_.pointer_size * 8),
        registers_(owner.backend_.register_count()),
        code_(code),
        private_below_(private_below),
        frame_(c_, owner.memory_.big_endian()) {}

  FunctionFacts run() {
    facts_.start = extent_.start;
    facts_.end = extent_.end;
    facts_.thumb = extent_.thumb;
    facts_.undecodable = code_.undecodable();
    states_.resize(code_.blocks().size());
    find_live_registers();
    fixpoint();
    record();
    // The facts of every function stay until the program is done: no spare capacity.
    facts_.calls.shrink_to_fit();
    facts_.syscalls.shrink_to_fit();
    return std::move(facts_);
  }

  /// After run(): where the frame turned out to be in reach of other code from, when a
  /// join took a slot at or above that as private; the function is to be analysed again
  /// with only the slots below it private.
  std::optional<int64_t> private_bound_too_high() const {
    if (highest_private_join_ <= exposed_from_) return std::nullopt;
    return exposed_from_;
  }

 private:
  /// What the fixpoint knows at the entry of a block of code_.
  struct BlockState {
    State entry;
    int visits = 0;
  };

  /// Whether a call of `target` calls code of this module that the analysis decodes.
  bool is_local_code(uint64_t target) const {
    const arch::CodePointer p = o_.backend_.code_pointer(target);
    return !o_.stubs_.count(p.address) && o_.memory_.is_code(p.address);
  }

  // ---- abstract semantics ---------------------------------------------------------

  State entry_state() const {
    State s;
    s.reached = true;
    s.regs.assign(registers_, Value::unknown());
    // Every register is an input: glibc's armhf __libc_do_syscall takes the syscall
    // number in ip (r12), outside the argument registers.
    for (Reg r = 0; r < registers_; ++r) s.regs[r] = Value::parameter(static_cast<uint8_t>(kRegisterParameter + r));
    for (Reg r : c_.not_inputs) s.regs[r] = Value::unknown();
    s.regs[c_.stack_pointer] = Value::stack(0);
    for (size_t i = 0; i < c_.call_args.size(); ++i) s.regs[c_.call_args[i]] = Value::parameter(static_cast<uint8_t>(i));
    for (const auto& [reg, value] : o_.backend_.entry_values(extent_.start)) s.regs[reg] = Value::constant(value);
    if (o_.global_pointer_) s.regs[c_.global_pointer] = Value::constant(*o_.global_pointer_);
    return s;
  }

  Value address_of(const State& s, Reg base, int64_t disp) const {
    if (base == arch::kNoReg) return Value::constant(static_cast<uint64_t>(disp) & mask_of(bits_));
    return s.regs[base].add(disp, bits_);
  }

  Value load(const State& s, const Transfer& t) const {
    if (t.src != arch::kNoReg) {
      const Value& base = s.regs[t.src];
      if (base.kind() == Value::Kind::LibraryObject) {
        const Value field = LibraryValues::table().read_object(base.library_object(), t.imm, t.width,
                                                               static_cast<uint8_t>(c_.pointer_size));
        return t.sign_extend ? field.sign_extend(8 * t.width, bits_) : field;
      }
      if (base.kind() == Value::Kind::Global && !base.global_through() && base.global_width() == c_.pointer_size) {
        return Value::global(base.global_address(), t.width, true, t.imm, t.sign_extend);  // glibc: xidcmd->syscall_no
      }
    }
    const Value address = address_of(s, t.src, t.imm);
    if (address.kind() == Value::Kind::Stack) {
      Value out = frame_.read(s, address.stack_offset(), t.width);
      if (out.is_unknown()) note_lost_slots(s, address.stack_offset(), t.width);
      return out;
    }
    if (address.kind() == Value::Kind::Parameter) return field_through(s, address, t);
    if (!address.is_constants()) return Value::unknown();
    if (const auto at = address.single(); at && !t.sign_extend && o_.memory_.is_writable_data(*at, t.width)) {
      return Value::global(*at, t.width);
    }
    Value out = o_.memory_.load(*address.begin(), t.width, t.sign_extend);
    for (const uint64_t* it = address.begin() + 1; it != address.end() && !out.is_unknown(); ++it) {
      out = out.join(o_.memory_.load(*it, t.width, t.sign_extend));
    }
    return out;
  }

  /// A load through a parameter at a constant offset: the field as the caller left it,
  /// while nothing may have written there since entry.
  Value field_through(const State& s, const Value& address, const Transfer& t) const {
    if (s.memory_written || !address.is_plain_parameter()) return Value::unknown();
    const Value::FieldRef read{address.parameter_index(), address.addend(), t.width};
    for (const Value::FieldRef& w : s.written) {
      if (w.index == read.index && w.offset < read.offset + read.width && read.offset < w.offset + w.width) {
        return Value::unknown();
      }
    }
    Value field = Value::field(read);
    return t.sign_extend ? field.sign_extend(8 * t.width, bits_) : field;
  }

  /// A store through a parameter: the fields it may overwrite no longer read as fields.
  /// Stores through other pointers (loaded from memory, computed) are taken not to reach
  /// what the parameters point to (README: assumptions).
  static void note_parameter_store(State& s, const Value& address, uint8_t width) {
    if (!address.is_plain_parameter()) {
      s.memory_written = true;
      return;
    }
    s.note_written({address.parameter_index(), address.addend(), width});
  }

  /// The width of an arithmetic transfer's result: its own where it has one (a 32-bit
  /// operation on a 64-bit machine), else the register's.
  int result_bits(const Transfer& t) const { return t.width != 0 ? 8 * t.width : bits_; }

  void apply(State& s, const Transfer& t) {
    std::vector<Value> moved;  // what a join gave up in a register moved to another
    if (!s.given_up.empty()) {
      use_operands(s, t);
      if (is_move(t)) {
        for (const auto& [r, v] : s.given_up) {
          if (r == t.src) moved.push_back(v);
        }
      }
    }
    if (!t.keeps_old) {
      apply_write(s, t);
      if (t.dst != arch::kNoReg && !s.given_up.empty()) forget_given_up(s, t.dst);
    } else {
      // A write that may not happen: the register holds its old value or the new one.
      const Value old = s.regs[t.dst];
      apply_write(s, t);
      const Value written = s.regs[t.dst];
      s.regs[t.dst] = old.join(written);
      if (s.regs[t.dst].is_unknown()) {
        give_up(s, t.dst, old);
        give_up(s, t.dst, written);
      }
    }
    for (const Value& v : moved) s.note_given_up(t.dst, v);
  }

  static bool is_move(const Transfer& t) {
    return t.op == Transfer::Op::AddImm && t.imm == 0 && t.width == 0 && t.src != arch::kNoReg;
  }

  /// `t` reads its registers: code a join gave up in one of them is lost there, unless
  /// the register is only the address of a memory access (a load through a code address
  /// reads code; it passes the address nowhere) or moved (apply follows it).
  void use_operands(State& s, const Transfer& t) const {
    switch (t.op) {
      case Transfer::Op::Load:
      case Transfer::Op::Forget:
      case Transfer::Op::Scribble: return;
      case Transfer::Op::Store: lose_given_up(s, t.src2); return;
      default:
        if (is_move(t)) return;
        lose_given_up(s, t.src);
        lose_given_up(s, t.src2);
    }
  }

  /// A join gave up `v` in register `r`: code addresses and imports wait in the state
  /// until code uses the register (MIPS keeps a callee's address in a saved register
  /// across a loop, which on paths the compiler knows are not taken holds something
  /// else: glibc's getaddrinfo calls __socket and __connect through $s5); anything else
  /// is lost now. True when the state changes.
  bool give_up(State& s, Reg r, const Value& v) const {
    if (v.kind() == Value::Kind::Import) return s.note_given_up(r, v);
    if (!v.is_constants()) {
      note_lost(v);
      return false;
    }
    bool changed = false;
    for (uint64_t c : v) {
      if (o_.memory_.is_data(c)) lost_data_.insert(c);  // stores go through addresses unseen
      if (o_.functions_.is_start(o_.backend_.code_pointer(c).address)) changed |= s.note_given_up(r, Value::constant(c));
    }
    return changed;
  }

  /// Code uses register `r`'s value: what a join gave up in it is lost.
  void lose_given_up(State& s, Reg r) const {
    if (r == arch::kNoReg) return;
    std::erase_if(s.given_up, [&](const auto& g) {
      if (g.first != r) return false;
      note_lost(g.second);
      return true;
    });
  }

  void lose_given_up(State& s, const std::vector<Reg>& regs) const {
    for (Reg r : regs) lose_given_up(s, r);
  }

  /// Register `r` is written: nothing a join gave up is in it any more.
  static void forget_given_up(State& s, Reg r) {
    std::erase_if(s.given_up, [&](const auto& g) { return g.first == r; });
  }

  /// `t` as if it certainly happens.
  void apply_write(State& s, const Transfer& t) {
    auto reg = [&](Reg r) { return r == arch::kNoReg ? Value::unknown() : s.regs[r]; };
    switch (t.op) {
      case Transfer::Op::Set: s.regs[t.dst] = Value::constant(static_cast<uint64_t>(t.imm) & mask_of(bits_)); break;
      case Transfer::Op::AddImm: s.regs[t.dst] = reg(t.src).add(t.imm, result_bits(t)); break;
      case Transfer::Op::OrImm: s.regs[t.dst] = reg(t.src).bit_or(static_cast<uint64_t>(t.imm), bits_); break;
      case Transfer::Op::ShlImm:
        s.regs[t.dst] = reg(t.src).shift_left(static_cast<int>(t.imm), result_bits(t));
        break;
      case Transfer::Op::AndImm:
        expose_frame_at(reg(t.src), true);
        s.regs[t.dst] = reg(t.src).bit_and(static_cast<uint64_t>(t.imm), bits_);
        break;
      case Transfer::Op::AddReg:
        s.regs[t.dst] = reg(t.src).add(reg(t.src2), result_bits(t));
        // A stack address plus an index the analysis cannot follow (`&buf[i]`).
        if (s.regs[t.dst].kind() != Value::Kind::Stack) {
          expose_frame_at(reg(t.src));
          expose_frame_at(reg(t.src2));
        }
        break;
      case Transfer::Op::OrReg: s.regs[t.dst] = reg(t.src).bit_or(reg(t.src2), bits_); break;
      case Transfer::Op::XorImm: s.regs[t.dst] = reg(t.src).bit_xor(static_cast<uint64_t>(t.imm), bits_); break;
      case Transfer::Op::XorReg: s.regs[t.dst] = reg(t.src).bit_xor(reg(t.src2), bits_); break;
      case Transfer::Op::AndReg:
        // A code or data address masked by a register may no longer read as one (the
        // lifters' fallback read both operands opaquely): it escapes here.
        if (recording_) {
          note_escape(reg(t.src));
          note_escape(reg(t.src2));
        }
        expose_frame_at(reg(t.src), true);
        expose_frame_at(reg(t.src2), true);
        s.regs[t.dst] = reg(t.src).bit_and(reg(t.src2), bits_);
        break;
      case Transfer::Op::Load:
        s.regs[t.dst] = load(s, t);
        if (t.dst == c_.global_pointer && o_.global_pointer_ && !s.regs[t.dst].is_constants()) {
          // The ABI's .cprestore reload, from a slot the analysis lost track of (ld.so's
          // _start moves the stack pointer to an aligned copy; a function entered past
          // its prologue reloads through a frame pointer it was given): what was saved
          // there is the module's global pointer, the only value its code keeps in gp.
          s.regs[t.dst] = Value::constant(*o_.global_pointer_);
        }
        break;
      case Transfer::Op::SignExtend: s.regs[t.dst] = reg(t.src).sign_extend(8 * t.width, bits_); break;
      case Transfer::Op::Clobber: s.regs[t.dst] = Value::unknown(); break;
      case Transfer::Op::Scribble:
        // Somewhere past a parameter, or anywhere: every field read through one may change.
        if (t.src == arch::kNoReg || s.regs[t.src].kind() == Value::Kind::Parameter) s.memory_written = true;
        if (recording_ && t.src != arch::kNoReg) note_data_escape(s.regs[t.src]);  // a global written anywhere
        break;
      case Transfer::Op::Store:
      case Transfer::Op::Forget: {
        const Value address = address_of(s, t.src, t.imm);
        Value stored = Value::unknown();
        if (t.op == Transfer::Op::Store) {
          stored = t.src2 != arch::kNoReg ? s.regs[t.src2] : Value::constant(static_cast<uint64_t>(t.value));
          if (t.width < c_.pointer_size) stored = stored.bit_and(mask_of(8 * t.width), bits_);
          if (recording_) {
            // The function's own frame is private until its address escapes: what it
            // keeps there escapes then (record), or where a slot loses it.
            if (FrameSlots::in_own_frame(s, address, t.width)) {
              frame_stores_.push_back({address.stack_offset(), t.width, stored});
            } else {
              note_escape(stored);
            }
          }
        }
        if (address.kind() == Value::Kind::Stack) {
          if (t.op == Transfer::Op::Store && t.src2 == c_.global_pointer && c_.stack_arguments_below_global_pointer_save) {
            global_pointer_saved_at_ = std::min(global_pointer_saved_at_, address.stack_offset());
          }
          frame_.write(s, address.stack_offset(), t.width, stored);
        } else if (address.kind() == Value::Kind::Parameter) {
          note_parameter_store(s, address, t.width);
        } else if (recording_ && address.is_constants()) {
          note_global_store(address, t.width, stored);
        }
        break;
      }
    }
  }

  /// Whether instruction `i`, a call, calls a local function that never returns, where
  /// that matters: code that branches reach follows the call, perhaps after padding
  /// (ld.so's loop after `__libc_fatal`; lighttpd's `ck_assert_failed` before the
  /// branch target that makes its socket call), which would otherwise be entered with
  /// the state after the call too, its argument registers clobbered. Code after the call
  /// that no branch reaches is left as it was: it may be a switch case entered through
  /// a table (glibc's posix_spawn child after `_exit`), which the analysis enters only
  /// that way; so is code whose branches the analysis does not reach (fixpoint).
  /// Deciding decodes the callee.
  bool calls_no_return(const LiftedInsn& call, const std::optional<arch::CodePointer>& callee, size_t i) const {
    const std::vector<LiftedInsn>& insns = code_.insns();
    if (!callee || i + 1 >= insns.size() || insns[i + 1].address != call.next) return false;
    size_t after = i + 1;
    while (after < insns.size() && is_padding_insn(insns[after])) ++after;
    if (after == insns.size() || !code_.is_branch_target(insns[after].address)) return false;
    return !o_.shape_of(callee->address, callee->thumb).returns;
  }

  /// The local function a call certainly calls: its target, or the one address the
  /// register or memory it calls through holds (MIPS code calls through $t9 even within
  /// its module: glibc's getaddrinfo runs on after its __assert_fail into shared code).
  std::optional<arch::CodePointer> certain_callee(const State& s, const LiftedInsn& call) const {
    if (call.flow == Flow::Call && call.target) {
      if (!is_local_code(*call.target)) return std::nullopt;
      return arch::CodePointer{o_.backend_.code_pointer(*call.target).address, call.target_thumb.value_or(extent_.thumb)};
    }
    const std::optional<uint64_t> target =
        call.flow == Flow::IndirectCall ? indirect_target(s, call).single() : std::nullopt;
    if (!target || !is_local_code(*target)) return std::nullopt;
    return o_.backend_.code_pointer(*target);
  }

  /// What a call of a fill function or of one a result model describes does to the
  /// frame: the callee found by its address (a direct call, or through a register that
  /// holds one) or by the symbol its GOT entry binds (MIPS calls imports through $t9).
  void apply_models(State& s, const LiftedInsn& insn) const {
    auto find = [](const auto& map, auto key) { auto it = map.find(key); return it == map.end() ? nullptr : it->second; };
    std::optional<uint64_t> target = insn.flow == Flow::Call ? insn.target : std::nullopt;
    if (insn.flow == Flow::IndirectCall) {
      const Value called = indirect_target(s, insn);
      if (called.kind() == Value::Kind::Import) {
        if (const FillFunction* fill = find(o_.fills_by_symbol_, called.import_symbol())) apply_fill(s, *fill);
        if (const ResultModel* result = find(o_.results_by_symbol_, called.import_symbol())) apply_result(s, *result);
        return;
      }
      target = called.single();
    }
    if (!target) return;
    const uint64_t address = o_.backend_.code_pointer(*target).address;
    if (const FillFunction* fill = find(o_.fills_, address)) apply_fill(s, *fill);
    if (const ResultModel* result = find(o_.results_, address)) apply_result(s, *result);
  }

  /// A call of a fill function (FillFunction) that zeroes a stack object of constant
  /// size: its bytes read as zero afterwards.
  void apply_fill(State& s, const FillFunction& f) const {
    auto argument = [&](uint8_t i) { return i < c_.call_args.size() ? s.regs[c_.call_args[i]] : Value::unknown(); };
    const Value object = argument(f.address_arg);
    const auto size = argument(f.size_arg).single();
    const bool zero = !f.value_arg || (argument(*f.value_arg).bit_and(0xff, bits_).single() == std::optional<uint64_t>{0});
    if (object.kind() != Value::Kind::Stack || !size || *size > static_cast<uint64_t>(kMaxPassedObject)) return;
    for (int64_t at = 0; at < static_cast<int64_t>(*size); at += arch::kMaxAccessWidth) {
      const auto width =
          static_cast<uint8_t>(std::min<int64_t>(arch::kMaxAccessWidth, static_cast<int64_t>(*size) - at));
      frame_.write(s, object.stack_offset() + at, width, zero ? Value::constant(0) : Value::unknown());
    }
  }

  /// A call of a function a result model describes (getaddrinfo) given the address of a
  /// stack slot: the slot holds a pointer to the object the model describes afterwards.
  /// Any other stack object's slots are left as they were (README: assumptions).
  void apply_result(State& s, const ResultModel& result) const {
    if (result.argument >= c_.call_args.size()) return;
    const Value out = s.regs[c_.call_args[result.argument]];
    if (out.kind() != Value::Kind::Stack) return;
    frame_.write(s, out.stack_offset(), static_cast<uint8_t>(c_.pointer_size),
                 Value::library_object(result.object));
  }

  /// What a call in code Go linked may write in this function's frame: from the stack
  /// pointer at the call up, the bytes its local callee's code may write there
  /// (CalleeShape::stack_written: its stack parameters and results) or, if fewer, the
  /// word there and the arguments and results Go's function table gives it (a Go
  /// function writes no other part of its caller's frame); all of the frame where the
  /// callee is not known (a closure, a method of an interface). Slots from where the
  /// function saved its global pointer up are its own (cgo's MIPS C code), as for the
  /// stack parameters a call passes. What the slots held may still be there, as after a
  /// join: given up, lost where code reads them (a closure's address kept in the frame
  /// across the call).
  void forget_go_results(State& s, const std::optional<arch::CodePointer>& callee) {
    const Value& sp = s.regs[c_.stack_pointer];
    if (sp.kind() != Value::Kind::Stack || s.frame_lost) return;
    const int64_t from = sp.stack_offset() + c_.call_stack_adjust;
    int64_t written = CalleeShape::kAnyStackWrite;
    if (callee) {
      written = o_.shape_of(callee->address, callee->thumb).stack_written;
      if (const auto arguments = o_.functions_.go_argument_bytes(callee->address)) {
        written = std::min<int64_t>(written, c_.pointer_size + *arguments);
      }
    }
    const int64_t to =
        std::min({written >= -from ? int64_t{0} : from + written, global_pointer_saved_at_, int64_t{0}});
    // Only the slots this path wrote there become unknown, not every byte of the span: a
    // state holds the slots written on the way to it, and Go frames of kilobytes would
    // hold hundreds more. A slot never written on this path reads as unknown already;
    // joined with a path that kept a code address there in a private slot, it keeps that
    // address (the join's rule for private slots), as it would without the call.
    std::vector<std::pair<int64_t, uint8_t>> known;  // the parts in [from, to) of known slots
    for (const Slot& slot : s.slots) {
      if (slot.value == ValuePool::kUnknown || slot.offset + slot.width <= from || slot.offset >= to)
        continue;
      lose_in_slot(slot, frame_.value_of(slot));
      const int64_t start = std::max(slot.offset, from),
                    end = std::min<int64_t>(slot.offset + slot.width, to);
      known.emplace_back(start, static_cast<uint8_t>(end - start));
    }
    for (const auto& [at, width] : known) frame_.write(s, at, width, Value::unknown());
  }

  void clobber(State& s, const std::vector<Reg>& regs) {
    for (Reg r : regs) {
      s.regs[r] = Value::unknown();
      if (!s.given_up.empty()) forget_given_up(s, r);
    }
  }

  /// The value an indirect call or jump goes through.
  Value indirect_target(const State& s, const LiftedInsn& insn) const {
    if (insn.indirect.reg != arch::kNoReg) return s.regs[insn.indirect.reg];
    if (!insn.indirect.memory) return Value::unknown();
    Transfer t = Transfer::load(arch::kNoReg, insn.indirect.base, insn.indirect.disp, static_cast<uint8_t>(c_.pointer_size));
    return load(s, t);
  }

  /// Whether a syscall with number `number` is certainly exit or exit_group.
  bool ends_the_process(const Value& number) const {
    if (!number.is_constants()) return false;
    return std::all_of(number.begin(), number.end(), [&](uint64_t nr) {
      return std::find(o_.exit_numbers_.begin(), o_.exit_numbers_.end(), nr) != o_.exit_numbers_.end();
    });
  }

  /// Runs one block from its entry state; returns the state at its end (not reached when
  /// the block ends the process), valid until the next block runs.
  State& execute(size_t block) {
    const CodeBlock& b = code_.blocks()[block];
    State& s = scratch_;  // reused: its vectors keep their capacity from block to block
    s = states_[block].entry;
    for (size_t i = b.first; i <= b.last; ++i) {
      const LiftedInsn& insn = code_.insns()[i];
      if (!s.given_up.empty()) lose_given_up(s, insn.opaque_reads);
      if (recording_) {
        for (Reg r : insn.opaque_reads) note_escape(s.regs[r]);
        if (insn.memory) {
          note_data(address_of(s, insn.memory->base, insn.memory->disp));
          note_base(s, insn.memory->base);
        }
      }
      for (const Transfer& t : insn.transfers) {
        if (recording_ && t.accesses_memory()) {
          const Value address = address_of(s, t.src, t.imm);
          if (!loads_code_from_got(t, address)) note_data(address);
          note_base(s, t.src);
        }
        if (recording_ && c_.got_relative_data) note_got_relative(s, t, insn);
        apply(s, t);
        if (recording_ && t.dst != arch::kNoReg) note_data(s.regs[t.dst]);
      }
      if (!s.given_up.empty()) use_at_flow(s, insn);
      if (recording_ && insn.indirect.memory && indirect_target(s, insn).is_unknown()) {
        // A pointer loaded from data the analysis cannot read: the code reaches that data.
        note_data(address_of(s, insn.indirect.base, insn.indirect.disp));
      }
      switch (insn.flow) {
        case Flow::Call:
        case Flow::IndirectCall: {
          const std::optional<arch::CodePointer> callee = certain_callee(s, insn);
          if (recording_) record_call(s, insn, false);
          apply_models(s, insn);
          if (o_.linked_by_go_) forget_go_results(s, callee);
          clobber(s, call_clobbers(insn));
          if (calls_no_return(insn, callee, i)) {
            if (!recording_) {
              const std::optional<size_t> after = code_.block_at(insn.next);
              join_into(cut_falls_[insn.next], s, after ? live_[*after] : kAllRegisters);
            }
            s.reached = false;
            return s;
          }
          break;
        }
        case Flow::Syscall:
          if (recording_) record_syscall(s, insn);
          if (ends_the_process(s.regs[c_.syscall_number])) {
            // musl's __unmapself runs into __clone after its exit: that path ends here.
            s.reached = false;
            return s;
          }
          clobber(s, c_.syscall_clobbered);
          s.regs[c_.return_value] = Value::unknown();
          break;
        case Flow::Jump:
        case Flow::Branch:
          if (recording_ && insn.target && code_.is_foreign(*insn.target)) record_call(s, insn, true);
          break;
        case Flow::IndirectJump:
          if (recording_) record_call(s, insn, true);
          break;
        case Flow::Switch:
          for (uint64_t target : insn.cases) {
            if (recording_ && code_.is_foreign(target)) record_tail_call(s, insn.address, target);
          }
          break;
        case Flow::Return:
          if (recording_) note_escape(s.regs[c_.return_value]);
          break;
        default: break;
      }
    }
    if (auto next = code_.falls_into_function(b)) {
      lose_given_up(s, c_.call_args);
      if (recording_) record_tail_call(s, code_.insns()[b.last].address, *next);
    }
    return s;
  }

  /// What an instruction's control flow passes on: the register it calls or jumps
  /// through, a call's or system call's arguments, the value returned. The callee reads
  /// its inputs from the argument registers (README: assumptions).
  void use_at_flow(State& s, const LiftedInsn& insn) const {
    lose_given_up(s, insn.indirect.reg);
    if (insn.flow == Flow::Call || insn.flow == Flow::IndirectCall || code_.tail_calls(insn)) {
      lose_given_up(s, c_.call_args);
    }
    switch (insn.flow) {
      case Flow::Syscall:
        lose_given_up(s, c_.syscall_number);
        lose_given_up(s, c_.syscall_args);
        break;
      case Flow::Return: lose_given_up(s, c_.return_value); break;
      default: break;
    }
  }

  /// Control leaving at `address` for the local function at `target` for good (running
  /// into it, or a switch case in it).
  void record_tail_call(const State& s, uint64_t address, uint64_t target) {
    CallSite site = call_to(address, target, extent_.thumb);
    site.tail = true;
    add_call(std::move(site), s,
             call_arguments(s, true, read_by(target, extent_.thumb), [&] { return stack_read_by(target, extent_.thumb); }));
  }

  /// The argument registers a call of `target` passes: those the callee reads, where it
  /// is code of this module the analysis decodes; all of them otherwise.
  std::vector<Reg> read_by(uint64_t target, bool thumb) const {
    if (!is_local_code(target)) return c_.call_args;
    return o_.shape_of(o_.backend_.code_pointer(target).address, thumb).arguments;
  }

  /// How many stack parameters a call of `target` passes: those the local function
  /// there may read, all of them to any other code.
  size_t stack_read_by(uint64_t target, bool thumb) const {
    if (!is_local_code(target)) return c_.stack_params.size();
    return o_.shape_of(o_.backend_.code_pointer(target).address, thumb).stack_arguments;
  }

  /// Joins `incoming` into `into`, whose block may read the registers of `live`;
  /// true when `into` changed.
  bool join_into(State& into, const State& incoming, const RegisterSet& live) const {
    if (!into.reached) {
      into = incoming;
      return true;
    }
    bool changed = false;
    for (size_t r = 0; r < into.regs.size(); ++r) {
      if (into.regs[r] == incoming.regs[r]) continue;  // most registers, most of the time
      Value joined = into.regs[r].join(incoming.regs[r]);
      if (joined.is_unknown() && live[r]) {
        changed |= give_up(into, r, into.regs[r]);
        changed |= give_up(into, r, incoming.regs[r]);
      }
      if (joined == into.regs[r]) continue;
      into.regs[r] = std::move(joined);
      changed = true;
    }
    for (const auto& [r, v] : incoming.given_up) changed |= into.note_given_up(r, v);
    if (incoming.memory_written && !into.memory_written) {
      into.memory_written = true;
      changed = true;
    }
    for (const Value::FieldRef& w : incoming.written) changed |= into.note_written(w);
    if (incoming.frame_lost && !into.frame_lost) {
      into.frame_lost = true;
      for (const Slot& slot : into.slots) note_lost(frame_.value_of(slot));
      into.slots.clear();
      return true;
    }
    if (into.frame_lost) return changed;
    if (std::equal(into.slots.begin(), into.slots.end(), incoming.slots.begin(), incoming.slots.end(),
                   [](const Slot& a, const Slot& b) { return a.offset == b.offset && a.width == b.width; })) {
      // The same slots on both paths (most joins): each joins with its counterpart.
      for (size_t k = 0; k < into.slots.size(); ++k) {
        Slot& slot = into.slots[k];
        if (slot.value == incoming.slots[k].value) continue;  // the same number, the same value
        const Value& value = frame_.value_of(slot);
        const Value& other = frame_.value_of(incoming.slots[k]);
        Value joined = value.join(other);
        if (joined.is_unknown()) {
          lose_in_slot(slot, value);
          lose_in_slot(slot, other);
        }
        const ValuePool::Id joined_id = frame_.intern(joined);
        if (joined_id == slot.value) continue;  // what came in was already covered
        slot.value = joined_id;
        changed = true;
      }
      return changed;
    }
    // Both slot lists are sorted: merge them. A slot written on one path only joins
    // with what the other path has there (its own slot, or the entry content).
    std::vector<Slot> slots;
    slots.reserve(into.slots.size() + incoming.slots.size());
    size_t i = 0;
    size_t j = 0;
    while (i < into.slots.size() || j < incoming.slots.size()) {
      const bool take_into = j == incoming.slots.size() ||
                             (i < into.slots.size() && !FrameSlots::order(incoming.slots[j], into.slots[i]));
      const Slot& slot = take_into ? into.slots[i] : incoming.slots[j];
      if (i < into.slots.size() && j < incoming.slots.size() && into.slots[i].offset == incoming.slots[j].offset &&
          into.slots[i].width == incoming.slots[j].width) {
        const Value joined = frame_.value_of(into.slots[i]).join(frame_.value_of(incoming.slots[j]));
        slots.push_back({slot.offset, slot.width, frame_.intern(joined)});
        if (joined.is_unknown()) {
          lose_in_slot(slot, frame_.value_of(into.slots[i]));
          lose_in_slot(slot, frame_.value_of(incoming.slots[j]));
        }
        ++i;
        ++j;
      } else {
        const State& other = take_into ? incoming : into;
        if (slot.offset + slot.width <= private_below_ && holds_code(frame_.value_of(slot)) &&
            !written(other, slot)) {
          // A private slot the other path never wrote holds nothing a valid program reads
          // there (a loop's first entry, before the body keeps a callee's address in it):
          // only this path's value (README: assumptions). Only for code addresses, which
          // a loss would make taken: other values gain little, and each such join may cost
          // a second analysis of the function.
          highest_private_join_ = std::max(highest_private_join_, slot.offset + slot.width);
          slots.push_back(slot);
          (take_into ? i : j)++;
          continue;
        }
        const Value joined = frame_.value_of(slot).join(frame_.read(other, slot.offset, slot.width));
        slots.push_back({slot.offset, slot.width, frame_.intern(joined)});
        if (joined.is_unknown()) lose_in_slot(slot, frame_.value_of(slot));
        (take_into ? i : j)++;
      }
    }
    if (slots.size() != into.slots.size()) {
      changed = true;
    } else {
      for (size_t k = 0; k < slots.size() && !changed; ++k) {
        changed = slots[k].offset != into.slots[k].offset || slots[k].width != into.slots[k].width ||
                  slots[k].value != into.slots[k].value;
      }
    }
    into.slots = std::move(slots);
    return changed;
  }

  /// A load that reads the slots overlapping [offset, offset + width) as unknown (a part
  /// of one, or several at once: a struct copied with a vector register) may carry a
  /// code address kept there anywhere, or one a join gave up there.
  void note_lost_slots(const State& s, int64_t offset, uint8_t width) const {
    note_read_of_lost(offset, width);
    if (s.frame_lost) return;
    auto [first, last] = FrameSlots::window(s, offset, width);
    for (size_t i = first; i < last; ++i) {
      if (overlaps(s.slots[i], offset, width)) note_lost(frame_.value_of(s.slots[i]));
    }
  }

  /// Whether some slot of `s` overlaps `slot`'s bytes.
  bool written(const State& s, const Slot& slot) const {
    auto [first, last] = FrameSlots::window(s, slot.offset, slot.width);
    return std::any_of(s.slots.begin() + static_cast<std::ptrdiff_t>(first),
                       s.slots.begin() + static_cast<std::ptrdiff_t>(last),
                       [&](const Slot& o) { return overlaps(o, slot.offset, slot.width); });
  }

  /// Whether `v` may be a function's address: an import, or a known function start.
  bool holds_code(const Value& v) const {
    if (v.kind() == Value::Kind::Import) return true;
    return v.is_constants() && std::any_of(v.begin(), v.end(), [&](uint64_t c) {
             return o_.functions_.is_start(o_.backend_.code_pointer(c).address);
           });
  }

  /// A join gave up `v`, which `slot` held: it is lost only where code reads that part
  /// of the frame (anywhere in the function). A slot the compiler reuses for another
  /// variable on some path is written again before it is read: nothing is lost.
  void lose_in_slot(const Slot& slot, const Value& v) const {
    const bool matters = v.kind() == Value::Kind::Stack || v.kind() == Value::Kind::Import || v.is_constants();
    if (!matters) return;
    const bool known = std::any_of(lost_in_slots_.begin(), lost_in_slots_.end(), [&](const FrameValue& l) {
      return l.offset == slot.offset && l.width == slot.width && l.value == v;
    });
    if (!known) lost_in_slots_.push_back({slot.offset, slot.width, v});
  }

  /// Whether a join gave up something in [offset, offset + width) of the frame.
  bool lost_in(int64_t offset, uint8_t width) const {
    return std::any_of(lost_in_slots_.begin(), lost_in_slots_.end(),
                       [&](const FrameValue& l) { return overlaps(l, offset, width); });
  }

  /// Code reads [offset, offset + width) of the frame: what joins gave up there is lost.
  void note_read_of_lost(int64_t offset, uint8_t width) const {
    std::erase_if(lost_in_slots_, [&](const FrameValue& l) {
      if (!overlaps(l, offset, width)) return false;
      note_lost(l.value);
      return true;
    });
  }

  /// A join or widening gave up `v`: the import or function starts it holds may still be
  /// what an indirect call calls, and the data addresses what a store writes through
  /// (record). A stack address given up may be what other code reads the frame through.
  void note_lost(const Value& v) const {
    expose_frame_at(v);
    if (v.kind() == Value::Kind::Import) {
      lost_imports_.insert(v.import_symbol());
    } else if (v.is_constants()) {
      // Only where a function is known to start: a join also gives up integers that
      // happen to lie in the code's address range (a library's code starts near 0) and
      // labels of this function (a switch's base), which in stripped code, where any
      // address may start a function, would be taken as functions.
      for (uint64_t c : v) {
        if (o_.functions_.is_start(o_.backend_.code_pointer(c).address)) lost_code_.insert(c);
        if (o_.memory_.is_data(c)) lost_data_.insert(c);
      }
    }
  }

  /// A call ends the life of what it clobbers (call_clobbers).
  void find_live_registers() {
    live_ = live_at_entry(
        code_.insns(), code_.liveness_blocks(), c_,
        [this](const LiftedInsn& call) -> const std::vector<Reg>& { return call_clobbers(call); });
  }

  /// The registers a call leaves unknown: those a local callee changes, else all the
  /// ABI lets it change.
  const std::vector<Reg>& call_clobbers(const LiftedInsn& call) {
    if (call.flow != Flow::Call || !call.target || !is_local_code(*call.target)) return c_.call_clobbered;
    const uint64_t target = o_.backend_.code_pointer(*call.target).address;
    const bool thumb = call.target_thumb.value_or(extent_.thumb);
    auto [it, fresh] = local_clobbers_.try_emplace(facts_key(target, thumb));
    if (fresh) it->second = o_.clobbered_by(target, thumb);
    return it->second;
  }

  void fixpoint() {
    const std::vector<CodeBlock>& blocks = code_.blocks();
    if (blocks.empty()) return;
    const size_t first = code_.block_at(extent_.start).value_or(0);
    states_[first].entry = entry_state();
    // The next block to run is the first in reverse post-order: the blocks that reach
    // it have run first, so the body of a loop settles before its head runs again
    // (kMaxVisits then rarely gives up a state: glibc's getaddrinfo nests a dozen loops).
    const std::vector<size_t> rank = code_.reverse_post_order(first);
    std::vector<size_t> block_of(blocks.size());
    for (size_t b = 0; b < blocks.size(); ++b) block_of[rank[b]] = b;
    // The queue: ranks, least first, each at most once.
    std::priority_queue<size_t, std::vector<size_t>, std::greater<>> queued;
    std::vector<bool> is_queued(blocks.size(), false);
    auto enqueue = [&](size_t b) {
      if (!is_queued[rank[b]]) {
        is_queued[rank[b]] = true;
        queued.push(rank[b]);
      }
    };
    enqueue(first);
    State jump_states;  // joined states at unresolved indirect jumps (jump tables)
    auto drain = [&] {
      while (!queued.empty()) {
        const size_t b = block_of[queued.top()];
        is_queued[queued.top()] = false;
        queued.pop();
        const CodeBlock& block = blocks[b];
        if (++states_[b].visits > kMaxVisits) widen(states_[b].entry, live_[b]);
        State& out = execute(b);
        if (!out.reached) continue;
        if (block.unresolved_jump) join_into(jump_states, out, kAllRegisters);
        for (size_t succ : block.successors) {
          // A branch on a register being zero: on the edge where it is, it holds 0 (glibc's
          // MIPS rtime passes its null `timeout` as socket's protocol 0).
          const std::optional<Reg> zero = zero_on_edge(block, succ);
          Value kept;
          if (zero) kept = std::exchange(out.regs[*zero], Value::constant(0));
          if (join_into(states_[succ].entry, out, live_[succ])) enqueue(succ);
          if (zero) out.regs[*zero] = std::move(kept);
        }
      }
    };
    auto enter_orphans = [&] {
      // Blocks no edge reaches are entered through the function's unresolved indirect
      // jumps (switch tables), with the state at those jumps. Without such a jump they
      // are padding, data in code (ARM literal pools) or, in C++, exception landing
      // pads, which the analysis does not model (README: limits).
      if (!jump_states.reached) return;
      std::vector<size_t> orphans;
      for (size_t b = 0; b < blocks.size(); ++b) {
        if (!states_[b].entry.reached && !code_.is_padding(blocks[b])) orphans.push_back(b);
      }
      // The state at the jumps may widen while the cases run: repeat until it holds.
      for (bool changed = true; changed;) {
        changed = false;
        const State at_jumps = jump_states;
        for (size_t b : orphans) {
          if (join_into(states_[b].entry, at_jumps, live_[b])) {
            enqueue(b);
            changed = true;
          }
        }
        drain();
      }
    };
    // The code after a call that never returns is entered from it after all when no
    // other path the analysis follows reaches it: the branches that do may lie in code
    // it does not reach (glibc's MIPS ld.so runs its preload handling after such a call).
    for (bool entered = true; entered;) {
      drain();
      enter_orphans();
      entered = false;
      for (const auto& [after, state] : cut_falls_) {
        const std::optional<size_t> block = code_.block_at(after);
        if (!block || states_[*block].entry.reached) continue;
        join_into(states_[*block].entry, state, live_[*block]);
        enqueue(*block);
        entered = true;
      }
    }
  }

  /// The register that holds 0 on the edge from `from` to block `to`: the one the branch
  /// ending `from` tests against zero, where the edge is the one taken when it is zero.
  std::optional<Reg> zero_on_edge(const CodeBlock& from, size_t to) const {
    const LiftedInsn& branch = code_.insns()[from.last];
    if (branch.flow != Flow::Branch || !branch.zero_test || !branch.target || *branch.target == branch.next) {
      return std::nullopt;
    }
    if (branch.zero_test->after_compare && from.first == from.last) return std::nullopt;  // entered at the branch
    const uint64_t at = code_.insns()[code_.blocks()[to].first].address;
    const uint64_t zero_at = branch.zero_test->zero_when_taken ? *branch.target : branch.next;
    if (at != zero_at) return std::nullopt;
    return branch.zero_test->reg;
  }

  /// Gives up on a block's entry state that keeps changing; the module's global
  /// pointer holds its one value all the same. Only the `live` registers' values can
  /// be lost.
  void widen(State& s, const RegisterSet& live) const {
    for (const auto& [r, v] : s.given_up) note_lost(v);  // kept: entry states only grow
    for (Reg r = 0; r < registers_; ++r) {
      if (live[r]) note_lost(s.regs[r]);
      s.regs[r] = Value::unknown();
    }
    if (o_.global_pointer_) s.regs[c_.global_pointer] = Value::constant(*o_.global_pointer_);
    for (const Slot& slot : s.slots) note_lost(frame_.value_of(slot));
    s.frame_lost = true;
    s.memory_written = true;
    s.slots.clear();
  }

  // ---- recording ------------------------------------------------------------------

  void record() {
    recording_ = true;
    for (size_t b = 0; b < states_.size(); ++b) {
      if (states_[b].entry.reached) execute(b);
    }
    // A code address or import a join gave up (MIPS loads a callee into t9 in a
    // branch's delay slot, and a switch's cases share the call) may still be what an
    // indirect call of this function or of a caller it returns the unknown value to
    // calls: it counts as taken.
    for (uint64_t c : lost_code_) note_escape(Value::constant(c));
    for (uint32_t symbol : lost_imports_) note_escape(Value::import(symbol));
    // Code that knows an address in the frame may read what the function kept there at
    // or above it (README: assumptions); a stack address kept there exposes more.
    for (bool more = true; more;) {
      more = false;
      for (FrameStore& store : frame_stores_) {
        if (store.escaped || store.offset + store.width <= exposed_from_) continue;
        store.escaped = more = true;
        note_escape(store.value);
      }
    }
    // A global's address a join gave up may be what a store writes through: the stores
    // to it are no longer all in sight (ProgramAnalysis: global value sets).
    for (uint64_t c : lost_data_) note_data_escape(Value::constant(c));
    std::sort(facts_.taken_code.begin(), facts_.taken_code.end());
    facts_.taken_code.erase(std::unique(facts_.taken_code.begin(), facts_.taken_code.end()), facts_.taken_code.end());
    std::sort(facts_.escaped_data.begin(), facts_.escaped_data.end());
    facts_.escaped_data.erase(std::unique(facts_.escaped_data.begin(), facts_.escaped_data.end()),
                              facts_.escaped_data.end());
    std::sort(facts_.data_refs.begin(), facts_.data_refs.end());
    facts_.data_refs.erase(std::unique(facts_.data_refs.begin(), facts_.data_refs.end()), facts_.data_refs.end());
    std::sort(facts_.taken_imports.begin(), facts_.taken_imports.end());
    facts_.taken_imports.erase(std::unique(facts_.taken_imports.begin(), facts_.taken_imports.end()),
                               facts_.taken_imports.end());
  }

  /// A store to constant addresses: to a global, recorded with the value stored.
  void note_global_store(const Value& address, uint8_t width, const Value& stored) {
    for (uint64_t a : address) {
      if (o_.memory_.is_data(a)) facts_.global_stores.push_back({a, width, address.size() == 1 ? stored : Value::unknown()});
    }
  }

  /// Data addresses in `v` escape: code the analysis does not follow may write there.
  void note_data_escape(const Value& v) {
    if (!v.is_constants()) return;
    for (uint64_t c : v) {
      if (o_.memory_.is_data(c)) facts_.escaped_data.push_back(c);
    }
  }

  void note_escape(const Value& v) {
    expose_frame_at(v);
    if (v.kind() == Value::Kind::Import) facts_.taken_imports.push_back(v.import_symbol());
    note_data_escape(v);
    if (!v.is_constants()) return;
    for (uint64_t c : v) {
      const arch::CodePointer p = o_.backend_.code_pointer(c);
      if (o_.memory_.is_code(p.address) && o_.functions_.may_be_function(p.address, p.thumb)) {
        facts_.taken_code.push_back(c);
      }
    }
  }

  /// A stack address `v` escapes or is given up: other code may reach the frame from
  /// there up. One an alignment mask made may lie anywhere below: all of the frame.
  void expose_frame_at(const Value& v, bool masked = false) const {
    if (v.kind() != Value::Kind::Stack) return;
    exposed_from_ = std::min(exposed_from_, masked ? std::numeric_limits<int64_t>::min() : v.stack_offset());
  }

  /// A load of a code address from the GOT names no data: the value loaded is followed
  /// instead, taken where it escapes and a call where it is called (MIPS calls every
  /// function through the GOT, which would otherwise make each of them address-taken).
  bool loads_code_from_got(const Transfer& t, const Value& address) const {
    if (t.op != Transfer::Op::Load || t.width != c_.pointer_size) return false;
    const std::optional<uint64_t> at = address.single();
    const std::optional<uint64_t> target = at ? o_.memory_.got_address(*at) : std::nullopt;
    return target && o_.memory_.is_code(o_.backend_.code_pointer(*target).address);
  }

  /// A memory access through `base`: through the global pointer while it is unknown,
  /// the data the access reaches is out of sight. Not in Go's functions: Go's MIPS port
  /// keeps no global pointer and allocates $gp as any other register.
  void note_base(const State& s, Reg base) {
    if (base != arch::kNoReg && base == c_.global_pointer && !s.regs[base].is_constants() &&
        !o_.functions_.is_go_function(extent_.start)) {
      facts_.data_reference_lost = true;
    }
  }

  /// An offset added to a value the analysis does not know may be a GOT-relative one
  /// whose base it lost: the data it would name counts as named. The pc plus an offset
  /// it does not know names data no one can tell (Conventions::got_relative_data).
  void note_got_relative(const State& s, const Transfer& t, const LiftedInsn& insn) {
    auto reg = [&](Reg r) { return r == arch::kNoReg ? Value::unknown() : s.regs[r]; };
    if (t.op == Transfer::Op::AddReg && o_.got_base_) {
      // (A stack address, a parameter or a global is no lost GOT address.)
      const Value a = reg(t.src);
      const Value b = reg(t.src2);
      const Value* offset = a.is_constants() && b.is_unknown()   ? &a
                            : b.is_constants() && a.is_unknown() ? &b
                                                                 : nullptr;
      if (offset == nullptr) return;
      for (uint64_t c : *offset) {
        const uint64_t address = (*o_.got_base_ + c) & mask_of(bits_);
        if (o_.memory_.is_data(address)) facts_.data_refs.push_back(address);
      }
    } else if (t.op == Transfer::Op::AddImm && static_cast<uint64_t>(t.imm) == pc_of(insn) &&
               reg(t.src).is_unknown() &&
               std::find(c_.not_inputs.begin(), c_.not_inputs.end(), t.dst) == c_.not_inputs.end()) {
      // (A pc-relative memory operand with an index register adds into the lifter's
      // scratch register: a table in the code, not data. An offset that is an input of
      // the function means it was entered past its literal load: no function start.)
      facts_.data_reference_lost = true;
    }
  }

  /// What an instruction reads as the pc (ARM: 8 bytes on, 4 in Thumb code).
  uint64_t pc_of(const LiftedInsn& insn) const { return (insn.address + (extent_.thumb ? 4 : 8)) & mask_of(bits_); }

  void note_data(const Value& v) {
    if (!v.is_constants()) return;
    for (uint64_t c : v) {
      if (o_.memory_.is_data(c)) facts_.data_refs.push_back(c);
    }
  }

  /// The arguments a call passes; what is in an argument register the callee does not
  /// read (`read`: those it does), or in the place of a stack parameter past the first
  /// `stack_read()` ones (asked only when such a place holds something), does not escape
  /// into it (MIPS code keeps a callee's address in a frame slot among those places across
  /// a loop of calls: glibc's getrandom).
  template <class StackRead>
  std::vector<IndexedValue> call_arguments(const State& s, bool tail, const std::vector<Reg>& read,
                                           const StackRead& stack_read) {
    std::vector<IndexedValue> args;
    for (size_t i = 0; i < c_.call_args.size(); ++i) {
      const Value& v = s.regs[c_.call_args[i]];
      if (std::find(read.begin(), read.end(), c_.call_args[i]) != read.end()) note_escape(v);
      if (!v.is_unknown()) args.push_back({static_cast<uint8_t>(i), v});
    }
    for (Reg r = 0; r < registers_; ++r) {
      const Value& v = s.regs[r];
      if (r == c_.stack_pointer || v.is_unknown() ||
          std::find(c_.call_args.begin(), c_.call_args.end(), r) != c_.call_args.end()) {
        continue;
      }
      args.push_back({static_cast<uint8_t>(kRegisterParameter + r), v});
    }
    const Value& sp = s.regs[c_.stack_pointer];
    if (sp.kind() != Value::Kind::Stack) return args;
    const int64_t adjust = tail ? 0 : c_.call_stack_adjust;
    const auto width = static_cast<uint8_t>(c_.pointer_size);
    std::optional<size_t> passed;  // asked only where a place holds something
    for (size_t k = 0; k < c_.stack_params.size(); ++k) {
      const int64_t at = sp.stack_offset() + adjust + c_.stack_params[k];
      if (at >= global_pointer_saved_at_) break;  // the function's own slots from there up
      Value v = frame_.read(s, at, width);
      if (v.is_unknown() && !lost_in(at, width)) continue;
      if (!passed) passed = stack_read();
      if (k >= *passed) break;
      if (v.is_unknown()) note_read_of_lost(at, width);
      note_escape(v);
      if (!v.is_unknown()) args.push_back({static_cast<uint8_t>(c_.call_args.size() + k), v});
    }
    return args;
  }

  /// The known fields of the stack objects whose addresses the call passes.
  std::vector<PassedField> passed_fields(const State& s, const std::vector<IndexedValue>& args) const {
    std::vector<PassedField> out;
    if (s.frame_lost) return out;
    const size_t parameters = c_.call_args.size() + c_.stack_params.size();
    for (const IndexedValue& a : args) {
      if (a.index >= parameters || a.value.kind() != Value::Kind::Stack) continue;
      const int64_t object = a.value.stack_offset();
      auto slot = std::lower_bound(s.slots.begin(), s.slots.end(), object,
                                   [](const Slot& slot, int64_t at) { return slot.offset < at; });
      for (; slot != s.slots.end() && slot->offset < object + kMaxPassedObject; ++slot) {
        if (slot->value == ValuePool::kUnknown || out.size() >= kMaxPassedFields) continue;
        out.push_back({a.index, slot->offset - object, slot->width, frame_.value_of(*slot)});
      }
    }
    return out;
  }

  void add_call(CallSite site, const State& s, const std::vector<IndexedValue>& args) {
    site.args = args;
    site.passed = passed_fields(s, args);
    site.memory_written = s.memory_written || !s.written.empty();
    facts_.calls.push_back(std::move(site));
  }

  /// A call (or tail jump) to the code address `pointer` as stored (Thumb bit included).
  CallSite call_to(uint64_t address, uint64_t pointer, std::optional<bool> thumb) const {
    CallSite site;
    site.address = address;
    arch::CodePointer p = o_.backend_.code_pointer(pointer);
    if (auto stub = o_.stubs_.find(p.address); stub != o_.stubs_.end()) {
      // An ifunc's PLT entry reaches whichever implementation its resolver picks.
      if (stub->second.resolver) return site;
      site.kind = CallSite::Kind::Import;
      site.symbol = stub->second.symbol;
      return site;
    }
    if (!o_.memory_.is_code(p.address)) return site;
    site.kind = CallSite::Kind::Local;
    site.target = p.address;
    site.target_thumb = thumb.value_or(p.thumb);
    return site;
  }

  void record_call(const State& s, const LiftedInsn& insn, bool tail) {
    const bool direct = insn.flow == Flow::Call || insn.flow == Flow::Jump || insn.flow == Flow::Branch;
    if (direct && insn.target) {
      const bool thumb = insn.target_thumb.value_or(extent_.thumb);
      const auto args =
          call_arguments(s, tail, read_by(*insn.target, thumb), [&] { return stack_read_by(*insn.target, thumb); });
      CallSite site = call_to(insn.address, *insn.target, thumb);
      site.tail = tail;
      add_call(std::move(site), s, args);
      return;
    }
    const Value target = indirect_target(s, insn);
    const auto stack_read = [&] {  // the most any of the functions it may call reads
      if (!target.is_constants()) return c_.stack_params.size();
      size_t most = 0;
      for (uint64_t pointer : target) {
        const arch::CodePointer p = o_.backend_.code_pointer(pointer);
        most = std::max(most, stack_read_by(p.address, p.thumb));
      }
      return most;
    };
    const auto args = call_arguments(s, tail, c_.call_args, stack_read);
    if (target.kind() == Value::Kind::Import) {
      CallSite site;
      site.address = insn.address;
      site.kind = CallSite::Kind::Import;
      site.symbol = target.import_symbol();
      site.tail = tail;
      add_call(std::move(site), s, args);
      return;
    }
    if (target.is_constants()) {
      for (uint64_t pointer : target) {
        // A computed jump inside this function is a switch: its cases are entered as
        // blocks of this function (the orphans of the fixpoint), not as a call.
        const arch::CodePointer p = o_.backend_.code_pointer(pointer);
        if (tail && p.address > extent_.start && p.address < extent_.end) continue;
        if (!o_.functions_.may_be_function(p.address, p.thumb) && !o_.stubs_.count(p.address)) {
          CallSite unknown;
          unknown.address = insn.address;
          unknown.tail = tail;
          add_call(std::move(unknown), s, args);
          continue;
        }
        CallSite site = call_to(insn.address, pointer, std::nullopt);
        site.tail = tail;
        add_call(std::move(site), s, args);
      }
      return;
    }
    CallSite site;
    site.address = insn.address;
    site.tail = tail;
    add_call(std::move(site), s, args);
  }

  void record_syscall(const State& s, const LiftedInsn& insn) {
    SyscallSite site;
    site.address = insn.address;
    site.number = s.regs[c_.syscall_number];
    for (size_t i = 0; i < c_.syscall_args.size(); ++i) {
      const Value& v = s.regs[c_.syscall_args[i]];
      note_escape(v);
      if (!v.is_unknown()) site.args.push_back({static_cast<uint8_t>(i), v});
    }
    const Value& sp = s.regs[c_.stack_pointer];
    for (size_t k = 0; k < c_.syscall_stack_args.size(); ++k) {
      if (sp.kind() != Value::Kind::Stack) break;
      const int64_t at = sp.stack_offset() + c_.syscall_stack_args[k];
      Value v = frame_.read(s, at, static_cast<uint8_t>(c_.pointer_size));
      if (v.is_unknown()) note_read_of_lost(at, static_cast<uint8_t>(c_.pointer_size));
      note_escape(v);  // passed, like the register arguments, though kept in the frame
      if (!v.is_unknown()) site.args.push_back({static_cast<uint8_t>(c_.syscall_args.size() + k), v});
    }
    facts_.syscalls.push_back(std::move(site));
  }

  const FunctionAnalyzer& o_;
  const arch::Conventions& c_;
  cfg::FunctionExtent extent_;
  int bits_;
  Reg registers_;
  const FunctionCode& code_;
  std::vector<BlockState> states_;  ///< by block of code_
  State scratch_;                   ///< the state execute() runs a block in
  std::vector<RegisterSet> live_;   ///< registers live at each block's entry
  bool recording_ = false;
  /// The states after calls that never return (calls_no_return), by the address after
  /// the call: the fixpoint enters that code with them only if nothing else reaches it.
  std::map<uint64_t, State> cut_falls_;
  /// What the recording pass stored in the function's own frame, and from where up the
  /// frame's addresses escape (passed, stored, returned, or given up by a join): what it
  /// keeps there escapes too (record).
  struct FrameStore {
    int64_t offset = 0;
    uint8_t width = 0;
    Value value;
    bool escaped = false;
  };
  std::vector<FrameStore> frame_stores_;
  /// The lowest offset of the frame code other than this function's may reach: that of
  /// the lowest stack address that escapes or a join gives up (none: the maximum).
  mutable int64_t exposed_from_ = std::numeric_limits<int64_t>::max();
  /// Slots below this offset are taken to be out of reach of other code, and the highest
  /// end of one a join took as private (join_into).
  const int64_t private_below_;
  mutable int64_t highest_private_join_ = std::numeric_limits<int64_t>::min();
  mutable std::unordered_set<uint64_t> lost_code_;     ///< note_lost
  mutable std::unordered_set<uint32_t> lost_imports_;  ///< note_lost
  mutable std::unordered_set<uint64_t> lost_data_;     ///< note_lost
  mutable std::vector<FrameValue> lost_in_slots_;      ///< lose_in_slot
  mutable FrameSlots frame_;                           ///< the states' stack slots
  /// The lowest frame slot the global pointer is saved in, where the ABI puts it above
  /// the outgoing stack arguments (Conventions::stack_arguments_below_global_pointer_save).
  int64_t global_pointer_saved_at_ = std::numeric_limits<int64_t>::max();
  std::unordered_map<uint64_t, std::vector<Reg>> local_clobbers_;  ///< call_clobbers, by facts_key
  FunctionFacts facts_;
};

const FillFunction* FillFunction::named(std::string_view name) {
  static const FillFunction memset{0, 1, 2};
  static const FillFunction bzero{0, std::nullopt, 1};
  if (name == "memset") return &memset;
  if (name == "bzero" || name == "__bzero" || name == "explicit_bzero") return &bzero;
  return nullptr;
}

FunctionAnalyzer::FunctionAnalyzer(const arch::Backend& backend, arch::Lifter& lifter,
                                   const ModuleCode& module)
    : backend_(backend),
      lifter_(lifter),
      memory_(module.memory),
      functions_(module.functions),
      stubs_(module.stubs),
      fills_(module.fills),
      results_(module.results),
      fills_by_symbol_(module.fills_by_symbol),
      results_by_symbol_(module.results_by_symbol),
      callees_(module.callees),
      global_pointer_(module.global_pointer),
      got_base_(module.got_base),
      linked_by_go_(module.linked_by_go) {
  const SyscallNames names{std::string(backend.name())};
  for (const char* name : {"exit", "exit_group"}) {
    if (auto nr = names.number(name)) exit_numbers_.push_back(*nr);
  }
}

CodeSource FunctionAnalyzer::code_source() const {
  return CodeSource{backend_.conventions(), lifter_, memory_, functions_, stubs_};
}

std::shared_ptr<const FunctionCode> FunctionAnalyzer::load_whole(const cfg::FunctionExtent& extent) const {
  if (auto kept = callees_.decoded.find(facts_key(extent.start, extent.thumb), extent)) return kept;
  auto code = std::make_shared<FunctionCode>(code_source(), extent);
  code->load(FunctionCode::Reach::Whole);
  return code;
}

namespace {
/// The callees whose shapes this thread is finding, innermost last: finding one asks
/// about the functions it tail-calls (FunctionAnalyzer::shape_of).
thread_local std::vector<uint64_t> shapes_being_found;

/// Marks a callee's shape as being found on this thread while it lives.
class FindingShape {
 public:
  explicit FindingShape(uint64_t key) { shapes_being_found.push_back(key); }
  ~FindingShape() { shapes_being_found.pop_back(); }
  FindingShape(const FindingShape&) = delete;
  FindingShape& operator=(const FindingShape&) = delete;
};
}  // namespace

const CalleeShape& FunctionAnalyzer::shape_of(uint64_t target, bool thumb) const {
  const uint64_t key = facts_key(target, thumb);
  return callees_.shapes.get(key, [&] {
    std::shared_ptr<const FunctionCode> code = load_whole(functions_.extent(target, thumb));
    callees_.decoded.keep(key, code);
    const FindingShape finding(key);
    return describe_callee(*code, backend_.conventions(), [&](uint64_t callee, bool callee_thumb) {
      return tail_callee_returns(callee, callee_thumb);
    });
  });
}

bool FunctionAnalyzer::tail_callee_returns(uint64_t target, bool thumb) const {
  // A cycle of tail calls, or a chain too long to follow, is taken to return.
  constexpr size_t kMaxChain = 32;
  const uint64_t key = facts_key(target, thumb);
  if (shapes_being_found.size() >= kMaxChain ||
      std::find(shapes_being_found.begin(), shapes_being_found.end(), key) != shapes_being_found.end()) {
    return true;
  }
  return shape_of(target, thumb).returns;
}

const std::vector<Reg>& FunctionAnalyzer::clobbered_by(uint64_t target, bool thumb) const {
  return callees_.clobbers.get(facts_key(target, thumb), [&] {
    FunctionCode code(code_source(), functions_.extent(target, thumb));
    return leaf_clobbers(code, backend_.conventions());
  });
}

FunctionFacts FunctionAnalyzer::analyze(const cfg::FunctionExtent& extent) {
  // Slots of the own frame start private; where the frame's address escapes lower than a
  // slot a join took as private, the function is analysed again with a lower bound (at
  // most a few times, then with nothing private).
  constexpr int kMaxRuns = 3;
  const std::shared_ptr<const FunctionCode> code = load_whole(extent);
  callees_.decoded.forget(facts_key(extent.start, extent.thumb));
  int64_t private_below = 0;
  for (int runs = 1;; ++runs) {
    Run run(*this, *code, private_below);
    FunctionFacts facts = run.run();
    const auto lower = run.private_bound_too_high();
    if (!lower) return facts;
    private_below = runs + 1 < kMaxRuns ? *lower : std::numeric_limits<int64_t>::min();
  }
}

}  // namespace sysfence::analysis
