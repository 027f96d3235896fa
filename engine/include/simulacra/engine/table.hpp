// Tables: what a population declares it will emit (a schema), and the columnar
// chunks of rows the engine hands to sinks. Exporters know these types and
// nothing of agents.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace simulacra {

enum class ColumnType { int64, float64, string, boolean };

/// "int64", "float64", "string", "bool".
std::string_view to_string(ColumnType t);

struct Column {
  std::string name;
  ColumnType type = ColumnType::float64;
  std::string unit;  ///< e.g. "s", "m", "m/s"; empty when dimensionless
  std::string doc;   ///< one line: what the value means
  /// String columns only, optional: every value the column can hold (a
  /// categorical column: "buy", "sell"). HDF5 then stores it as fixed-length
  /// strings as wide as the longest level, compressed with the numeric
  /// columns; a value wider than that is refused, never cut.
  std::vector<std::string> levels{};
};

struct TableSchema {
  std::string name;         ///< unique within a dataset, e.g. "town.infections"
  std::string row_meaning;  ///< one line: "one infection event"
  std::vector<Column> columns;

  /// Index of a column by name. Throws std::out_of_range if absent.
  std::size_t column_index(std::string_view column) const;
};

/// One column's values; the alternative matches the column's ColumnType
/// (bool is stored as uint8_t: std::vector<bool> has no data()).
using ColumnData = std::variant<std::vector<std::int64_t>, std::vector<double>,
                                std::vector<std::string>, std::vector<std::uint8_t>>;

/// A batch of rows of one table, stored by column.
class TableChunk {
 public:
  TableChunk() = default;
  explicit TableChunk(const TableSchema& schema);

  std::size_t rows() const { return rows_; }
  std::size_t column_count() const { return columns_.size(); }
  const ColumnData& column(std::size_t i) const { return columns_[i]; }
  ColumnData& column(std::size_t i) { return columns_[i]; }

  void append(std::size_t col, std::int64_t v) { std::get<0>(columns_[col]).push_back(v); }
  void append(std::size_t col, double v) { std::get<1>(columns_[col]).push_back(v); }
  void append(std::size_t col, std::string_view v) { std::get<2>(columns_[col]).emplace_back(v); }
  void append(std::size_t col, bool v) { std::get<3>(columns_[col]).push_back(v ? 1 : 0); }

  /// Marks one more row complete; every column must then hold rows() values.
  void end_row() { ++rows_; }
  /// Marks `n` more rows complete, after appending them column by column.
  void end_rows(std::size_t n) { rows_ += n; }

  /// Appends row `row` of `other` (same schema).
  void append_row_from(const TableChunk& other, std::size_t row);
  /// Appends rows [from, to) of `other` (same schema), column by column.
  void append_rows_from(const TableChunk& other, std::size_t from, std::size_t to);

  void clear();
  void reserve(std::size_t rows);

  /// True if every column holds exactly rows() values of its declared type.
  bool consistent_with(const TableSchema& schema) const;

 private:
  std::vector<ColumnData> columns_;
  std::size_t rows_ = 0;
};

}  // namespace simulacra
