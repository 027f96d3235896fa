// Reading a scenario's `outputs` block: formats, table, column and row
// selection, chunk size and compression (docs/scenarios.md, docs/datasets.md).
#include <algorithm>

#include "scenario_params.hpp"
#include "scenario_text.hpp"
#include "scenario_validate.hpp"

namespace simulacra::scenario_detail {
namespace {

const std::vector<std::string> kOutputKeys = {"formats", "tables", "columns", "where", "chunk_rows", "compression"};
const std::vector<std::string> kFormats = {"hdf5", "csv"};
const std::vector<std::string> kCompressions = {"none", "fast", "small"};

class OutputsReader {
 public:
  OutputsReader(const std::vector<PopulationSpec>& populations, Checker& check, OutputSettings& out)
      : populations_(populations), check_(check), out_(out) {}

  void run(const SourceNode* o) {
    if (o == nullptr || o->is_null()) return;
    if (!o->is_map()) {
      check_.expected(*o, "outputs", "a mapping (formats, tables, columns, where, chunk_rows, compression)");
      return;
    }
    check_.check_keys(*o, "outputs", kOutputKeys);
    OutputSettings& s = out_;
    if (const SourceNode* f = o->find("formats")) {
      const std::string what = "a non-empty list of formats (" + join(kFormats) + ")";
      if (!f->is_sequence()) {
        check_.expected(*f, "outputs.formats", what);
      } else if (f->items.empty()) {
        check_.add(*f, "outputs.formats", "expected " + what + ", got an empty sequence");
      } else {
        s.hdf5 = false;
        s.csv = false;
        const ParamSpec format = setting("format", ParamType::choice, {}, {}, kFormats);
        for (std::size_t i = 0; i < f->items.size(); ++i) {
          if (auto v = read_param(format, f->items[i], index_path("outputs.formats", i), check_)) {
            (v->text == "hdf5" ? s.hdf5 : s.csv) = true;
          }
        }
      }
    }
    if (const SourceNode* t = o->find("tables")) read_tables(*t);
    if (const SourceNode* c = o->find("columns")) read_columns(*c);
    if (const SourceNode* w = o->find("where")) read_where(*w);
    if (auto v = read(o->find("chunk_rows"), "outputs.chunk_rows",
                      setting("chunk_rows", ParamType::integer, 1.0))) {
      s.chunk_rows = static_cast<std::size_t>(v->integer);
    }
    if (auto v = read(o->find("compression"), "outputs.compression",
                      setting("compression", ParamType::choice, {}, {}, kCompressions))) {
      s.compression = output_compression_from(v->text).value_or(OutputCompression::fast);
      s.compression_given = true;
    }
  }

  // "<population>.<table>" naming one of the scenario's populations; the
  // table itself is checked against what the populations emit once they are
  // built (check_output_selection in runner.hpp).
  bool table_name(const SourceNode& item, const std::string& path) {
    const std::size_t dot = item.is_scalar() ? item.scalar.find('.') : std::string::npos;
    if (dot == std::string::npos || dot == 0 || dot + 1 == item.scalar.size()) {
      check_.expected(item, path, "a table name <population>.<table>, such as town.infections");
      return false;
    }
    std::vector<std::string> names;
    for (const PopulationSpec& p : populations_) names.push_back(p.name);
    const std::string pop = item.scalar.substr(0, dot);
    if (std::find(names.begin(), names.end(), pop) == names.end()) {
      check_.add(item, path, "= " + item.scalar + ": no population named '" + pop + "'" + did_you_mean(pop, names));
      return false;
    }
    return true;
  }

  void read_columns(const SourceNode& c) {
    if (c.is_null()) return;
    if (!c.is_map()) {
      check_.expected(c, "outputs.columns", "a mapping of table names to lists of columns, such as {grid.trajectories: [time, vehicle, x]}");
      return;
    }
    for (std::size_t i = 0; i < c.keys.size(); ++i) {
      const SourceNode& key = c.keys[i];
      const SourceNode& list = c.items[i];
      if (!table_name(key, "outputs.columns")) continue;
      const std::string path = child_path("outputs.columns", key.scalar);
      if (!list.is_sequence() || list.items.empty()) {
        check_.expected(list, path, "a non-empty list of column names");
        continue;
      }
      ColumnSelection sel{key.scalar, {}, check_.at(key), {}};
      for (std::size_t j = 0; j < list.items.size(); ++j) {
        const SourceNode& col = list.items[j];
        if (!col.is_scalar() || col.scalar.empty()) {
          check_.expected(col, index_path(path, j), "a column name");
          continue;
        }
        sel.columns.push_back(col.scalar);
        sel.column_at.push_back(check_.at(col));
      }
      out_.columns.push_back(std::move(sel));
    }
  }

  void read_where(const SourceNode& w) {
    if (w.is_null()) return;
    if (!w.is_map()) {
      check_.expected(w, "outputs.where", "a mapping of table names to conditions, such as {grid.events: 'event != \"signal\"'}");
      return;
    }
    for (std::size_t i = 0; i < w.keys.size(); ++i) {
      const SourceNode& key = w.keys[i];
      const SourceNode& cond = w.items[i];
      if (!table_name(key, "outputs.where")) continue;
      const std::string path = child_path("outputs.where", key.scalar);
      if (!cond.is_scalar() || cond.scalar.empty()) {
        check_.expected(cond, path, "a condition over the table's columns, such as \"link == 12\"");
        continue;
      }
      out_.where.push_back(RowSelection{key.scalar, cond.scalar, check_.at(key), check_.at(cond)});
    }
  }

  void read_tables(const SourceNode& t) {
    if (t.is_null()) return;
    if (!t.is_sequence()) {
      check_.expected(t, "outputs.tables", "a list of table names such as town.infections");
      return;
    }
    for (std::size_t i = 0; i < t.items.size(); ++i) {
      const SourceNode& item = t.items[i];
      if (!table_name(item, index_path("outputs.tables", i))) continue;
      out_.tables.push_back(item.scalar);
      out_.tables_at.push_back(check_.at(item));
    }
  }

  std::optional<ParamValues::Value> read(const SourceNode* n, const std::string& path, const ParamSpec& spec) {
    if (n == nullptr) return std::nullopt;
    return read_param(spec, *n, path, check_);
  }

  const std::vector<PopulationSpec>& populations_;
  Checker& check_;
  OutputSettings& out_;
};

}  // namespace

void read_outputs(const SourceNode* outputs, const std::vector<PopulationSpec>& populations, Checker& check,
                  OutputSettings& out) {
  OutputsReader(populations, check, out).run(outputs);
}

}  // namespace simulacra::scenario_detail
