// Rows emitted by populations while events are handled, buffered per
// partition with the key of the event that emitted them. Merging partitions'
// buffers by that key gives the rows in the sequential scheduler's commit
// order, so datasets are byte-identical for any thread or partition count.
#pragma once

#include <cstdint>
#include <vector>

#include "simulacra/engine/table.hpp"

namespace simulacra {

/// The commit key of the event that emitted a row.
struct RowKey {
  double time = 0.0;
  std::uint32_t src = 0;
  std::uint64_t seq = 0;

  bool operator<(const RowKey& o) const {
    if (time != o.time) return time < o.time;
    if (src != o.src) return src < o.src;
    return seq < o.seq;
  }
};

struct RowBuffer {
  std::vector<TableChunk> chunks;           ///< one per table
  std::vector<std::vector<RowKey>> keys;    ///< keys[t][r]: key of row r of table t
  std::size_t rows = 0;                     ///< rows over all tables

  void reset(const std::vector<TableSchema>& tables);
  void clear();
};

/// Receives rows in final order: `rows` holds consecutive rows of `table`.
class RowConsumer {
 public:
  virtual ~RowConsumer() = default;
  virtual void consume(std::size_t table, const TableChunk& rows) = 0;
};

/// Merges the partitions' buffers table by table in key order into `out`,
/// then clears them. A buffer whose rows are not in key order (rows emitted
/// with Context::emit_ordered) is first sorted by key, stably.
void merge_rows(std::vector<RowBuffer*>& buffers, const std::vector<TableSchema>& tables,
                RowConsumer& out);

}  // namespace simulacra
