// CsvSink's worker threads and gzip: the same bytes for any worker count and
// any split of rows between writes, gzip files that zcat and Python read back
// as the plain files' text, and gzip checkpoints that resume to the same bytes.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "simulacra/exporters/csv_sink.hpp"
#include "snapshot_tables.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using simulacra::CsvSink;
using simulacra::test::files_in;
using simulacra::test::kSnapshotProvenance;
using simulacra::test::snapshot_schemas;
using simulacra::test::TempDir;
using simulacra::test::write_events;

namespace {

// Writes 2,500 events in writes of `step` rows, blocks of 300 rows.
std::map<std::string, std::string> dataset(const TempDir& tmp, const std::string& name, int level, unsigned workers,
                                           std::size_t step) {
  {
    CsvSink sink(tmp / name, level, workers, 300);
    sink.open(snapshot_schemas());
    write_events(sink, 0, 2500, step);
    sink.commit(kSnapshotProvenance);
  }
  return files_in(tmp / name);
}

// Output of a shell command, or nullopt when it fails.
std::optional<std::string> command_output(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string out;
  char buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  if (::pclose(pipe) != 0) return std::nullopt;
  return out;
}

}  // namespace

TEST_CASE("CsvSink writes the same bytes for 0, 1 and 2 workers and any split of rows", "[csv][parallel]") {
  TempDir tmp;
  for (int level : {0, 1, 9}) {
    const auto reference = dataset(tmp, "ref" + std::to_string(level), level, 0, 2500);
    const std::string suffix = level > 0 ? ".csv.gz" : ".csv";
    REQUIRE(reference.count("town.events" + suffix) == 1);
    REQUIRE(reference.count("town.early" + suffix) == 1);
    REQUIRE(reference.count("town.never" + suffix) == 1);
    for (unsigned workers : {1U, 2U}) {
      for (std::size_t step : {1UL, 299UL, 1000UL}) {
        INFO("level " << level << ", workers " << workers << ", writes of " << step << " rows");
        std::string name = std::to_string(level);  // in steps: GCC 12 warns falsely on "lit" + string
        name += '_';
        name += std::to_string(workers);
        name += '_';
        name += std::to_string(step);
        CHECK(dataset(tmp, name, level, workers, step) == reference);
      }
    }
  }
}

TEST_CASE("CsvSink's plain files keep their layout whatever the blocks", "[csv][parallel]") {
  TempDir tmp;
  // One block per write of 2,500 rows against blocks of 300: the text is the same.
  CsvSink one_block(tmp / "one", 0, 0, 100000);
  one_block.open(snapshot_schemas());
  write_events(one_block, 0, 2500, 2500);
  one_block.commit(kSnapshotProvenance);
  const auto blocks = dataset(tmp, "blocks", 0, 2, 7);
  CHECK(files_in(tmp / "one") == blocks);
  const std::string& events = blocks.at("town.events.csv");
  CHECK(events.rfind("count,time,label,ok\n", 0) == 0);
  CHECK(events.rfind("count,time,label,ok\n-9223372036854775808,-0,0,true\n", 0) == 0);
}

#ifdef SIMULACRA_ZCAT
TEST_CASE("CsvSink's .csv.gz files are read by zcat as the plain files' text", "[csv][gzip]") {
  TempDir tmp;
  const auto plain = dataset(tmp, "plain", 0, 2, 1000);
  for (int level : {1, 9}) {
    const auto gz = dataset(tmp, "gz" + std::to_string(level), level, 2, 1000);
    for (const std::string table : {"town.events", "town.early", "town.never"}) {
      INFO(table << " at level " << level);
      REQUIRE(gz.count(table + ".csv.gz") == 1);
      if (table == "town.events") CHECK(gz.at(table + ".csv.gz").size() * 2 < plain.at(table + ".csv").size());
      const auto text = command_output(std::string(SIMULACRA_ZCAT) + " '" + tmp / ("gz" + std::to_string(level)) + "/" +
                                       table + ".csv.gz'");
      REQUIRE(text.has_value());
      CHECK(*text == plain.at(table + ".csv"));
    }
    CHECK(gz.at("provenance.json") == plain.at("provenance.json"));
  }
}
#endif

#ifdef SIMULACRA_PYTHON3
TEST_CASE("CsvSink's .csv.gz files are read by Python's gzip module", "[csv][gzip]") {
  TempDir tmp;
  const auto plain = dataset(tmp, "plain", 0, 1, 1000);
  dataset(tmp, "gz", 1, 1, 1000);
  const auto text = command_output(std::string(SIMULACRA_PYTHON3) +
                                   " -c \"import gzip,sys; sys.stdout.buffer.write(gzip.open(sys.argv[1]).read())\" '" +
                                   tmp / "gz" + "/town.events.csv.gz'");
  REQUIRE(text.has_value());
  CHECK(*text == plain.at("town.events.csv"));
}
#endif

TEST_CASE("CsvSink with gzip resumed from a snapshot writes an uninterrupted sink's bytes", "[csv][gzip][snapshot]") {
  TempDir tmp;
  const auto whole = dataset(tmp, "whole", 1, 2, 250);
  fs::create_directories(tmp.path() / "snap");
  {
    CsvSink first(tmp / "first", 1, 2, 300);
    first.open(snapshot_schemas());
    write_events(first, 0, 1000, 250);  // 1,000 rows: three blocks and 100 rows of a fourth
    first.snapshot(tmp / "snap");
    first.abort();
  }
  const auto saved = files_in(tmp.path() / "snap");
  CHECK(saved.count("town.events.csv.gz.pending") == 1);
  CHECK(saved.at("town.events.csv.gz.pending").rfind("100\n", 0) == 0);
  // Resumed twice from the same snapshot: it stays usable.
  for (const std::string name : {"resumed", "again"}) {
    CsvSink resumed(tmp / name, 1, 1, 300);
    resumed.restore(snapshot_schemas(), tmp / "snap");
    write_events(resumed, 1000, 1500, 250);
    resumed.commit(kSnapshotProvenance);
    CHECK(files_in(tmp.path() / name) == whole);
  }
  // A plain sink does not take a gzip snapshot.
  CsvSink plain(tmp / "plain", 0, 1, 300);
  CHECK_THROWS_AS(plain.restore(snapshot_schemas(), tmp / "snap"), simulacra::DataError);
  CHECK(!fs::exists(tmp.path() / "plain"));
}
