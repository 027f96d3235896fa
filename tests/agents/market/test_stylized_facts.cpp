// Stylized facts of 1-minute mid returns (Cont 2001) over simulated trading
// days of the reference composition (ABIDES RMSC04: 1,000 noise, 102 value,
// 12 momentum, 2 market makers). One day has only 389 returns, so the
// standard error of an autocorrelation is about 0.05 (0.065 measured across
// days); the test averages each statistic over eight replicate days (still a
// per-day figure) so that the bounds test the model, not one day's noise.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include <catch2/catch.hpp>

#include "market_run.hpp"
#include "simulacra/agents/market/stylized_facts.hpp"
#include "simulacra/engine/random.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"

using namespace market_test;

namespace {

struct Facts {
  double kurtosis = 0.0;
  double acf[6] = {};
  double abs_acf1 = 0.0, abs_acf10 = 0.0;
};

Facts day_facts(const MarketParams& p, int days) {
  Facts f;
  const double duration = p.session_close + 1.0;
  for (int d = 0; d < days; ++d) {
    const RunOut out = run_market(p, derive_seed(2024, static_cast<std::uint64_t>(d)), duration);
    const auto r = log_returns(col<double>(out.tables[MarketPopulation::kBars], 8));
    REQUIRE(r.size() >= 380);
    f.kurtosis += excess_kurtosis(r) / days;
    for (std::size_t l = 1; l <= 5; ++l) f.acf[l] += autocorrelation(r, l) / days;
    f.abs_acf1 += abs_autocorrelation(r, 1) / days;
    f.abs_acf10 += abs_autocorrelation(r, 10) / days;
  }
  return f;
}

// The calibrated reference day (scenarios/market/reference_day.yaml): each
// fact per day, averaged over the days, and the returns of all days pooled
// for the tails.
struct CalibratedFacts {
  double kurtosis = 0.0, hill = 0.0, skew = 0.0, range = 0.0;
  double acf[6] = {};
  double abs_acf[21] = {};
  double volume[13] = {}, abs_return[13] = {};  // per half hour, over the day's mean
  std::vector<double> pooled;
};

CalibratedFacts calibrated_facts(int days) {
  Registry registry;
  register_market(registry);
  const Scenario s = load_scenario(std::string(MARKET_SCENARIOS) + "/reference_day.yaml", {}, registry);
  CalibratedFacts f;
  for (int d = 0; d < days; ++d) {
    Simulation sim = build_simulation(s, registry, derive_seed(s.seed, static_cast<std::uint64_t>(d)), 1);
    Collect out(sim.tables());
    sim.set_row_consumer(&out);
    sim.run_until(SimTime{s.duration});
    sim.finish();
    const TableChunk& bars = out.all[MarketPopulation::kBars];
    const auto& mid = col<double>(bars, 8);
    const auto r = log_returns(mid);
    REQUIRE(r.size() >= 380);
    f.pooled.insert(f.pooled.end(), r.begin(), r.end());
    f.kurtosis += excess_kurtosis(r) / days;
    f.hill += hill_tail_index(r, r.size() / 20) / days;
    for (std::size_t l = 1; l <= 5; ++l) f.acf[l] += autocorrelation(r, l) / days;
    for (std::size_t l = 1; l <= 20; ++l) f.abs_acf[l] += abs_autocorrelation(r, l) / days;
    // The day's range of trade prices over its first trade.
    double high = 0.0, low = INFINITY, open = NAN;
    for (std::size_t b = 0; b < bars.rows(); ++b) {
      if (std::isnan(col<double>(bars, 3)[b])) continue;
      if (std::isnan(open)) open = col<double>(bars, 2)[b];
      high = std::max(high, col<double>(bars, 3)[b]);
      low = std::min(low, col<double>(bars, 4)[b]);
    }
    f.range += (high - low) / open / days;
    // Half-hour buckets of the 390 one-minute bars: volume, mean |return|.
    const auto& volume = col<std::int64_t>(bars, 6);
    double vol_sum[13] = {}, abs_sum[13] = {}, abs_n[13] = {};
    for (std::size_t b = 0; b < bars.rows() && b < 390; ++b) {
      vol_sum[b / 30] += static_cast<double>(volume[b]);
      if (b > 0 && std::isfinite(mid[b]) && std::isfinite(mid[b - 1])) {
        abs_sum[b / 30] += std::abs(std::log(mid[b] / mid[b - 1]));
        abs_n[b / 30] += 1.0;
      }
    }
    const double vol_mean = std::accumulate(vol_sum, vol_sum + 13, 0.0) / 13.0;
    double abs_mean = 0.0;
    for (int k = 0; k < 13; ++k) abs_mean += abs_sum[k] / std::max(abs_n[k], 1.0) / 13.0;
    for (int k = 0; k < 13; ++k) {
      f.volume[k] += vol_sum[k] / vol_mean / days;
      f.abs_return[k] += abs_sum[k] / std::max(abs_n[k], 1.0) / abs_mean / days;
    }
  }
  f.skew = skewness(f.pooled);
  return f;
}

}  // namespace

TEST_CASE("statistics helpers match closed forms", "[market][stats]") {
  CHECK(log_returns({100.0, 110.0, std::nan(""), 121.0, 121.0}) ==
        std::vector<double>{std::log(1.1), 0.0});
  // Alternating series: autocorrelation at lag 1 is -(n-1)/n.
  const std::vector<double> alt{1, -1, 1, -1, 1, -1, 1, -1};
  CHECK(autocorrelation(alt, 1) == Approx(-7.0 / 8.0));
  CHECK(autocorrelation(alt, 2) == Approx(6.0 / 8.0));
  // Two-point distribution: kurtosis 1, excess -2.
  CHECK(excess_kurtosis(alt) == Approx(-2.0));
  // Normal draws: excess kurtosis near 0.
  simulacra::RandomStream rng(3, 0);
  std::vector<double> z(200000);
  for (double& v : z) v = rng.normal();
  CHECK(excess_kurtosis(z) == Approx(0.0).margin(0.05));
  CHECK(std::abs(autocorrelation(z, 1)) < 0.01);
  CHECK(skewness(z) == Approx(0.0).margin(0.02));
  CHECK(skewness({0.0, 0.0, 0.0, 3.0}) == Approx(1.1547).epsilon(1e-4));  // (m3 / m2^1.5 = 1.6875 / 1.4614)
  // Pareto draws of tail index 3: Hill's estimate near 3.
  std::vector<double> pareto(100000);
  for (double& v : pareto) v = std::pow(1.0 - rng.uniform(), -1.0 / 3.0);
  CHECK(hill_tail_index(pareto, 2000) == Approx(3.0).epsilon(0.08));
  CHECK(hill_tail_index({1.0, 2.0}, 5) == 0.0);
}

TEST_CASE("the intraday U has mean 1 over the session and its ratio between the open and midday", "[market][stats]") {
  double sum = 0.0;
  for (int i = 0; i < 23400; ++i) sum += intraday_factor(4.0, 0.0, 23400.0, i + 0.5);
  CHECK(sum / 23400.0 == Approx(1.0).epsilon(1e-6));
  CHECK(intraday_factor(4.0, 0.0, 23400.0, 0.0) / intraday_factor(4.0, 0.0, 23400.0, 11700.0) == Approx(4.0));
  CHECK(intraday_factor(4.0, 0.0, 23400.0, 23400.0) == Approx(intraday_peak(4.0)));
  CHECK(intraday_factor(1.0, 0.0, 23400.0, 5000.0) == 1.0);
  CHECK(intraday_peak(1.0) == 1.0);
}

TEST_CASE("reference day: heavy tails, no linear predictability, volatility clustering", "[market][stylized]") {
  const Facts f = day_facts(MarketParams{}, 8);
  INFO("kurtosis " << f.kurtosis << " acf1..5 " << f.acf[1] << " " << f.acf[2] << " " << f.acf[3] << " "
                   << f.acf[4] << " " << f.acf[5] << " abs_acf1 " << f.abs_acf1 << " abs_acf10 " << f.abs_acf10);
  CHECK(f.kurtosis > 1.0);
  for (std::size_t l = 1; l <= 5; ++l) CHECK(std::abs(f.acf[l]) < 0.1);
  CHECK(f.abs_acf1 > 0.1);
  CHECK(f.abs_acf10 > 0.0);
}

TEST_CASE("the stylized-facts check detects a sluggish market (it can fail)", "[market][stylized]") {
  // Passive value traders against deep maker quotes: prices lag the
  // fundamental and returns trend, as in ABIDES's RMSC04.
  MarketParams p;
  p.value_aggression = 0.3;
  p.value_max_lots = 20;
  p.maker_level_lots = 50;
  const Facts f = day_facts(p, 2);
  INFO("acf1 " << f.acf[1]);
  CHECK(f.acf[1] > 0.2);
}

TEST_CASE("calibrated reference day: the stylized facts of intraday returns over eight days", "[market][stylized]") {
  const CalibratedFacts f = calibrated_facts(8);
  std::ostringstream text;
  text << "kurtosis " << f.kurtosis << " hill " << f.hill << " skew(pooled) " << f.skew << " range " << f.range
       << "\nacf1..5";
  for (std::size_t l = 1; l <= 5; ++l) text << " " << f.acf[l];
  text << "\n|r| acf1..20";
  for (std::size_t l = 1; l <= 20; ++l) text << " " << f.abs_acf[l];
  text << "\nvolume per half hour";
  for (double v : f.volume) text << " " << v;
  text << "\n|r| per half hour";
  for (double v : f.abs_return) text << " " << v;
  INFO(text.str());
  WARN(text.str());
  // Heavy tails (Cont 2001: tail index between 2 and 5; the cubic law).
  CHECK(f.kurtosis > 4.0);
  CHECK(f.hill > 2.5);
  CHECK(f.hill < 4.0);
  // No linear predictability.
  for (std::size_t l = 1; l <= 5; ++l) CHECK(std::abs(f.acf[l]) < 0.1);
  // Volatility clustering: |r| autocorrelated at every lag to 20, slowly
  // decaying (still a fifth of lag 1's at lag 20).
  for (std::size_t l = 1; l <= 20; ++l) CHECK(f.abs_acf[l] > 0.0);
  CHECK(f.abs_acf[20] > 0.2 * f.abs_acf[1]);
  CHECK(f.abs_acf[1] > f.abs_acf[10]);
  // Intraday U of volume and volatility: the first and last hours above the
  // middle three.
  const auto hour = [](const double* x, int from) { return (x[from] + x[from + 1]) / 2.0; };
  const double mid_volume = (hour(f.volume, 4) + hour(f.volume, 6) + hour(f.volume, 8)) / 3.0;
  const double mid_abs = (hour(f.abs_return, 4) + hour(f.abs_return, 6) + hour(f.abs_return, 8)) / 3.0;
  CHECK(hour(f.volume, 0) > 1.5 * mid_volume);
  CHECK(hour(f.volume, 11) > 1.5 * mid_volume);
  CHECK(hour(f.abs_return, 0) > 1.1 * mid_abs);
  CHECK(hour(f.abs_return, 11) > 1.1 * mid_abs);
  // A realistic daily range (a large stock's day: 1-4 %).
  CHECK(f.range > 0.01);
  CHECK(f.range < 0.04);
}
