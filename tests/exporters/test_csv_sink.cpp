// CsvSink: exact file contents, RFC 4180 quoting, doubles that read back
// exactly, provenance.json, and whole-or-nothing output directories.
#include <bit>
#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "data_error_message.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/exporters/csv_sink.hpp"
#include "simulacra/exporters/hdf5_sink.hpp"
#include "snapshot_tables.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using simulacra::ColumnType;
using simulacra::CsvSink;
using simulacra::DataError;
using simulacra::TableChunk;
using simulacra::TableSchema;
using simulacra::test::data_error_message;
using simulacra::test::files_in;
using simulacra::test::snapshot_schemas;
using simulacra::test::TempDir;
using simulacra::test::write_events;

namespace {

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TableSchema trades_schema() {
  return TableSchema{"market.trades",
                     "one trade",
                     {{"id", ColumnType::int64, "", ""},
                      {"price", ColumnType::float64, "EUR", "price per share"},
                      {"note", ColumnType::string, "", ""},
                      {"buy", ColumnType::boolean, "", ""}}};
}

void add_trade(TableChunk& chunk, std::int64_t id, double price, std::string_view note, bool buy) {
  chunk.append(0, id);
  chunk.append(1, price);
  chunk.append(2, note);
  chunk.append(3, buy);
  chunk.end_row();
}

/// splitmix64: arbitrary but reproducible bit patterns.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

TEST_CASE("CsvSink writes a header and RFC 4180 quoted rows", "[csv]") {
  TempDir dir;
  const std::string out = dir / "run";
  TableSchema schema = trades_schema();
  schema.columns[2].name = "note, free text";
  {
    CsvSink sink(out);
    sink.open({schema});
    TableChunk first(schema);
    add_trade(first, 1, 0.1, "plain", true);
    add_trade(first, std::numeric_limits<std::int64_t>::min(), -0.0, "a,b", false);
    add_trade(first, std::numeric_limits<std::int64_t>::max(), 1e-300, "say \"hi\"", true);
    sink.write(0, first);
    TableChunk second(schema);
    add_trade(second, 0, std::numeric_limits<double>::quiet_NaN(), "two\nlines", false);
    add_trade(second, 42, std::numeric_limits<double>::infinity(), "", true);
    add_trade(second, 7, -std::numeric_limits<double>::infinity(), "crlf\r\n", false);
    add_trade(second, 3, 2.5, "h\xc3\xa9llo \xe2\x9c\x93", true);
    sink.write(0, second);
    sink.commit({});
  }
  CHECK(read_file(fs::path(out) / "market.trades.csv") ==
        "id,price,\"note, free text\",buy\n"
        "1,0.1,plain,true\n"
        "-9223372036854775808,-0,\"a,b\",false\n"
        "9223372036854775807,1e-300,\"say \"\"hi\"\"\",true\n"
        "0,nan,\"two\nlines\",false\n"
        "42,inf,\"\",true\n"
        "7,-inf,\"crlf\r\n\",false\n"
        "3,2.5,h\xc3\xa9llo \xe2\x9c\x93,true\n");
}

TEST_CASE("CsvSink's numbers read back exactly with std::from_chars", "[csv]") {
  TempDir dir;
  const std::string out = dir / "run";
  const TableSchema schema{"numbers", "one value", {{"x", ColumnType::float64, "", ""},
                                                    {"n", ColumnType::int64, "", ""}}};
  std::vector<double> doubles = {-0.0, 0.0, 1e-300, 5e-324, 0.1, 1.0 / 3.0, 1e308,
                                 std::numeric_limits<double>::max(),
                                 std::numeric_limits<double>::min(),
                                 std::numeric_limits<double>::quiet_NaN(),
                                 -std::numeric_limits<double>::quiet_NaN(),
                                 std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity()};
  // Arbitrary bit patterns cover every exponent, subnormals and NaNs.
  for (std::uint64_t i = 0; i < 3000; ++i) doubles.push_back(std::bit_cast<double>(mix(i)));
  {
    CsvSink sink(out);
    sink.open({schema});
    TableChunk chunk(schema);
    for (std::size_t i = 0; i < doubles.size(); ++i) {
      chunk.append(0, doubles[i]);
      chunk.append(1, static_cast<std::int64_t>(mix(i + 100000)));
      chunk.end_row();
      if (chunk.rows() == 500) {
        sink.write(0, chunk);
        chunk.clear();
      }
    }
    sink.write(0, chunk);
    sink.commit({});
  }
  std::istringstream lines(read_file(fs::path(out) / "numbers.csv"));
  std::string line;
  REQUIRE(std::getline(lines, line));
  CHECK(line == "x,n");
  std::size_t row = 0;
  while (std::getline(lines, line)) {
    INFO("row " << row << ": " << line);
    REQUIRE(row < doubles.size());
    const std::size_t comma = line.find(',');
    REQUIRE(comma != std::string::npos);
    double x = 0;
    const auto parsed_x = std::from_chars(line.data(), line.data() + comma, x);
    REQUIRE(parsed_x.ec == std::errc());
    CHECK(parsed_x.ptr == line.data() + comma);
    if (std::isnan(doubles[row])) {
      CHECK(std::isnan(x));
      CHECK(std::signbit(x) == std::signbit(doubles[row]));
    } else {
      CHECK(std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(doubles[row]));
    }
    std::int64_t n = 0;
    const auto parsed_n = std::from_chars(line.data() + comma + 1, line.data() + line.size(), n);
    REQUIRE(parsed_n.ec == std::errc());
    CHECK(n == static_cast<std::int64_t>(mix(row + 100000)));
    ++row;
  }
  CHECK(row == doubles.size());
}

TEST_CASE("CsvSink writes the provenance as escaped JSON", "[csv]") {
  TempDir dir;
  const std::string out = dir / "run";
  {
    CsvSink sink(out);
    sink.open({trades_schema()});
    sink.commit({{"seed", "42"},
                 {"scenario", "name: \"town\"\npath: C:\\data\n\tend"},
                 {"control", std::string("bell\x07 nul", 9) + std::string(1, '\0')},
                 {"unicode", "\xe2\x9c\x93"}});
  }
  CHECK(read_file(fs::path(out) / "provenance.json") ==
        "{\n"
        "  \"control\": \"bell\\u0007 nul\\u0000\",\n"
        "  \"scenario\": \"name: \\\"town\\\"\\npath: C:\\\\data\\n\\tend\",\n"
        "  \"seed\": \"42\",\n"
        "  \"unicode\": \"\xe2\x9c\x93\"\n"
        "}\n");
  // A table with no rows still gets its header.
  CHECK(read_file(fs::path(out) / "market.trades.csv") == "id,price,note,buy\n");
}

TEST_CASE("CsvSink's directory appears whole at commit or not at all", "[csv]") {
  TempDir dir;
  const std::string out = dir / "run";
  const TableSchema schema = trades_schema();
  TableChunk chunk(schema);
  add_trade(chunk, 1, 1.5, "x", true);

  SECTION("files live in the temporary directory until commit") {
    CsvSink sink(out);
    CHECK(sink.temporary_directory() == (dir.path() / "run.tmp-").string() + std::to_string(::getpid()));
    sink.open({schema});
    sink.write(0, chunk);
    CHECK_FALSE(fs::exists(out));
    CHECK(fs::exists(fs::path(sink.temporary_directory()) / "market.trades.csv"));
    sink.commit({{"seed", "1"}});
    CHECK(fs::exists(fs::path(out) / "market.trades.csv"));
    CHECK(fs::exists(fs::path(out) / "provenance.json"));
    CHECK_FALSE(fs::exists(sink.temporary_directory()));
    sink.abort();  // after commit: does nothing
    CHECK(fs::exists(fs::path(out) / "provenance.json"));
  }
  SECTION("abort removes everything") {
    CsvSink sink(out);
    sink.open({schema});
    sink.write(0, chunk);
    sink.abort();
    CHECK(fs::is_empty(dir.path()));
  }
  SECTION("the destructor aborts an uncommitted sink") {
    {
      CsvSink sink(out);
      sink.open({schema});
      sink.write(0, chunk);
    }
    CHECK(fs::is_empty(dir.path()));
  }
  SECTION("an empty target directory is replaced; a trailing slash is fine") {
    fs::create_directory(out);
    CsvSink sink(out + "/");
    sink.open({schema});
    sink.write(0, chunk);
    sink.commit({});
    CHECK(read_file(fs::path(out) / "market.trades.csv") == "id,price,note,buy\n1,1.5,x,true\n");
  }
  SECTION("a non-empty target directory is refused at open, untouched") {
    fs::create_directory(out);
    { std::ofstream(fs::path(out) / "keep.txt") << "mine"; }
    CsvSink sink(out);
    CHECK_THAT(data_error_message([&] { sink.open({schema}); }),
               Catch::Matchers::Contains(out) && Catch::Matchers::Contains("not empty"));
    CHECK(read_file(fs::path(out) / "keep.txt") == "mine");
    CHECK_FALSE(fs::exists(sink.temporary_directory()));
  }
  SECTION("a target that is a file is refused") {
    { std::ofstream(out) << "a file"; }
    CsvSink sink(out);
    CHECK_THAT(data_error_message([&] { sink.open({schema}); }),
               Catch::Matchers::Contains(out) && Catch::Matchers::Contains("not a directory"));
  }
  SECTION("a parent directory that does not exist") {
    const std::string nowhere = dir / "missing/run";
    CsvSink sink(nowhere);
    CHECK_THAT(data_error_message([&] { sink.open({schema}); }),
               Catch::Matchers::Contains(nowhere) &&
                   Catch::Matchers::Contains("No such file or directory"));
    CHECK(fs::is_empty(dir.path()));
  }
}

TEST_CASE("CsvSink writes several tables and values larger than its buffer", "[csv]") {
  TempDir dir;
  const std::string out = dir / "run";
  const TableSchema trades = trades_schema();
  const TableSchema notes{"notes", "one note", {{"text", ColumnType::string, "", ""}}};
  const std::string huge(3 << 20, 'q');  // three times the 1 MiB buffer
  {
    CsvSink sink(out);
    sink.open({trades, notes});
    TableChunk note(notes);
    note.append(0, std::string_view(huge));
    note.end_row();
    note.append(0, std::string_view("short"));
    note.end_row();
    TableChunk trade(trades);
    add_trade(trade, 5, 0.5, "t", false);
    sink.write(1, note);
    sink.write(0, trade);
    sink.write(1, note);
    CHECK_THROWS_AS(sink.write(2, note), std::invalid_argument);
    CHECK_THROWS_AS(sink.write(0, note), std::invalid_argument);
    sink.commit({});
  }
  CHECK(read_file(fs::path(out) / "notes.csv") ==
        "text\n" + huge + "\nshort\n" + huge + "\nshort\n");
  CHECK(read_file(fs::path(out) / "market.trades.csv") == "id,price,note,buy\n5,0.5,t,false\n");
}

TEST_CASE("CsvSink resumed from a snapshot writes what an uninterrupted sink writes", "[csv][snapshot]") {
  TempDir dir;
  const auto schemas = snapshot_schemas();
  constexpr std::size_t kBefore = 21;
  constexpr std::size_t kAfter = 13;
  for (const char* name : {"reference", "before"}) {
    CsvSink reference(dir / name);
    reference.open(schemas);
    write_events(reference, 0, kBefore, 5);
    if (std::string(name) == "reference") write_events(reference, kBefore, kAfter, 4);
    reference.commit(simulacra::test::kSnapshotProvenance);
  }
  const auto expected = files_in(dir / "reference");
  const fs::path snapshot = dir.path() / "snapshot";
  fs::create_directory(snapshot);

  SECTION("after the process was killed, twice from the same snapshot") {
    const int status = simulacra::test::run_then_die([&] {
      CsvSink sink(dir / "run");
      sink.open(schemas);
      write_events(sink, 0, kBefore, 5);
      sink.snapshot(snapshot.string());
      write_events(sink, kBefore, kAfter, 4);
    });
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    // The rows were still in the sink's buffer; the snapshot has them all.
    auto saved = files_in(snapshot);
    for (const auto& schema : schemas) {
      CHECK(saved[schema.name + ".csv"] == read_file(fs::path(dir / "before") / (schema.name + ".csv")));
    }
    for (const char* name : {"run", "again"}) {
      CsvSink sink(dir / name);
      sink.restore(schemas, snapshot.string());
      write_events(sink, kBefore, kAfter, 4);
      sink.commit(simulacra::test::kSnapshotProvenance);
      CHECK(files_in(dir / name) == expected);
    }
    CHECK(files_in(snapshot) == saved);  // restoring leaves the snapshot as it was
  }
  SECTION("while the original sink goes on writing") {
    CsvSink original(dir / "original");
    original.open(schemas);
    write_events(original, 0, kBefore, 5);
    original.snapshot(snapshot.string());
    write_events(original, kBefore, kAfter, 4);
    fs::create_directory(dir.path() / "later");
    original.snapshot(dir / "later");  // a second snapshot changes nothing either
    CsvSink resumed(dir / "resumed");
    resumed.restore(schemas, snapshot.string());
    write_events(resumed, kBefore, kAfter, 4);
    resumed.commit(simulacra::test::kSnapshotProvenance);
    original.commit(simulacra::test::kSnapshotProvenance);
    CHECK(files_in(dir / "resumed") == expected);
    CHECK(files_in(dir / "original") == expected);
  }
}

TEST_CASE("CsvSink refuses to resume from a missing, damaged or foreign snapshot", "[csv][snapshot]") {
  TempDir dir;
  auto schemas = snapshot_schemas();
  const fs::path snapshot = dir.path() / "snapshot";
  fs::create_directory(snapshot);
  {
    CsvSink sink(dir / "run");
    sink.open(schemas);
    write_events(sink, 0, 21, 5);
    sink.snapshot(snapshot.string());
  }
  const std::string events = (snapshot / "town.events.csv").string();
  auto restore_error = [&] {
    CsvSink sink(dir / "resumed");
    const std::string message = data_error_message([&] { sink.restore(schemas, snapshot.string()); });
    CHECK_FALSE(fs::exists(sink.temporary_directory()));  // nothing left behind
    CHECK_FALSE(fs::exists(dir / "resumed"));
    return message;
  };
  using Catch::Matchers::Contains;

  SECTION("an empty directory") {
    fs::remove_all(snapshot);
    fs::create_directory(snapshot);
    CHECK_THAT(restore_error(), Contains((snapshot / "snapshot.txt").string()) && Contains("no snapshot"));
  }
  SECTION("a truncated or missing table file") {
    fs::resize_file(events, fs::file_size(events) - 10);
    CHECK_THAT(restore_error(), Contains(events) && Contains("truncated"));
    fs::remove(events);
    CHECK_THAT(restore_error(), Contains(events) && Contains("missing"));
  }
  SECTION("a snapshot of other tables") {
    schemas[0].columns[0].type = ColumnType::float64;
    CHECK_THAT(restore_error(), Contains(events) && Contains("not a snapshot of these tables"));
    schemas = snapshot_schemas();
    schemas[0].columns[0].name = "total";
    CHECK_THAT(restore_error(), Contains(events) && Contains("not a snapshot of these tables"));
    schemas = snapshot_schemas();
    schemas.pop_back();
    CHECK_THAT(restore_error(), Contains("snapshot.txt") && Contains("lists 3 files"));
  }
  SECTION("a snapshot of an HDF5 dataset") {
    fs::remove_all(snapshot);
    fs::create_directory(snapshot);
    simulacra::Hdf5Sink hdf5(dir / "run.h5");
    hdf5.open(schemas);
    hdf5.snapshot(snapshot.string());
    CHECK_THAT(restore_error(), Contains("not a snapshot of a csv dataset"));
  }
}
