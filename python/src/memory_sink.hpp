// A TableSink that keeps a run's tables in memory, column by column, so that
// Python gets NumPy arrays over the very vectors the rows were appended to.
// String columns are dictionary-encoded as they arrive (codes + categories).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "simulacra/engine/table.hpp"
#include "simulacra/engine/table_sink.hpp"

namespace simulacra::python {

/// One column of a collected table. Exactly the member matching meta.type is
/// filled: int64 -> ints, float64 -> doubles, bool -> bools (0/1), string ->
/// codes into categories (in order of first appearance).
struct CollectedColumn {
  Column meta;
  std::vector<std::int64_t> ints;
  std::vector<double> doubles;
  std::vector<std::uint8_t> bools;
  std::vector<std::int32_t> codes;
  std::vector<std::string> categories;

  explicit CollectedColumn(Column c) : meta(std::move(c)) {}
  /// Appends a chunk's column of the same type. Throws std::invalid_argument
  /// for another type, DataError past 2^31 - 1 distinct strings.
  void append(const ColumnData& data);

 private:
  std::unordered_map<std::string, std::int32_t> index_;  // lookup only: output order is first appearance
};

struct CollectedTable {
  std::string name;
  std::string row_meaning;
  std::size_t rows = 0;
  std::vector<CollectedColumn> columns;
};

/// Everything a run handed its sinks: tables in declared order, and the
/// provenance once committed.
struct CollectedDataset {
  std::vector<CollectedTable> tables;
  Provenance provenance;
  bool committed = false;
};

/// Collects into a CollectedDataset shared with the caller, who reads it
/// after the session has finished (commit) — never while rows arrive.
class MemorySink final : public TableSink {
 public:
  explicit MemorySink(std::shared_ptr<CollectedDataset> out) : out_(std::move(out)) {}
  void open(const std::vector<TableSchema>& tables) override;
  void write(std::size_t table, const TableChunk& rows) override;
  void commit(const Provenance& provenance) override;
  void abort() noexcept override;

 private:
  std::shared_ptr<CollectedDataset> out_;
};

/// A table read back from a file, in the same shape (strings encoded);
/// numeric columns are moved out of `chunk`, not copied.
CollectedTable collect(const TableSchema& schema, TableChunk&& chunk);

}  // namespace simulacra::python
