// Running a market population directly (no scenario file) and collecting its
// rows, shared by the market tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "simulacra/agents/market/market.hpp"
#include "simulacra/engine/simulation.hpp"
#include "support/collect_rows.hpp"

namespace market_test {

using namespace simulacra;
using namespace simulacra::market;

using Collect = simulacra::testing::CollectRows;

struct RunOut {
  std::vector<TableChunk> tables;
  std::uint64_t hash = 0;
  std::uint64_t events = 0;
};

inline RunOut run_market(const MarketParams& p, std::uint64_t seed, double duration,
                         SchedulerKind kind = SchedulerKind::parallel, unsigned threads = 1) {
  EngineConfig cfg;
  cfg.scheduler = kind;
  cfg.threads = threads;
  cfg.lookahead = SimTime{p.latency};
  Simulation sim(cfg, seed);
  sim.add_population(std::make_unique<MarketPopulation>(p, seed, duration));
  Collect out(sim.tables());
  sim.set_row_consumer(&out);
  sim.run_until(SimTime{duration});
  sim.finish();
  return {out.all, sim.trace_hash(), sim.committed_events()};
}

template <class T>
const std::vector<T>& col(const TableChunk& t, std::size_t c) {
  return std::get<std::vector<T>>(t.column(c));
}

}  // namespace market_test
