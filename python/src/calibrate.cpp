#include "calibrate.hpp"

#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "simulacra/engine/ensemble.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/bo_calibration.hpp"
#include "simulacra/experiments/calibrate.hpp"
#include "simulacra/experiments/npe_calibration.hpp"

namespace simulacra::python {

namespace py = pybind11;

namespace {

using calibrate::Matrix;

struct Request {
  std::vector<std::string> names, priors, target_names, models;
  std::vector<std::vector<double>> observed;  ///< per target
  std::string method;
  std::size_t budget = 0, population = 200, draws = 2000, rounds = 1, replicates = 1;
  std::uint64_t seed = 1;
};

calibrate::Problem problem_of(const Request& q, py::function simulate) {
  calibrate::Problem p;
  if (q.names.size() != q.priors.size()) throw UserError("calibrate: one prior per parameter");
  for (std::size_t k = 0; k < q.names.size(); ++k) {
    try {
      p.priors.push_back(calibrate::Prior::parse(q.priors[k]));
    } catch (const UserError& e) {
      throw UserError("calibrate: prior of '" + q.names[k] + "': " + e.what());
    }
  }
  p.names = q.names;
  if (q.target_names.size() != q.observed.size() || q.models.size() != q.observed.size())
    throw UserError("calibrate: one observed series and one model per target");
  std::size_t next = 0;
  for (std::size_t j = 0; j < q.observed.size(); ++j) {
    calibrate::Target t;
    t.name = q.target_names[j];
    t.observed = q.observed[j];
    if (t.observed.empty()) throw UserError("calibrate: target '" + t.name + "' has no observed value");
    for (double y : t.observed) {
      if (!std::isfinite(y)) throw UserError("calibrate: target '" + t.name + "' has an observed value that is not finite");
    }
    try {
      t.model = calibrate::ObservationModel::parse(q.models[j], q.names);
    } catch (const UserError& e) {
      throw UserError("calibrate: target '" + t.name + "': " + e.what());
    }
    for (std::size_t i = 0; i < t.observed.size(); ++i) t.summaries.push_back(next++);
    p.targets.push_back(std::move(t));
  }
  p.replicates = q.replicates;
  // Called from the thread that called calibrate, which holds the GIL.
  p.simulate = [simulate, width = next](const Matrix& thetas, const std::vector<std::uint64_t>& seeds) {
    Matrix rows = simulate(thetas, seeds).cast<Matrix>();
    if (rows.size() != thetas.size())
      throw UserError("calibrate: the simulator returned " + std::to_string(rows.size()) + " rows for " +
                      std::to_string(thetas.size()) + " parameter rows");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].size() != width)
        throw UserError("calibrate: the simulator's row " + std::to_string(i) + " has " + std::to_string(rows[i].size()) +
                        " summaries; the targets need " + std::to_string(width));
    }
    return rows;
  };
  return p;
}

py::dict result_dict(const calibrate::Problem& p, const calibrate::AbcResult& r, const std::string& method,
                     std::uint64_t seed) {
  py::dict d;
  d["method"] = method;
  d["names"] = p.names;
  d["particles"] = r.particles;
  d["weights"] = r.weights;
  d["distances"] = r.distances;
  d["simulations"] = r.simulations;
  d["wall_seconds"] = r.wall_seconds;
  py::list generations;
  for (const auto& g : r.generations) {
    py::dict x;
    x["tolerance"] = g.tolerance;
    x["simulations"] = g.simulations;
    x["accepted"] = g.accepted;
    x["ess"] = g.ess;
    generations.append(x);
  }
  d["generations"] = generations;
  py::list targets;
  for (std::size_t j = 0; j < p.targets.size(); ++j) {
    py::dict t;
    t["name"] = p.targets[j].name;
    t["scale"] = j < r.scales.size() ? r.scales[j] : std::nan("");
    t["contribution"] = j < r.contributions.size() ? r.contributions[j] : std::nan("");
    targets.append(t);
  }
  d["targets"] = targets;
  py::list parameters;
  for (std::size_t k = 0; k < p.names.size(); ++k) {
    std::vector<double> v;
    for (const auto& row : r.particles) v.push_back(row[k]);
    const calibrate::ParameterSummary s = calibrate::summarize_parameter(v, r.weights, p.priors[k], seed);
    py::dict x;
    x["name"] = p.names[k];
    x["median"] = s.median;
    x["q05"] = s.q05;
    x["q95"] = s.q95;
    x["mean"] = s.mean;
    x["sd"] = s.sd;
    x["width_vs_prior"] = s.width_vs_prior;
    x["identified"] = s.identified;
    parameters.append(x);
  }
  d["parameters"] = parameters;
  return d;
}

py::dict run(py::function simulate, const Request& q, bool quiet) {
  const calibrate::Problem p = problem_of(q, std::move(simulate));
  // Progress as the CLI's ProgressPrinter shows it: live on a terminal, a line every 2 s otherwise.
  std::unique_ptr<ProgressPrinter> printer;
  if (!quiet) {
    const bool terminal = ProgressPrinter::is_terminal(stderr);
    printer = std::make_unique<ProgressPrinter>(stderr, terminal, terminal ? 0.1 : 2.0, "simulations");
  }
  auto report = [&](std::size_t sims, std::string what) {
    if (printer) printer->update(sims, q.budget, std::move(what));
  };
  calibrate::AbcResult r;
  if (q.method == "abc-smc") {
    calibrate::AbcOptions o;
    o.budget = q.budget;
    o.population = q.population;
    o.seed = q.seed;
    r = calibrate::run_abc_smc(p, o, [&](const calibrate::Generation& g, std::size_t sims) {
      report(sims, "tolerance " + std::to_string(g.tolerance));
    });
  } else if (q.method == "npe") {
    calibrate::NpeCalibrationOptions o;
    o.budget = q.budget;
    o.draws = q.draws;
    o.rounds = q.rounds;
    o.seed = q.seed;
    r = calibrate::run_npe_calibration(p, o, [&](std::size_t sims) { report(sims, ""); });
  } else if (q.method == "bo") {
    calibrate::BoCalibrationOptions o;
    o.budget = q.budget;
    o.draws = q.draws;
    o.seed = q.seed;
    r = calibrate::run_bo_calibration(p, o, [&](std::size_t sims, double best) {
          report(sims, "lowest negative log posterior " + std::to_string(best));
        }).posterior;
  } else {
    throw UserError("calibrate: method '" + q.method + "': expected abc-smc, npe or bo");
  }
  if (printer) printer->finish();
  return result_dict(p, r, q.method, q.seed);
}

}  // namespace

void register_calibrate(py::module_& m) {
  m.def(
      "calibrate",
      [](py::function simulate, std::vector<std::string> names, std::vector<std::string> priors,
         std::vector<std::string> target_names, std::vector<std::vector<double>> observed,
         std::vector<std::string> models, std::string method, std::size_t budget, std::size_t population,
         std::size_t draws, std::size_t rounds, std::size_t replicates, std::uint64_t seed, bool quiet) {
        Request q{std::move(names), std::move(priors), std::move(target_names), std::move(models), std::move(observed),
                  std::move(method), budget, population, draws, rounds, replicates, seed};
        return run(std::move(simulate), q, quiet);
      },
      py::arg("simulate"), py::arg("names"), py::arg("priors"), py::arg("target_names"), py::arg("observed"),
      py::arg("models"), py::arg("method"), py::arg("budget"), py::arg("population"), py::arg("draws"),
      py::arg("rounds"), py::arg("replicates"), py::arg("seed"), py::arg("quiet"),
      "Calibrates a Python simulator: simulate(thetas, seeds) -> rows of summaries.");
}

}  // namespace simulacra::python
