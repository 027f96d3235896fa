// CSV reading: type detection, overrides, and exact messages for bad input.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "simulacra/learned/copula.hpp"
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
  CHECK(error_of("a,b\n1,\n", {{"b", ColumnKind::numeric}}) == "t.csv: column 'b' is numeric but every value is missing");
  CHECK(error_of("a,a\n1,2\n") == "t.csv:1:3: duplicate column name 'a'");
  CHECK(error_of("") == "t.csv: empty file (expected a header row naming the columns)");
  CHECK(error_of("a,b\n") == "t.csv: no data rows (the table is empty)");
  CHECK(error_of("a,b\n1,2\n", {{"c", ColumnKind::numeric}}) == "t.csv: --type names unknown column 'c' (columns: a, b)");
  const auto t = parse_csv("a,b\n1,2\n", "t.csv");
  CHECK_THROWS_WITH(t.index("z"), "unknown column 'z' (columns: a, b)");
  CHECK_THROWS_WITH(read_csv("/nonexistent/x.csv"), "/nonexistent/x.csv: cannot open file for reading");
}

TEST_CASE("a numeric column keeps its precision: detected from the text, sampled and written with it",
          "[learned][csv]") {
  CHECK(decimals_of("42") == 0);
  CHECK(decimals_of("-3.50") == 2);
  CHECK(decimals_of("0.125") == 3);
  CHECK(decimals_of("1e5") == 0);
  CHECK(decimals_of("1.5e-3") == -1);
  CHECK(decimals_of("3.14159265") == -1);  // beyond kMaxDecimals: measured, not a precision
  // Incomes written with two decimals, one of them with one, one whole.
  std::string text = "income,region\n";
  for (int i = 0; i < 400; ++i) {
    const double v = 20000.0 + 137.37 * i + (i % 7) * 0.01;
    char buf[64];
    std::snprintf(buf, sizeof buf, i == 3 ? "%.1f" : i == 5 ? "%.0f" : "%.2f", v);
    text += std::string(buf) + (i % 2 ? ",north\n" : ",south\n");
  }
  const DataTable real = parse_csv(text, "incomes.csv");
  REQUIRE(real.columns[0].kind == ColumnKind::numeric);
  CHECK(real.columns[0].decimals == 2);
  CHECK_FALSE(real.columns[0].integral);
  CHECK(parse_csv("x\n1.5\n2.5e-3\n", "e.csv").columns[0].decimals == -1);

  const auto model = GaussianCopula::fit(real);
  RandomStream rng(3, 0);
  const DataTable synth = model->sample(500, rng, {});
  CHECK(synth.columns[0].decimals == 2);
  for (const double v : synth.columns[0].values) {
    INFO(v);
    CHECK(std::abs(v * 100.0 - std::round(v * 100.0)) < 1e-6);  // a whole number of cents
  }
  // Every value is written with exactly two places, as in the input.
  const std::string csv = to_csv(synth);
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  std::size_t checked = 0;
  while (std::getline(lines, line)) {
    const std::string value = line.substr(0, line.find(','));
    INFO(value);
    CHECK(decimals_of(value) == 2);
    ++checked;
  }
  CHECK(checked == 500);
}
