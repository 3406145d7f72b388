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

/// Values that can steer `program` for an argument: its constants as low and high
/// words, their neighbours, zero and all ones.
std::vector<uint64_t> steering_values(std::span<const sock_filter> program) {
  std::set<uint32_t> words = {0, 0xffffffffu};
  for (const sock_filter& in : program) {
    const bool compares = BPF_CLASS(in.code) == BPF_JMP && BPF_OP(in.code) != BPF_JA && BPF_SRC(in.code) == BPF_K;
    const bool masks = BPF_CLASS(in.code) == BPF_ALU && BPF_OP(in.code) == BPF_AND && BPF_SRC(in.code) == BPF_K;
    if (!compares && !masks) continue;
    words.insert(in.k);
    words.insert(in.k + 1);
    words.insert(in.k - 1);
  }
  std::set<uint64_t> values;
  for (uint32_t w : words) {
    values.insert(w);                                  // high word 0
    values.insert(uint64_t{0xffffffffu} << 32 | w);    // sign-extended negatives
    values.insert(uint64_t{w} << 32);                  // a high-word constant
  }
  return {values.begin(), values.end()};
}

struct Search {
  std::span<const sock_filter> program;
  bool big_endian;
  std::vector<uint64_t> steering;
  std::array<const ArgumentCondition*, 6> condition{};
  size_t runs = 0;
  CallSearch result;

  /// The values to try for argument `i`.
  std::vector<uint64_t> candidates(int i) const {
    const ArgumentCondition* c = condition[i];
    if (c != nullptr && !c->values.empty()) return c->values;
    if (c == nullptr) return steering;
    std::set<uint64_t> out;
    for (uint64_t v : steering) out.insert((v & ~c->mask) | c->value);
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
  Search search{program, big_endian, steering_values(program), {}, 0, {}};
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
