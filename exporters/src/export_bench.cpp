#include "simulacra/exporters/export_bench.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/table_sink.hpp"
#include "simulacra/exporters/csv_sink.hpp"
#include "simulacra/exporters/hdf5_sink.hpp"

namespace simulacra {

namespace fs = std::filesystem;

namespace {

TableSchema bench_schema() {
  return TableSchema{
      "bench.events",
      "one simulated event",
      {
          {"time", ColumnType::float64, "s", "simulation time of the event"},
          {"agent", ColumnType::int64, "", "id of the agent the event happened to"},
          {"other", ColumnType::int64, "", "id of the other agent involved"},
          {"kind", ColumnType::string, "", "what happened"},
          {"value", ColumnType::float64, "", "a measurement attached to the event"},
          {"flag", ColumnType::boolean, "", "whether the event was notable"},
      }};
}

/// Fills `chunk` with rows [first, first + count): a few multiplications per
/// row, far cheaper than any sink, yet values that do not compress to nothing.
void generate_rows(TableChunk& chunk, std::uint64_t first, std::size_t count) {
  static constexpr std::array<std::string_view, 5> kKinds = {"contact", "infection", "recovery",
                                                             "move", "purchase"};
  chunk.clear();
  for (std::uint64_t i = first; i < first + count; ++i) {
    const std::uint64_t mixed = (i + 1) * 0x9E3779B97F4A7C15ULL;
    chunk.append(0, static_cast<double>(i) * 0.001);
    chunk.append(1, static_cast<std::int64_t>((i * 2654435761ULL) % 1'000'003ULL));
    chunk.append(2, static_cast<std::int64_t>((mixed >> 40) % 1'000'003ULL));
    chunk.append(3, kKinds[(mixed >> 61) % kKinds.size()]);
    chunk.append(4, static_cast<double>(mixed >> 11) * 0x1.0p-53);
    chunk.append(5, (mixed >> 33 & 7U) == 0);
    chunk.end_row();
  }
}

std::uint64_t output_bytes(const fs::path& out) {
  std::error_code error;
  if (fs::is_regular_file(out, error)) return fs::file_size(out, error);
  std::uint64_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(out, error)) {
    if (entry.is_regular_file(error)) total += entry.file_size(error);
  }
  return total;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace

ExportBenchResult run_export_bench(const std::string& format, std::uint64_t rows,
                                   const std::string& out_path, std::size_t chunk_rows) {
  if (chunk_rows == 0) throw ConfigError("export bench: chunk rows must be at least 1");
  std::unique_ptr<TableSink> sink;
  if (format == "hdf5") {
    sink = std::make_unique<Hdf5Sink>(out_path, std::min(chunk_rows, Hdf5Sink::kMaxChunkRows));
  } else if (format == "csv") {
    sink = std::make_unique<CsvSink>(out_path);
  } else {
    throw ConfigError("export bench: unknown format '" + format + "' (expected hdf5 or csv)");
  }

  const TableSchema schema = bench_schema();
  TableChunk chunk(schema);
  chunk.reserve(chunk_rows);
  const auto start = std::chrono::steady_clock::now();
  sink->open({schema});
  for (std::uint64_t done = 0; done < rows;) {
    const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_rows, rows - done));
    generate_rows(chunk, done, count);
    sink->write(0, chunk);
    done += count;
  }
  sink->commit({{"bench", "export"}, {"rows", std::to_string(rows)}});
  const auto stop = std::chrono::steady_clock::now();
  sink.reset();

  ExportBenchResult result;
  result.format = format;
  result.rows = rows;
  result.seconds = std::chrono::duration<double>(stop - start).count();
  result.file_bytes = output_bytes(out_path);
  result.peak_rss_mb = peak_rss_mib();
  if (result.seconds > 0) {
    result.rows_per_second = static_cast<double>(rows) / result.seconds;
    result.mb_per_second = static_cast<double>(result.file_bytes) / (1024.0 * 1024.0) / result.seconds;
  }
  std::error_code ignored;
  fs::remove_all(out_path, ignored);
  return result;
}

}  // namespace simulacra
