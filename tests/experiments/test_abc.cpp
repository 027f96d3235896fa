// ABC-SMC against a closed-form posterior.
#include <cmath>

#include <catch2/catch.hpp>

#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/calibrate.hpp"

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

}  // namespace

TEST_CASE("priors: parsing, work coordinates and errors", "[experiments][abc]") {
  const Prior u = Prior::parse("loguniform(0.01, 1)");
  CHECK(u.log_scale());
  CHECK(u.from_work(u.to_work(0.1)) == Approx(0.1));
  CHECK(u.log_density(u.to_work(0.5)) == 0.0);
  CHECK(u.log_density(u.to_work(2.0)) == -std::numeric_limits<double>::infinity());
  Prior n = Prior::parse("normal(0, 2)");
  n.low = 0.0;  // a parameter's own range truncates the prior
  CHECK(n.log_density(-1.0) == -std::numeric_limits<double>::infinity());
  CHECK_THROWS_WITH(Prior::parse("gamma(1, 2)"), Catch::Contains("unknown distribution 'gamma'"));
  CHECK_THROWS_WITH(Prior::parse("uniform(2, 1)"), Catch::Contains("low end"));
  CHECK_THROWS_WITH(Prior::parse("normal(0, x)"), Catch::Contains("'x' is not a number"));
  CHECK_THROWS_AS(Prior::parse("uniform 0 1"), UserError);
}

TEST_CASE("ABC-SMC recovers the conjugate Gaussian posterior", "[experiments][abc]") {
  // y_i ~ N(theta, 1), i = 1..10, prior theta ~ N(0, 1), observed mean 1.2:
  // the posterior is N(10 * 1.2 / 11, 1 / 11). The mean of 10 draws is a
  // sufficient statistic, so ABC on it targets the exact posterior.
  const double n = 10.0, ybar = 1.2;
  const double post_mean = n * ybar / (n + 1.0), post_sd = std::sqrt(1.0 / (n + 1.0));
  const Distance distance = [&](const std::vector<double>& theta, std::uint64_t seed) {
    RandomStream rng(seed, 0);
    return std::abs(theta[0] + rng.normal() / std::sqrt(n) - ybar);
  };
  AbcOptions o;
  o.population = 1000;
  o.budget = 30000;
  o.seed = 11;
  o.ensemble.jobs = 2;
  const AbcResult r = run_abc_smc({Prior::parse("normal(0, 1)")}, distance, o);
  const Moments m = moments(r, 0);
  INFO("posterior mean " << m.mean << " (exact " << post_mean << "), sd " << m.sd << " (exact " << post_sd
                         << "), generations " << r.generations.size() << ", last tolerance " << r.generations.back().tolerance);
  CHECK(std::abs(m.mean - post_mean) < 0.05);
  CHECK(std::abs(m.sd / post_sd - 1.0) < 0.15);
  CHECK(r.generations.size() >= 4);
  CHECK(r.simulations <= o.budget);
  // The same for any number of jobs.
  o.ensemble.jobs = 1;
  o.budget = 5000;
  o.population = 200;
  const AbcResult a = run_abc_smc({Prior::parse("normal(0, 1)")}, distance, o);
  o.ensemble.jobs = 2;
  const AbcResult b = run_abc_smc({Prior::parse("normal(0, 1)")}, distance, o);
  CHECK(a.particles == b.particles);
  CHECK(a.weights == b.weights);
}

TEST_CASE("ABC-SMC: a parameter that does not matter keeps its prior", "[experiments][abc]") {
  const Distance distance = [](const std::vector<double>& theta, std::uint64_t seed) {
    RandomStream rng(seed, 0);
    return std::abs(theta[0] + 0.1 * rng.normal() - 0.5);  // theta[1] plays no part
  };
  AbcOptions o;
  o.population = 500;
  o.budget = 8000;
  const AbcResult r = run_abc_smc({Prior::parse("uniform(0, 1)"), Prior::parse("uniform(0, 1)")}, distance, o);
  const Moments fitted = moments(r, 0), ignored = moments(r, 1);
  CHECK(fitted.sd < 0.15);  // the exact posterior has sd 0.1; prior 0.289
  // Uniform(0, 1) has sd 0.289.
  CHECK(std::abs(ignored.sd / 0.2887 - 1.0) < 0.15);
  CHECK(std::abs(ignored.mean - 0.5) < 0.06);
}
