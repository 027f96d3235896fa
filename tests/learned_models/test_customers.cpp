// The generators on a customer table as users have it (customers.hpp): ids
// fresh and in format, the missing rate and its dependence on region kept,
// dates within range and in format but not only observed ones, precision.
#include <catch2/catch.hpp>

#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "customers.hpp"
#include "simulacra/learned/bayes_net.hpp"
#include "simulacra/learned/copula.hpp"
#include "simulacra/learned/datetime.hpp"
#include "simulacra/learned/model_attributes.hpp"
#include "simulacra/learned/model_summary.hpp"

using namespace simulacra;
using namespace simulacra::learned;
namespace fs = std::filesystem;

namespace {

struct Figures {
  double missing = 0;        // share of empty score cells
  double north_missing = 0;  // ... among north's rows
  double other_missing = 0;  // ... among the other regions' rows
  double income_score = 0;   // Pearson correlation over rows with a score
};

Figures figures(const DataTable& t) {
  const auto& region = t.columns[t.index("region")];
  const auto& income = t.columns[t.index("income")];
  const auto& score = t.columns[t.index("score")];
  double n_north = 0, m_north = 0, n_other = 0, m_other = 0;
  std::vector<double> a, b;
  for (std::size_t r = 0; r < t.rows; ++r) {
    const bool north = region.levels[static_cast<std::size_t>(region.values[r])] == "north";
    const bool missing = std::isnan(score.values[r]);
    (north ? n_north : n_other) += 1;
    (north ? m_north : m_other) += missing ? 1 : 0;
    if (!missing) {
      a.push_back(std::log(income.values[r]));
      b.push_back(score.values[r]);
    }
  }
  Figures f;
  f.missing = (m_north + m_other) / static_cast<double>(t.rows);
  f.north_missing = m_north / n_north;
  f.other_missing = m_other / n_other;
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ma += a[i] / static_cast<double>(a.size());
    mb += b[i] / static_cast<double>(b.size());
  }
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  f.income_score = sab / std::sqrt(saa * sbb);
  return f;
}

const DataTable& customers() {
  static const DataTable t = parse_csv(test::customers_csv(5000), "customers.csv");
  return t;
}

}  // namespace

TEST_CASE("the customer table is read with the kinds a user expects", "[learned][kinds]") {
  const DataTable& real = customers();
  CHECK(real.columns[0].kind == ColumnKind::id);
  CHECK(real.columns[1].kind == ColumnKind::datetime);
  CHECK(real.columns[2].kind == ColumnKind::categorical);
  CHECK(real.columns[3].kind == ColumnKind::numeric);
  CHECK(real.columns[3].decimals == 2);
  CHECK(real.columns[4].kind == ColumnKind::numeric);
  CHECK(real.columns[4].missing > 0);
  const auto model = GaussianCopula::fit(real);
  char empty[16];
  std::snprintf(empty, sizeof empty, "%.1f",
                100.0 * static_cast<double>(real.columns[4].missing) / static_cast<double>(real.rows));
  CHECK(describe_columns(*model) ==
        std::vector<std::string>{"customer_id (id, fresh: \"C\" + numbers of 6 digits from 6000)",
                                 "signup (datetime %Y-%m-%d)", "region (categorical, 4 levels)",
                                 "income (numeric, 2 decimals)",
                                 "score (numeric, 1 decimal, " + std::string(empty) +
                                     "% empty: modelled as score.missing)"});
  CHECK(model->columns().size() == 5);  // signup, region, income, score, score.missing
  CHECK(model->columns()[4].name == "score.missing");
}

TEST_CASE("sampled customers: fresh ids, missing rate and its link to region, dates, precision", "[learned][kinds]") {
  const DataTable& real = customers();
  const Figures fr = figures(real);
  const std::set<std::string> real_ids(real.columns[0].levels.begin(), real.columns[0].levels.end());
  std::set<double> real_dates(real.columns[1].values.begin(), real.columns[1].values.end());
  const auto [lo, hi] = std::minmax_element(real.columns[1].values.begin(), real.columns[1].values.end());
  for (const std::string kind : {"copula", "bayesnet"}) {
    INFO(kind);
    std::unique_ptr<Generator> model;
    if (kind == "copula") model = GaussianCopula::fit(real);
    else model = BayesNet::fit(real);
    RandomStream rng(8, 0);
    const DataTable s = model->sample(5000, rng);
    REQUIRE(s.columns.size() == 5);

    // Ids: unique, never a real one, "C" and six digits.
    const auto& ids = s.columns[0];
    CHECK(ids.kind == ColumnKind::id);
    CHECK(ids.levels.size() == s.rows);
    std::size_t copied = 0, formatted = 0;
    for (const auto& id : ids.levels) {
      copied += real_ids.count(id);
      formatted += id.size() == 7 && id[0] == 'C' && id.find_first_not_of("0123456789", 1) == std::string::npos;
    }
    CHECK(copied == 0);
    CHECK(formatted == s.rows);

    // Missing values: the rate within 2 points, more often in the north.
    const Figures fs = figures(s);
    CHECK(std::abs(fs.missing - fr.missing) < 0.02);
    CHECK(std::abs(fs.north_missing - fr.north_missing) < 0.05);
    CHECK(std::abs(fs.other_missing - fr.other_missing) < 0.03);
    CHECK(fs.north_missing > 2 * fs.other_missing);
    // The score's link to income survives its empty cells.
    CHECK(std::abs(fs.income_score - fr.income_score) < 0.1);

    // Dates: in range, written as the input, and not only observed ones.
    // The real ones are weekdays, about ten rows each: a weekend gets only
    // the smoothed mass of its neighbouring values (1/n each), so a few
    // percent of sampled dates fall on one (sparse dates: next test).
    const auto& dates = s.columns[1];
    CHECK(dates.kind == ColumnKind::datetime);
    std::size_t unseen = 0;
    for (double d : dates.values) {
      CHECK(d >= *lo);
      CHECK(d <= *hi);
      unseen += real_dates.count(d) == 0;
    }
    CHECK(unseen > s.rows / 50);
    CHECK(s.cell_text(1, 0).size() == 10);
    CHECK(parse_datetime(s.cell_text(1, 0), "%Y-%m-%d"));

    // Precision: two decimals for income, one for score, empty cells empty.
    const std::string csv = to_csv(s);
    const DataTable back = parse_csv(csv, "synth.csv");
    CHECK(back.columns[3].decimals == 2);
    CHECK(back.columns[4].decimals == 1);
    CHECK(back.columns[4].missing == s.columns[4].missing);
    CHECK(back.columns[1].format == "%Y-%m-%d");
  }
}

TEST_CASE("sparse dates are sampled over their range, not only on observed days", "[learned][kinds]") {
  // 300 rows over three years: at most 300 of the 1,096 days are observed.
  RandomStream rng(6, 0);
  std::string csv = "day,amount\n";
  const double start = *parse_datetime("2022-01-01", "%Y-%m-%d");
  for (int i = 0; i < 300; ++i)
    csv += format_datetime(start + 86400.0 * static_cast<double>(rng.below(1096)), "%Y-%m-%d") + "," +
           std::to_string(rng.below(1000)) + "\n";
  const DataTable real = parse_csv(csv, "sparse.csv");
  REQUIRE(real.columns[0].kind == ColumnKind::datetime);
  const std::set<double> seen(real.columns[0].values.begin(), real.columns[0].values.end());
  for (const std::string kind : {"copula", "bayesnet"}) {
    INFO(kind);
    const std::unique_ptr<Generator> model =
        kind == "copula" ? std::unique_ptr<Generator>(GaussianCopula::fit(real)) : BayesNet::fit(real);
    const DataTable s = model->sample(2000, rng);
    std::size_t unseen = 0;
    for (double d : s.columns[0].values) unseen += seen.count(d) == 0;
    CHECK(unseen > s.rows / 2);
  }
}

TEST_CASE("conditions name dates by their text and empty cells by an empty value", "[learned][kinds]") {
  const auto model = GaussianCopula::fit(customers());
  RandomStream rng(2, 0);
  const DataTable day = model->sample(50, rng, {{"signup", "2024-06-15"}});
  for (std::size_t r = 0; r < day.rows; ++r) CHECK(day.cell_text(1, r) == "2024-06-15");
  const DataTable empty = model->sample(50, rng, {{"score", ""}});
  CHECK(empty.columns[4].missing == 50);
  const DataTable given = model->sample(50, rng, {{"score", "700"}});
  CHECK(given.columns[4].missing == 0);
  CHECK_THROWS_WITH(model->sample(5, rng, {{"customer_id", "C001000"}}),
                    "column 'customer_id' is an id: sampled fresh, not modelled, so it takes no condition or constraint");
  CHECK_THROWS_WITH(model->sample(5, rng, {{"signup", "15/06/2024"}}),
                    "--where signup: '15/06/2024' is not a date in the column's format %Y-%m-%d");
}

TEST_CASE("model files keep the kinds, and older files read as before", "[learned][kinds][model_file]") {
  const fs::path p = fs::temp_directory_path() / ("simulacra-kinds-" + std::to_string(::getpid()) + ".h5");
  const auto model = GaussianCopula::fit(customers());
  model->save(p.string());
  const auto back = load_generator(p.string());
  CHECK(describe_columns(*back) == describe_columns(*model));
  RandomStream a(4, 0), b(4, 0);
  CHECK(to_csv(back->sample(200, a)) == to_csv(model->sample(200, b)));
  const std::string summary = model_summary(*back);
  CHECK(summary.find("model: copula\n") == 0);
  CHECK(summary.find("  signup (datetime %Y-%m-%d)\n") != std::string::npos);
  CHECK(summary.find("  customer_id (id, fresh: ") != std::string::npos);

  // Agents get the user's columns: ids and dates as text, empty scores as NaN.
  ModelAttributeSampler attributes(std::shared_ptr<const Generator>(load_generator(p.string())), {});
  CHECK(attributes.schema().columns.size() == 5);
  CHECK(attributes.schema().columns[0].type == ColumnType::string);
  CHECK(attributes.schema().columns[4].type == ColumnType::float64);

  // A version 2 file has no "schema.*" arrays: each model column is a column.
  std::string kind;
  ModelArchive archive = load_archive(p.string(), kind);
  for (auto it = archive.arrays().begin(); it != archive.arrays().end();)
    it = it->first.rfind("schema.", 0) == 0 ? archive.arrays().erase(it) : std::next(it);
  save_archive(archive, kind, p.string());
  {
    const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    const hid_t attr = H5Aopen(f, "format_version", H5P_DEFAULT);
    const std::int64_t v = 2;
    H5Awrite(attr, H5T_NATIVE_INT64, &v);
    H5Aclose(attr);
    H5Fclose(f);
  }
  const auto old = load_generator(p.string());
  CHECK(old->metadata().columns().size() == 5);
  CHECK(old->metadata().columns()[4].name == "score.missing");
  RandomStream c(4, 0);
  CHECK(old->sample(10, c).columns[4].kind == ColumnKind::categorical);
  fs::remove(p);
}
