#include "simulacra/experiments/bo_calibration.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "simulacra/engine/errors.hpp"

namespace simulacra::calibrate {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kMaxVectors = 2000;
// An exact target's likelihood profiles its variance out of its own
// residuals: a few of them are needed for that to mean anything.
constexpr std::size_t kMinExactSummaries = 5;

// The search box in work coordinates: the prior's support, or mean ± 4 sd
// where a normal prior is unbounded.
std::vector<BoBound> search_box(const Problem& problem) {
  std::vector<BoBound> box;
  for (const Prior& p : problem.priors) {
    auto [lo, hi] = p.work_bounds();
    if (p.kind == Prior::Kind::normal || p.kind == Prior::Kind::lognormal) {
      lo = std::max(lo, p.a - 4.0 * p.b);
      hi = std::min(hi, p.a + 4.0 * p.b);
    }
    box.push_back(BoBound{lo, hi, false});
  }
  return box;
}

// Laplace draws: N(estimate, H^-1) in work coordinates, kept inside the box;
// a direction without positive curvature is flat, drawn with the box's width.
Matrix laplace_draws(const Problem& problem, const std::vector<BoBound>& box, const std::vector<double>& centre,
                     const std::vector<double>& hessian, std::size_t n, std::uint64_t seed) {
  const auto d = static_cast<Eigen::Index>(centre.size());
  Eigen::MatrixXd h(d, d);
  for (Eigen::Index i = 0; i < d; ++i)
    for (Eigen::Index j = 0; j < d; ++j) h(i, j) = hessian[std::size_t(i * d + j)];
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(h);
  double width = 0.0;
  for (const BoBound& b : box) width = std::max(width, b.high - b.low);
  const double floor = 1e-9 * std::max(1.0, eig.eigenvalues().cwiseAbs().maxCoeff());
  Eigen::VectorXd sd(d);
  for (Eigen::Index k = 0; k < d; ++k) {
    const double lambda = eig.eigenvalues()[k];
    sd[k] = lambda > floor ? std::min(1.0 / std::sqrt(lambda), width) : width;
  }
  RandomStream rng(derive_seed(seed, 0x6c61706cULL), 0);  // "lapl"
  Matrix out;
  const std::size_t max_tries = 1000 * n + 100000;
  for (std::size_t tries = 0; out.size() < n; ++tries) {
    if (tries >= max_tries) {
      throw UserError("calibrate --method bo: the Laplace approximation puts almost no mass inside the priors' support");
    }
    Eigen::VectorXd z(d);
    for (Eigen::Index k = 0; k < d; ++k) z[k] = sd[k] * rng.normal();
    const Eigen::VectorXd step = eig.eigenvectors() * z;
    std::vector<double> w(centre.size());
    bool inside = true;
    for (std::size_t k = 0; k < w.size(); ++k) {
      w[k] = centre[k] + step[Eigen::Index(k)];
      inside = inside && w[k] >= box[k].low && w[k] <= box[k].high && problem.priors[k].log_density(w[k]) > -kInf;
    }
    if (inside) out.push_back(values_of(problem, w));
  }
  return out;
}

}  // namespace

double target_nll(const Target& t, double d) {
  if (t.model.kind != ObservationModel::Kind::exact) return 0.5 * d;
  double scale = 0.0;
  for (const double y : t.observed) scale += std::fabs(y);
  scale = t.observed.empty() ? 0.0 : scale / static_cast<double>(t.observed.size());
  const double floor = 1e-9 * (scale > 0.0 ? scale : 1.0);
  return static_cast<double>(t.summaries.size()) * std::log(std::max(d, floor));
}

BoCalibrationResult run_bo_calibration(const Problem& problem, const BoCalibrationOptions& o,
                                       const BoCalibrationProgress& progress) {
  if (problem.priors.empty()) throw UserError("calibrate: nothing to fit");
  if (problem.targets.empty()) throw UserError("calibrate: no target to compare with");
  const std::size_t reps = std::max<std::size_t>(problem.replicates, 1);
  const std::size_t n = o.budget / reps;
  const std::size_t d = problem.priors.size();
  const std::size_t design = std::max<std::size_t>(5, 2 * d + 1);
  if (n < design) {
    throw UserError("calibrate --method bo: the budget must allow the initial design of " + std::to_string(design) +
                    " parameter vectors (" + std::to_string(design * reps) + " runs with these --replicates)");
  }
  if (n > kMaxVectors) {
    throw UserError("calibrate --method bo: a budget of " + std::to_string(n) + " parameter vectors is more than " +
                    std::to_string(kMaxVectors) +
                    " (the Gaussian process costs the cube of its points); use --method abc-smc or npe for such budgets");
  }
  for (const Target& t : problem.targets) {
    if (t.model.kind == ObservationModel::Kind::exact && t.summaries.size() < kMinExactSummaries) {
      throw UserError("calibrate --method bo: target '" + t.name + "' is compared exactly over " +
                      std::to_string(t.summaries.size()) + " summar" + (t.summaries.size() == 1 ? "y" : "ies") +
                      "; BO needs a likelihood: an observation model (poisson, negbin(k), binomial(rho)) or, for an "
                      "exact target, a series of at least " + std::to_string(kMinExactSummaries) +
                      " values (use --method abc-smc or npe for single statistics)");
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  BoCalibrationResult r;
  std::uint64_t index = 0;
  double worst = -kInf;
  const auto objective = [&](const Matrix& work) {
    const Matrix summaries = simulate_averaged(problem, work, index, o.seed);
    index += work.size();
    r.posterior.simulations += work.size() * reps;
    std::vector<double> v(work.size());
    for (std::size_t i = 0; i < work.size(); ++i) {
      const std::vector<double> disc = target_discrepancies(problem, summaries[i], values_of(problem, work[i]));
      double nll = 0.0;
      for (std::size_t j = 0; j < disc.size(); ++j) nll += target_nll(problem.targets[j], disc[j]);
      for (std::size_t k = 0; k < d; ++k) nll -= problem.priors[k].log_density(work[i][k]);
      v[i] = nll;
      if (std::isfinite(nll)) worst = std::max(worst, nll);
    }
    if (!std::isfinite(worst)) {
      throw UserError("calibrate --method bo: no simulation of the first batch gave a finite objective "
                      "(summaries that are not numbers, or more observed than simulated under binomial)");
    }
    for (double& x : v)
      if (!std::isfinite(x)) x = worst;
    return v;
  };
  BoOptions bo;
  bo.budget = n;
  bo.initial = design;
  bo.batch = o.batch;
  bo.seed = derive_seed(o.seed, 0x626f63ULL);  // "boc"
  bo.log_warp = true;  // far from the optimum a negative log-likelihood grows by orders of magnitude
  const std::vector<BoBound> box = search_box(problem);
  const BoResult res = run_bo(box, objective, bo, [&](std::size_t, double best) {
    if (progress) progress(r.posterior.simulations, best);
  });
  for (const BoEvaluation& e : res.evaluations) {
    r.evaluated.push_back(values_of(problem, e.theta));  // the search ran in work coordinates
    r.values.push_back(e.value);
  }
  r.estimate = values_of(problem, res.estimate);
  r.objective = res.estimate_mean;
  r.objective_sd = res.estimate_sd;
  r.laplace_sd = res.laplace_sd;
  r.posterior.particles = laplace_draws(problem, box, res.estimate, res.laplace_hessian, o.draws, o.seed);
  set_equal_weights(r.posterior, problem.targets.size());
  r.posterior.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace simulacra::calibrate
