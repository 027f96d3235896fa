// Real and synthetic tables as users have them and as the learned generators
// see them: columns numeric (possibly with empty cells), categorical, id or
// datetime, held as doubles (a categorical or id value is the index of its
// text in `levels`), read from CSV with detection of the kind, written back.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "simulacra/engine/errors.hpp"

namespace simulacra::learned {

/// numeric: numbers, perhaps with empty cells. categorical: texts as levels
/// (an empty cell is a level). id: keys (unique or near-unique), never
/// modelled, sampled fresh. datetime: a date or time (datetime.hpp), held as
/// seconds since 1970. The generators themselves see numeric and categorical
/// columns only (table_metadata.hpp turns the others into those).
enum class ColumnKind { numeric, categorical, id, datetime };

/// "numeric", "categorical", "id" or "datetime".
const char* to_string(ColumnKind kind);
/// The kind named by `text`, or nothing.
std::optional<ColumnKind> kind_named(const std::string& text);

struct DataColumn {
  std::string name;
  ColumnKind kind = ColumnKind::numeric;
  /// Numeric: the values. Datetime: seconds since 1970. Both: NaN for an
  /// empty cell. Categorical and id: the index of each row's text in `levels`.
  std::vector<double> values;
  /// Categorical and id: the distinct texts, in byte order (so codes do not
  /// depend on row order).
  std::vector<std::string> levels;
  /// Numeric only: every value is a whole number (samples are then rounded).
  bool integral = false;
  /// Numeric only: the most decimal places any value was written with, when
  /// every value is plain decimal text with at most kMaxDecimals places
  /// ("83799.50": 2); -1 otherwise (exponents, long fractions, or not from
  /// text). Samples are rounded to it and written with exactly that many.
  int decimals = -1;
  /// Numeric and datetime: how many cells are empty (NaN in `values`).
  std::size_t missing = 0;
  /// Datetime: the format of its text (one of datetime_formats()).
  std::string format{};
  /// Id: "e-mail" or "phone number" when the texts look like personal data
  /// (then an id whatever their share of distinct values), else empty.
  std::string personal{};
};

/// Longer fractions count as measured, not as a precision: no rounding.
inline constexpr int kMaxDecimals = 6;
/// Fewer rows than this are never detected as an id column (three distinct
/// city names are categories, not keys).
inline constexpr std::size_t kMinIdRows = 20;

struct DataTable {
  std::vector<DataColumn> columns;
  std::size_t rows = 0;

  /// Index of column `name`. Throws DataError "unknown column 'x' (columns:
  /// a, b, c)" when absent.
  std::size_t index(const std::string& name) const;
  /// The text of one cell as CSV would show it ("" for an empty cell).
  std::string cell_text(std::size_t column, std::size_t row) const;
};

/// Column types forced by the user ("age" -> categorical), overriding detection.
using TypeOverrides = std::map<std::string, ColumnKind>;

/// Reads a CSV file (RFC 4180: comma separated, optional double-quoted fields
/// with "" for a quote, LF or CRLF line ends) whose first row names the columns.
/// Detection, in this order (an empty or blank cell counts as missing):
/// - numeric when every non-empty value parses as a finite number (empty
///   cells become NaN); but whole numbers >= 0, all distinct, on at least
///   kMinIdRows rows, named like a key ("id", "..._id", "customerId") or
///   spanning at most twice the row count, are an id;
/// - datetime when every non-empty value parses in one of datetime_formats();
/// - id with `personal` set when at least 90 % of the non-empty texts look
///   like e-mail addresses or phone numbers;
/// - id when there are no empty cells, at least kMinIdRows rows and at least
///   95 % of the texts are distinct;
/// - else categorical.
/// `overrides` force a kind. Throws DataError naming "file:line:column"
/// (1-based, column counted in characters) for a field-count mismatch, an
/// unterminated quote, text after a closing quote, a non-numeric value in a
/// numeric column, a value not in a supported format in a datetime column;
/// "file: ..." for a file that cannot be read, an empty file, a duplicate or
/// empty column name, a table with no data rows, a numeric or datetime
/// column with no value at all, or an override naming an unknown column.
/// With `allow_missing` false (tables of observed figures, where an empty
/// cell is a mistake), an empty cell in a numeric column is an error too.
DataTable read_csv(const std::string& path, const TypeOverrides& overrides = {}, bool allow_missing = true);

/// Parses CSV text as read_csv does; `source` names it in messages.
DataTable parse_csv(const std::string& text, const std::string& source,
                    const TypeOverrides& overrides = {}, bool allow_missing = true);

/// CSV text of a table: header, then one line per row; numbers in the shortest
/// form that reads back exactly, integral columns without a fraction, and
/// columns with decimals >= 1 with exactly that many places; datetimes in
/// their format; NaN as an empty cell.
std::string to_csv(const DataTable& table);

/// Writes to_csv(table) to `path` whole or not at all (write aside, rename).
/// Throws DataError naming the path if it cannot be written.
void write_csv(const DataTable& table, const std::string& path);

/// Parses "name=numeric|categorical|id|datetime". Throws DataError for any
/// other text.
std::pair<std::string, ColumnKind> parse_type_override(const std::string& text);

/// The decimal places of a number's text: 2 for "-3.50", 0 for "42" and
/// "-3e2", -1 for other text with an exponent or more than kMaxDecimals places.
int decimals_of(const std::string& text);

/// Shortest decimal text that reads back as exactly `v`.
std::string format_number(double v);

}  // namespace simulacra::learned
