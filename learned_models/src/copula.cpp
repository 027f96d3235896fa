// Gaussian copula: fitting the correlation of normal scores with Eigen, and
// exact conditional sampling from the Gaussian.
#include "simulacra/learned/copula.hpp"

#include <algorithm>
#include <cmath>

#include <Eigen/Dense>

namespace simulacra::learned {

namespace {

constexpr double kZLimit = 8.5;  // |z| beyond this has probability < 1e-16

double normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI); }

// Mean of the standard normal restricted to [a, b] (given in u-space).
double interval_score(double ulo, double uhi) {
  if (uhi - ulo <= 1e-15) return std::clamp(normal_quantile(ulo), -kZLimit, kZLimit);
  const double a = normal_quantile(ulo);
  const double b = normal_quantile(uhi);
  const double pa = std::isinf(a) ? 0.0 : normal_pdf(a);
  const double pb = std::isinf(b) ? 0.0 : normal_pdf(b);
  return (pa - pb) / (uhi - ulo);
}

// A standard normal truncated to [a, b], by inverse CDF on the tail nearer 0
// so the extreme tails keep their precision.
double truncated_normal(double a, double b, RandomStream& rng) {
  if (a > 0) return -truncated_normal(-b, -a, rng);
  const double pa = normal_cdf(a);
  const double pb = normal_cdf(b);
  const double z = normal_quantile(pa + rng.uniform() * (pb - pa));
  return std::clamp(z, a, b);
}

// Nearest positive-definite correlation matrix by clipping eigenvalues, so a
// constant column or collinear columns do not break the Cholesky factor.
Eigen::MatrixXd repair(const Eigen::MatrixXd& r) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(r);
  Eigen::VectorXd ev = es.eigenvalues().cwiseMax(1e-6);
  Eigen::MatrixXd m = es.eigenvectors() * ev.asDiagonal() * es.eigenvectors().transpose();
  const Eigen::VectorXd s = m.diagonal().cwiseSqrt().cwiseInverse();
  return s.asDiagonal() * m * s.asDiagonal();
}

}  // namespace

std::unique_ptr<GaussianCopula> GaussianCopula::fit(const DataTable& data) {
  auto g = std::unique_ptr<GaussianCopula>(new GaussianCopula());
  g->init_columns(data);
  const std::size_t d = data.columns.size();
  const std::size_t n = data.rows;
  Eigen::MatrixXd z(n, d);
  for (std::size_t c = 0; c < d; ++c) {
    const Marginal& m = g->marginals_[c];
    // One score per cell, then a lookup per row.
    std::vector<double> cell_score(m.size());
    for (std::size_t k = 0; k < m.size(); ++k) cell_score[k] = interval_score(m.cell(k).lo, m.cell(k).hi);
    const auto& v = data.columns[c].values;
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t k = m.categorical()
          ? static_cast<std::size_t>(v[r])
          : static_cast<std::size_t>(std::lower_bound(m.support().begin(), m.support().end(), v[r]) - m.support().begin());
      z(r, c) = cell_score[k];
    }
  }
  // Scores of a coarse column (few cells) vary less than the latent normal
  // they summarise: var(s) < 1, and corr(s_i, z_j) = rho * sd(s_i) exactly when
  // column j is continuous. Dividing the score covariance by both variances
  // undoes that attenuation (exact with one coarse column, the first-order
  // polychoric term with two), so rare classes keep their dependence.
  Eigen::MatrixXd corr = Eigen::MatrixXd::Identity(d, d);
  if (n > 1) {
    const Eigen::MatrixXd cov = z.transpose() * z / static_cast<double>(n);  // scores have mean 0
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = 0; j < d; ++j) {
        if (i == j) continue;
        const double den = cov(i, i) * cov(j, j);
        corr(i, j) = den > 1e-12 ? std::clamp(cov(i, j) / den, -0.999, 0.999) : 0.0;
      }
  }
  corr = repair(corr);
  g->corr_.resize(d * d);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j) g->corr_[i * d + j] = corr(i, j);
  return g;
}

std::unique_ptr<GaussianCopula> GaussianCopula::load(const ModelArchive& archive) {
  auto g = std::unique_ptr<GaussianCopula>(new GaussianCopula());
  g->load_common(archive);
  g->corr_ = archive.numbers("correlation");
  if (g->corr_.size() != g->columns_.size() * g->columns_.size())
    throw ModelFileError(archive.source + ": correlation matrix does not match the columns");
  return g;
}

void GaussianCopula::store(ModelArchive& archive) const { archive.put("correlation", corr_); }

void GaussianCopula::draw_u(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& ev,
                            std::vector<double>& u) const {
  const std::size_t d = columns_.size();
  std::vector<std::size_t> fixed;
  std::vector<std::size_t> free;
  for (std::size_t c = 0; c < d; ++c) (ev[c].fixed ? fixed : free).push_back(c);
  Eigen::MatrixXd r(d, d);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j) r(i, j) = corr_[i * d + j];

  const std::size_t nc = fixed.size();
  const std::size_t nf = free.size();
  Eigen::MatrixXd scc(nc, nc), sfc(nf, nc), sff(nf, nf);
  for (std::size_t i = 0; i < nc; ++i)
    for (std::size_t j = 0; j < nc; ++j) scc(i, j) = r(fixed[i], fixed[j]);
  for (std::size_t i = 0; i < nf; ++i) {
    for (std::size_t j = 0; j < nc; ++j) sfc(i, j) = r(free[i], fixed[j]);
    for (std::size_t j = 0; j < nf; ++j) sff(i, j) = r(free[i], free[j]);
  }
  // z_F | z_C ~ N(K z_C, S_FF - K S_CF) with K = S_FC S_CC^-1.
  Eigen::MatrixXd k = Eigen::MatrixXd::Zero(nf, nc);
  Eigen::MatrixXd cond = sff;
  Eigen::MatrixXd prec;
  if (nc > 0) {
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(scc);
    k = ldlt.solve(sfc.transpose()).transpose();
    cond = sff - k * sfc.transpose();
    prec = ldlt.solve(Eigen::MatrixXd::Identity(nc, nc));
  }
  Eigen::MatrixXd chol = Eigen::MatrixXd::Zero(nf, nf);
  if (nf > 0) {
    cond += 1e-12 * Eigen::MatrixXd::Identity(nf, nf);
    chol = Eigen::LLT<Eigen::MatrixXd>(cond).matrixL();
  }

  // Fixed columns: a box [a, b] in z-space, or a point.
  std::vector<double> za(nc), zb(nc), start(nc);
  std::size_t boxes = 0;
  for (std::size_t i = 0; i < nc; ++i) {
    const UInterval iv = ev[fixed[i]].fixed_u;
    if (iv.width() > 0) {
      za[i] = std::max(normal_quantile(iv.lo), -kZLimit);
      zb[i] = std::min(normal_quantile(iv.hi), kZLimit);
      start[i] = interval_score(iv.lo, iv.hi);
      ++boxes;
    } else {
      za[i] = zb[i] = start[i] = std::clamp(normal_quantile(iv.lo), -kZLimit, kZLimit);
    }
  }
  // One draw of a single box is exact (its conditional given the points is
  // its whole law); several boxes are a truncated Gaussian, sampled by Gibbs.
  const int sweeps = boxes <= 1 ? 1 : 25;

  Eigen::VectorXd zc(nc), eps(nf), zf(nf);
  for (std::size_t row = 0; row < n; ++row) {
    for (std::size_t i = 0; i < nc; ++i) zc(i) = start[i];
    for (int s = 0; s < sweeps && boxes > 0; ++s) {
      for (std::size_t i = 0; i < nc; ++i) {
        if (za[i] == zb[i]) continue;
        const double q = prec(i, i);
        const double mean = -(prec.row(i).dot(zc) - q * zc(i)) / q;
        const double sd = 1.0 / std::sqrt(q);
        zc(i) = mean + sd * truncated_normal((za[i] - mean) / sd, (zb[i] - mean) / sd, rng);
      }
    }
    for (std::size_t i = 0; i < nf; ++i) eps(i) = rng.normal();
    zf = chol * eps;
    if (nc > 0) zf += k * zc;
    for (std::size_t i = 0; i < nf; ++i)
      u[row * d + free[i]] = ev[free[i]].allowed.map(normal_cdf(zf(i)));
  }
}

}  // namespace simulacra::learned
