#include "simulacra/engine/table.hpp"

namespace simulacra {

std::string_view to_string(ColumnType t) {
  switch (t) {
    case ColumnType::int64: return "int64";
    case ColumnType::float64: return "float64";
    case ColumnType::string: return "string";
    case ColumnType::boolean: return "bool";
  }
  return "?";
}

std::size_t TableSchema::column_index(std::string_view column) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column) return i;
  }
  throw std::out_of_range("table " + name + " has no column '" + std::string(column) + "'");
}

TableChunk::TableChunk(const TableSchema& schema) {
  columns_.reserve(schema.columns.size());
  for (const auto& c : schema.columns) {
    switch (c.type) {
      case ColumnType::int64: columns_.emplace_back(std::vector<std::int64_t>{}); break;
      case ColumnType::float64: columns_.emplace_back(std::vector<double>{}); break;
      case ColumnType::string: columns_.emplace_back(std::vector<std::string>{}); break;
      case ColumnType::boolean: columns_.emplace_back(std::vector<std::uint8_t>{}); break;
    }
  }
}

void TableChunk::append_row_from(const TableChunk& other, std::size_t row) {
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    std::visit(
        [&](auto& dst) {
          using V = std::decay_t<decltype(dst)>;
          dst.push_back(std::get<V>(other.columns_[c])[row]);
        },
        columns_[c]);
  }
  ++rows_;
}

void TableChunk::append_rows_from(const TableChunk& other, std::size_t from, std::size_t to) {
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    std::visit(
        [&](auto& dst) {
          const auto& src = std::get<std::decay_t<decltype(dst)>>(other.columns_[c]);
          dst.insert(dst.end(), src.begin() + static_cast<std::ptrdiff_t>(from), src.begin() + static_cast<std::ptrdiff_t>(to));
        },
        columns_[c]);
  }
  rows_ += to - from;
}

void TableChunk::clear() {
  for (auto& c : columns_) std::visit([](auto& v) { v.clear(); }, c);
  rows_ = 0;
}

void TableChunk::reserve(std::size_t rows) {
  for (auto& c : columns_) std::visit([&](auto& v) { v.reserve(rows); }, c);
}

bool TableChunk::consistent_with(const TableSchema& schema) const {
  if (columns_.size() != schema.columns.size()) return false;
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    if (columns_[c].index() != static_cast<std::size_t>(schema.columns[c].type)) return false;
    const std::size_t n = std::visit([](const auto& v) { return v.size(); }, columns_[c]);
    if (n != rows_) return false;
  }
  return true;
}

}  // namespace simulacra

#include "simulacra/engine/table_sink.hpp"

namespace simulacra {

void TableSink::snapshot(const std::string& /*dir*/) {
  throw DataError("this dataset format cannot be checkpointed");
}

void TableSink::restore(const std::vector<TableSchema>& /*tables*/, const std::string& /*dir*/) {
  throw DataError("this dataset format cannot be resumed from a checkpoint");
}

}  // namespace simulacra
