// Real and synthetic tables as the learned generators see them: every column
// numeric or categorical, held as doubles (a categorical value is the index of
// its level), read from and written to CSV.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "simulacra/engine/errors.hpp"

namespace simulacra::learned {

enum class ColumnKind { numeric, categorical };

/// "numeric" or "categorical".
const char* to_string(ColumnKind kind);

struct DataColumn {
  std::string name;
  ColumnKind kind = ColumnKind::numeric;
  /// Numeric: the values. Categorical: the index of each row's level in `levels`.
  std::vector<double> values;
  /// Categorical only: the distinct values, in byte order (so codes do not
  /// depend on row order).
  std::vector<std::string> levels;
  /// Numeric only: every value is a whole number (samples are then rounded).
  bool integral = false;
  /// Numeric only: the most decimal places any value was written with, when
  /// every value is plain decimal text with at most kMaxDecimals places
  /// ("83799.50": 2); -1 otherwise (exponents, long fractions, or not from
  /// text). Samples are rounded to it and written with exactly that many.
  int decimals = -1;
};

/// Longer fractions count as measured, not as a precision: no rounding.
inline constexpr int kMaxDecimals = 6;

struct DataTable {
  std::vector<DataColumn> columns;
  std::size_t rows = 0;

  /// Index of column `name`. Throws DataError "unknown column 'x' (columns:
  /// a, b, c)" when absent.
  std::size_t index(const std::string& name) const;
  /// The text of one cell as CSV would show it.
  std::string cell_text(std::size_t column, std::size_t row) const;
};

/// Column types forced by the user ("age" -> categorical), overriding detection.
using TypeOverrides = std::map<std::string, ColumnKind>;

/// Reads a CSV file (RFC 4180: comma separated, optional double-quoted fields
/// with "" for a quote, LF or CRLF line ends) whose first row names the columns.
/// A column is numeric when every value parses as a finite number, else
/// categorical; `overrides` force a kind. Throws DataError naming
/// "file:line:column" (1-based, column counted in characters) for a
/// field-count mismatch, an unterminated quote, text after a closing quote, a
/// missing or non-numeric value in a numeric column; "file: ..." for a file
/// that cannot be read, an empty file, a duplicate or empty column name, a
/// table with no data rows, or an override naming an unknown column.
DataTable read_csv(const std::string& path, const TypeOverrides& overrides = {});

/// Parses CSV text as read_csv does; `source` names it in messages.
DataTable parse_csv(const std::string& text, const std::string& source,
                    const TypeOverrides& overrides = {});

/// CSV text of a table: header, then one line per row; numbers in the shortest
/// form that reads back exactly, integral columns without a fraction, and
/// columns with decimals >= 1 with exactly that many places.
std::string to_csv(const DataTable& table);

/// Writes to_csv(table) to `path` whole or not at all (write aside, rename).
/// Throws DataError naming the path if it cannot be written.
void write_csv(const DataTable& table, const std::string& path);

/// Parses "name=numeric|categorical". Throws DataError for any other text.
std::pair<std::string, ColumnKind> parse_type_override(const std::string& text);

/// The decimal places of a number's text: 2 for "-3.50", 0 for "42" and
/// "-3e2", -1 for other text with an exponent or more than kMaxDecimals places.
int decimals_of(const std::string& text);

/// Shortest decimal text that reads back as exactly `v`.
std::string format_number(double v);

}  // namespace simulacra::learned
