// Epidemic benchmark: a city of households, schools, workplaces and a
// mass-action community layer (about a dozen contacts a person a day), with
// hospitalisation and death, run for a number of days. Prints set-up seconds,
// run seconds, CPU seconds per simulated day, agent-days per second, rows and
// peak memory. Usage: bench_epidemic [persons] [days] [threads] [blocks]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "simulacra/agents/epidemic/epidemic.hpp"

using namespace simulacra;
using namespace simulacra::epidemic;

namespace {

class CountRows final : public RowConsumer {
 public:
  void consume(std::size_t, const TableChunk& rows) override { total += rows.rows(); }
  std::uint64_t total = 0;
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace

int main(int argc, char** argv) {
  const auto arg = [&](int i, unsigned long fallback) {
    return argc > i ? std::strtoul(argv[i], nullptr, 10) : fallback;
  };
  EpidemicParams p;
  p.persons = static_cast<std::uint32_t>(arg(1, 1000000));
  const double days = static_cast<double>(arg(2, 200));
  const auto threads = static_cast<unsigned>(arg(3, 1));
  p.blocks = static_cast<std::uint32_t>(arg(4, 64));
  p.initial_infected = p.persons / 10000 + 1;
  p.beta = 0.03;
  p.importation_rate = 2.0;
  using Clock = std::chrono::steady_clock;

  const auto t0 = Clock::now();
  Simulation sim = make_epidemic(p, threads);
  const double setup = std::chrono::duration<double>(Clock::now() - t0).count();
  CountRows rows;
  sim.set_row_consumer(&rows);
  const double cpu0 = cpu_seconds();
  const auto t1 = Clock::now();
  sim.run_until(SimTime{days * kDay});
  sim.finish();
  const double run = std::chrono::duration<double>(Clock::now() - t1).count();
  const double cpu = cpu_seconds() - cpu0;
  const auto& pop = dynamic_cast<const EpidemicPopulation&>(sim.population(0));

  std::printf("epidemic: persons %u, days %.0f, threads %u, blocks %u\n", p.persons, days, threads, p.blocks);
  std::printf("  setup_seconds        %.3f\n", setup);
  std::printf("  run_seconds          %.3f\n", run);
  std::printf("  cpu_seconds_per_day  %.4f\n", cpu / days);
  std::printf("  wall_seconds_per_day %.4f\n", run / days);
  std::printf("  agent_days_per_s     %.3e\n", static_cast<double>(p.persons) * days / run);
  std::printf("  events               %llu (%.3e / s)\n", static_cast<unsigned long long>(sim.committed_events()),
              static_cast<double>(sim.committed_events()) / run);
  std::printf("  ever_infected        %llu (%.1f%%)\n", static_cast<unsigned long long>(pop.ever_infected()),
              100.0 * static_cast<double>(pop.ever_infected()) / p.persons);
  std::printf("  rows                 %llu\n", static_cast<unsigned long long>(rows.total));
  std::printf("  peak_rss_mb          %.1f\n", peak_rss_mb());
  std::printf("  trace_hash           %016llx\n", static_cast<unsigned long long>(sim.trace_hash()));
  return 0;
}
