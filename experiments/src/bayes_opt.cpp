// Bayesian optimisation: a Latin-hypercube design, then batches chosen by
// expected improvement over the lowest posterior mean at an evaluated point
// (the plug-in incumbent for noisy objectives), several per batch by the
// kriging believer (each chosen point added with its posterior mean as a
// fantasy value before choosing the next).
#include "simulacra/experiments/bayes_opt.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <string>

#include "box_minimise.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::calibrate {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Search coordinates: the bound itself, or its log.
struct Box {
  std::vector<double> low, high;  ///< in search coordinates
  std::vector<bool> log_scale;

  double to_search(std::size_t j, double u) const { return low[j] + u * (high[j] - low[j]); }
  std::vector<double> to_theta(const std::vector<double>& u) const {
    std::vector<double> t(u.size());
    for (std::size_t j = 0; j < u.size(); ++j) {
      const double s = to_search(j, std::clamp(u[j], 0.0, 1.0));
      t[j] = log_scale[j] ? std::exp(s) : s;
    }
    return t;
  }
};

Box make_box(const std::vector<BoBound>& bounds) {
  if (bounds.empty()) throw UserError("Bayesian optimisation: no parameters");
  Box b;
  for (std::size_t j = 0; j < bounds.size(); ++j) {
    const BoBound& r = bounds[j];
    if (!(std::isfinite(r.low) && std::isfinite(r.high) && r.low < r.high))
      throw UserError("Bayesian optimisation: parameter " + std::to_string(j) + " has bounds [" +
                      std::to_string(r.low) + ", " + std::to_string(r.high) + "]; finite low < high are needed");
    if (r.log_scale && !(r.low > 0.0))
      throw UserError("Bayesian optimisation: parameter " + std::to_string(j) +
                      " is searched on a log scale, so its low bound must be positive");
    b.low.push_back(r.log_scale ? std::log(r.low) : r.low);
    b.high.push_back(r.log_scale ? std::log(r.high) : r.high);
    b.log_scale.push_back(r.log_scale);
  }
  return b;
}

double normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi); }
double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double expected_improvement(const GaussianProcess& gp, const std::vector<double>& u, double incumbent) {
  const GaussianProcess::Prediction p = gp.predict(u);
  if (!(p.sd > 0.0)) return std::max(0.0, incumbent - p.mean);
  const double z = (incumbent - p.mean) / p.sd;
  return (incumbent - p.mean) * normal_cdf(z) + p.sd * normal_pdf(z);
}

// Evaluated inputs ordered by posterior mean, lowest first.
std::vector<std::size_t> by_posterior_mean(const GaussianProcess& gp) {
  const auto& x = gp.inputs();
  std::vector<double> m(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) m[i] = gp.predict(x[i]).mean;
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return m[a] < m[b]; });
  return order;
}

std::vector<double> uniform_point(RandomStream& rng, std::size_t d) {
  std::vector<double> u(d);
  for (double& v : u) v = rng.uniform();
  return u;
}

// Random candidates, more around the best evaluated points; the best few
// polished by BOBYQA.
std::vector<double> maximise_ei(const GaussianProcess& gp, RandomStream& rng, std::size_t candidates) {
  const std::size_t d = gp.inputs().front().size();
  const std::vector<std::size_t> order = by_posterior_mean(gp);
  const double incumbent = gp.predict(gp.inputs()[order.front()]).mean;
  std::vector<std::vector<double>> points;
  for (std::size_t i = 0; i < candidates; ++i) points.push_back(uniform_point(rng, d));
  for (std::size_t b = 0; b < std::min<std::size_t>(3, order.size()); ++b)
    for (std::size_t i = 0; i < candidates / 10; ++i) {
      std::vector<double> u = gp.inputs()[order[b]];
      const double scale = i % 2 == 0 ? 0.02 : 0.1;
      for (double& v : u) v = std::clamp(v + scale * rng.normal(), 0.0, 1.0);
      points.push_back(std::move(u));
    }
  std::vector<double> ei(points.size()), sd(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    ei[i] = expected_improvement(gp, points[i], incumbent);
    sd[i] = gp.predict(points[i]).sd;
  }
  std::vector<std::size_t> idx(points.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return ei[a] > ei[b]; });
  if (!(ei[idx.front()] > 0.0))  // improvement nowhere measurable: explore
    return points[std::size_t(std::max_element(sd.begin(), sd.end()) - sd.begin())];

  const std::vector<double> lo(d, 0.0), hi(d, 1.0);
  const auto negative_ei = [&](const std::vector<double>& u) { return -expected_improvement(gp, u, incumbent); };
  BoxMinimum best{points[idx.front()], -ei[idx.front()]};
  for (std::size_t s = 0; s < std::min<std::size_t>(3, idx.size()); ++s) {
    const BoxMinimum m = minimise_in_box(negative_ei, points[idx[s]], lo, hi, 40 * d + 40);
    if (m.value < best.value) best = m;
  }
  return best.x;
}

std::vector<double> checked_values(const BatchObjective& objective, const std::vector<std::vector<double>>& thetas) {
  std::vector<double> v = objective(thetas);
  if (v.size() != thetas.size())
    throw UserError("Bayesian optimisation: the objective returned " + std::to_string(v.size()) + " values for " +
                    std::to_string(thetas.size()) + " parameter vectors");
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      throw UserError("Bayesian optimisation: the objective's value " + std::to_string(i) + " of a batch is not finite");
  return v;
}

// What the GP models: the values, or log(1 + v - min v).
std::vector<double> modelled(const std::vector<double>& values, bool log_warp) {
  if (!log_warp) return values;
  const double low = *std::min_element(values.begin(), values.end());
  std::vector<double> out;
  for (const double v : values) out.push_back(std::log1p(v - low));
  return out;
}

// Laplace approximation at u (unit cube) from the posterior mean's Hessian
// (times `slope`, the objective's derivative with respect to the modelled
// value there), in search coordinates; fills sd and the intervals.
void laplace(const GaussianProcess& gp, const Box& box, const std::vector<double>& u, double slope, BoResult& r) {
  const std::size_t d = u.size();
  const double h = 1e-3;
  const auto mean = [&](std::vector<double> p, std::size_t i, double di, std::size_t j, double dj) {
    p[i] += di;
    p[j] += dj;
    return gp.predict(p).mean;
  };
  Eigen::MatrixXd hess(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d));
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i; j < d; ++j) {
      const double v = slope *
                       (mean(u, i, h, j, h) - mean(u, i, h, j, -h) - mean(u, i, -h, j, h) + mean(u, i, -h, j, -h)) /
                       (4.0 * h * h);
      hess(Eigen::Index(i), Eigen::Index(j)) = hess(Eigen::Index(j), Eigen::Index(i)) = v;
    }
  // Unit cube to search coordinates: s = low + u (high - low).
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j)
      hess(Eigen::Index(i), Eigen::Index(j)) /= (box.high[i] - box.low[i]) * (box.high[j] - box.low[j]);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j) r.laplace_hessian.push_back(hess(Eigen::Index(i), Eigen::Index(j)));
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(hess);
  const double floor = 1e-9 * std::max(1.0, eig.eigenvalues().cwiseAbs().maxCoeff());
  for (std::size_t j = 0; j < d; ++j) {
    double var = 0.0;
    for (Eigen::Index k = 0; k < eig.eigenvalues().size(); ++k) {
      const double load = eig.eigenvectors()(Eigen::Index(j), k);
      if (load * load < 1e-12) continue;
      var = eig.eigenvalues()[k] > floor ? var + load * load / eig.eigenvalues()[k] : kInf;
      if (std::isinf(var)) break;
    }
    const double sd = std::sqrt(var);
    const double s = box.to_search(j, u[j]);
    const double lo = std::isfinite(sd) ? std::max(box.low[j], s - 1.96 * sd) : box.low[j];
    const double hi = std::isfinite(sd) ? std::min(box.high[j], s + 1.96 * sd) : box.high[j];
    r.laplace_sd.push_back(sd);
    r.interval_low.push_back(box.log_scale[j] ? std::exp(lo) : lo);
    r.interval_high.push_back(box.log_scale[j] ? std::exp(hi) : hi);
  }
}

}  // namespace

BoResult run_bo(const std::vector<BoBound>& bounds, const BatchObjective& objective, const BoOptions& o,
                const BoProgress& progress) {
  const Box box = make_box(bounds);
  const std::size_t d = bounds.size();
  const std::size_t initial = o.initial > 0 ? o.initial : std::max<std::size_t>(5, 2 * d + 1);
  if (o.budget < initial)
    throw UserError("Bayesian optimisation: a budget of " + std::to_string(o.budget) +
                    " evaluations is smaller than the initial design of " + std::to_string(initial));
  if (o.batch == 0 || o.candidates == 0)
    throw UserError("Bayesian optimisation: batch and candidates must be positive");

  RandomStream rng(o.seed, 0x626fULL);  // "bo"
  // Latin hypercube: each coordinate's strata in a random order.
  std::vector<std::vector<double>> units(initial, std::vector<double>(d));
  for (std::size_t j = 0; j < d; ++j) {
    std::vector<std::size_t> strata(initial);
    std::iota(strata.begin(), strata.end(), std::size_t{0});
    for (std::size_t i = initial; i > 1; --i) std::swap(strata[i - 1], strata[rng.below(i)]);
    for (std::size_t i = 0; i < initial; ++i) units[i][j] = (double(strata[i]) + rng.uniform()) / double(initial);
  }

  BoResult r;
  std::vector<double> values;
  double best_value = kInf;
  const auto run = [&](const std::vector<std::vector<double>>& batch_units) {
    std::vector<std::vector<double>> thetas;
    for (const auto& u : batch_units) thetas.push_back(box.to_theta(u));
    const std::vector<double> v = checked_values(objective, thetas);
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] < best_value) {
        best_value = v[i];
        r.best_observed = r.evaluations.size();
      }
      r.evaluations.push_back({thetas[i], v[i]});
      values.push_back(v[i]);
    }
    if (progress) progress(r.evaluations.size(), best_value);
  };
  run(units);

  GpFitOptions fit_options;
  GpHyper previous;
  std::size_t round = 0;
  while (r.evaluations.size() < o.budget) {
    fit_options.seed = derive_seed(o.seed, ++round);
    GaussianProcess gp = GaussianProcess::fit(units, modelled(values, o.log_warp), fit_options, round > 1 ? &previous : nullptr);
    previous = gp.hyper();
    const std::size_t q = std::min(o.batch, o.budget - r.evaluations.size());
    std::vector<std::vector<double>> chosen;
    for (std::size_t b = 0; b < q; ++b) {
      chosen.push_back(maximise_ei(gp, rng, o.candidates));
      if (b + 1 < q) gp = gp.with(chosen.back(), gp.predict(chosen.back()).mean);
    }
    run(chosen);
    units.insert(units.end(), chosen.begin(), chosen.end());
  }

  // The answer: the posterior mean's minimiser, from the best evaluated
  // points and the best of a random sweep.
  fit_options.seed = derive_seed(o.seed, ++round);
  const GaussianProcess gp = GaussianProcess::fit(units, modelled(values, o.log_warp), fit_options, round > 1 ? &previous : nullptr);
  r.hyper = gp.hyper();
  const auto mean = [&](const std::vector<double>& u) { return gp.predict(u).mean; };
  std::vector<std::vector<double>> starts;
  const std::vector<std::size_t> order = by_posterior_mean(gp);
  for (std::size_t i = 0; i < std::min<std::size_t>(5, order.size()); ++i) starts.push_back(units[order[i]]);
  std::vector<double> sweep_best;
  double sweep_value = kInf;
  for (std::size_t i = 0; i < o.candidates; ++i) {
    std::vector<double> u = uniform_point(rng, d);
    const double v = mean(u);
    if (v < sweep_value) {
      sweep_value = v;
      sweep_best = std::move(u);
    }
  }
  starts.push_back(sweep_best);
  const std::vector<double> lo(d, 0.0), hi(d, 1.0);
  BoxMinimum best{{}, kInf};
  for (const auto& s : starts) {
    const BoxMinimum m = minimise_in_box(mean, s, lo, hi, 100 * d + 100);
    if (m.value < best.value) best = m;
  }
  r.estimate = box.to_theta(best.x);
  const GaussianProcess::Prediction at = gp.predict(best.x);
  double slope = 1.0;
  if (o.log_warp) {
    // v = v_min + exp(g) - 1: dv/dg = exp(g).
    slope = std::exp(at.mean);
    r.estimate_mean = *std::min_element(values.begin(), values.end()) + std::expm1(at.mean);
    r.estimate_sd = slope * at.sd;
  } else {
    r.estimate_mean = at.mean;
    r.estimate_sd = at.sd;
  }
  laplace(gp, box, best.x, slope, r);
  return r;
}

}  // namespace simulacra::calibrate
