#include "output_selection.hpp"

#include <algorithm>

#include "simulacra/engine/attribute_block.hpp"
#include "simulacra/engine/runner.hpp"

namespace simulacra {

namespace {

// Where a selection's table is missing: not emitted, or not written.
std::optional<std::string> table_problem(const std::string& table, const std::vector<std::string>& names,
                                         const std::vector<std::string>& written) {
  if (std::find(names.begin(), names.end(), table) == names.end()) {
    return "no population emits table '" + table + "'" + did_you_mean(table, names) +
           "; tables: " + (names.empty() ? std::string("none") : comma_list(names));
  }
  if (!written.empty() && std::find(written.begin(), written.end(), table) == written.end()) {
    return "table '" + table + "' is not written (outputs.tables leaves it out)";
  }
  return std::nullopt;
}

}  // namespace

OutputTables select_output_tables(const Scenario& scenario, const Simulation& sim) {
  const OutputSettings& o = scenario.outputs;
  const std::vector<std::string> names = table_names(scenario, sim);
  std::vector<Issue> issues;
  auto at_or_file = [&](const std::vector<SourcePos>& at, std::size_t i) {
    return i < at.size() ? at[i] : SourcePos{scenario.path, 0, 0};
  };
  for (std::size_t i = 0; i < o.tables.size(); ++i) {
    if (auto why = table_problem(o.tables[i], names, {})) {
      issues.push_back(Issue{at_or_file(o.tables_at, i), "outputs.tables[" + std::to_string(i) + "]", *why});
    }
  }

  OutputTables out;
  out.route.assign(names.size(), -1);
  out.columns.resize(names.size());
  out.where.resize(names.size());
  for (std::size_t t = 0; t < names.size(); ++t) {
    const TableSchema& schema = sim.tables()[t];
    for (std::size_t c = 0; c < schema.columns.size(); ++c) out.columns[t].push_back(c);
  }

  for (const ColumnSelection& sel : o.columns) {
    const std::string path = "outputs.columns." + sel.table;
    if (auto why = table_problem(sel.table, names, o.tables)) {
      issues.push_back(Issue{sel.at, path, *why});
      continue;
    }
    const std::size_t t = static_cast<std::size_t>(std::find(names.begin(), names.end(), sel.table) - names.begin());
    const TableSchema& schema = sim.tables()[t];
    std::vector<std::string> known;
    for (const auto& c : schema.columns) known.push_back(c.name);
    std::vector<std::size_t> picked;
    for (std::size_t j = 0; j < sel.columns.size(); ++j) {
      const std::string& name = sel.columns[j];
      const SourcePos at = at_or_file(sel.column_at, j);
      const std::string item = path + "[" + std::to_string(j) + "]";
      const auto it = std::find(known.begin(), known.end(), name);
      if (it == known.end()) {
        std::string hint = did_you_mean(name, known);
        issues.push_back(Issue{at, item, "= " + name + ": table " + sel.table + " has no column '" + name + "'" +
                                              (hint.empty() ? "; columns: " + comma_list(known) : hint)});
        continue;
      }
      const auto c = static_cast<std::size_t>(it - known.begin());
      if (std::find(picked.begin(), picked.end(), c) != picked.end()) {
        issues.push_back(Issue{at, item, "= " + name + ": column listed twice"});
        continue;
      }
      picked.push_back(c);
    }
    out.columns[t] = std::move(picked);
  }

  for (const RowSelection& sel : o.where) {
    const std::string path = "outputs.where." + sel.table;
    if (auto why = table_problem(sel.table, names, o.tables)) {
      issues.push_back(Issue{sel.at, path, *why});
      continue;
    }
    const std::size_t t = static_cast<std::size_t>(std::find(names.begin(), names.end(), sel.table) - names.begin());
    try {
      out.where[t] = RowCondition::parse(sel.condition, sim.tables()[t]);
    } catch (const ExpressionError& e) {
      issues.push_back(Issue{sel.condition_at, path, "\"" + sel.condition + "\": " + e.what()});
    }
  }
  if (!issues.empty()) {
    std::stable_sort(issues.begin(), issues.end(), [](const Issue& a, const Issue& b) {
      return a.at.line != b.at.line ? a.at.line < b.at.line : a.at.column < b.at.column;
    });
    throw ScenarioError(std::move(issues));
  }

  for (std::size_t t = 0; t < names.size(); ++t) {
    if (!o.tables.empty() && std::find(o.tables.begin(), o.tables.end(), names[t]) == o.tables.end()) continue;
    out.route[t] = static_cast<int>(out.tables.size());
    const TableSchema& engine = sim.tables()[t];
    TableSchema schema{names[t], engine.row_meaning, {}};
    for (std::size_t c : out.columns[t]) {
      Column col = engine.columns[c];
      if (col.type == ColumnType::float64 && col.unit == "s") col.unit = scenario.time_unit;
      schema.columns.push_back(std::move(col));
    }
    out.tables.push_back(std::move(schema));
  }
  return out;
}

void check_output_selection(const Scenario& scenario, const Simulation& sim) {
  (void)select_output_tables(scenario, sim);
}

}  // namespace simulacra
