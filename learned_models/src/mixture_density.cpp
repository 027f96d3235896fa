// The mixture density network's torch-free side: checks, standardisation,
// the training/validation split, and Gaussian mixtures in y's own units.
#include "simulacra/learned/mixture_density.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <string>

#include "mixture_density_net.hpp"
#include "simulacra/engine/errors.hpp"

namespace simulacra::learned {

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr std::size_t kMinRows = 10;

MatrixXd factor_of(const GaussianMixture& g, std::size_t k) {
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      g.precision_factors[k].data(), Eigen::Index(g.dim), Eigen::Index(g.dim));
}

VectorXd vec(const std::vector<double>& v) { return Eigen::Map<const VectorXd>(v.data(), Eigen::Index(v.size())); }

// Column means and standard deviations; a constant column keeps scale 1.
void moments(const std::vector<std::vector<double>>& rows, std::vector<double>& mean, std::vector<double>& sd) {
  const std::size_t w = rows.front().size();
  mean.assign(w, 0.0);
  sd.assign(w, 0.0);
  for (const auto& r : rows)
    for (std::size_t j = 0; j < w; ++j) mean[j] += r[j];
  for (double& m : mean) m /= static_cast<double>(rows.size());
  for (const auto& r : rows)
    for (std::size_t j = 0; j < w; ++j) sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]);
  for (std::size_t j = 0; j < w; ++j) {
    sd[j] = std::sqrt(sd[j] / static_cast<double>(rows.size()));
    if (!(sd[j] > 1e-12 * std::max(1.0, std::abs(mean[j])))) sd[j] = 1.0;
  }
}

void check_rows(const std::vector<std::vector<double>>& rows, const char* what) {
  if (rows.empty() || rows.front().empty()) throw UserError(std::string("mixture density network: no ") + what);
  const std::size_t w = rows.front().size();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != w)
      throw UserError(std::string("mixture density network: row ") + std::to_string(i) + " of " + what + " has " +
                      std::to_string(rows[i].size()) + " values, row 0 has " + std::to_string(w));
    for (double v : rows[i])
      if (!std::isfinite(v))
        throw UserError(std::string("mixture density network: row ") + std::to_string(i) + " of " + what +
                        " has a value that is not finite");
  }
}

// One mean and sd over all of a series' values, for each of its columns.
void pool_moments(const std::vector<std::vector<double>>& rows, const SeriesColumns& s, std::vector<double>& mean,
                  std::vector<double>& sd) {
  double sum = 0.0, sum2 = 0.0;
  for (const auto& r : rows) {
    for (std::size_t j = s.first; j < s.first + s.length; ++j) sum += r[j];
  }
  const double n = static_cast<double>(rows.size() * s.length);
  const double mu = sum / n;
  for (const auto& r : rows) {
    for (std::size_t j = s.first; j < s.first + s.length; ++j) sum2 += (r[j] - mu) * (r[j] - mu);
  }
  double sigma = std::sqrt(sum2 / n);
  if (!(sigma > 1e-12 * std::max(1.0, std::abs(mu)))) sigma = 1.0;
  for (std::size_t j = s.first; j < s.first + s.length; ++j) {
    mean[j] = mu;
    sd[j] = sigma;
  }
}

void check_series(const MixtureDensityOptions& o, std::size_t x_dim) {
  if (o.series.empty()) return;
  if (o.embedding == 0) throw UserError("mixture density network: embedding must be positive");
  std::vector<bool> used(x_dim, false);
  for (const SeriesColumns& s : o.series) {
    if (s.length < 8 || s.first + s.length > x_dim)
      throw UserError("mixture density network: series at columns " + std::to_string(s.first) + ".." +
                      std::to_string(s.first + s.length) + " must hold at least 8 of the " + std::to_string(x_dim) +
                      " columns of x");
    for (std::size_t j = s.first; j < s.first + s.length; ++j) {
      if (used[j]) throw UserError("mixture density network: series overlap at column " + std::to_string(j));
      used[j] = true;
    }
  }
}

}  // namespace

#ifndef SIMULACRA_HAVE_TORCH
std::unique_ptr<MixtureDensityNetwork::Network> MixtureDensityNetwork::Network::create(std::size_t, std::size_t,
                                                                                       const MixtureDensityOptions&) {
  throw DataError("this build has no LibTorch (configured with -DSIMULACRA_WITH_TORCH=OFF), so no mixture density "
                  "network: install libtorch-dev and reconfigure");
}
#endif

double GaussianMixture::log_density(const std::vector<double>& y) const {
  const VectorXd yv = vec(y);
  const double norm = -0.5 * static_cast<double>(dim) * std::log(2.0 * std::numbers::pi);
  double best = -std::numeric_limits<double>::infinity();
  std::vector<double> terms(weights.size());
  for (std::size_t k = 0; k < weights.size(); ++k) {
    const MatrixXd u = factor_of(*this, k);
    const VectorXd z = u * (yv - vec(means[k]));
    terms[k] = std::log(weights[k]) + norm + u.diagonal().array().log().sum() - 0.5 * z.squaredNorm();
    best = std::max(best, terms[k]);
  }
  if (!std::isfinite(best)) return best;
  double sum = 0.0;
  for (double t : terms) sum += std::exp(t - best);
  return best + std::log(sum);
}

std::vector<double> GaussianMixture::sample(RandomStream& rng) const {
  double u = rng.uniform();
  std::size_t k = 0;
  while (k + 1 < weights.size() && u >= weights[k]) u -= weights[k++];
  VectorXd z(static_cast<Eigen::Index>(dim));
  for (Eigen::Index j = 0; j < z.size(); ++j) z[j] = rng.normal();
  const VectorXd v = factor_of(*this, k).triangularView<Eigen::Upper>().solve(z);
  const VectorXd y = vec(means[k]) + v;
  return std::vector<double>(y.data(), y.data() + y.size());
}

std::vector<double> GaussianMixture::mean() const {
  VectorXd m = VectorXd::Zero(Eigen::Index(dim));
  for (std::size_t k = 0; k < weights.size(); ++k) m += weights[k] * vec(means[k]);
  return std::vector<double>(m.data(), m.data() + m.size());
}

std::vector<double> GaussianMixture::covariance() const {
  const VectorXd m = vec(mean());
  MatrixXd c = MatrixXd::Zero(Eigen::Index(dim), Eigen::Index(dim));
  for (std::size_t k = 0; k < weights.size(); ++k) {
    // (U^T U)^-1 = U^-1 U^-T
    const MatrixXd u_inv = factor_of(*this, k).triangularView<Eigen::Upper>().solve(
        MatrixXd::Identity(Eigen::Index(dim), Eigen::Index(dim)));
    const VectorXd d = vec(means[k]) - m;
    c += weights[k] * (u_inv * u_inv.transpose() + d * d.transpose());
  }
  std::vector<double> out(dim * dim);
  for (std::size_t i = 0; i < dim; ++i)
    for (std::size_t j = 0; j < dim; ++j) out[i * dim + j] = c(Eigen::Index(i), Eigen::Index(j));
  return out;
}

MixtureDensityNetwork MixtureDensityNetwork::fit(const std::vector<std::vector<double>>& y,
                                                 const std::vector<std::vector<double>>& x,
                                                 const MixtureDensityOptions& options) {
  check_rows(y, "y");
  check_rows(x, "x");
  if (y.size() != x.size())
    throw UserError("mixture density network: " + std::to_string(y.size()) + " rows of y but " +
                    std::to_string(x.size()) + " of x");
  if (y.size() < kMinRows)
    throw UserError("mixture density network: " + std::to_string(y.size()) + " rows; at least " +
                    std::to_string(kMinRows) + " are needed");
  if (options.components == 0 || options.hidden == 0 || options.max_epochs == 0 || options.batch_size == 0)
    throw UserError("mixture density network: components, hidden, max_epochs and batch_size must be positive");
  if (!(options.validation_fraction > 0.0 && options.validation_fraction < 0.5))
    throw UserError("mixture density network: validation_fraction " + std::to_string(options.validation_fraction) +
                    " is not in (0, 0.5)");
  if (!(options.learning_rate > 0.0)) throw UserError("mixture density network: learning_rate must be positive");

  check_series(options, x.front().size());

  MixtureDensityNetwork m;
  m.options_ = options;
  moments(y, m.y_mean_, m.y_sd_);
  moments(x, m.x_mean_, m.x_sd_);
  for (const SeriesColumns& s : options.series) pool_moments(x, s, m.x_mean_, m.x_sd_);

  // A shuffled order, then the last validation_fraction held out.
  const std::size_t n = y.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  RandomStream rng(options.seed, 0x73706c6974ULL);  // "split"
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  const std::size_t n_val =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(options.validation_fraction * double(n))));

  const std::size_t dy = m.y_dim(), dx = m.x_dim();
  std::vector<float> ys(n * dy), xs(n * dx);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t r = order[i];
    for (std::size_t j = 0; j < dy; ++j) ys[i * dy + j] = float((y[r][j] - m.y_mean_[j]) / m.y_sd_[j]);
    for (std::size_t j = 0; j < dx; ++j) xs[i * dx + j] = float((x[r][j] - m.x_mean_[j]) / m.x_sd_[j]);
  }
  std::unique_ptr<Network> net = Network::create(dy, dx, options);
  m.training_ = net->train(ys, xs, n - n_val, n_val);
  m.net_ = std::move(net);
  return m;
}

GaussianMixture MixtureDensityNetwork::mixture(const std::vector<double>& x) const {
  if (x.size() != x_dim())
    throw UserError("mixture density network: x has " + std::to_string(x.size()) + " values; the network takes " +
                    std::to_string(x_dim()));
  std::vector<float> xs(x.size());
  for (std::size_t j = 0; j < x.size(); ++j) xs[j] = float((x[j] - x_mean_[j]) / x_sd_[j]);
  std::vector<double> raw;
  net_->evaluate(xs, 1, raw);

  // Back to y's units: y = mean + sd * s, so a precision factor U over s
  // becomes U diag(1 / sd) over y.
  const std::size_t k = options_.components, d = y_dim();
  GaussianMixture g;
  g.dim = d;
  const double* p = raw.data();
  for (std::size_t c = 0; c < k; ++c) g.weights.push_back(std::exp(p[c]));
  const double total = std::accumulate(g.weights.begin(), g.weights.end(), 0.0);
  for (double& w : g.weights) w /= total;
  p += k;
  for (std::size_t c = 0; c < k; ++c, p += d) {
    std::vector<double> mu(d);
    for (std::size_t j = 0; j < d; ++j) mu[j] = y_mean_[j] + y_sd_[j] * p[j];
    g.means.push_back(std::move(mu));
  }
  for (std::size_t c = 0; c < k; ++c, p += d * d) {
    std::vector<double> u(d * d);
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = i; j < d; ++j) u[i * d + j] = p[i * d + j] / y_sd_[j];
    g.precision_factors.push_back(std::move(u));
  }
  return g;
}

double MixtureDensityNetwork::log_density(const std::vector<double>& y, const std::vector<double>& x) const {
  if (y.size() != y_dim())
    throw UserError("mixture density network: y has " + std::to_string(y.size()) + " values; the network models " +
                    std::to_string(y_dim()));
  return mixture(x).log_density(y);
}

}  // namespace simulacra::learned
