// Torch on one CPU thread for a scope (torch module only).
#pragma once

#include <torch/torch.h>

namespace simulacra::learned {

// Torch runs on one CPU thread while we hold this: intra-op parallelism splits
// reductions (matrix products, sums) by thread count, and float addition in a
// different order rounds differently, so results would depend on the core
// count. On networks this small one thread is also faster than the pool's
// hand-offs. The previous count is restored for the caller.
class SingleThread {
 public:
  SingleThread() : previous_(torch::get_num_threads()) { torch::set_num_threads(1); }
  ~SingleThread() { torch::set_num_threads(previous_); }
  SingleThread(const SingleThread&) = delete;
  SingleThread& operator=(const SingleThread&) = delete;

 private:
  int previous_;
};

}  // namespace simulacra::learned
