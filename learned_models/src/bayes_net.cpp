// Chow-Liu tree: discretisation, mutual information, spanning tree, tables,
// and exact posterior sampling under evidence by one upward message pass.
#include "simulacra/learned/bayes_net.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace simulacra::learned {

namespace {

constexpr double kRowsPerCell = 5.0;

double laplace(double scale, RandomStream& rng) {
  return rng.exponential(scale) - rng.exponential(scale);
}

// Noisy (if scale > 0), non-negative counts.
void add_noise(std::vector<double>& counts, double scale, RandomStream& rng) {
  if (scale <= 0) return;
  for (double& c : counts) c = std::max(0.0, c + laplace(scale, rng));
}

}  // namespace

std::size_t BayesNet::bin_of_cell(std::size_t c, std::size_t cell) const {
  const auto& s = bin_start_[c];
  return static_cast<std::size_t>(std::upper_bound(s.begin(), s.end(), cell) - s.begin()) - 1;
}

UInterval BayesNet::bin_range(std::size_t c, std::size_t b) const {
  const Marginal& m = marginals_[c];
  return {m.cell(bin_start_[c][b]).lo, m.cell(bin_start_[c][b + 1] - 1).hi};
}

std::unique_ptr<BayesNet> BayesNet::fit(const DataTable& table, const BayesNetOptions& opt) {
  if (opt.max_bins < 2) throw std::invalid_argument("BayesNet: max_bins must be at least 2");
  if (opt.epsilon < 0) throw std::invalid_argument("BayesNet: epsilon must not be negative");
  auto g = std::unique_ptr<BayesNet>(new BayesNet());
  TableMetadata meta;
  const DataTable data = prepare(table, meta);
  g->init_columns(data, std::move(meta));
  const std::size_t d = data.columns.size();
  const std::size_t n = data.rows;
  const bool dp = opt.epsilon > 0;
  RandomStream noise(opt.noise_seed, 0x6e6f697365ULL);

  // Bins per numeric column: at most max_bins, and on a small table few
  // enough that a pairwise table (bins x bins cells) has about 5 rows per
  // cell. With 20 bins on 120 rows most bins hold one or two distinct
  // values, the tree's tables then spell out the real rows, and sampling
  // repeated them (iris: 5.4% of rows copied against 1.07% by chance; now
  // 1.09%).
  const std::size_t max_bins = std::clamp<std::size_t>(
      static_cast<std::size_t>(std::sqrt(static_cast<double>(n) / kRowsPerCell)), 2, opt.max_bins);
  // Discretise: bins[c][r] is row r's bin in column c.
  std::vector<std::vector<std::size_t>> bins(d, std::vector<std::size_t>(n));
  g->bin_start_.resize(d);
  for (std::size_t c = 0; c < d; ++c) {
    const DataColumn& col = data.columns[c];
    Marginal& m = g->marginals_[c];
    auto& starts = g->bin_start_[c];
    if (dp && col.kind == ColumnKind::numeric) {
      // Equal-width bins with uniform weights: the model keeps no observed value.
      const double lo = m.min_value();
      const double hi = m.max_value() > lo ? m.max_value() : lo + 1.0;
      std::vector<double> edges(max_bins + 1);
      for (std::size_t b = 0; b <= max_bins; ++b)
        edges[b] = lo + (hi - lo) * static_cast<double>(b) / static_cast<double>(max_bins);
      m = Marginal::histogram(edges, std::vector<double>(max_bins, 1.0));
    } else if (dp) {
      std::vector<double> cum(col.levels.size() + 1);
      std::vector<double> support(col.levels.size());
      for (std::size_t i = 0; i < col.levels.size(); ++i) support[i] = static_cast<double>(i);
      for (std::size_t i = 0; i <= col.levels.size(); ++i)
        cum[i] = static_cast<double>(i) / static_cast<double>(col.levels.size());
      m = Marginal::from_parts(Marginal::kCategorical, support, cum, std::vector<double>(col.levels.size(), 1.0));
    }
    if (m.categorical() || m.is_histogram()) {
      for (std::size_t i = 0; i <= m.size(); ++i) starts.push_back(i);
    } else {
      // Runs of distinct values of about 1/max_bins probability each, and a
      // new run after a gap of more than a tenth of the column's range: a
      // bin across the gap between two clusters (order sizes 50-250 of one
      // kind of trader, 500-1500 of another) would hand values of one
      // cluster to rows of the other, since values within a bin are drawn
      // from the marginal alone.
      const auto& v = m.support();
      const double wide = 0.1 * (v.back() - v.front());
      std::size_t gap_starts = 0;
      starts.push_back(0);
      for (std::size_t i = 1; i < m.size(); ++i) {
        const double target = static_cast<double>(starts.size() - gap_starts) / static_cast<double>(max_bins);
        if (m.cum()[i] >= target - 1e-12) {
          starts.push_back(i);
        } else if (v[i] - v[i - 1] > wide) {
          starts.push_back(i);
          ++gap_starts;
        }
      }
      starts.push_back(m.size());
    }
    for (std::size_t r = 0; r < n; ++r) bins[c][r] = g->bin_of_cell(c, m.cell_of(col.values[r]));
  }

  // Mutual information of every pair from (noisy) joint counts.
  const double pairs = static_cast<double>(d * (d - 1) / 2);
  const double pair_scale = dp ? pairs / (opt.epsilon / 2) : 0.0;
  std::vector<double> mi(d * d, 0.0);
  for (std::size_t a = 0; a < d; ++a)
    for (std::size_t b = a + 1; b < d; ++b) {
      const std::size_t ka = g->bins(a), kb = g->bins(b);
      std::vector<double> joint(ka * kb, 0.0);
      for (std::size_t r = 0; r < n; ++r) joint[bins[a][r] * kb + bins[b][r]] += 1;
      add_noise(joint, pair_scale, noise);
      std::vector<double> pa(ka, 0.0), pb(kb, 0.0);
      double total = 0;
      for (std::size_t i = 0; i < ka; ++i)
        for (std::size_t j = 0; j < kb; ++j) {
          pa[i] += joint[i * kb + j];
          pb[j] += joint[i * kb + j];
          total += joint[i * kb + j];
        }
      double info = 0;
      for (std::size_t i = 0; i < ka; ++i)
        for (std::size_t j = 0; j < kb; ++j) {
          const double p = joint[i * kb + j];
          if (p > 0) info += p / total * std::log(p * total / (pa[i] * pb[j]));
        }
      mi[a * d + b] = mi[b * d + a] = info;
    }

  // Maximum spanning tree by Prim from column 0; ties go to the lower index.
  g->parent_.assign(d, -1);
  std::vector<bool> in(d, false);
  std::vector<double> best(d, -1.0);
  in[0] = true;
  g->order_.push_back(0);
  for (std::size_t c = 1; c < d; ++c) {
    best[c] = mi[c];
    g->parent_[c] = 0;
  }
  for (std::size_t step = 1; step < d; ++step) {
    std::size_t pick = d;
    for (std::size_t c = 0; c < d; ++c)
      if (!in[c] && (pick == d || best[c] > best[pick])) pick = c;
    in[pick] = true;
    g->order_.push_back(pick);
    for (std::size_t c = 0; c < d; ++c)
      if (!in[c] && mi[pick * d + c] > best[c]) {
        best[c] = mi[pick * d + c];
        g->parent_[c] = static_cast<int>(pick);
      }
  }

  // Conditional tables from (noisy) counts; a tiny pseudocount keeps every
  // bin possible, so evidence the data never showed still has a posterior.
  const double table_scale = dp ? static_cast<double>(d) / (opt.epsilon / 2) : 0.0;
  g->cpt_.resize(d);
  for (std::size_t c = 0; c < d; ++c) {
    const std::size_t k = g->bins(c);
    const std::size_t kp = g->parent_[c] < 0 ? 1 : g->bins(static_cast<std::size_t>(g->parent_[c]));
    std::vector<double> counts(kp * k, 0.0);
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t pb = g->parent_[c] < 0 ? 0 : bins[static_cast<std::size_t>(g->parent_[c])][r];
      counts[pb * k + bins[c][r]] += 1;
    }
    add_noise(counts, table_scale, noise);
    for (std::size_t pb = 0; pb < kp; ++pb) {
      double total = 0;
      for (std::size_t b = 0; b < k; ++b) total += counts[pb * k + b] += 1e-3 / static_cast<double>(k);
      for (std::size_t b = 0; b < k; ++b) counts[pb * k + b] /= total;
    }
    g->cpt_[c] = std::move(counts);
  }
  return g;
}

std::unique_ptr<BayesNet> BayesNet::load(const ModelArchive& a) {
  auto g = std::unique_ptr<BayesNet>(new BayesNet());
  g->load_common(a);
  const std::size_t d = g->columns_.size();
  const auto& parents = a.numbers("parents");
  const auto& order = a.numbers("order");
  if (parents.size() != d || order.size() != d) throw ModelFileError(a.source + ": tree does not match the columns");
  std::vector<bool> placed(d, false);
  for (double o : order) {
    const auto c = static_cast<std::size_t>(o);
    const int p = static_cast<int>(parents[c]);
    if (c >= d || placed[c] || (p >= 0 && (static_cast<std::size_t>(p) >= d || !placed[static_cast<std::size_t>(p)])))
      throw ModelFileError(a.source + ": the network's order is not a tree order");
    placed[c] = true;
    g->order_.push_back(c);
  }
  for (double p : parents) g->parent_.push_back(static_cast<int>(p));
  for (std::size_t c = 0; c < d; ++c) {
    const std::string p = column_prefix(c);
    std::vector<std::size_t> starts;
    for (double s : a.numbers(p + "bins")) starts.push_back(static_cast<std::size_t>(s));
    if (starts.size() < 2 || starts.front() != 0 || starts.back() != g->marginals_[c].size() ||
        !std::is_sorted(starts.begin(), starts.end()))
      throw ModelFileError(a.source + ": bins of column '" + g->columns_[c].name + "' are inconsistent");
    g->bin_start_.push_back(std::move(starts));
  }
  for (std::size_t c = 0; c < d; ++c) {
    const std::size_t kp = g->parent_[c] < 0 ? 1 : g->bins(static_cast<std::size_t>(g->parent_[c]));
    g->cpt_.push_back(a.numbers(column_prefix(c) + "cpt"));
    if (g->cpt_[c].size() != kp * g->bins(c))
      throw ModelFileError(a.source + ": table of column '" + g->columns_[c].name + "' has the wrong size");
  }
  return g;
}

void BayesNet::store(ModelArchive& a) const {
  std::vector<double> parents(parent_.begin(), parent_.end());
  std::vector<double> order(order_.begin(), order_.end());
  a.put("parents", parents);
  a.put("order", order);
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    const std::string p = column_prefix(c);
    a.put(p + "bins", std::vector<double>(bin_start_[c].begin(), bin_start_[c].end()));
    a.put(p + "cpt", cpt_[c]);
  }
}

void BayesNet::draw_u(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& ev,
                      std::vector<double>& u) const {
  const std::size_t d = columns_.size();
  // Local likelihood of each bin: the share of the bin the evidence allows.
  std::vector<std::vector<double>> lambda(d);
  std::vector<USet> within(d);  // where u may fall in each column
  for (std::size_t c = 0; c < d; ++c) {
    const std::size_t k = bins(c);
    lambda[c].assign(k, 0.0);
    if (ev[c].fixed) {
      const UInterval iv = ev[c].fixed_u;
      const double mid = 0.5 * (iv.lo + iv.hi);
      const Marginal& m = marginals_[c];
      std::size_t cell = static_cast<std::size_t>(std::upper_bound(m.cum().begin() + 1, m.cum().end(), mid) - m.cum().begin()) - 1;
      lambda[c][bin_of_cell(c, std::min(cell, m.size() - 1))] = 1.0;
      within[c] = USet({iv});
      continue;
    }
    within[c] = ev[c].allowed;
    for (std::size_t b = 0; b < k; ++b) {
      const UInterval r = bin_range(c, b);
      const double allowed = within[c].clip(r.lo, r.hi).measure();
      lambda[c][b] = r.width() > 0 ? allowed / r.width() : (within[c].clip(r.lo, r.hi).empty() ? 0.0 : 1.0);
    }
  }
  // Upward pass: fold each child's message into its parent's likelihood.
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const std::size_t c = *it;
    if (parent_[c] < 0) continue;
    const auto p = static_cast<std::size_t>(parent_[c]);
    const std::size_t k = bins(c);
    for (std::size_t pb = 0; pb < bins(p); ++pb) {
      double msg = 0;
      for (std::size_t b = 0; b < k; ++b) msg += cpt_[c][pb * k + b] * lambda[c][b];
      lambda[p][pb] *= msg;
    }
  }
  // Posterior tables, cumulative, per parent bin.
  std::vector<std::vector<double>> post(d);
  for (std::size_t c = 0; c < d; ++c) {
    const std::size_t k = bins(c);
    const std::size_t kp = cpt_[c].size() / k;
    post[c].resize(kp * k);
    for (std::size_t pb = 0; pb < kp; ++pb) {
      double acc = 0;
      for (std::size_t b = 0; b < k; ++b) post[c][pb * k + b] = acc += cpt_[c][pb * k + b] * lambda[c][b];
      if (parent_[c] < 0 && acc <= 0)
        throw DataError("the conditions and constraints have probability zero under the model");
      for (std::size_t b = 0; b < k && acc > 0; ++b) post[c][pb * k + b] /= acc;
    }
  }
  std::vector<std::size_t> bin(d);
  for (std::size_t row = 0; row < n; ++row) {
    for (std::size_t c : order_) {
      const std::size_t k = bins(c);
      const std::size_t pb = parent_[c] < 0 ? 0 : bin[static_cast<std::size_t>(parent_[c])];
      const auto first = post[c].begin() + static_cast<std::ptrdiff_t>(pb * k);
      const double x = rng.uniform();
      bin[c] = std::min(static_cast<std::size_t>(std::upper_bound(first, first + static_cast<std::ptrdiff_t>(k), x) - first), k - 1);
      if (ev[c].fixed) continue;
      const UInterval r = bin_range(c, bin[c]);
      const USet allowed = within[c].clip(r.lo, r.hi);
      u[row * d + c] = allowed.map(rng.uniform());
    }
  }
}

}  // namespace simulacra::learned
