// The cost of handing out jobs across MPI ranks (cluster::run_distributed):
// N jobs of a fixed busy-wait W each, on every rank's cores. Prints jobs per
// second, wall time against the ideal (N x W / workers) and the overhead per
// job, from which the scaling model in docs/experiments.md follows: rank 0
// answers one request at a time, so with P workers and jobs of T seconds it
// keeps up while P / T stays below 1 / (its service time per request).
// Usage: bench_dispatch JOBS WORK_US   (under mpirun: mpirun -np N bench_dispatch ...)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "simulacra/experiments/cluster.hpp"

using namespace simulacra;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  cluster::init(argc, argv);
  if (argc != 3) {
    if (cluster::rank() == 0) std::fprintf(stderr, "usage: bench_dispatch JOBS WORK_US\n");
    cluster::finalize();
    return 2;
  }
  const std::size_t jobs = std::strtoull(argv[1], nullptr, 10);
  const double work_us = std::strtod(argv[2], nullptr);
  EnsembleOptions options;
  cluster::barrier();
  const auto start = Clock::now();
  const auto ran = cluster::run_distributed(jobs, options, [&](std::size_t i, unsigned) {
    const auto until = Clock::now() + std::chrono::duration<double, std::micro>(work_us);
    while (Clock::now() < until) {
    }
    return std::to_string(i);
  });
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const auto workers = static_cast<std::int64_t>(ran.workers);
  if (cluster::rank() == 0) {
    const double ideal = static_cast<double>(jobs) * work_us * 1e-6 / static_cast<double>(workers);
    std::printf("%d rank%s, %lld workers, %zu jobs of %.0f us: %.3f s wall, %.0f jobs/s, ideal %.3f s, "
                "overhead %.1f us per job per worker, %zu failed\n",
                cluster::size(), cluster::size() == 1 ? "" : "s", static_cast<long long>(workers), jobs, work_us,
                wall, static_cast<double>(jobs) / wall, ideal,
                (wall - ideal) * 1e6 * static_cast<double>(workers) / static_cast<double>(jobs),
                ran.result.failed);
  }
  cluster::finalize();
  return ran.result.ok() ? 0 : 1;
}
