// No order quantity disappears: over whole runs of the shipped market
// scenarios every accepted order's quantity is filled (trades), cancelled
// (a cancel row, by its agent or, for a market order's unfilled part, by the
// exchange) or resting in the book at the end; and the case of a
// 20,000-share market sell into a book the makers have left.
#include <string>

#include <catch2/catch.hpp>

#include "market_run.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"

using namespace market_test;

namespace {

struct ScenarioRun {
  Simulation sim;
  std::vector<TableChunk> tables;
};

ScenarioRun run_file(const std::string& file, const Registry& registry) {
  const std::string path = std::string(MARKET_SCENARIOS) + "/" + file;
  const Scenario s = load_scenario(path, {}, registry);
  ScenarioRun out{build_simulation(s, registry, s.seed, 2), {}};
  Collect rows(out.sim.tables());
  out.sim.set_row_consumer(&rows);
  out.sim.run_until(SimTime{s.duration});
  out.sim.finish();
  out.sim.set_row_consumer(nullptr);
  out.tables = std::move(rows.all);
  return out;
}

}  // namespace

TEST_CASE("market: over whole shipped scenarios every order's quantity is filled, cancelled or resting",
          "[market][conservation][scenarios]") {
  Registry registry;
  register_market(registry);
  for (const char* file : {"reference_day.yaml", "flash_crash.yaml", "spoofing_day.yaml", "multi_symbol.yaml",
                           "manipulation_day.yaml"}) {
    INFO(file);
    const ScenarioRun run = run_file(file, registry);
    const auto& pop = dynamic_cast<const MarketPopulation&>(run.sim.population(0));
    const Ledger l = audit(run.tables, pop);
    INFO(l.orders << " orders, " << l.ordered << " shares: filled " << l.filled << ", cancelled " << l.cancelled
                  << ", unfilled " << l.unfilled << ", resting " << l.resting);
    CHECK(l.orders > 10000);
    CHECK(l.violations == 0);
    // Shares filled count both sides of each trade, so they are even in sum;
    // and orders rest at the close.
    CHECK(l.filled % 2 == 0);
    CHECK(l.resting > 0);
    CHECK(l.ordered == l.filled + l.cancelled + l.unfilled + l.killed + l.prevented + l.resting);
  }
}

TEST_CASE("market: a 20,000-share market sell after the makers withdraw is filled in part and the rest cancelled",
          "[market][conservation]") {
  MarketParams p;
  p.session_close = 1800.0;
  p.shocks.push_back({MarketShock::Kind::maker_withdrawal, 1200.0, 0, 0, 600.0});
  p.shocks.push_back({MarketShock::Kind::market_sell, 1201.0, 0, 20000, 0.0});
  EngineConfig cfg;
  cfg.threads = 1;
  cfg.lookahead = SimTime{p.latency};
  Simulation sim(cfg, 2024);
  sim.add_population(std::make_unique<MarketPopulation>(p, 2024, 1801.0));
  Collect out(sim.tables());
  sim.set_row_consumer(&out);
  sim.run_until(SimTime{1801.0});
  sim.finish();
  const auto& pop = dynamic_cast<const MarketPopulation&>(sim.population(0));
  CHECK(audit(out.all, pop).violations == 0);
  // The shock agent's rows: the order, then the exchange's cancel of what
  // the thin book could not fill.
  const TableChunk& orders = out.all[MarketPopulation::kOrders];
  std::int64_t ordered = 0, unfilled = 0, id = -1;
  const std::vector<std::string> sender = sender_types(out.all);
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    if (sender[r] != "shock") continue;
    CHECK(col<double>(orders, 0)[r] == 1201.0);
    id = col<std::int64_t>(orders, 2)[r];
    if (col<std::string>(orders, 7)[r] == "market") {
      CHECK(col<std::string>(orders, 8)[r] == "accepted");
      ordered += col<std::int64_t>(orders, 6)[r];
    } else {
      CHECK(col<std::string>(orders, 7)[r] == "cancel");
      CHECK(col<std::string>(orders, 8)[r] == "unfilled");
      unfilled += col<std::int64_t>(orders, 6)[r];
    }
  }
  std::int64_t filled = 0;
  const TableChunk& trades = out.all[MarketPopulation::kTrades];
  for (std::size_t r = 0; r < trades.rows(); ++r) {
    if (col<std::int64_t>(trades, 8)[r] == id) filled += col<std::int64_t>(trades, 3)[r];
  }
  INFO("filled " << filled << ", unfilled " << unfilled);
  CHECK(ordered == 20000);
  CHECK(filled > 0);
  CHECK(unfilled > 10000);  // the book without makers holds far less than 20,000 shares
  CHECK(filled + unfilled == 20000);
}
