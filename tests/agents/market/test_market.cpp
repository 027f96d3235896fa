// The market population end to end: thread determinism, conservation of
// shares and cash, fills reaching the right agents, labelled manipulation,
// and the timeline's shocks.
#include <cmath>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "market_run.hpp"
#include "simulacra/engine/registry.hpp"

using namespace market_test;

namespace {

// One hour, two symbols, every agent kind and every shock: small but busy.
MarketParams busy_params() {
  MarketParams p;
  p.symbols = 2;
  p.session_close = 3600.0;
  p.trader_lps = 5;
  p.zi_traders = 40;
  p.noise_traders = 200;
  p.value_traders = 40;
  p.momentum_traders = 6;
  p.market_makers = 2;
  p.spoofers = 2;
  p.layerers = 2;
  p.wash_traders = 2;
  p.spoof_interval = 120.0;
  p.layer_interval = 120.0;
  p.wash_interval = 60.0;
  p.news.push_back({1200.0, 1, -0.02});
  p.shocks.push_back({MarketShock::Kind::market_sell, 1800.0, 0, 3000, 0.0});
  p.shocks.push_back({MarketShock::Kind::maker_withdrawal, 2400.0, 0, 0, 300.0});
  return p;
}

constexpr std::uint64_t kSeed = 11;
constexpr double kDuration = 3601.0;

}  // namespace

TEST_CASE("market runs give the same trace hash and rows for 1, 2 and 4 threads", "[market][determinism]") {
  const MarketParams p = busy_params();
  const RunOut want = run_market(p, kSeed, kDuration, SchedulerKind::sequential, 1);
  REQUIRE(want.tables.size() == 10);
  REQUIRE(want.tables[MarketPopulation::kTrades].rows() > 1000);
  for (unsigned threads : {1u, 2u, 4u}) {
    const RunOut got = run_market(p, kSeed, kDuration, SchedulerKind::parallel, threads);
    CHECK(got.hash == want.hash);
    CHECK(got.events == want.events);
    CHECK(same_tables(got.tables, want.tables));
  }
  // A different seed gives a different day.
  CHECK(run_market(p, kSeed + 1, kDuration).hash != want.hash);
}

TEST_CASE("a cloned market run finishes exactly like an uncloned one", "[market][clone]") {
  MarketParams p = busy_params();
  EngineConfig cfg;
  cfg.threads = 2;
  cfg.lookahead = SimTime{p.latency};
  Simulation sim(cfg, kSeed);
  sim.add_population(std::make_unique<MarketPopulation>(p, kSeed, kDuration));
  sim.run_until(SimTime{1500.0});
  Simulation copy = sim;
  sim.run_until(SimTime{kDuration});
  copy.set_threads(1);
  copy.run_until(SimTime{kDuration});
  CHECK(copy.trace_hash() == sim.trace_hash());
  CHECK(run_market(p, kSeed, kDuration, SchedulerKind::parallel, 2).hash == sim.trace_hash());
}

TEST_CASE("shares and cash are conserved and every fill reaches its agent", "[market][conservation]") {
  const RunOut out = run_market(busy_params(), kSeed, kDuration);
  const TableChunk& trades = out.tables[MarketPopulation::kTrades];
  const TableChunk& pos = out.tables[MarketPopulation::kPositions];
  // Positions from the trades table, agent by agent.
  std::map<std::int64_t, std::int64_t> shares;
  std::map<std::int64_t, double> cash;
  for (std::size_t r = 0; r < trades.rows(); ++r) {
    const auto q = col<std::int64_t>(trades, 3)[r];
    const double value = static_cast<double>(q) * col<double>(trades, 2)[r];
    shares[col<std::int64_t>(trades, 5)[r]] += q;
    shares[col<std::int64_t>(trades, 6)[r]] -= q;
    cash[col<std::int64_t>(trades, 5)[r]] -= value;
    cash[col<std::int64_t>(trades, 6)[r]] += value;
  }
  std::int64_t total_shares = 0;
  double total_cash = 0.0, gross = 0.0;
  for (std::size_t r = 0; r < pos.rows(); ++r) {
    const auto id = col<std::int64_t>(pos, 0)[r];
    const auto s = col<std::int64_t>(pos, 3)[r];
    const double c = col<double>(pos, 4)[r];
    CHECK(s == shares[id]);
    CHECK(c == Approx(cash[id]).margin(1e-6));
    total_shares += s;
    total_cash += c;
    gross += std::abs(c);
  }
  CHECK(total_shares == 0);
  CHECK(std::abs(total_cash) < 1e-9 * gross);
}

TEST_CASE("manipulators' orders are labelled apart from the orders table, and they also trade honestly",
          "[market][labels]") {
  const MarketParams p = busy_params();
  const RunOut out = run_market(p, kSeed, kDuration);
  const TableChunk& orders = out.tables[MarketPopulation::kOrders];
  const TableChunk& agents = out.tables[MarketPopulation::kAgentLabels];
  const TableChunk& episodes = out.tables[MarketPopulation::kEpisodes];
  // No column of orders names a kind or a label.
  for (const Column& c : MarketPopulation(p, kSeed, kDuration).tables()[MarketPopulation::kOrders].columns) {
    CHECK(c.name != "label");
    CHECK(c.name != "agent_type");
  }
  std::map<std::int64_t, std::string> role;
  for (std::size_t r = 0; r < agents.rows(); ++r) role[col<std::int64_t>(agents, 0)[r]] = col<std::string>(agents, 1)[r];
  CHECK(role.size() == 40 + 200 + 40 + 6 + 2 + 2 + 2 + 2);  // every trader
  // Labelled orders come from agents of that label only; those agents send
  // normal orders too (their honest trading).
  const std::vector<std::string> label = order_labels(out.tables);
  std::map<std::string, std::int64_t> count, honest;
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    const std::string& who = role[col<std::int64_t>(orders, 3)[r]];
    if (label[r] != "normal") CHECK(who == label[r]);
    ++count[label[r]];
    if (label[r] == "normal" && who != "normal") ++honest[who];
  }
  CHECK(count["spoof"] > 20);
  CHECK(count["layering"] > 50);
  CHECK(count["wash"] > 10);
  CHECK(honest["spoof"] > 10);
  CHECK(honest["layering"] > 10);
  CHECK(honest["wash"] > 10);
  // Spoof orders rest and are cancelled, not traded; their sizes lie in the
  // honest range (1..100 lots here) rather than beyond it.
  std::map<std::int64_t, std::int64_t> limit_qty;
  std::int64_t spoof_limits = 0, spoof_cancels = 0;
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    if (label[r] != "spoof") continue;
    const std::string& t = col<std::string>(orders, 7)[r];
    const auto q = col<std::int64_t>(orders, 6)[r];
    CHECK(q <= 100);
    if (t == "limit") ++spoof_limits;
    if (t == "cancel") ++spoof_cancels;
  }
  CHECK(spoof_cancels > spoof_limits / 3);
  // Episodes: one agent of their label each, start <= end, the first and
  // last orders that agent's.
  REQUIRE(episodes.rows() > 10);
  double last_start = 0.0;
  for (std::size_t r = 0; r < episodes.rows(); ++r) {
    const auto who = col<std::int64_t>(episodes, 0)[r];
    CHECK(role[who] == col<std::string>(episodes, 2)[r]);
    CHECK(col<double>(episodes, 3)[r] <= col<double>(episodes, 4)[r]);
    CHECK(col<double>(episodes, 3)[r] >= last_start);
    last_start = col<double>(episodes, 3)[r];
    CHECK((col<std::int64_t>(episodes, 5)[r] >> 32) == who + 1);
    CHECK(col<std::int64_t>(episodes, 5)[r] <= col<std::int64_t>(episodes, 6)[r]);
  }
  // Wash trades: the same agent on both sides. Only manipulators trade with
  // themselves (a spoofer's or layerer's honest order may meet its own
  // fakes), mostly wash traders.
  const TableChunk& trades = out.tables[MarketPopulation::kTrades];
  std::int64_t self_trades = 0, wash = 0;
  for (std::size_t r = 0; r < trades.rows(); ++r) {
    const auto b = col<std::int64_t>(trades, 5)[r];
    if (b == col<std::int64_t>(trades, 6)[r]) {
      ++self_trades;
      CHECK(role[b] != "normal");
      wash += role[b] == "wash" ? 1 : 0;
    }
  }
  CHECK(wash > 5);
  CHECK(wash * 2 > self_trades);
}

TEST_CASE("timeline shocks: news moves the fundamental and the price, a market sell and a maker withdrawal hit the book",
          "[market][shocks]") {
  const RunOut out = run_market(busy_params(), kSeed, kDuration);
  const TableChunk& bars = out.tables[MarketPopulation::kBars];
  auto bar_at = [&](std::int64_t sym, double t, std::size_t c) {
    for (std::size_t r = 0; r < bars.rows(); ++r) {
      if (col<std::int64_t>(bars, 1)[r] == sym && col<double>(bars, 0)[r] == t) return col<double>(bars, c)[r];
    }
    FAIL("no bar at " << t);
    return 0.0;
  };
  // News on symbol 1 at 1200 s: the fundamental jumps by about -2%, and the
  // mid follows within ten minutes.
  const double f_before = bar_at(1, 1140.0, 9), f_after = bar_at(1, 1260.0, 9);
  CHECK(std::log(f_after / f_before) == Approx(-0.02).margin(0.006));
  const double mid_before = bar_at(1, 1140.0, 8), mid_later = bar_at(1, 1800.0, 8);
  CHECK(std::log(mid_later / mid_before) < -0.01);
  CHECK(std::abs(std::log(mid_later / bar_at(1, 1800.0, 9))) < 0.006);

  // The shock agent's market sell of 3,000 shares at 1800 s on symbol 0
  // sweeps several levels: the low of that minute is well below the prior mid.
  const TableChunk& orders = out.tables[MarketPopulation::kOrders];
  const std::vector<std::string> sender = sender_types(out.tables);
  bool found = false;
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    if (sender[r] == "shock") {
      CHECK(col<double>(orders, 0)[r] == 1800.0);
      if (col<std::string>(orders, 7)[r] == "cancel") {
        // What the book could not fill, cancelled by the exchange.
        CHECK(col<std::string>(orders, 8)[r] == "unfilled");
        CHECK(col<std::int64_t>(orders, 6)[r] < 3000);
        continue;
      }
      found = true;
      CHECK(col<std::int64_t>(orders, 6)[r] == 3000);
      CHECK(col<std::string>(orders, 8)[r] == "accepted");
    }
  }
  CHECK(found);
  // (The sell is committed before the 1800 s bar closes, so that bar holds it.)
  const double mid0 = bar_at(0, 1740.0, 8);
  CHECK(bar_at(0, 1800.0, 4) < mid0 - 0.05);  // > 5 ticks through the book
  CHECK(std::isfinite(bar_at(0, 2100.0, 8)));  // and the book refills

  // Maker withdrawal 2400-2700 s: makers send no limit orders then, but do before and after.
  std::int64_t during = 0, before = 0, after = 0;
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    if (sender[r] != "market_maker" || col<std::string>(orders, 7)[r] != "limit") continue;
    const double t = col<double>(orders, 0)[r];
    if (t > 2400.1 && t < 2700.0) ++during;
    if (t < 2400.0) ++before;
    if (t > 2700.1) ++after;
  }
  CHECK(during == 0);
  CHECK(before > 100);
  CHECK(after > 100);
}

TEST_CASE("register_market declares type market with documented parameters and actions", "[market][registry]") {
  Registry r;
  register_market(r);
  const PopulationType* t = r.find("market");
  REQUIRE(t != nullptr);
  std::set<std::string> keys;
  for (const ParamSpec& s : t->params) {
    CHECK(!s.doc.empty());
    CHECK(!s.default_yaml.empty());
    CHECK(keys.insert(s.key).second);
  }
  CHECK(keys.count("value_traders") == 1);
  CHECK(keys.count("latency") == 1);
  std::set<std::string> actions;
  for (const ActionSpec& a : t->actions) actions.insert(a.name);
  CHECK(actions == std::set<std::string>{"news", "market_sell", "maker_withdrawal", "sell_program"});
  CHECK(MarketPopulation(MarketParams{}, 1, 100.0).lookahead_hint().value == MarketParams{}.latency);
}
