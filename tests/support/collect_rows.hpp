// A row consumer for tests: keeps every row it receives, table by table, in
// arrival order, as a dataset sink would write them.
#pragma once

#include <cstddef>
#include <vector>

#include "simulacra/engine/row_buffer.hpp"
#include "simulacra/engine/table.hpp"

namespace simulacra::testing {

class CollectRows final : public RowConsumer {
 public:
  explicit CollectRows(const std::vector<TableSchema>& tables) {
    for (const auto& t : tables) all.emplace_back(t);
  }
  void consume(std::size_t table, const TableChunk& rows) override {
    ++batches;
    for (std::size_t r = 0; r < rows.rows(); ++r) all[table].append_row_from(rows, r);
  }
  std::vector<TableChunk> all;
  int batches = 0;  ///< how many hand-overs: rows stream in bounded batches
};

}  // namespace simulacra::testing
