// Calibration by Bayesian optimisation over a Problem: the Poisson model whose
// posterior is a Gamma (mode, curvature and draws against the closed form),
// a noisy Gaussian simulator, a parameter that does not matter, and the
// budget's limits.
#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"
#include "simulacra/experiments/bo_calibration.hpp"

using namespace simulacra;
using namespace simulacra::calibrate;

namespace {

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// n counts whose mean the single parameter lambda is; every simulated
// summary is lambda itself (a deterministic simulator of the means).
Problem poisson_problem(const std::vector<double>& counts) {
  Problem p;
  p.names = {"lambda"};
  p.priors = {Prior::parse("loguniform(0.5, 200)")};
  Target t;
  t.name = "counts";
  for (std::size_t i = 0; i < counts.size(); ++i) t.summaries.push_back(i);
  t.observed = counts;
  t.model = ObservationModel::parse("poisson", {});
  p.targets = {t};
  const std::size_t n = counts.size();
  p.simulate = [n](const Matrix& thetas, const std::vector<std::uint64_t>&) {
    Matrix out;
    for (const auto& th : thetas) out.emplace_back(n, th[0]);
    return out;
  };
  return p;
}

}  // namespace

TEST_CASE("BO calibration finds the Poisson posterior mode and its Laplace curvature", "[experiments][bo]") {
  // Flat prior on u = log lambda, counts y_1..y_n: the log posterior is
  // S u - n e^u (S = sum y), maximal at lambda = S / n with curvature S in u,
  // so the Laplace sd of log lambda is 1 / sqrt(S); the exact posterior of
  // lambda is Gamma(S, rate n), whose median is about (S - 1/3) / n.
  const std::vector<double> counts = {12, 7, 9, 15, 11, 8, 10, 13};
  double s = 0.0;
  for (double y : counts) s += y;
  const double n = static_cast<double>(counts.size());
  BoCalibrationOptions o;
  o.budget = 40;
  o.seed = 5;
  const BoCalibrationResult r = run_bo_calibration(poisson_problem(counts), o);
  CHECK(r.estimate[0] == Approx(s / n).epsilon(0.03));
  REQUIRE(std::isfinite(r.laplace_sd[0]));
  CHECK(r.laplace_sd[0] == Approx(1.0 / std::sqrt(s)).epsilon(0.15));
  REQUIRE(r.posterior.particles.size() == o.draws);
  std::vector<double> draws;
  for (const auto& p : r.posterior.particles) draws.push_back(p[0]);
  CHECK(median_of(draws) == Approx((s - 1.0 / 3.0) / n).epsilon(0.04));
  CHECK(r.evaluated.size() == o.budget);
  CHECK(r.values.size() == o.budget);
  CHECK(r.posterior.simulations == o.budget);
  // Same seed, same answer.
  const BoCalibrationResult again = run_bo_calibration(poisson_problem(counts), o);
  CHECK(again.estimate == r.estimate);
  CHECK(again.posterior.particles == r.posterior.particles);
}

TEST_CASE("BO calibration's exact target is the profiled Gaussian likelihood", "[experiments][bo]") {
  // Ten noisy summaries mu + N(0, 0.3) against ten observations with mean
  // 2.5: n ln(rms) is smallest where mu is the observations' mean.
  Problem p;
  p.names = {"mu", "unused"};
  p.priors = {Prior::parse("uniform(0, 5)"), Prior::parse("uniform(-1, 1)")};
  Target t;
  t.name = "series";
  for (std::size_t i = 0; i < 10; ++i) t.summaries.push_back(i);
  t.observed = {2.1, 2.9, 2.4, 2.6, 2.2, 2.8, 2.5, 2.3, 2.7, 2.5};
  p.targets = {t};
  p.simulate = [](const Matrix& thetas, const std::vector<std::uint64_t>& seeds) {
    Matrix out;
    for (std::size_t i = 0; i < thetas.size(); ++i) {
      RandomStream rng(seeds[i], 0);
      std::vector<double> row;
      for (int k = 0; k < 10; ++k) row.push_back(thetas[i][0] + 0.3 * rng.normal());
      out.push_back(row);
    }
    return out;
  };
  BoCalibrationOptions o;
  o.budget = 60;
  o.seed = 2;
  const BoCalibrationResult r = run_bo_calibration(p, o);
  CHECK(std::fabs(r.estimate[0] - 2.5) < 0.15);
  // The unused parameter keeps (nearly) its prior's spread.
  std::vector<double> w(r.posterior.particles.size(), 1.0), unused;
  for (const auto& x : r.posterior.particles) unused.push_back(x[1]);
  const ParameterSummary su = summarize_parameter(unused, w, p.priors[1], 1);
  CHECK_FALSE(su.identified);
  std::vector<double> mus;
  for (const auto& x : r.posterior.particles) mus.push_back(x[0]);
  CHECK(summarize_parameter(mus, w, p.priors[0], 1).identified);
  CHECK(target_nll(t, 0.1) == Approx(10.0 * std::log(0.1)));
}

TEST_CASE("BO calibration refuses budgets outside what it can do", "[experiments][bo]") {
  const Problem p = poisson_problem({3, 4, 5});
  BoCalibrationOptions o;
  o.budget = 4;  // below the design of 5
  CHECK_THROWS_AS(run_bo_calibration(p, o), UserError);
  o.budget = 2001;
  CHECK_THROWS_AS(run_bo_calibration(p, o), UserError);
}
