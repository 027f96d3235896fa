// Jobs processed on worker threads and finished on the submitting thread in
// the order they were submitted, at points that depend only on the queue's
// length: so a file written by `finish` has the same bytes, and sees the same
// sequence of operations, for any number of workers. (The CSV writer's
// formatting and gzip; the HDF5 writer's ChunkPipeline follows the same rule.)
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace simulacra {

template <typename Job>
class OrderedJobs {
 public:
  using Process = std::function<void(Job&)>;  ///< on a worker; may throw (rethrown by submit/drain)
  using Finish = std::function<void(Job&)>;   ///< on the submitting thread, in submission order

  /// `workers` 0: submit() processes each job itself. At most
  /// `max_in_flight` jobs wait (processed or not) before the oldest is finished.
  OrderedJobs(unsigned workers, std::size_t max_in_flight, Process process, Finish finish)
      : max_in_flight_(max_in_flight < 1 ? 1 : max_in_flight), process_(std::move(process)), finish_(std::move(finish)) {
    threads_.reserve(workers);
    for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }

  /// Stops the workers; jobs not yet finished are dropped.
  ~OrderedJobs() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_ready_.notify_all();
    for (auto& t : threads_) t.join();
  }

  OrderedJobs(const OrderedJobs&) = delete;
  OrderedJobs& operator=(const OrderedJobs&) = delete;

  /// A job to fill: one already finished when there is one, so its buffers
  /// keep their capacity. Submitting thread only.
  std::unique_ptr<Job> acquire() {
    if (free_.empty()) return std::make_unique<Job>();
    std::unique_ptr<Job> job = std::move(free_.back());
    free_.pop_back();
    return job;
  }

  /// Queues a job; while more than max_in_flight wait, finishes the oldest.
  /// Throws what process or finish threw; the queue is then unusable (discard()).
  void submit(std::unique_ptr<Job> job) {
    auto slot = std::make_shared<Slot>();
    slot->job = std::move(job);
    if (threads_.empty()) {
      try {
        process_(*slot->job);
      } catch (...) {
        slot->error = std::current_exception();
      }
      slot->claimed = slot->done = true;
    }
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(slot));
    }
    if (!threads_.empty()) work_ready_.notify_one();
    finish_ready(max_in_flight_);
  }

  /// Finishes every queued job, in order. Throws as submit().
  void drain() { finish_ready(0); }

  /// Drops every queued job unfinished. Never throws.
  void discard() noexcept {
    std::lock_guard lock(mutex_);
    queue_.clear();  // workers hold their slots shared: safe mid-process
  }

 private:
  struct Slot {
    std::unique_ptr<Job> job;
    bool claimed = false;
    bool done = false;
    std::exception_ptr error;
  };

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      std::shared_ptr<Slot> slot;
      work_ready_.wait(lock, [&] {
        if (stopping_) return true;
        for (const auto& s : queue_) {
          if (!s->claimed) {
            slot = s;
            return true;
          }
        }
        return false;
      });
      if (!slot) return;
      slot->claimed = true;
      lock.unlock();
      std::exception_ptr error;
      try {
        process_(*slot->job);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      slot->error = error;
      slot->done = true;
      slot_done_.notify_all();
    }
  }

  void finish_ready(std::size_t keep) {
    for (;;) {
      std::shared_ptr<Slot> head;
      {
        std::unique_lock lock(mutex_);
        if (queue_.size() <= keep) return;
        slot_done_.wait(lock, [&] { return queue_.front()->done; });
        head = queue_.front();
        queue_.pop_front();
      }
      if (head->error) std::rethrow_exception(head->error);
      finish_(*head->job);
      if (free_.size() <= max_in_flight_) free_.push_back(std::move(head->job));
    }
  }

  std::size_t max_in_flight_;
  Process process_;
  Finish finish_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable slot_done_;
  std::deque<std::shared_ptr<Slot>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<Job>> free_;
};

}  // namespace simulacra
