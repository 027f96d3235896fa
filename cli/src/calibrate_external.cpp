// External mode of `simulacra calibrate`: a simulator command, a prior file
// (YAML: name -> prior) and one row of observed summaries.
#include <algorithm>
#include <cmath>
#include <yaml-cpp/yaml.h>

#include "calibrate_setup.hpp"
#include "run_support.hpp"
#include "simulacra/experiments/external_simulator.hpp"
#include "simulacra/learned/data_table.hpp"

namespace simulacra::cli {

namespace {

std::vector<std::string> split_names(const std::string& s) {
  std::vector<std::string> out;
  std::size_t from = 0;
  for (;;) {
    const std::size_t comma = s.find(',', from);
    out.push_back(trim(s.substr(from, comma == std::string::npos ? std::string::npos : comma - from)));
    if (comma == std::string::npos) return out;
    from = comma + 1;
  }
}

}  // namespace

CalibrationSetup external_setup(const Options& opts, const EnsembleOptions& ensemble) {
  CalibrationSetup setup;
  const std::string command = opts.get("simulator");
  if (trim(command).empty()) throw UsageError("--simulator: empty command");
  if (!opts.has("prior")) throw UsageError("simulacra calibrate --simulator: missing --prior PRIOR.yaml (name: prior per line)");
  if (!opts.get_all("fit").empty()) throw UsageError("simulacra calibrate --simulator: priors come from --prior, not --fit");
  setup.source = command;

  // Priors, in the file's order.
  const std::string prior_path = opts.get("prior");
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(prior_path);
  } catch (const YAML::BadFile&) {
    throw DataError(prior_path + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    throw DataError(prior_path + ":" + std::to_string(e.mark.line + 1) + ": not YAML: " + e.msg);
  }
  if (!doc.IsMap() || doc.size() == 0) {
    throw DataError(prior_path + ": expected one 'name: prior' line per parameter, e.g. 'beta: lognormal(-0.916, 0.5)'");
  }
  for (const auto& kv : doc) {
    const std::string where = prior_path + ":" + std::to_string(kv.first.Mark().line + 1);
    if (!kv.first.IsScalar() || !kv.second.IsScalar()) throw DataError(where + ": expected 'name: prior'");
    const std::string name = kv.first.as<std::string>();
    if (name == "seed" || name.find(',') != std::string::npos) {
      throw DataError(where + ": '" + name + "' cannot name a parameter (the input's `seed` column, or a comma)");
    }
    try {
      setup.problem.priors.push_back(calibrate::Prior::parse(kv.second.as<std::string>()));
    } catch (const UserError& e) {
      throw DataError(where + ": " + name + ": " + e.what());
    }
    setup.problem.names.push_back(name);
    setup.paths.emplace_back();
  }

  // Observed summaries: one row, every cell a number.
  const std::string obs_path = opts.get("observed");
  const learned::DataTable head = learned::read_csv(obs_path);
  learned::TypeOverrides numeric;
  for (const auto& c : head.columns) numeric[c.name] = learned::ColumnKind::numeric;
  const learned::DataTable obs = learned::read_csv(obs_path, numeric, /*allow_missing=*/false);
  if (obs.rows != 1) {
    throw DataError(obs_path + ": expected one row of observed summaries (header = the simulator's summary names), found " +
                    std::to_string(obs.rows));
  }
  std::vector<std::string> summary_names;
  for (const auto& c : obs.columns) summary_names.push_back(c.name);

  // Targets: groups of summary columns; by default each column alone.
  std::vector<std::string> texts = opts.get_all("target");
  if (texts.empty()) texts = summary_names;
  for (const auto& text : texts) {
    calibrate::Target t;
    std::string model_text = "exact";
    for (const std::string& m : target_modifiers(text)) {
      try {
        t.model = calibrate::ObservationModel::parse(m, setup.problem.names);
      } catch (const UserError& e) {
        throw UsageError("--target '" + text + "': " + e.what());
      }
      model_text = m;
    }
    const std::string body = trim(text.substr(0, text.find('|')));
    for (const std::string& name : split_names(body)) {
      const auto it = std::find(summary_names.begin(), summary_names.end(), name);
      if (it == summary_names.end()) {
        throw UsageError("--target '" + text + "': unknown summary '" + name + "' (" + obs_path + " has " +
                         [&] {
                           std::string s;
                           for (const auto& n : summary_names) s += (s.empty() ? "" : ", ") + n;
                           return s;
                         }() + ")");
      }
      const auto k = static_cast<std::size_t>(it - summary_names.begin());
      t.summaries.push_back(k);
      t.observed.push_back(obs.columns[k].values[0]);
    }
    t.name = body;
    setup.problem.targets.push_back(std::move(t));
    setup.target_models.push_back(model_text);
  }

  calibrate::ExternalSimulatorOptions ext;
  ext.command = command;
  ext.parameter_names = setup.problem.names;
  ext.summary_names = summary_names;
  ext.ensemble = ensemble;
  ext.max_rows_per_call = opts.get_u64("rows-per-call");
  setup.problem.simulate = calibrate::external_simulator(std::move(ext));
  return setup;
}

}  // namespace simulacra::cli
