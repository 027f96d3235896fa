#include "calibrate_outputs.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "run_support.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/summaries.hpp"
#include "version.hpp"

namespace simulacra::cli {

namespace fs = std::filesystem;

namespace {

std::string general(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string fixed(double v, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// Quantile q of the finite values (linear between order statistics, as the
// quantile(SERIES, Q) statistic); NaN if there are none.
double quantile_of(std::vector<double> v, double q) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return std::nan("");
  calibrate::SummaryStatistic quantile;
  quantile.kind = calibrate::SummaryStatistic::Kind::quantile;
  quantile.arg = q;
  return quantile.apply(v, {});
}

// A CSV cell: empty for NaN.
std::string csv_number(double v) { return std::isnan(v) ? std::string() : json_number(v); }

}  // namespace

std::string fit_table(const calibrate::Problem& problem, const calibrate::Matrix& predictive) {
  std::ostringstream csv;
  csv << "target,time,observed,q05,q25,median,q75,q95\n";
  for (const auto& t : problem.targets) {
    for (std::size_t i = 0; i < t.summaries.size(); ++i) {
      std::vector<double> v;
      for (const auto& row : predictive) v.push_back(t.summaries[i] < row.size() ? row[t.summaries[i]] : std::nan(""));
      csv << csv_field(t.name) << ',' << (i < t.times.size() ? csv_number(t.times[i]) : std::string()) << ','
          << csv_number(t.observed[i]);
      for (const double q : {0.05, 0.25, 0.5, 0.75, 0.95}) csv << ',' << csv_number(quantile_of(v, q));
      csv << '\n';
    }
  }
  return csv.str();
}

void write_outputs(const fs::path& out, const CalibrationSetup& setup, const Registry& registry,
                   const calibrate::AbcResult& r, const std::string& method, std::uint64_t seed, bool quiet,
                   const calibrate::Matrix& predictive, const MethodOutputs& extra) {
  const auto& problem = setup.problem;
  std::ostringstream csv;
  for (const auto& n : problem.names) csv << csv_field(n) << ',';
  csv << "weight,distance\n";
  for (std::size_t i = 0; i < r.particles.size(); ++i) {
    for (double x : r.particles[i]) csv << json_number(x) << ',';
    csv << json_number(r.weights[i]) << ',' << csv_number(r.distances[i]) << '\n';
  }

  std::vector<Override> median_set;
  std::ostringstream md;
  md << "# Calibration of " << setup.source << "\n\n"
     << "Method " << method << ", seed " << seed << ", " << r.simulations << " simulations ("
     << problem.replicates << " per parameter vector) in " << fixed(r.wall_seconds, 1) << " s.\n\n"
     << "| parameter | prior | median | 90 % interval | sd | 90 % width / prior's | informed by the targets |\n"
     << "|---|---|---|---|---|---|---|\n";
  std::ostringstream json;
  json << "{\n  \"source\": " << json_string(setup.source) << ",\n  \"mode\": \""
       << (setup.scenario ? "scenario" : "external simulator") << "\",\n  \"method\": " << json_string(method) << ",\n  \"seed\": " << seed
       << ",\n  \"replicates\": " << problem.replicates << ",\n  \"simulations\": " << r.simulations
       << ",\n  \"wall_seconds\": " << json_number(r.wall_seconds) << ",\n  \"parameters\": [";
  for (std::size_t k = 0; k < problem.names.size(); ++k) {
    std::vector<double> xs;
    for (const auto& p : r.particles) xs.push_back(p[k]);
    const calibrate::ParameterSummary s = calibrate::summarize_parameter(xs, r.weights, problem.priors[k], seed + k);
    const double point = extra.point.empty() ? s.median : extra.point[k];
    if (!setup.paths[k].empty()) median_set.push_back(Override{setup.paths[k], yaml_number(point) + problem.priors[k].unit});
    json << (k == 0 ? "" : ",") << "\n    {\"name\": " << json_string(problem.names[k]) << ", \"prior\": "
         << json_string(problem.priors[k].text()) << ", \"median\": " << json_number(s.median) << ", \"mean\": "
         << json_number(s.mean) << ", \"sd\": " << json_number(s.sd) << ", \"q05\": " << json_number(s.q05)
         << ", \"q95\": " << json_number(s.q95) << ", \"width_vs_prior\": " << json_number(s.width_vs_prior)
         << ", \"identified\": " << (s.identified ? "true" : "false") << "}";
    md << "| " << problem.names[k] << " | " << problem.priors[k].text() << " | " << general(s.median) << " | ["
       << general(s.q05) << ", " << general(s.q95) << "] | " << general(s.sd) << " | " << fixed(s.width_vs_prior, 2) << " | "
       << (s.identified ? "yes" : "no: the posterior is barely narrower than the prior") << " |\n";
    if (!quiet) {
      std::printf("%s: median %.6g, 90%% interval [%.6g, %.6g]%s\n", problem.names[k].c_str(), s.median, s.q05, s.q95,
                  s.identified ? "" : "  (not identified: barely narrower than its prior, the targets hardly inform it)");
    }
  }
  for (const auto& [label, value] : extra.lines) md << "\n" << label << ": " << value << "\n";
  md << "\n| target | observation model | summaries | scale | share of the final distance |\n|---|---|---|---|---|\n";
  json << "\n  ],\n  \"targets\": [";
  for (std::size_t j = 0; j < problem.targets.size(); ++j) {
    const auto& t = problem.targets[j];
    json << (j == 0 ? "" : ",") << "\n    {\"target\": " << json_string(t.name) << ", \"model\": "
         << json_string(setup.target_models[j]) << ", \"summaries\": " << t.summaries.size()
         << ", \"scale\": " << json_number(r.scales[j]) << ", \"contribution\": " << json_number(r.contributions[j]) << "}";
    md << "| " << t.name << " | " << setup.target_models[j] << " | " << t.summaries.size() << " | "
       << (std::isnan(r.scales[j]) ? std::string("-") : general(r.scales[j])) << " | "
       << (std::isnan(r.contributions[j]) ? std::string("-") : fixed(100.0 * r.contributions[j], 0) + " %") << " |\n";
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
  if (!r.generations.empty()) {
    md << "\n| generation | tolerance | simulations | accepted | ESS |\n|---|---|---|---|---|\n";
    for (std::size_t g = 0; g < r.generations.size(); ++g) {
      const auto& gen = r.generations[g];
      md << "| " << g << " | " << general(gen.tolerance) << " | " << gen.simulations << " | " << gen.accepted << " | "
         << fixed(gen.ess, 0) << " |\n";
    }
  }
  if (!predictive.empty()) {
    md << "\nfit.csv: each observed value beside the 5-95 % quantiles of " << predictive.size()
       << " posterior predictive simulations (observation noise included); `python3 -m simulacra calibration-report "
          "OUT -o report.html` draws them.\n";
  }
  json << "\n  ],\n  \"predictive_simulations\": " << predictive.size();
  json << extra.json << ",\n  \"simulacra_version\": " << json_string(kVersion) << "\n}\n";

  // Everything is computed before the folder is made: a failure leaves nothing.
  std::string calibrated;
  if (setup.scenario) {
    const Scenario c = parse_scenario(setup.scenario->effective_yaml, setup.scenario->path, median_set, registry);
    calibrated = std::string("# Calibrated by simulacra calibrate: ") +
                 (extra.point.empty() ? "the posterior median" : "the estimate") + " of every fitted value.\n" + c.effective_yaml;
  }
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw DataError("cannot create output directory " + out.string() + ": " + ec.message());
  write_atomically(out / "posterior.csv", csv.str());
  write_atomically(out / "report.json", json.str());
  write_atomically(out / "report.md", md.str());
  if (!predictive.empty()) write_atomically(out / "fit.csv", fit_table(problem, predictive));
  if (setup.scenario) write_atomically(out / "calibrated.yaml", calibrated);
  for (const auto& [name, text] : extra.files) write_atomically(out / name, text);
}

// BO's own outputs: the estimate and its Laplace sd in report.json, every
// evaluation in evaluations.csv.
MethodOutputs bo_outputs(const calibrate::Problem& problem, const calibrate::BoCalibrationResult& b, bool quiet) {
  MethodOutputs m;
  m.point = b.estimate;
  std::ostringstream json;
  json << ",\n  \"estimate\": {";
  for (std::size_t k = 0; k < problem.names.size(); ++k) {
    json << (k == 0 ? "" : ", ") << json_string(problem.names[k]) << ": " << json_number(b.estimate[k]);
  }
  json << "},\n  \"laplace_sd_work\": [";
  for (std::size_t k = 0; k < b.laplace_sd.size(); ++k) json << (k == 0 ? "" : ", ") << json_number(b.laplace_sd[k]);
  json << "],\n  \"objective\": {\"negative_log_posterior\": " << json_number(b.objective)
       << ", \"sd\": " << json_number(b.objective_sd) << "}";
  m.json = json.str();
  std::string estimate;
  for (std::size_t k = 0; k < problem.names.size(); ++k) {
    estimate += (k == 0 ? "" : ", ") + problem.names[k] + " = " + general(b.estimate[k]);
  }
  m.lines.emplace_back("Estimate (the minimiser of the GP's mean, written into calibrated.yaml)", estimate);
  m.lines.emplace_back("Negative log posterior there", general(b.objective) + " (GP sd " + general(b.objective_sd) + ")");
  std::ostringstream csv;
  for (const auto& n : problem.names) csv << csv_field(n) << ',';
  csv << "negative_log_posterior\n";
  for (std::size_t i = 0; i < b.evaluated.size(); ++i) {
    for (double x : b.evaluated[i]) csv << json_number(x) << ',';
    csv << json_number(b.values[i]) << '\n';
  }
  m.files.emplace_back("evaluations.csv", csv.str());
  if (!quiet) {
    for (std::size_t k = 0; k < problem.names.size(); ++k) {
      std::printf("%s: estimate %.6g\n", problem.names[k].c_str(), b.estimate[k]);
    }
    std::printf("negative log posterior at the estimate %.4g (GP sd %.2g)\n", b.objective, b.objective_sd);
  }
  return m;
}

}  // namespace simulacra::cli
