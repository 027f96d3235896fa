// `simulacra rare`: rare-event datasets by multilevel splitting — an
// estimate of the event's probability with its error, and the datasets of the
// final runs, each with its weight and label.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <sstream>

#include "commands.hpp"
#include "options.hpp"
#include "run_support.hpp"
#include "simulacra/engine/ensemble.hpp"
#include "simulacra/engine/quantity.hpp"
#include "simulacra/engine/run_session.hpp"
#include "simulacra/experiments/cluster.hpp"
#include "simulacra/experiments/rare.hpp"
#include "version.hpp"

namespace simulacra::cli {

namespace {

namespace fs = std::filesystem;

std::string path_text(const rare::Lineage& l) {
  std::string s;
  for (std::size_t i = 0; i < l.keys.size(); ++i) {
    if (i != 0) s += '.';
    s += std::to_string(l.keys[i]);
  }
  return s;
}

// Which final runs a balanced dataset keeps: every run of the scarcer label,
// and evenly spaced runs of the other so that event runs make up `share`;
// a kept run's weight is multiplied by (runs of its label) / (kept of its label).
std::vector<double> balance(const std::vector<rare::FinalParticle>& finals, double share) {
  std::vector<std::size_t> hits, misses;
  for (std::size_t i = 0; i < finals.size(); ++i) (finals[i].hit ? hits : misses).push_back(i);
  std::vector<double> factor(finals.size(), 0.0);
  if (hits.empty() || misses.empty()) {
    for (std::size_t i = 0; i < finals.size(); ++i) factor[i] = 1.0;
    return factor;
  }
  const double h = static_cast<double>(hits.size()), m = static_cast<double>(misses.size());
  std::size_t keep_hits = hits.size(), keep_misses = misses.size();
  if (h / (h + m) < share) {
    keep_misses = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(h * (1.0 - share) / share)));
    keep_misses = std::min(keep_misses, misses.size());
  } else {
    keep_hits = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(m * share / (1.0 - share))));
    keep_hits = std::min(keep_hits, hits.size());
  }
  auto pick = [&](const std::vector<std::size_t>& from, std::size_t keep) {
    for (std::size_t j = 0; j < keep; ++j) {
      const std::size_t at = j * from.size() / keep;
      factor[from[at]] = static_cast<double>(from.size()) / static_cast<double>(keep);
    }
  };
  pick(hits, keep_hits);
  pick(misses, keep_misses);
  return factor;
}

// "populations[i].params.key", "populations.NAME.params.key" or "NAME.key":
// a live parameter, its scenario value and the range to search.
rare::Tilt parse_tilt(const std::string& path, const Scenario& scenario, const Registry& registry) {
  std::string pop, key;
  std::size_t index = scenario.populations.size();
  if (path.rfind("populations[", 0) == 0) {
    const auto close = path.find(']');
    const auto params = path.find(".params.");
    if (close != std::string::npos && params == close + 1) {
      const std::string digits = path.substr(12, close - 12);
      if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos) index = std::stoul(digits);
      key = path.substr(params + 8);
    }
  } else if (path.rfind("populations.", 0) == 0) {
    const auto params = path.find(".params.");
    if (params != std::string::npos) {
      pop = path.substr(12, params - 12);
      key = path.substr(params + 8);
    }
  } else if (const auto dot = path.find('.'); dot != std::string::npos) {
    pop = path.substr(0, dot);
    key = path.substr(dot + 1);
  }
  for (std::size_t i = 0; i < scenario.populations.size() && !pop.empty(); ++i) {
    if (scenario.populations[i].name == pop) index = i;
  }
  if (index >= scenario.populations.size() || key.empty()) {
    throw UsageError("--tilt '" + path + "': expected populations[i].params.KEY or POPULATION.KEY of this scenario");
  }
  const PopulationSpec& spec = scenario.populations[index];
  const PopulationType* type = registry.find(spec.type);
  if (type == nullptr || std::find(type->live.begin(), type->live.end(), key) == type->live.end()) {
    std::string live;
    if (type != nullptr) {
      for (const auto& k : type->live) live += (live.empty() ? "" : ", ") + k;
    }
    throw UsageError("--tilt '" + path + "': '" + key + "' is not a live parameter of " + spec.type +
                     " (live: " + (live.empty() ? "none" : live) + ")");
  }
  rare::Tilt t;
  t.population = index;
  t.key = key;
  t.nominal = spec.params.real(key);
  const ParamSpec& ps = *std::find_if(type->params.begin(), type->params.end(), [&](const ParamSpec& p) { return p.key == key; });
  const double wide = std::max(std::fabs(t.nominal), 1e-9);
  t.low = ps.min ? *ps.min : -1000.0 * wide;
  t.high = ps.max ? *ps.max : 1000.0 * wide;
  if (t.nominal > 0.0 && t.low >= 0.0) {
    t.low = std::max(t.low, t.nominal / 1000.0);
    t.high = std::min(t.high, t.nominal * 1000.0);
  }
  return t;
}

}  // namespace

int rare_command(const Args& args) {
  Options opts(
      "simulacra rare",
      "Estimates the probability of a rare event by multilevel splitting on branched runs,\n"
      "and writes the final runs' datasets with their weights and labels:\n"
      "OUT/estimate.json (probability, error, 95 % interval, cost, gain over crude Monte\n"
      "Carlo), OUT/samples.csv (one row per final run), and one dataset per written run.\n"
      "Weights: over the event runs they sum to the probability estimate.",
      {
          {"output", "OUT", "output directory (created if missing)", "", false, 'o'},
          {"event", "EXPR", "the rare event, a condition over observables and t (e.g. \"town.dead >= 50\")", ""},
          {"score", "EXPR", "importance function growing toward the event (default: the event's distance, for a one-comparison event)", ""},
          {"method", "NAME", "ams (adaptive levels), splitting (fixed --levels) or is (importance sampling, --tilt)", "ams"},
          {"tilt", "PATH", "for --method is: the live parameter to tilt, e.g. populations[0].params.lambda or bd.lambda", ""},
          {"stage-samples", "N", "for --method is: runs per cross-entropy stage", "1000"},
          {"levels", "LIST", "score levels for --method splitting, increasing, e.g. 5,10,15", ""},
          {"samples", "N", "final runs in all (batches x runs per batch)", "1000"},
          {"batches", "B", "independent batches; the error and interval come from their spread", "10"},
          {"kill", "K", "runs killed per iteration at least (0: a tenth of a batch)", "0"},
          {"every", "TIME", "simulated time between checks of event and score (default: stop_when.every, observe.every, or duration/1000)", ""},
          {"snapshots", "N", "copies kept per run where its score rose (0: least memory, for very large populations)", "16"},
          {"datasets", "WHICH", "datasets to write: events, all or none", "events"},
          {"balance", "SHARE", "write a balanced dataset: this share of event runs, weights corrected", ""},
          {"format", "LIST", "hdf5, csv or hdf5,csv (default: the scenario's outputs.formats)", ""},
          {"set", "PATH=VALUE", "override a scenario value", "", true},
          {"jobs", "N", "runs at once (0: one per core)", "0"},
          {"quiet", "", "print only errors", ""},
      },
      {"FILE"});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  const std::string file = opts.positional()[0];
  if (!opts.has("output")) throw UsageError("simulacra rare: missing --output OUT (where the datasets go)");
  if (!opts.has("event")) throw UsageError("simulacra rare: missing --event EXPR (the rare event, e.g. \"town.dead >= 50\")");
  const bool quiet = opts.has("quiet");
  const Registry registry = make_registry();
  const Scenario scenario = load_scenario(file, overrides_from(opts), registry);
  require_one_run(scenario, "simulacra rare", "rare runs one scenario");
  RunSession root(scenario, registry, plan_runs(scenario).front(), 1);

  rare::EventSpec spec;
  try {
    spec.event = root.expression(opts.get("event"));
  } catch (const ExpressionError& e) {
    throw UsageError("--event \"" + opts.get("event") + "\": " + e.what());
  }
  if (opts.has("score")) {
    try {
      spec.score = root.expression(opts.get("score"));
    } catch (const ExpressionError& e) {
      throw UsageError("--score \"" + opts.get("score") + "\": " + e.what());
    }
  } else if (auto s = spec.event.distance_score()) {
    spec.score = *s;
  } else {
    throw UsageError("--event \"" + opts.get("event") +
                     "\" is not one comparison, so it gives no score: say what grows toward it with --score");
  }
  if (opts.has("every")) {
    std::string why;
    const auto v = parse_quantity(opts.get("every"), Dimension::time, &why);
    if (!v || !(*v > 0.0)) throw UsageError("--every '" + opts.get("every") + "': expected a positive time such as 1s");
    spec.every = *v;
  } else {
    spec.every = scenario.stop.every > 0.0 ? scenario.stop.every
                 : scenario.observe.every > 0.0 ? scenario.observe.every
                                                : scenario.duration / 1000.0;
  }

  rare::AmsOptions ams;
  const std::size_t samples = opts.get_u64("samples");
  ams.batches = opts.get_u64("batches");
  if (ams.batches < 2) throw UsageError("--batches " + opts.get("batches") + ": at least 2 (the error comes from their spread)");
  if (samples < 2 * ams.batches) throw UsageError("--samples " + opts.get("samples") + ": at least 2 runs per batch");
  ams.particles = samples / ams.batches;
  ams.kill = opts.get_u64("kill");
  if (ams.kill >= ams.particles) throw UsageError("--kill " + opts.get("kill") + ": must be below the runs per batch");
  ams.seed = scenario.seed;
  ams.snapshots = opts.get_u64("snapshots");
  ams.ensemble.jobs = opts.get_u32("jobs");
  const std::string method = opts.get("method");
  if (method == "splitting") {
    if (!opts.has("levels")) throw UsageError("--method splitting needs --levels, e.g. --levels 5,10,15");
    std::stringstream in(opts.get("levels"));
    std::string item;
    while (std::getline(in, item, ',')) {
      char* end = nullptr;
      const double v = std::strtod(item.c_str(), &end);
      if (item.empty() || end == nullptr || *end != '\0' || !std::isfinite(v)) {
        throw UsageError("--levels '" + opts.get("levels") + "': '" + item + "' is not a number");
      }
      if (!ams.levels.empty() && v <= ams.levels.back()) throw UsageError("--levels '" + opts.get("levels") + "': levels must increase");
      ams.levels.push_back(v);
    }
    // The default score is the distance to the event, negative until it
    // holds: a level at or above 0 is the event itself, never crossed first.
    if (!opts.has("score") && !ams.levels.empty() && ams.levels.back() >= 0.0) {
      throw UsageError("--levels '" + opts.get("levels") + "': the default score is " + spec.score.text() +
                       ", below 0 until the event: give levels below 0 (e.g. -9,-6,-3) or a --score of your own");
    }
  } else if (method != "ams" && method != "is") {
    throw UsageError("--method '" + method + "': expected ams, splitting or is");
  } else if (opts.has("levels")) {
    throw UsageError("--levels is for --method splitting");
  }
  const std::string which = opts.get("datasets");
  if (which != "events" && which != "all" && which != "none") {
    throw UsageError("--datasets '" + which + "': expected events, all or none");
  }
  double share = 0.0;
  if (opts.has("balance")) {
    share = opts.get_double("balance");
    if (!(share > 0.0 && share < 1.0)) throw UsageError("--balance " + opts.get("balance") + ": expected a share in (0, 1)");
  }
  const OutputPlan out = output_plan(opts, scenario, "simulacra rare");

  rare::Tilt tilt;
  if (method == "is") {
    if (!opts.has("tilt")) throw UsageError("--method is needs --tilt PATH, a live parameter such as populations[0].params.lambda");
    tilt = parse_tilt(opts.get("tilt"), scenario, registry);
  } else if (opts.has("tilt")) {
    throw UsageError("--tilt is for --method is");
  }

  if (!quiet) {
    std::string plan = method == "is" ? "tilting " + tilt.key + ", stages of " + opts.get("stage-samples") +
                                            " runs, " + std::to_string(samples) + " final runs"
                                      : std::to_string(ams.batches) + " batches of " + std::to_string(ams.particles) + " runs";
    std::printf("rare: %s, event \"%s\", score \"%s\", %s, %s, checks every %g s\n", scenario.name.c_str(),
                spec.event.text().c_str(), spec.score.text().c_str(), method.c_str(), plan.c_str(), spec.every);
    std::fflush(stdout);
  }
  std::mutex print;
  const bool terminal = ProgressPrinter::is_terminal(stderr);
  std::size_t last_batch = ~std::size_t{0};
  auto report = [&](std::size_t b, std::size_t it, double level, double w) {
    if (quiet) return;
    std::lock_guard<std::mutex> lock(print);
    if (method == "is") {
      std::fprintf(stderr, "%sstage %zu: level %g, %s -> %.6g%s", terminal ? "\r" : "", it, level, tilt.key.c_str(), w,
                   terminal ? "\x1b[K" : "\n");
    } else if (terminal || b != last_batch || it % 50 == 0) {
      std::fprintf(stderr, "%sbatch %zu/%zu: iteration %zu, level %g, estimate so far %.4g%s", terminal ? "\r" : "", b + 1,
                   ams.batches, it, level, w, terminal ? "\x1b[K" : "\n");
      last_batch = b;
    }
  };
  rare::ImportanceResult is;
  if (method == "is") {
    rare::ImportanceOptions io;
    io.stage_samples = opts.get_u64("stage-samples");
    io.samples = samples;
    io.ensemble.jobs = opts.get_u32("jobs");
    is = rare::run_importance(root, spec, tilt, io, report);
  } else {
    is.summary = rare::run_ams(root, spec, ams, report);
  }
  const rare::AmsResult& r = is.summary;
  if (!quiet && terminal) std::fprintf(stderr, "\n");

  // Everything is known; now the output appears.
  std::error_code ec;
  fs::create_directories(out.dir, ec);
  if (ec) throw DataError("cannot create output directory " + out.dir.string() + ": " + ec.message());

  std::vector<double> factor(r.finals.size(), 1.0);
  if (share > 0.0) factor = balance(r.finals, share);
  std::vector<std::size_t> written;
  std::vector<std::string> labels(r.finals.size());
  for (std::size_t i = 0; i < r.finals.size(); ++i) {
    const auto& f = r.finals[i];
    labels[i] = method == "is" ? scenario.name + "_is_" + std::to_string(i)
                               : scenario.name + "_b" + std::to_string(f.batch) + "_" + std::to_string(i % ams.particles);
    const bool want = share > 0.0 ? factor[i] > 0.0 : (which == "all" || (which == "events" && f.hit));
    if (want) written.push_back(i);
  }
  Provenance base;
  base["simulacra_version"] = kVersion;
  base["git_commit"] = kGitCommit;
  base["rare_method"] = method;
  base["rare_event"] = spec.event.text();
  base["rare_score"] = spec.score.text();
  base["rare_estimate"] = json_number(r.estimate);
  EnsembleOptions ens;
  ens.jobs = opts.get_u32("jobs");
  // Each dataset is written by the rank that replays it (under mpirun).
  cluster::run_distributed(written.size(), ens, [&](std::size_t j, unsigned) -> std::string {
    const std::size_t i = written[j];
    const auto& f = r.finals[i];
    RunPlan plan = plan_runs(scenario).front();
    plan.label = labels[i];
    RunSession s(scenario, registry, plan, 1);
    const std::string unit = scenario.time_unit;
    TableSchema samples_schema{
        "samples",
        "this run as a rare-event sample: its label and the weight that makes weighted means over the runs unbiased",
        {{"run", ColumnType::string, "", "the run's name (its dataset's name)"},
         {"batch", ColumnType::int64, "", "the independent batch it belongs to"},
         {"label", ColumnType::string, "", "event or no_event: whether the run reached the event"},
         {"event", ColumnType::boolean, "", "the run reached the event"},
         {"weight", ColumnType::float64, "", "its weight in this set of datasets (balancing undone): over the event runs the weights sum to the probability"},
         {"sampling_weight", ColumnType::float64, "", "its weight from the sampling method alone, before any balancing"},
         {"end_time", ColumnType::float64, unit, "when the run ended (event, stop_when or duration)"},
         {"max_score", ColumnType::float64, "", "the highest score the run reached (inf once the event held)"},
         {"branch_path", ColumnType::string, "", "branch keys from the plain run, dot-separated (empty: a plain run)"}}};
    s.add_table(samples_schema);
    s.attach(make_sinks(out, labels[i], scenario.outputs.chunk_rows));
    rare::replay(s, f);
    TableChunk row(samples_schema);
    row.append(0, std::string_view(labels[i]));
    row.append(1, static_cast<std::int64_t>(f.batch));
    row.append(2, std::string_view(f.hit ? "event" : "no_event"));
    row.append(3, f.hit);
    row.append(4, f.weight * factor[i]);
    row.append(5, f.weight);
    row.append(6, f.end_time / scenario.time_unit_seconds);
    row.append(7, f.hit ? HUGE_VAL : f.max_score);
    row.append(8, std::string_view(path_text(f.lineage)));
    row.end_row();
    s.append_rows("samples", row);
    Provenance prov = base;
    prov["weight"] = json_number(f.weight * factor[i]);
    prov["label"] = f.hit ? "event" : "no_event";
    prov["rare_batch"] = std::to_string(f.batch);
    s.finish(prov);
    return {};
  }).result.rethrow_first_error();
  if (cluster::rank() != 0) return 0;  // the lists are rank 0's to write

  std::ostringstream csv;
  csv << "run,batch,event,weight," << (share > 0.0 ? "balanced_weight," : "") << "end_time_s,max_score,branch_path,dataset\n";
  for (std::size_t i = 0; i < r.finals.size(); ++i) {
    const auto& f = r.finals[i];
    const bool has = std::binary_search(written.begin(), written.end(), i);
    csv << csv_field(labels[i]) << ',' << f.batch << ',' << (f.hit ? 1 : 0) << ',' << json_number(f.weight) << ',';
    if (share > 0.0) csv << json_number(f.weight * factor[i]) << ',';
    csv << json_number(f.end_time) << ',' << (f.hit ? "inf" : json_number(f.max_score)) << ',' << path_text(f.lineage) << ','
        << (has ? csv_field(labels[i] + (out.hdf5 ? ".h5" : "/")) : "") << '\n';
  }
  write_atomically(out.dir / "samples.csv", csv.str());

  std::size_t hits = 0, iterations = 0;
  for (const auto& f : r.finals) hits += f.hit ? 1 : 0;
  for (const auto& b : r.batches) iterations += b.iterations;
  std::ostringstream json;
  json << "{\n  \"scenario\": " << json_string(scenario.path) << ",\n  \"method\": " << json_string(method)
       << ",\n  \"event\": " << json_string(spec.event.text()) << ",\n  \"score\": " << json_string(spec.score.text())
       << ",\n  \"probability\": " << json_number(r.estimate) << ",\n  \"std_error\": " << json_number(r.std_error)
       << ",\n  \"relative_error\": " << json_number(r.relative_error) << ",\n  \"ci95\": [" << json_number(r.ci_low) << ", "
       << json_number(r.ci_high) << "],\n  \"batches\": " << ams.batches << ",\n  \"runs_per_batch\": " << ams.particles
       << ",\n  \"event_runs\": " << hits << ",\n  \"iterations\": " << iterations
       << ",\n  \"simulated_events\": " << r.events << ",\n  \"events_per_plain_run\": " << json_number(r.events_per_plain_run)
       << ",\n  \"crude_mc_runs_same_cost\": " << json_number(r.crude_runs) << ",\n  \"gain_over_crude_mc\": " << json_number(r.gain)
       << ",\n  \"crude_mc_runs_same_error\": "
       << json_number(r.std_error > 0.0 ? r.estimate * (1.0 - r.estimate) / (r.std_error * r.std_error) : 0.0)
       << ",\n  \"wall_seconds\": " << json_number(r.wall_seconds) << ",\n  \"batch_estimates\": [";
  for (std::size_t b = 0; b < r.batches.size(); ++b) json << (b == 0 ? "" : ", ") << json_number(r.batches[b].estimate);
  json << "]";
  if (method == "is") {
    json << ",\n  \"tilt\": " << json_string(opts.get("tilt")) << ",\n  \"tilt_nominal\": " << json_number(tilt.nominal)
         << ",\n  \"tilt_value\": " << json_number(is.tilt) << ",\n  \"stage_tilts\": [";
    for (std::size_t k = 0; k < is.stage_tilts.size(); ++k) json << (k == 0 ? "" : ", ") << json_number(is.stage_tilts[k]);
    json << "],\n  \"mean_weight\": " << json_number(is.mean_weight) << ",\n  \"mean_weight_se\": " << json_number(is.mean_weight_se);
  }
  json << ",\n  \"simulacra_version\": " << json_string(kVersion) << "\n}\n";
  write_atomically(out.dir / "estimate.json", json.str());

  if (!quiet) {
    std::printf("probability %.4g +- %.2g (relative error %.1f%%), 95%% interval [%.4g, %.4g]\n", r.estimate, r.std_error,
                100.0 * r.relative_error, r.ci_low, r.ci_high);
    std::printf("%llu events simulated in %.2f s; crude Monte Carlo would need %.3g runs for this error (gain %.3g)\n",
                static_cast<unsigned long long>(r.events), r.wall_seconds,
                r.std_error > 0.0 ? r.estimate * (1.0 - r.estimate) / (r.std_error * r.std_error) : 0.0, r.gain);
    std::printf("%zu of %zu final runs reached the event; %zu datasets written to %s/ (samples.csv, estimate.json)\n", hits,
                r.finals.size(), written.size(), out.dir.string().c_str());
  }
  return 0;
}

}  // namespace simulacra::cli
