// Running a market population directly (no scenario file) and collecting its
// rows, shared by the market tests.
#pragma once

#include <map>
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

/// The kind of each orders row's sender, as the positions table (written at
/// the end of a run) gives it; "" for a sender it lacks.
inline std::vector<std::string> sender_types(const std::vector<TableChunk>& t) {
  const TableChunk& pos = t[MarketPopulation::kPositions];
  std::map<std::int64_t, std::string> type;
  for (std::size_t r = 0; r < pos.rows(); ++r) type[col<std::int64_t>(pos, 0)[r]] = col<std::string>(pos, 1)[r];
  const TableChunk& orders = t[MarketPopulation::kOrders];
  std::vector<std::string> out(orders.rows());
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    const auto it = type.find(col<std::int64_t>(orders, 3)[r]);
    if (it != type.end()) out[r] = it->second;
  }
  return out;
}

/// The label of each orders row's order, from the labels table by order id;
/// "normal" for an order it does not name.
inline std::vector<std::string> order_labels(const std::vector<TableChunk>& t) {
  const TableChunk& labels = t[MarketPopulation::kLabels];
  std::map<std::int64_t, std::string> label;
  for (std::size_t r = 0; r < labels.rows(); ++r) label[col<std::int64_t>(labels, 2)[r]] = col<std::string>(labels, 4)[r];
  const TableChunk& orders = t[MarketPopulation::kOrders];
  std::vector<std::string> out(orders.rows(), "normal");
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    const auto it = label.find(col<std::int64_t>(orders, 2)[r]);
    if (it != label.end()) out[r] = it->second;
  }
  return out;
}

/// Every table's rows equal value for value; float columns by their bits,
/// since NaN (a market order's price) never equals itself.
inline bool same_tables(const std::vector<TableChunk>& a, const std::vector<TableChunk>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t t = 0; t < a.size(); ++t) {
    if (a[t].rows() != b[t].rows() || a[t].column_count() != b[t].column_count()) return false;
    for (std::size_t c = 0; c < a[t].column_count(); ++c) {
      if (const auto* d = std::get_if<std::vector<double>>(&a[t].column(c))) {
        const auto& e = col<double>(b[t], c);
        for (std::size_t r = 0; r < d->size(); ++r) {
          if (to_bits((*d)[r]) != to_bits(e[r])) return false;
        }
      } else if (a[t].column(c) != b[t].column(c)) {
        return false;
      }
    }
  }
  return true;
}

/// The rows of `first` followed by those of `then`, table by table (a run
/// saved part-way and its resumed continuation).
inline std::vector<TableChunk> concat(std::vector<TableChunk> first, const std::vector<TableChunk>& then) {
  for (std::size_t t = 0; t < first.size() && t < then.size(); ++t) {
    for (std::size_t r = 0; r < then[t].rows(); ++r) first[t].append_row_from(then[t], r);
  }
  return first;
}

}  // namespace market_test
