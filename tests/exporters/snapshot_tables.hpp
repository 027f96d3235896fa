// What the checkpoint tests of both sinks share: three tables (one of every
// column type, one that gets rows only before the snapshot, one that never
// gets any), their rows, a process that dies by SIGKILL, and a directory's
// files read back for before/after comparisons.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "simulacra/engine/table_sink.hpp"

namespace simulacra::test {

/// Equal bit for bit (NaN equals NaN, -0 differs from 0).
inline bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

inline std::vector<TableSchema> snapshot_schemas() {
  return {TableSchema{"town.events",
                      "one event of any kind",
                      {{"count", ColumnType::int64, "", "an integer"},
                       {"time", ColumnType::float64, "d", "simulation time"},
                       {"label", ColumnType::string, "", ""},
                       {"ok", ColumnType::boolean, "", "a flag"}}},
          TableSchema{"town.early", "one early note", {{"note", ColumnType::string, "", ""},
                                                       {"n", ColumnType::int64, "", ""}}},
          TableSchema{"town.never", "one thing that never happens",
                      {{"when", ColumnType::float64, "s", ""}}}};
}

inline const Provenance kSnapshotProvenance = {{"seed", "7"}, {"scenario", "name: town\nseed: 7\n"}};

/// Row i of town.events: cycles through awkward values of each type.
inline void add_event(TableChunk& chunk, std::size_t i) {
  static const std::int64_t ints[] = {std::numeric_limits<std::int64_t>::min(),
                                      std::numeric_limits<std::int64_t>::max(), 0, -1, 42};
  static const double doubles[] = {-0.0, 1e-300, std::numeric_limits<double>::quiet_NaN(),
                                   -std::numeric_limits<double>::infinity(), 0.1, 2.5e17, 1.0 / 3};
  static const char* const strings[] = {"", "plain", "a,b", "say \"hi\"", "two\nlines",
                                        "h\xc3\xa9llo \xe2\x9c\x93"};
  chunk.append(0, ints[i % 5] + static_cast<std::int64_t>(i % 2));
  chunk.append(1, doubles[i % 7] * (i % 2 == 0 ? 1.0 : -1.0));
  chunk.append(2, std::string(strings[i % 6]) + std::to_string(i));
  chunk.append(3, i % 3 == 0);
  chunk.end_row();
}

/// Writes rows [first, first + count) of town.events in chunks of `step`
/// rows; when `first` is 0, also town.early's three rows.
inline void write_events(TableSink& sink, std::size_t first, std::size_t count, std::size_t step) {
  const std::vector<TableSchema> schemas = snapshot_schemas();
  if (first == 0) {
    TableChunk early(schemas[1]);
    for (std::int64_t n = 0; n < 3; ++n) {
      early.append(0, std::string_view(n == 1 ? "" : "early, \"quoted\""));
      early.append(1, n);
      early.end_row();
    }
    sink.write(1, early);
  }
  for (std::size_t done = 0; done < count; done += step) {
    TableChunk chunk(schemas[0]);
    for (std::size_t i = done; i < std::min(count, done + step); ++i) add_event(chunk, first + i);
    sink.write(0, chunk);
  }
}

/// Runs `work` in a child process that then kills itself with SIGKILL, as a
/// crash would; returns its wait status. Exit status 3 means `work` threw.
inline int run_then_die(const std::function<void()>& work) {
  const pid_t child = ::fork();
  if (child == 0) {
    try {
      work();
    } catch (...) {
      ::_exit(3);
    }
    ::kill(::getpid(), SIGKILL);
    ::_exit(4);
  }
  int status = 0;
  if (child > 0) ::waitpid(child, &status, 0);
  return status;
}

/// Every file directly in `dir`, by name, with its bytes.
inline std::map<std::string, std::string> files_in(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    files[entry.path().filename().string()] = bytes.str();
  }
  return files;
}

}  // namespace simulacra::test
