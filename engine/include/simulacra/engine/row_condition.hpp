// outputs.where: a condition over one table's columns, evaluated column-wise
// over a whole chunk of rows at a time (no per-row dispatch), to pick the rows
// a dataset keeps before any sink formats them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "simulacra/engine/expression.hpp"
#include "simulacra/engine/table.hpp"

namespace simulacra {

/// A condition in the expression language (expression.hpp) whose names are
/// the columns of one table: int64 and bool (0/1) columns read as numbers,
/// float64 as they are (time columns in seconds, so `time >= 2h` works for
/// any time_unit), string columns only in `col == "text"` / `col != "text"`.
/// `t` is a column name here, not the simulation time.
class RowCondition {
 public:
  RowCondition() = default;

  /// Throws ExpressionError (with the 1-based column in the text) for a
  /// syntax error, an unknown column (naming the nearest one) or a string
  /// used other than in == / != with a quoted string.
  static RowCondition parse(std::string_view text, const TableSchema& schema);

  /// keep[r] = 1 where the condition holds for row r of `rows` (a chunk of
  /// the schema parse() saw), else 0. Returns how many rows hold.
  std::size_t select(const TableChunk& rows, std::vector<std::uint8_t>& keep) const;

  const std::string& text() const { return expr_.text(); }

 private:
  Expression expr_;
  std::size_t depth_ = 0;  // deepest stack the program needs
};

}  // namespace simulacra
