// Drives a traffic population through a Simulation and collects its rows.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "simulacra/agents/traffic/traffic.hpp"
#include "simulacra/engine/simulation.hpp"
#include "support/collect_rows.hpp"

namespace traffic_test {

using namespace simulacra;
using namespace simulacra::traffic;

using Collect = simulacra::testing::CollectRows;

struct Run {
  Simulation sim;
  std::vector<TableChunk> rows;
  const TrafficPopulation& pop() const { return dynamic_cast<const TrafficPopulation&>(sim.population(0)); }
};

/// A simulation of one population, not started, with the population's lookahead.
inline Simulation simulation_of(std::unique_ptr<TrafficPopulation> pop, std::uint64_t seed, unsigned threads) {
  EngineConfig cfg;
  cfg.threads = threads;
  cfg.lookahead = pop->lookahead_hint();
  Simulation sim(cfg, seed);
  sim.add_population(std::move(pop));
  return sim;
}
inline Simulation simulation_of(const TrafficParams& p, unsigned threads = 1) {
  return simulation_of(std::make_unique<TrafficPopulation>(p), p.seed, threads);
}

/// Runs a population to `end` (then finish()) and keeps every row.
inline Run run(std::unique_ptr<TrafficPopulation> pop, std::uint64_t seed, double end, unsigned threads,
               bool finish) {
  Run r{simulation_of(std::move(pop), seed, threads), {}};
  Collect out(r.sim.tables());
  r.sim.set_row_consumer(&out);
  r.sim.run_until(SimTime{end});
  if (finish) r.sim.finish();
  r.rows = out.all;
  return r;
}

/// The same on the network the parameters describe.
inline Run run(const TrafficParams& p, double end, unsigned threads = 1, bool finish = true) {
  return run(std::make_unique<TrafficPopulation>(p), p.seed, end, threads, finish);
}

/// The same on a network built by the test.
inline Run run_on(const TrafficParams& p, Network net, double end, unsigned threads = 1) {
  return run(std::make_unique<TrafficPopulation>(p, std::move(net)), p.seed, end, threads, true);
}

/// The 4 × 4 signalised grid of 150 m blocks that many tests drive: 1,500
/// trips/h, link statistics every minute.
inline TrafficParams small_grid(std::uint32_t lanes = 2, Control control = Control::signal) {
  TrafficParams p;
  p.network = "grid";
  p.grid = {4, 4, 150.0, lanes, 13.89, control};
  p.demand_rate = 1500.0;
  p.stats_interval = 60.0;
  return p;
}

/// Values of one string column.
inline const std::vector<std::string>& strings(const TableChunk& c, std::size_t col) {
  return std::get<std::vector<std::string>>(c.column(col));
}
inline const std::vector<double>& reals(const TableChunk& c, std::size_t col) {
  return std::get<std::vector<double>>(c.column(col));
}
inline const std::vector<std::int64_t>& ints(const TableChunk& c, std::size_t col) {
  return std::get<std::vector<std::int64_t>>(c.column(col));
}

/// Whether two tables hold the same rows in the same order, float columns
/// compared by their bytes (NaN != NaN otherwise).
inline bool same_rows(const TableChunk& a, const TableChunk& b) {
  if (a.rows() != b.rows() || a.column_count() != b.column_count()) return false;
  for (std::size_t c = 0; c < a.column_count(); ++c) {
    if (const auto* x = std::get_if<std::vector<double>>(&a.column(c))) {
      const auto* y = std::get_if<std::vector<double>>(&b.column(c));
      if (y == nullptr || std::memcmp(x->data(), y->data(), x->size() * sizeof(double)) != 0) return false;
    } else if (a.column(c) != b.column(c)) {
      return false;
    }
  }
  return true;
}

inline std::size_t count_events(const Run& r, const std::string& kind) {
  const auto& k = strings(r.rows[TrafficPopulation::kEvents], 1);
  return static_cast<std::size_t>(std::count(k.begin(), k.end(), kind));
}

/// Plain IDM drivers: no heterogeneity, no trucks.
inline TrafficParams homogeneous() {
  TrafficParams p;
  p.truck_share = 0.0;
  p.speed_factor_sd = 0.0;
  p.headway_sd = 0.0;
  p.accel_sd = 0.0;
  p.stats_interval = 0.0;
  return p;
}

/// The trips table as sorted lines (vehicle, entered, arrival, distance,
/// status): equal for runs that differ only in how vehicles were grouped.
inline std::vector<std::string> trip_lines(const Run& r) {
  const auto& t = r.rows[TrafficPopulation::kTrips];
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    std::ostringstream s;
    s.precision(17);
    s << ints(t, 0)[i] << ' ' << reals(t, 5)[i] << ' ' << reals(t, 6)[i] << ' ' << reals(t, 7)[i] << ' '
      << strings(t, 9)[i];
    lines.push_back(s.str());
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace traffic_test
