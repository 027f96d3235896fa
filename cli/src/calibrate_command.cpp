// `simulacra calibrate`: fits scenario values (or an external simulator's
// parameters) to observed data by ABC-SMC, and writes the posterior, the
// calibrated scenario and a report. Building the problem lives in
// calibrate_scenario.cpp and calibrate_external.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "calibrate_setup.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "run_support.hpp"
#include "simulacra/experiments/calibrate.hpp"
#include "simulacra/experiments/npe_calibration.hpp"
#include "version.hpp"

namespace simulacra::cli {

namespace {

namespace fs = std::filesystem;

void write_outputs(const fs::path& out, const CalibrationSetup& setup, const Registry& registry,
                   const calibrate::AbcResult& r, const std::string& method, std::uint64_t seed, bool quiet) {
  const auto& problem = setup.problem;
  std::ostringstream csv;
  for (const auto& n : problem.names) csv << csv_field(n) << ',';
  csv << "weight,distance\n";
  for (std::size_t i = 0; i < r.particles.size(); ++i) {
    for (double x : r.particles[i]) csv << json_number(x) << ',';
    csv << json_number(r.weights[i]) << ',' << json_number(r.distances[i]) << '\n';
  }

  std::vector<Override> median_set;
  std::ostringstream json;
  json << "{\n  \"source\": " << json_string(setup.source) << ",\n  \"mode\": \""
       << (setup.scenario ? "scenario" : "external simulator") << "\",\n  \"method\": " << json_string(method) << ",\n  \"seed\": " << seed
       << ",\n  \"replicates\": " << problem.replicates << ",\n  \"simulations\": " << r.simulations
       << ",\n  \"wall_seconds\": " << json_number(r.wall_seconds) << ",\n  \"parameters\": [";
  for (std::size_t k = 0; k < problem.names.size(); ++k) {
    std::vector<double> xs;
    for (const auto& p : r.particles) xs.push_back(p[k]);
    const calibrate::ParameterSummary s = calibrate::summarize_parameter(xs, r.weights, problem.priors[k], seed + k);
    if (!setup.paths[k].empty()) median_set.push_back(Override{setup.paths[k], yaml_number(s.median)});
    json << (k == 0 ? "" : ",") << "\n    {\"name\": " << json_string(problem.names[k]) << ", \"prior\": "
         << json_string(problem.priors[k].text()) << ", \"median\": " << json_number(s.median) << ", \"mean\": "
         << json_number(s.mean) << ", \"sd\": " << json_number(s.sd) << ", \"q05\": " << json_number(s.q05)
         << ", \"q95\": " << json_number(s.q95) << ", \"width_vs_prior\": " << json_number(s.width_vs_prior)
         << ", \"identified\": " << (s.identified ? "true" : "false") << "}";
    if (!quiet) {
      std::printf("%s: median %.6g, 90%% interval [%.6g, %.6g]%s\n", problem.names[k].c_str(), s.median, s.q05, s.q95,
                  s.identified ? "" : "  (not identified: barely narrower than its prior, the targets hardly inform it)");
    }
  }
  json << "\n  ],\n  \"targets\": [";
  for (std::size_t j = 0; j < problem.targets.size(); ++j) {
    const auto& t = problem.targets[j];
    json << (j == 0 ? "" : ",") << "\n    {\"target\": " << json_string(t.name) << ", \"model\": "
         << json_string(setup.target_models[j]) << ", \"summaries\": " << t.summaries.size()
         << ", \"scale\": " << json_number(r.scales[j]) << ", \"contribution\": " << json_number(r.contributions[j]) << "}";
    if (!quiet && !std::isnan(r.contributions[j])) {
      std::printf("target %s: %.0f%% of the final distance\n", t.name.c_str(), 100.0 * r.contributions[j]);
    }
  }
  json << "\n  ],\n  \"generations\": [";
  for (std::size_t g = 0; g < r.generations.size(); ++g) {
    const auto& gen = r.generations[g];
    json << (g == 0 ? "" : ",") << "\n    {\"tolerance\": " << json_number(gen.tolerance) << ", \"simulations\": " << gen.simulations
         << ", \"accepted\": " << gen.accepted << ", \"ess\": " << json_number(gen.ess) << "}";
  }
  json << "\n  ],\n  \"simulacra_version\": " << json_string(kVersion) << "\n}\n";

  // Everything is computed before the folder is made: a failure leaves nothing.
  std::string calibrated;
  if (setup.scenario) {
    const Scenario c = parse_scenario(setup.scenario->effective_yaml, setup.scenario->path, median_set, registry);
    calibrated = "# Calibrated by simulacra calibrate: the posterior median of every fitted value.\n" + c.effective_yaml;
  }
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw DataError("cannot create output directory " + out.string() + ": " + ec.message());
  write_atomically(out / "posterior.csv", csv.str());
  write_atomically(out / "report.json", json.str());
  if (setup.scenario) write_atomically(out / "calibrated.yaml", calibrated);
}

}  // namespace

int calibrate_command(const Args& args) {
  const bool external = std::find(args.begin(), args.end(), "--simulator") != args.end();
  Options opts(
      "simulacra calibrate",
      "Fits parameters so that simulated summaries match observed data, by ABC-SMC or neural\n"
      "posterior estimation (--method npe).\n"
      "Scenario mode: FILE --observed CSV (a time column, or a date column with --start) and\n"
      "--target \"OBSERVABLE ~ COLUMN [| weekly] [| poisson|negbin(k)|binomial(rho)]\" or\n"
      "\"STAT(OBSERVABLE) ~ STAT(COLUMN)\" (mean, sd, max, peak_time, final, sum, autocorr(.., lag),\n"
      "skewness, kurtosis, quantile(.., q)), with --fit PATH=PRIOR. External mode: --simulator CMD\n"
      "--prior PRIOR.yaml --observed CSV (one row of summaries). Writes OUT/posterior.csv,\n"
      "OUT/report.json and, in scenario mode, OUT/calibrated.yaml (the posterior median).\n"
      "See docs/calibration.md.",
      {
          {"output", "OUT", "output directory (created if missing)", "", false, 'o'},
          {"observed", "CSV", "the observed data (a series, or one row of summaries with --simulator)", ""},
          {"target", "TARGET", "what to match (see above)", "", true},
          {"fit", "PATH=PRIOR",
           "a scenario value (or an observation model's parameter) and its prior: uniform(a,b), loguniform(a,b), normal(m,s), "
           "lognormal(m,s), truncated(PRIOR,lo,hi), integer(PRIOR), randint(a,b)",
           "", true},
          {"simulator", "CMD", "an external simulator command (run by /bin/sh -c): parameter rows in, summary rows out", ""},
          {"prior", "PRIOR.yaml", "with --simulator: one 'name: prior' line per parameter", ""},
          {"rows-per-call", "N", "with --simulator: parameter rows per invocation at most (0: a batch split over the jobs)", "0"},
          {"start", "YYYY-MM-DD", "the date of time 0, when OBSERVED has a date column", ""},
          {"method", "NAME", "abc-smc, or npe (a mixture density network fitted to prior simulations)", "abc-smc"},
          {"draws", "N", "with --method npe: posterior draws written", "2000"},
          {"budget", "N", "simulations in all (replicates included)", "5000"},
          {"population", "N", "particles per ABC-SMC generation", "200"},
          {"replicates", "R", "runs per particle, summaries averaged (for noisy simulators)", "1"},
          {"seed", "S", "seed of the calibration (0: the scenario's, or 1)", "0"},
          {"set", "PATH=VALUE", "override a scenario value", "", true},
          {"jobs", "N", "simulations (or simulator invocations) at once (0: one per core)", "0"},
          {"quiet", "", "print only errors", ""},
      },
      external ? std::vector<std::string>{} : std::vector<std::string>{"FILE"});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  if (!opts.has("output")) throw UsageError("simulacra calibrate: missing --output OUT");
  if (!opts.has("observed")) throw UsageError("simulacra calibrate: missing --observed CSV (the data to match)");
  if (!external && opts.get_all("target").empty()) throw UsageError("simulacra calibrate: missing --target \"OBSERVABLE ~ COLUMN\"");
  if (!external && opts.get_all("fit").empty()) throw UsageError("simulacra calibrate: missing --fit PATH=PRIOR (what to fit)");
  const std::string method = opts.get("method");
  if (method != "abc-smc" && method != "npe") throw UsageError("--method '" + method + "': expected abc-smc or npe");
  if (opts.get_u64("replicates") < 1) throw UsageError("--replicates: expected at least 1");
  const bool quiet = opts.has("quiet");
  EnsembleOptions ensemble;
  ensemble.jobs = opts.get_u32("jobs");
  const Registry registry = make_registry();
  CalibrationSetup setup = external ? external_setup(opts, ensemble) : scenario_setup(opts, registry, ensemble);
  setup.problem.replicates = opts.get_u64("replicates");

  calibrate::AbcOptions abc;
  abc.budget = opts.get_u64("budget");
  abc.population = opts.get_u64("population");
  abc.seed = opts.get_u64("seed") != 0 ? opts.get_u64("seed") : setup.default_seed;
  // An external command costs a start per invocation: hand it bigger batches.
  if (external) abc.batch = std::max<std::size_t>(abc.batch, abc.population);
  if (!quiet) {
    std::printf("calibrate: %s, %zu parameter%s, %zu target%s, %s, budget %zu, population %zu, %zu replicate%s\n",
                setup.source.c_str(), setup.problem.names.size(), setup.problem.names.size() == 1 ? "" : "s",
                setup.problem.targets.size(), setup.problem.targets.size() == 1 ? "" : "s", method == "npe" ? "NPE" : "ABC-SMC", abc.budget, abc.population,
                setup.problem.replicates, setup.problem.replicates == 1 ? "" : "s");
    std::fflush(stdout);
  }
  calibrate::AbcResult r;
  if (method == "npe") {
    calibrate::NpeCalibrationOptions npe;
    npe.budget = abc.budget;
    npe.draws = opts.get_u64("draws");
    npe.seed = abc.seed;
    if (external) npe.batch = std::max<std::size_t>(npe.batch, abc.population);
    r = calibrate::run_npe_calibration(setup.problem, npe, [&](std::size_t sims) {
      if (!quiet) std::fprintf(stderr, "npe: %zu of %zu simulations\n", sims, abc.budget);
    });
  } else {
    std::size_t generation = 0;
    r = calibrate::run_abc_smc(setup.problem, abc, [&](const calibrate::Generation& g, std::size_t sims) {
      if (!quiet) {
        std::fprintf(stderr, "generation %zu: tolerance %.4g, %zu simulations (%zu of %zu so far), ESS %.0f\n", generation,
                     g.tolerance, g.simulations, sims, abc.budget, g.ess);
      }
      ++generation;
    });
  }
  const fs::path out = opts.get("output");
  write_outputs(out, setup, registry, r, method, abc.seed, quiet);
  if (!quiet) {
    std::printf("%zu simulations in %.1f s; posterior.csv, %sreport.json written to %s/\n", r.simulations, r.wall_seconds,
                setup.scenario ? "calibrated.yaml, " : "", out.string().c_str());
  }
  return 0;
}

}  // namespace simulacra::cli
