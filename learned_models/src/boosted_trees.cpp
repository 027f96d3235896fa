// Gradient boosting with Newton leaf values; splits searched over per-feature
// quantile bins so a round costs O(rows x features).
#include "simulacra/learned/boosted_trees.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace simulacra::learned {

void BoostedTrees::fit(const std::vector<double>& x, std::size_t features, const std::vector<int>& y,
                       const BoostingOptions& opt) {
  if (features == 0 || y.empty() || x.size() != y.size() * features)
    throw std::invalid_argument("BoostedTrees::fit: sizes disagree or no rows");
  const std::size_t n = y.size();
  features_ = features;
  rate_ = opt.learning_rate;
  trees_.clear();
  // Quantile cut points per feature.
  std::vector<std::vector<double>> cut(features);
  std::vector<std::uint8_t> bin(n * features);
  for (std::size_t f = 0; f < features; ++f) {
    std::vector<double> v(n);
    for (std::size_t r = 0; r < n; ++r) v[r] = x[r * features + f];
    std::sort(v.begin(), v.end());
    for (std::size_t b = 1; b < opt.bins; ++b) {
      const double c = v[std::min(n - 1, b * n / opt.bins)];
      if (cut[f].empty() || c > cut[f].back()) cut[f].push_back(c);
    }
    for (std::size_t r = 0; r < n; ++r)
      bin[r * features + f] = static_cast<std::uint8_t>(
          std::lower_bound(cut[f].begin(), cut[f].end(), x[r * features + f]) - cut[f].begin());
  }
  const double pos = static_cast<double>(std::count(y.begin(), y.end(), 1));
  const double p0 = std::clamp(pos / static_cast<double>(n), 1e-6, 1 - 1e-6);
  base_ = std::log(p0 / (1 - p0));
  std::vector<double> f(n, base_), g(n), h(n);
  for (std::size_t round = 0; round < opt.rounds; ++round) {
    for (std::size_t r = 0; r < n; ++r) {
      const double p = 1 / (1 + std::exp(-f[r]));
      g[r] = p - y[r];
      h[r] = std::max(p * (1 - p), 1e-12);
    }
    std::vector<Node> tree;
    // Grow depth-first: (node index, rows, depth).
    struct Task {
      std::size_t node;
      std::vector<std::size_t> rows;
      std::size_t depth;
    };
    std::vector<std::size_t> all(n);
    std::iota(all.begin(), all.end(), 0);
    tree.emplace_back();
    std::vector<Task> stack;
    stack.push_back({0, std::move(all), 0});
    while (!stack.empty()) {
      Task t = std::move(stack.back());
      stack.pop_back();
      double gs = 0, hs = 0;
      for (std::size_t r : t.rows) {
        gs += g[r];
        hs += h[r];
      }
      tree[t.node].value = -gs / (hs + 1.0);
      if (t.depth >= opt.depth || t.rows.size() < 2 * opt.min_leaf) continue;
      double best_gain = 1e-9;
      int best_f = -1;
      std::size_t best_b = 0;
      std::vector<double> gh(opt.bins * 2);
      std::vector<std::size_t> cnt(opt.bins);
      for (std::size_t ft = 0; ft < features; ++ft) {
        std::fill(gh.begin(), gh.end(), 0.0);
        std::fill(cnt.begin(), cnt.end(), 0);
        for (std::size_t r : t.rows) {
          const std::size_t b = bin[r * features + ft];
          gh[2 * b] += g[r];
          gh[2 * b + 1] += h[r];
          ++cnt[b];
        }
        double gl = 0, hl = 0;
        std::size_t nl = 0;
        for (std::size_t b = 0; b < cut[ft].size(); ++b) {
          gl += gh[2 * b];
          hl += gh[2 * b + 1];
          nl += cnt[b];
          if (nl < opt.min_leaf || t.rows.size() - nl < opt.min_leaf) continue;
          const double gr = gs - gl, hr = hs - hl;
          const double gain = gl * gl / (hl + 1) + gr * gr / (hr + 1) - gs * gs / (hs + 1);
          if (gain > best_gain) {
            best_gain = gain;
            best_f = static_cast<int>(ft);
            best_b = b;
          }
        }
      }
      if (best_f < 0) continue;
      const auto ft = static_cast<std::size_t>(best_f);
      std::vector<std::size_t> left, right;
      for (std::size_t r : t.rows) (bin[r * features + ft] <= best_b ? left : right).push_back(r);
      tree[t.node].feature = best_f;
      tree[t.node].threshold = cut[ft][best_b];
      tree[t.node].left = tree.size();
      tree[t.node].right = tree.size() + 1;
      tree.emplace_back();
      tree.emplace_back();
      stack.push_back({tree[t.node].left, std::move(left), t.depth + 1});
      stack.push_back({tree[t.node].right, std::move(right), t.depth + 1});
    }
    for (std::size_t r = 0; r < n; ++r) {
      std::size_t k = 0;
      while (tree[k].feature >= 0)
        k = x[r * features + static_cast<std::size_t>(tree[k].feature)] <= tree[k].threshold ? tree[k].left : tree[k].right;
      f[r] += rate_ * tree[k].value;
    }
    trees_.push_back(std::move(tree));
  }
}

std::vector<double> BoostedTrees::predict(const std::vector<double>& x) const {
  const std::size_t n = x.size() / features_;
  std::vector<double> out(n, base_);
  for (const auto& tree : trees_)
    for (std::size_t r = 0; r < n; ++r) {
      std::size_t k = 0;
      while (tree[k].feature >= 0)
        k = x[r * features_ + static_cast<std::size_t>(tree[k].feature)] <= tree[k].threshold ? tree[k].left : tree[k].right;
      out[r] += rate_ * tree[k].value;
    }
  return out;
}

double roc_auc(const std::vector<double>& score, const std::vector<int>& y) {
  std::vector<std::size_t> idx(score.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return score[a] < score[b]; });
  // Mann-Whitney: sum of the positives' mid-ranks.
  double rank_sum = 0, pos = 0;
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j < idx.size() && score[idx[j]] == score[idx[i]]) ++j;
    const double mid = 0.5 * static_cast<double>(i + j + 1);
    for (std::size_t k = i; k < j; ++k)
      if (y[idx[k]] == 1) {
        rank_sum += mid;
        pos += 1;
      }
    i = j;
  }
  const double neg = static_cast<double>(y.size()) - pos;
  if (pos == 0 || neg == 0) return 0.5;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

}  // namespace simulacra::learned
