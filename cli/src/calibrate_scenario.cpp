// Scenario mode of `simulacra calibrate`: scenario values with priors,
// targets over observables (series or summary statistics, aggregated daily or
// weekly, through an observation model) and the run that produces summaries.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "calibrate_setup.hpp"
#include "calibrate_table.hpp"
#include "run_support.hpp"
#include "simulacra/engine/expression.hpp"
#include "simulacra/engine/run_session.hpp"
#include "simulacra/experiments/summaries.hpp"
#include "simulacra/learned/data_table.hpp"

namespace simulacra::cli {

namespace {

constexpr double kDay = 86400.0;
constexpr std::size_t kTableRows = 5000;  // rows of a table target kept per simulation (a uniform sample)

// The ParamSpec of "populations[i].params.KEY" or "populations.NAME.params.KEY".
const ParamSpec* population_param(const Scenario& scenario, const Registry& registry, const std::string& path) {
  const auto params = path.find(".params.");
  if (params == std::string::npos) return nullptr;
  const std::string head = path.substr(0, params), key = path.substr(params + 8);
  const PopulationSpec* pop = nullptr;
  for (std::size_t i = 0; i < scenario.populations.size(); ++i) {
    if (head == "populations[" + std::to_string(i) + "]" || head == "populations." + scenario.populations[i].name) {
      pop = &scenario.populations[i];
    }
  }
  if (pop == nullptr) return nullptr;
  const PopulationType* type = registry.find(pop->type);
  if (type == nullptr) return nullptr;
  for (const auto& p : type->params) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

// Days since 1970-01-01 of "YYYY-MM-DD"; nothing if malformed.
std::optional<double> parse_date(const std::string& s) {
  int y = 0;
  unsigned m = 0, d = 0;
  char extra = 0;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &extra) != 3) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<double>(std::chrono::sys_days{ymd}.time_since_epoch().count());
}

enum class Aggregation { daily, weekly };

struct SeriesTarget {
  std::size_t observable = 0;
  std::optional<calibrate::SummaryStatistic> statistic;
  Aggregation aggregation = Aggregation::daily;
};

// The observed series: a `time` column (scenario time units) or a `date`
// column with --start; every cell of the target columns a number.
struct ObservedSeries {
  learned::DataTable table;
  std::vector<std::string> columns;   ///< per target, its column
  std::vector<double> times;          ///< seconds
  std::vector<double> times_in_units;
};

ObservedSeries read_observed(const Options& opts, const Scenario& base,
                             const std::vector<std::pair<std::string, std::string>>& sides) {
  ObservedSeries o;
  const std::string obs_path = opts.get("observed");
  learned::TypeOverrides numeric;
  const learned::DataTable header_only = learned::read_csv(obs_path);
  bool has_time = false, has_date = false;
  for (const auto& c : header_only.columns) {
    has_time = has_time || c.name == "time";
    has_date = has_date || c.name == "date";
  }
  if (has_time) numeric["time"] = learned::ColumnKind::numeric;
  if (!has_time && has_date) numeric["date"] = learned::ColumnKind::categorical;
  for (const auto& [left, right] : sides) {
    std::string column = right;
    try {
      if (auto st = calibrate::SummaryStatistic::parse(right)) column = st->second;
    } catch (const UserError& e) {
      throw UsageError(std::string("--target: ") + e.what());
    }
    o.columns.push_back(column);
    (void)header_only.index(column);  // unknown column: DataError listing the columns
    numeric[column] = learned::ColumnKind::numeric;
  }
  o.table = learned::read_csv(obs_path, numeric, /*allow_missing=*/false);
  const learned::DataTable& obs = o.table;
  std::vector<double>& times = o.times;  // seconds
  if (has_time) {
    for (double t : obs.columns[obs.index("time")].values) times.push_back(t * base.time_unit_seconds);
  } else if (has_date) {
    if (!opts.has("start")) throw UsageError(obs_path + ": a date column needs --start YYYY-MM-DD (the date of time 0)");
    const auto start = parse_date(opts.get("start"));
    if (!start) throw UsageError("--start '" + opts.get("start") + "': expected a date YYYY-MM-DD");
    const std::size_t c = obs.index("date");
    for (std::size_t i = 0; i < obs.rows; ++i) {
      const std::string cell = obs.cell_text(c, i);
      const auto day = parse_date(cell);
      if (!day) throw DataError(obs_path + ":" + std::to_string(i + 2) + ": date '" + cell + "' is not YYYY-MM-DD");
      times.push_back((*day - *start) * kDay);
    }
  } else {
    throw DataError(obs_path + ": needs a `time` column (in the scenario's time_unit) or a `date` column with --start");
  }
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (times[i] < 0.0) throw DataError(obs_path + ": row " + std::to_string(i + 2) + " is before time 0 (--start)");
    if (i > 0 && !(times[i] > times[i - 1])) throw DataError(obs_path + ": times must increase (row " + std::to_string(i + 2) + ")");
  }
  if (times.back() > base.duration) throw DataError(obs_path + ": the last time is after the scenario's duration");
  for (double t : times) o.times_in_units.push_back(t / base.time_unit_seconds);

  return o;
}

}  // namespace

std::string yaml_number(double v) {
  std::ostringstream o;
  o.precision(17);
  o << v;
  return o.str();
}

std::vector<std::string> target_modifiers(const std::string& text) {
  std::vector<std::string> out;
  std::size_t bar = text.find('|');
  while (bar != std::string::npos) {
    const std::size_t next = text.find('|', bar + 1);
    out.push_back(trim(text.substr(bar + 1, next == std::string::npos ? std::string::npos : next - bar - 1)));
    bar = next;
  }
  return out;
}

CalibrationSetup scenario_setup(const Options& opts, const Registry& registry, const EnsembleOptions& ensemble) {
  CalibrationSetup setup;
  const std::string file = opts.positional()[0];
  setup.source = file;
  const Scenario base = load_scenario(file, overrides_from(opts), registry);
  require_one_run(base, "simulacra calibrate", "calibrate fits one scenario");
  setup.default_seed = base.seed;

  // Names that observation models use (binomial(rho)) are not scenario paths.
  std::set<std::string> model_names;
  const std::regex model_param(R"(binomial\s*\(\s*([A-Za-z_][A-Za-z_0-9]*)\s*\))");
  for (const auto& text : opts.get_all("target")) {
    for (std::sregex_iterator it(text.begin(), text.end(), model_param), end; it != end; ++it) model_names.insert((*it)[1]);
  }

  // Parameters: each scenario path must take the prior's values as the scenario file would.
  for (const auto& text : opts.get_all("fit")) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError("--fit '" + text + "': expected PATH=PRIOR, e.g. populations[0].params.beta=loguniform(0.01,1)");
    }
    const std::string path = trim(text.substr(0, eq));
    calibrate::Prior prior;
    try {
      prior = calibrate::Prior::parse(text.substr(eq + 1));
    } catch (const UserError& e) {
      throw UsageError("--fit '" + text + "': " + e.what());
    }
    const bool of_model = model_names.count(path) != 0;
    if (!of_model) {
      // A population parameter's declared range bounds the prior.
      if (const ParamSpec* spec = population_param(base, registry, path)) {
        if (spec->min) prior.low = std::max(prior.low, *spec->min);
        if (spec->max) prior.high = std::min(prior.high, *spec->max);
      }
      // The scenario file's own check of the support's ends (or of a draw).
      std::vector<double> probes;
      if (prior.kind == calibrate::Prior::Kind::uniform || prior.kind == calibrate::Prior::Kind::loguniform) {
        probes = {prior.value(prior.a), prior.value(prior.b)};
      } else {
        RandomStream probe(1, 0);
        probes = {prior.value(prior.sample_work(probe))};
      }
      for (double x : probes) {
        try {
          (void)parse_scenario(base.effective_yaml, base.path, {Override{path, yaml_number(x) + prior.unit}}, registry);
        } catch (const ScenarioError& e) {
          throw UsageError("--fit '" + text + "': the prior reaches " + yaml_number(x) + prior.unit + ", which the scenario refuses: " +
                           e.what());
        }
      }
    }
    setup.problem.names.push_back(path);
    setup.problem.priors.push_back(prior);
    setup.paths.push_back(of_model ? "" : path);
  }

  // Table targets ("TABLE ~ table(real.csv)") apart; the rest are series
  // or statistics against --observed.
  std::vector<TableTarget> tables;
  std::vector<std::string> texts;
  for (const auto& text : opts.get_all("target")) {
    if (auto t = parse_table_target(text)) {
      tables.push_back(std::move(*t));
    } else {
      texts.push_back(text);
    }
  }
  const RunPlan plan = plan_runs(base).front();
  if (!tables.empty()) {
    // The tables and columns must exist: a probe session lists them.
    RunSession probe(base, registry, plan, 1);
    std::vector<std::shared_ptr<TableSample>> captures;
    std::vector<std::unique_ptr<TableSink>> sinks;
    for (const auto& t : tables) {
      captures.push_back(std::make_shared<TableSample>(t.table, 1, 1));
      sinks.push_back(sample_sink(captures.back()));
    }
    probe.attach(std::move(sinks));
    for (std::size_t i = 0; i < tables.size(); ++i) check_table_target(tables[i], captures[i]->schema());
  }
  if (!texts.empty() && !opts.has("observed")) {
    throw UsageError("simulacra calibrate: missing --observed CSV (the data the series targets match)");
  }

  std::vector<std::pair<std::string, std::string>> sides;  // (left, right) of each target
  for (const auto& text : texts) {
    const std::string body = trim(text.substr(0, text.find('|')));
    const auto tilde = body.find('~');
    if (tilde == std::string::npos) throw UsageError("--target '" + text + "': expected \"OBSERVABLE ~ COLUMN\"");
    sides.emplace_back(trim(body.substr(0, tilde)), trim(body.substr(tilde + 1)));
  }
  ObservedSeries observed;
  if (!texts.empty()) observed = read_observed(opts, base, sides);
  const std::vector<std::string>& columns = observed.columns;
  const learned::DataTable& obs = observed.table;
  const std::vector<double>& times = observed.times;
  const std::vector<double>& times_in_units = observed.times_in_units;
  const std::string obs_path = opts.get("observed");

  // Targets.
  const std::vector<std::string> names = observable_names(base, registry);
  const NameResolver resolve = observable_resolver(names);
  std::vector<SeriesTarget> series;
  std::size_t next_summary = 0;
  for (std::size_t j = 0; j < texts.size(); ++j) {
    const std::string& text = texts[j];
    const auto& [left, right] = sides[j];
    SeriesTarget st;
    std::string obs_name = left;
    std::optional<std::pair<calibrate::SummaryStatistic, std::string>> lstat, rstat;
    try {
      lstat = calibrate::SummaryStatistic::parse(left);
      rstat = calibrate::SummaryStatistic::parse(right);
    } catch (const UserError& e) {
      throw UsageError("--target '" + text + "': " + e.what());
    }
    if (lstat.has_value() != rstat.has_value()) {
      throw UsageError("--target '" + text + "': compare a series with a series or a statistic with a statistic, e.g. "
                       "\"peak_time(town.new_infections_last_day) ~ peak_time(cases)\"");
    }
    if (lstat) {
      st.statistic = lstat->first;
      obs_name = lstat->second;
    }
    std::string hint;
    const auto idx = resolve(obs_name, &hint);
    if (!idx) throw UsageError("--target '" + text + "': unknown observable '" + obs_name + "'" + hint);
    st.observable = *idx;
    calibrate::Target t;
    t.name = names[*idx] + " ~ " + columns[j];
    if (lstat) t.name = lstat->first.name() + "(" + names[*idx] + ") ~ " + rstat->first.name() + "(" + columns[j] + ")";
    std::string model_text = "exact";
    for (const std::string& m : target_modifiers(text)) {
      if (m == "daily") {
        st.aggregation = Aggregation::daily;
      } else if (m == "weekly") {
        st.aggregation = Aggregation::weekly;
      } else {
        try {
          t.model = calibrate::ObservationModel::parse(m, setup.problem.names);
        } catch (const UserError& e) {
          throw UsageError("--target '" + text + "': " + e.what());
        }
        model_text = m;
        if (lstat && t.model.kind != calibrate::ObservationModel::Kind::exact) {
          throw UsageError("--target '" + text + "': observation models apply to series, not to a statistic");
        }
      }
    }
    const std::vector<double>& column = obs.columns[obs.index(columns[j])].values;
    if (rstat) {
      t.observed = {rstat->first.apply(column, times_in_units)};
      if (!std::isfinite(t.observed[0])) {
        throw DataError(obs_path + ": " + rstat->first.name() + " of column '" + columns[j] + "' is undefined");
      }
    } else {
      t.observed = column;
      t.times = times_in_units;
    }
    for (std::size_t i = 0; i < t.observed.size(); ++i) t.summaries.push_back(next_summary++);
    if (st.aggregation == Aggregation::weekly) t.name += " (weekly)";
    setup.problem.targets.push_back(std::move(t));
    setup.target_models.push_back(model_text);
    series.push_back(st);
  }
  for (const auto& tt : tables) {
    calibrate::Target t;
    t.name = tt.table + " ~ table(" + tt.path + ")";
    t.observed.assign(tt.real.columns.size(), 0.0);  // each column's distance, at best 0
    for (std::size_t i = 0; i < t.observed.size(); ++i) t.summaries.push_back(next_summary++);
    setup.problem.targets.push_back(std::move(t));
    setup.target_models.push_back("exact (KS or TV distance per column)");
  }

  // The times to observe at: every observed time, and the six days before it for weekly sums.
  std::set<double> sample_set(times.begin(), times.end());
  for (const auto& st : series) {
    if (st.aggregation != Aggregation::weekly) continue;
    for (double t : times) {
      for (int k = 1; k < 7; ++k) {
        if (t - k * kDay >= 0.0) sample_set.insert(t - k * kDay);
      }
    }
  }
  const std::vector<double> samples(sample_set.begin(), sample_set.end());
  const std::vector<std::string> paths = setup.paths;
  const auto table_targets = std::make_shared<const std::vector<TableTarget>>(std::move(tables));
  std::vector<std::string> units;
  for (const auto& prior : setup.problem.priors) units.push_back(prior.unit);
  setup.scenario = base;

  // One simulation: the scenario at theta, its summaries.
  calibrate::RowSimulator row = [base, plan, paths, units, series, samples, times, times_in_units, table_targets,
                                 &registry](
                                    const std::vector<double>& theta, std::uint64_t seed) {
    std::vector<Override> set;
    for (std::size_t k = 0; k < paths.size(); ++k) {
      if (!paths[k].empty()) set.push_back(Override{paths[k], yaml_number(theta[k]) + units[k]});
    }
    Scenario s = parse_scenario(base.effective_yaml, base.path, set, registry);
    RunPlan p = plan;
    p.seed = seed;
    RunSession session(std::move(s), registry, p, 1);
    std::vector<std::shared_ptr<TableSample>> captures;
    if (!table_targets->empty()) {
      std::vector<std::unique_ptr<TableSink>> sinks;
      for (const auto& tt : *table_targets) {
        captures.push_back(std::make_shared<TableSample>(tt.table, kTableRows, derive_seed(seed, 0x63617074)));  // "capt"
        sinks.push_back(sample_sink(captures.back()));
      }
      session.attach(std::move(sinks));
    }
    std::map<double, std::vector<double>> seen;
    std::vector<double> last;
    for (double t : samples) {
      session.advance(SimTime{t});
      if (!session.over() || last.empty()) last = session.observe();  // a stopped run keeps its last values
      seen[t] = last;
    }
    std::vector<double> out;
    for (const auto& st : series) {
      std::vector<double> v;
      for (double t : times) {
        double x = seen.at(t)[st.observable];
        if (st.aggregation == Aggregation::weekly) {
          for (int k = 1; k < 7; ++k) {
            if (t - k * kDay >= 0.0) x += seen.at(t - k * kDay)[st.observable];
          }
        }
        v.push_back(x);
      }
      if (st.statistic) {
        out.push_back(st.statistic->apply(v, times_in_units));
      } else {
        out.insert(out.end(), v.begin(), v.end());
      }
    }
    if (!captures.empty()) {
      session.advance(session.end());  // the whole run's rows
      (void)session.finish(Provenance{});
      for (std::size_t i = 0; i < captures.size(); ++i) {
        const std::vector<double> d = table_distances((*table_targets)[i], *captures[i]);
        out.insert(out.end(), d.begin(), d.end());
      }
    }
    return out;
  };
  setup.problem.simulate = calibrate::parallel_rows(std::move(row), ensemble);
  return setup;
}

}  // namespace simulacra::cli
