#include "analysis/decoded_code_store.h"

#include <utility>

namespace sysfence::analysis {

std::shared_ptr<const FunctionCode> DecodedCodeStore::find(uint64_t key,
                                                           const cfg::FunctionExtent& extent) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  auto it = kept_.find(key);
  if (it == kept_.end()) return nullptr;
  // The same start may be asked about with another extent (a caller's guess against the
  // function list's): only code of the very extent serves.
  return it->second->extent() == extent ? it->second : nullptr;
}

void DecodedCodeStore::keep(uint64_t key, std::shared_ptr<const FunctionCode> code) {
  const size_t size = code->insns().size();
  if (size > kMaxInstructions) return;
  const std::lock_guard<std::mutex> lock(mutex_);
  auto [it, added] = kept_.emplace(key, std::move(code));
  if (!added) return;
  order_.push_back(key);
  instructions_ += size;
  while (instructions_ > kMaxInstructions) drop_oldest();
}

void DecodedCodeStore::forget(uint64_t key) {
  const std::lock_guard<std::mutex> lock(mutex_);
  auto it = kept_.find(key);
  if (it == kept_.end()) return;
  instructions_ -= it->second->insns().size();
  kept_.erase(it);
  // Its key stays in order_ until it comes first; drop_oldest skips keys no longer kept.
  while (!order_.empty() && kept_.count(order_.front()) == 0) order_.pop_front();
}

void DecodedCodeStore::drop_oldest() {
  while (!order_.empty()) {
    const uint64_t key = order_.front();
    order_.pop_front();
    if (auto it = kept_.find(key); it != kept_.end()) {
      instructions_ -= it->second->insns().size();
      kept_.erase(it);
      return;
    }
  }
}

}  // namespace sysfence::analysis
