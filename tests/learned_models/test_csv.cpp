// CSV reading: type detection, overrides, and exact messages for bad input.
#include <catch2/catch.hpp>

#include "simulacra/learned/data_table.hpp"

using namespace simulacra;
using namespace simulacra::learned;

namespace {
std::string error_of(const std::string& text, const TypeOverrides& o = {}) {
  try {
    parse_csv(text, "t.csv", o);
  } catch (const DataError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("CSV columns are typed by detection and by override", "[learned][csv]") {
  const auto t = parse_csv("age,city,score\n30,\"Paris, FR\",1.5\n41,Lyon,2\r\n30,\"say \"\"hi\"\"\",-3e2\n", "t.csv");
  REQUIRE(t.rows == 3);
  CHECK(t.columns[0].kind == ColumnKind::numeric);
  CHECK(t.columns[0].integral);
  CHECK(t.columns[1].kind == ColumnKind::categorical);
  CHECK(t.columns[1].levels == std::vector<std::string>{"Lyon", "Paris, FR", "say \"hi\""});
  CHECK(t.cell_text(1, 0) == "Paris, FR");
  CHECK(t.columns[2].kind == ColumnKind::numeric);
  CHECK_FALSE(t.columns[2].integral);
  CHECK(t.columns[2].values[2] == -300.0);

  const auto forced = parse_csv("age,city,score\n30,x,1.5\n41,y,2\n", "t.csv", {{"age", ColumnKind::categorical}});
  CHECK(forced.columns[0].kind == ColumnKind::categorical);
  CHECK(forced.columns[0].levels == std::vector<std::string>{"30", "41"});

  // What to_csv writes reads back the same.
  const auto again = parse_csv(to_csv(t), "again.csv");
  CHECK(to_csv(again) == to_csv(t));
  CHECK(parse_type_override("a=numeric").second == ColumnKind::numeric);
  CHECK_THROWS_AS(parse_type_override("a=text"), DataError);
}

TEST_CASE("malformed CSV is reported with file, line and column", "[learned][csv]") {
  CHECK(error_of("a,b\n1,2\n3,4,5\n") == "t.csv:3:5: expected 2 fields (as in the header), found 3");
  CHECK(error_of("a,b\n1\n") == "t.csv:2:2: expected 2 fields (as in the header), found 1");
  CHECK(error_of("a\n\"abc\n") == "t.csv:2:1: unterminated quoted field");
  CHECK(error_of("a,b\n\"x\"y,2\n") == "t.csv:2:4: unexpected 'y' after a closing quote (expected ',' or end of line)");
  CHECK(error_of("a,b\n1,x\n", {{"b", ColumnKind::numeric}}) == "t.csv:2:3: column 'b' is numeric but 'x' is not a number");
  CHECK(error_of("a,b\n1,\n", {{"b", ColumnKind::numeric}}) == "t.csv:2:3: column 'b' is numeric but the value is missing");
  CHECK(error_of("a,a\n1,2\n") == "t.csv:1:3: duplicate column name 'a'");
  CHECK(error_of("") == "t.csv: empty file (expected a header row naming the columns)");
  CHECK(error_of("a,b\n") == "t.csv: no data rows (the table is empty)");
  CHECK(error_of("a,b\n1,2\n", {{"c", ColumnKind::numeric}}) == "t.csv: --type names unknown column 'c' (columns: a, b)");
  const auto t = parse_csv("a,b\n1,2\n", "t.csv");
  CHECK_THROWS_WITH(t.index("z"), "unknown column 'z' (columns: a, b)");
  CHECK_THROWS_WITH(read_csv("/nonexistent/x.csv"), "/nonexistent/x.csv: cannot open file for reading");
}
