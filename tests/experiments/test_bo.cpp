// Bayesian optimisation and its Gaussian process on functions with known
// minima, with observation noise.
#include <cmath>
#include <numbers>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"
#include "simulacra/experiments/bayes_opt.hpp"
#include "simulacra/experiments/gaussian_process.hpp"

using namespace simulacra;
using namespace simulacra::calibrate;
using Rows = std::vector<std::vector<double>>;

namespace {

// A negative log-likelihood in disguise: 0.5 Σ ((θ - c) / s)², observed with
// N(0, noise²) error, so the Laplace sd at the minimum is s.
struct NoisyQuadratic {
  std::vector<double> centre{0.37, -1.2, 2.5};
  std::vector<double> scale{0.2, 0.4, 0.5};
  double noise = 0.05;
  std::uint64_t seed = 99;
  std::size_t calls = 0, evaluations = 0;

  double exact(const std::vector<double>& t) const {
    double f = 0.0;
    for (std::size_t j = 0; j < t.size(); ++j) f += 0.5 * std::pow((t[j] - centre[j]) / scale[j], 2);
    return f;
  }
  BatchObjective objective() {
    return [this](const Rows& thetas) {
      ++calls;
      std::vector<double> v;
      for (const auto& t : thetas) {
        RandomStream rng(seed, evaluations++);
        v.push_back(exact(t) + noise * rng.normal());
      }
      return v;
    };
  }
};

double branin(const std::vector<double>& t) {
  const double a = 1.0, b = 5.1 / (4.0 * std::numbers::pi * std::numbers::pi), c = 5.0 / std::numbers::pi;
  const double r = 6.0, s = 10.0, u = 1.0 / (8.0 * std::numbers::pi);
  return a * std::pow(t[1] - b * t[0] * t[0] + c * t[0] - r, 2) + s * (1.0 - u) * std::cos(t[0]) + s;
}
constexpr double kBraninMin = 0.397887;

}  // namespace

TEST_CASE("Gaussian process interpolates with its noise and fits its hyperparameters", "[experiments][bo]") {
  CHECK(GaussianProcess::matern52(0.0) == 1.0);
  CHECK(GaussianProcess::matern52(1.0) == Approx((1.0 + std::sqrt(5.0) + 5.0 / 3.0) * std::exp(-std::sqrt(5.0))));
  // y = sin(6 u) + N(0, 0.1²) on 30 points.
  RandomStream rng(4, 0);
  Rows x;
  std::vector<double> y;
  for (int i = 0; i < 30; ++i) {
    const double u = (i + 0.5) / 30.0;
    x.push_back({u});
    y.push_back(std::sin(6.0 * u) + 0.1 * rng.normal());
  }
  const GaussianProcess gp = GaussianProcess::fit(x, y);
  INFO("length " << gp.hyper().length_scales[0] << ", signal " << gp.hyper().signal_sd << ", noise "
                 << gp.hyper().noise_sd);
  for (double u : {0.1, 0.33, 0.5, 0.81}) {
    const GaussianProcess::Prediction p = gp.predict({u});
    CHECK(p.mean == Approx(std::sin(6.0 * u)).margin(0.1));
    CHECK(p.sd < 0.1);
  }
  // The noise it found is about the noise put in (standardised scale: the
  // outputs' sd is about 0.7).
  double sd_y = 0.0, m = 0.0;
  for (double v : y) m += v / 30.0;
  for (double v : y) sd_y += (v - m) * (v - m) / 29.0;
  sd_y = std::sqrt(sd_y);
  CHECK(gp.hyper().noise_sd * sd_y == Approx(0.1).epsilon(0.5));
  // Far outside the data the sd grows back towards the signal's.
  CHECK(gp.predict({3.0}).sd > 0.3);
  CHECK_THROWS_AS(GaussianProcess(x, std::vector<double>(29, 0.0), gp.hyper()), UserError);
}

TEST_CASE("BO finds a noisy quadratic's minimum in 60 evaluations with a Laplace interval", "[experiments][bo]") {
  NoisyQuadratic f;
  const std::vector<BoBound> bounds{{-1.0, 1.0}, {-3.0, 0.0}, {0.0, 4.0}};
  BoOptions o;
  o.budget = 60;
  o.seed = 5;
  const BoResult r = run_bo(bounds, f.objective(), o);
  REQUIRE(r.evaluations.size() == 60);
  for (const auto& e : r.evaluations)
    for (std::size_t j = 0; j < 3; ++j) {
      CHECK(e.theta[j] >= bounds[j].low);
      CHECK(e.theta[j] <= bounds[j].high);
    }
  for (std::size_t j = 0; j < 3; ++j) {
    INFO("parameter " << j << ": estimate " << r.estimate[j] << ", Laplace sd " << r.laplace_sd[j] << ", 95% ["
                      << r.interval_low[j] << ", " << r.interval_high[j] << "]");
    // Tolerance: a fifth of s (the posterior sd, were f a negative
    // log-likelihood), where f rises by 0.02, under half the noise sd.
    CHECK(std::abs(r.estimate[j] - f.centre[j]) < 0.2 * f.scale[j]);
    CHECK(r.laplace_sd[j] == Approx(f.scale[j]).epsilon(0.3));
    CHECK(r.interval_low[j] < f.centre[j]);
    CHECK(r.interval_high[j] > f.centre[j]);
  }
  CHECK(f.exact(r.estimate) < 0.02);
  CHECK(r.estimate_mean == Approx(0.0).margin(0.05));
  CHECK(r.estimate_sd < 0.05);
}

TEST_CASE("BO is deterministic for a seed, batches respected", "[experiments][bo]") {
  const std::vector<BoBound> bounds{{-1.0, 1.0}, {-3.0, 0.0}, {0.0, 4.0}};
  BoOptions o;
  o.budget = 30;
  o.batch = 4;
  o.seed = 8;
  NoisyQuadratic f1, f2, f3;
  const BoResult a = run_bo(bounds, f1.objective(), o);
  const BoResult b = run_bo(bounds, f2.objective(), o);
  // The design (7 points) in one call, then 23 in batches of 4 (the last of 3).
  CHECK(f1.calls == 1 + 6);
  REQUIRE(a.evaluations.size() == 30);
  for (std::size_t i = 0; i < 30; ++i) {
    CHECK(a.evaluations[i].theta == b.evaluations[i].theta);
    CHECK(a.evaluations[i].value == b.evaluations[i].value);
  }
  CHECK(a.estimate == b.estimate);
  o.seed = 9;
  const BoResult c = run_bo(bounds, f3.objective(), o);
  CHECK(c.evaluations[0].theta != a.evaluations[0].theta);
}

TEST_CASE("BO on Branin with noise reaches a global minimum", "[experiments][bo]") {
  // Three global minima, value 0.397887; noise sd 0.1.
  std::size_t count = 0;
  const BatchObjective objective = [&](const Rows& thetas) {
    std::vector<double> v;
    for (const auto& t : thetas) {
      RandomStream rng(17, count++);
      v.push_back(branin(t) + 0.1 * rng.normal());
    }
    return v;
  };
  BoOptions o;
  o.budget = 50;
  o.seed = 3;
  const BoResult r = run_bo({{-5.0, 10.0}, {0.0, 15.0}}, objective, o);
  INFO("estimate (" << r.estimate[0] << ", " << r.estimate[1] << "), Branin " << branin(r.estimate));
  CHECK(branin(r.estimate) - kBraninMin < 0.1);
}

TEST_CASE("BO searches log-scale parameters in log coordinates", "[experiments][bo]") {
  // Minimum at rate = 0.004 in [1e-4, 1]: (log10(rate) + 2.4)².
  const BatchObjective objective = [](const Rows& thetas) {
    std::vector<double> v;
    for (const auto& t : thetas) v.push_back(std::pow(std::log10(t[0]) + 2.4, 2));
    return v;
  };
  BoOptions o;
  o.budget = 20;
  o.seed = 2;
  const BoResult r = run_bo({{1e-4, 1.0, true}}, objective, o);
  CHECK(r.estimate[0] == Approx(0.004).epsilon(0.05));
  CHECK(r.interval_low[0] > 0.0);
  CHECK(r.interval_low[0] < 0.004);
  CHECK(r.interval_high[0] > 0.004);
}

TEST_CASE("BO refuses bad bounds, budgets and objectives", "[experiments][bo]") {
  const BatchObjective one = [](const Rows& t) { return std::vector<double>(t.size(), 1.0); };
  BoOptions o;
  CHECK_THROWS_WITH(run_bo({{1.0, 0.0}}, one, o), Catch::Contains("finite low < high"));
  CHECK_THROWS_WITH(run_bo({{0.0, 1.0, true}}, one, o), Catch::Contains("low bound must be positive"));
  CHECK_THROWS_AS(run_bo({}, one, o), UserError);
  o.budget = 3;
  CHECK_THROWS_WITH(run_bo({{0.0, 1.0}}, one, o), Catch::Contains("smaller than the initial design"));
  o.budget = 10;
  const BatchObjective short_batch = [](const Rows&) { return std::vector<double>{1.0}; };
  CHECK_THROWS_WITH(run_bo({{0.0, 1.0}}, short_batch, o), Catch::Contains("returned 1 values"));
  const BatchObjective nan = [](const Rows& t) { return std::vector<double>(t.size(), std::nan("")); };
  CHECK_THROWS_WITH(run_bo({{0.0, 1.0}}, nan, o), Catch::Contains("not finite"));
}
