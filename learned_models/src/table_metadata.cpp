// A table's schema: its user columns mapped onto model columns, the model's
// view of a table (with imputation for fitting), sampled rows mapped back,
// and the schema's arrays in model files.
#include "simulacra/learned/table_metadata.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "simulacra/learned/datetime.hpp"

namespace simulacra::learned {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Rank of each value (0-based position in sorted order; ties in row order).
std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<std::size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < idx.size(); ++i) r[idx[i]] = static_cast<double>(i);
  return r;
}

// How well column x predicts y (both over the same rows): the squared rank
// correlation for a numeric x, the correlation ratio of y's ranks for a
// categorical one.
double association(const DataColumn& x, const std::vector<double>& xv, const std::vector<double>& y) {
  const std::vector<double> ry = ranks(y);
  const double n = static_cast<double>(y.size());
  const double mean = (n - 1) / 2;
  double total = 0;
  for (double r : ry) total += (r - mean) * (r - mean);
  if (total <= 0) return 0;
  if (x.kind == ColumnKind::categorical) {
    std::vector<double> sum(x.levels.size(), 0.0), count(x.levels.size(), 0.0);
    for (std::size_t i = 0; i < xv.size(); ++i) {
      sum[static_cast<std::size_t>(xv[i])] += ry[i];
      count[static_cast<std::size_t>(xv[i])] += 1;
    }
    double between = 0;
    for (std::size_t l = 0; l < sum.size(); ++l)
      if (count[l] > 0) between += count[l] * (sum[l] / count[l] - mean) * (sum[l] / count[l] - mean);
    return between / total;
  }
  const std::vector<double> rx = ranks(xv);
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
  }
  return sxx > 0 ? sxy * sxy / (sxx * total) : 0.0;
}

// Fills the NaN cells of `v` with values of real rows alike in the fully
// observed column that predicts v best: a donor drawn among the 10 rows
// nearest in that column (numeric) or among the rows of the same level
// (categorical), its value spread over the interval to the midpoints of its
// neighbours in sorted order as the copula's marginal smooths a singleton
// (a repeated value stays exact). No predictor: donors drawn from all rows.
void impute(std::vector<double>& v, const std::vector<const DataColumn*>& complete, RandomStream& rng) {
  std::vector<std::size_t> present, absent;
  for (std::size_t r = 0; r < v.size(); ++r) (std::isnan(v[r]) ? absent : present).push_back(r);
  if (absent.empty() || present.empty()) return;
  std::vector<double> y;
  for (std::size_t r : present) y.push_back(v[r]);
  const DataColumn* best = nullptr;
  double best_score = 0.01;  // weaker links do not justify matching
  for (const DataColumn* c : complete) {
    std::vector<double> x;
    for (std::size_t r : present) x.push_back(c->values[r]);
    const double s = association(*c, x, y);
    if (s > best_score) {
      best_score = s;
      best = c;
    }
  }
  std::vector<double> sorted = y;
  std::sort(sorted.begin(), sorted.end());
  // Donor pools: present rows by predictor value or by level.
  std::vector<std::size_t> by_x = present;
  std::vector<std::vector<std::size_t>> by_level;
  if (best && best->kind == ColumnKind::categorical) {
    by_level.resize(best->levels.size());
    for (std::size_t r : present) by_level[static_cast<std::size_t>(best->values[r])].push_back(r);
  } else if (best) {
    std::stable_sort(by_x.begin(), by_x.end(), [&](std::size_t a, std::size_t b) { return best->values[a] < best->values[b]; });
  }
  for (std::size_t r : absent) {
    std::size_t donor = present[rng.below(present.size())];
    if (best && best->kind == ColumnKind::categorical) {
      const auto& pool = by_level[static_cast<std::size_t>(best->values[r])];
      if (!pool.empty()) donor = pool[rng.below(pool.size())];
    } else if (best) {
      const double x0 = best->values[r];
      const auto pos = static_cast<std::size_t>(
          std::lower_bound(by_x.begin(), by_x.end(), x0,
                           [&](std::size_t a, double x) { return best->values[a] < x; }) - by_x.begin());
      const std::size_t lo = pos >= 5 ? pos - 5 : 0;
      const std::size_t hi = std::min(by_x.size(), lo + 10);
      donor = by_x[lo + rng.below(hi - lo)];
    }
    const double dv = v[donor];
    const auto first = std::lower_bound(sorted.begin(), sorted.end(), dv);
    const auto last = std::upper_bound(sorted.begin(), sorted.end(), dv);
    double value = dv;
    if (last - first == 1) {
      const double lo = first == sorted.begin() ? dv : (*(first - 1) + dv) / 2;
      const double hi = last == sorted.end() ? dv : (dv + *last) / 2;
      value = rng.uniform(lo, hi);
    }
    v[r] = value;
  }
}

std::string indicator_name(const std::string& column, const std::set<std::string>& taken) {
  std::string name = column + ".missing";
  while (taken.count(name)) name += '_';
  return name;
}

}  // namespace

TableMetadata TableMetadata::of(const DataTable& data) {
  TableMetadata s;
  std::set<std::string> taken;
  for (const DataColumn& c : data.columns) taken.insert(c.name);
  for (const DataColumn& c : data.columns) {
    ColumnMetadata sc;
    sc.name = c.name;
    sc.kind = c.kind;
    sc.format = c.format;
    sc.personal = c.personal;
    if (c.kind == ColumnKind::id) {
      sc.id = id_format_of(c);
      sc.missing_share = sc.id.missing_share;
      s.columns_.push_back(std::move(sc));
      continue;
    }
    sc.model = static_cast<int>(s.model_names_.size());
    s.model_names_.push_back(c.name);
    if (c.missing > 0) {
      sc.missing_share = static_cast<double>(c.missing) / static_cast<double>(data.rows);
      sc.indicator = static_cast<int>(s.model_names_.size());
      const std::string name = indicator_name(c.name, taken);
      taken.insert(name);
      s.model_names_.push_back(name);
    }
    s.columns_.push_back(std::move(sc));
  }
  if (s.model_names_.empty())
    throw DataError("every column is an id (ids are sampled fresh, not modelled): nothing to fit; "
                    "force a column's kind with --type COLUMN=numeric|categorical");
  return s;
}

TableMetadata TableMetadata::identity(const std::vector<std::string>& names, const std::vector<ColumnKind>& kinds) {
  TableMetadata s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    ColumnMetadata sc;
    sc.name = names[i];
    sc.kind = kinds[i];
    sc.model = static_cast<int>(i);
    s.columns_.push_back(std::move(sc));
  }
  s.model_names_ = names;
  return s;
}

std::size_t TableMetadata::find(const std::string& name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == name) return i;
  return columns_.size();
}

DataTable TableMetadata::encode(const DataTable& data, Purpose purpose) const {
  DataTable out;
  out.rows = data.rows;
  out.columns.resize(model_names_.size());
  RandomStream rng(0x1e4b7c3ULL, 0);  // imputation and spreading: the same table, the same model
  std::vector<std::size_t> with_missing;
  for (const ColumnMetadata& sc : columns_) {
    const DataColumn& c = data.columns[data.index(sc.name)];
    if (c.kind != sc.kind)
      throw DataError("column '" + sc.name + "' is " + to_string(c.kind) + ", but " + to_string(sc.kind) +
                      " in the table the model was made for");
    if (sc.model < 0) continue;
    DataColumn& m = out.columns[static_cast<std::size_t>(sc.model)];
    m = c;
    m.kind = c.kind == ColumnKind::datetime ? ColumnKind::numeric : c.kind;
    m.missing = 0;
    m.format.clear();
    if (c.kind == ColumnKind::datetime) {
      m.integral = false;
      m.decimals = -1;
      if (purpose == Purpose::fit) {
        const double step = datetime_step(sc.format);
        for (double& v : m.values)
          if (!std::isnan(v)) v += step * rng.uniform();
      }
    }
    if (sc.indicator >= 0) {
      DataColumn& ind = out.columns[static_cast<std::size_t>(sc.indicator)];
      ind.name = model_names_[static_cast<std::size_t>(sc.indicator)];
      ind.kind = ColumnKind::categorical;
      ind.levels = {kMissingLevel, kPresentLevel};
      ind.values.resize(data.rows);
      for (std::size_t r = 0; r < data.rows; ++r) ind.values[r] = std::isnan(c.values[r]) ? 0.0 : 1.0;
      with_missing.push_back(static_cast<std::size_t>(sc.model));
    }
  }
  if (purpose == Purpose::fit) {
    // Predictors: model columns without empty cells (indicators included).
    std::vector<const DataColumn*> complete;
    for (const DataColumn& c : out.columns)
      if (std::none_of(c.values.begin(), c.values.end(), [](double v) { return std::isnan(v); }))
        complete.push_back(&c);
    for (std::size_t i : with_missing) impute(out.columns[i].values, complete, rng);
  }
  return out;
}

DataTable TableMetadata::decode(const DataTable& model, RandomStream& rng) const {
  DataTable out;
  out.rows = model.rows;
  for (const ColumnMetadata& sc : columns_) {
    DataColumn c;
    if (sc.model < 0) {
      c.name = sc.name;
      c.kind = ColumnKind::id;
      c.personal = sc.personal;
      const std::vector<std::string> ids = fresh_ids(sc.id, model.rows, rng);
      std::set<std::string> distinct(ids.begin(), ids.end());
      c.levels.assign(distinct.begin(), distinct.end());
      c.values.resize(model.rows);
      for (std::size_t r = 0; r < model.rows; ++r)
        c.values[r] = static_cast<double>(std::lower_bound(c.levels.begin(), c.levels.end(), ids[r]) - c.levels.begin());
      out.columns.push_back(std::move(c));
      continue;
    }
    c = model.columns[static_cast<std::size_t>(sc.model)];
    c.name = sc.name;
    c.kind = sc.kind;
    if (sc.kind == ColumnKind::datetime) {
      c.format = sc.format;
      c.integral = true;
      c.decimals = -1;
      const double step = datetime_step(sc.format);
      for (double& v : c.values) v = std::floor(v / step) * step;
    }
    if (sc.indicator >= 0) {
      const DataColumn& ind = model.columns[static_cast<std::size_t>(sc.indicator)];
      for (std::size_t r = 0; r < model.rows; ++r)
        if (ind.levels[static_cast<std::size_t>(ind.values[r])] == kMissingLevel) {
          c.values[r] = kNaN;
          ++c.missing;
        }
    }
    out.columns.push_back(std::move(c));
  }
  return out;
}

void TableMetadata::store(ModelArchive& a) const {
  std::vector<std::string> names, formats, personal, prefixes, shapes;
  std::vector<double> kinds, model, indicator, id_numbers, missing;
  for (const ColumnMetadata& c : columns_) {
    names.push_back(c.name);
    kinds.push_back(static_cast<double>(c.kind));
    model.push_back(c.model);
    indicator.push_back(c.indicator);
    formats.push_back(c.format);
    personal.push_back(c.personal);
    prefixes.push_back(c.id.prefix);
    shapes.push_back(c.id.shape);
    id_numbers.insert(id_numbers.end(), {static_cast<double>(c.id.style), static_cast<double>(c.id.width), c.id.next,
                                         c.id.missing_share});
    missing.push_back(c.missing_share);
  }
  a.put("schema.columns", names);
  a.put("schema.kinds", kinds);
  a.put("schema.model", model);
  a.put("schema.indicator", indicator);
  a.put("schema.format", formats);
  a.put("schema.personal", personal);
  a.put("schema.id_prefix", prefixes);
  a.put("schema.id_shape", shapes);
  a.put("schema.id", id_numbers);
  a.put("schema.missing_share", missing);
}

TableMetadata TableMetadata::load(const ModelArchive& a, const std::vector<std::string>& model_names) {
  const auto& names = a.strings("schema.columns");
  const std::size_t n = names.size();
  const auto& kinds = a.numbers("schema.kinds");
  const auto& model = a.numbers("schema.model");
  const auto& indicator = a.numbers("schema.indicator");
  const auto& formats = a.strings("schema.format");
  const auto& personal = a.strings("schema.personal");
  const auto& prefixes = a.strings("schema.id_prefix");
  const auto& shapes = a.strings("schema.id_shape");
  const auto& ids = a.numbers("schema.id");
  const auto& missing = a.numbers("schema.missing_share");
  auto bad = [&](const std::string& why) { return ModelFileError(a.source + ": schema: " + why); };
  if (n == 0 || kinds.size() != n || model.size() != n || indicator.size() != n || formats.size() != n ||
      personal.size() != n || prefixes.size() != n || shapes.size() != n || ids.size() != 4 * n || missing.size() != n)
    throw bad("arrays of different lengths");
  TableMetadata s;
  s.model_names_ = model_names;
  std::vector<bool> used(model_names.size(), false);
  auto claim = [&](double index, const std::string& column) {
    if (!(index >= 0 && index < static_cast<double>(model_names.size())) || index != std::round(index) ||
        used[static_cast<std::size_t>(index)])
      throw bad("column '" + column + "' names model column " + std::to_string(index));
    used[static_cast<std::size_t>(index)] = true;
  };
  for (std::size_t i = 0; i < n; ++i) {
    ColumnMetadata c;
    c.name = names[i];
    if (!(kinds[i] >= 0 && kinds[i] <= 3) || kinds[i] != std::round(kinds[i])) throw bad("column '" + c.name + "' has an unknown kind");
    c.kind = static_cast<ColumnKind>(static_cast<int>(kinds[i]));
    c.model = static_cast<int>(model[i]);
    c.indicator = static_cast<int>(indicator[i]);
    if ((c.kind == ColumnKind::id) != (model[i] < 0)) throw bad("column '" + c.name + "': an id has no model column, others one");
    if (c.model >= 0) claim(model[i], c.name);
    if (indicator[i] >= 0) claim(indicator[i], c.name);
    c.format = formats[i];
    if (c.kind == ColumnKind::datetime && 
        std::find(datetime_formats().begin(), datetime_formats().end(), c.format) == datetime_formats().end())
      throw bad("column '" + c.name + "' has the datetime format '" + c.format + "'");
    c.personal = personal[i];
    c.id.prefix = prefixes[i];
    c.id.shape = shapes[i];
    const double style = ids[4 * i];
    if (!(style >= 0 && style <= 2) || !(ids[4 * i + 1] >= 0 && ids[4 * i + 1] <= 64) || !(ids[4 * i + 2] >= 0 && ids[4 * i + 2] < 1e17))
      throw bad("column '" + c.name + "' has a bad id format");
    c.id.style = static_cast<IdFormat::Style>(static_cast<int>(style));
    c.id.width = static_cast<int>(ids[4 * i + 1]);
    c.id.next = ids[4 * i + 2];
    c.id.missing_share = std::clamp(ids[4 * i + 3], 0.0, 1.0);
    c.missing_share = missing[i];
    s.columns_.push_back(std::move(c));
  }
  if (std::find(used.begin(), used.end(), false) != used.end()) throw bad("a model column belongs to no column");
  return s;
}

}  // namespace simulacra::learned
