// Figures for the two calibration methods beside ABC-SMC:
//  - NPE on the conjugate Gaussian model (θ ~ N(0, I) in 2-D, x the mean of 5
//    draws of θ + N(0, 0.5²)): training time, epochs, and posterior quality
//    against the exact posterior (classifier two-sample accuracy, 0.5 is
//    perfect; mean error and variance ratio) per simulation count;
//  - BO on a noisy 3-D quadratic and noisy Branin: evaluations until an
//    evaluated point is within tolerance of the minimum, and the estimate.
// Usage: bench_npe_bo [SIMS,SIMS,...]   (default 1000,10000)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "simulacra/engine/random.hpp"
#include "simulacra/experiments/bayes_opt.hpp"
#include "simulacra/experiments/npe.hpp"
#include "simulacra/experiments/two_sample.hpp"

using namespace simulacra;
using namespace simulacra::calibrate;
using Rows = std::vector<std::vector<double>>;

namespace {

constexpr int kDraws = 5;
constexpr double kNoiseSd = 0.5;
const double kS2 = kNoiseSd * kNoiseSd / kDraws;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void bench_npe(std::size_t sims) {
  RandomStream rng(42, 0);
  Rows theta, x;
  for (std::size_t i = 0; i < sims; ++i) {
    std::vector<double> t{rng.normal(), rng.normal()}, s(2, 0.0);
    for (int k = 0; k < kDraws; ++k)
      for (std::size_t j = 0; j < 2; ++j) s[j] += (t[j] + kNoiseSd * rng.normal()) / kDraws;
    theta.push_back(t);
    x.push_back(s);
  }
  NpeOptions o;
  o.seed = 7;
  const auto t0 = std::chrono::steady_clock::now();
  const NpeModel model = fit_npe(theta, x, {}, o);
  const double train = seconds_since(t0);

  const std::vector<double> x_obs{0.8, -0.5};
  const std::size_t n = 4000;
  const Rows q = model.sample(x_obs, n, 11);
  RandomStream exact_rng(12, 1);
  Rows exact;
  const double post_sd = std::sqrt(kS2 / (1.0 + kS2));
  for (std::size_t i = 0; i < n; ++i)
    exact.push_back({x_obs[0] / (1.0 + kS2) + post_sd * exact_rng.normal(),
                     x_obs[1] / (1.0 + kS2) + post_sd * exact_rng.normal()});
  double mean_err = 0.0, var_ratio = 0.0;
  for (std::size_t j = 0; j < 2; ++j) {
    double m = 0.0, v = 0.0;
    for (const auto& r : q) m += r[j] / double(n);
    for (const auto& r : q) v += (r[j] - m) * (r[j] - m) / double(n - 1);
    mean_err = std::max(mean_err, std::abs(m - x_obs[j] / (1.0 + kS2)) / post_sd);
    var_ratio = std::max(var_ratio, std::abs(v / (post_sd * post_sd) - 1.0));
  }
  const double c2st = c2st_accuracy(q, exact, {5, 0, 3});
  std::printf("npe  sims %6zu  train %6.2f s  epochs %3zu (best %3zu)  C2ST %.3f  max |mean err|/sd %.3f  "
              "max |var ratio - 1| %.3f\n",
              sims, train, model.training().epochs, model.training().best_epoch, c2st, mean_err, var_ratio);
}

// Runs BO and reports the first evaluation whose exact value is within tol
// of the minimum, and the estimate's exact value.
template <typename F>
void bench_bo(const char* name, const std::vector<BoBound>& bounds, F exact, double noise, double f_min, double tol,
              std::size_t budget) {
  std::size_t count = 0;
  std::size_t reached = 0;
  const BatchObjective objective = [&](const Rows& thetas) {
    std::vector<double> v;
    for (const auto& t : thetas) {
      RandomStream rng(17, count++);
      if (reached == 0 && exact(t) - f_min < tol) reached = count;
      v.push_back(exact(t) + noise * rng.normal());
    }
    return v;
  };
  BoOptions o;
  o.budget = budget;
  o.seed = 3;
  const auto t0 = std::chrono::steady_clock::now();
  const BoResult r = run_bo(bounds, objective, o);
  const double wall = seconds_since(t0);
  std::ostringstream est;
  for (std::size_t j = 0; j < r.estimate.size(); ++j)
    est << (j ? ", " : "") << r.estimate[j] << " [" << r.interval_low[j] << ", " << r.interval_high[j] << "]";
  std::printf("bo   %-16s noise sd %.2f  evaluations to within %.2f of the minimum: %s of %zu  "
              "estimate f - min %.4f  GP sd there %.4f  overhead %.2f s\n     estimate (95%% Laplace): %s\n",
              name, noise, tol, reached ? std::to_string(reached).c_str() : "not reached", budget,
              exact(r.estimate) - f_min, r.estimate_sd, wall, est.str().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sims{1000, 10000};
  if (argc > 1) {
    sims.clear();
    std::stringstream in(argv[1]);
    std::string item;
    while (std::getline(in, item, ',')) sims.push_back(std::stoul(item));
  }
  try {
    for (std::size_t n : sims) bench_npe(n);
  } catch (const std::exception& e) {
    std::printf("npe  skipped: %s\n", e.what());
  }
  const std::vector<double> centre{0.37, -1.2, 2.5}, scale{0.2, 0.4, 0.5};
  const auto quadratic = [&](const std::vector<double>& t) {
    double f = 0.0;
    for (std::size_t j = 0; j < t.size(); ++j) f += 0.5 * std::pow((t[j] - centre[j]) / scale[j], 2);
    return f;
  };
  bench_bo("quadratic 3-D", {{-1.0, 1.0}, {-3.0, 0.0}, {0.0, 4.0}}, quadratic, 0.05, 0.0, 0.05, 60);
  const auto branin = [](const std::vector<double>& t) {
    const double b = 5.1 / (4.0 * std::numbers::pi * std::numbers::pi), c = 5.0 / std::numbers::pi;
    return std::pow(t[1] - b * t[0] * t[0] + c * t[0] - 6.0, 2) + 10.0 * (1.0 - 1.0 / (8.0 * std::numbers::pi)) *
                                                                      std::cos(t[0]) + 10.0;
  };
  bench_bo("Branin 2-D", {{-5.0, 10.0}, {0.0, 15.0}}, branin, 0.1, 0.397887, 0.1, 50);
  return 0;
}
