// What all generators share: constraints and conditions turned into u-space
// evidence, the final value transform, and the common part of model files.
#include "simulacra/learned/generator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "simulacra/learned/bayes_net.hpp"
#include "simulacra/learned/copula.hpp"
#include "simulacra/learned/datetime.hpp"
#ifdef SIMULACRA_HAVE_TORCH
#include "simulacra/learned/neural.hpp"
#endif

namespace simulacra::learned {

namespace {

double parse_number(const std::string& text, const std::string& what) {
  DataTable t;
  try {
    t = parse_csv("x\n" + text + "\n", what, {{"x", ColumnKind::numeric}});
  } catch (const DataError&) {
    throw DataError(what + ": '" + text + "' is not a number");
  }
  return t.columns[0].values[0];
}

std::size_t level_index(const ColumnInfo& c, const std::string& value) {
  const auto it = std::find(c.levels.begin(), c.levels.end(), value);
  if (it != c.levels.end()) return static_cast<std::size_t>(it - c.levels.begin());
  std::string list;
  for (std::size_t i = 0; i < c.levels.size() && i < 20; ++i) list += (i ? ", " : "") + c.levels[i];
  if (c.levels.size() > 20) list += ", ...";
  throw DataError("column '" + c.name + "' has no value '" + value + "' (values: " + list + ")");
}

}  // namespace

std::string column_prefix(std::size_t column) {
  // Built in steps: GCC 12 warns falsely (-Wrestrict) on "literal" + string.
  std::string p = "c";
  p += std::to_string(column);
  p += '.';
  return p;
}

Condition parse_condition(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw DataError("--where '" + text + "': expected COLUMN=VALUE");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

DataTable Generator::prepare(const DataTable& table, TableMetadata& schema) {
  if (table.rows == 0 || table.columns.empty()) throw DataError("cannot fit a model to an empty table");
  schema = TableMetadata::of(table);
  return schema.encode(table, TableMetadata::Purpose::fit);
}

std::size_t Generator::column_index(const std::string& name) const {
  for (std::size_t j = 0; j < columns_.size(); ++j)
    if (columns_[j].name == name) return j;
  const std::size_t s = meta_.find(name);
  if (s < meta_.columns().size() && meta_.columns()[s].kind == ColumnKind::id)
    throw DataError("column '" + name + "' is an id: sampled fresh, not modelled, so it takes no condition or constraint");
  DataTable names;
  for (const auto& ci : columns_) names.columns.push_back({ci.name, ci.kind, {}, {}, false});
  return names.index(name);  // throws the "unknown column" message
}

std::vector<Condition> Generator::model_conditions(const std::vector<Condition>& where) const {
  std::vector<Condition> out;
  for (const Condition& cond : where) {
    const std::size_t s = meta_.find(cond.column);
    if (s == meta_.columns().size()) {
      out.push_back(cond);  // a model column (an indicator) or unknown: evidence_for says which
      continue;
    }
    const ColumnMetadata& sc = meta_.columns()[s];
    if (sc.kind == ColumnKind::id) column_index(sc.name);  // throws
    const std::string& model = meta_.model_names()[static_cast<std::size_t>(sc.model)];
    const bool empty = cond.value.find_first_not_of(" \t") == std::string::npos;
    if (sc.indicator >= 0) {
      const std::string& indicator = meta_.model_names()[static_cast<std::size_t>(sc.indicator)];
      out.push_back({indicator, empty ? kMissingLevel : kPresentLevel});
      if (empty) continue;
    }
    if (sc.kind == ColumnKind::datetime) {
      const auto t = parse_datetime(cond.value, sc.format);
      if (!t)
        throw DataError("--where " + cond.column + ": '" + cond.value + "' is not a date in the column's format " +
                        sc.format);
      out.push_back({model, format_number(*t)});
    } else {
      out.push_back({model, cond.value});
    }
  }
  return out;
}

void Generator::init_columns(const DataTable& data, TableMetadata schema) {
  if (data.rows == 0 || data.columns.empty()) throw DataError("cannot fit a model to an empty table");
  meta_ = std::move(schema);
  columns_.clear();
  marginals_.clear();
  constraints_.clear();
  for (const DataColumn& c : data.columns) {
    columns_.push_back({c.name, c.kind, c.levels});
    marginals_.push_back(Marginal::empirical(c.values, c.kind == ColumnKind::categorical, c.levels.size()));
    Constraint k;
    k.integer = c.kind == ColumnKind::numeric && c.integral;
    if (c.kind == ColumnKind::numeric && !c.integral && c.decimals > 0) k.decimals = c.decimals;
    constraints_.push_back(k);
  }
}

void Generator::set_constraint(const std::string& column, const Constraint& c) {
  const std::size_t i = column_index(column);
  const ColumnInfo& info = columns_[i];
  if (info.kind == ColumnKind::categorical && (c.min || c.max || c.integer))
    throw DataError("column '" + column + "' is categorical: min, max and integer do not apply");
  if (c.min && c.max && *c.min > *c.max) throw DataError("column '" + column + "': min > max");
  for (const auto& a : c.allowed) {
    if (info.kind == ColumnKind::categorical) level_index(info, a);
    else parse_number(a, "allowed value of column '" + column + "'");
  }
  const int detected = constraints_[i].decimals;
  constraints_[i] = c;
  if (c.decimals < 0) constraints_[i].decimals = detected;  // the column's own precision stays
}

USet Generator::allowed_set(std::size_t i, const Marginal& m) const {
  const Constraint& k = constraints_[i];
  USet allowed;
  if (k.min || k.max) {
    const UInterval r = m.range(k.min.value_or(-std::numeric_limits<double>::infinity()),
                                k.max.value_or(std::numeric_limits<double>::infinity()));
    allowed = allowed.clip(r.lo, r.hi);
  }
  if (columns_[i].kind == ColumnKind::categorical && !k.allowed.empty()) {
    std::vector<UInterval> parts;
    for (const auto& a : k.allowed) parts.push_back(m.cell(level_index(columns_[i], a)));
    allowed = allowed.intersect(USet(parts));
  }
  return allowed;
}

ColumnEvidence Generator::evidence_in(std::size_t i, const Marginal& m, const ColumnEvidence& pooled) const {
  ColumnEvidence e = pooled;
  e.allowed = allowed_set(i, m);
  if (pooled.fixed)
    e.fixed_u = columns_[i].kind == ColumnKind::categorical ? m.cell(static_cast<std::size_t>(pooled.value))
                                                             : m.interval_of(pooled.value);
  return e;
}

std::vector<ColumnEvidence> Generator::evidence_for(const std::vector<Condition>& where) const {
  std::vector<ColumnEvidence> ev(columns_.size());
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const Constraint& k = constraints_[i];
    const USet allowed = allowed_set(i, marginals_[i]);
    if (allowed.empty() || (allowed.measure() <= 0 && !(k.min && k.max && *k.min == *k.max)))
      throw DataError("the constraints on column '" + columns_[i].name +
                      "' exclude every value the model gives probability to");
    ev[i].allowed = allowed;
  }
  for (const Condition& cond : where) {
    const std::size_t i = column_index(cond.column);
    const ColumnInfo& info = columns_[i];
    ColumnEvidence& e = ev[i];
    if (e.fixed) throw DataError("column '" + cond.column + "' is fixed twice in --where");
    e.fixed = true;
    if (info.kind == ColumnKind::categorical) {
      const std::size_t level = level_index(info, cond.value);
      const auto& allowed = constraints_[i].allowed;
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), cond.value) == allowed.end())
        throw DataError("column '" + cond.column + "' = '" + cond.value + "' is not an allowed value");
      e.value = static_cast<double>(level);
      e.fixed_u = marginals_[i].cell(level);
      if (e.fixed_u.width() <= 0)
        throw DataError("column '" + cond.column + "' = '" + cond.value + "' has probability zero in the model");
    } else {
      e.value = parse_number(cond.value, "--where " + cond.column);
      const Constraint& k = constraints_[i];
      if ((k.min && e.value < *k.min) || (k.max && e.value > *k.max))
        throw DataError("column '" + cond.column + "' = " + cond.value + " is outside its min/max constraint");
      e.fixed_u = marginals_[i].interval_of(e.value);
    }
  }
  return ev;
}

double Generator::finish(std::size_t column, double u, const Marginal& m) const {
  double x = m.quantile(u);
  if (columns_[column].kind == ColumnKind::categorical) return x;
  const Constraint& k = constraints_[column];
  if (k.integer) {
    x = std::round(x);
  } else if (k.decimals > 0) {
    const double scale = std::pow(10.0, k.decimals);
    x = std::round(x * scale) / scale;
  }
  if (k.min && x < *k.min) x = k.integer ? std::ceil(*k.min) : *k.min;
  if (k.max && x > *k.max) x = k.integer ? std::floor(*k.max) : *k.max;
  if (!k.allowed.empty()) {
    double best = x;
    double dist = std::numeric_limits<double>::infinity();
    for (const auto& a : k.allowed) {
      const double v = std::stod(a);
      if (std::abs(v - x) < dist) {
        dist = std::abs(v - x);
        best = v;
      }
    }
    x = best;
  }
  return x;
}

DataTable Generator::sample(std::size_t n, RandomStream& rng, const std::vector<Condition>& where) const {
  const auto ev = evidence_for(model_conditions(where));
  const std::size_t d = columns_.size();
  std::vector<double> x(n * d);
  draw_values(n, rng, ev, x);
  DataTable out;
  out.rows = n;
  for (std::size_t c = 0; c < d; ++c) {
    DataColumn col;
    col.name = columns_[c].name;
    col.kind = columns_[c].kind;
    col.levels = columns_[c].levels;
    col.values.resize(n);
    for (std::size_t r = 0; r < n; ++r) col.values[r] = ev[c].fixed ? ev[c].value : x[r * d + c];
    col.integral = col.kind == ColumnKind::numeric &&
                   std::all_of(col.values.begin(), col.values.end(), [](double v) { return v == std::round(v); });
    if (col.kind == ColumnKind::numeric && !constraints_[c].integer) col.decimals = constraints_[c].decimals;
    out.columns.push_back(std::move(col));
  }
  return meta_.decode(out, rng);
}

void Generator::draw_values(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& ev,
                            std::vector<double>& x) const {
  const std::size_t d = columns_.size();
  draw_u(n, rng, ev, x);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < d; ++c)
      if (!ev[c].fixed) x[r * d + c] = finish(c, x[r * d + c], marginals_[c]);
}

void Generator::save(const std::string& path) const {
  ModelArchive a;
  store_common(a);
  store(a);
  save_archive(a, kind(), path);
}

void Generator::store_common(ModelArchive& a) const {
  std::vector<std::string> names;
  std::vector<double> kinds;
  for (const auto& c : columns_) {
    names.push_back(c.name);
    kinds.push_back(c.kind == ColumnKind::categorical ? 1.0 : 0.0);
  }
  a.put("columns", names);
  a.put("kinds", kinds);
  meta_.store(a);
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const std::string p = column_prefix(i);
    const Marginal& m = marginals_[i];
    const Constraint& k = constraints_[i];
    a.put(p + "levels", columns_[i].levels);
    store_marginal(a, p, m);
    a.put(p + "min", k.min ? std::vector<double>{*k.min} : std::vector<double>{});
    a.put(p + "max", k.max ? std::vector<double>{*k.max} : std::vector<double>{});
    a.put_number(p + "integer", k.integer ? 1 : 0);
    a.put_number(p + "decimals", k.decimals);
    a.put(p + "allowed", k.allowed);
  }
}

void Generator::store_marginal(ModelArchive& a, const std::string& p, const Marginal& m) {
  a.put_number(p + "mode", m.mode());
  a.put(p + "support", m.support());
  a.put(p + "cum", m.cum());
  a.put(p + "counts", m.counts());
}

Marginal Generator::load_marginal(const ModelArchive& a, const std::string& p, const ColumnInfo& c) {
  const int mode = static_cast<int>(a.number(p + "mode"));
  const auto& cum = a.numbers(p + "cum");
  const auto& support = a.numbers(p + "support");
  if (cum.size() < 2 || (mode == Marginal::kHistogram ? support.size() != cum.size() : support.size() + 1 != cum.size()) ||
      (c.kind == ColumnKind::categorical && c.levels.size() != support.size()) ||
      (c.kind == ColumnKind::categorical) != (mode == Marginal::kCategorical))
    throw ModelFileError(a.source + ": marginal of column '" + c.name + "' is inconsistent");
  return Marginal::from_parts(mode, support, cum, a.numbers(p + "counts"));
}

void Generator::load_common(const ModelArchive& a) {
  const auto& names = a.strings("columns");
  const auto& kinds = a.numbers("kinds");
  if (names.empty() || kinds.size() != names.size())
    throw ModelFileError(a.source + ": column names and kinds disagree");
  columns_.clear();
  marginals_.clear();
  constraints_.clear();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string p = column_prefix(i);
    ColumnInfo c{names[i], kinds[i] > 0.5 ? ColumnKind::categorical : ColumnKind::numeric, a.strings(p + "levels")};
    marginals_.push_back(load_marginal(a, p, c));
    Constraint k;
    if (!a.numbers(p + "min").empty()) k.min = a.numbers(p + "min")[0];
    if (!a.numbers(p + "max").empty()) k.max = a.numbers(p + "max")[0];
    k.integer = a.number(p + "integer") > 0.5;
    // Model files written before precision was kept have no "decimals".
    if (a.has(p + "decimals")) {
      const double d = a.number(p + "decimals");
      if (!(d >= -1.0 && d <= kMaxDecimals) || d != std::round(d)) {
        throw ModelFileError(a.source + ": column '" + names[i] + "' has decimals " + std::to_string(d));
      }
      k.decimals = static_cast<int>(d);
    }
    k.allowed = a.strings(p + "allowed");
    columns_.push_back(std::move(c));
    constraints_.push_back(std::move(k));
  }
  // Files written before schemas were stored (version 2 and older): every
  // model column is a column of the table.
  if (a.has("schema.columns")) {
    meta_ = TableMetadata::load(a, names);
  } else {
    std::vector<ColumnKind> model_kinds;
    for (const auto& c : columns_) model_kinds.push_back(c.kind);
    meta_ = TableMetadata::identity(names, model_kinds);
  }
}

std::unique_ptr<Generator> load_generator(const std::string& path) {
  std::string kind;
  const ModelArchive a = load_archive(path, kind);
  if (kind == "copula") return GaussianCopula::load(a);
  if (kind == "bayesnet") return BayesNet::load(a);
#ifdef SIMULACRA_HAVE_TORCH
  if (kind == "neural") return NeuralGenerator::load(a);
#else
  if (kind == "neural")
    throw ModelFileError(path + ": a neural model, but this build has no neural generator "
                         "(configured with SIMULACRA_WITH_TORCH=OFF)");
#endif
  throw ModelFileError(path + ": unknown model kind '" + kind + "'");
}

}  // namespace simulacra::learned
