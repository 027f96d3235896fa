// `simulacra calibrate`: fits scenario parameters to an observed time series
// by ABC-SMC, and writes the posterior, the calibrated scenario and a report.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "options.hpp"
#include "run_support.hpp"
#include "simulacra/engine/run_session.hpp"
#include "simulacra/experiments/calibrate.hpp"
#include "simulacra/learned/data_table.hpp"
#include "version.hpp"

namespace simulacra::cli {

namespace {

namespace fs = std::filesystem;

// YAML text of a value, exact.
std::string yaml_number(double v) {
  std::ostringstream o;
  o.precision(17);
  o << v;
  return o.str();
}

struct Target {
  std::string observable;  // qualified name
  std::size_t index = 0;   // into the session's observables
  std::string column;
  std::vector<double> observed;
  double scale = 1.0;
};

struct FitSpec {
  std::string path;
  calibrate::Prior prior;
};

// "PATH=PRIOR"; the path must be a numeric value of the scenario (checked by
// re-reading the scenario with a value from the prior).
FitSpec parse_fit(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw UsageError("--fit '" + text + "': expected PATH=PRIOR, e.g. populations[0].params.beta=loguniform(0.01,1)");
  }
  FitSpec f;
  f.path = text.substr(0, eq);
  try {
    f.prior = calibrate::Prior::parse(text.substr(eq + 1));
  } catch (const UserError& e) {
    throw UsageError("--fit '" + text + "': " + e.what());
  }
  return f;
}

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

}  // namespace

int calibrate_command(const Args& args) {
  Options opts(
      "simulacra calibrate",
      "Fits scenario parameters so that the simulated observables match an observed time\n"
      "series, by ABC-SMC. OBSERVED is a CSV with a `time` column (in the scenario's\n"
      "time_unit) and one column per target; each --target \"OBSERVABLE ~ COLUMN\" compares\n"
      "the observable at those times with the column (root mean square difference over the\n"
      "column's standard deviation; targets add up). Writes OUT/posterior.csv,\n"
      "OUT/calibrated.yaml (the scenario at the posterior median) and OUT/report.json.",
      {
          {"output", "OUT", "output directory (created if missing)", "", false, 'o'},
          {"observed", "CSV", "the observed series: a time column and the target columns", ""},
          {"target", "\"OBS ~ COLUMN\"", "an observable matched to a column of OBSERVED", "", true},
          {"fit", "PATH=PRIOR", "a scenario value and its prior: uniform(a,b), loguniform(a,b), normal(m,s), lognormal(m,s)", "", true},
          {"method", "NAME", "abc-smc", "abc-smc"},
          {"budget", "N", "simulations in all", "5000"},
          {"population", "N", "particles per ABC-SMC generation", "200"},
          {"seed", "S", "seed of the calibration (0: the scenario's)", "0"},
          {"set", "PATH=VALUE", "override a scenario value", "", true},
          {"jobs", "N", "simulations at once (0: one per core)", "0"},
          {"quiet", "", "print only errors", ""},
      },
      {"FILE"});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  const std::string file = opts.positional()[0];
  if (!opts.has("output")) throw UsageError("simulacra calibrate: missing --output OUT");
  if (!opts.has("observed")) throw UsageError("simulacra calibrate: missing --observed CSV (the series to match)");
  if (opts.get_all("target").empty()) throw UsageError("simulacra calibrate: missing --target \"OBSERVABLE ~ COLUMN\"");
  if (opts.get_all("fit").empty()) throw UsageError("simulacra calibrate: missing --fit PATH=PRIOR (what to fit)");
  if (opts.get("method") != "abc-smc") throw UsageError("--method '" + opts.get("method") + "': expected abc-smc");
  const bool quiet = opts.has("quiet");
  const Registry registry = make_registry();
  const Scenario base = load_scenario(file, overrides_from(opts), registry);
  require_one_run(base, "simulacra calibrate", "calibrate fits one scenario");

  // Parameters: each path must take the prior's values as the scenario file would.
  std::vector<FitSpec> fits;
  std::vector<calibrate::Prior> priors;
  for (const auto& text : opts.get_all("fit")) {
    FitSpec f = parse_fit(text);
    // A population parameter's declared range truncates a normal prior.
    if (const ParamSpec* spec = population_param(base, registry, f.path)) {
      if (spec->min) f.prior.low = *spec->min;
      if (spec->max) f.prior.high = *spec->max;
    }
    // The scenario file's own check of the support's ends (or of a draw).
    std::vector<double> probes;
    if (f.prior.kind == calibrate::Prior::Kind::uniform || f.prior.kind == calibrate::Prior::Kind::loguniform) {
      probes = {f.prior.from_work(f.prior.a), f.prior.from_work(f.prior.b)};
    } else {
      RandomStream probe(1, 0);
      probes = {f.prior.from_work(f.prior.sample_work(probe))};
    }
    for (double x : probes) {
      try {
        (void)parse_scenario(base.effective_yaml, base.path, {Override{f.path, yaml_number(x)}}, registry);
      } catch (const ScenarioError& e) {
        throw UsageError("--fit '" + text + "': the prior reaches " + yaml_number(x) + ", which the scenario refuses: " +
                         e.what());
      }
    }
    fits.push_back(f);
    priors.push_back(f.prior);
  }

  // Observed series and targets.
  // Time and target columns must be numbers in every row: a gap is an error with its position.
  learned::TypeOverrides numeric{{"time", learned::ColumnKind::numeric}};
  for (const auto& text : opts.get_all("target")) {
    const auto tilde = text.find('~');
    if (tilde == std::string::npos) continue;
    numeric[trim(text.substr(tilde + 1))] = learned::ColumnKind::numeric;
  }
  const learned::DataTable obs = learned::read_csv(opts.get("observed"), numeric);
  const auto& time_col = obs.columns[obs.index("time")];
  if (time_col.kind != learned::ColumnKind::numeric) throw DataError(opts.get("observed") + ": column 'time' must hold numbers");
  std::vector<double> times;
  for (double t : time_col.values) times.push_back(t * base.time_unit_seconds);
  for (std::size_t i = 1; i < times.size(); ++i) {
    if (!(times[i] > times[i - 1])) throw DataError(opts.get("observed") + ": times must increase (row " + std::to_string(i + 2) + ")");
  }
  if (times.back() > base.duration) {
    throw DataError(opts.get("observed") + ": the last time is after the scenario's duration");
  }
  const std::vector<std::string> names = observable_names(base, registry);
  const NameResolver resolve = observable_resolver(names);
  std::vector<Target> targets;
  for (const auto& text : opts.get_all("target")) {
    const auto tilde = text.find('~');
    if (tilde == std::string::npos) throw UsageError("--target '" + text + "': expected \"OBSERVABLE ~ COLUMN\"");
    Target t;
    const std::string name = trim(text.substr(0, tilde));
    t.column = trim(text.substr(tilde + 1));
    std::string hint;
    const auto idx = resolve(name, &hint);
    if (!idx) throw UsageError("--target '" + text + "': unknown observable '" + name + "'" + hint);
    t.index = *idx;
    t.observable = names[*idx];
    const auto& col = obs.columns[obs.index(t.column)];
    if (col.kind != learned::ColumnKind::numeric) throw DataError(opts.get("observed") + ": column '" + t.column + "' must hold numbers");
    t.observed = col.values;
    double m = 0.0, v = 0.0;
    for (double x : t.observed) m += x;
    m /= static_cast<double>(t.observed.size());
    for (double x : t.observed) v += (x - m) * (x - m);
    t.scale = std::sqrt(v / static_cast<double>(t.observed.size()));
    if (!(t.scale > 0.0)) t.scale = std::max(std::fabs(m), 1.0);
    targets.push_back(std::move(t));
  }

  calibrate::AbcOptions abc;
  abc.budget = opts.get_u64("budget");
  abc.population = opts.get_u64("population");
  abc.seed = opts.get_u64("seed") != 0 ? opts.get_u64("seed") : base.seed;
  abc.ensemble.jobs = opts.get_u32("jobs");
  const RunPlan plan = plan_runs(base).front();

  // One simulation: the scenario at theta, observed at the series' times.
  const calibrate::Distance distance = [&](const std::vector<double>& theta, std::uint64_t seed) {
    std::vector<Override> set;
    for (std::size_t k = 0; k < fits.size(); ++k) set.push_back(Override{fits[k].path, yaml_number(theta[k])});
    Scenario s = parse_scenario(base.effective_yaml, base.path, set, registry);
    RunPlan p = plan;
    p.seed = seed;
    RunSession session(std::move(s), registry, p, 1);
    std::vector<std::vector<double>> sim(targets.size());
    std::vector<double> last;
    for (double t : times) {
      session.advance(SimTime{t});
      if (!session.over() || last.empty()) last = session.observe();  // a stopped run keeps its last values
      for (std::size_t j = 0; j < targets.size(); ++j) sim[j].push_back(last[targets[j].index]);
    }
    double d = 0.0;
    for (std::size_t j = 0; j < targets.size(); ++j) {
      double ss = 0.0;
      for (std::size_t i = 0; i < times.size(); ++i) ss += std::pow(sim[j][i] - targets[j].observed[i], 2);
      d += std::sqrt(ss / static_cast<double>(times.size())) / targets[j].scale;
    }
    return d;
  };

  if (!quiet) {
    std::printf("calibrate: %s, %zu parameter%s, %zu target%s over %zu times, ABC-SMC, budget %zu, population %zu\n",
                base.name.c_str(), fits.size(), fits.size() == 1 ? "" : "s", targets.size(), targets.size() == 1 ? "" : "s",
                times.size(), abc.budget, abc.population);
    std::fflush(stdout);
  }
  std::size_t generation = 0;
  const calibrate::AbcResult r = calibrate::run_abc_smc(priors, distance, abc, [&](const calibrate::Generation& g, std::size_t sims) {
    if (!quiet) {
      std::fprintf(stderr, "generation %zu: tolerance %.4g, %zu simulations (%zu of %zu so far), ESS %.0f\n", generation,
                   g.tolerance, g.simulations, sims, abc.budget, g.ess);
    }
    ++generation;
  });

  // Output.
  const fs::path out = opts.get("output");
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw DataError("cannot create output directory " + out.string() + ": " + ec.message());
  std::ostringstream csv;
  for (const auto& f : fits) csv << csv_field(f.path) << ',';
  csv << "weight,distance\n";
  for (std::size_t i = 0; i < r.particles.size(); ++i) {
    for (double x : r.particles[i]) csv << json_number(x) << ',';
    csv << json_number(r.weights[i]) << ',' << json_number(r.distances[i]) << '\n';
  }
  write_atomically(out / "posterior.csv", csv.str());

  std::vector<Override> median_set;
  std::ostringstream json;
  json << "{\n  \"scenario\": " << json_string(base.path) << ",\n  \"method\": \"abc-smc\",\n  \"simulations\": " << r.simulations
       << ",\n  \"wall_seconds\": " << json_number(r.wall_seconds) << ",\n  \"parameters\": [";
  for (std::size_t k = 0; k < fits.size(); ++k) {
    std::vector<double> xs;
    for (const auto& p : r.particles) xs.push_back(p[k]);
    const double median = calibrate::weighted_quantile(xs, r.weights, 0.5);
    const double lo = calibrate::weighted_quantile(xs, r.weights, 0.05), hi = calibrate::weighted_quantile(xs, r.weights, 0.95);
    // Identifiability: the posterior's 90 % width in the prior's coordinates,
    // against the prior's own (from draws).
    RandomStream draw(derive_seed(abc.seed, 0x707269), k);
    std::vector<double> prior_draws;
    for (int i = 0; i < 4000; ++i) prior_draws.push_back(fits[k].prior.sample_work(draw));
    std::sort(prior_draws.begin(), prior_draws.end());
    const double prior_width = prior_draws[3800] - prior_draws[200];
    const double post_width = fits[k].prior.to_work(hi) - fits[k].prior.to_work(lo);
    const double ratio = prior_width > 0.0 ? post_width / prior_width : 0.0;
    median_set.push_back(Override{fits[k].path, yaml_number(median)});
    json << (k == 0 ? "" : ",") << "\n    {\"path\": " << json_string(fits[k].path) << ", \"prior\": "
         << json_string(fits[k].prior.text()) << ", \"median\": " << json_number(median) << ", \"q05\": " << json_number(lo)
         << ", \"q95\": " << json_number(hi) << ", \"width_vs_prior\": " << json_number(ratio) << ", \"identified\": "
         << (ratio < 0.8 ? "true" : "false") << "}";
    if (!quiet) {
      std::printf("%s: median %.6g, 90%% interval [%.6g, %.6g]%s\n", fits[k].path.c_str(), median, lo, hi,
                  ratio < 0.8 ? "" : "  (barely narrower than its prior: the targets hardly inform it)");
    }
  }
  json << "\n  ],\n  \"targets\": [";
  for (std::size_t j = 0; j < targets.size(); ++j) {
    json << (j == 0 ? "" : ",") << "\n    {\"observable\": " << json_string(targets[j].observable)
         << ", \"column\": " << json_string(targets[j].column) << ", \"scale\": " << json_number(targets[j].scale) << "}";
  }
  json << "\n  ],\n  \"generations\": [";
  for (std::size_t g = 0; g < r.generations.size(); ++g) {
    const auto& gen = r.generations[g];
    json << (g == 0 ? "" : ",") << "\n    {\"tolerance\": " << json_number(gen.tolerance) << ", \"simulations\": " << gen.simulations
         << ", \"accepted\": " << gen.accepted << ", \"ess\": " << json_number(gen.ess) << "}";
  }
  json << "\n  ],\n  \"simulacra_version\": " << json_string(kVersion) << "\n}\n";
  write_atomically(out / "report.json", json.str());
  const Scenario calibrated = parse_scenario(base.effective_yaml, base.path, median_set, registry);
  write_atomically(out / "calibrated.yaml",
                   "# Calibrated by simulacra calibrate: the posterior median of every fitted value.\n" +
                       calibrated.effective_yaml);
  if (!quiet) {
    std::printf("%zu simulations in %.1f s; posterior.csv, calibrated.yaml and report.json written to %s/\n", r.simulations,
                r.wall_seconds, out.string().c_str());
  }
  return 0;
}

}  // namespace simulacra::cli
