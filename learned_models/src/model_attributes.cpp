// Generator rows converted to the engine's typed table chunks.
#include "simulacra/learned/model_attributes.hpp"

#include <algorithm>
#include <cmath>

namespace simulacra::learned {

ModelAttributeSampler::ModelAttributeSampler(std::shared_ptr<const Generator> generator,
                                             const std::vector<std::string>& columns)
    : generator_(std::move(generator)) {
  // The user's columns (sample() returns them), not the model's.
  const auto& cols = generator_->metadata().columns();
  DataTable names;
  for (const auto& c : cols) names.columns.push_back({c.name, c.kind, {}, {}, false});
  if (columns.empty()) {
    for (std::size_t i = 0; i < cols.size(); ++i) picked_.push_back(i);
  } else {
    for (const auto& name : columns) {
      const std::size_t i = names.index(name);
      if (std::find(picked_.begin(), picked_.end(), i) != picked_.end())
        throw DataError("column '" + name + "' is named twice");
      picked_.push_back(i);
    }
  }
  schema_.name = "attributes";
  schema_.row_meaning = "one agent's attributes";
  for (std::size_t i : picked_) {
    Column c;
    c.name = cols[i].name;
    // Ids and datetimes as their text; a number with empty cells as a
    // float64 (NaN where empty), since int64 has no empty value.
    const bool whole = cols[i].kind == ColumnKind::numeric && cols[i].indicator < 0 &&
                       generator_->constraint(static_cast<std::size_t>(cols[i].model)).integer;
    c.type = cols[i].kind != ColumnKind::numeric ? ColumnType::string
             : whole                               ? ColumnType::int64
                                                   : ColumnType::float64;
    schema_.columns.push_back(c);
  }
}

TableChunk ModelAttributeSampler::sample(std::size_t n, RandomStream& rng) const {
  return sample_where(n, {}, rng);
}

TableChunk ModelAttributeSampler::sample_where(std::size_t n,
                                               const std::vector<std::pair<std::string, std::string>>& fixed,
                                               RandomStream& rng) const {
  std::vector<Condition> where;
  for (const auto& [column, value] : fixed) where.push_back({column, value});
  const DataTable t = generator_->sample(n, rng, where);
  TableChunk chunk(schema_);
  chunk.reserve(n);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t k = 0; k < picked_.size(); ++k) {
      const DataColumn& col = t.columns[picked_[k]];
      switch (schema_.columns[k].type) {
        case ColumnType::string: chunk.append(k, std::string_view(t.cell_text(picked_[k], r))); break;
        case ColumnType::int64: chunk.append(k, static_cast<std::int64_t>(std::llround(col.values[r]))); break;
        default: chunk.append(k, col.values[r]); break;
      }
    }
    chunk.end_row();
  }
  return chunk;
}

AttributeLoader model_attribute_loader() {
  return [](const std::string& path, const std::vector<std::string>& columns) -> std::unique_ptr<AttributeSampler> {
    std::shared_ptr<const Generator> g = load_generator(path);
    return std::make_unique<ModelAttributeSampler>(g, columns);
  };
}

}  // namespace simulacra::learned
