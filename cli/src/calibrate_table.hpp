// Table targets of `simulacra calibrate`: "TABLE ~ table(real.csv)" compares
// a dataset table of every simulation with a real table through the learned
// models' fidelity metrics — per real column, the Kolmogorov-Smirnov distance
// (numeric) or the total-variation distance (categorical) between the
// simulated and the real values. Each column's distance is one summary and
// its observed value is 0, so the methods look for parameters under which
// the simulated table is distributed like the real one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "simulacra/engine/random.hpp"
#include "simulacra/engine/table_sink.hpp"
#include "simulacra/learned/data_table.hpp"

namespace simulacra::cli {

struct TableTarget {
  std::string table;  ///< the dataset table, e.g. "town.infections"
  std::string path;   ///< the real table's CSV
  learned::DataTable real;
};

/// "TABLE ~ table(PATH)" (modifiers after '|' are refused): the target with
/// its real table read; nothing if the right side is not table(...). Throws
/// UsageError or DataError naming the value.
std::optional<TableTarget> parse_table_target(const std::string& text);

/// Keeps up to `max_rows` rows of one table, a uniform sample (reservoir
/// sampling seeded by `seed`, so the same rows give the same sample).
class TableSample {
 public:
  TableSample(std::string table, std::size_t max_rows, std::uint64_t seed);
  /// Finds the table; throws UsageError naming the tables if it is absent.
  void open(const std::vector<TableSchema>& tables);
  void write(std::size_t table, const TableChunk& rows);

  const TableSchema& schema() const { return schema_; }
  std::size_t rows_seen() const { return seen_; }
  /// The kept rows' values of column `c` as text (numbers exact).
  std::vector<std::string> text(std::size_t c) const;
  /// The kept rows' values of column `c` as numbers (booleans 0/1); throws
  /// DataError for a string column.
  std::vector<double> numbers(std::size_t c) const;

 private:
  std::string name_;
  std::size_t max_rows_;
  std::uint64_t seed_;
  TableSchema schema_;
  std::optional<std::size_t> index_;
  std::size_t seen_ = 0;
  TableChunk kept_;
  RandomStream rng_;
};

/// The sink a run session writes into a TableSample (which outlives it).
std::unique_ptr<TableSink> sample_sink(std::shared_ptr<TableSample> sample);

/// Checks the real table's columns against the dataset table's schema:
/// each must exist, numeric against a numeric or boolean column. Throws
/// UsageError naming the column and the table's columns.
void check_table_target(const TableTarget& target, const TableSchema& schema);

/// Per real column, the distance between the captured rows and the real
/// ones (KS or TV, in [0, 1]); 1 for every column when no row was captured.
std::vector<double> table_distances(const TableTarget& target, const TableSample& captured);

}  // namespace simulacra::cli
