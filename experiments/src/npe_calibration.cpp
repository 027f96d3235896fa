#include "simulacra/experiments/npe_calibration.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "simulacra/engine/errors.hpp"

namespace simulacra::calibrate {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The prior's support in work coordinates: a box the NPE draws must fall in.
Support support_of(const Prior& p) {
  const auto [low, high] = p.work_bounds();
  return Support{low, high};
}

// What the network sees of a summary: counts (a target with a count
// observation model) on a log scale, log(1 + y), so that a series spanning
// 0 to thousands reaches it with comparable spread at every point.
double feature(const Target& t, double v) {
  return t.model.kind == ObservationModel::Kind::exact ? v : std::log1p(std::max(v, 0.0));
}

}  // namespace

AbcResult run_npe_calibration(const Problem& problem, const NpeCalibrationOptions& o,
                              const std::function<void(std::size_t)>& progress) {
  const std::size_t reps = std::max<std::size_t>(problem.replicates, 1);
  const std::size_t n = o.budget / reps;
  if (n < 100) {
    throw UserError("calibrate --method npe: the budget must allow at least 100 parameter vectors (" +
                    std::to_string(100 * reps) + " runs with these --replicates)");
  }
  if (o.draws == 0) throw UserError("calibrate --method npe: --draws must be at least 1");
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t d = problem.priors.size(), nt = problem.targets.size();
  RandomStream rng(derive_seed(o.seed, 0x6e7065), 0);       // "npe": prior draws, in a fixed order
  RandomStream noise(derive_seed(o.seed, 0x6e6f6973), 0);   // observation-model draws
  AbcResult r;
  Matrix theta, x;
  theta.reserve(n);
  x.reserve(n);
  for (std::size_t first = 0; first < n; first += o.batch) {
    const std::size_t m = std::min(o.batch, n - first);
    Matrix work(m, std::vector<double>(d));
    for (auto& row : work) {
      for (std::size_t k = 0; k < d; ++k) row[k] = problem.priors[k].sample_work(rng);
    }
    const Matrix summaries = simulate_averaged(problem, work, first, o.seed);
    for (std::size_t i = 0; i < m; ++i) {
      const std::vector<double> values = values_of(problem, work[i]);
      std::vector<double> features;
      bool finite = true;
      for (const auto& t : problem.targets) {
        std::vector<double> sim;
        for (const std::size_t s : t.summaries) sim.push_back(summaries[i][s]);
        for (const double v : t.model.sample(sim, values, noise)) {
          finite = finite && std::isfinite(v);
          features.push_back(feature(t, v));
        }
      }
      // A simulation whose summaries are not numbers teaches nothing.
      if (!finite) continue;
      theta.push_back(work[i]);
      x.push_back(std::move(features));
    }
    r.simulations += m * reps;
    if (progress) progress(r.simulations);
  }
  if (theta.size() < n / 2) {
    throw UserError("calibrate --method npe: " + std::to_string(n - theta.size()) + " of " + std::to_string(n) +
                    " simulations gave summaries that are not numbers");
  }
  std::vector<double> observed;
  for (const auto& t : problem.targets) {
    for (const double y : t.observed) observed.push_back(feature(t, y));
  }
  std::vector<Support> support;
  for (const auto& p : problem.priors) support.push_back(support_of(p));
  NpeOptions npe = o.npe;
  npe.seed = derive_seed(o.seed, 0x666974);  // "fit"
  const NpeModel model = fit_npe(theta, x, support, npe);
  for (const auto& w : model.sample(observed, o.draws, derive_seed(o.seed, 0x647261))) {
    r.particles.push_back(values_of(problem, w));
  }
  r.weights.assign(r.particles.size(), 1.0 / static_cast<double>(r.particles.size()));
  r.distances.assign(r.particles.size(), kNaN);
  r.scales.assign(nt, kNaN);
  r.contributions.assign(nt, kNaN);
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace simulacra::calibrate
