// Hdf5Sink and the HDF5 reader: exact round trips, attributes, whole-or-nothing
// files and error messages. Files are read back with the raw HDF5 C API, so a
// bug shared by writer and reader cannot hide.
#include <hdf5.h>

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "simulacra/engine/errors.hpp"
#include "simulacra/exporters/hdf5_inspect.hpp"
#include "simulacra/exporters/csv_sink.hpp"
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
using simulacra::test::same_bits;
using simulacra::test::TempDir;

namespace {

const std::vector<std::int64_t> kInts = {std::numeric_limits<std::int64_t>::min(),
                                         std::numeric_limits<std::int64_t>::max(),
                                         0,
                                         -1,
                                         1,
                                         1234567890123456789};

const std::vector<double> kDoubles = {-0.0,
                                      0.0,
                                      1e-300,
                                      std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity(),
                                      std::numeric_limits<double>::denorm_min(),
                                      std::numeric_limits<double>::max(),
                                      0.1,
                                      -2.5e17};

const std::vector<std::string> kStrings = {"",
                                           "plain",
                                           "a,b,c",
                                           "say \"hi\"",
                                           "line one\nline two",
                                           "crlf\r\nend",
                                           "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac",
                                           std::string(300, 'x')};

TableSchema every_type_schema() {
  return TableSchema{"town.events",
                     "one event of any kind",
                     {{"count", ColumnType::int64, "", "an integer"},
                      {"time", ColumnType::float64, "d", "simulation time"},
                      {"label", ColumnType::string, "", ""},
                      {"ok", ColumnType::boolean, "", "a flag"}}};
}

/// Row i of the test table: cycles through the special values of each type.
void add_row(TableChunk& chunk, std::size_t i) {
  chunk.append(0, kInts[i % kInts.size()]);
  chunk.append(1, kDoubles[i % kDoubles.size()]);
  chunk.append(2, std::string_view(kStrings[i % kStrings.size()]));
  chunk.append(3, i % 3 == 0);
  chunk.end_row();
}

/// Writes `sizes` chunks in turn, rows numbered consecutively; returns the row count.
std::size_t write_chunks(Hdf5Sink& sink, const TableSchema& schema,
                         const std::vector<std::size_t>& sizes) {
  std::size_t row = 0;
  for (const std::size_t size : sizes) {
    TableChunk chunk(schema);
    for (std::size_t i = 0; i < size; ++i) add_row(chunk, row++);
    sink.write(0, chunk);
  }
  return row;
}

// --- raw HDF5 reading, deliberately independent of the exporter's code ---

std::string read_string_attribute(hid_t object, const char* name) {
  const hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
  REQUIRE(attribute >= 0);
  const hid_t type = H5Aget_type(attribute);
  REQUIRE(H5Tget_class(type) == H5T_STRING);
  REQUIRE(H5Tis_variable_str(type) > 0);
  CHECK(H5Tget_cset(type) == H5T_CSET_UTF8);
  char* raw = nullptr;
  REQUIRE(H5Aread(attribute, type, &raw) >= 0);
  std::string value(raw);
  H5free_memory(raw);
  H5Tclose(type);
  H5Aclose(attribute);
  return value;
}

std::int64_t read_int64_attribute(hid_t object, const char* name) {
  const hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
  REQUIRE(attribute >= 0);
  const hid_t type = H5Aget_type(attribute);
  CHECK(H5Tequal(type, H5T_STD_I64LE) > 0);
  std::int64_t value = 0;
  REQUIRE(H5Aread(attribute, H5T_NATIVE_INT64, &value) >= 0);
  H5Tclose(type);
  H5Aclose(attribute);
  return value;
}

hsize_t dataset_length(hid_t dataset) {
  const hid_t space = H5Dget_space(dataset);
  REQUIRE(H5Sget_simple_extent_ndims(space) == 1);
  hsize_t length = 0;
  hsize_t max_length = 0;
  H5Sget_simple_extent_dims(space, &length, &max_length);
  CHECK(max_length == H5S_UNLIMITED);
  H5Sclose(space);
  return length;
}

template <typename Value>
std::vector<Value> read_raw(hid_t group, const char* name, hid_t expected_type, hid_t memory_type) {
  const hid_t dataset = H5Dopen2(group, name, H5P_DEFAULT);
  REQUIRE(dataset >= 0);
  const hid_t type = H5Dget_type(dataset);
  CHECK(H5Tequal(type, expected_type) > 0);
  H5Tclose(type);
  std::vector<Value> values(dataset_length(dataset));
  REQUIRE(H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
  H5Dclose(dataset);
  return values;
}

std::vector<std::string> read_raw_strings(hid_t group, const char* name) {
  const hid_t dataset = H5Dopen2(group, name, H5P_DEFAULT);
  REQUIRE(dataset >= 0);
  const hid_t type = H5Dget_type(dataset);
  REQUIRE(H5Tget_class(type) == H5T_STRING);
  REQUIRE(H5Tis_variable_str(type) > 0);
  CHECK(H5Tget_cset(type) == H5T_CSET_UTF8);
  const hid_t space = H5Dget_space(dataset);
  std::vector<char*> raw(dataset_length(dataset), nullptr);
  REQUIRE(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) >= 0);
  std::vector<std::string> values;
  for (const char* s : raw) values.emplace_back(s != nullptr ? s : "");
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, raw.data());
  H5Sclose(space);
  H5Tclose(type);
  H5Dclose(dataset);
  return values;
}

void check_chunked_and_compressed(hid_t group, const char* name, hsize_t chunk_rows) {
  const hid_t dataset = H5Dopen2(group, name, H5P_DEFAULT);
  const hid_t plist = H5Dget_create_plist(dataset);
  CHECK(H5Pget_layout(plist) == H5D_CHUNKED);
  hsize_t chunk = 0;
  CHECK(H5Pget_chunk(plist, 1, &chunk) == 1);
  CHECK(chunk == chunk_rows);
  REQUIRE(H5Pget_nfilters(plist) == 2);
  unsigned flags = 0;
  std::size_t values = 0;
  CHECK(H5Pget_filter2(plist, 0, &flags, &values, nullptr, 0, nullptr, nullptr) == H5Z_FILTER_SHUFFLE);
  unsigned level = 0;
  values = 1;
  CHECK(H5Pget_filter2(plist, 1, &flags, &values, &level, 0, nullptr, nullptr) == H5Z_FILTER_DEFLATE);
  CHECK(level == static_cast<unsigned>(Hdf5Sink::kDefaultCompression));
  H5Pclose(plist);
  H5Dclose(dataset);
}

/// HDF5 files and objects still open anywhere in the process: every test
/// ends with none, so no code path leaks an identifier.
ssize_t open_hdf5_objects() { return H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL); }

}  // namespace

TEST_CASE("Hdf5Sink round-trips every column type exactly, across partial chunks", "[hdf5]") {
  TempDir dir;
  const std::string path = dir / "run.h5";
  const TableSchema schema = every_type_schema();
  std::size_t rows = 0;
  {
    Hdf5Sink sink(path, 4);
    sink.open({schema});
    // Chunks smaller than, larger than and not aligned to the 4-row chunks,
    // plus an empty one.
    rows = write_chunks(sink, schema, {3, 7, 0, 1, 10, 2});
    sink.commit({});
  }
  REQUIRE(rows == 23);

  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t group = H5Gopen2(file, "/town.events", H5P_DEFAULT);
  REQUIRE(group >= 0);
  const auto ints = read_raw<std::int64_t>(group, "count", H5T_STD_I64LE, H5T_NATIVE_INT64);
  const auto doubles = read_raw<double>(group, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
  const auto bools = read_raw<std::uint8_t>(group, "ok", H5T_STD_U8LE, H5T_NATIVE_UINT8);
  const auto strings = read_raw_strings(group, "label");
  check_chunked_and_compressed(group, "count", 4);
  check_chunked_and_compressed(group, "label", 4);
  H5Gclose(group);
  H5Fclose(file);

  REQUIRE(ints.size() == rows);
  REQUIRE(doubles.size() == rows);
  REQUIRE(strings.size() == rows);
  REQUIRE(bools.size() == rows);
  for (std::size_t i = 0; i < rows; ++i) {
    INFO("row " << i);
    CHECK(ints[i] == kInts[i % kInts.size()]);
    CHECK(same_bits(doubles[i], kDoubles[i % kDoubles.size()]));
    CHECK(strings[i] == kStrings[i % kStrings.size()]);
    CHECK(bools[i] == (i % 3 == 0 ? 1 : 0));
  }

  const TableChunk back = simulacra::read_table_hdf5(path, schema);
  REQUIRE(back.rows() == rows);
  REQUIRE(back.consistent_with(schema));
  for (std::size_t i = 0; i < rows; ++i) {
    INFO("row " << i);
    CHECK(std::get<0>(back.column(0))[i] == ints[i]);
    CHECK(same_bits(std::get<1>(back.column(1))[i], doubles[i]));
    CHECK(std::get<2>(back.column(2))[i] == strings[i]);
    CHECK(std::get<3>(back.column(3))[i] == bools[i]);
  }
  CHECK(open_hdf5_objects() == 0);
}

TEST_CASE("Hdf5Sink writes the checksummed 1.8 format: a flipped byte in a header is refused, not misread",
          "[hdf5]") {
  TempDir dir;
  const std::string path = dir / "run.h5";
  const TableSchema schema = every_type_schema();
  {
    Hdf5Sink sink(path, 4);
    sink.open({schema});
    write_chunks(sink, schema, {9});
    sink.commit({});
  }
  // Superblock version 2 and version-2 object headers: both checksummed.
  haddr_t header = 0;
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    H5F_info2_t info;
    REQUIRE(H5Fget_info2(file, &info) >= 0);
    CHECK(info.super.version >= 2);
    const hid_t dataset = H5Dopen2(file, "/town.events/count", H5P_DEFAULT);
    REQUIRE(dataset >= 0);
    H5O_info_t object;
    REQUIRE(H5Oget_info2(dataset, &object, H5O_INFO_BASIC | H5O_INFO_HDR) >= 0);
    CHECK(object.hdr.version == 2);
    header = object.addr;
    H5Dclose(dataset);
    H5Fclose(file);
  }
  // One byte inside the column's object header (past its "OHDR" signature).
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(header));
    char sig[4] = {};
    f.read(sig, 4);
    REQUIRE(std::string(sig, 4) == "OHDR");
    f.seekg(static_cast<std::streamoff>(header + 12));
    char byte = 0;
    f.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x5a);
    f.seekp(static_cast<std::streamoff>(header + 12));
    f.write(&byte, 1);
  }
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t dataset = H5Dopen2(file, "/town.events/count", H5P_DEFAULT);
  CHECK(dataset < 0);  // the checksum does not match
  if (dataset >= 0) H5Dclose(dataset);
  H5Fclose(file);
  CHECK(open_hdf5_objects() == 0);
}

TEST_CASE("Hdf5Sink writes units, docs, row meaning, row counts and provenance", "[hdf5]") {
  TempDir dir;
  const std::string path = dir / "run.h5";
  TableSchema other{"town.recoveries", "one recovery", {{"agent", ColumnType::int64, "", ""}}};
  {
    Hdf5Sink sink(path, 8);
    sink.open({every_type_schema(), other});
    TableChunk chunk(every_type_schema());
    for (std::size_t i = 0; i < 5; ++i) add_row(chunk, i);
    sink.write(0, chunk);
    sink.commit({{"seed", "42"}, {"scenario", "populations:\n  - town: {}\n"}, {"version", "0.1.0"}});
  }
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
  CHECK(read_string_attribute(root, "seed") == "42");
  CHECK(read_string_attribute(root, "scenario") == "populations:\n  - town: {}\n");
  CHECK(read_string_attribute(root, "version") == "0.1.0");

  const hid_t events = H5Gopen2(file, "/town.events", H5P_DEFAULT);
  CHECK(read_string_attribute(events, "row_meaning") == "one event of any kind");
  CHECK(read_int64_attribute(events, "rows") == 5);
  const hid_t time = H5Dopen2(events, "time", H5P_DEFAULT);
  CHECK(read_string_attribute(time, "unit") == "d");
  CHECK(read_string_attribute(time, "doc") == "simulation time");
  CHECK(H5Aexists(time, "type") == 0);
  const hid_t label = H5Dopen2(events, "label", H5P_DEFAULT);
  CHECK(H5Aexists(label, "unit") == 0);  // empty unit and doc are left out
  CHECK(H5Aexists(label, "doc") == 0);
  const hid_t ok = H5Dopen2(events, "ok", H5P_DEFAULT);
  CHECK(read_string_attribute(ok, "type") == "bool");

  const hid_t recoveries = H5Gopen2(file, "/town.recoveries", H5P_DEFAULT);
  CHECK(read_int64_attribute(recoveries, "rows") == 0);
  const hid_t agent = H5Dopen2(recoveries, "agent", H5P_DEFAULT);
  CHECK(dataset_length(agent) == 0);

  for (const hid_t id : {agent, ok, label, time}) H5Dclose(id);
  for (const hid_t id : {recoveries, events, root}) H5Gclose(id);
  H5Fclose(file);
  CHECK(open_hdf5_objects() == 0);
}

TEST_CASE("Hdf5Sink's file appears under its name only at commit", "[hdf5]") {
  TempDir dir;
  const std::string path = dir / "run.h5";
  const TableSchema schema = every_type_schema();

  SECTION("commit renames the temporary file") {
    Hdf5Sink sink(path, 4);
    CHECK(fs::path(sink.temporary_path()).parent_path() == dir.path());
    CHECK(fs::path(sink.temporary_path()).filename().string().rfind(".run.h5.tmp-", 0) == 0);
    sink.open({schema});
    write_chunks(sink, schema, {9});
    CHECK_FALSE(fs::exists(path));
    CHECK(fs::exists(sink.temporary_path()));
    sink.commit({});
    CHECK(fs::exists(path));
    CHECK_FALSE(fs::exists(sink.temporary_path()));
    sink.abort();  // after commit: does nothing
    CHECK(fs::exists(path));
  }
  SECTION("abort removes everything") {
    Hdf5Sink sink(path, 4);
    sink.open({schema});
    write_chunks(sink, schema, {9});
    sink.abort();
    CHECK_FALSE(fs::exists(path));
    CHECK_FALSE(fs::exists(sink.temporary_path()));
    CHECK(fs::is_empty(dir.path()));
  }
  SECTION("the destructor aborts an uncommitted sink") {
    std::string temporary;
    {
      Hdf5Sink sink(path, 4);
      temporary = sink.temporary_path();
      sink.open({schema});
      write_chunks(sink, schema, {9});
    }
    CHECK_FALSE(fs::exists(path));
    CHECK_FALSE(fs::exists(temporary));
    CHECK(fs::is_empty(dir.path()));
  }
  SECTION("commit replaces an older file") {
    { std::ofstream(path) << "old"; }
    Hdf5Sink sink(path, 4);
    sink.open({schema});
    write_chunks(sink, schema, {2});
    CHECK(fs::file_size(path) == 3);
    sink.commit({});
    CHECK(simulacra::read_table_hdf5(path, schema).rows() == 2);
  }
  CHECK(open_hdf5_objects() == 0);
}

TEST_CASE("Hdf5Sink errors name the path and leave nothing behind", "[hdf5]") {
  TempDir dir;
  const TableSchema schema = every_type_schema();

  SECTION("a directory that does not exist") {
    const std::string path = dir / "missing/run.h5";
    Hdf5Sink sink(path);
    CHECK_THAT(data_error_message([&] { sink.open({schema}); }),
               Catch::Matchers::Contains(path) &&
                             Catch::Matchers::Contains("cannot create HDF5 file"));
  }
  SECTION("a path that is a directory") {
    Hdf5Sink sink(dir.path().string());
    CHECK_THAT(data_error_message([&] { sink.open({schema}); }),
               Catch::Matchers::Contains(dir.path().string()));
  }
  SECTION("a table name that cannot be a group") {
    const std::string path = dir / "run.h5";
    Hdf5Sink sink(path);
    TableSchema bad = schema;
    bad.name = "town/infections";
    CHECK_THAT(data_error_message([&] { sink.open({bad}); }),
               Catch::Matchers::Contains("town/infections"));
    CHECK(fs::is_empty(dir.path()));
  }
  SECTION("a string holding NUL") {
    const std::string path = dir / "run.h5";
    Hdf5Sink sink(path, 2);
    sink.open({schema});
    TableChunk chunk(schema);
    for (std::size_t i = 0; i < 2; ++i) {
      chunk.append(0, std::int64_t{1});
      chunk.append(1, 1.0);
      chunk.append(2, std::string_view("a\0b", 3));
      chunk.append(3, true);
      chunk.end_row();
    }
    CHECK_THAT(data_error_message([&] { sink.write(0, chunk); }),
               Catch::Matchers::Contains("NUL"));
    sink.abort();
    CHECK(fs::is_empty(dir.path()));
  }
  SECTION("settings that cannot work") {
    const std::string path = dir / "run.h5";
    CHECK_THAT(data_error_message([&] { Hdf5Sink(path, 0); }),
               Catch::Matchers::Contains(path) && Catch::Matchers::Contains("chunk rows"));
    CHECK_THAT(data_error_message([&] { Hdf5Sink(path, 16, 10); }),
               Catch::Matchers::Contains("compression level"));
  }
  CHECK(open_hdf5_objects() == 0);
}

TEST_CASE("Hdf5Sink without compression, and with chunks larger than a write", "[hdf5]") {
  TempDir dir;
  const std::string path = dir / "run.h5";
  const TableSchema schema = every_type_schema();
  std::size_t rows = 0;
  {
    Hdf5Sink sink(path, 1000, 0);
    sink.open({schema});
    rows = write_chunks(sink, schema, {3, 5});
    sink.commit({});
  }
  const TableChunk back = simulacra::read_table_hdf5(path, schema);
  REQUIRE(back.rows() == rows);
  for (std::size_t i = 0; i < rows; ++i) CHECK(std::get<2>(back.column(2))[i] == kStrings[i % kStrings.size()]);
}

TEST_CASE("inspect_hdf5 lists tables, columns, row counts and provenance", "[hdf5][inspect]") {
  TempDir dir;
  const std::string path = dir / "run.h5";
  const TableSchema schema = every_type_schema();
  const std::string scenario = "name: town\npopulations:\n  - kind: epidemic\n    agents: 1000\n";
  {
    Hdf5Sink sink(path, 4);
    // Declared second but alphabetically first: the file keeps declared order.
    TableSchema second{"farm.births", "one birth", {{"agent", ColumnType::int64, "", ""}}};
    sink.open({schema, second});
    write_chunks(sink, schema, {6});
    sink.commit({{"seed", "7"}, {"scenario", scenario}});
  }
  const simulacra::DatasetSummary summary = simulacra::inspect_hdf5(path);
  REQUIRE(summary.tables.size() == 2);
  const auto& events = summary.tables[0];
  CHECK(events.name == "town.events");
  CHECK(events.row_meaning == "one event of any kind");
  CHECK(events.rows == 6);
  REQUIRE(events.columns.size() == 4);
  CHECK(events.columns[0].name == "count");
  CHECK(events.columns[0].type == "int64");
  CHECK(events.columns[1].name == "time");  // declared order, not alphabetical
  CHECK(events.columns[1].type == "float64");
  CHECK(events.columns[1].unit == "d");
  CHECK(events.columns[1].doc == "simulation time");
  CHECK(events.columns[2].type == "string");
  CHECK(events.columns[3].type == "bool");
  CHECK(summary.tables[1].name == "farm.births");
  CHECK(summary.tables[1].rows == 0);
  CHECK(summary.provenance == simulacra::Provenance{{"seed", "7"}, {"scenario", scenario}});

  const std::string text = simulacra::format_summary(summary);
  CHECK_THAT(text, Catch::Matchers::Contains("town.events: 6 rows; a row is one event of any kind"));
  CHECK_THAT(text, Catch::Matchers::Contains("  time   float64  [d]  simulation time"));
  CHECK_THAT(text, Catch::Matchers::Contains("farm.births: 0 rows; a row is one birth"));
  CHECK_THAT(text, Catch::Matchers::Contains("  seed      7\n"));
  // The scenario is shown in full, every line indented under its key.
  CHECK_THAT(text, Catch::Matchers::Contains("  scenario:\n      name: town\n      populations:\n"
                                             "        - kind: epidemic\n          agents: 1000\n"));
  CHECK(open_hdf5_objects() == 0);
}

TEST_CASE("inspect_hdf5 and read_table_hdf5 refuse what is not a Simulacra dataset", "[hdf5][inspect]") {
  TempDir dir;
  SECTION("a text file") {
    const std::string path = dir / "notes.h5";
    { std::ofstream(path) << "not hdf5 at all\n"; }
    CHECK_THAT(data_error_message([&] { simulacra::inspect_hdf5(path); }),
               Catch::Matchers::Contains(path) && Catch::Matchers::Contains("not an HDF5 file"));
    CHECK_THROWS_AS(simulacra::read_table_hdf5(path, every_type_schema()), DataError);
  }
  SECTION("a missing file") {
    const std::string path = dir / "missing.h5";
    CHECK_THAT(data_error_message([&] { simulacra::inspect_hdf5(path); }),
               Catch::Matchers::Contains(path));
  }
  SECTION("an HDF5 file of another layout") {
    const std::string path = dir / "other.h5";
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t group = H5Gcreate2(file, "measurements", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(group);
    H5Fclose(file);
    CHECK_THAT(data_error_message([&] { simulacra::inspect_hdf5(path); }),
               Catch::Matchers::Contains("not a Simulacra dataset"));
  }
  SECTION("a schema that does not match") {
    const std::string path = dir / "run.h5";
    const TableSchema schema = every_type_schema();
    {
      Hdf5Sink sink(path, 4);
      sink.open({schema});
      write_chunks(sink, schema, {3});
      sink.commit({});
    }
    TableSchema wrong_type = schema;
    wrong_type.columns[0].type = ColumnType::float64;
    CHECK_THAT(data_error_message([&] { simulacra::read_table_hdf5(path, wrong_type); }),
               Catch::Matchers::Contains("holds int64, not float64"));
    TableSchema missing_column = schema;
    missing_column.columns.push_back({"extra", ColumnType::int64, "", ""});
    CHECK_THAT(data_error_message([&] { simulacra::read_table_hdf5(path, missing_column); }),
               Catch::Matchers::Contains("no column extra"));
    TableSchema missing_table = schema;
    missing_table.name = "town.absent";
    CHECK_THAT(data_error_message([&] { simulacra::read_table_hdf5(path, missing_table); }),
               Catch::Matchers::Contains("no table town.absent"));
  }
  CHECK(open_hdf5_objects() == 0);
}

// --- checkpoints: snapshot, then restore after a crash ---

TEST_CASE("Hdf5Sink stores a column with levels as fixed-length strings, read back exactly, and refuses other values",
          "[hdf5]") {
  TempDir dir;
  const std::string path = dir / "run.h5";
  TableSchema schema{"book.orders", "one order",
                     {{"side", ColumnType::string, "", "buy or sell", {"buy", "sell"}},
                      {"status", ColumnType::string, "", "", {"", "accepted", "rejected", "ünïcode"}},
                      {"note", ColumnType::string, "", "free text"}}};
  const std::vector<std::string> statuses = {"accepted", "", "rejected", "ünïcode"};
  constexpr std::size_t kRows = 1003;
  {
    Hdf5Sink sink(path, 64);
    sink.open({schema});
    TableChunk rows(schema);
    for (std::size_t i = 0; i < kRows; ++i) {
      rows.append(0, std::string_view(i % 3 == 0 ? "sell" : "buy"));
      rows.append(1, std::string_view(statuses[i % statuses.size()]));
      rows.append(2, std::string_view(i % 2 == 0 ? "a longer note than any level" : "x"));
      rows.end_row();
    }
    sink.write(0, rows);
    sink.commit({});
  }
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t side = H5Dopen2(file, "/book.orders/status", H5P_DEFAULT);
  const hid_t type = H5Dget_type(side);
  CHECK(H5Tget_class(type) == H5T_STRING);
  CHECK(H5Tis_variable_str(type) == 0);
  CHECK(H5Tget_size(type) == std::string("ünïcode").size());  // the longest level, in bytes
  CHECK(H5Tget_cset(type) == H5T_CSET_UTF8);
  H5Tclose(type);
  H5Dclose(side);
  const hid_t note = H5Dopen2(file, "/book.orders/note", H5P_DEFAULT);
  const hid_t note_type = H5Dget_type(note);
  CHECK(H5Tis_variable_str(note_type) > 0);  // free text stays variable-length
  H5Tclose(note_type);
  H5Dclose(note);
  H5Fclose(file);

  const TableChunk back = simulacra::read_table_hdf5(path, schema);
  REQUIRE(back.rows() == kRows);
  bool equal = true;
  for (std::size_t i = 0; i < kRows; ++i) {
    equal = equal && std::get<2>(back.column(0))[i] == (i % 3 == 0 ? "sell" : "buy") &&
            std::get<2>(back.column(1))[i] == statuses[i % statuses.size()] &&
            std::get<2>(back.column(2))[i] == (i % 2 == 0 ? "a longer note than any level" : "x");
  }
  CHECK(equal);

  // A value that is not a level: refused with the column and row, never cut or stored.
  for (const char* bad : {"hold", "buyer", "bu"}) {
    const std::string bad_path = dir / (std::string(bad) + ".h5");
    Hdf5Sink sink(bad_path, 64);
    sink.open({schema});
    TableChunk rows(schema);
    rows.append(0, std::string_view(bad));
    rows.append(1, std::string_view("accepted"));
    rows.append(2, std::string_view(""));
    rows.end_row();
    sink.write(0, rows);
    try {
      sink.commit({});
      FAIL("a value outside the levels was written: " << bad);
    } catch (const std::invalid_argument& e) {
      CHECK_THAT(e.what(), Catch::Contains("/book.orders/side (row 0) holds \"" + std::string(bad) + "\""));
    }
    CHECK_FALSE(fs::exists(bad_path));
  }
}
