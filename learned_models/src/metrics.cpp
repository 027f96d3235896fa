// Column, pairwise, classifier and privacy metrics of a synthetic table.
#include "simulacra/learned/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "simulacra/engine/random.hpp"
#include "simulacra/learned/boosted_trees.hpp"
#include "simulacra/learned/table_metadata.hpp"

namespace simulacra::learned {

namespace {

// Every cell as text: what "the same value" means across two tables whose
// categorical codes differ.
std::string row_key(const DataTable& t, std::size_t r) {
  std::string k;
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    k += t.cell_text(c, r);
    k += '\x1f';
  }
  return k;
}

// Over the rows where both are present (empty cells are NaN).
double pearson(const std::vector<double>& a_all, const std::vector<double>& b_all) {
  std::vector<double> a, b;
  for (std::size_t i = 0; i < a_all.size(); ++i)
    if (!std::isnan(a_all[i]) && !std::isnan(b_all[i])) {
      a.push_back(a_all[i]);
      b.push_back(b_all[i]);
    }
  if (a.empty()) return 0.0;
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

std::vector<std::size_t> subsample(std::size_t n, std::size_t k, RandomStream& rng) {
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  for (std::size_t i = n; i > 1; --i) std::swap(idx[i - 1], idx[rng.below(i)]);
  idx.resize(std::min(n, k));
  return idx;
}

// Features in the real table's coding: numeric values (NaN for an empty
// cell); categorical level index of the real table (-1 for a level the real
// table lacks).
std::vector<double> features(const DataTable& real, const DataTable& t, const std::vector<std::size_t>& rows) {
  const std::size_t d = real.columns.size();
  std::vector<double> x(rows.size() * d);
  for (std::size_t c = 0; c < d; ++c) {
    const DataColumn& col = t.columns[c];
    std::vector<double> code(col.levels.size(), -1.0);
    for (std::size_t l = 0; l < col.levels.size(); ++l) {
      const auto& lv = real.columns[c].levels;
      const auto it = std::lower_bound(lv.begin(), lv.end(), col.levels[l]);
      if (it != lv.end() && *it == col.levels[l]) code[l] = static_cast<double>(it - lv.begin());
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const double v = col.values[rows[i]];
      x[i * d + c] = col.kind == ColumnKind::categorical ? code[static_cast<std::size_t>(v)] : v;
    }
  }
  return x;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Distance of each query row to its closest reference row: numeric columns
// scaled by the real column's range, categorical columns 0 or 1.
std::vector<double> closest(const DataTable& real, const std::vector<double>& ref, const std::vector<double>& query) {
  const std::size_t d = real.columns.size();
  std::vector<double> scale(d, 1.0);
  std::vector<bool> cat(d);
  for (std::size_t c = 0; c < d; ++c) {
    cat[c] = real.columns[c].kind == ColumnKind::categorical;
    if (!cat[c]) {
      double lo = INFINITY, hi = -INFINITY;
      for (double v : real.columns[c].values)
        if (!std::isnan(v)) {
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
      scale[c] = hi > lo ? 1.0 / (hi - lo) : 1.0;
    }
  }
  const std::size_t nr = ref.size() / d;
  std::vector<double> out(query.size() / d);
  for (std::size_t q = 0; q < out.size(); ++q) {
    double best = INFINITY;
    for (std::size_t r = 0; r < nr && best > 0; ++r) {
      double s = 0;
      for (std::size_t c = 0; c < d && s < best; ++c) {
        const double a = query[q * d + c], b = ref[r * d + c];
        // An empty cell is as far from a value as another category.
        const double diff = cat[c] || std::isnan(a) || std::isnan(b)
                                ? (a == b || (std::isnan(a) && std::isnan(b)) ? 0.0 : 1.0)
                                : (a - b) * scale[c];
        s += diff * diff;
      }
      best = std::min(best, s);
    }
    out[q] = std::sqrt(best);
  }
  return out;
}

}  // namespace

double ks_statistic(std::vector<double> a, std::vector<double> b) {
  const auto nan = [](double v) { return std::isnan(v); };
  a.erase(std::remove_if(a.begin(), a.end(), nan), a.end());
  b.erase(std::remove_if(b.begin(), b.end(), nan), b.end());
  if (a.empty() || b.empty()) return a.empty() && b.empty() ? 0.0 : 1.0;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::size_t i = 0, j = 0;
  double d = 0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] == x) ++i;
    while (j < b.size() && b[j] == x) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / static_cast<double>(a.size()) -
                             static_cast<double>(j) / static_cast<double>(b.size())));
  }
  return d;
}

DataTable align_columns(const DataTable& reference, const DataTable& other, const std::string& what) {
  DataTable out;
  out.rows = other.rows;
  for (const auto& rc : reference.columns) {
    std::size_t i = other.columns.size();
    for (std::size_t j = 0; j < other.columns.size(); ++j)
      if (other.columns[j].name == rc.name) i = j;
    if (i == other.columns.size()) throw DataError(what + ": missing column '" + rc.name + "'");
    if (other.columns[i].kind != rc.kind)
      throw DataError(what + ": column '" + rc.name + "' is " + to_string(other.columns[i].kind) +
                      " but " + to_string(rc.kind) + " in the real table");
    out.columns.push_back(other.columns[i]);
  }
  for (const auto& oc : other.columns) reference.index(oc.name);  // unknown column -> DataError
  return out;
}

Evaluation evaluate(const DataTable& real_table, const DataTable& synth_table, const DataTable* holdout_table,
                    const EvaluationOptions& opt) {
  if (real_table.rows == 0 || synth_table.rows == 0) throw DataError("evaluate: a table is empty");
  const std::size_t columns = real_table.columns.size();
  if (synth_table.columns.size() != columns || (holdout_table && holdout_table->columns.size() != columns))
    throw DataError("evaluate: the tables have different columns");
  // Compared as the generators model them: ids left out (every row would
  // look unique and hide copies), datetimes as numbers, empty cells as an
  // indicator column beside the present values.
  const TableMetadata schema = TableMetadata::of(real_table);
  const DataTable real = schema.encode(real_table, TableMetadata::Purpose::compare);
  const DataTable synth = schema.encode(synth_table, TableMetadata::Purpose::compare);
  DataTable holdout_encoded;
  if (holdout_table) holdout_encoded = schema.encode(*holdout_table, TableMetadata::Purpose::compare);
  const DataTable* holdout = holdout_table ? &holdout_encoded : nullptr;
  const std::size_t d = real.columns.size();
  Evaluation e;
  for (const ColumnMetadata& c : schema.columns())
    if (c.kind == ColumnKind::id) e.id_columns.push_back(c.name);
  e.real_rows = real.rows;
  e.synthetic_rows = synth.rows;
  double ks_sum = 0, tv_sum = 0;
  std::size_t nks = 0, ntv = 0;
  for (std::size_t c = 0; c < d; ++c) {
    const DataColumn& a = real.columns[c];
    const DataColumn& b = synth.columns[c];
    if (a.kind == ColumnKind::numeric) {
      const double s = 1 - ks_statistic(a.values, b.values);
      e.columns.push_back({a.name, "1-KS", s});
      ks_sum += s;
      ++nks;
    } else {
      std::map<std::string, double> diff;
      for (double v : a.values) diff[a.levels[static_cast<std::size_t>(v)]] += 1.0 / static_cast<double>(real.rows);
      for (double v : b.values) diff[b.levels[static_cast<std::size_t>(v)]] -= 1.0 / static_cast<double>(synth.rows);
      double tv = 0;
      for (const auto& [level, x] : diff) tv += std::abs(x);
      e.columns.push_back({a.name, "1-TV", 1 - tv / 2});
      tv_sum += 1 - tv / 2;
      ++ntv;
    }
  }
  if (nks) e.mean_ks = ks_sum / static_cast<double>(nks);
  if (ntv) e.mean_tv = tv_sum / static_cast<double>(ntv);
  double cd = 0;
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i + 1; j < d; ++j) {
      if (real.columns[i].kind != ColumnKind::numeric || real.columns[j].kind != ColumnKind::numeric) continue;
      cd += std::abs(pearson(real.columns[i].values, real.columns[j].values) -
                     pearson(synth.columns[i].values, synth.columns[j].values));
      ++e.correlation_pairs;
    }
  if (e.correlation_pairs) e.correlation_diff = cd / static_cast<double>(e.correlation_pairs);

  // Two-sample test: equal numbers of real and synthetic rows, k-fold
  // cross-validated boosted trees, AUC of the out-of-fold scores.
  RandomStream rng(opt.seed, 0x617563ULL);
  const std::size_t m = std::min({real.rows, synth.rows, opt.max_rows});
  const auto real_rows = subsample(real.rows, m, rng);
  const auto synth_rows = subsample(synth.rows, m, rng);
  std::vector<double> x = features(real, real, real_rows);
  const std::vector<double> xs = features(real, synth, synth_rows);
  x.insert(x.end(), xs.begin(), xs.end());
  for (double& v : x)
    if (std::isnan(v)) v = -1e300;  // an empty cell: below every value (its indicator is a feature too)
  std::vector<int> y(2 * m, 0);
  std::fill(y.begin() + static_cast<std::ptrdiff_t>(m), y.end(), 1);
  const std::size_t folds = std::max<std::size_t>(2, std::min(opt.folds, m));
  std::vector<std::size_t> fold(2 * m);
  const auto perm = subsample(2 * m, 2 * m, rng);
  for (std::size_t i = 0; i < perm.size(); ++i) fold[perm[i]] = i % folds;
  std::vector<double> score(2 * m);
  for (std::size_t k = 0; k < folds; ++k) {
    std::vector<double> xt, xv;
    std::vector<int> yt;
    std::vector<std::size_t> held;
    for (std::size_t i = 0; i < 2 * m; ++i) {
      auto& dst = fold[i] == k ? xv : xt;
      dst.insert(dst.end(), x.begin() + static_cast<std::ptrdiff_t>(i * d), x.begin() + static_cast<std::ptrdiff_t>((i + 1) * d));
      if (fold[i] == k) held.push_back(i);
      else yt.push_back(y[i]);
    }
    BoostedTrees model;
    model.fit(xt, d, yt);
    const auto p = model.predict(xv);
    for (std::size_t i = 0; i < held.size(); ++i) score[held[i]] = p[i];
  }
  e.classifier_auc = roc_auc(score, y);

  // Privacy: exact copies of real rows, and distances to the closest real row.
  std::set<std::string> real_keys;
  for (std::size_t r = 0; r < real.rows; ++r) real_keys.insert(row_key(real, r));
  std::size_t copies = 0;
  for (std::size_t r = 0; r < synth.rows; ++r) copies += real_keys.count(row_key(synth, r));
  e.exact_copy_share = static_cast<double>(copies) / static_cast<double>(synth.rows);
  std::vector<std::size_t> all_real(real.rows);
  std::iota(all_real.begin(), all_real.end(), 0);
  const std::vector<double> ref = features(real, real, all_real);
  e.dcr_synthetic_median = median(closest(real, ref, features(real, synth, subsample(synth.rows, opt.max_rows, rng))));
  if (holdout && holdout->rows > 0) {
    e.has_holdout = true;
    e.holdout_rows = holdout->rows;
    std::size_t hc = 0;
    for (std::size_t r = 0; r < holdout->rows; ++r) hc += real_keys.count(row_key(*holdout, r));
    e.holdout_copy_share = static_cast<double>(hc) / static_cast<double>(holdout->rows);
    // Over all splits: a row whose values k other rows share lands in the
    // holdout with none of them in the real part with probability
    // C(N-1-k, R) / C(N-1, R) = prod_{i<k} (H-1-i) / (N-1-i).
    std::map<std::string, std::size_t> times;
    for (std::size_t r = 0; r < real.rows; ++r) ++times[row_key(real, r)];
    for (std::size_t r = 0; r < holdout->rows; ++r) ++times[row_key(*holdout, r)];
    const double total = static_cast<double>(real.rows + holdout->rows);
    const double h = static_cast<double>(holdout->rows);
    double expected = 0;
    for (const auto& [key, count] : times) {
      double none = 1;
      for (std::size_t i = 0; i + 1 < count; ++i)
        none *= std::max(0.0, (h - 1 - static_cast<double>(i)) / (total - 1 - static_cast<double>(i)));
      expected += static_cast<double>(count) * (1 - none);
    }
    e.expected_copy_share = expected / total;
    e.dcr_holdout_median =
        median(closest(real, ref, features(real, *holdout, subsample(holdout->rows, opt.max_rows, rng))));
  }
  return e;
}

namespace {
std::string fmt(double v) {
  std::ostringstream o;
  o.precision(4);
  o << std::fixed << v;
  return o.str();
}
std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\';
    if (static_cast<unsigned char>(ch) < 0x20) {
      o += ' ';
      continue;
    }
    o += ch;
  }
  return o + "\"";
}
}  // namespace

std::string to_text(const Evaluation& e) {
  std::ostringstream o;
  o << "rows: real " << e.real_rows << ", synthetic " << e.synthetic_rows;
  if (e.has_holdout) o << ", holdout " << e.holdout_rows;
  o << "\n\ncolumns:\n";
  for (const auto& c : e.columns) o << "  " << c.column << "  " << c.metric << " " << fmt(c.score) << "\n";
  o << "\nmean 1-KS (numeric)            " << fmt(e.mean_ks) << "\n"
    << "mean 1-TV (categorical)        " << fmt(e.mean_tv) << "\n"
    << "correlation difference         " << fmt(e.correlation_diff) << " (mean over " << e.correlation_pairs << " numeric pairs)\n"
    << "two-sample classifier AUC      " << fmt(e.classifier_auc) << " (boosted trees, cross-validated; 0.5 = indistinguishable)\n"
    << "exact copies of real rows      " << fmt(e.exact_copy_share) << " of synthetic rows";
  if (!e.id_columns.empty()) {
    o << " (ids excluded:";
    for (const auto& c : e.id_columns) o << ' ' << c;
    o << ')';
  }
  o << "\n"
    << "median DCR, synthetic          " << fmt(e.dcr_synthetic_median) << "\n";
  if (e.has_holdout)
    o << "median DCR, holdout            " << fmt(e.dcr_holdout_median) << "\n"
      << "holdout rows equal to real     " << fmt(e.holdout_copy_share) << " (this split)\n"
      << "  expected over all splits     " << fmt(e.expected_copy_share) << " (the chance level of copies)\n";
  return o.str();
}

std::string to_json(const Evaluation& e) {
  std::ostringstream o;
  o.precision(17);
  o << "{\n  \"real_rows\": " << e.real_rows << ",\n  \"synthetic_rows\": " << e.synthetic_rows
    << ",\n  \"columns\": [";
  for (std::size_t i = 0; i < e.columns.size(); ++i)
    o << (i ? ", " : "") << "{\"column\": " << json_string(e.columns[i].column) << ", \"metric\": \""
      << e.columns[i].metric << "\", \"score\": " << e.columns[i].score << "}";
  o << "],\n  \"mean_ks\": " << e.mean_ks << ",\n  \"mean_tv\": " << e.mean_tv
    << ",\n  \"correlation_diff\": " << e.correlation_diff << ",\n  \"correlation_pairs\": " << e.correlation_pairs
    << ",\n  \"classifier_auc\": " << e.classifier_auc << ",\n  \"exact_copy_share\": " << e.exact_copy_share
    << ",\n  \"id_columns\": [";
  for (std::size_t i = 0; i < e.id_columns.size(); ++i) o << (i ? ", " : "") << json_string(e.id_columns[i]);
  o << "]"
    << ",\n  \"dcr_synthetic_median\": " << e.dcr_synthetic_median;
  if (e.has_holdout)
    o << ",\n  \"holdout_rows\": " << e.holdout_rows << ",\n  \"dcr_holdout_median\": " << e.dcr_holdout_median
      << ",\n  \"holdout_copy_share\": " << e.holdout_copy_share
      << ",\n  \"expected_copy_share\": " << e.expected_copy_share;
  o << "\n}\n";
  return o.str();
}

}  // namespace simulacra::learned
