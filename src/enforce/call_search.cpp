#include "enforce/call_search.h"

#include <linux/seccomp.h>

#include <algorithm>
#include <set>

namespace sysfence::enforce {
namespace {

// Simulator runs one search may make before it gives up (undecided, counted as allowed).
constexpr size_t kMaxRuns = 50000;

bool lets_run(uint32_t action) {
  switch (action_of(action)) {
    case SECCOMP_RET_ALLOW:
    case SECCOMP_RET_LOG:
    case SECCOMP_RET_TRACE:
    case SECCOMP_RET_USER_NOTIF: return true;
    default: return false;
  }
}

/// Values that can steer `program` for each argument: combinations of the constants it
/// compares (or masks) each word of that argument with, their neighbours, zero and all
/// ones. A constant counts for the argument word the program last loaded.
std::array<std::vector<uint64_t>, 6> steering_values(std::span<const sock_filter> program, bool big_endian) {
  std::array<std::set<uint32_t>, 6> low, high;
  for (int i = 0; i < 6; ++i) low[i] = high[i] = {0, 0xffffffffu};
  int arg = -1;
  bool high_word = false;
  for (const sock_filter& in : program) {
    if (BPF_CLASS(in.code) == BPF_LD) {
      arg = -1;
      if (BPF_MODE(in.code) == BPF_ABS && in.k >= 16 && in.k < 64) {
        arg = static_cast<int>((in.k - 16) / 8);
        high_word = ((in.k - 16) % 8 == 0) == big_endian;  // the word at the lower offset is the high one on BE
      }
      continue;
    }
    const bool compares = BPF_CLASS(in.code) == BPF_JMP && BPF_OP(in.code) != BPF_JA && BPF_SRC(in.code) == BPF_K;
    const bool masks = BPF_CLASS(in.code) == BPF_ALU && BPF_OP(in.code) == BPF_AND && BPF_SRC(in.code) == BPF_K;
    if (arg < 0 || (!compares && !masks)) continue;
    auto& words = high_word ? high[arg] : low[arg];
    words.insert({in.k, in.k + 1, in.k - 1});
  }
  std::array<std::vector<uint64_t>, 6> values;
  for (int i = 0; i < 6; ++i) {
    for (uint32_t h : high[i]) {
      for (uint32_t l : low[i]) values[i].push_back(uint64_t{h} << 32 | l);
    }
  }
  return values;
}

struct Search {
  std::span<const sock_filter> program;
  bool big_endian;
  std::array<std::vector<uint64_t>, 6> steering;
  std::array<const ArgumentCondition*, 6> condition{};
  size_t runs = 0;
  CallSearch result;

  /// The values to try for argument `i`.
  std::vector<uint64_t> candidates(int i) const {
    const ArgumentCondition* c = condition[i];
    if (c != nullptr && !c->values.empty()) return c->values;
    if (c == nullptr) return steering[i];
    std::set<uint64_t> out;
    for (uint64_t v : steering[i]) out.insert((v & ~c->mask) | c->value);
    return {out.begin(), out.end()};
  }

  /// Depth-first over the unknown arguments the filter reads; true once an allowed call
  /// is found or the budget is spent.
  bool explore(SeccompData& data) {
    if (++runs > kMaxRuns) {
      result.outcome = Reachability::Undecided;
      return true;
    }
    auto verdict = run_filter(program, data, big_endian);
    if (!verdict) {  // a program the kernel refuses: every call dies
      result.denied_action = 0;
      return false;
    }
    if (!verdict->depends_on_unknown) {
      if (lets_run(verdict->action)) {
        result.outcome = Reachability::Allowed;
        result.witness = data.args;
        for (int i = 0; i < 6; ++i) {  // arguments the filter never read: any value meeting the condition
          if (data.unknown_args[i] && condition[i] != nullptr) (*result.witness)[i] = candidates(i).front();
        }
        return true;
      }
      result.denied_action = verdict->action;
      return false;
    }
    const int i = __builtin_ctz(verdict->unknown_args_read);
    data.unknown_args[i] = false;
    for (uint64_t v : candidates(i)) {
      data.args[i] = v;
      if (explore(data)) return true;
    }
    data.unknown_args[i] = true;
    data.args[i] = 0;
    return false;
  }
};

}  // namespace

CallSearch search_allowed_call(std::span<const sock_filter> program, uint32_t arch, bool big_endian, uint32_t nr,
                               const std::vector<ArgumentCondition>& conditions) {
  Search search{program, big_endian, steering_values(program, big_endian), {}, 0, {}};
  for (const ArgumentCondition& c : conditions) {
    if (c.index < 6) search.condition[c.index] = &c;
  }
  SeccompData data;
  data.nr = static_cast<int32_t>(nr);
  data.arch = arch;
  data.unknown_args.fill(true);
  search.explore(data);
  return search.result;
}

}  // namespace sysfence::enforce
