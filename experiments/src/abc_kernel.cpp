#include "abc_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace simulacra::calibrate {

namespace {

using Eigen::Index;

// Lower Cholesky factor of a symmetric positive semi-definite matrix, with
// the smallest diagonal jitter that makes it definite.
Eigen::MatrixXd factor(Eigen::MatrixXd s) {
  const Index d = s.rows();
  const double scale = std::max(s.trace() / static_cast<double>(d), 1e-300);
  for (double jitter = 1e-10; ; jitter *= 10.0) {
    Eigen::LLT<Eigen::MatrixXd> llt(s);
    if (llt.info() == Eigen::Success) return llt.matrixL();
    s.diagonal().array() += jitter * scale;
    if (jitter > 1.0) {  // degenerate beyond repair: an isotropic kernel of the same scale
      return Eigen::MatrixXd::Identity(d, d) * std::sqrt(scale);
    }
  }
}

}  // namespace

PerturbationKernel::PerturbationKernel(const std::vector<std::vector<double>>& particles,
                                       const std::vector<double>& weights, const std::vector<double>& distances,
                                       double eps) {
  const std::size_t n = particles.size();
  const auto d = static_cast<Index>(particles.front().size());
  for (const auto& p : particles) centres_.push_back(Eigen::Map<const Eigen::VectorXd>(p.data(), d));
  // The neighbours: previous particles already within the next tolerance
  // (all of them when too few for a full-rank matrix).
  std::vector<std::size_t> near;
  for (std::size_t k = 0; k < n; ++k) {
    if (distances[k] <= eps) near.push_back(k);
  }
  if (near.size() < static_cast<std::size_t>(d) + 1) {
    near.resize(n);
    for (std::size_t k = 0; k < n; ++k) near[k] = k;
  }
  double total = 0.0;
  for (std::size_t k : near) total += weights[k];
  for (std::size_t i = 0; i < n; ++i) {
    Eigen::MatrixXd s = Eigen::MatrixXd::Zero(d, d);
    for (std::size_t k : near) {
      const Eigen::VectorXd diff = centres_[k] - centres_[i];
      s.noalias() += (weights[k] / total) * diff * diff.transpose();
    }
    cholesky_.push_back(factor(std::move(s)));
    double log_det = 0.0;
    for (Index k = 0; k < d; ++k) log_det += std::log(cholesky_.back()(k, k));
    log_norm_.push_back(-0.5 * static_cast<double>(d) * std::log(2.0 * std::numbers::pi) - log_det);
    log_weights_.push_back(weights[i] > 0.0 ? std::log(weights[i]) : -std::numeric_limits<double>::infinity());
  }
}

std::vector<double> PerturbationKernel::perturb(std::size_t j, RandomStream& rng) const {
  const Index d = centres_[j].size();
  Eigen::VectorXd z(d);
  for (Index k = 0; k < d; ++k) z(k) = rng.normal();
  const Eigen::VectorXd x = centres_[j] + cholesky_[j] * z;
  return {x.data(), x.data() + d};
}

double PerturbationKernel::log_mixture_density(const std::vector<double>& x) const {
  const auto d = static_cast<Index>(x.size());
  const Eigen::Map<const Eigen::VectorXd> v(x.data(), d);
  std::vector<double> terms(centres_.size());
  double top = -std::numeric_limits<double>::infinity();
  for (std::size_t j = 0; j < centres_.size(); ++j) {
    const Eigen::VectorXd z = cholesky_[j].triangularView<Eigen::Lower>().solve(v - centres_[j]);
    terms[j] = log_weights_[j] + log_norm_[j] - 0.5 * z.squaredNorm();
    top = std::max(top, terms[j]);
  }
  if (!std::isfinite(top)) return top;
  double sum = 0.0;
  for (double t : terms) sum += std::exp(t - top);
  return top + std::log(sum);
}

}  // namespace simulacra::calibrate
