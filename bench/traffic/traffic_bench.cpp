// Traffic benchmark: a signalised grid (issue 5's reference: 10 x 10, 200 m
// blocks, 2 lanes each way, 10,000 vehicles inserted over one hour, step 1 s).
// Prints sizes, wall seconds, vehicle updates per second and peak RSS.
//
//   traffic_bench [--nx 10] [--rate 10000] [--hours 1] [--drain 0] [--step 1]
//                 [--threads 1] [--blocks 16] [--profile day] [--trajectories 0]
//                 [--phases paired|split] [--green 20] [--partitions 0 (engine default)]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "simulacra/agents/traffic/traffic.hpp"
#include "simulacra/engine/simulation.hpp"

using namespace simulacra;
using namespace simulacra::traffic;

namespace {

// Counts rows without keeping them, as a streaming sink would.
class CountRows final : public RowConsumer {
 public:
  void consume(std::size_t, const TableChunk& rows) override { n += rows.rows(); }
  std::uint64_t n = 0;
};

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

}  // namespace

int main(int argc, char** argv) {
  std::uint32_t nx = 10, threads = 1, blocks = 16;
  double rate = 10000.0, hours = 1.0, drain = 0.0, step = 1.0, trajectories = 0.0;
  bool day_profile = false;
  PhaseScheme phases = PhaseScheme::paired;
  double green = 20.0;
  std::uint32_t partitions = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--nx") nx = static_cast<std::uint32_t>(std::atoi(v));
    else if (k == "--rate") rate = std::atof(v);
    else if (k == "--hours") hours = std::atof(v);
    else if (k == "--drain") drain = std::atof(v);
    else if (k == "--step") step = std::atof(v);
    else if (k == "--threads") threads = static_cast<std::uint32_t>(std::atoi(v));
    else if (k == "--blocks") blocks = static_cast<std::uint32_t>(std::atoi(v));
    else if (k == "--trajectories") trajectories = std::atof(v);
    else if (k == "--profile") day_profile = std::strcmp(v, "day") == 0;
    else if (k == "--phases") phases = std::strcmp(v, "split") == 0 ? PhaseScheme::split : PhaseScheme::paired;
    else if (k == "--green") green = std::atof(v);
    else if (k == "--partitions") partitions = static_cast<std::uint32_t>(std::atoi(v));
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  TrafficParams p;
  p.network = "grid";
  p.grid = {nx, nx, 200.0, 2, 13.89, Control::signal};
  p.step = step;
  p.phase_scheme = phases;
  p.green = green;
  p.blocks = blocks;
  p.demand_rate = rate;
  p.duration = hours * 3600.0;
  p.trajectory_interval = trajectories;
  p.stats_interval = 300.0;
  if (day_profile) {
    // Relative demand by hour of day (two peaks); the mean is 1, so `rate`
    // is the day's mean hourly demand.
    p.demand_profile = {0.15, 0.1, 0.08, 0.08, 0.15, 0.45, 1.2, 2.2, 2.0, 1.2, 1.0, 1.05,
                        1.15, 1.1, 1.1, 1.25, 1.7, 2.2, 1.9, 1.3, 0.9, 0.7, 0.5, 0.3};
    double sum = 0.0;
    for (double m : p.demand_profile) sum += m;
    for (double& m : p.demand_profile) m *= 24.0 / sum;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto pop = std::make_unique<TrafficPopulation>(p);
  const double build = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::size_t vehicles = pop->vehicle_count();
  const std::size_t links = pop->network().links.size();
  EngineConfig cfg;
  cfg.threads = threads;
  cfg.partitions = partitions;
  cfg.lookahead = pop->lookahead_hint();
  Simulation sim(cfg, 1);
  sim.add_population(std::move(pop));
  CountRows rows;
  sim.set_row_consumer(&rows);
  const auto t1 = std::chrono::steady_clock::now();
  // Hour by hour, with a progress line, so that a long run shows where the
  // time goes (a growing number of vehicles on the road means congestion).
  const double end = p.duration + drain;
  for (double t = std::min(3600.0, end);; t = std::min(t + 3600.0, end)) {
    sim.run_until(SimTime{t});
    const auto& now = dynamic_cast<const TrafficPopulation&>(sim.population(0));
    std::printf("  t = %6.0f s  departed %9llu  arrived %9llu  wall %8.2f s\n", t,
                static_cast<unsigned long long>(now.count(kDepartures)),
                static_cast<unsigned long long>(now.count(kArrivals)),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
    std::fflush(stdout);
    if (t >= end) break;
  }
  sim.finish();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  const auto& tp = dynamic_cast<const TrafficPopulation&>(sim.population(0));
  const double updates = static_cast<double>(tp.vehicle_steps());
  std::printf("grid %ux%u (%zu links, 200 m, 2 lanes), step %.2f s, %.1f h + %.0f s drain, blocks %u, threads %u\n",
              nx, nx, links, step, hours, drain, blocks, threads);
  std::printf("partitions             %u\n", sim.partition_count());
  std::printf("signals                %s phases, %.0f s green + 3 s amber\n",
              phases == PhaseScheme::paired ? "paired" : "split", green);
  std::printf("vehicles scheduled     %zu\n", vehicles);
  std::printf("departed / arrived     %llu / %llu\n", static_cast<unsigned long long>(tp.count(kDepartures)),
              static_cast<unsigned long long>(tp.count(kArrivals)));
  std::printf("collisions / gridlocks %llu / %llu\n", static_cast<unsigned long long>(tp.count(kCollisions)),
              static_cast<unsigned long long>(tp.count(kGridlocks)));
  std::printf("rows emitted           %llu\n", static_cast<unsigned long long>(rows.n));
  std::printf("build seconds          %.3f\n", build);
  std::printf("wall seconds           %.3f\n", wall);
  std::printf("vehicle updates        %.0f\n", updates);
  std::printf("vehicle updates/s      %.0f\n", updates / wall);
  std::printf("events committed       %llu\n", static_cast<unsigned long long>(sim.committed_events()));
  std::printf("peak RSS MB            %.1f\n", peak_rss_mb());
  std::printf("trace_hash             %016llx\n", static_cast<unsigned long long>(sim.trace_hash()));
  return 0;
}
