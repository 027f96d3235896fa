// The job pool's ledger inside cluster.cpp: running one job and catching
// what it throws (with a type every rank can rebuild), and rank 0's board of
// which index is next and what every finished job gave. Internal to
// experiments/src.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/state_archive.hpp"
#include "simulacra/experiments/cluster.hpp"

namespace simulacra::cluster::detail {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What a failed job threw, so that every rank rethrows the same type.
enum class ErrorKind : std::int32_t { internal = 0, user, data, config, lookahead, memory };

inline ErrorKind kind_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const LookaheadError&) {
    return ErrorKind::lookahead;
  } catch (const ConfigError&) {
    return ErrorKind::config;
  } catch (const DataError&) {
    return ErrorKind::data;
  } catch (const UserError&) {
    return ErrorKind::user;
  } catch (const std::bad_alloc&) {
    return ErrorKind::memory;
  } catch (...) {
    return ErrorKind::internal;
  }
}

inline std::exception_ptr rebuild(ErrorKind kind, const std::string& what) {
  switch (kind) {
    case ErrorKind::lookahead: return std::make_exception_ptr(LookaheadError(what));
    case ErrorKind::config: return std::make_exception_ptr(ConfigError(what));
    case ErrorKind::data: return std::make_exception_ptr(DataError(what));
    case ErrorKind::user: return std::make_exception_ptr(UserError(what));
    case ErrorKind::memory: return std::make_exception_ptr(std::bad_alloc());
    case ErrorKind::internal: break;
  }
  return std::make_exception_ptr(std::runtime_error(what));
}

// One job run to its end, wherever it ran.
struct Finished {
  std::size_t index = 0;
  JobOutcome outcome;
  ErrorKind kind = ErrorKind::internal;
  std::string payload;
  std::exception_ptr error;  // on the rank that ran it
};

inline Finished execute(const PayloadJob& job, std::size_t i, unsigned threads, const EnsembleOptions& options) {
  Finished f;
  f.index = i;
  const auto start = Clock::now();
  try {
    f.payload = job(i, threads);
    f.outcome.status = JobStatus::succeeded;
  } catch (const std::exception& e) {
    f.outcome.status = JobStatus::failed;
    f.outcome.error = e.what();
    f.error = std::current_exception();
    if (options.on_failure) {
      try {
        options.on_failure(i, e);
      } catch (const std::exception& hook_error) {
        f.outcome.error += std::string("; on failure: ") + hook_error.what();
      } catch (...) {
        f.outcome.error += "; on failure: unknown exception";
      }
    }
  } catch (...) {
    f.outcome.status = JobStatus::failed;
    f.outcome.error = "unknown exception";
    f.error = std::current_exception();
    if (options.on_failure) {
      const std::runtime_error unknown("unknown exception");
      try {
        options.on_failure(i, unknown);
      } catch (...) {
        f.outcome.error += "; on failure: an exception too";
      }
    }
  }
  if (f.error) f.kind = kind_of(f.error);
  f.outcome.seconds = seconds_since(start);
  return f;
}

// Rank 0's ledger: which index is next, and what every finished job gave.
class Board {
 public:
  Board(std::size_t count, const EnsembleOptions& options, const ProgressCallback& progress, const JobDone& done)
      : count_(count), options_(options), progress_(progress), done_(done), start_(Clock::now()) {
    result_.result.outcomes.resize(count);
    result_.payloads.resize(count);
    result_.ranks.assign(count, -1);
    kinds_.assign(count, ErrorKind::internal);
  }

  /// The next index to run, or none once all are handed out or the pool stops.
  std::optional<std::size_t> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stop_ || next_ >= count_) return std::nullopt;
    return next_++;
  }

  /// For another rank's worker: the next indices [first, first + n), n = 0
  /// once none is left. Guided self-scheduling: a share of what remains
  /// (remaining / (2 x workers), at least 1), so a request's round trip is
  /// paid once for many short jobs while the last jobs still go one by one.
  std::pair<std::size_t, std::size_t> take_batch(std::size_t workers) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stop_ || next_ >= count_) return {next_, 0};
    const std::size_t n = std::max<std::size_t>(1, (count_ - next_) / (2 * std::max<std::size_t>(workers, 1)));
    const std::size_t first = next_;
    next_ += n;
    return {first, n};
  }

  void record(Finished f, int rank) {
    std::lock_guard<std::mutex> lock(mutex_);
    EnsembleResult& r = result_.result;
    const std::size_t i = f.index;
    r.outcomes[i] = f.outcome;
    result_.ranks[i] = rank;
    kinds_[i] = f.kind;
    if (f.outcome.status == JobStatus::failed) {
      ++r.failed;
      if (options_.stop_on_failure) stop_ = true;
      if (f.error) local_errors_.emplace_back(i, f.error);
    } else {
      ++r.succeeded;
      result_.payloads[i] = std::move(f.payload);
    }
    if (callback_error_) return;
    try {
      if (done_) done_(i, r.outcomes[i], rank, result_.payloads[i]);
      if (progress_) {
        EnsembleProgress p;
        p.done = r.succeeded + r.failed;
        p.failed = r.failed;
        p.total = count_;
        p.elapsed_s = seconds_since(start_);
        p.rate_per_s = p.elapsed_s > 0.0 ? static_cast<double>(p.done) / p.elapsed_s : 0.0;
        p.eta_s = p.rate_per_s > 0.0 && !stop_ ? static_cast<double>(count_ - p.done) / p.rate_per_s : -1.0;
        progress_(p);
      }
    } catch (...) {
      callback_error_ = std::current_exception();
      stop_ = true;
    }
  }

  /// Every job's outcome, kind, rank and payload, for the other ranks.
  std::string encode() {
    StateArchive ar;
    std::uint64_t n = count_;
    ar.io(n);
    std::uint64_t workers = result_.workers;
    ar.io(workers);
    for (std::size_t i = 0; i < count_; ++i) {
      JobOutcome& o = result_.result.outcomes[i];
      auto status = static_cast<std::uint8_t>(o.status);
      auto kind = static_cast<std::int32_t>(kinds_[i]);
      std::int32_t rank = result_.ranks[i];
      ar.io(status);
      ar.io(kind);
      ar.io(o.error);
      ar.io(o.seconds);
      ar.io(rank);
      ar.io(result_.payloads[i]);
    }
    return ar.bytes();
  }

  /// Fills the counts and the first error; the one with the lowest index, of
  /// the original type where this rank ran it.
  DistributedResult finish() {
    EnsembleResult& r = result_.result;
    r.not_run = count_ - r.succeeded - r.failed;
    for (std::size_t i = 0; i < count_; ++i) {
      if (r.outcomes[i].status != JobStatus::failed) continue;
      r.first_failed_index = i;
      r.first_error = rebuild(kinds_[i], r.outcomes[i].error);
      for (const auto& [j, e] : local_errors_) {
        if (j == i) r.first_error = e;
      }
      break;
    }
    r.elapsed_s = seconds_since(start_);
    if (callback_error_) std::rethrow_exception(callback_error_);
    return std::move(result_);
  }

  /// What rank 0 sent: the same ledger on this rank.
  void decode(const std::string& bytes) {
    StateArchive ar(bytes);
    std::uint64_t n = 0;
    ar.io(n);
    if (n != count_) throw std::logic_error("cluster: ranks disagree on the job count");
    std::uint64_t workers = 0;
    ar.io(workers);
    result_.workers = workers;
    EnsembleResult& r = result_.result;
    r.succeeded = r.failed = 0;
    for (std::size_t i = 0; i < count_; ++i) {
      JobOutcome& o = r.outcomes[i];
      std::uint8_t status = 0;
      std::int32_t kind = 0, rank = -1;
      ar.io(status);
      ar.io(kind);
      ar.io(o.error);
      ar.io(o.seconds);
      ar.io(rank);
      ar.io(result_.payloads[i]);
      o.status = static_cast<JobStatus>(status);
      kinds_[i] = static_cast<ErrorKind>(kind);
      result_.ranks[i] = rank;
      if (o.status == JobStatus::succeeded) ++r.succeeded;
      if (o.status == JobStatus::failed) ++r.failed;
    }
  }

  void set_plan(const EnsemblePlan& plan) {
    result_.result.plan = plan;
    result_.workers = plan.jobs;
  }
  void set_workers(std::size_t workers) { result_.workers = workers; }
  /// Called by this rank's workers concurrently.
  void add_local_error(std::size_t i, std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mutex_);
    local_errors_.emplace_back(i, std::move(e));
  }

 private:
  std::size_t count_;
  const EnsembleOptions& options_;
  const ProgressCallback& progress_;
  const JobDone& done_;
  Clock::time_point start_;
  std::mutex mutex_;
  std::size_t next_ = 0;
  bool stop_ = false;
  DistributedResult result_;
  std::vector<ErrorKind> kinds_;
  std::vector<std::pair<std::size_t, std::exception_ptr>> local_errors_;
  std::exception_ptr callback_error_;
};

// This rank's worker threads: one run_ensemble job per worker slot, each
// looping over the indices it is given (its own failures are recorded per
// index, so the pool itself never stops).
inline EnsembleOptions worker_pool(const EnsemblePlan& plan) {
  EnsembleOptions pool;
  pool.jobs = plan.jobs;
  pool.threads_per_job = plan.threads_per_job;
  pool.cores = plan.jobs * plan.threads_per_job;
  pool.stop_on_failure = false;
  return pool;
}

// Rank 0's workers: take indices from the board until none is left.
inline void local_workers(Board& board, const EnsemblePlan& plan, const PayloadJob& job, const EnsembleOptions& options,
                          int rank) {
  run_ensemble(plan.jobs, worker_pool(plan), [&](std::size_t, unsigned threads) {
    while (const auto i = board.take()) board.record(execute(job, *i, threads, options), rank);
  }).rethrow_first_error();
}

}  // namespace simulacra::cluster::detail
