#include "memory_sink.hpp"

#include <limits>
#include <stdexcept>

#include "simulacra/engine/errors.hpp"

namespace simulacra::python {

namespace {

template <class T>
void extend(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

}  // namespace

void CollectedColumn::append(const ColumnData& data) {
  switch (meta.type) {
    case ColumnType::int64: extend(ints, std::get<std::vector<std::int64_t>>(data)); return;
    case ColumnType::float64: extend(doubles, std::get<std::vector<double>>(data)); return;
    case ColumnType::boolean: extend(bools, std::get<std::vector<std::uint8_t>>(data)); return;
    case ColumnType::string: {
      const auto& values = std::get<std::vector<std::string>>(data);
      codes.reserve(codes.size() + values.size());
      for (const auto& v : values) {
        auto it = index_.find(v);
        if (it == index_.end()) {
          if (categories.size() >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
            throw DataError("column " + meta.name + ": more than 2^31 - 1 distinct strings");
          }
          it = index_.emplace(v, static_cast<std::int32_t>(categories.size())).first;
          categories.push_back(v);
        }
        codes.push_back(it->second);
      }
      return;
    }
  }
  throw std::invalid_argument("column " + meta.name + ": unknown column type");
}

void MemorySink::open(const std::vector<TableSchema>& tables) {
  out_->tables.clear();
  for (const auto& schema : tables) {
    CollectedTable t;
    t.name = schema.name;
    t.row_meaning = schema.row_meaning;
    for (const auto& c : schema.columns) t.columns.emplace_back(c);
    out_->tables.push_back(std::move(t));
  }
}

void MemorySink::write(std::size_t table, const TableChunk& rows) {
  CollectedTable& t = out_->tables.at(table);
  if (rows.column_count() != t.columns.size()) {
    throw std::invalid_argument("table " + t.name + ": chunk has another column count");
  }
  for (std::size_t c = 0; c < t.columns.size(); ++c) t.columns[c].append(rows.column(c));
  t.rows += rows.rows();
}

void MemorySink::commit(const Provenance& provenance) {
  out_->provenance = provenance;
  out_->committed = true;
}

void MemorySink::abort() noexcept {
  out_->tables.clear();
  out_->provenance.clear();
  out_->committed = false;
}

CollectedTable collect(const TableSchema& schema, TableChunk&& chunk) {
  CollectedTable t;
  t.name = schema.name;
  t.row_meaning = schema.row_meaning;
  t.rows = chunk.rows();
  for (std::size_t c = 0; c < schema.columns.size(); ++c) {
    CollectedColumn col(schema.columns[c]);
    ColumnData& data = chunk.column(c);
    switch (col.meta.type) {
      case ColumnType::int64: col.ints = std::move(std::get<std::vector<std::int64_t>>(data)); break;
      case ColumnType::float64: col.doubles = std::move(std::get<std::vector<double>>(data)); break;
      case ColumnType::boolean: col.bools = std::move(std::get<std::vector<std::uint8_t>>(data)); break;
      case ColumnType::string: col.append(data); break;
    }
    t.columns.push_back(std::move(col));
  }
  return t;
}

}  // namespace simulacra::python
