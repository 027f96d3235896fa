// Writes a run's tables to one HDF5 file: a group per table, a chunked,
// compressed 1-D dataset per column, provenance as attributes of "/".
// The layout is described in docs/datasets.md.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "simulacra/engine/scenario.hpp"
#include "simulacra/engine/table_sink.hpp"

namespace simulacra {

/// For programs, first thing in main(): the HDF5 library is not shut down at
/// exit. That shutdown closes files still open, and for a file whose close
/// already failed (a full disk, a file size limit) HDF5 1.10 crashes there.
/// Nothing is lost: every file we write is closed, synced and renamed
/// explicitly, and a file whose close failed is a temporary we remove.
void skip_hdf5_shutdown_at_exit() noexcept;

/// HDF5 dataset writer behind the engine's TableSink.
///
/// Rows are appended to the file while the run goes; each table holds at most
/// `chunk_rows` rows in memory, so memory stays flat however many rows are
/// written. Whole chunks are shuffled and deflated (into the streams HDF5's
/// own shuffle and deflate filters write, so any HDF5 reader decodes them with
/// no plugin) by `workers` threads while the run goes on, and written in a
/// fixed order with H5Dwrite_chunk: the file's bytes are the same for any
/// worker count. At most 4 x (workers + 1) column chunks wait in memory.
/// String columns go through HDF5's own pipeline (their values live in HDF5's
/// heap, which is not compressed). The file is written under a temporary name in the target's
/// directory (".<file name>.tmp-<pid>") and renamed to `path` by commit(), so
/// it appears whole or not at all; a file already at `path` is replaced then.
///
/// Not thread-safe: use a sink from one thread at a time. Separate sinks may
/// run on separate threads when HDF5 is built thread-safe (Debian's is); HDF5
/// then serialises their calls internally.
class Hdf5Sink final : public TableSink {
 public:
  static constexpr std::size_t kDefaultChunkRows = 16384;
  /// The deflate level of outputs.compression "fast" (see deflate_level()).
  static constexpr int kDefaultCompression = 1;
  /// Asks for default_compression_workers() threads.
  static constexpr unsigned kDefaultWorkers = ~0U;
  /// Chunks of up to 16 Mi rows keep every HDF5 chunk far below its 4 GiB limit.
  static constexpr std::size_t kMaxChunkRows = std::size_t{1} << 24;

  /// `path` is the final file name, e.g. "out/run.h5"; its directory must
  /// exist. `chunk_rows` is both the HDF5 chunk length and the per-table
  /// buffer; `compression` is the deflate level, 0 (none) to 9, with byte
  /// shuffling when above 0. `workers` threads compress chunks (0: the
  /// writing thread does).
  /// Throws DataError naming the path if chunk_rows is 0 or above
  /// kMaxChunkRows, or compression is outside 0..9 (both can come from a
  /// scenario file, so they are the user's to fix).
  explicit Hdf5Sink(std::string path, std::size_t chunk_rows = kDefaultChunkRows,
                    int compression = kDefaultCompression, unsigned workers = kDefaultWorkers);

  /// The deflate level of a scenario's outputs.compression: none 0, fast 1,
  /// small 9 (chosen by measurement, see docs/datasets.md).
  static int deflate_level(OutputCompression compression);

  /// Compression threads when the constructor is not told: the machine's
  /// cores, at most 4.
  static unsigned default_workers();

  /// Calls abort() if neither commit() nor abort() ran.
  ~Hdf5Sink() override;

  Hdf5Sink(const Hdf5Sink&) = delete;
  Hdf5Sink& operator=(const Hdf5Sink&) = delete;

  /// Creates the temporary file, a group per table and a dataset per column.
  /// Throws DataError naming the path if a table or column name cannot be used
  /// (empty, ".", "..", containing '/', duplicated), if `path` is a directory,
  /// or if HDF5 cannot create the file (the message carries HDF5's reason);
  /// nothing is left behind then. Throws std::logic_error if called twice.
  void open(const std::vector<TableSchema>& tables) override;

  /// Appends rows to table `table`, writing every full chunk at once.
  /// Throws DataError if HDF5 fails or a string holds a NUL character (HDF5
  /// strings cannot); std::invalid_argument if `table` is out of range or the
  /// chunk does not match the table's schema; std::logic_error if the sink is
  /// not open.
  void write(std::size_t table, const TableChunk& rows) override;

  /// For a checkpoint: flushes the file and copies it into the existing, empty
  /// directory `dir` (as "dataset.h5", synced to disk), with the rows still
  /// buffered in memory in "pending.h5" and a manifest "snapshot.txt" written
  /// last. The copy is self-contained: it stays valid whatever this sink does
  /// afterwards, and the sink goes on writing as before (its chunks unchanged).
  /// Throws DataError naming the path if flushing or copying fails (the sink
  /// stays open); std::logic_error if the sink is not open.
  void snapshot(const std::string& dir) override;

  /// Instead of open(): continues the dataset saved by snapshot() in `dir`.
  /// Copies the snapshot's file to temporary_path() (the snapshot is left
  /// untouched, so it can be resumed again) and goes on from its rows and the
  /// saved buffered rows; commit() then gives the tables an uninterrupted sink
  /// would have written. The chunk length is the snapshot's, whatever this
  /// sink was constructed with. Throws DataError naming the file at fault if
  /// `dir` holds no complete snapshot (empty, unfinished, truncated, damaged,
  /// of the CSV format) or one of other tables (names, order, column types,
  /// units, docs, row meanings), and for open()'s reasons; nothing is left
  /// behind then. Throws std::logic_error if the sink was already opened.
  void restore(const std::vector<TableSchema>& tables, const std::string& dir) override;

  /// Writes the buffered rows, each group's `rows` attribute and the
  /// provenance (one string attribute on "/" per key), closes the file, syncs
  /// it to disk and renames it to path(). Throws DataError if any step fails,
  /// after removing the temporary file; std::logic_error if the sink is not
  /// open.
  void commit(const Provenance& provenance) override;

  /// Closes the file and removes the temporary file. Does nothing after
  /// commit(). Never throws.
  void abort() noexcept override;

  /// The final file name given to the constructor.
  const std::string& path() const;

  /// Where the file lives until commit(): ".<file name>.tmp-<pid>" beside path().
  std::string temporary_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace simulacra
