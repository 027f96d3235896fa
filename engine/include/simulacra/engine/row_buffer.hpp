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

/// Merges partitions' buffers table by table in key order into a consumer,
/// then clears them. A buffer whose rows are not in key order (rows emitted
/// with Context::emit_ordered) is read through a stable sort of its keys.
/// Each column is copied once, in one typed loop, into a chunk the merger
/// keeps between windows, so merging allocates nothing once warm.
class RowMerger {
 public:
  void merge(std::vector<RowBuffer*>& buffers, const std::vector<TableSchema>& tables, RowConsumer& out);

 private:
  struct Source {
    RowBuffer* buffer = nullptr;
    const std::uint32_t* perm = nullptr;  ///< row order when not sorted, else null
    std::size_t rows = 0;
  };
  /// The row of source `s` at position `i` of its key order.
  static std::uint32_t row_at(const Source& s, std::size_t i) {
    return s.perm != nullptr ? s.perm[i] : static_cast<std::uint32_t>(i);
  }
  void order_rows(std::size_t t);
  void gather(std::size_t t, const TableSchema& schema, RowConsumer& out);

  std::vector<Source> sources_;
  std::vector<std::vector<std::uint32_t>> perms_;                 ///< per source
  std::vector<std::pair<std::uint32_t, std::uint32_t>> order_;    ///< (source, row)
  std::vector<std::pair<RowKey, std::uint32_t>> heap_;            ///< k-way merge heads
  std::vector<TableChunk> merged_;                                ///< per table, reused
};

/// One-off merge with a temporary RowMerger (tests, rare callers).
void merge_rows(std::vector<RowBuffer*>& buffers, const std::vector<TableSchema>& tables,
                RowConsumer& out);

}  // namespace simulacra
