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
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using simulacra::ColumnType;
using simulacra::CsvSink;
using simulacra::DataError;
using simulacra::TableChunk;
using simulacra::TableSchema;
using simulacra::test::data_error_message;
using simulacra::test::TempDir;

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
