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
#include "job_ledger.hpp"

#if SIMULACRA_HAVE_MPI
#include <mpi.h>
#endif

namespace simulacra::cluster {

namespace {

using namespace detail;

int g_rank = 0;
int g_size = 1;
[[maybe_unused]] bool g_started = false;  // MPI_Init_thread was called (builds with MPI)

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
    pause = std::min(pause * 2, std::chrono::microseconds(500));
  }
}

// What a worker of another rank sends: its slot and the jobs it finished.
void io_request(StateArchive& ar, std::uint32_t& slot, std::vector<Finished>& done) {
  ar.io(slot);
  ar.io_each(done, [](StateArchive& a, Finished& f) {
    std::uint64_t index = f.index;
    auto st = static_cast<std::uint8_t>(f.outcome.status);
    auto kind = static_cast<std::int32_t>(f.kind);
    a.io(index);
    a.io(st);
    a.io(kind);
    a.io(f.outcome.error);
    a.io(f.outcome.seconds);
    a.io(f.payload);
    f.index = index;
    f.outcome.status = static_cast<JobStatus>(st);
    f.kind = static_cast<ErrorKind>(kind);
  });
}

// Rank 0: answers the other ranks' workers until each was told to stop.
void serve(Board& board, std::size_t remote_workers, std::size_t all_workers) {
  std::size_t stopped = 0;
  auto pause = std::chrono::microseconds(10);
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
      pause = std::min(pause * 2, std::chrono::microseconds(250));
      continue;
    }
    pause = std::chrono::microseconds(10);
    StateArchive ar(bytes);
    std::uint32_t slot = 0;
    std::vector<Finished> done;
    io_request(ar, slot, done);
    for (auto& f : done) board.record(std::move(f), status.MPI_SOURCE);
    const auto [first, n] = board.take_batch(all_workers);
    std::int64_t reply[2] = {static_cast<std::int64_t>(first), static_cast<std::int64_t>(n)};
    if (n == 0) ++stopped;
    std::lock_guard<std::mutex> lock(g_mpi);
    check(MPI_Send(reply, 2, MPI_INT64_T, status.MPI_SOURCE, kTagReplyBase + static_cast<int>(slot), MPI_COMM_WORLD),
          "MPI_Send");
  }
}

// Another rank's worker: reports the jobs it finished and asks for more;
// returns the next indices as (first, count), count 0 to stop.
std::pair<std::size_t, std::size_t> ask(std::uint32_t slot, std::vector<Finished>& done) {
  StateArchive ar;
  io_request(ar, slot, done);
  const std::string& bytes = ar.bytes();
  std::int64_t reply[2] = {0, 0};
  MPI_Request requests[2];
  {
    std::lock_guard<std::mutex> lock(g_mpi);
    check(MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, 0, kTagRequest, MPI_COMM_WORLD,
                    &requests[0]),
          "MPI_Isend");
    check(MPI_Irecv(reply, 2, MPI_INT64_T, 0, kTagReplyBase + static_cast<int>(slot), MPI_COMM_WORLD, &requests[1]),
          "MPI_Irecv");
  }
  wait_all(requests, 2);
  return {static_cast<std::size_t>(reply[0]), static_cast<std::size_t>(reply[1])};
}

void remote_workers(Board& board, const EnsemblePlan& plan, const PayloadJob& job, const EnsembleOptions& options) {
  run_ensemble(plan.jobs, worker_pool(plan), [&](std::size_t slot, unsigned threads) {
    std::vector<Finished> done;
    for (;;) {
      const auto [first, n] = ask(static_cast<std::uint32_t>(slot), done);
      if (n == 0) return;
      done.clear();
      for (std::size_t i = first; i < first + n; ++i) {
        done.push_back(execute(job, i, threads, options));
        if (done.back().error) {
          board.add_local_error(i, done.back().error);
          if (options.stop_on_failure) break;  // the rest of the batch is not run
        }
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
    local_workers(board, plan, job, options, g_rank);
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
    board.set_workers(plan.jobs + remote);
    std::exception_ptr server_error;
    std::thread server([&] {
      try {
        serve(board, remote, plan.jobs + remote);
      } catch (...) {
        server_error = std::current_exception();
      }
    });
    std::exception_ptr local_error;
    try {
      local_workers(board, plan, job, options, g_rank);
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
