// Checking a scenario tree against the format (top-level keys, engine,
// populations, timeline, outputs, sweep) and the registry's declarations.
#pragma once

#include "scenario_check.hpp"
#include "scenario_tree.hpp"
#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/scenario.hpp"

namespace simulacra::scenario_detail {

/// Reads `root` into a Scenario, reporting every problem through `check`. The
/// result is meaningful only when nothing was reported. Leaves path,
/// effective_yaml and the resolution of `threads: 0` to the caller. Sets
/// *settled (if given) when nothing outside the `sweep` block was reported, so
/// that sweep values can be tried against a sound scenario. Throws
/// std::logic_error when a registered default is invalid (see read_params).
Scenario validate_scenario(const SourceNode& root, const Registry& registry, Checker& check,
                           bool* settled = nullptr);

/// Reads the `outputs` block (absent or null: defaults) into `out`, reporting
/// every problem through `check`; table names must start with one of
/// `populations`' names (scenario_outputs.cpp).
void read_outputs(const SourceNode* outputs, const std::vector<PopulationSpec>& populations, Checker& check,
                  OutputSettings& out);

/// A scenario setting read like a population parameter.
ParamSpec setting(std::string key, ParamType type, std::optional<double> min = {}, std::optional<double> max = {},
                  std::vector<std::string> choices = {});

}  // namespace simulacra::scenario_detail
