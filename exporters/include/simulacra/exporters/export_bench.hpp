// The export benchmark: how fast, and in how much memory, a sink writes a
// long event table. Used by `simulacra bench export`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace simulacra {

struct ExportBenchResult {
  std::string format;            ///< "hdf5" or "csv"
  std::uint64_t rows = 0;
  double seconds = 0;            ///< open() to the end of commit(), wall clock
  double rows_per_second = 0;
  double mb_per_second = 0;      ///< output bytes per second, in MiB (2^20 bytes)
  double peak_rss_mb = 0;        ///< the process's peak resident set, in MiB
  std::uint64_t file_bytes = 0;  ///< size of the committed output
};

/// Streams `rows` rows of an event table (time float64, agent int64, other
/// int64, kind string, value float64, flag bool) through the sink for
/// `format`, in chunks of `chunk_rows` rows as the engine would hand them
/// over, commits, measures, and deletes the output. As in a run, the HDF5
/// sink also uses `chunk_rows` as its chunk length (capped at
/// Hdf5Sink::kMaxChunkRows). `out_path` is the HDF5 file or the CSV
/// directory. Values come from a cheap counter-based formula so the generator
/// is not what is timed.
///
/// Peak RSS is the whole process's (getrusage), so run the bench in a fresh
/// process for a meaningful figure.
///
/// Throws ConfigError if `format` is neither "hdf5" nor "csv" or chunk_rows
/// is 0; DataError if the output cannot be written (the output is removed).
ExportBenchResult run_export_bench(const std::string& format, std::uint64_t rows,
                                   const std::string& out_path, std::size_t chunk_rows);

}  // namespace simulacra
