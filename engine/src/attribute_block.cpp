// Checking and opening a population's `attributes` block; see attribute_block.hpp.
#include "simulacra/engine/attribute_block.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "scenario_text.hpp"
#include "simulacra/engine/errors.hpp"

namespace simulacra {

namespace {

bool is_text(const YAML::Node& n) { return n.IsDefined() && n.IsScalar() && !n.Scalar().empty(); }

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The block's keys in the order messages list them: model, columns, the
// population's own, where.
std::vector<std::string> keys_of(const AttributeBlockSpec& spec) {
  std::vector<std::string> keys = {"model", "columns"};
  keys.insert(keys.end(), spec.extra_keys.begin(), spec.extra_keys.end());
  keys.emplace_back("where");
  return keys;
}

// "age"; "order_size or interval"; "departure, origin or destination".
std::string alternatives(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    s += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  }
  return s;
}

// "no column 'age'"; "neither 'a' nor 'b'"; "none of 'a', 'b', 'c'".
std::string none_of(const std::vector<std::string>& names) {
  if (names.size() == 1) return "no column '" + names.front() + "'";
  if (names.size() == 2) return "neither '" + names[0] + "' nor '" + names[1] + "'";
  std::string s = "none of ";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i == 0 ? "'" : ", '") + names[i] + "'";
  return s;
}

}  // namespace

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  return scenario_detail::did_you_mean(word, candidates);
}

std::string comma_list(const std::vector<std::string>& items) { return scenario_detail::join(items); }

SourcePos attribute_block_position(const YAML::Node& node, const ParamValues::Value& value, const Issues& issues) {
  try {
    const YAML::Mark m = node.Mark();
    if (!m.is_null() && value.at.line > 0) return SourcePos{issues.file(), m.line + 1, m.column + 1};
  } catch (const YAML::Exception&) {
    // A node looked up but absent has no position: the parameter's will do.
  }
  return value.at;
}

bool check_attribute_block(const ParamValues::Value& value, const std::string& path, const AttributeBlockSpec& spec,
                           Issues& issues) {
  const YAML::Node& block = value.node;
  if (!block.IsDefined() || block.IsNull()) return false;
  const auto at = [&](const YAML::Node& n) { return attribute_block_position(n, value, issues); };
  if (!block.IsMap()) {
    issues.add(at(block), path, "expected a mapping {model: FILE, columns: [" + comma_list(spec.columns) + "]}");
    return false;
  }
  const std::vector<std::string> keys = keys_of(spec);
  for (const auto& kv : block) {
    const std::string key = kv.first.Scalar();
    if (!contains(keys, key)) {
      issues.add(at(kv.first), path + "." + key,
                 "unknown key '" + key + "'" + did_you_mean(key, keys) + "; keys: " + comma_list(keys));
    }
  }
  const YAML::Node model = block["model"];
  if (!model) {
    issues.add(at(block), path, "missing required key 'model' (the model file, relative to the scenario's folder)");
  } else if (!is_text(model)) {
    issues.add(at(model), path + ".model", "expected a file name");
  }
  if (const YAML::Node cols = block["columns"]; cols) {
    if (!cols.IsSequence()) {
      issues.add(at(cols), path + ".columns", "expected a list of column names, e.g. " + spec.columns_example);
    } else {
      std::vector<std::string> seen;
      for (std::size_t i = 0; i < cols.size(); ++i) {
        const YAML::Node c = cols[i];
        const std::string item = path + ".columns[" + std::to_string(i) + "]";
        if (!is_text(c)) {
          issues.add(at(c), item, "expected a column name");
          continue;
        }
        const std::string name = c.Scalar();
        if (!contains(spec.columns, name)) {
          issues.add(at(c), item, "unknown column '" + name + "'" + did_you_mean(name, spec.columns) + "; the " +
                                      spec.population + " population uses: " + comma_list(spec.columns));
        } else if (contains(seen, name)) {
          issues.add(at(c), item, "column '" + name + "' is named twice");
        }
        seen.push_back(name);
      }
      const bool any = spec.required_one_of.empty() ||
                       std::any_of(spec.required_one_of.begin(), spec.required_one_of.end(),
                                   [&](const std::string& r) { return contains(seen, r); });
      if (!any) issues.add(at(cols), path + ".columns", "must include " + alternatives(spec.required_one_of));
    }
  }
  if (const YAML::Node w = block["where"]; w) {
    if (!w.IsMap()) {
      issues.add(at(w), path + ".where", "expected a mapping of column to value, e.g. " + spec.where_example);
    } else {
      for (const auto& kv : w) {
        if (!kv.second.IsScalar()) {
          issues.add(at(kv.second), path + ".where." + kv.first.Scalar(), "expected one value");
        }
      }
    }
  }
  return true;
}

AttributeModel open_attribute_block(const ParamValues::Value& value, const std::string& path,
                                    const AttributeBlockSpec& spec, const BuildInfo& info) {
  const YAML::Node& block = value.node;
  AttributeModel m;
  if (!block.IsDefined() || block.IsNull()) return m;
  const std::string model = block["model"].Scalar();
  m.file = !model.empty() && model.front() == '/'
               ? model
               : (info.scenario_dir.empty() ? "." : info.scenario_dir) + "/" + model;
  if (!info.attribute_loader) {
    throw UserError(path + ": cannot read model file " + m.file +
                    ": this program was built without learned models (no attribute loader)");
  }
  if (const YAML::Node w = block["where"]; w && w.IsMap()) {
    for (const auto& kv : w) m.where.emplace_back(kv.first.Scalar(), kv.second.Scalar());
  }
  std::vector<std::string> wanted;
  if (const YAML::Node c = block["columns"]; c && c.IsSequence()) {
    for (const auto& item : c) wanted.push_back(item.Scalar());
  }
  std::unique_ptr<AttributeSampler> sampler;
  try {
    sampler = info.attribute_loader(m.file, wanted);
  } catch (const UserError& e) {
    // ModelFileError messages start with the file; others (an unknown
    // column) do not, and must still say which file.
    const std::string what = e.what();
    throw UserError(path + ": " + (what.rfind(m.file, 0) == 0 ? what : m.file + ": " + what));
  }
  const TableSchema& schema = sampler->schema();
  const bool any = spec.required_one_of.empty() ||
                   std::any_of(spec.required_one_of.begin(), spec.required_one_of.end(),
                               [&](const std::string& r) { return has_column(schema, r); });
  if (!any) {
    std::vector<std::string> names;
    for (const auto& c : schema.columns) names.push_back(c.name);
    throw UserError(path + ": " + m.file + ": the model has " + none_of(spec.required_one_of) +
                    " (columns: " + comma_list(names) + ")");
  }
  m.sampler = std::move(sampler);
  return m;
}

bool has_column(const TableSchema& schema, std::string_view name) {
  return std::any_of(schema.columns.begin(), schema.columns.end(), [&](const Column& c) { return c.name == name; });
}

std::vector<double> attribute_numbers(const TableChunk& rows, const TableSchema& schema, std::string_view column,
                                      const std::string& file) {
  const std::size_t c = schema.column_index(column);
  std::vector<double> out;
  out.reserve(rows.rows());
  const auto bad = [&](const std::string& v) {
    return DataError(file + ": column '" + std::string(column) + "' must hold numbers, found '" + v + "'");
  };
  switch (schema.columns[c].type) {
    case ColumnType::int64:
      for (auto v : std::get<std::vector<std::int64_t>>(rows.column(c))) out.push_back(static_cast<double>(v));
      break;
    case ColumnType::float64:
      for (double v : std::get<std::vector<double>>(rows.column(c))) {
        if (!std::isfinite(v)) throw bad(std::to_string(v));
        out.push_back(v);
      }
      break;
    case ColumnType::string:
      for (const auto& v : std::get<std::vector<std::string>>(rows.column(c))) {
        char* end = nullptr;
        errno = 0;
        const double x = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || errno != 0 || !std::isfinite(x)) throw bad(v);
        out.push_back(x);
      }
      break;
    case ColumnType::boolean:
      for (auto v : std::get<std::vector<std::uint8_t>>(rows.column(c))) out.push_back(v);
      break;
  }
  return out;
}

}  // namespace simulacra
