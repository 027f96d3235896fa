// ABC-SMC against closed-form posteriors, through the batched simulator
// interface: the conjugate Gaussian model run as an external program,
// simulation-based calibration over many truths, identifiability,
// replicates, a fitted reporting rate, and determinism across jobs.
#include <cmath>
#include <cstdio>

#include <catch2/catch.hpp>

#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/calibrate.hpp"
#include "simulacra/experiments/external_simulator.hpp"

using namespace simulacra;
using namespace simulacra::calibrate;

namespace {

struct Moments {
  double mean = 0.0, sd = 0.0;
};

Moments moments(const AbcResult& r, std::size_t k) {
  Moments m;
  for (std::size_t i = 0; i < r.particles.size(); ++i) m.mean += r.weights[i] * r.particles[i][k];
  double v = 0.0;
  for (std::size_t i = 0; i < r.particles.size(); ++i) v += r.weights[i] * std::pow(r.particles[i][k] - m.mean, 2);
  m.sd = std::sqrt(v);
  return m;
}

Target exact_target(std::string name, std::vector<std::size_t> summaries, std::vector<double> observed) {
  Target t;
  t.name = std::move(name);
  t.summaries = std::move(summaries);
  t.observed = std::move(observed);
  return t;
}

EnsembleOptions jobs(unsigned n) {
  EnsembleOptions e;
  e.jobs = n;
  return e;
}

const std::string kGaussian = SIMULACRA_GAUSSIAN_SIMULATOR;

}  // namespace

TEST_CASE("ABC-SMC recovers the conjugate Gaussian posterior through an external simulator", "[experiments][abc]") {
  // y_i ~ N(mu, 1), i = 1..10, prior mu ~ N(0, 1), observed mean 1.2: the
  // posterior is N(10 * 1.2 / 11, 1 / 11). The mean of the draws is
  // sufficient, so ABC on it targets the exact posterior.
  const double n = 10.0, ybar = 1.2;
  const double post_mean = n * ybar / (n + 1.0), post_sd = std::sqrt(1.0 / (n + 1.0));
  ExternalSimulatorOptions ext;
  ext.command = kGaussian;
  ext.parameter_names = {"mu"};
  ext.summary_names = {"ybar", "noise"};
  ext.ensemble = jobs(2);
  Problem p;
  p.names = {"mu"};
  p.priors = {Prior::parse("normal(0, 1)")};
  p.targets = {exact_target("ybar", {0}, {ybar})};
  p.simulate = external_simulator(ext);
  AbcOptions o;
  o.population = 1000;
  o.budget = 30000;
  o.batch = 1000;
  o.seed = 11;
  const AbcResult r = run_abc_smc(p, o);
  const Moments m = moments(r, 0);
  INFO("posterior mean " << m.mean << " (exact " << post_mean << "), sd " << m.sd << " (exact " << post_sd
                         << "), generations " << r.generations.size() << ", last tolerance " << r.generations.back().tolerance);
  // Sampling error of the mean with an ESS of a few hundred: ~0.02.
  CHECK(std::abs(m.mean - post_mean) < 0.05);
  CHECK(std::abs(m.sd / post_sd - 1.0) < 0.15);
  CHECK(r.generations.size() >= 4);
  CHECK(r.simulations <= o.budget);
  REQUIRE(r.contributions.size() == 1);
  CHECK(r.contributions[0] == Approx(1.0));
  // The same posterior for 1 and 2 jobs (invocations split differently).
  o.population = 100;
  o.budget = 1000;
  o.batch = 64;
  ext.ensemble = jobs(1);
  p.simulate = external_simulator(ext);
  const AbcResult a = run_abc_smc(p, o);
  ext.ensemble = jobs(2);
  ext.max_rows_per_call = 7;
  p.simulate = external_simulator(ext);
  const AbcResult b = run_abc_smc(p, o);
  CHECK(a.particles == b.particles);
  CHECK(a.weights == b.weights);
}

TEST_CASE("ABC-SMC simulation-based calibration: 90 % intervals cover about 90 % of truths", "[experiments][abc]") {
  // 200 truths mu* ~ N(0, 1) (the prior), data ybar ~ N(mu*, 1/10). For each,
  // the rank of mu* in the posterior: uniform if the posterior is right.
  const std::size_t truths = 200;
  RandomStream truth_rng(2024, 0);
  std::size_t covered = 0;
  std::vector<std::size_t> histogram(10, 0);
  for (std::size_t i = 0; i < truths; ++i) {
    const double mu_true = truth_rng.normal();
    const double y = mu_true + truth_rng.normal() / std::sqrt(10.0);
    Problem p;
    p.names = {"mu"};
    p.priors = {Prior::parse("normal(0, 1)")};
    p.targets = {exact_target("ybar", {0}, {y})};
    p.simulate = parallel_rows(
        [](const std::vector<double>& theta, std::uint64_t seed) {
          RandomStream rng(seed, 0);
          return std::vector<double>{theta[0] + rng.normal() / std::sqrt(10.0)};
        },
        jobs(1));
    AbcOptions o;
    o.population = 200;
    o.budget = 4000;
    o.batch = 200;
    o.seed = 100 + i;
    const AbcResult r = run_abc_smc(p, o);
    std::vector<double> xs;
    for (const auto& x : r.particles) xs.push_back(x[0]);
    const double lo = weighted_quantile(xs, r.weights, 0.05), hi = weighted_quantile(xs, r.weights, 0.95);
    covered += lo <= mu_true && mu_true <= hi ? 1 : 0;
    double below = 0.0;
    for (std::size_t k = 0; k < xs.size(); ++k) below += xs[k] < mu_true ? r.weights[k] : 0.0;
    ++histogram[std::min<std::size_t>(9, static_cast<std::size_t>(below * 10.0))];
  }
  const double coverage = static_cast<double>(covered) / static_cast<double>(truths);
  std::printf("SBC over %zu truths: 90%% intervals cover %.1f%%; rank histogram (deciles):", truths, 100.0 * coverage);
  for (auto h : histogram) std::printf(" %zu", h);
  std::printf("\n");
  INFO("coverage " << coverage);
  CHECK(coverage >= 0.84);
  CHECK(coverage <= 0.96);
  // No decile far from its expected 20 (a chi-square check with 9 degrees
  // of freedom: 27.9 is its 0.999 quantile).
  double chi2 = 0.0;
  for (auto h : histogram) chi2 += std::pow(static_cast<double>(h) - 20.0, 2) / 20.0;
  CHECK(chi2 < 27.9);
}

TEST_CASE("ABC-SMC: a parameter that does not matter keeps its prior and is reported unidentified", "[experiments][abc]") {
  Problem p;
  p.names = {"a", "b"};
  p.priors = {Prior::parse("uniform(0, 1)"), Prior::parse("uniform(0, 1)")};
  p.targets = {exact_target("s", {0}, {0.5})};
  p.simulate = parallel_rows(
      [](const std::vector<double>& theta, std::uint64_t seed) {
        RandomStream rng(seed, 0);
        return std::vector<double>{theta[0] + 0.1 * rng.normal()};  // theta[1] plays no part
      },
      jobs(2));
  AbcOptions o;
  o.population = 500;
  o.budget = 8000;
  const AbcResult r = run_abc_smc(p, o);
  const Moments fitted = moments(r, 0), ignored = moments(r, 1);
  CHECK(fitted.sd < 0.15);  // the exact posterior has sd 0.1; prior 0.289
  CHECK(std::abs(ignored.sd / 0.2887 - 1.0) < 0.15);
  CHECK(std::abs(ignored.mean - 0.5) < 0.06);
  std::vector<double> a, b;
  for (const auto& x : r.particles) {
    a.push_back(x[0]);
    b.push_back(x[1]);
  }
  CHECK(summarize_parameter(a, r.weights, p.priors[0], 1).identified);
  const ParameterSummary sb = summarize_parameter(b, r.weights, p.priors[1], 1);
  CHECK_FALSE(sb.identified);
  CHECK(sb.width_vs_prior > 0.8);
}

TEST_CASE("ABC-SMC: targets are scaled by the prior's median discrepancy and report their shares", "[experiments][abc]") {
  // Two targets on scales 1000 apart: both inform theta alike once scaled.
  Problem p;
  p.names = {"theta"};
  p.priors = {Prior::parse("uniform(0, 1)")};
  p.targets = {exact_target("small", {0}, {0.3}), exact_target("large", {1}, {300.0})};
  p.simulate = parallel_rows(
      [](const std::vector<double>& theta, std::uint64_t seed) {
        RandomStream rng(seed, 0);
        return std::vector<double>{theta[0] + 0.05 * rng.normal(), 1000.0 * theta[0] + 50.0 * rng.normal()};
      },
      jobs(2));
  AbcOptions o;
  o.population = 300;
  o.budget = 4000;
  const AbcResult r = run_abc_smc(p, o);
  REQUIRE(r.scales.size() == 2);
  // Median |U - 0.3| over the prior is about 0.25 (plus noise); times 1000 for the second.
  CHECK(r.scales[0] == Approx(0.25).margin(0.06));
  CHECK(r.scales[1] / r.scales[0] == Approx(1000.0).epsilon(0.1));
  CHECK(r.contributions[0] + r.contributions[1] == Approx(1.0));
  CHECK(r.contributions[0] > 0.2);
  CHECK(r.contributions[1] > 0.2);
  for (std::size_t i = 0; i < r.particles.size(); ++i) {
    CHECK(r.components[i][0] + r.components[i][1] == Approx(r.distances[i]));
  }
}

TEST_CASE("ABC-SMC: replicates are averaged, seeds differ per replicate", "[experiments][abc]") {
  Problem p;
  p.names = {"theta"};
  p.priors = {Prior::parse("uniform(0, 1)")};
  p.targets = {exact_target("s", {0}, {0.5})};
  p.replicates = 16;
  std::vector<std::uint64_t> seen;
  p.simulate = [&](const Matrix& thetas, const std::vector<std::uint64_t>& seeds) {
    seen.insert(seen.end(), seeds.begin(), seeds.end());
    Matrix out;
    for (std::size_t i = 0; i < thetas.size(); ++i) {
      RandomStream rng(seeds[i], 0);
      out.push_back({thetas[i][0] + rng.normal()});
    }
    return out;
  };
  const Matrix avg = simulate_averaged(p, Matrix(400, std::vector<double>{0.5}), 0, 7);
  REQUIRE(seen.size() == 400 * 16);
  std::sort(seen.begin(), seen.end());
  CHECK(std::unique(seen.begin(), seen.end()) == seen.end());
  double m = 0.0, v = 0.0;
  for (const auto& row : avg) m += row[0] / 400.0;
  for (const auto& row : avg) v += (row[0] - m) * (row[0] - m) / 399.0;
  CHECK(m == Approx(0.5).margin(0.05));
  CHECK(v == Approx(1.0 / 16.0).epsilon(0.25));  // the variance of a mean of 16
  // The budget counts every replicate.
  AbcOptions o;
  o.population = 50;
  o.budget = 16 * 400;
  const AbcResult r = run_abc_smc(p, o);
  CHECK(r.simulations <= o.budget);
  CHECK(r.simulations % 16 == 0);
  o.budget = 16 * 99;
  CHECK_THROWS_WITH(run_abc_smc(p, o), Catch::Contains("two generations"));
}

TEST_CASE("ABC-SMC: a fitted reporting rate under the binomial observation model", "[experiments][abc]") {
  // True counts n_t (known), reported y_t ~ Binomial(n_t, 0.4); fit rho.
  std::vector<double> counts, reported;
  RandomStream data(5, 0);
  ObservationModel truth;
  truth.kind = ObservationModel::Kind::binomial;
  truth.param = 0.4;
  for (int t = 0; t < 30; ++t) counts.push_back(std::round(400.0 * std::exp(-std::pow(t - 15.0, 2) / 40.0)));
  reported = truth.sample(counts, {}, data);
  Problem p;
  p.names = {"rho"};
  p.priors = {Prior::parse("uniform(0.05, 1)")};
  Target t;
  t.name = "cases";
  for (std::size_t i = 0; i < counts.size(); ++i) t.summaries.push_back(i);
  t.observed = reported;
  t.model = ObservationModel::parse("binomial(rho)", p.names);
  p.targets = {t};
  p.simulate = parallel_rows([&](const std::vector<double>&, std::uint64_t) { return counts; }, jobs(1));
  AbcOptions o;
  o.population = 200;
  o.budget = 3000;
  const AbcResult r = run_abc_smc(p, o);
  std::vector<double> xs;
  for (const auto& x : r.particles) xs.push_back(x[0]);
  const ParameterSummary s = summarize_parameter(xs, r.weights, p.priors[0], 1);
  INFO("rho median " << s.median << " [" << s.q05 << ", " << s.q95 << "]");
  CHECK(std::abs(s.median / 0.4 - 1.0) < 0.1);
  CHECK(s.identified);
}
