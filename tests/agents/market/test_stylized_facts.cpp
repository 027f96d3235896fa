// Stylized facts of 1-minute mid returns (Cont 2001) over simulated trading
// days of the reference composition (ABIDES RMSC04: 1,000 noise, 102 value,
// 12 momentum, 2 market makers). One day has only 389 returns, so the
// standard error of an autocorrelation is about 0.05 (0.065 measured across
// days); the test averages each statistic over eight replicate days (still a
// per-day figure) so that the bounds test the model, not one day's noise.
#include <cmath>

#include <catch2/catch.hpp>

#include "market_run.hpp"
#include "simulacra/agents/market/stylized_facts.hpp"
#include "simulacra/engine/random.hpp"

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
