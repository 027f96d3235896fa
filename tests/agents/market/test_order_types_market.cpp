// The order types and self-trade prevention in running markets: every
// order's quantity accounted for with the new cancel statuses, post-only
// quotes never taking liquidity, icebergs executed, IOC and FOK cut short or
// killed, honest agents never trading with themselves under prevention, and
// the tables the same for any trader_lps and thread count.
#include <map>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "market_run.hpp"

using namespace market_test;

namespace {

constexpr std::uint64_t kSeed = 11;
constexpr double kEnd = 2401.0;

// Forty minutes with two falls, and busy layerers: their honest orders,
// priced from a feed that lags the fall, meet their own layers (which sit
// below the touch they saw), so prevention has work to do.
MarketParams typed_params(SelfTrade stp, PostOnlyMode post_only, TakeOrder take) {
  MarketParams p;
  p.session_close = 2400.0;
  p.trader_lps = 3;
  p.zi_traders = 30;
  p.layerers = 10;
  p.layer_interval = 20.0;
  p.layer_hold = 5.0;
  p.layer_levels = 10;
  p.value_interval_min = 5.0;
  p.value_interval_max = 20.0;
  p.news.push_back({600.0, 0, -0.03});
  p.news.push_back({1500.0, 0, -0.03});
  p.noise_traders = 200;
  p.value_traders = 40;
  p.momentum_traders = 10;
  p.momentum_threshold = 1e-4;
  p.market_makers = 4;
  p.maker_half_spread_ticks = 2;
  p.wash_traders = 2;
  p.wash_interval = 60.0;
  p.spoofers = 2;
  p.spoof_interval = 120.0;
  p.self_trade_prevention = stp;
  p.maker_post_only = post_only;
  p.momentum_order = take;
  p.momentum_limit_ticks = 0;
  p.momentum_max_lots = 60;
  p.iceberg_display_lots = 10;
  return p;
}

std::map<std::string, std::size_t> tally(const TableChunk& t, std::size_t c) {
  std::map<std::string, std::size_t> n;
  for (const std::string& v : col<std::string>(t, c)) ++n[v];
  return n;
}

}  // namespace

TEST_CASE("market: order types and self-trade prevention in a run, every share accounted for",
          "[market][types][conservation]") {
  struct Case {
    SelfTrade stp;
    PostOnlyMode post_only;
    TakeOrder take;
  };
  for (const Case c : {Case{SelfTrade::cancel_newest, PostOnlyMode::reject, TakeOrder::fok},
                       Case{SelfTrade::cancel_oldest, PostOnlyMode::slide, TakeOrder::ioc},
                       Case{SelfTrade::cancel_both, PostOnlyMode::reject, TakeOrder::ioc},
                       Case{SelfTrade::decrement, PostOnlyMode::slide, TakeOrder::fok}}) {
    INFO("policy " << static_cast<int>(c.stp) << ", post-only " << static_cast<int>(c.post_only) << ", take "
                   << static_cast<int>(c.take));
    const MarketParams p = typed_params(c.stp, c.post_only, c.take);
    EngineConfig cfg;
    cfg.threads = 1;
    cfg.lookahead = SimTime{p.latency};
    Simulation sim(cfg, kSeed);
    sim.add_population(std::make_unique<MarketPopulation>(p, kSeed, kEnd));
    Collect out(sim.tables());
    sim.set_row_consumer(&out);
    sim.run_until(SimTime{kEnd});
    sim.finish();
    const auto& pop = dynamic_cast<const MarketPopulation&>(sim.population(0));
    const Ledger l = audit(out.all, pop);
    INFO(l.orders << " orders, " << l.ordered << " shares: filled " << l.filled << ", cancelled " << l.cancelled
                  << ", unfilled " << l.unfilled << ", killed " << l.killed << ", prevented " << l.prevented
                  << ", resting " << l.resting);
    WARN(l.orders << " orders, " << l.ordered << " shares: filled " << l.filled << ", cancelled by agents "
                  << l.cancelled << ", unfilled " << l.unfilled << ", killed " << l.killed << ", self-trade "
                  << l.prevented << ", resting " << l.resting);
    CHECK(l.violations == 0);
    CHECK(l.ordered == l.filled + l.cancelled + l.unfilled + l.killed + l.prevented + l.resting);
    CHECK(l.prevented > 0);

    const TableChunk& orders = out.all[MarketPopulation::kOrders];
    const TableChunk& trades = out.all[MarketPopulation::kTrades];
    const auto types = tally(orders, 7);
    const std::string quote = c.post_only == PostOnlyMode::reject ? "post_only" : "post_only_slide";
    const std::string take = c.take == TakeOrder::fok ? "fok" : "ioc";
    CHECK(types.count(quote) == 1);
    CHECK(types.count("iceberg") == 1);
    CHECK(types.count(take) == 1);
    CHECK(types.count("market") == 1);  // noise traders
    // Statuses: refused quotes, FOK kills or IOC remainders, self-trade cancels.
    std::map<std::string, std::size_t> cancels, refused;
    for (std::size_t r = 0; r < orders.rows(); ++r) {
      const std::string& type = col<std::string>(orders, 7)[r];
      const std::string& status = col<std::string>(orders, 8)[r];
      if (type == "cancel") ++cancels[status];
      if (status == "would_cross") ++refused[type];
      if (type == "iceberg") CHECK(col<std::int64_t>(orders, 9)[r] == 10 * p.lot_size);
      if (type != "iceberg" && type != "cancel") CHECK(col<std::int64_t>(orders, 9)[r] == col<std::int64_t>(orders, 6)[r]);
    }
    CHECK(cancels["self_trade"] > 0);
    CHECK(cancels[c.take == TakeOrder::fok ? "killed" : "unfilled"] > 0);
    if (c.post_only == PostOnlyMode::reject) {
      CHECK(refused["post_only"] > 0);
    }
    CHECK(refused.size() <= 1);
    CHECK(refused.count("post_only_slide") == 0);  // sliding orders are re-priced, never refused here
    // Post-only orders never take liquidity; icebergs are hit; under
    // prevention only the wash traders' labelled orders trade with themselves.
    std::set<std::int64_t> labelled;
    const TableChunk& labels = out.all[MarketPopulation::kLabels];
    for (std::size_t r = 0; r < labels.rows(); ++r) labelled.insert(col<std::int64_t>(labels, 2)[r]);
    const auto aggressors = tally(trades, 9);
    const auto resting = tally(trades, 10);
    CHECK(aggressors.count("post_only") == 0);
    CHECK(aggressors.count("post_only_slide") == 0);
    CHECK(resting.count(quote) == 1);
    CHECK(resting.count("iceberg") == 1);
    CHECK(aggressors.count(take) == 1);
    // (A manipulator's labelled order carries no prevention, so it may
    // still meet its owner's honest resting order.)
    std::size_t self = 0, honest_self = 0;
    for (std::size_t r = 0; r < trades.rows(); ++r) {
      if (col<std::int64_t>(trades, 5)[r] != col<std::int64_t>(trades, 6)[r]) continue;
      ++self;
      const bool buy_aggressor = col<std::string>(trades, 4)[r] == "buy";
      honest_self += labelled.count(col<std::int64_t>(trades, buy_aggressor ? 7 : 8)[r]) == 0;
    }
    CHECK(self > 0);  // wash trades
    CHECK(honest_self == 0);
  }
}

TEST_CASE("market: without prevention honest agents do trade with themselves in the same run", "[market][types]") {
  // The control for the test above: the same market with prevention off.
  MarketParams p = typed_params(SelfTrade::none, PostOnlyMode::off, TakeOrder::market);
  p.iceberg_display_lots = 0;
  const RunOut out = run_market(p, kSeed, kEnd);
  const TableChunk& trades = out.tables[MarketPopulation::kTrades];
  std::set<std::int64_t> labelled;
  const TableChunk& labels = out.tables[MarketPopulation::kLabels];
  for (std::size_t r = 0; r < labels.rows(); ++r) labelled.insert(col<std::int64_t>(labels, 2)[r]);
  std::size_t honest_self = 0;
  for (std::size_t r = 0; r < trades.rows(); ++r) {
    const bool buy_aggressor = col<std::string>(trades, 4)[r] == "buy";
    honest_self += col<std::int64_t>(trades, 5)[r] == col<std::int64_t>(trades, 6)[r] &&
                   labelled.count(col<std::int64_t>(trades, buy_aggressor ? 7 : 8)[r]) == 0;
  }
  CHECK(honest_self > 0);
  for (const std::string& t : col<std::string>(out.tables[MarketPopulation::kOrders], 7)) {
    CHECK((t == "limit" || t == "market" || t == "cancel"));
  }
}

TEST_CASE("market: with every order type the tables are identical for any trader_lps and thread count",
          "[market][types][determinism]") {
  MarketParams p = typed_params(SelfTrade::decrement, PostOnlyMode::slide, TakeOrder::fok);
  p.trader_lps = 1;
  const RunOut want = run_market(p, kSeed, kEnd, SchedulerKind::sequential, 1);
  REQUIRE(want.tables[MarketPopulation::kTrades].rows() > 1000);
  for (const std::uint32_t lps : {3u, 8u}) {
    for (const unsigned threads : {1u, 2u}) {
      INFO("trader_lps " << lps << ", threads " << threads);
      p.trader_lps = lps;
      const RunOut got = run_market(p, kSeed, kEnd, SchedulerKind::parallel, threads);
      CHECK(same_tables(got.tables, want.tables));
    }
  }
}
