// Reading datasets written by Hdf5Sink: a summary of what a file holds (for
// `simulacra inspect`), and whole tables back as TableChunks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulacra/engine/table.hpp"
#include "simulacra/engine/table_sink.hpp"

namespace simulacra {

struct DatasetSummary {
  struct ColumnSummary {
    std::string name;
    std::string type;  ///< "int64", "float64", "string" or "bool"
    std::string unit;  ///< empty when dimensionless
    std::string doc;
  };
  struct TableSummary {
    std::string name;
    std::string row_meaning;
    std::int64_t rows = 0;
    std::vector<ColumnSummary> columns;  ///< in declared order
  };

  std::vector<TableSummary> tables;  ///< in declared order
  Provenance provenance;
};

/// What the HDF5 dataset at `path` holds. Throws DataError naming the path if
/// the file cannot be opened, is not HDF5, or is not a Simulacra dataset
/// (every top-level object a group with `row_meaning` and `rows` attributes,
/// holding 1-D datasets of int64, float64, bool or string, `rows` long).
DatasetSummary inspect_hdf5(const std::string& path);

/// A readable listing: each table with its row count and meaning, its
/// columns with type, unit and doc, then the provenance; values that are long
/// or span lines (the scenario text) are shown in full on indented lines.
std::string format_summary(const DatasetSummary& summary);

/// Reads the table `schema.name` of the HDF5 dataset at `path` in full, as one
/// chunk with `schema`'s columns (other columns in the file are ignored).
/// Throws DataError naming the path if the file cannot be read, or the table
/// or a column is missing, has another type, or the columns differ in length.
TableChunk read_table_hdf5(const std::string& path, const TableSchema& schema);

}  // namespace simulacra
