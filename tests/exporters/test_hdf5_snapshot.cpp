// Hdf5Sink checkpoints: a sink resumed from a snapshot (after its process
// was killed) writes what an uninterrupted sink writes; bad snapshots are
// refused.
#include <hdf5.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "simulacra/engine/errors.hpp"
#include "simulacra/exporters/csv_sink.hpp"
#include "simulacra/exporters/hdf5_inspect.hpp"
#include "simulacra/exporters/hdf5_sink.hpp"
#include "data_error_message.hpp"
#include "snapshot_tables.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using simulacra::ColumnType;
using simulacra::DataError;
using simulacra::Hdf5Sink;
using simulacra::TableChunk;
using simulacra::TableSchema;
using simulacra::test::data_error_message;
using simulacra::test::files_in;
using simulacra::test::same_bits;
using simulacra::test::snapshot_schemas;
using simulacra::test::TempDir;
using simulacra::test::write_events;

namespace {

ssize_t open_hdf5_objects() { return H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL); }

bool same_values(const TableChunk& a, const TableChunk& b) {
  if (a.rows() != b.rows() || a.column_count() != b.column_count()) return false;
  for (std::size_t c = 0; c < a.column_count(); ++c) {
    if (const auto* doubles = std::get_if<std::vector<double>>(&a.column(c))) {
      const auto& other = std::get<std::vector<double>>(b.column(c));
      for (std::size_t r = 0; r < a.rows(); ++r) {
        if (!same_bits((*doubles)[r], other[r])) return false;
      }
    } else if (a.column(c) != b.column(c)) {
      return false;
    }
  }
  return true;
}

/// Each column's bytes on disk: equal only if the same chunks were written.
std::vector<hsize_t> storage_sizes(const std::string& path) {
  std::vector<hsize_t> sizes;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  for (const auto& schema : snapshot_schemas()) {
    for (const auto& column : schema.columns) {
      const hid_t dataset = H5Dopen2(file, (schema.name + "/" + column.name).c_str(), H5P_DEFAULT);
      REQUIRE(dataset >= 0);
      sizes.push_back(H5Dget_storage_size(dataset));
      H5Dclose(dataset);
    }
  }
  H5Fclose(file);
  return sizes;
}

/// Same tables (values bit for bit, row counts, attributes), provenance and chunks.
void check_same_dataset(const std::string& path, const std::string& expected) {
  INFO(path << " against " << expected);
  for (const auto& schema : snapshot_schemas()) {
    CHECK(same_values(simulacra::read_table_hdf5(path, schema),
                      simulacra::read_table_hdf5(expected, schema)));
  }
  CHECK(simulacra::format_summary(simulacra::inspect_hdf5(path)) ==
        simulacra::format_summary(simulacra::inspect_hdf5(expected)));
  CHECK(storage_sizes(path) == storage_sizes(expected));
}

// 21 rows before the snapshot and 13 after, in HDF5 chunks of 8: whole chunks
// in the file and a partial one in memory at the snapshot; town.early's 3 rows
// only ever in memory before commit; town.never empty.
constexpr std::size_t kChunk = 8;
constexpr std::size_t kBefore = 21;
constexpr std::size_t kAfter = 13;

}  // namespace

TEST_CASE("Hdf5Sink resumed from a snapshot writes what an uninterrupted sink writes", "[hdf5][snapshot]") {
  TempDir dir;
  const auto schemas = snapshot_schemas();
  {
    Hdf5Sink reference(dir / "reference.h5", kChunk);
    reference.open(schemas);
    write_events(reference, 0, kBefore, 5);
    write_events(reference, kBefore, kAfter, 4);
    reference.commit(simulacra::test::kSnapshotProvenance);
  }
  const fs::path snapshot = dir.path() / "snapshot";
  fs::create_directory(snapshot);

  SECTION("after the process was killed, twice from the same snapshot") {
    const int status = simulacra::test::run_then_die([&] {
      Hdf5Sink sink(dir / "run.h5", kChunk);
      sink.open(schemas);
      write_events(sink, 0, kBefore, 5);
      sink.snapshot(snapshot.string());
      write_events(sink, kBefore, kAfter, 4);
    });
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    // Rows still buffered at the snapshot are saved beside the file's copy.
    CHECK(simulacra::read_table_hdf5((snapshot / "dataset.h5").string(), schemas[0]).rows() == 16);
    CHECK(simulacra::read_table_hdf5((snapshot / "dataset.h5").string(), schemas[1]).rows() == 0);
    const auto saved = files_in(snapshot);

    // The second sink asks for other chunks and writes in other steps: the
    // snapshot's chunk length wins, so the chunks still come out the same.
    for (const std::size_t chunk_rows : {kChunk, std::size_t{1000}}) {
      const std::string path = dir / ("run-" + std::to_string(chunk_rows) + ".h5");
      Hdf5Sink sink(path, chunk_rows);
      sink.restore(schemas, snapshot.string());
      write_events(sink, kBefore, kAfter, chunk_rows == kChunk ? 4 : 13);
      sink.commit(simulacra::test::kSnapshotProvenance);
      check_same_dataset(path, dir / "reference.h5");
    }
    CHECK(files_in(snapshot) == saved);  // restoring leaves the snapshot as it was
  }
  SECTION("while the original sink goes on writing") {
    Hdf5Sink original(dir / "original.h5", kChunk);
    original.open(schemas);
    write_events(original, 0, kBefore, 5);
    original.snapshot(snapshot.string());
    write_events(original, kBefore, kAfter, 4);
    Hdf5Sink resumed(dir / "resumed.h5", kChunk);
    resumed.restore(schemas, snapshot.string());
    CHECK(resumed.temporary_path() != original.temporary_path());
    write_events(resumed, kBefore, 6, 4);
    fs::create_directory(dir.path() / "later");  // a resumed sink's own snapshot
    resumed.snapshot(dir / "later");
    write_events(resumed, kBefore + 6, kAfter - 6, 4);
    Hdf5Sink resumed_again(dir / "resumed-again.h5", kChunk);
    resumed_again.restore(schemas, dir / "later");
    write_events(resumed_again, kBefore + 6, kAfter - 6, 2);
    for (auto* sink : {&resumed, &resumed_again, &original}) sink->commit(simulacra::test::kSnapshotProvenance);
    check_same_dataset(dir / "resumed.h5", dir / "reference.h5");
    check_same_dataset(dir / "resumed-again.h5", dir / "reference.h5");
    check_same_dataset(dir / "original.h5", dir / "reference.h5");
  }
  CHECK(open_hdf5_objects() == 0);
}

TEST_CASE("Hdf5Sink refuses to resume from a missing, damaged or foreign snapshot", "[hdf5][snapshot]") {
  TempDir dir;
  auto schemas = snapshot_schemas();
  const fs::path snapshot = dir.path() / "snapshot";
  fs::create_directory(snapshot);
  {
    Hdf5Sink sink(dir / "run.h5", kChunk);
    sink.open(schemas);
    write_events(sink, 0, kBefore, 5);
    sink.snapshot(snapshot.string());
  }
  const std::string copy = (snapshot / "dataset.h5").string();
  auto restore_error = [&] {
    Hdf5Sink sink(dir / "resumed.h5", kChunk);
    const std::string message = data_error_message([&] { sink.restore(schemas, snapshot.string()); });
    CHECK_FALSE(fs::exists(sink.temporary_path()));  // nothing left behind
    CHECK_FALSE(fs::exists(dir / "resumed.h5"));
    return message;
  };
  using Catch::Matchers::Contains;

  SECTION("an empty directory") {
    fs::remove_all(snapshot);
    fs::create_directory(snapshot);
    CHECK_THAT(restore_error(), Contains((snapshot / "snapshot.txt").string()) && Contains("no snapshot"));
  }
  SECTION("a truncated copy") {
    fs::resize_file(copy, fs::file_size(copy) / 2);
    CHECK_THAT(restore_error(), Contains(copy) && Contains("truncated"));
  }
  SECTION("a truncated copy with a manifest to match, so HDF5 finds it") {
    fs::resize_file(copy, fs::file_size(copy) / 2);
    std::ifstream in(snapshot / "snapshot.txt");
    std::string format, dataset, pending;
    std::getline(in, format);
    std::getline(in, dataset);
    std::getline(in, pending);
    in.close();
    std::ofstream(snapshot / "snapshot.txt") << format << '\n' << fs::file_size(copy) << '\n' << pending << '\n';
    CHECK_THAT(restore_error(), Contains(copy));
  }
  SECTION("a copy overwritten with other bytes") {
    const auto size = fs::file_size(copy);
    std::ofstream(copy, std::ios::binary) << std::string(size, 'x');
    CHECK_THAT(restore_error(), Contains(copy));
  }
  SECTION("a snapshot of other tables") {
    schemas[0].columns[1].type = ColumnType::int64;
    CHECK_THAT(restore_error(), Contains(copy) && Contains("town.events/time holds float64, not int64"));
    schemas = snapshot_schemas();
    schemas[0].columns[2].doc = "another doc";
    CHECK_THAT(restore_error(), Contains(copy) && Contains("label has the doc \"\", not \"another doc\""));
    schemas = snapshot_schemas();
    schemas.pop_back();
    CHECK_THAT(restore_error(), Contains(copy) && Contains("not a snapshot of these tables"));
  }
  SECTION("a snapshot of a CSV dataset") {
    fs::remove_all(snapshot);
    fs::create_directory(snapshot);
    simulacra::CsvSink csv(dir / "run");
    csv.open(schemas);
    csv.snapshot(snapshot.string());
    CHECK_THAT(restore_error(), Contains("not a snapshot of a hdf5 dataset"));
  }
  CHECK(open_hdf5_objects() == 0);
}
