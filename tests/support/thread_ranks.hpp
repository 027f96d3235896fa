// A RankExchange over threads of one process, for engine tests of runs
// partitioned over ranks without MPI: rank r is thread r, and every
// collective meets at a barrier.
#pragma once

#include <barrier>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "simulacra/engine/rank_exchange.hpp"

namespace simulacra::testing {

/// What the ranks of one launch share: a barrier and one mailbox per pair.
class ThreadHub {
 public:
  explicit ThreadHub(int size) : size_(size), meet_(size), box_(static_cast<std::size_t>(size)) {
    for (auto& b : box_) b.resize(static_cast<std::size_t>(size));
  }
  int size() const { return size_; }

 private:
  friend class ThreadExchange;
  int size_;
  std::barrier<> meet_;
  std::vector<std::vector<std::string>> box_;  // box_[to][from]
  std::string shared_;
};

class ThreadExchange final : public RankExchange {
 public:
  ThreadExchange(ThreadHub& hub, int rank) : hub_(&hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_->size(); }

  std::vector<std::string> exchange(std::vector<std::string> send) override {
    for (std::size_t r = 0; r < send.size(); ++r) hub_->box_[r][static_cast<std::size_t>(rank_)] = std::move(send[r]);
    hub_->meet_.arrive_and_wait();
    std::vector<std::string> got = std::move(hub_->box_[static_cast<std::size_t>(rank_)]);
    hub_->box_[static_cast<std::size_t>(rank_)].assign(got.size(), std::string());
    hub_->meet_.arrive_and_wait();
    return got;
  }

  std::vector<std::string> gather(std::string mine) override {
    hub_->box_[0][static_cast<std::size_t>(rank_)] = std::move(mine);
    hub_->meet_.arrive_and_wait();
    std::vector<std::string> got;
    if (rank_ == 0) {
      got = std::move(hub_->box_[0]);
      hub_->box_[0].assign(got.size(), std::string());
    }
    hub_->meet_.arrive_and_wait();
    return got;
  }

  void broadcast(std::string& bytes) override {
    if (rank_ == 0) hub_->shared_ = bytes;
    hub_->meet_.arrive_and_wait();
    if (rank_ != 0) bytes = hub_->shared_;
    hub_->meet_.arrive_and_wait();
  }

 private:
  ThreadHub* hub_;
  int rank_;
};

/// Runs `body(exchange)` on `ranks` threads, one per rank, and waits for all.
inline void run_ranks(int ranks, const std::function<void(RankExchange&)>& body) {
  ThreadHub hub(ranks);
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&hub, &body, r] {
      ThreadExchange ex(hub, r);
      body(ex);
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace simulacra::testing
