// Neural posterior estimation with learned summaries of a long series: a
// small convolutional network reduces a 64-point series to a few summaries,
// trained with the density estimator, and the posterior it gives is graded
// against the exact one (computed on a grid).
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"
#include "simulacra/experiments/npe.hpp"

using namespace simulacra;
using namespace simulacra::calibrate;
using Rows = std::vector<std::vector<double>>;

namespace {

// A bump of height 1 and width 3 centred at tau ~ U(10, 54) on 64 points,
// with N(0, 0.4^2) noise at every point: where a peak is, as an epidemic
// curve's peak day is.
constexpr std::size_t kLength = 64;
constexpr double kWidth = 3.0, kNoise = 0.4, kLow = 10.0, kHigh = 54.0;

double bump(double tau, std::size_t t) {
  const double z = (static_cast<double>(t) - tau) / kWidth;
  return std::exp(-0.5 * z * z);
}

std::vector<double> series(double tau, RandomStream& rng) {
  std::vector<double> x(kLength);
  for (std::size_t t = 0; t < kLength; ++t) x[t] = bump(tau, t) + kNoise * rng.normal();
  return x;
}

// The exact posterior's mean and sd on a fine grid (flat prior).
std::pair<double, double> exact_posterior(const std::vector<double>& x) {
  std::vector<double> taus, logl;
  double top = -1e300;
  for (double tau = kLow; tau <= kHigh; tau += 0.01) {
    double l = 0.0;
    for (std::size_t t = 0; t < kLength; ++t) l -= 0.5 * std::pow((x[t] - bump(tau, t)) / kNoise, 2);
    taus.push_back(tau);
    logl.push_back(l);
    top = std::max(top, l);
  }
  double z = 0.0, m = 0.0, m2 = 0.0;
  for (std::size_t i = 0; i < taus.size(); ++i) {
    const double w = std::exp(logl[i] - top);
    z += w;
    m += w * taus[i];
    m2 += w * taus[i] * taus[i];
  }
  m /= z;
  return {m, std::sqrt(m2 / z - m * m)};
}

}  // namespace

TEST_CASE("NPE with learned summaries finds a bump's position in a 64-point series", "[experiments][npe]") {
  RandomStream rng(5, 0);
  Rows theta, x;
  for (int i = 0; i < 4000; ++i) {
    const double tau = kLow + (kHigh - kLow) * rng.uniform();
    theta.push_back({tau});
    x.push_back(series(tau, rng));
  }
  NpeOptions o;
  o.seed = 3;
  o.components = 2;
  o.hidden = 32;
  o.max_epochs = 150;
  o.series = {learned::SeriesColumns{0, kLength}};
  o.embedding = 4;
  const NpeModel model = fit_npe(theta, x, {Support{kLow, kHigh}}, o);

  RandomStream obs_rng(9, 0);
  for (const double truth : {20.0, 37.5}) {
    const std::vector<double> x_obs = series(truth, obs_rng);
    const auto [exact_mean, exact_sd] = exact_posterior(x_obs);
    const Rows q = model.sample(x_obs, 2000, 1);
    double m = 0.0, m2 = 0.0;
    for (const auto& r : q) {
      m += r[0];
      m2 += r[0] * r[0];
    }
    m /= double(q.size());
    const double sd = std::sqrt(m2 / double(q.size()) - m * m);
    INFO("truth " << truth << ": NPE mean " << m << " sd " << sd << "; exact mean " << exact_mean << " sd " << exact_sd
                  << "; epochs " << model.training().epochs);
    // The peak is pinned to within about half a point; an approximation that
    // had not found it would be off by the prior's width (about 13).
    CHECK(std::abs(m - exact_mean) < std::max(0.75, 1.5 * exact_sd));
    CHECK(sd < 2.0 * exact_sd + 0.2);
    CHECK(sd > 0.5 * exact_sd);
  }
}

TEST_CASE("NPE refuses series that are too short or overlap", "[experiments][npe]") {
  RandomStream rng(1, 0);
  Rows theta, x;
  for (int i = 0; i < 50; ++i) {
    theta.push_back({rng.uniform()});
    x.push_back(std::vector<double>(20, rng.normal()));
  }
  NpeOptions o;
  o.max_epochs = 2;
  o.series = {learned::SeriesColumns{0, 4}};
  CHECK_THROWS_WITH(fit_npe(theta, x, {}, o), Catch::Contains("at least 8"));
  o.series = {learned::SeriesColumns{0, 12}, learned::SeriesColumns{10, 10}};
  CHECK_THROWS_WITH(fit_npe(theta, x, {}, o), Catch::Contains("overlap"));
  o.series = {learned::SeriesColumns{15, 10}};
  CHECK_THROWS_WITH(fit_npe(theta, x, {}, o), Catch::Contains("at least 8"));
}
