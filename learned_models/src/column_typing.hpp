// Internal to read_csv: one column's kind detected (or forced) from its cells'
// text, with file:line:column messages for text a forced kind cannot hold.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "simulacra/learned/data_table.hpp"

namespace simulacra::learned::detail {

/// One field of a CSV file and where it starts.
struct Field {
  std::string text;
  std::size_t line = 0;
  std::size_t column = 0;
};

/// "source:line:column: ".
std::string where(const std::string& source, std::size_t line, std::size_t column);

/// A finite number, with blanks around it allowed and a leading '+'.
bool parse_double(const std::string& s, double& out);

/// Only blanks (or nothing): a missing value.
bool blank(const std::string& s);

/// Fills `col` (whose name is set) from its cells, detecting the kind unless
/// `forced`. Throws DataError as read_csv documents (and for an empty cell
/// in a numeric column unless `allow_missing`).
void type_column(DataColumn& col, const std::vector<const Field*>& cells, std::optional<ColumnKind> forced,
                 const std::string& source, bool allow_missing);

/// "e-mail" or "phone number" when at least 90 % of the non-blank texts look
/// like one; else "".
std::string personal_data_kind(const std::vector<const Field*>& cells);

}  // namespace simulacra::learned::detail
