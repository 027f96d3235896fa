// Checking and opening the epidemic population's `attributes` block.
#include "attributes_block.hpp"

#include <algorithm>
#include <cstddef>
#include <string_view>

#include "simulacra/engine/errors.hpp"

namespace simulacra::epidemic::detail {

namespace {

const std::vector<std::string> kKeys = {"model", "columns", "where"};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0u : 1u)});
    }
    std::swap(prev, row);
  }
  return prev[b.size()];
}

// " (did you mean 'x'?)" when a candidate is about one edit per three letters away.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = 0;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    const std::size_t limit = std::max<std::size_t>(1, std::min<std::size_t>(3, c.size() / 3));
    if (d > limit || d >= c.size() || (!best.empty() && d >= best_d)) continue;
    best = c;
    best_d = d;
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// The node's own position when it came from the file, else the parameter's.
SourcePos where_is(const YAML::Node& n, const SourcePos& fallback, const std::string& file) {
  try {
    const YAML::Mark m = n.Mark();
    if (!m.is_null() && fallback.line > 0) return SourcePos{file, m.line + 1, m.column + 1};
  } catch (const YAML::Exception&) {
  }
  return fallback;
}

bool is_text(const YAML::Node& n) { return n.IsDefined() && n.IsScalar() && !n.Scalar().empty(); }

std::vector<std::string> columns_of(const YAML::Node& block) {
  std::vector<std::string> out;
  if (const YAML::Node c = block["columns"]; c && c.IsSequence()) {
    for (const auto& item : c) out.push_back(item.Scalar());
  }
  return out;
}

}  // namespace

void check_attributes(const ParamValues::Value& value, const std::string& path, Issues& issues) {
  const YAML::Node& block = value.node;
  if (!block.IsDefined() || block.IsNull()) return;
  const auto at = [&](const YAML::Node& n) { return where_is(n, value.at, issues.file()); };
  if (!block.IsMap()) {
    issues.add(at(block), path, "expected a mapping {model: FILE, columns: [age, household_size]}");
    return;
  }
  for (const auto& kv : block) {
    const std::string key = kv.first.Scalar();
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      issues.add(at(kv.first), path + "." + key,
                 "unknown key '" + key + "'" + did_you_mean(key, kKeys) + "; keys: " + join(kKeys));
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
      issues.add(at(cols), path + ".columns", "expected a list of column names, e.g. [age, household_size]");
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
        if (std::find(kAttributeColumns.begin(), kAttributeColumns.end(), name) == kAttributeColumns.end()) {
          issues.add(at(c), item, "unknown column '" + name + "'" + did_you_mean(name, kAttributeColumns) +
                                      "; the epidemic population uses: " + join(kAttributeColumns));
        } else if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
          issues.add(at(c), item, "column '" + name + "' is named twice");
        }
        seen.push_back(name);
      }
      if (std::find(seen.begin(), seen.end(), "age") == seen.end()) {
        issues.add(at(cols), path + ".columns", "must include age");
      }
    }
  }
  if (const YAML::Node w = block["where"]; w) {
    if (!w.IsMap()) {
      issues.add(at(w), path + ".where", "expected a mapping of column to value, e.g. {region: north}");
    } else {
      for (const auto& kv : w) {
        if (!kv.second.IsScalar()) {
          issues.add(at(kv.second), path + ".where." + kv.first.Scalar(), "expected one value");
        }
      }
    }
  }
}

PersonModel open_person_model(const ParamValues::Value& value, const std::string& path, const BuildInfo& info) {
  const YAML::Node& block = value.node;
  PersonModel m;
  if (!block.IsDefined() || block.IsNull()) return m;
  const std::string model = block["model"].Scalar();
  m.file = !model.empty() && model.front() == '/' ? model : (info.scenario_dir.empty() ? "." : info.scenario_dir) + "/" + model;
  if (!info.attribute_loader) {
    throw UserError(path + ": cannot read model file " + m.file +
                    ": this program was built without learned models (no attribute loader)");
  }
  if (const YAML::Node w = block["where"]; w && w.IsMap()) {
    for (const auto& kv : w) m.where.emplace_back(kv.first.Scalar(), kv.second.Scalar());
  }
  const std::vector<std::string> wanted = columns_of(block);
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
  const auto has = [&](const std::string& c) {
    return std::any_of(schema.columns.begin(), schema.columns.end(), [&](const Column& x) { return x.name == c; });
  };
  if (!has("age")) {
    std::vector<std::string> names;
    for (const auto& c : schema.columns) names.push_back(c.name);
    throw UserError(path + ": " + m.file + ": the model has no column 'age' (columns: " + join(names) + ")");
  }
  m.sampler = std::move(sampler);
  return m;
}

}  // namespace simulacra::epidemic::detail
