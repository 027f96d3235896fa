// k-nearest-neighbour classifier two-sample test, by brute force (the samples
// compared in calibration are a few thousand rows).
#include "simulacra/experiments/two_sample.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::calibrate {

double c2st_accuracy(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b,
                     const TwoSampleOptions& options) {
  if (options.folds < 2) throw UserError("two-sample test: at least 2 folds are needed");
  const std::size_t per = std::min(a.size(), b.size());
  if (per < 2 * options.folds)
    throw UserError("two-sample test: " + std::to_string(per) + " rows per sample; at least " +
                    std::to_string(2 * options.folds) + " are needed for " + std::to_string(options.folds) + " folds");
  const std::size_t w = a.front().size();
  const std::size_t n = 2 * per;
  // Pooled rows (label 0 for a, 1 for b), standardised column by column.
  std::vector<double> f(n * w);
  std::vector<int> label(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::vector<double>& row = i < per ? a[i] : b[i - per];
    if (row.size() != w) throw UserError("two-sample test: rows of different widths");
    std::copy(row.begin(), row.end(), f.begin() + std::ptrdiff_t(i * w));
    label[i] = i < per ? 0 : 1;
  }
  for (std::size_t j = 0; j < w; ++j) {
    double m = 0.0, v = 0.0;
    for (std::size_t i = 0; i < n; ++i) m += f[i * w + j];
    m /= double(n);
    for (std::size_t i = 0; i < n; ++i) v += (f[i * w + j] - m) * (f[i * w + j] - m);
    const double sd = std::sqrt(v / double(n));
    for (std::size_t i = 0; i < n; ++i) f[i * w + j] = sd > 0.0 ? (f[i * w + j] - m) / sd : 0.0;
  }

  // Stratified folds: each class shuffled and dealt round the folds.
  std::vector<std::size_t> fold(n);
  RandomStream rng(options.seed, 0x63327374ULL);  // "c2st"
  for (std::size_t c = 0; c < 2; ++c) {
    std::vector<std::size_t> idx(per);
    std::iota(idx.begin(), idx.end(), c * per);
    for (std::size_t i = per; i > 1; --i) std::swap(idx[i - 1], idx[rng.below(i)]);
    for (std::size_t i = 0; i < per; ++i) fold[idx[i]] = i % options.folds;
  }
  std::size_t k = options.neighbours;
  if (k == 0) {
    const double train = double(n) * double(options.folds - 1) / double(options.folds);
    k = std::max<std::size_t>(1, static_cast<std::size_t>(std::sqrt(train)) | 1);
  }

  std::size_t correct = 0;
  std::vector<std::pair<double, int>> dist;
  for (std::size_t q = 0; q < n; ++q) {
    dist.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (fold[i] == fold[q]) continue;
      double d = 0.0;
      for (std::size_t j = 0; j < w; ++j) d += (f[q * w + j] - f[i * w + j]) * (f[q * w + j] - f[i * w + j]);
      dist.emplace_back(d, label[i]);
    }
    const std::size_t kk = std::min(k, dist.size());
    // Ties in distance are broken by label, then the vote; an even split
    // counts as half right (chance).
    std::nth_element(dist.begin(), dist.begin() + std::ptrdiff_t(kk - 1), dist.end());
    std::size_t ones = 0;
    for (std::size_t i = 0; i < kk; ++i) ones += std::size_t(dist[i].second);
    const std::size_t agree = label[q] == 1 ? ones : kk - ones;
    correct += 2 * agree > kk ? 2 : (2 * agree == kk ? 1 : 0);
  }
  return double(correct) / double(2 * n);
}

}  // namespace simulacra::calibrate
