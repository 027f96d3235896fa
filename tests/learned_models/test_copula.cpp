// Gaussian copula: recovery of a known correlation and marginals, exact
// conditional distributions, constraints, point masses, determinism.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <string>

#include "simulacra/learned/copula.hpp"
#include "simulacra/learned/metrics.hpp"

using namespace simulacra;
using namespace simulacra::learned;

namespace {

DataColumn numeric(const std::string& name, std::vector<double> v) {
  DataColumn c;
  c.name = name;
  c.values = std::move(v);
  c.integral = std::all_of(c.values.begin(), c.values.end(), [](double x) { return x == std::round(x); });
  return c;
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }
double sd(const std::vector<double>& v) {
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}
double corr(const std::vector<double>& a, const std::vector<double>& b) {
  const double ma = mean(a), mb = mean(b);
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - ma) * (b[i] - mb);
  return s / static_cast<double>(a.size() - 1) / (sd(a) * sd(b));
}

// n rows of (x, y, w): standard normals with corr(x,y)=0.8, corr(x,w)=-0.5,
// corr(y,w)=-0.4, then w made lognormal (a monotone map: copula unchanged).
DataTable gaussian_table(std::size_t n, std::uint64_t seed) {
  RandomStream rng(seed, 1);
  // Cholesky factor of the correlation matrix above.
  const double l10 = 0.8, l11 = 0.6, l20 = -0.5, l21 = (-0.4 + 0.4) / 0.6, l22 = std::sqrt(1 - 0.25 - l21 * l21);
  std::vector<double> x(n), y(n), w(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double a = rng.normal(), b = rng.normal(), c = rng.normal();
    x[i] = a;
    y[i] = l10 * a + l11 * b;
    w[i] = std::exp(l20 * a + l21 * b + l22 * c);
  }
  DataTable t;
  t.rows = n;
  t.columns = {numeric("x", x), numeric("y", y), numeric("w", w)};
  return t;
}

}  // namespace

TEST_CASE("copula recovers a known correlation matrix and the marginals", "[learned][copula]") {
  const DataTable data = gaussian_table(4000, 7);
  const auto g = GaussianCopula::fit(data);
  const auto& r = g->correlation();
  CHECK(r[0 * 3 + 1] == Approx(0.8).margin(0.03));
  CHECK(r[0 * 3 + 2] == Approx(-0.5).margin(0.03));
  CHECK(r[1 * 3 + 2] == Approx(-0.4).margin(0.03));
  RandomStream rng(3, 0);
  const DataTable s = g->sample(20000, rng);
  for (std::size_t c = 0; c < 3; ++c) CHECK(ks_statistic(data.columns[c].values, s.columns[c].values) < 0.03);
  CHECK(corr(s.columns[0].values, s.columns[1].values) == Approx(0.8).margin(0.03));
}

TEST_CASE("copula sampling is deterministic for a seed", "[learned][copula]") {
  const auto g = GaussianCopula::fit(gaussian_table(500, 1));
  RandomStream a(42, 0), b(42, 0), c(43, 0);
  const auto ta = to_csv(g->sample(300, a)), tb = to_csv(g->sample(300, b)), tc = to_csv(g->sample(300, c));
  CHECK(ta == tb);
  CHECK(ta != tc);
}

TEST_CASE("copula conditions the Gaussian exactly on a continuous value", "[learned][copula]") {
  // y | x = x0 is N(0.8 x0, 0.36) for the bivariate normal above.
  const DataTable data = gaussian_table(6000, 11);
  const auto g = GaussianCopula::fit(data);
  RandomStream rng(5, 0);
  const DataTable s = g->sample(20000, rng, {{"x", "1.0"}});
  CHECK(std::all_of(s.columns[0].values.begin(), s.columns[0].values.end(), [](double v) { return v == 1.0; }));
  CHECK(mean(s.columns[1].values) == Approx(0.8).margin(0.04));
  CHECK(sd(s.columns[1].values) == Approx(0.6).margin(0.04));
}

TEST_CASE("copula conditional sampling of a rare class yields exactly that class", "[learned][copula]") {
  // Latent (z1, z2) normal with correlation 0.8; class = "rare" when z1 is in
  // its top 2%, x = z2. Then E[x | rare] = 0.8 phi(a) / (1 - Phi(a)), a the
  // 98% quantile. A rejection sampler would need ~50 tries per row; here
  // every row is drawn directly from the conditioned Gaussian.
  RandomStream rng(9, 2);
  const std::size_t n = 20000;
  const double a = normal_quantile(0.98);
  DataColumn cls;
  cls.name = "class";
  cls.kind = ColumnKind::categorical;
  cls.levels = {"common", "rare"};
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double z1 = rng.normal();
    cls.values.push_back(z1 > a ? 1.0 : 0.0);
    x[i] = 0.8 * z1 + 0.6 * rng.normal();
  }
  DataTable t;
  t.rows = n;
  t.columns = {cls, numeric("x", x)};
  const auto g = GaussianCopula::fit(t);
  RandomStream srng(1, 0);
  const DataTable s = g->sample(20000, srng, {{"class", "rare"}});
  CHECK(std::all_of(s.columns[0].values.begin(), s.columns[0].values.end(), [](double v) { return v == 1.0; }));
  const double expected = 0.8 * std::exp(-a * a / 2) / std::sqrt(2 * M_PI) / 0.02;
  CHECK(mean(s.columns[1].values) == Approx(expected).margin(0.1));
  RandomStream crng(1, 0);
  const DataTable common = g->sample(20000, crng, {{"class", "common"}});
  CHECK(mean(common.columns[1].values) == Approx(-expected * 0.02 / 0.98).margin(0.03));
  CHECK_THROWS_WITH(g->sample(1, srng, {{"class", "unknown"}}), "column 'class' has no value 'unknown' (values: common, rare)");
  CHECK_THROWS_WITH(g->sample(1, srng, {{"klass", "rare"}}), "unknown column 'klass' (columns: class, x)");
}

TEST_CASE("copula keeps point masses and honours constraints", "[learned][copula]") {
  RandomStream rng(4, 4);
  const std::size_t n = 4000;
  std::vector<double> spend(n), visits(n);
  for (std::size_t i = 0; i < n; ++i) {
    visits[i] = std::floor(rng.exponential(3.0));
    spend[i] = rng.uniform() < 0.4 ? 0.0 : rng.exponential(50.0) + visits[i];  // 40% exact zeros
  }
  DataTable t;
  t.rows = n;
  t.columns = {numeric("spend", spend), numeric("visits", visits)};
  auto g = GaussianCopula::fit(t);
  CHECK(g->constraint(1).integer);  // detected from whole-number data
  RandomStream srng(2, 0);
  DataTable s = g->sample(20000, srng);
  const auto zeros = std::count(s.columns[0].values.begin(), s.columns[0].values.end(), 0.0);
  CHECK(static_cast<double>(zeros) / 20000.0 == Approx(0.4).margin(0.02));
  CHECK(ks_statistic(spend, s.columns[0].values) < 0.03);
  CHECK(ks_statistic(visits, s.columns[1].values) < 0.03);

  Constraint k;
  k.min = 10;
  k.max = 100;
  g->set_constraint("spend", k);
  Constraint v;
  v.integer = true;
  v.allowed = {"0", "2", "4"};
  g->set_constraint("visits", v);
  s = g->sample(5000, srng);
  for (std::size_t r = 0; r < s.rows; ++r) {
    CHECK((s.columns[0].values[r] >= 10 && s.columns[0].values[r] <= 100));
    const double vv = s.columns[1].values[r];
    CHECK((vv == 0 || vv == 2 || vv == 4));
  }
  CHECK_THROWS_AS(g->sample(1, srng, {{"spend", "5"}}), DataError);  // outside min/max
  Constraint bad;
  bad.min = 3;
  bad.max = 1;
  CHECK_THROWS_WITH(g->set_constraint("spend", bad), "column 'spend': min > max");
}

namespace {

// Two classes of `per_class` rows: in "a" x ~ N(0, 1) and corr(x, y) = +0.8,
// in "b" x ~ N(2, 1) and corr(x, y) = -0.8; y has sd 1 in both.
DataTable two_classes(std::size_t per_class, std::uint64_t seed) {
  RandomStream rng(seed, 5);
  DataColumn cls;
  cls.name = "class";
  cls.kind = ColumnKind::categorical;
  cls.levels = {"a", "b"};
  std::vector<double> x, y;
  for (std::size_t c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < per_class; ++i) {
      const double z = rng.normal();
      cls.values.push_back(static_cast<double>(c));
      x.push_back(z + 2.0 * static_cast<double>(c));
      y.push_back((c == 0 ? 0.8 : -0.8) * z + 0.6 * rng.normal());
    }
  DataTable t;
  t.rows = 2 * per_class;
  t.columns = {numeric("x", x), cls, numeric("y", y)};
  return t;
}

// Rows of `t` whose class column (index 1) has code `level`: x and y.
std::pair<std::vector<double>, std::vector<double>> class_rows(const DataTable& t, double level) {
  std::pair<std::vector<double>, std::vector<double>> xy;
  for (std::size_t r = 0; r < t.rows; ++r)
    if (t.columns[1].values[r] == level) {
      xy.first.push_back(t.columns[0].values[r]);
      xy.second.push_back(t.columns[2].values[r]);
    }
  return xy;
}

}  // namespace

TEST_CASE("stratified copula recovers each class's correlation, one copula cannot", "[learned][copula]") {
  const DataTable data = two_classes(3000, 21);
  const auto g = GaussianCopula::fit(data);
  REQUIRE(g->stratified_by() == 1);  // chosen automatically: class moves x
  REQUIRE(g->strata() == 2);
  CHECK(g->stratum_weight(0) == Approx(0.5));
  CHECK(g->stratum_correlation(0)[0 * 3 + 2] == Approx(0.8).margin(0.03));
  CHECK(g->stratum_correlation(1)[0 * 3 + 2] == Approx(-0.8).margin(0.03));

  RandomStream rng(8, 0);
  const DataTable s = g->sample(20000, rng);
  for (double level : {0.0, 1.0}) {
    const auto [x, y] = class_rows(s, level);
    CHECK(static_cast<double>(x.size()) / 20000.0 == Approx(0.5).margin(0.02));
    CHECK(corr(x, y) == Approx(level == 0 ? 0.8 : -0.8).margin(0.04));
    CHECK(mean(x) == Approx(2.0 * level).margin(0.05));
  }
  CHECK(corr(s.columns[0].values, s.columns[2].values) ==
        Approx(corr(data.columns[0].values, data.columns[2].values)).margin(0.03));
  // --where on the stratum column is exact: every row from that stratum.
  const DataTable b = g->sample(5000, rng, {{"class", "b"}});
  CHECK(std::all_of(b.columns[1].values.begin(), b.columns[1].values.end(), [](double v) { return v == 1.0; }));
  CHECK(corr(b.columns[0].values, b.columns[2].values) == Approx(-0.8).margin(0.04));
  // A continuous value far in class b's range picks class b's stratum.
  const DataTable far = g->sample(2000, rng, {{"x", "4.5"}});
  CHECK(std::count(far.columns[1].values.begin(), far.columns[1].values.end(), 1.0) > 1900);

  // One copula for the whole table mixes the classes' dependence.
  CopulaOptions one;
  one.stratify = false;
  const auto pooled = GaussianCopula::fit(data, one);
  CHECK(pooled->stratified_by() == -1);
  RandomStream prng(8, 0);
  const DataTable pa = pooled->sample(5000, prng, {{"class", "a"}});
  CHECK(corr(pa.columns[0].values, pa.columns[2].values) < 0.5);
}

TEST_CASE("stratified copula: user's column, rare levels pooled, clear errors", "[learned][copula]") {
  DataTable data = two_classes(400, 22);
  // A third level with 5 rows: too few for a stratum of its own.
  data.columns[1].levels.push_back("c");
  for (std::size_t r = 0; r < 5; ++r) data.columns[1].values[r] = 2.0;
  const auto g = GaussianCopula::fit(data, CopulaOptions{true, "class"});
  REQUIRE(g->strata() == 2);
  CHECK(g->stratum_levels(1) == std::vector<std::size_t>{1, 2});  // joined the largest stratum
  RandomStream rng(3, 0);
  const DataTable c = g->sample(200, rng, {{"class", "c"}});
  CHECK(std::all_of(c.columns[1].values.begin(), c.columns[1].values.end(), [](double v) { return v == 2.0; }));
  // Options built whole: assigning a literal to `by` trips GCC 12's false -Wrestrict.
  CHECK_THROWS_WITH(GaussianCopula::fit(data, CopulaOptions{true, "x"}),
                    "cannot stratify by column 'x': it is not categorical");
  CHECK_THROWS_AS(GaussianCopula::fit(data, CopulaOptions{true, "klass"}), DataError);
}

namespace {

// Iris-like measurements: two classes, four correlated columns recorded at a
// resolution of 0.1 (so most values repeat). Rows of `n` per class.
DataTable measured(std::size_t n, RandomStream& rng) {
  DataColumn cls;
  cls.name = "class";
  cls.kind = ColumnKind::categorical;
  cls.levels = {"p", "q"};
  std::vector<std::vector<double>> v(4);
  for (std::size_t c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < n; ++i) {
      const double common = rng.normal();
      cls.values.push_back(static_cast<double>(c));
      for (std::size_t j = 0; j < 4; ++j) {
        const double x = 5.0 + 1.5 * static_cast<double>(c) + 0.35 * (0.8 * common + 0.6 * rng.normal());
        v[j].push_back(std::round(x * 10) / 10);
      }
    }
  DataTable t;
  t.rows = 2 * n;
  t.columns = {numeric("a", v[0]), numeric("b", v[1]), numeric("c", v[2]), numeric("d", v[3]), cls};
  return t;
}

// Share of rows of `t` equal to some row of `real`.
double copy_share(const DataTable& real, const DataTable& t) {
  std::set<std::string> keys;
  auto key = [](const DataTable& d, std::size_t r) {
    std::string k;
    for (std::size_t c = 0; c < d.columns.size(); ++c) {
      k += d.cell_text(c, r);
      k += ',';
    }
    return k;
  };
  for (std::size_t r = 0; r < real.rows; ++r) keys.insert(key(real, r));
  std::size_t hits = 0;
  for (std::size_t r = 0; r < t.rows; ++r) hits += keys.count(key(t, r));
  return static_cast<double>(hits) / static_cast<double>(t.rows);
}

}  // namespace

TEST_CASE("stratified copula copies real rows of gridded data no more than new real rows do", "[learned][copula]") {
  RandomStream rng(31, 0);
  const DataTable train = measured(60, rng);
  const double chance = copy_share(train, measured(10000, rng));  // fresh real rows
  const auto g = GaussianCopula::fit(train);
  REQUIRE(g->stratified_by() == 4);
  RandomStream srng(2, 0);
  const DataTable s = g->sample(20000, srng);
  const double copies = copy_share(train, s);
  CHECK(copies <= 1.25 * chance + 0.002);
  // The strata's raw frequencies, not smoothed on the grid, copy far more.
  CopulaOptions raw;
  raw.smooth_grid = false;
  RandomStream rrng(2, 0);
  CHECK(copy_share(train, GaussianCopula::fit(train, raw)->sample(20000, rrng)) > 1.5 * copies);
  // The values stay on the grid, and the marginals close to the real ones.
  for (std::size_t r = 0; r < 200; ++r) CHECK(s.columns[0].values[r] * 10 == Approx(std::round(s.columns[0].values[r] * 10)));
  for (std::size_t c = 0; c < 4; ++c) CHECK(ks_statistic(train.columns[c].values, s.columns[c].values) < 0.08);
  INFO("chance " << chance << " copies " << copies);
  CHECK(chance > 0.0);
}
