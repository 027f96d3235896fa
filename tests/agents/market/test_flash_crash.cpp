// Flash crashes that arise from the agents (scenarios/market/flash_crash.yaml):
// a sell program by percentage of volume meets makers that withdraw on
// volatility and stop-loss and momentum traders that sell into the fall.
// Over several seeds the mid falls at least 5 % within 15 minutes in most,
// recovers part of it, and the cascade shows in the orders table. Also: the
// program keeps to its participation rate, and limit up-limit down pauses
// trading when the band is reached.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "market_run.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"

using namespace market_test;

namespace {

constexpr double kStart = 3600.0;  // the scenario's sell program starts at 1h
constexpr double kEnd = 7200.0;    // tests run 2h: an hour before, an hour after

std::vector<TableChunk> run_crash(std::uint64_t seed, const std::vector<std::string>& extra = {}) {
  Registry registry;
  register_market(registry);
  std::vector<Override> o{parse_override("duration=2h"), parse_override("populations[0].params.session_close=2h")};
  for (const std::string& e : extra) o.push_back(parse_override(e));
  const Scenario s = load_scenario(std::string(MARKET_SCENARIOS) + "/flash_crash.yaml", o, registry);
  Simulation sim = build_simulation(s, registry, seed, 1);
  Collect out(sim.tables());
  sim.set_row_consumer(&out);
  sim.run_until(SimTime{s.duration});
  sim.finish();
  return out.all;
}

struct Crash {
  double drop = 0.0;       // 1 - lowest 1-min mid within 15 min of the start / mid at the start
  double trough_min = 0;   // minutes from the start to that low
  double recovery = 0.0;   // share of the drop regained by the end of the run
  std::int64_t stop_sells = 0, momentum_sells = 0, stop_sells_before = 0, momentum_sells_before = 0;
  std::int64_t momentum_buys = 0;  // from the start to the trough
  // The makers' fewest limit orders in a minute within 15 minutes of the
  // start, over their average per minute in the 15 minutes before it.
  double maker_quotes = 0.0;
  // The mean quoted spread (quotes rows) from the start to the trough over
  // that of the 15 minutes before the start.
  double spread = 0.0;
};

Crash measure(const std::vector<TableChunk>& t) {
  const TableChunk& bars = t[MarketPopulation::kBars];
  Crash c;
  double mid0 = NAN, low = INFINITY, end = NAN, trough_t = kStart;
  for (std::size_t r = 0; r < bars.rows(); ++r) {
    const double time = col<double>(bars, 0)[r], mid = col<double>(bars, 8)[r];
    if (std::isnan(mid)) continue;
    if (time <= kStart) mid0 = mid;
    if (time > kStart && time <= kStart + 900.0 && mid < low) {
      low = mid;
      trough_t = time;
    }
    end = mid;
  }
  c.drop = 1.0 - low / mid0;
  c.trough_min = (trough_t - kStart) / 60.0;
  c.recovery = (end - low) / (mid0 - low);
  // The cascade: stop-loss and momentum market sells from the start to the
  // trough, against the same length of time before the start.
  const TableChunk& orders = t[MarketPopulation::kOrders];
  const std::vector<std::string> sender = sender_types(t);
  const double span = trough_t - kStart;
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    if (col<std::string>(orders, 7)[r] != "market") continue;
    const double time = col<double>(orders, 0)[r];
    const std::string& who = sender[r];
    const bool during = time >= kStart && time <= trough_t, before = time >= kStart - span && time < kStart;
    if (col<std::string>(orders, 4)[r] != "sell") {
      if (who == "momentum" && during) ++c.momentum_buys;
      continue;
    }
    if (who == "stop_loss" && during) ++c.stop_sells;
    if (who == "stop_loss" && before) ++c.stop_sells_before;
    if (who == "momentum" && during) ++c.momentum_sells;
    if (who == "momentum" && before) ++c.momentum_sells_before;
  }
  std::map<int, std::int64_t> per_minute;
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    const double time = col<double>(orders, 0)[r];
    if (time < kStart - 900.0 || time >= kStart + 900.0) continue;
    if (sender[r] != "market_maker" || col<std::string>(orders, 7)[r] != "limit") continue;
    ++per_minute[static_cast<int>(std::floor((time - kStart) / 60.0))];
  }
  double before = 0.0, fewest = INFINITY;
  for (int m = -15; m < 15; ++m) {
    if (m < 0) before += static_cast<double>(per_minute[m]) / 15.0;
    else fewest = std::min(fewest, static_cast<double>(per_minute[m]));
  }
  c.maker_quotes = fewest / before;
  const TableChunk& quotes = t[MarketPopulation::kQuotes];
  double sum_during = 0.0, sum_before = 0.0;
  std::int64_t n_during = 0, n_before = 0;
  for (std::size_t r = 0; r < quotes.rows(); ++r) {
    const double time = col<double>(quotes, 0)[r], width = col<double>(quotes, 4)[r] - col<double>(quotes, 2)[r];
    if (std::isnan(width)) continue;
    if (time >= kStart && time <= trough_t) {
      sum_during += width;
      ++n_during;
    } else if (time >= kStart - 900.0 && time < kStart) {
      sum_before += width;
      ++n_before;
    }
  }
  c.spread = (sum_during / static_cast<double>(n_during)) / (sum_before / static_cast<double>(n_before));
  return c;
}

}  // namespace

TEST_CASE("flash crash: the shipped scenario falls 5 % within 15 minutes in most seeds and recovers part",
          "[market][flash_crash]") {
  // Seeds 1-8: in seeds 4 and 6 the fundamental's active regime (value
  // traders buy three times as often) absorbs the program; the rest crash.
  int crashed = 0, recovered = 0;
  std::int64_t momentum_sells = 0, momentum_buys = 0;
  constexpr int kSeeds = 8;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const Crash c = measure(run_crash(seed));
    UNSCOPED_INFO("seed " << seed << ": drop " << 100.0 * c.drop << " % after " << c.trough_min << " min, recovered "
                          << 100.0 * c.recovery << " % of it; stop-loss sells " << c.stop_sells << " (before "
                          << c.stop_sells_before << "), momentum sells " << c.momentum_sells << " (before "
                          << c.momentum_sells_before << "), buys " << c.momentum_buys << ", spread x" << c.spread
                          << ", makers' quotes at least " << c.maker_quotes << " of usual");
    momentum_sells += c.momentum_sells;
    momentum_buys += c.momentum_buys;
    if (c.drop < 0.05) continue;
    ++crashed;
    recovered += c.recovery >= 0.25;
    // The cascade is the agents': the stop-loss traders sell into the fall,
    // and did not in as long a time before it.
    CHECK(c.stop_sells >= 100);
    CHECK(c.stop_sells > 5 * c.stop_sells_before);
    // The makers step back: the quoted spread widens (2.2-2.7 times measured).
    CHECK(c.spread > 1.8);
  }
  CHECK(crashed >= 5);
  CHECK(recovered >= 5);
  // Momentum traders sell into the fall: from the start to the low, far
  // more of their market orders are sells than buys (about 50 % before).
  CHECK(momentum_sells > 2 * momentum_buys);
}

TEST_CASE("flash crash: figures per seed", "[market][flash_crash][.figures]") {
  std::printf("seed luld_band drop_%% trough_min recovered_%% stop_sells(before) momentum_sells(before)/buys halts "
              "maker_quotes spread_x\n");
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    for (const char* luld : {"0", "5%"}) {
      const std::vector<TableChunk> t = run_crash(seed, {std::string("populations[0].params.luld_band=") + luld});
      const Crash c = measure(t);
      std::printf("%4d %9s %6.2f %10.0f %12.0f %11lld(%lld) %16lld(%lld)/%lld %5zu %12.2f %8.1f\n", static_cast<int>(seed), luld,
                  100.0 * c.drop, c.trough_min, 100.0 * c.recovery, static_cast<long long>(c.stop_sells),
                  static_cast<long long>(c.stop_sells_before), static_cast<long long>(c.momentum_sells),
                  static_cast<long long>(c.momentum_sells_before), static_cast<long long>(c.momentum_buys),
                  t[MarketPopulation::kHalts].rows(), c.maker_quotes, c.spread);
    }
  }
  SUCCEED();
}

TEST_CASE("sell program: by volume it keeps to its participation rate", "[market][flash_crash]") {
  // Calm makers, no stop-loss traders: the program's share of the volume
  // while it runs is its participation (20 %).
  MarketParams p;
  p.session_close = 3600.0;
  MarketShock prog;
  prog.kind = MarketShock::Kind::sell_program;
  prog.at = 1200.0;
  prog.quantity = 1000000;  // more than it can sell: it runs to the close
  prog.participation = 0.2;
  prog.slice = 10.0;
  p.shocks.push_back(prog);
  const RunOut out = run_market(p, 5, 3601.0);
  const TableChunk& trades = out.tables[MarketPopulation::kTrades];
  const auto shock = static_cast<std::int64_t>(1000 + 102 + 12 + 2);  // after the traders
  double own = 0.0, all = 0.0;
  for (std::size_t r = 0; r < trades.rows(); ++r) {
    if (col<double>(trades, 0)[r] < 1800.0) continue;  // past the first slices
    const auto q = static_cast<double>(col<std::int64_t>(trades, 3)[r]);
    all += q;
    if (col<std::int64_t>(trades, 6)[r] == shock) own += q;
  }
  INFO("program sold " << own << " of " << all << " shares");
  CHECK(own / all == Approx(0.2).margin(0.05));
}

TEST_CASE("sell program: time-sliced it sells an equal part every slice", "[market][flash_crash]") {
  MarketParams p;
  p.session_close = 1800.0;
  MarketShock prog;
  prog.kind = MarketShock::Kind::sell_program;
  prog.at = 600.0;
  prog.quantity = 6000;
  prog.duration = 600.0;
  prog.slice = 10.0;
  p.shocks.push_back(prog);
  const RunOut out = run_market(p, 5, 1801.0);
  const TableChunk& orders = out.tables[MarketPopulation::kOrders];
  const std::vector<std::string> sender = sender_types(out.tables);
  std::int64_t children = 0, ordered = 0, unfilled = 0;
  double first = 1e9, last = 0.0;
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    if (sender[r] != "shock") continue;
    const auto q = col<std::int64_t>(orders, 6)[r];
    if (col<std::string>(orders, 7)[r] == "cancel") {
      unfilled += q;
      continue;
    }
    ++children;
    ordered += q;
    CHECK(q == 100);  // 6,000 shares over 60 slices
    first = std::min(first, col<double>(orders, 0)[r]);
    last = std::max(last, col<double>(orders, 0)[r]);
  }
  // Every share sold: what a child could not fill went into a later one.
  CHECK(ordered - unfilled == 6000);
  CHECK(children >= 60);
  CHECK(first == 600.0);
  CHECK(last >= 1190.0);
}

TEST_CASE("limit up-limit down: pauses at the band's edge, no trades in a pause, trading resumes",
          "[market][flash_crash]") {
  const std::vector<TableChunk> t = run_crash(1, {"populations[0].params.luld_band=5%"});
  const TableChunk& halts = t[MarketPopulation::kHalts];
  const TableChunk& orders = t[MarketPopulation::kOrders];
  const TableChunk& trades = t[MarketPopulation::kTrades];
  REQUIRE(halts.rows() > 0);
  for (std::size_t h = 0; h < halts.rows(); ++h) {
    const double from = col<double>(halts, 0)[h], to = col<double>(halts, 2)[h];
    const double ref = col<double>(halts, 3)[h];
    INFO("pause " << from << " - " << to << " around " << ref);
    CHECK(to == Approx(from + 300.0));
    CHECK(col<double>(halts, 4)[h] == Approx(ref * 0.95).margin(0.011));
    CHECK(col<double>(halts, 5)[h] == Approx(ref * 1.05).margin(0.011));
    // Nothing trades in the pause (trades at its first instant came before it).
    CHECK(std::none_of(col<double>(trades, 0).begin(), col<double>(trades, 0).end(),
                       [&](double time) { return time > from && time < to; }));
    // Orders that arrive in it are refused as halted.
    for (std::size_t r = 0; r < orders.rows(); ++r) {
      const double time = col<double>(orders, 0)[r];
      if (time > from && time < to && col<std::string>(orders, 7)[r] != "cancel") {
        CHECK(col<std::string>(orders, 8)[r] == "halted");
      }
      if (col<std::string>(orders, 8)[r] == "halted") CHECK(!(time >= to && time < to + 1e-9));
    }
    // Trading resumes after it.
    if (to < kEnd - 600.0) {
      CHECK(std::any_of(col<double>(trades, 0).begin(), col<double>(trades, 0).end(),
                        [&](double time) { return time >= to && time < to + 600.0; }));
    }
  }
  // Halted orders occur only inside pauses.
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    if (col<std::string>(orders, 8)[r] != "halted") continue;
    const double time = col<double>(orders, 0)[r];
    bool inside = false;
    for (std::size_t h = 0; h < halts.rows(); ++h) {
      inside |= time >= col<double>(halts, 0)[h] && time < col<double>(halts, 2)[h];
    }
    CHECK(inside);
  }
}
