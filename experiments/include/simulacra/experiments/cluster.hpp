// Running on MPI (Open MPI): which rank this process is, and the job pool
// spread over every rank of an `mpirun` launch. A process that mpirun did not
// start, or a build without MPI, is rank 0 of 1 and runs the pool on its own
// cores, so every caller has one code path.
//
// The pool is collective and replicated: every rank runs the same driver
// (the same calibration, the same rare-event search) and calls the pool with
// the same jobs; rank 0 hands out job indices one at a time to whichever
// worker is free, on any rank, and at the end every rank receives every job's
// outcome and payload. The drivers therefore stay identical on every rank and
// their results do not depend on how many ranks ran the jobs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "simulacra/engine/ensemble.hpp"

namespace simulacra::cluster {

/// Starts MPI when this process was launched by mpirun/mpiexec (Open MPI sets
/// OMPI_COMM_WORLD_SIZE) and the build has MPI; otherwise does nothing. Call
/// once, first thing in main. Throws std::runtime_error if MPI fails to start.
void init(int& argc, char**& argv);
/// Ends MPI if init started it; nothing otherwise. Idempotent.
void finalize();
/// This process's rank (0 without MPI).
int rank();
/// Ranks in the launch (1 without MPI).
int size();
/// More than one rank.
inline bool distributed() { return size() > 1; }
/// The build has MPI support (it may still run as one process).
bool built_with_mpi();
/// Stops every rank of the launch at once with `code` (MPI_Abort); without
/// MPI, std::exit(code).
[[noreturn]] void abort_all(int code);

/// Every rank waits for the others (nothing without MPI).
void barrier();
/// Rank 0's `bytes` on every rank (a no-op on one rank).
void broadcast(std::string& bytes);

/// Rank 0's `value` on every rank: for what every rank must agree on though
/// it may compute it differently (from its own cores, or floating-point
/// work that depends on them).
template <class T>
  requires std::is_trivially_copyable_v<T>
T same_as_rank0(T value) {
  if (size() < 2) return value;
  std::string bytes(reinterpret_cast<const char*>(&value), sizeof(T));
  broadcast(bytes);
  std::memcpy(&value, bytes.data(), sizeof(T));
  return value;
}

/// Rank 0's batch of parameter rows and seeds on every rank (a no-op on one).
void same_as_rank0(std::vector<std::vector<double>>& rows, std::vector<std::uint64_t>& seeds);

/// A job that returns bytes for every rank (its result, serialized).
using PayloadJob = std::function<std::string(std::size_t index, unsigned threads)>;
/// On rank 0, right after a job finished anywhere: its index, outcome, the
/// rank that ran it and its payload (e.g. to rewrite a run list as runs end).
/// Called from one thread at a time.
using JobDone = std::function<void(std::size_t index, const JobOutcome& outcome, int rank, const std::string& payload)>;

struct DistributedResult {
  /// As run_ensemble's, the same on every rank: outcomes, counts, the failed
  /// job with the lowest index and its error (rebuilt on every rank with the
  /// same type: UserError, DataError, ConfigError, LookaheadError,
  /// std::bad_alloc or std::runtime_error). plan is this rank's local plan.
  EnsembleResult result;
  std::vector<std::string> payloads;  ///< by job; empty for jobs that failed or did not run
  std::vector<int> ranks;             ///< by job: the rank that ran it, -1 if none did
};

/// run_ensemble over every rank: collective, so every rank calls it with the
/// same count and options. Each rank runs plan_ensemble(count, options)'s jobs
/// at once on its own cores; a worker that finishes takes the next index from
/// rank 0, so fast ranks take more jobs. A failing job stops new ones from
/// starting when options.stop_on_failure (jobs running finish); on_failure
/// runs on the rank that ran the job. `progress` and `done` are called on
/// rank 0 only. On one rank this is run_ensemble with payloads kept.
DistributedResult run_distributed(std::size_t count, const EnsembleOptions& options, const PayloadJob& job,
                                  const ProgressCallback& progress = {}, const JobDone& done = {});

}  // namespace simulacra::cluster
