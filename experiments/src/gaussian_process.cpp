// Matérn 5/2 Gaussian-process regression (Rasmussen & Williams 2006, ch. 2
// and 5): Cholesky of K + noise I, predictions, and the log marginal
// likelihood maximised over log hyperparameters.
#include "simulacra/experiments/gaussian_process.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <utility>

#include "box_minimise.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::calibrate {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

double kernel(const std::vector<double>& a, const std::vector<double>& b, const GpHyper& h) {
  double r2 = 0.0;
  for (std::size_t j = 0; j < a.size(); ++j) {
    const double d = (a[j] - b[j]) / h.length_scales[j];
    r2 += d * d;
  }
  return h.signal_sd * h.signal_sd * GaussianProcess::matern52(std::sqrt(r2));
}

struct Conditioned {
  MatrixXd chol;  ///< lower factor of K + noise I
  VectorXd alpha;
  double log_ml = -std::numeric_limits<double>::infinity();
  bool ok = false;
};

// Conditions on standardised outputs z.
Conditioned condition(const std::vector<std::vector<double>>& x, const VectorXd& z, const GpHyper& h) {
  const Index n = z.size();
  MatrixXd k(n, n);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j <= i; ++j) k(i, j) = k(j, i) = kernel(x[std::size_t(i)], x[std::size_t(j)], h);
  k.diagonal().array() += h.noise_sd * h.noise_sd + 1e-10;
  Eigen::LLT<MatrixXd> llt(k);
  Conditioned c;
  if (llt.info() != Eigen::Success) return c;
  c.chol = llt.matrixL();
  c.alpha = llt.solve(z);
  c.log_ml = -0.5 * z.dot(c.alpha) - c.chol.diagonal().array().log().sum() -
             0.5 * double(n) * std::log(2.0 * std::numbers::pi);
  c.ok = std::isfinite(c.log_ml);
  return c;
}

std::vector<double> pack(const GpHyper& h) {
  std::vector<double> p;
  for (double l : h.length_scales) p.push_back(std::log(l));
  p.push_back(std::log(h.signal_sd));
  p.push_back(std::log(h.noise_sd));
  return p;
}

GpHyper unpack(const std::vector<double>& p) {
  GpHyper h;
  for (std::size_t j = 0; j + 2 < p.size(); ++j) h.length_scales.push_back(std::exp(p[j]));
  h.signal_sd = std::exp(p[p.size() - 2]);
  h.noise_sd = std::exp(p.back());
  return h;
}

}  // namespace

double GaussianProcess::matern52(double r) {
  const double s = std::sqrt(5.0) * r;
  return (1.0 + s + s * s / 3.0) * std::exp(-s);
}

GaussianProcess::GaussianProcess(std::vector<std::vector<double>> x, std::vector<double> y, GpHyper hyper)
    : x_(std::move(x)), y_(std::move(y)), hyper_(std::move(hyper)) {
  if (x_.empty() || x_.size() != y_.size())
    throw UserError("Gaussian process: " + std::to_string(x_.size()) + " inputs and " + std::to_string(y_.size()) +
                    " outputs");
  const std::size_t d = x_.front().size();
  if (d == 0 || hyper_.length_scales.size() != d)
    throw UserError("Gaussian process: inputs of width " + std::to_string(d) + " with " +
                    std::to_string(hyper_.length_scales.size()) + " length scales");
  for (std::size_t i = 0; i < x_.size(); ++i) {
    if (x_[i].size() != d) throw UserError("Gaussian process: input " + std::to_string(i) + " has another width");
    if (!std::isfinite(y_[i])) throw UserError("Gaussian process: output " + std::to_string(i) + " is not finite");
  }
  double m = 0.0, v = 0.0;
  for (double t : y_) m += t;
  m /= double(y_.size());
  for (double t : y_) v += (t - m) * (t - m);
  y_mean_ = m;
  y_scale_ = y_.size() > 1 && v > 0.0 ? std::sqrt(v / double(y_.size() - 1)) : 1.0;
  VectorXd z(Index(y_.size()));
  for (std::size_t i = 0; i < y_.size(); ++i) z[Index(i)] = (y_[i] - y_mean_) / y_scale_;
  const Conditioned c = condition(x_, z, hyper_);
  if (!c.ok) throw UserError("Gaussian process: the kernel matrix is not positive definite (duplicate inputs with no noise?)");
  log_ml_ = c.log_ml;
  const Index n = c.chol.rows();
  chol_.resize(std::size_t(n * n));
  Eigen::Map<RowMatrix>(chol_.data(), n, n) = c.chol;
  alpha_.assign(c.alpha.data(), c.alpha.data() + n);
}

GaussianProcess GaussianProcess::fit(std::vector<std::vector<double>> x, std::vector<double> y,
                                     const GpFitOptions& o, const GpHyper* start) {
  // The constructor's checks first (and the standardised outputs).
  const std::size_t d = x.empty() ? 0 : x.front().size();
  GpHyper h0;
  h0.length_scales.assign(d, 0.3);
  h0.signal_sd = 1.0;
  h0.noise_sd = 0.1;
  const GaussianProcess base(x, y, h0);
  VectorXd z(Index(y.size()));
  for (std::size_t i = 0; i < y.size(); ++i) z[Index(i)] = (y[i] - base.y_mean_) / base.y_scale_;

  std::vector<double> lower, upper;
  for (std::size_t j = 0; j < d; ++j) {
    lower.push_back(std::log(o.min_length));
    upper.push_back(std::log(o.max_length));
  }
  lower.push_back(std::log(o.min_signal));
  upper.push_back(std::log(o.max_signal));
  lower.push_back(std::log(o.min_noise));
  upper.push_back(std::log(o.max_noise));
  const auto negative_lml = [&](const std::vector<double>& p) {
    const Conditioned c = condition(base.x_, z, unpack(p));
    return c.ok ? -c.log_ml : std::numeric_limits<double>::max();
  };

  std::vector<std::vector<double>> starts{pack(h0)};
  if (start != nullptr && start->length_scales.size() == d) starts.push_back(pack(*start));
  RandomStream rng(o.seed, 0x6770ULL);  // "gp"
  for (std::size_t r = 0; r < o.restarts; ++r) {
    std::vector<double> p(lower.size());
    for (std::size_t j = 0; j < p.size(); ++j) p[j] = rng.uniform(lower[j], upper[j]);
    starts.push_back(std::move(p));
  }
  BoxMinimum best{{}, std::numeric_limits<double>::infinity()};
  for (const auto& s : starts) {
    const BoxMinimum m = minimise_in_box(negative_lml, s, lower, upper, 60 * lower.size());
    if (m.value < best.value) best = m;
  }
  return GaussianProcess(std::move(x), std::move(y), unpack(best.x));
}

GaussianProcess::Prediction GaussianProcess::predict(const std::vector<double>& x) const {
  const Index n = Index(x_.size());
  VectorXd k(n);
  for (Index i = 0; i < n; ++i) k[i] = kernel(x, x_[std::size_t(i)], hyper_);
  const Eigen::Map<const RowMatrix> l(chol_.data(), n, n);
  const Eigen::Map<const VectorXd> a(alpha_.data(), n);
  const VectorXd v = l.triangularView<Eigen::Lower>().solve(k);
  const double var = std::max(0.0, hyper_.signal_sd * hyper_.signal_sd - v.squaredNorm());
  return {y_mean_ + y_scale_ * k.dot(a), y_scale_ * std::sqrt(var)};
}

GaussianProcess GaussianProcess::with(const std::vector<double>& x, double y) const {
  std::vector<std::vector<double>> xs = x_;
  std::vector<double> ys = y_;
  xs.push_back(x);
  ys.push_back(y);
  return GaussianProcess(std::move(xs), std::move(ys), hyper_);
}

}  // namespace simulacra::calibrate
