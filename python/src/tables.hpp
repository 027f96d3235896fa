// Collected tables handed to Python: each column a NumPy array that owns the
// C++ vector it views (moved, not copied), plus the schema's metadata.
#pragma once

#include <pybind11/pybind11.h>

#include "memory_sink.hpp"

namespace simulacra::python {

/// {"tables": [{"name", "row_meaning", "rows", "columns": [{"name", "type",
/// "unit", "doc", "values", "categories"}]}], "provenance": {...}}. `values`
/// is an int64, float64 or bool array, or for strings int32 codes into the
/// list `categories` (None for other types). Empties `data`.
pybind11::dict to_python(CollectedDataset&& data);

}  // namespace simulacra::python
