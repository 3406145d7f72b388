#pragma once
/// Runs independent pieces of work on every core (the analysis of functions and the
/// loading of modules: DESIGN.md asks for speed measured against objdump).

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace sysfence {

/// The number of worker threads to use: the machine's cores, at least one.
inline unsigned worker_count() { return std::max(1u, std::thread::hardware_concurrency()); }

/// Calls `work(worker, i)` for every i in [0, count), spread over up to `workers`
/// threads (`worker` < workers identifies the thread, for per-thread state). Returns
/// when all calls have returned. `work` must not throw.
template <typename Work>
void parallel_for(size_t count, unsigned workers, Work&& work) {
  workers = static_cast<unsigned>(std::min<size_t>(std::max(1u, workers), count));
  if (workers <= 1) {
    for (size_t i = 0; i < count; ++i) work(0u, i);
    return;
  }
  std::atomic<size_t> next{0};
  auto run = [&](unsigned worker) {
    for (size_t i = next++; i < count; i = next++) work(worker, i);
  };
  std::vector<std::thread> threads;
  for (unsigned w = 1; w < workers; ++w) threads.emplace_back(run, w);
  run(0);
  for (std::thread& t : threads) t.join();
}

}  // namespace sysfence
