// Column kinds as users' tables have them: ids, personal data, dates and
// times, numbers with empty cells; detection, overrides and messages.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "simulacra/learned/data_table.hpp"
#include "simulacra/learned/datetime.hpp"
#include "simulacra/learned/metrics.hpp"
#include "simulacra/learned/table_metadata.hpp"

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

// `rows` rows of: a counter key, a prefixed key, an e-mail, a phone number,
// a date-time, a repeated number with every fifth cell empty, a category.
std::string mixed_csv(int rows) {
  std::string s = "n,customer_id,email,phone,seen,visits,city\n";
  for (int i = 0; i < rows; ++i) {
    char line[200];
    std::snprintf(line, sizeof line, "%d,C%05d,user%d.x@mail.org,+44 20 7946 %04d,2024-03-%02d %02d:%02d:00,%s,%s\n",
                  i + 1, 7 * i, i, i, 1 + i % 28, i % 24, i % 60, i % 5 == 0 ? "" : std::to_string(i % 7).c_str(),
                  i % 2 ? "Lyon" : "Paris");
    s += line;
  }
  return s;
}

}  // namespace

TEST_CASE("dates and times parse in the supported formats and print back the same", "[learned][kinds]") {
  CHECK(*parse_datetime("1970-01-02", "%Y-%m-%d") == 86400);
  CHECK(*parse_datetime("2024-03-05 14:30:00", "%Y-%m-%d %H:%M:%S") == 1709649000);
  CHECK(*parse_datetime("2024-03-05T14:30:00Z", "%Y-%m-%dT%H:%M:%SZ") == 1709649000);
  CHECK(*parse_datetime("2024/02/29", "%Y/%m/%d") == *parse_datetime("2024-02-29", "%Y-%m-%d"));
  CHECK_FALSE(parse_datetime("2023-02-29", "%Y-%m-%d"));  // not a leap year
  CHECK_FALSE(parse_datetime("2024-13-01", "%Y-%m-%d"));
  CHECK_FALSE(parse_datetime("2024-03-05 24:00:00", "%Y-%m-%d %H:%M:%S"));
  CHECK_FALSE(parse_datetime("05/03/2024", "%Y-%m-%d"));
  for (const std::string& f : datetime_formats())
    for (double t : {-86400.0 * 400, 0.0, 951782400.0, 1709649000.0, 4102444799.0}) {
      const double step = datetime_step(f);
      const double floored = std::floor(t / step) * step;
      CHECK(*parse_datetime(format_datetime(t, f), f) == floored);
    }
  CHECK(format_datetime(1709649000.9, "%Y-%m-%dT%H:%M") == "2024-03-05T14:30");
}

TEST_CASE("read_csv detects ids, personal data, datetimes and numbers with empty cells", "[learned][kinds]") {
  const DataTable t = parse_csv(mixed_csv(200), "t.csv");
  CHECK(t.columns[0].kind == ColumnKind::id);  // 1..200: distinct, dense
  CHECK(t.columns[1].kind == ColumnKind::id);
  CHECK(t.columns[1].personal.empty());
  CHECK(t.columns[2].kind == ColumnKind::id);
  CHECK(t.columns[2].personal == "e-mail");
  CHECK(t.columns[3].kind == ColumnKind::id);
  CHECK(t.columns[3].personal == "phone number");
  CHECK(t.columns[4].kind == ColumnKind::datetime);
  CHECK(t.columns[4].format == "%Y-%m-%d %H:%M:%S");
  CHECK(t.cell_text(4, 1) == "2024-03-02 01:01:00");
  CHECK(t.columns[5].kind == ColumnKind::numeric);
  CHECK(t.columns[5].missing == 40);
  CHECK(std::isnan(t.columns[5].values[0]));
  CHECK(t.columns[5].integral);
  CHECK(t.cell_text(5, 0).empty());
  CHECK(t.columns[6].kind == ColumnKind::categorical);

  // Empty cells stay empty when written, and read back the same.
  CHECK(to_csv(parse_csv(to_csv(t), "again.csv")) == to_csv(t));
  // Few rows are never keys; integers that are neither named nor dense are numbers.
  CHECK(parse_csv(mixed_csv(10), "t.csv").columns[1].kind == ColumnKind::categorical);
  std::string sparse = "amount\n";
  for (int i = 0; i < 50; ++i) sparse += std::to_string(1000 + 97 * i * i) + "\n";
  CHECK(parse_csv(sparse, "t.csv").columns[0].kind == ColumnKind::numeric);
  // Empty cells in a categorical column remain a level.
  const DataTable cat = parse_csv("c,x\na,1\n,2\nb,3\n", "t.csv");
  CHECK(cat.columns[0].levels == std::vector<std::string>{"", "a", "b"});

  // Overrides: any kind can be forced.
  const DataTable forced = parse_csv(mixed_csv(200), "t.csv",
                                     {{"n", ColumnKind::numeric}, {"customer_id", ColumnKind::categorical},
                                      {"seen", ColumnKind::categorical}, {"city", ColumnKind::id}});
  CHECK(forced.columns[0].kind == ColumnKind::numeric);
  CHECK(forced.columns[1].kind == ColumnKind::categorical);
  CHECK(forced.columns[4].kind == ColumnKind::categorical);
  CHECK(forced.columns[6].kind == ColumnKind::id);
  CHECK(parse_type_override("d=datetime").second == ColumnKind::datetime);
  CHECK(parse_type_override("k=id").second == ColumnKind::id);
  CHECK_THROWS_WITH(parse_type_override("d=date"), "--type 'd=date': expected COLUMN=numeric, categorical, id or datetime");
}

TEST_CASE("bad cells in forced or detected kinds are reported at file:line:column", "[learned][kinds]") {
  CHECK(error_of("a,d\n1,2024-01-01\n2,yesterday\n", {{"d", ColumnKind::datetime}}) ==
        "t.csv:3:3: column 'd' is datetime (%Y-%m-%d, as its first value) but 'yesterday' is not");
  CHECK(error_of("a,d\n1,soon\n", {{"d", ColumnKind::datetime}}).rfind(
            "t.csv:2:3: column 'd' is datetime but 'soon' is in none of the formats %Y-%m-%d, ", 0) == 0);
  CHECK(error_of("a,b\n1,\n2,\n", {{"b", ColumnKind::numeric}}) == "t.csv: column 'b' is numeric but every value is missing");
  CHECK(error_of("a,b\n1,\n", {{"b", ColumnKind::datetime}}) == "t.csv: column 'b' is datetime but every value is missing");
  // Tables of observed figures refuse empty cells.
  std::string err;
  try {
    parse_csv("a,b\n1,2\n3,\n", "obs.csv", {}, /*allow_missing=*/false);
  } catch (const DataError& e) {
    err = e.what();
  }
  CHECK(err == "obs.csv:3:3: column 'b' is numeric but the value is missing");
  // A mixed column is text, whatever its first values.
  CHECK(parse_csv("d\n2024-01-01\n2024-01-02\nlater\n", "t.csv").columns[0].kind == ColumnKind::categorical);
}

TEST_CASE("fresh ids keep the real format and never repeat a real one", "[learned][kinds]") {
  const DataTable t = parse_csv(mixed_csv(300), "t.csv");
  RandomStream rng(3, 0);
  const IdFormat plain = id_format_of(t.columns[0]);
  CHECK(plain.style == IdFormat::Style::number);
  CHECK(plain.prefix.empty());
  CHECK(fresh_ids(plain, 3, rng) == std::vector<std::string>{"301", "302", "303"});
  const IdFormat prefixed = id_format_of(t.columns[1]);
  CHECK(prefixed.prefix == "C");
  CHECK(prefixed.width == 5);
  CHECK(prefixed.describe() == "\"C\" + numbers of 5 digits from 2094");
  CHECK(fresh_ids(prefixed, 2, rng) == std::vector<std::string>{"C02094", "C02095"});

  std::set<std::string> real_emails(t.columns[2].levels.begin(), t.columns[2].levels.end());
  const auto emails = fresh_ids(id_format_of(t.columns[2]), 2000, rng);
  CHECK(std::set<std::string>(emails.begin(), emails.end()).size() == emails.size());
  for (const auto& e : emails) {
    CHECK(real_emails.count(e) == 0);
    CHECK(e.size() > 12);
    CHECK(e.substr(e.size() - 12) == "@example.com");
  }
  const auto phones = fresh_ids(id_format_of(t.columns[3]), 500, rng);
  for (const auto& p : phones) {
    REQUIRE(p.size() == std::string("+44 20 7946 0001").size());
    CHECK(p[0] == '+');
    CHECK(p[3] == ' ');
    CHECK(p[6] == ' ');
  }
  CHECK(std::set<std::string>(phones.begin(), phones.end()).size() == phones.size());
}

TEST_CASE("evaluate leaves ids out of exact copies and compares the missing rate", "[learned][kinds]") {
  std::string real = "id,city,kids,score\n", synth = real;
  for (int i = 0; i < 100; ++i) {
    const std::string row = std::string(i % 2 ? "Lyon," : "Paris,") + std::to_string(i % 3) + "," +
                            (i % 4 == 0 ? "" : std::to_string(i % 5)) + "\n";
    (real += 'K') += std::to_string(1000 + i) + "," + row;
    (synth += 'K') += std::to_string(5000 + i) + "," + row;  // every row a copy, with a fresh id
  }
  const DataTable r = parse_csv(real, "real.csv");
  REQUIRE(r.columns[0].kind == ColumnKind::id);
  TypeOverrides kinds;
  for (const auto& c : r.columns) kinds[c.name] = c.kind;
  const DataTable s = align_columns(r, parse_csv(synth, "synth.csv", kinds), "synth.csv");
  const Evaluation e = evaluate(r, s, nullptr);
  CHECK(e.exact_copy_share == 1.0);
  CHECK(e.id_columns == std::vector<std::string>{"id"});
  CHECK(to_text(e).find("of synthetic rows (ids excluded: id)") != std::string::npos);
  bool indicator = false;
  for (const auto& c : e.columns)
    if (c.column == "score.missing") {
      indicator = true;
      CHECK(c.metric == "1-TV");
      CHECK(c.score == Approx(1.0));
    }
  CHECK(indicator);
}
