// Writes a run's tables as CSV: one file per table in an output directory,
// plus provenance.json. The layout is described in docs/datasets.md.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "simulacra/engine/table_sink.hpp"

namespace simulacra {

/// CSV dataset writer behind the engine's TableSink.
///
/// Writes `<directory>/<table name>.csv` for each table: a header row of
/// column names, then one line per row ("\n" line ends). Fields are quoted
/// as RFC 4180 says (when they hold a comma, quote, CR or LF; quotes doubled);
/// empty strings are written as "" so no row is a blank line; doubles in the
/// shortest form that reads back exactly ("nan", "inf", "-inf" for the
/// special values); bools as true/false. At commit, `<directory>/
/// provenance.json` holds the provenance as a JSON object of strings.
///
/// With a gzip level, each file is `<table name>.csv.gz`: the header line as
/// one gzip member, then one member per block of `block_rows` rows, which
/// zcat, Python's gzip and pandas read as one stream.
///
/// Rows are cut into blocks of exactly `block_rows` rows, which worker
/// threads format (std::to_chars) and gzip while the caller goes on; blocks
/// are written in order, so the files' bytes never depend on the number of
/// workers or on how rows were split between write() calls.
///
/// Files are written into "<directory>.tmp-<pid>" beside the target and the
/// directory is renamed into place by commit(), so it appears whole or not at
/// all. Memory is bounded: per table one block of rows and a 1 MiB file
/// buffer, plus at most 2 x (workers + 1) blocks being formatted.
///
/// Not thread-safe: use a sink from one thread at a time.
class CsvSink final : public TableSink {
 public:
  /// Asks for default_workers() threads.
  static constexpr unsigned kDefaultWorkers = ~0U;
  static constexpr std::size_t kDefaultBlockRows = 8192;

  /// `directory` is the output directory; it may exist only if it is empty,
  /// and its parent directory must exist. `gzip_level` 0 writes plain .csv
  /// files, 1..12 gzipped .csv.gz at that libdeflate level. `workers` 0
  /// formats on the calling thread. Throws DataError for a level outside
  /// 0..12, std::invalid_argument for block_rows 0.
  explicit CsvSink(std::string directory, int gzip_level = 0, unsigned workers = kDefaultWorkers,
                   std::size_t block_rows = kDefaultBlockRows);

  /// The machine's cores, at most 4.
  static unsigned default_workers();

  /// Calls abort() if neither commit() nor abort() ran.
  ~CsvSink() override;

  CsvSink(const CsvSink&) = delete;
  CsvSink& operator=(const CsvSink&) = delete;

  /// Creates the temporary directory and each table's file with its header.
  /// Throws DataError naming the path if the target exists and is not an
  /// empty directory, if a table or column name cannot be used (empty, ".",
  /// "..", containing '/', duplicated), or if a directory or file cannot be
  /// created (with the system's reason); nothing is left behind then.
  /// Throws std::logic_error if called twice.
  void open(const std::vector<TableSchema>& tables) override;

  /// Appends rows to table `table`'s file. Throws DataError (with the
  /// system's reason) if writing fails; std::invalid_argument if `table` is
  /// out of range or the chunk does not match the table's schema;
  /// std::logic_error if the sink is not open.
  void write(std::size_t table, const TableChunk& rows) override;

  /// For a checkpoint: writes out the buffered rows and copies each table's
  /// file, as it is so far, into the existing, empty directory `dir` (synced
  /// to disk), with a manifest "snapshot.txt" written last. The copies stay
  /// valid whatever this sink does afterwards; it goes on writing as before.
  /// Throws DataError (with the system's reason) if writing or copying fails;
  /// std::logic_error if the sink is not open.
  void snapshot(const std::string& dir) override;

  /// Instead of open(): continues the dataset saved by snapshot() in `dir`.
  /// Copies its files into temporary_directory() (the snapshot is left
  /// untouched, so it can be resumed again) and appends later rows to them;
  /// commit() then gives the files an uninterrupted sink would have written.
  /// Throws DataError naming the file at fault if `dir` holds no complete
  /// snapshot (empty, unfinished, truncated, of the HDF5 format) or one of
  /// other tables (names, order, column names or types), and for open()'s
  /// reasons; nothing is left behind then. Throws std::logic_error if the
  /// sink was already opened.
  void restore(const std::vector<TableSchema>& tables, const std::string& dir) override;

  /// Flushes and syncs every file, writes provenance.json and renames the
  /// temporary directory to the target (replacing it if it is still empty).
  /// Throws DataError if any step fails, after removing the temporary
  /// directory; std::logic_error if the sink is not open.
  void commit(const Provenance& provenance) override;

  /// Closes the files and removes the temporary directory. Does nothing after
  /// commit(). Never throws.
  void abort() noexcept override;

  /// The target directory given to the constructor.
  const std::string& directory() const;

  /// Where the files live until commit(): "<directory>.tmp-<pid>".
  std::string temporary_directory() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace simulacra
