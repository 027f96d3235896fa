// Which engine tables, columns and rows a run writes (outputs.tables,
// outputs.columns, outputs.where), checked against what the populations
// emit. Internal to the engine: RunSession routes rows with it, and
// check_output_selection (runner.hpp) validates with the same code.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "simulacra/engine/row_condition.hpp"
#include "simulacra/engine/scenario.hpp"
#include "simulacra/engine/simulation.hpp"

namespace simulacra {

struct OutputTables {
  std::vector<int> route;                    ///< engine table -> output table, -1: not written
  std::vector<TableSchema> tables;           ///< output tables (time columns in the scenario's unit)
  std::vector<std::vector<std::size_t>> columns;      ///< per engine table: engine columns written, in order
  std::vector<std::optional<RowCondition>> where;     ///< per engine table: rows written
};

/// The selection of `scenario` over `sim`'s tables. Throws ScenarioError
/// listing every problem at its file:line:column: a table no population
/// emits, a selection for a table outputs.tables leaves out, an unknown or
/// repeated column, a condition that does not parse over the table's columns.
OutputTables select_output_tables(const Scenario& scenario, const Simulation& sim);

}  // namespace simulacra
