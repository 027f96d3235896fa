// The interface between a run and a dataset writer. A sink receives the tables'
// schemas once, then chunks of rows in their final order, then the run's
// provenance; only `commit` makes the dataset appear under its final name.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/table.hpp"

namespace simulacra {

/// Key–value record of how a dataset was made: effective scenario text, seed,
/// replicate and sweep point, software version and commit, threads, trace
/// hash, wall-clock start and end. Ordered so output never depends on hashing.
using Provenance = std::map<std::string, std::string>;

/// Provenance keys whose values change from run to run by nature (wall-clock
/// times); tests comparing datasets byte for byte ignore exactly these.
inline const char* const kWallTimeKeys[] = {"wall_start", "wall_end", "wall_seconds"};

class TableSink {
 public:
  virtual ~TableSink() = default;

  /// Called once, before any rows. Throws DataError if the target cannot be
  /// created (the message names the path and the system's reason).
  virtual void open(const std::vector<TableSchema>& tables) = 0;

  /// Appends rows to table `table` (an index into open()'s vector). Rows arrive
  /// in their final order; a sink may write them at once or buffer a bounded
  /// amount. Throws DataError on a write failure.
  virtual void write(std::size_t table, const TableChunk& rows) = 0;

  /// Writes the provenance, flushes and closes, and moves the dataset to its
  /// final name. Throws DataError on failure (and leaves nothing behind).
  virtual void commit(const Provenance& provenance) = 0;

  /// For checkpoints: makes every row written so far durable and copies the
  /// partial dataset into the (existing, empty) directory `dir`, so that a
  /// later restore() from it continues exactly from here, even after this
  /// process was killed. The sink stays open and keeps writing. Throws
  /// DataError on failure; the default throws it for a sink without
  /// checkpoints.
  virtual void snapshot(const std::string& dir);

  /// Instead of open(): continues the dataset saved by snapshot() into `dir`
  /// (same tables); later rows append to it and commit() gives the same
  /// dataset as an uninterrupted run. Throws DataError if `dir` does not hold
  /// a snapshot of these tables.
  virtual void restore(const std::vector<TableSchema>& tables, const std::string& dir);

  /// Removes everything written so far; never throws. Called on any failure,
  /// and by the destructor if neither commit nor abort ran.
  virtual void abort() noexcept = 0;
};

}  // namespace simulacra
