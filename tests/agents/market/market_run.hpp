// Running a market population directly (no scenario file) and collecting its
// rows, shared by the market tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "simulacra/agents/market/market.hpp"
#include "simulacra/engine/simulation.hpp"

namespace market_test {

using namespace simulacra;
using namespace simulacra::market;

class Collect final : public RowConsumer {
 public:
  explicit Collect(const std::vector<TableSchema>& tables) {
    for (const auto& t : tables) all.emplace_back(t);
  }
  void consume(std::size_t table, const TableChunk& rows) override {
    for (std::size_t r = 0; r < rows.rows(); ++r) all[table].append_row_from(rows, r);
  }
  std::vector<TableChunk> all;
};

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
