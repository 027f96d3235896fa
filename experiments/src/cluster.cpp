#include "simulacra/experiments/cluster.hpp"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <thread>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/state_archive.hpp"

#if SIMULACRA_HAVE_MPI
#include <mpi.h>
#endif

namespace simulacra::cluster {

namespace {

using Clock = std::chrono::steady_clock;

int g_rank = 0;
int g_size = 1;
[[maybe_unused]] bool g_started = false;  // MPI_Init_thread was called (builds with MPI)

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What a failed job threw, so that every rank rethrows the same type.
enum class ErrorKind : std::int32_t { internal = 0, user, data, config, lookahead, memory };

ErrorKind kind_of(const std::exception_ptr& e) {
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

std::exception_ptr rebuild(ErrorKind kind, const std::string& what) {
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

Finished execute(const PayloadJob& job, std::size_t i, unsigned threads, const EnsembleOptions& options) {
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

  void set_plan(const EnsemblePlan& plan) { result_.result.plan = plan; }
  void add_local_error(std::size_t i, std::exception_ptr e) { local_errors_.emplace_back(i, std::move(e)); }

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

// Rank 0's workers: take indices from the board until none is left.
void local_workers(Board& board, const EnsemblePlan& plan, const PayloadJob& job, const EnsembleOptions& options) {
  EnsembleOptions pool;
  pool.jobs = plan.jobs;
  pool.threads_per_job = plan.threads_per_job;
  pool.cores = plan.jobs * plan.threads_per_job;
  pool.stop_on_failure = false;
  run_ensemble(plan.jobs, pool, [&](std::size_t, unsigned threads) {
    while (const auto i = board.take()) board.record(execute(job, *i, threads, options), rank());
  }).rethrow_first_error();
}

#if SIMULACRA_HAVE_MPI

// Every MPI call goes through this lock, so MPI_THREAD_SERIALIZED suffices.
std::mutex g_mpi;

constexpr int kTagRequest = 1;
constexpr int kTagReplyBase = 100;

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

// Waits for `requests` without spinning a core: ranks waiting for others
// would otherwise take the cores the working ranks need.
void wait_all(MPI_Request* requests, int n) {
  auto pause = std::chrono::microseconds(20);
  for (;;) {
    int flag = 0;
    {
      std::lock_guard<std::mutex> lock(g_mpi);
      check(MPI_Testall(n, requests, &flag, MPI_STATUSES_IGNORE), "MPI_Testall");
    }
    if (flag) return;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(2000));
  }
}

// Rank 0: answers the other ranks' workers until each was told to stop.
void serve(Board& board, std::size_t remote_workers) {
  std::size_t stopped = 0;
  auto pause = std::chrono::microseconds(20);
  while (stopped < remote_workers) {
    int flag = 0;
    MPI_Status status;
    std::string bytes;
    {
      std::lock_guard<std::mutex> lock(g_mpi);
      check(MPI_Iprobe(MPI_ANY_SOURCE, kTagRequest, MPI_COMM_WORLD, &flag, &status), "MPI_Iprobe");
      if (flag) {
        int n = 0;
        check(MPI_Get_count(&status, MPI_BYTE, &n), "MPI_Get_count");
        bytes.resize(static_cast<std::size_t>(n));
        check(MPI_Recv(bytes.data(), n, MPI_BYTE, status.MPI_SOURCE, kTagRequest, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
              "MPI_Recv");
      }
    }
    if (!flag) {
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(1000));
      continue;
    }
    pause = std::chrono::microseconds(20);
    StateArchive ar(bytes);
    std::uint32_t slot = 0;
    std::uint8_t has = 0;
    ar.io(slot);
    ar.io(has);
    if (has) {
      Finished f;
      std::uint64_t index = 0;
      std::uint8_t st = 0;
      std::int32_t kind = 0;
      ar.io(index);
      ar.io(st);
      ar.io(kind);
      ar.io(f.outcome.error);
      ar.io(f.outcome.seconds);
      ar.io(f.payload);
      f.index = index;
      f.outcome.status = static_cast<JobStatus>(st);
      f.kind = static_cast<ErrorKind>(kind);
      board.record(std::move(f), status.MPI_SOURCE);
    }
    const auto next = board.take();
    std::int64_t reply = next ? static_cast<std::int64_t>(*next) : -1;
    if (!next) ++stopped;
    std::lock_guard<std::mutex> lock(g_mpi);
    check(MPI_Send(&reply, 1, MPI_INT64_T, status.MPI_SOURCE, kTagReplyBase + static_cast<int>(slot), MPI_COMM_WORLD),
          "MPI_Send");
  }
}

// Another rank's worker: reports its last job (if any) and asks for the next.
std::int64_t ask(std::uint32_t slot, const Finished* last) {
  StateArchive ar;
  std::uint8_t has = last ? 1 : 0;
  ar.io(slot);
  ar.io(has);
  if (last) {
    std::uint64_t index = last->index;
    auto st = static_cast<std::uint8_t>(last->outcome.status);
    auto kind = static_cast<std::int32_t>(last->kind);
    std::string error = last->outcome.error;
    double seconds = last->outcome.seconds;
    std::string payload = last->payload;
    ar.io(index);
    ar.io(st);
    ar.io(kind);
    ar.io(error);
    ar.io(seconds);
    ar.io(payload);
  }
  const std::string& bytes = ar.bytes();
  std::int64_t reply = -1;
  MPI_Request requests[2];
  {
    std::lock_guard<std::mutex> lock(g_mpi);
    check(MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, 0, kTagRequest, MPI_COMM_WORLD,
                    &requests[0]),
          "MPI_Isend");
    check(MPI_Irecv(&reply, 1, MPI_INT64_T, 0, kTagReplyBase + static_cast<int>(slot), MPI_COMM_WORLD, &requests[1]),
          "MPI_Irecv");
  }
  wait_all(requests, 2);
  return reply;
}

void remote_workers(Board& board, const EnsemblePlan& plan, const PayloadJob& job, const EnsembleOptions& options) {
  EnsembleOptions pool;
  pool.jobs = plan.jobs;
  pool.threads_per_job = plan.threads_per_job;
  pool.cores = plan.jobs * plan.threads_per_job;
  pool.stop_on_failure = false;
  std::mutex errors;
  run_ensemble(plan.jobs, pool, [&](std::size_t slot, unsigned threads) {
    std::optional<Finished> last;
    for (;;) {
      const std::int64_t i = ask(static_cast<std::uint32_t>(slot), last ? &*last : nullptr);
      if (i < 0) return;
      last = execute(job, static_cast<std::size_t>(i), threads, options);
      if (last->error) {
        std::lock_guard<std::mutex> lock(errors);
        board.add_local_error(last->index, last->error);
      }
    }
  }).rethrow_first_error();
}

#endif  // SIMULACRA_HAVE_MPI

}  // namespace

bool built_with_mpi() { return SIMULACRA_HAVE_MPI != 0; }
int rank() { return g_rank; }
int size() { return g_size; }

void init(int& argc, char**& argv) {
#if SIMULACRA_HAVE_MPI
  if (g_started || std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr) return;
  int provided = 0;
  if (MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    throw std::runtime_error("MPI_Init_thread failed");
  }
  g_started = true;
  if (provided < MPI_THREAD_SERIALIZED) {
    throw std::runtime_error("this MPI library does not allow calls from more than one thread");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
#else
  (void)argc;
  (void)argv;
  const char* ranks = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (ranks != nullptr && std::string(ranks) != "1") {
    throw std::runtime_error("this simulacra was built without MPI (SIMULACRA_MPI=OFF), so its " + std::string(ranks) +
                             " copies under mpirun would each do all the work; run it without mpirun");
  }
#endif
}

void finalize() {
#if SIMULACRA_HAVE_MPI
  if (!g_started) return;
  int done = 0;
  MPI_Finalized(&done);
  if (!done) MPI_Finalize();
  g_started = false;
#endif
}

void abort_all(int code) {
#if SIMULACRA_HAVE_MPI
  if (g_started && g_size > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

void barrier() {
#if SIMULACRA_HAVE_MPI
  if (g_size < 2) return;
  MPI_Request request;
  {
    std::lock_guard<std::mutex> lock(g_mpi);
    check(MPI_Ibarrier(MPI_COMM_WORLD, &request), "MPI_Ibarrier");
  }
  wait_all(&request, 1);
#endif
}

void broadcast(std::string& bytes) {
#if SIMULACRA_HAVE_MPI
  if (g_size < 2) return;
  std::uint64_t n = bytes.size();
  MPI_Request request;
  {
    std::lock_guard<std::mutex> lock(g_mpi);
    check(MPI_Ibcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD, &request), "MPI_Ibcast");
  }
  wait_all(&request, 1);
  if (g_rank != 0) bytes.resize(n);
  // In pieces below MPI's int count.
  constexpr std::uint64_t kPiece = std::uint64_t{1} << 30;
  for (std::uint64_t at = 0; at < n; at += kPiece) {
    const auto len = static_cast<int>(std::min(kPiece, n - at));
    {
      std::lock_guard<std::mutex> lock(g_mpi);
      check(MPI_Ibcast(bytes.data() + at, len, MPI_BYTE, 0, MPI_COMM_WORLD, &request), "MPI_Ibcast");
    }
    wait_all(&request, 1);
  }
#else
  (void)bytes;
#endif
}

void same_as_rank0(std::vector<std::vector<double>>& rows, std::vector<std::uint64_t>& seeds) {
  if (g_size < 2) return;
  auto each = [](StateArchive& a, std::vector<double>& r) { a.io(r); };
  StateArchive out;
  out.io_each(rows, each);
  out.io(seeds);
  std::string bytes = out.bytes();
  broadcast(bytes);
  StateArchive in(bytes);
  in.io_each(rows, each);
  in.io(seeds);
}

DistributedResult run_distributed(std::size_t count, const EnsembleOptions& options, const PayloadJob& job,
                                  const ProgressCallback& progress, const JobDone& done) {
  Board board(count, options, progress, done);
  const EnsemblePlan plan = plan_ensemble(count, options);
  board.set_plan(plan);
  if (g_size < 2) {
    local_workers(board, plan, job, options);
    return board.finish();
  }
#if SIMULACRA_HAVE_MPI
  // Rank 0 learns how many workers the other ranks run (their cores may differ).
  std::int32_t mine = static_cast<std::int32_t>(plan.jobs);
  std::vector<std::int32_t> all(static_cast<std::size_t>(g_size), 0);
  {
    std::lock_guard<std::mutex> lock(g_mpi);
    check(MPI_Gather(&mine, 1, MPI_INT32_T, all.data(), 1, MPI_INT32_T, 0, MPI_COMM_WORLD), "MPI_Gather");
  }
  std::string ledger;
  if (g_rank == 0) {
    std::size_t remote = 0;
    for (int r = 1; r < g_size; ++r) remote += static_cast<std::size_t>(all[static_cast<std::size_t>(r)]);
    std::exception_ptr server_error;
    std::thread server([&] {
      try {
        serve(board, remote);
      } catch (...) {
        server_error = std::current_exception();
      }
    });
    std::exception_ptr local_error;
    try {
      local_workers(board, plan, job, options);
    } catch (...) {
      local_error = std::current_exception();
    }
    server.join();
    if (server_error) abort_all(1);  // the others would wait for rank 0 forever
    if (local_error) std::rethrow_exception(local_error);
    ledger = board.encode();
  } else {
    remote_workers(board, plan, job, options);
  }
  broadcast(ledger);
  if (g_rank != 0) board.decode(ledger);
  return board.finish();
#else
  throw std::logic_error("cluster: more than one rank without MPI");
#endif
}

}  // namespace simulacra::cluster
