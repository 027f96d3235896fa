// `simulacra calibrate`: fits scenario values (or an external simulator's
// parameters) to observed data by ABC-SMC, and writes the posterior, the
// calibrated scenario and a report. Building the problem lives in
// calibrate_scenario.cpp and calibrate_external.cpp.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "calibrate_outputs.hpp"
#include "calibrate_setup.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "run_support.hpp"
#include "simulacra/experiments/bo_calibration.hpp"
#include "simulacra/experiments/calibrate.hpp"
#include "simulacra/experiments/cluster.hpp"
#include "simulacra/experiments/npe_calibration.hpp"
#include "version.hpp"

namespace simulacra::cli {

namespace {

namespace fs = std::filesystem;

// "12 s elapsed, about 40 s to go" from the share of the budget done.
std::string eta(std::chrono::steady_clock::time_point t0, std::size_t done, std::size_t budget) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char buf[96];
  if (done == 0 || done >= budget) {
    std::snprintf(buf, sizeof buf, "%.0f s elapsed", elapsed);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f s elapsed, at most ~%.0f s to go", elapsed,
                  elapsed * static_cast<double>(budget - done) / static_cast<double>(done));
  }
  return buf;
}

}  // namespace

int calibrate_command(const Args& args) {
  const bool external = std::find(args.begin(), args.end(), "--simulator") != args.end();
  Options opts(
      "simulacra calibrate",
      "Fits parameters so that simulated summaries match observed data, by ABC-SMC, neural\n"
      "posterior estimation (--method npe) or Bayesian optimisation (--method bo).\n"
      "Scenario mode: FILE --observed CSV (a time column, or a date column with --start) and\n"
      "--target \"OBSERVABLE ~ COLUMN [| weekly] [| poisson|negbin(k)|binomial(rho)]\" or\n"
      "\"STAT(OBSERVABLE) ~ STAT(COLUMN)\" (mean, sd, max, peak_time, final, sum, autocorr(.., lag),\n"
      "skewness, kurtosis, quantile(.., q)), or \"TABLE ~ table(real.csv)\" (a dataset table against a real\n"
      "one, column by column by KS or TV distance), with --fit PATH=PRIOR. External mode: --simulator CMD\n"
      "--prior PRIOR.yaml --observed CSV (one row of summaries). Writes OUT/posterior.csv,\n"
      "OUT/report.json, OUT/report.md, OUT/fit.csv (posterior predictive bands) and, in scenario mode,\n"
      "OUT/calibrated.yaml (the posterior median, or BO's estimate).\n"
      "See docs/calibration.md.",
      {
          {"output", "OUT", "output directory (created if missing)", "", false, 'o'},
          {"observed", "CSV", "the observed data (a series, or one row of summaries with --simulator); not needed when every target is a table(...)", ""},
          {"target", "TARGET", "what to match (see above)", "", true},
          {"fit", "PATH=PRIOR",
           "a scenario value (or an observation model's parameter) and its prior: uniform(a,b), loguniform(a,b), normal(m,s), "
           "lognormal(m,s), truncated(PRIOR,lo,hi), integer(PRIOR), randint(a,b)",
           "", true},
          {"simulator", "CMD", "an external simulator command (run by /bin/sh -c): parameter rows in, summary rows out", ""},
          {"prior", "PRIOR.yaml", "with --simulator: one 'name: prior' line per parameter", ""},
          {"rows-per-call", "N", "with --simulator: parameter rows per invocation at most (0: a batch split over the jobs)", "0"},
          {"start", "YYYY-MM-DD", "the date of time 0, when OBSERVED has a date column", ""},
          {"method", "NAME",
           "abc-smc, npe (a mixture density network fitted to prior simulations) or bo (Gaussian-process search for the "
           "posterior mode, with its Laplace approximation)",
           "abc-smc"},
          {"draws", "N", "with --method npe or bo: posterior draws written", "2000"},
          {"rounds", "N", "with --method npe: sequential rounds, each from the prior truncated to the last posterior", "1"},
          {"summary-net", "N",
           "with --method npe: a target series of at least N values reaches the network through learned summaries (a "
           "small convolutional network trained with it); 0: always as raw values",
           "30"},
          {"predictive", "N", "posterior predictive simulations for fit.csv (0: none)", "100"},
          {"budget", "N", "simulations in all, replicates included (0: 5000, or 200 for bo)", "0"},
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
  if (external && !opts.has("observed")) throw UsageError("simulacra calibrate: missing --observed CSV (the data to match)");
  if (!external && opts.get_all("target").empty()) throw UsageError("simulacra calibrate: missing --target \"OBSERVABLE ~ COLUMN\"");
  if (!external && opts.get_all("fit").empty()) throw UsageError("simulacra calibrate: missing --fit PATH=PRIOR (what to fit)");
  const std::string method = opts.get("method");
  if (method != "abc-smc" && method != "npe" && method != "bo") {
    throw UsageError("--method '" + method + "': expected abc-smc, npe or bo");
  }
  if (opts.get_u64("replicates") < 1) throw UsageError("--replicates: expected at least 1");
  const bool quiet = opts.has("quiet");
  EnsembleOptions ensemble;
  ensemble.jobs = opts.get_u32("jobs");
  const Registry registry = make_registry();
  CalibrationSetup setup = external ? external_setup(opts, ensemble) : scenario_setup(opts, registry, ensemble);
  setup.problem.replicates = opts.get_u64("replicates");

  calibrate::AbcOptions abc;
  abc.budget = opts.get_u64("budget") != 0 ? opts.get_u64("budget") : method == "bo" ? 200 : 5000;
  abc.population = opts.get_u64("population");
  abc.seed = opts.get_u64("seed") != 0 ? opts.get_u64("seed") : setup.default_seed;
  // An external command costs a start per invocation: hand it bigger batches.
  if (external) abc.batch = std::max<std::size_t>(abc.batch, abc.population);
  if (!quiet) {
    std::printf("calibrate: %s, %zu parameter%s, %zu target%s, %s, budget %zu, population %zu, %zu replicate%s\n",
                setup.source.c_str(), setup.problem.names.size(), setup.problem.names.size() == 1 ? "" : "s",
                setup.problem.targets.size(), setup.problem.targets.size() == 1 ? "" : "s", method == "npe" ? "NPE" : method == "bo" ? "BO" : "ABC-SMC", abc.budget, abc.population,
                setup.problem.replicates, setup.problem.replicates == 1 ? "" : "s");
    std::fflush(stdout);
  }
  calibrate::AbcResult r;
  MethodOutputs extra;
  const auto t0 = std::chrono::steady_clock::now();
  if (method == "bo") {
    calibrate::BoCalibrationOptions bo;
    bo.budget = abc.budget;
    bo.draws = opts.get_u64("draws");
    bo.seed = abc.seed;
    if (bo.draws == 0) throw UsageError("--draws: expected at least 1");
    calibrate::BoCalibrationResult b = calibrate::run_bo_calibration(setup.problem, bo, [&](std::size_t sims, double best) {
      if (!quiet) {
        std::fprintf(stderr, "bo: %zu of %zu simulations, lowest negative log posterior %.4g; %s\n", sims, abc.budget, best,
                     eta(t0, sims, abc.budget).c_str());
      }
    });
    extra = bo_outputs(setup.problem, b, quiet);
    r = std::move(b.posterior);
  } else if (method == "npe") {
    calibrate::NpeCalibrationOptions npe;
    npe.budget = abc.budget;
    npe.draws = opts.get_u64("draws");
    npe.rounds = opts.get_u64("rounds");
    if (npe.rounds == 0) throw UsageError("--rounds: expected at least 1");
    npe.seed = abc.seed;
    npe.summary_net_min_length = opts.get_u64("summary-net");
    if (external) npe.batch = std::max<std::size_t>(npe.batch, abc.population);
    r = calibrate::run_npe_calibration(setup.problem, npe, [&](std::size_t sims) {
      if (!quiet) std::fprintf(stderr, "npe: %zu of %zu simulations; %s\n", sims, abc.budget, eta(t0, sims, abc.budget).c_str());
    });
  } else {
    std::size_t generation = 0;
    r = calibrate::run_abc_smc(setup.problem, abc, [&](const calibrate::Generation& g, std::size_t sims) {
      if (!quiet) {
        std::fprintf(stderr, "generation %zu: tolerance %.4g, %zu simulations (%zu of %zu so far), ESS %.0f; %s\n", generation,
                     g.tolerance, g.simulations, sims, abc.budget, g.ess, eta(t0, sims, abc.budget).c_str());
      }
      ++generation;
    });
  }
  const std::size_t n_predictive = opts.get_u64("predictive");
  if (!quiet && n_predictive > 0) std::fprintf(stderr, "posterior predictive: %zu simulations\n", n_predictive);
  const calibrate::Matrix predictive =
      n_predictive > 0 ? calibrate::posterior_predictive(setup.problem, r, n_predictive, abc.seed) : calibrate::Matrix{};
  const fs::path out = opts.get("output");
  if (cluster::rank() != 0) return 0;  // under mpirun every rank holds the result; rank 0 writes it
  write_outputs(out, setup, registry, r, method, abc.seed, quiet, predictive, extra);
  if (!quiet) {
    std::printf("%zu simulations in %.1f s (and %zu posterior predictive); posterior.csv, %s%sreport.json, report.md%s written to %s/\n",
                r.simulations, r.wall_seconds, predictive.size(), setup.scenario ? "calibrated.yaml, " : "",
                method == "bo" ? "evaluations.csv, " : "", predictive.empty() ? "" : ", fit.csv", out.string().c_str());
  }
  return 0;
}

}  // namespace simulacra::cli
