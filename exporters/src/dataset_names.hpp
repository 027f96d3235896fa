// Checks that table and column names can become file, group and dataset names
// unchanged, so every format uses the names the populations declared.
#pragma once

#include <string_view>
#include <vector>

#include "simulacra/engine/table.hpp"

namespace simulacra {

/// Throws DataError naming `target` and the offending name if a table or
/// column name is empty, ".", "..", contains '/' or NUL, or is used twice
/// (tables within the dataset, columns within a table).
void check_dataset_names(const std::vector<TableSchema>& tables, std::string_view target);

}  // namespace simulacra
