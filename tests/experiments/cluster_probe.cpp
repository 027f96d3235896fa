// The job pool across MPI ranks (cluster::run_distributed), checked from
// inside: run as one process and under `tests/mpi/mpirun.sh N`. Every rank
// must see the same outcomes and payloads; jobs must spread over the ranks;
// a failing job's error must reach every rank with its type; rank 0's
// callbacks must see every job once. Exit 0 when all holds.
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <thread>

#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/cluster.hpp"

using namespace simulacra;

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (ok) return;
  ++failures;
  std::fprintf(stderr, "rank %d: FAILED: %s\n", cluster::rank(), what.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  cluster::init(argc, argv);
  const int rank = cluster::rank(), size = cluster::size();

  // Every job's payload on every rank, in job order, jobs spread over ranks.
  {
    const std::size_t n = 40;
    std::size_t done_calls = 0, progress_calls = 0;
    EnsembleOptions options;
    const auto ran = cluster::run_distributed(
        n, options,
        [](std::size_t i, unsigned threads) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5 + 3 * (i % 4)));
          return "job " + std::to_string(i) + " squared " + std::to_string(i * i) + " threads " +
                 std::to_string(threads);
        },
        [&](const EnsembleProgress& p) {
          ++progress_calls;
          expect(p.done == progress_calls && p.total == n, "progress counts up by one");
        },
        [&](std::size_t i, const JobOutcome& o, int by, const std::string& payload) {
          ++done_calls;
          expect(o.status == JobStatus::succeeded && by >= 0 && by < size, "done: a success on a real rank");
          expect(payload.rfind("job " + std::to_string(i) + " ", 0) == 0, "done: the job's own payload");
        });
    expect(ran.result.ok() && ran.result.succeeded == n && ran.result.not_run == 0, "all 40 jobs succeeded");
    std::set<int> ranks;
    for (std::size_t i = 0; i < n; ++i) {
      expect(ran.payloads[i].rfind("job " + std::to_string(i) + " squared " + std::to_string(i * i), 0) == 0,
             "payload " + std::to_string(i) + " is job " + std::to_string(i) + "'s");
      ranks.insert(ran.ranks[i]);
    }
    if (rank == 0) {
      expect(done_calls == n && progress_calls == n, "rank 0's callbacks saw every job once");
    } else {
      expect(done_calls == 0 && progress_calls == 0, "callbacks run on rank 0 only");
    }
    expect(static_cast<int>(ranks.size()) == size, "jobs ran on every one of the " + std::to_string(size) + " ranks");
  }

  // A failure: the lowest failing index, with its type, on every rank; no new
  // job starts after it.
  {
    const std::size_t n = 30;
    EnsembleOptions options;
    options.jobs = 1;
    const auto ran = cluster::run_distributed(n, options, [](std::size_t i, unsigned) -> std::string {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (i == 5 || i == 6) throw DataError("row " + std::to_string(i) + " is bad");
      return "ok";
    });
    expect(!ran.result.ok() && ran.result.first_failed_index == 5, "the first failure is job 5");
    expect(ran.result.not_run > 0, "jobs after a failure do not start");
    expect(ran.result.succeeded + ran.result.failed + ran.result.not_run == n, "every job is counted once");
    bool typed = false;
    try {
      ran.result.rethrow_first_error();
    } catch (const DataError& e) {
      typed = std::string(e.what()) == "row 5 is bad";
    } catch (...) {
    }
    expect(typed, "job 5's DataError is rethrown on every rank");
    expect(ran.payloads[5].empty(), "a failed job has no payload");
  }

  // What every rank must agree on is rank 0's.
  {
    const double mine = 1.5 + rank;
    expect(cluster::same_as_rank0(mine) == 1.5, "same_as_rank0 gives rank 0's value");
    std::vector<std::vector<double>> rows{{static_cast<double>(rank)}};
    std::vector<std::uint64_t> seeds{static_cast<std::uint64_t>(rank) + 7};
    cluster::same_as_rank0(rows, seeds);
    expect(rows.size() == 1 && rows[0][0] == 0.0 && seeds[0] == 7, "same_as_rank0 gives rank 0's batch");
  }

  cluster::barrier();
  if (rank == 0) std::printf("cluster probe: %d rank%s, %s\n", size, size == 1 ? "" : "s", failures ? "FAILED" : "ok");
  cluster::finalize();
  return failures == 0 ? 0 : 1;
}
