// Running a market population directly (no scenario file) and collecting its
// rows, shared by the market tests.
#pragma once

#include <map>
#include <memory>
#include <set>
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

/// Every order's quantity over a run, and how many orders do not add up.
struct Ledger {
  std::size_t orders = 0, violations = 0;
  std::uint64_t ordered = 0, filled = 0, cancelled = 0, unfilled = 0, killed = 0, prevented = 0, resting = 0;
};

/// Checks every order of `tables` against its fills, its cancel rows (by its
/// agent; by the exchange: unfilled, killed, self_trade) and what rests in
/// `pop`'s books; counts the orders that do not add up.
inline Ledger audit(const std::vector<TableChunk>& tables, const MarketPopulation& pop) {
  struct Order {
    std::int64_t qty = 0, filled = 0, cancelled = 0, unfilled = 0, killed = 0, prevented = 0;
    std::int64_t symbol = 0;
    std::string type;
    bool accepted = false, seen = false;
  };
  std::map<std::int64_t, Order> book;
  Ledger l;
  const TableChunk& orders = tables[MarketPopulation::kOrders];
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    Order& o = book[col<std::int64_t>(orders, 2)[r]];
    const std::string& type = col<std::string>(orders, 7)[r];
    const std::string& status = col<std::string>(orders, 8)[r];
    const auto q = col<std::int64_t>(orders, 6)[r];
    if (type == "cancel") {
      (status == "unfilled" ? o.unfilled : status == "killed" ? o.killed : status == "self_trade" ? o.prevented
                                                                                                : o.cancelled) += q;
      if (!o.accepted) ++l.violations;  // a cancel of nothing that was accepted
      continue;
    }
    if (o.seen) ++l.violations;  // one order row per id
    o.seen = true;
    o.symbol = col<std::int64_t>(orders, 1)[r];
    o.type = type;
    o.accepted = status == "accepted";
    if (o.accepted) o.qty = q;
  }
  const TableChunk& trades = tables[MarketPopulation::kTrades];
  for (std::size_t r = 0; r < trades.rows(); ++r) {
    const auto q = col<std::int64_t>(trades, 3)[r];
    book[col<std::int64_t>(trades, 7)[r]].filled += q;
    book[col<std::int64_t>(trades, 8)[r]].filled += q;
  }
  // The books know orders by their agents' internal ids, the tables by public ones.
  std::vector<std::uint64_t> internal(pop.agent_count());
  for (std::uint32_t a = 0; a < pop.agent_count(); ++a) internal[pop.public_id(a)] = a;
  const std::set<std::string> resting_types{"limit", "post_only", "post_only_slide", "iceberg"};
  for (const auto& [id, o] : book) {
    const auto agent = (static_cast<std::uint64_t>(id) >> 32) - 1;
    const std::uint64_t book_id = agent < internal.size()
                                      ? (internal[agent] + 1) << 32 | (static_cast<std::uint64_t>(id) & 0xffffffffu)
                                      : static_cast<std::uint64_t>(id);
    const std::int64_t rest = pop.book(static_cast<std::uint32_t>(o.symbol)).remaining(book_id);
    ++l.orders;
    l.ordered += static_cast<std::uint64_t>(o.qty);
    l.filled += static_cast<std::uint64_t>(o.filled);
    l.cancelled += static_cast<std::uint64_t>(o.cancelled);
    l.unfilled += static_cast<std::uint64_t>(o.unfilled);
    l.killed += static_cast<std::uint64_t>(o.killed);
    l.prevented += static_cast<std::uint64_t>(o.prevented);
    l.resting += static_cast<std::uint64_t>(rest);
    const bool adds_up = o.qty == o.filled + o.cancelled + o.unfilled + o.killed + o.prevented + rest;
    // Market, IOC and FOK orders never rest and only they are cut short; a
    // FOK order is filled in full or killed whole.
    const bool rests = resting_types.count(o.type) > 0;
    const bool right_kind = (rests ? o.unfilled == 0 && o.killed == 0 : rest == 0 && o.cancelled == 0) &&
                            (o.type == "fok" || o.killed == 0) && (o.killed == 0 || o.filled == 0);
    if (!o.seen || !adds_up || !right_kind) ++l.violations;
  }
  return l;
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
