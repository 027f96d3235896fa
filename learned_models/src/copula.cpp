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


// Normal scores of the given rows: each value's cell in its column's
// marginal maps to the mean of the standard normal over that cell's interval.
Eigen::MatrixXd normal_scores(const DataTable& data, const std::vector<std::size_t>& rows,
                              const std::vector<Marginal>& marginals) {
  const std::size_t d = data.columns.size();
  Eigen::MatrixXd z(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(d));
  for (std::size_t c = 0; c < d; ++c) {
    const Marginal& m = marginals[c];
    std::vector<double> cell_score(m.size());  // one score per cell, then a lookup per row
    for (std::size_t k = 0; k < m.size(); ++k) cell_score[k] = interval_score(m.cell(k).lo, m.cell(k).hi);
    const auto& v = data.columns[c].values;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const double x = v[rows[i]];
      const std::size_t k = m.categorical()
          ? static_cast<std::size_t>(x)
          : static_cast<std::size_t>(std::lower_bound(m.support().begin(), m.support().end(), x) - m.support().begin());
      z(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = cell_score[k];
    }
  }
  return z;
}

// A stratum's marginal of a column recorded on a grid (at least 10 distinct
// values in the whole table, 90% of its rows on values seen more than once:
// a measurement rounded to its resolution). The stratum's own frequencies
// would put all its mass on the few grid values its rows happen to show, so
// rows sampled from a small stratum would repeat its real rows far more
// often than new real rows do (iris: 2.3% of rows against 1.07% by chance).
// Instead the stratum's probabilities on the table's grid values (each
// weighted by the grid width it stands for) mix a Gaussian kernel estimate
// (bandwidth half Silverman's, at least one grid step) with share
// `kernel_share`, and a normal of the stratum's mean and variance plus the
// kernel's. Any estimate centred on the real rows gives them more
// probability than new rows have; the normal part does not, and is what
// brings the copies down to the chance level. Values stay on the grid.
Marginal grid_smoothed(const Marginal& pooled, std::vector<double> v, const Marginal& empirical, double kernel_share) {
  const auto& grid = pooled.support();
  if (pooled.mode() != Marginal::kNumeric || grid.size() < 10 || v.size() < 2) return empirical;
  double single = 0, total = 0;
  for (double c : pooled.counts()) {
    total += c;
    if (c < 1.5) single += c;
  }
  if (single > 0.1 * total) return empirical;
  std::sort(v.begin(), v.end());
  const double n = static_cast<double>(v.size());
  double mean = 0, var = 0;
  for (double x : v) mean += x / n;
  for (double x : v) var += (x - mean) * (x - mean) / (n - 1);
  const double iqr = v[static_cast<std::size_t>(0.75 * (n - 1))] - v[static_cast<std::size_t>(0.25 * (n - 1))];
  double spread = std::sqrt(var);
  if (iqr > 0) spread = std::min(spread, iqr / 1.34);
  if (!(spread > 0)) return empirical;
  double step = grid.back() - grid.front();
  for (std::size_t k = 1; k < grid.size(); ++k) step = std::min(step, grid[k] - grid[k - 1]);
  const double h = std::max(0.5 * spread * std::pow(n, -0.2), step);
  const double sd = std::sqrt(var + h * h);
  std::vector<double> support, weight;
  for (std::size_t k = 0; k < grid.size(); ++k) {
    if (grid[k] < v.front() - 4 * h || grid[k] > v.back() + 4 * h) continue;
    const double lo = k > 0 ? grid[k - 1] : grid[k] - step;
    const double hi = k + 1 < grid.size() ? grid[k + 1] : grid[k] + step;
    double density = 0;
    for (double x : v) density += normal_pdf((grid[k] - x) / h);
    density = kernel_share * density / (n * h) + (1 - kernel_share) * normal_pdf((grid[k] - mean) / sd) / sd;
    support.push_back(grid[k]);
    weight.push_back(density * 0.5 * (hi - lo));
  }
  return Marginal::discrete(std::move(support), weight);
}

// Scores of a coarse column (few cells) vary less than the latent normal
// they summarise: var(s) < 1, and corr(s_i, z_j) = rho * sd(s_i) exactly when
// column j is continuous. Dividing the score covariance by both variances
// undoes that attenuation (exact with one coarse column, the first-order
// polychoric term with two), so rare classes keep their dependence.
Eigen::MatrixXd score_correlation(const Eigen::MatrixXd& z) {
  const auto d = z.cols();
  const auto n = z.rows();
  Eigen::MatrixXd corr = Eigen::MatrixXd::Identity(d, d);
  if (n > 1) {
    const Eigen::MatrixXd cov = z.transpose() * z / static_cast<double>(n);  // scores have mean 0
    for (Eigen::Index i = 0; i < d; ++i)
      for (Eigen::Index j = 0; j < d; ++j) {
        if (i == j) continue;
        const double den = cov(i, i) * cov(j, j);
        corr(i, j) = den > 1e-12 ? std::clamp(cov(i, j) / den, -0.999, 0.999) : 0.0;
      }
  }
  return corr;
}

// "s<k>.": the prefix of stratum k's arrays in a model file (built in steps:
// GCC 12 warns falsely (-Wrestrict) on "literal" + string).
std::string stratum_prefix(std::size_t s) {
  std::string p = "s";
  p += std::to_string(s);
  p += '.';
  return p;
}

std::vector<double> to_vector(const Eigen::MatrixXd& m) {
  std::vector<double> v(static_cast<std::size_t>(m.size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) v[static_cast<std::size_t>(i * m.cols() + j)] = m(i, j);
  return v;
}

// The stratifying column: the user's, or the categorical column whose levels
// explain most of the numeric columns' score variance (mean correlation ratio
// of the normal scores `z`, at least options.min_association); -1 for none.
int stratum_column(const DataTable& data, const Eigen::MatrixXd& z, const CopulaOptions& options) {
  if (!options.stratify) return -1;
  if (!options.by.empty()) {
    const std::size_t by = data.index(options.by);
    if (data.columns[by].kind != ColumnKind::categorical)
      throw DataError("cannot stratify by column '" + options.by + "': it is not categorical");
    return static_cast<int>(by);
  }
  const std::size_t d = data.columns.size();
  const std::size_t n = data.rows;
  int by = -1;
  double best = options.min_association;
  for (std::size_t c = 0; c < d; ++c) {
    const DataColumn& col = data.columns[c];
    if (col.kind != ColumnKind::categorical) continue;
    std::vector<double> count(col.levels.size(), 0.0);
    for (double v : col.values) count[static_cast<std::size_t>(v)] += 1;
    if (std::count_if(count.begin(), count.end(), [&](double k) {
          return k >= static_cast<double>(options.min_stratum_rows);
        }) < 2)
      continue;
    double eta = 0;
    std::size_t numeric = 0;
    for (std::size_t j = 0; j < d; ++j) {
      if (data.columns[j].kind != ColumnKind::numeric) continue;
      std::vector<double> sum(col.levels.size(), 0.0);
      double total = 0;
      for (std::size_t r = 0; r < n; ++r) {
        const double x = z(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j));
        sum[static_cast<std::size_t>(col.values[r])] += x;
        total += x * x;
      }
      double between = 0;
      for (std::size_t l = 0; l < sum.size(); ++l)
        if (count[l] > 0) between += sum[l] * sum[l] / count[l];
      eta += total > 0 ? between / total : 0.0;
      ++numeric;
    }
    if (numeric > 0 && eta / static_cast<double>(numeric) >= best) {
      best = eta / static_cast<double>(numeric);
      by = static_cast<int>(c);
    }
  }
  return by;
}

}  // namespace

std::unique_ptr<GaussianCopula> GaussianCopula::fit(const DataTable& table, const CopulaOptions& options) {
  auto g = std::unique_ptr<GaussianCopula>(new GaussianCopula());
  TableMetadata meta;
  const DataTable data = prepare(table, meta);
  g->init_columns(data, std::move(meta));
  const std::size_t d = data.columns.size();
  const std::size_t n = data.rows;
  std::vector<std::size_t> all(n);
  for (std::size_t r = 0; r < n; ++r) all[r] = r;
  const Eigen::MatrixXd z = normal_scores(data, all, g->marginals_);
  g->corr_ = to_vector(repair(score_correlation(z)));

  const int by = stratum_column(data, z, options);
  if (by < 0) return g;

  // Strata: each level with enough rows, the rest together.
  const DataColumn& bycol = data.columns[static_cast<std::size_t>(by)];
  std::vector<std::vector<std::size_t>> level_rows(bycol.levels.size());
  for (std::size_t r = 0; r < n; ++r) level_rows[static_cast<std::size_t>(bycol.values[r])].push_back(r);
  std::vector<Stratum> strata;
  std::vector<std::vector<std::size_t>> rows;
  Stratum rest;
  std::vector<std::size_t> rest_rows;
  for (std::size_t l = 0; l < level_rows.size(); ++l) {
    if (level_rows[l].empty()) continue;
    if (level_rows[l].size() >= options.min_stratum_rows) {
      strata.push_back(Stratum{{l}, 0.0, {}, {}});
      rows.push_back(level_rows[l]);
    } else {
      rest.levels.push_back(l);
      rest_rows.insert(rest_rows.end(), level_rows[l].begin(), level_rows[l].end());
    }
  }
  if (strata.size() < 2 && !(strata.size() == 1 && rest_rows.size() >= options.min_stratum_rows)) return g;
  if (!rest_rows.empty()) {
    if (rest_rows.size() >= options.min_stratum_rows) {
      strata.push_back(rest);
      rows.push_back(rest_rows);
    } else {  // too few even together: they join the largest stratum
      std::size_t big = 0;
      for (std::size_t s = 1; s < rows.size(); ++s)
        if (rows[s].size() > rows[big].size()) big = s;
      strata[big].levels.insert(strata[big].levels.end(), rest.levels.begin(), rest.levels.end());
      std::sort(strata[big].levels.begin(), strata[big].levels.end());
      rows[big].insert(rows[big].end(), rest_rows.begin(), rest_rows.end());
      std::sort(rows[big].begin(), rows[big].end());
    }
  }

  // Each stratum's marginals and raw correlation, then shrinkage toward the
  // strata's size-weighted mean correlation (the within-stratum dependence
  // the strata share), then the positive-definite repair.
  std::vector<Eigen::MatrixXd> raw;
  Eigen::MatrixXd mean = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d));
  for (std::size_t s = 0; s < strata.size(); ++s) {
    for (std::size_t c = 0; c < d; ++c) {
      std::vector<double> v;
      v.reserve(rows[s].size());
      for (std::size_t r : rows[s]) v.push_back(data.columns[c].values[r]);
      const Marginal empirical =
          Marginal::empirical(v, data.columns[c].kind == ColumnKind::categorical, data.columns[c].levels.size());
      strata[s].marginals.push_back(
          options.smooth_grid ? grid_smoothed(g->marginals_[c], v, empirical, options.grid_kernel_share) : empirical);
    }
    strata[s].weight = static_cast<double>(rows[s].size()) / static_cast<double>(n);
    raw.push_back(score_correlation(normal_scores(data, rows[s], strata[s].marginals)));
    mean += strata[s].weight * raw.back();
  }
  const double k = options.shrinkage_rows > 0 ? options.shrinkage_rows : static_cast<double>(d);
  for (std::size_t s = 0; s < strata.size(); ++s) {
    const double ns = static_cast<double>(rows[s].size());
    const double lambda = ns / (ns + k);
    strata[s].corr = to_vector(repair(lambda * raw[s] + (1 - lambda) * mean));
  }
  g->by_ = by;
  g->strata_ = std::move(strata);
  return g;
}

namespace {

// n rows of u from the Gaussian copula with correlation `corr` (d x d,
// row-major) under the evidence; fixed columns are left as they are.
void draw_gaussian(const std::vector<double>& corr, std::size_t d, std::size_t n, RandomStream& rng,
                   const std::vector<ColumnEvidence>& ev, std::vector<double>& u) {
  std::vector<std::size_t> fixed;
  std::vector<std::size_t> free;
  for (std::size_t c = 0; c < d; ++c) (ev[c].fixed ? fixed : free).push_back(c);
  Eigen::MatrixXd r(d, d);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j) r(i, j) = corr[i * d + j];

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

}  // namespace

std::unique_ptr<GaussianCopula> GaussianCopula::load(const ModelArchive& archive) {
  auto g = std::unique_ptr<GaussianCopula>(new GaussianCopula());
  g->load_common(archive);
  const std::size_t d = g->columns_.size();
  g->corr_ = archive.numbers("correlation");
  if (g->corr_.size() != d * d)
    throw ModelFileError(archive.source + ": correlation matrix does not match the columns");
  if (!archive.has("strata.by")) return g;  // format 1: one copula
  const double by = archive.number("strata.by");
  if (by < 0) return g;
  const double count = archive.number("strata.count");
  if (by >= static_cast<double>(d) || by != std::round(by) || g->columns_[static_cast<std::size_t>(by)].kind !=
      ColumnKind::categorical || !(count >= 1 && count <= 1e6) || count != std::round(count))
    throw ModelFileError(archive.source + ": the copula's strata are inconsistent");
  g->by_ = static_cast<int>(by);
  const std::size_t levels = g->columns_[static_cast<std::size_t>(by)].levels.size();
  for (std::size_t s = 0; s < static_cast<std::size_t>(count); ++s) {
    const std::string p = stratum_prefix(s);
    Stratum st;
    for (double l : archive.numbers(p + "levels")) {
      if (!(l >= 0 && l < static_cast<double>(levels)))
        throw ModelFileError(archive.source + ": a stratum names a level the column lacks");
      st.levels.push_back(static_cast<std::size_t>(l));
    }
    st.weight = archive.number(p + "weight");
    st.corr = archive.numbers(p + "correlation");
    if (st.corr.size() != d * d || !(st.weight >= 0))
      throw ModelFileError(archive.source + ": a stratum does not match the columns");
    for (std::size_t c = 0; c < d; ++c)
      st.marginals.push_back(load_marginal(archive, p + column_prefix(c), g->columns_[c]));
    g->strata_.push_back(std::move(st));
  }
  return g;
}

void GaussianCopula::store(ModelArchive& archive) const {
  archive.put("correlation", corr_);
  archive.put_number("strata.by", by_);
  if (by_ < 0) return;
  archive.put_number("strata.count", static_cast<double>(strata_.size()));
  for (std::size_t s = 0; s < strata_.size(); ++s) {
    const std::string p = stratum_prefix(s);
    archive.put(p + "levels", std::vector<double>(strata_[s].levels.begin(), strata_[s].levels.end()));
    archive.put_number(p + "weight", strata_[s].weight);
    archive.put(p + "correlation", strata_[s].corr);
    for (std::size_t c = 0; c < columns_.size(); ++c) store_marginal(archive, p + column_prefix(c), strata_[s].marginals[c]);
  }
}

void GaussianCopula::draw_u(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& ev,
                            std::vector<double>& u) const {
  draw_gaussian(corr_, columns_.size(), n, rng, ev, u);
}

void GaussianCopula::draw_values(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& ev,
                                 std::vector<double>& x) const {
  if (strata_.empty()) {
    Generator::draw_values(n, rng, ev, x);
    return;
  }
  const std::size_t d = columns_.size();
  const std::size_t ns = strata_.size();
  // Each stratum's evidence in its own u-space, and the stratum's weight:
  // its probability times that of the evidence in it. `hard` holds the
  // probabilities (categories, repeated values, constraints), `soft` adds
  // the densities of continuous fixed values, used unless they vanish in
  // every stratum (a value outside every stratum's range).
  std::vector<std::vector<ColumnEvidence>> evs(ns);
  std::vector<double> hard(ns), soft(ns);
  for (std::size_t s = 0; s < ns; ++s) {
    const Stratum& st = strata_[s];
    double h = st.weight, density = 1.0;
    for (std::size_t c = 0; c < d; ++c) {
      const Marginal& m = st.marginals[c];
      evs[s].push_back(evidence_in(c, m, ev[c]));
      const ColumnEvidence& e = evs[s].back();
      if (ev[c].fixed) {
        if (columns_[c].kind == ColumnKind::categorical || ev[c].fixed_u.width() > 0) h *= m.mass_at(ev[c].value);
        else density *= m.density_at(ev[c].value);
      } else if (e.allowed.empty()) {
        h = 0;
      } else if (!e.allowed.full() && e.allowed.measure() > 0) {
        h *= e.allowed.measure();
      }
    }
    hard[s] = h;
    soft[s] = h * density;
  }
  std::vector<double> cum(ns + 1, 0.0);
  const bool use_soft = std::any_of(soft.begin(), soft.end(), [](double w) { return w > 0; });
  for (std::size_t s = 0; s < ns; ++s) cum[s + 1] = cum[s] + (use_soft ? soft[s] : hard[s]);
  if (!(cum[ns] > 0)) throw DataError("the conditions and constraints have probability zero under the model");
  std::vector<std::size_t> which(n);
  std::vector<std::vector<std::size_t>> members(ns);
  for (std::size_t r = 0; r < n; ++r) {
    const double t = rng.uniform() * cum[ns];
    std::size_t s = static_cast<std::size_t>(std::upper_bound(cum.begin() + 1, cum.end(), t) - cum.begin()) - 1;
    while (s + 1 < ns && !(cum[s + 1] > cum[s])) ++s;  // never a stratum of weight 0
    while (s > 0 && !(cum[s + 1] > cum[s])) --s;
    members[std::min(s, ns - 1)].push_back(r);
  }
  std::vector<double> u;
  for (std::size_t s = 0; s < ns; ++s) {
    if (members[s].empty()) continue;
    u.assign(members[s].size() * d, 0.0);
    draw_gaussian(strata_[s].corr, d, members[s].size(), rng, evs[s], u);
    for (std::size_t i = 0; i < members[s].size(); ++i)
      for (std::size_t c = 0; c < d; ++c)
        if (!ev[c].fixed) x[members[s][i] * d + c] = finish(c, u[i * d + c], strata_[s].marginals[c]);
  }
}

}  // namespace simulacra::learned
