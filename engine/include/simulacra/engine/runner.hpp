// Running a validated scenario: expanding it into runs (sweep points x
// replicates, each with its own seed), building each simulation from the
// registry, and streaming its rows into sinks with provenance. Knows no
// domain and no file format: sinks come from the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/scenario.hpp"
#include "simulacra/engine/simulation.hpp"
#include "simulacra/engine/table_sink.hpp"

namespace simulacra {

/// One run: a sweep point and a replicate of it.
struct RunPlan {
  std::size_t index = 0;       ///< position in the plan
  std::size_t point = 0;       ///< sweep point (0 without a sweep)
  unsigned replicate = 0;
  std::uint64_t seed = 0;      ///< derive_seed(scenario seed, replicate)
  std::vector<Override> point_overrides;  ///< this point's sweep values
  std::string label;           ///< file stem: name, name_r01, name_p002_r01
};

/// Every run of the scenario, sweep points in row-major order of the sweep's
/// axes (first axis slowest), replicates innermost. Replicate r of every point
/// uses the same seed (common random numbers across the sweep).
std::vector<RunPlan> plan_runs(const Scenario& scenario);

/// The scenario as it runs at a plan's sweep point (point overrides applied
/// after the command line's). Throws ScenarioError.
Scenario scenario_for(const Scenario& base, const std::vector<Override>& cli_overrides,
                      const RunPlan& plan, const Registry& registry);

/// A simulation built from a scenario: populations from the registry,
/// lookahead from the scenario or the populations' hints. Throws UserError
/// (ConfigError, ScenarioError, or a population's own error).
Simulation build_simulation(const Scenario& scenario, const Registry& registry, std::uint64_t seed,
                            unsigned threads);

/// Qualified output table names of a built simulation: "<population>.<table>".
std::vector<std::string> table_names(const Scenario& scenario, const Simulation& sim);

/// Throws ScenarioError if outputs.tables names a table no population emits.
void check_output_tables(const Scenario& scenario, const std::vector<std::string>& names);

/// Checks outputs.tables, outputs.columns and outputs.where against the
/// tables `sim`'s populations emit, as a run will use them. Throws
/// ScenarioError listing every problem at its file:line:column (unknown
/// table or column with the nearest name, a selection of a table that
/// outputs.tables leaves out, a column listed twice, a condition that does
/// not parse over the table's columns).
void check_output_selection(const Scenario& scenario, const Simulation& sim);

struct RunResult {
  std::uint64_t trace_hash = 0;
  std::uint64_t committed_events = 0;
  std::vector<std::pair<std::string, std::uint64_t>> rows;  ///< per written table
  /// Per written table (as `rows`): rows its outputs.where dropped.
  std::vector<std::uint64_t> rows_dropped;
  double wall_seconds = 0.0;
};

/// Runs one plan to the scenario's duration, streaming selected tables (time
/// columns converted to the scenario's time_unit) into every sink, then
/// commits each sink with `base` provenance plus the run's own. On any error
/// every sink is aborted (nothing appears) and the error is rethrown.
RunResult run_plan(const Scenario& scenario, const Registry& registry, const RunPlan& plan,
                   unsigned threads, std::vector<std::unique_ptr<TableSink>>& sinks,
                   const Provenance& base);

}  // namespace simulacra
