// Neural generator (tabular VAE): a non-Gaussian dependence the copula misses,
// a two-cluster mixture under conditions and constraints, determinism of fit
// and sampling, model-file round trip, the CLI path.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unistd.h>

#include "learned_commands.hpp"
#include "options.hpp"
#include "simulacra/learned/copula.hpp"
#include "simulacra/learned/metrics.hpp"
#include "simulacra/learned/neural.hpp"

using namespace simulacra;
using namespace simulacra::learned;
namespace fs = std::filesystem;

namespace {

DataColumn numeric(const std::string& name, std::vector<double> v) {
  DataColumn c;
  c.name = name;
  c.values = std::move(v);
  return c;
}

// x ~ N(0, 1), y = x^2 + N(0, 0.2^2): corr(x, y) = 0, so a Gaussian copula
// makes them independent.
DataTable parabola(std::size_t n) {
  RandomStream rng(5, 1);
  std::vector<double> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = rng.normal();
    y[i] = x[i] * x[i] + 0.2 * rng.normal();
  }
  DataTable t;
  t.rows = n;
  t.columns = {numeric("x", x), numeric("y", y)};
  return t;
}

// g is "a" (70%) or "b"; x | a ~ N(-2, 0.5^2), x | b ~ N(2, 0.5^2).
DataTable clusters(std::size_t n) {
  RandomStream rng(9, 1);
  DataColumn g;
  g.name = "g";
  g.kind = ColumnKind::categorical;
  g.levels = {"a", "b"};
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const bool b = rng.uniform() < 0.3;
    g.values.push_back(b ? 1.0 : 0.0);
    x[i] = (b ? 2.0 : -2.0) + 0.5 * rng.normal();
  }
  DataTable t;
  t.rows = n;
  t.columns = {g, numeric("x", x)};
  return t;
}

NeuralOptions quick(std::size_t epochs) {
  NeuralOptions o;
  o.epochs = epochs;
  o.batch_size = 64;
  o.seed = 3;
  return o;
}

// Mean of y over rows whose x lies in [lo, hi] (in absolute value).
double band_mean(const DataTable& t, double lo, double hi) {
  double s = 0;
  std::size_t k = 0;
  for (std::size_t r = 0; r < t.rows; ++r) {
    const double ax = std::abs(t.columns[0].values[r]);
    if (ax >= lo && ax <= hi) {
      s += t.columns[1].values[r];
      ++k;
    }
  }
  REQUIRE(k > 20);
  return s / static_cast<double>(k);
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double share(const std::vector<double>& v, double value) {
  return static_cast<double>(std::count(v.begin(), v.end(), value)) / static_cast<double>(v.size());
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("simulacra-neural-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

}  // namespace

TEST_CASE("neural generator recovers y = x^2, which the copula misses", "[learned][neural]") {
  const DataTable data = parabola(1000);
  const double real_outer = band_mean(data, 1.2, 2.0), real_inner = band_mean(data, 0, 0.5);
  REQUIRE(real_outer > 2.0);  // the truth: E[x^2 | 1.2 < |x| < 2] = 2.3, E[x^2 | |x| < 0.5] = 0.08
  REQUIRE(real_inner < 0.2);

  RandomStream rc(1, 0);
  const DataTable cs = GaussianCopula::fit(data)->sample(6000, rc);
  CHECK(band_mean(cs, 1.2, 2.0) < 1.4);  // the copula flattens the parabola
  CHECK(band_mean(cs, 0, 0.5) > 0.6);

  const auto g = NeuralGenerator::fit(data, quick(200));
  RandomStream rng(1, 0);
  const DataTable s = g->sample(6000, rng);
  CHECK(band_mean(s, 1.2, 2.0) == Approx(real_outer).margin(0.5));
  CHECK(band_mean(s, 0, 0.5) == Approx(real_inner).margin(0.35));
  CHECK(band_mean(s, 0.9, 1.1) == Approx(1.0).margin(0.35));

  SECTION("conditioning on x gives y near x^2") {
    for (const auto& [x, y] : {std::pair{1.6, 2.56}, std::pair{0.0, 0.0}, std::pair{-1.2, 1.44}}) {
      RandomStream r(7, 0);
      const DataTable c = g->sample(400, r, {{"x", format_number(x)}});
      CHECK(std::all_of(c.columns[0].values.begin(), c.columns[0].values.end(), [&](double v) { return v == x; }));
      CHECK(mean(c.columns[1].values) == Approx(y).margin(0.5));
    }
  }
}

TEST_CASE("neural generator: categorical conditions, constraints and the reverse condition", "[learned][neural]") {
  const auto g = NeuralGenerator::fit(clusters(1000), quick(100));
  RandomStream rng(2, 0);
  const DataTable all = g->sample(4000, rng);
  CHECK(share(all.columns[0].values, 1.0) == Approx(0.3).margin(0.06));
  std::size_t between = 0;  // the real data has almost nothing in (-0.7, 0.7)
  for (double x : all.columns[1].values) between += std::abs(x) < 0.7;
  CHECK(static_cast<double>(between) / 4000.0 < 0.05);

  const DataTable b = g->sample(1000, rng, {{"g", "b"}});
  CHECK(share(b.columns[0].values, 1.0) == 1.0);
  CHECK(mean(b.columns[1].values) == Approx(2.0).margin(0.35));

  const DataTable near_a = g->sample(1000, rng, {{"x", "-2.1"}});
  CHECK(share(near_a.columns[0].values, 0.0) > 0.9);

  // A constraint on x also reaches g: x >= 0 leaves mostly cluster b.
  Constraint k;
  k.min = 0.0;
  g->set_constraint("x", k);
  const DataTable pos = g->sample(1000, rng);
  CHECK(*std::min_element(pos.columns[1].values.begin(), pos.columns[1].values.end()) >= 0.0);
  CHECK(share(pos.columns[0].values, 1.0) > 0.85);
  Constraint only_a;
  only_a.allowed = {"a"};
  g->set_constraint("g", only_a);
  CHECK_THROWS_AS(g->sample(10, rng, {{"g", "b"}}), DataError);
}

TEST_CASE("neural fitting and sampling are deterministic for a seed", "[learned][neural]") {
  const DataTable data = clusters(400);
  const auto g1 = NeuralGenerator::fit(data, quick(30));
  const auto g2 = NeuralGenerator::fit(data, quick(30));
  NeuralOptions other = quick(30);
  other.seed = 4;
  const auto g3 = NeuralGenerator::fit(data, other);
  RandomStream a(42, 0), b(42, 0), c(43, 0), d(42, 0);
  const std::string ta = to_csv(g1->sample(300, a));
  CHECK(ta == to_csv(g2->sample(300, b)));  // same fit seed, same weights
  CHECK(ta != to_csv(g1->sample(300, c)));  // another sampling seed
  CHECK(ta != to_csv(g3->sample(300, d)));  // another fit seed
  CHECK(g1->final_loss() == g2->final_loss());
  NeuralOptions bad = quick(30);
  bad.batch_size = 0;
  CHECK_THROWS_AS(NeuralGenerator::fit(data, bad), std::invalid_argument);
}

TEST_CASE("neural model file round trip reproduces samples and refuses bad weights", "[learned][neural]") {
  TempDir dir;
  const auto g = NeuralGenerator::fit(clusters(400), quick(30));
  Constraint k;
  k.max = 2.5;
  g->set_constraint("x", k);
  g->save(dir / "m.h5");
  const auto loaded = load_generator(dir / "m.h5");
  CHECK(loaded->kind() == "neural");
  for (const std::vector<Condition>& where : {std::vector<Condition>{}, std::vector<Condition>{{"g", "a"}}}) {
    RandomStream a(11, 0), b(11, 0);
    CHECK(to_csv(g->sample(500, a, where)) == to_csv(loaded->sample(500, b, where)));
  }

  std::string kind;
  ModelArchive archive = load_archive(dir / "m.h5", kind);
  CHECK(archive.has("nn.decoder.fc1.weight"));
  CHECK(archive.has("nn.log_sigma"));
  CHECK(archive.has("calibration"));
  std::get<std::vector<double>>(archive.arrays()["nn.decoder.fc1.weight"]).pop_back();
  CHECK_THROWS_AS(NeuralGenerator::load(archive), ModelFileError);
  archive.arrays().erase("nn.decoder.head.bias");
  CHECK_THROWS_AS(NeuralGenerator::load(archive), ModelFileError);
}

TEST_CASE("simulacra fit --model neural writes a model that sample reads", "[learned][neural][cli]") {
  TempDir dir;
  write_csv(clusters(300), dir / "data.csv");
  CHECK(cli::fit_command({dir / "data.csv", "--model", "neural", "--epochs", "10", "--seed", "2", "-o",
                          dir / "n.h5"}) == 0);
  CHECK(cli::sample_command({dir / "n.h5", "-n", "50", "-o", dir / "s.csv", "--where", "g=b"}) == 0);
  const DataTable s = read_csv(dir / "s.csv");
  CHECK(s.rows == 50);
  CHECK(s.columns[0].levels == std::vector<std::string>{"b"});
  CHECK_THROWS_AS(cli::fit_command({dir / "data.csv", "--model", "neural", "--batch-size", "0", "-o", dir / "z.h5"}),
                  cli::UsageError);
}

TEST_CASE("calibration gives the neural generator's samples the real marginals", "[learned][neural]") {
  // After few epochs the decoder's output scores are far from N(0, 1); the
  // map through their own quantiles puts each column back on its marginal.
  const DataTable data = parabola(600);
  NeuralOptions raw = quick(20);
  raw.calibrate = false;
  const auto plain = NeuralGenerator::fit(data, raw);
  const auto calibrated = NeuralGenerator::fit(data, quick(20));
  RandomStream a(4, 0), b(4, 0);
  const DataTable sp = plain->sample(5000, a), sc = calibrated->sample(5000, b);
  for (std::size_t c = 0; c < 2; ++c) {
    const double ks_plain = ks_statistic(data.columns[c].values, sp.columns[c].values);
    const double ks_cal = ks_statistic(data.columns[c].values, sc.columns[c].values);
    INFO("column " << c << ": KS " << ks_plain << " uncalibrated, " << ks_cal << " calibrated");
    CHECK(ks_cal < 0.05);
    CHECK(ks_cal < ks_plain);
  }
}
