// What calibration is built from: priors (truncated, integer), summary
// statistics, observation models, and the external-simulator protocol with
// its errors.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/calibrate.hpp"
#include "simulacra/experiments/external_simulator.hpp"
#include "simulacra/experiments/summaries.hpp"

using namespace simulacra;
using namespace simulacra::calibrate;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

TEST_CASE("priors: parsing, work coordinates and errors", "[experiments][abc]") {
  const Prior u = Prior::parse("loguniform(0.01, 1)");
  CHECK(u.log_scale());
  CHECK(u.from_work(u.to_work(0.1)) == Approx(0.1));
  CHECK(u.log_density(u.to_work(0.5)) == 0.0);
  CHECK(u.log_density(u.to_work(2.0)) == -kInf);
  Prior n = Prior::parse("normal(0, 2)");
  n.low = 0.0;  // a parameter's own range truncates the prior
  CHECK(n.log_density(-1.0) == -kInf);
  CHECK_THROWS_WITH(Prior::parse("gamma(1, 2)"), Catch::Contains("unknown distribution 'gamma'"));
  CHECK_THROWS_WITH(Prior::parse("uniform(2, 1)"), Catch::Contains("low end"));
  CHECK_THROWS_WITH(Prior::parse("normal(0, x)"), Catch::Contains("'x' is not a number"));
  CHECK_THROWS_WITH(Prior::parse("truncated(normal(0, 1), 5)"), Catch::Contains("truncated(PRIOR, lo, hi)"));
  CHECK_THROWS_WITH(Prior::parse("randint(1.5, 3)"), Catch::Contains("whole numbers"));
  CHECK_THROWS_AS(Prior::parse("uniform 0 1"), UserError);
}

TEST_CASE("priors: truncated and integer draws respect their bounds", "[experiments][abc]") {
  const Prior t = Prior::parse("truncated(normal(0, 1), 0, 5)");
  CHECK(t.text() == "truncated(normal(0, 1), 0, 5)");
  RandomStream rng(3, 0);
  double mean = 0.0;
  for (int i = 0; i < 20000; ++i) {
    const double x = t.value(t.sample_work(rng));
    REQUIRE(x >= 0.0);
    REQUIRE(x <= 5.0);
    mean += x / 20000.0;
  }
  CHECK(mean == Approx(std::sqrt(2.0 / M_PI)).margin(0.02));  // the half-normal's mean
  CHECK(t.log_density(-0.1) == -kInf);
  CHECK(t.log_density(5.1) == -kInf);

  const Prior r = Prior::parse("randint(1, 10)");
  CHECK(r.text() == "randint(1, 10)");
  std::vector<int> counts(12, 0);
  for (int i = 0; i < 50000; ++i) {
    const double x = r.value(r.sample_work(rng));
    REQUIRE(x == std::round(x));
    REQUIRE(x >= 1.0);
    REQUIRE(x <= 10.0);
    ++counts[static_cast<std::size_t>(x)];
  }
  for (int k = 1; k <= 10; ++k) CHECK(counts[static_cast<std::size_t>(k)] == Approx(5000).margin(300));  // uniform on 1..10

  Prior i = Prior::parse("integer(truncated(lognormal(1, 1), 1, 20))");
  CHECK(i.text() == "integer(truncated(lognormal(1, 1), 1, 20))");
  i.high = 12.0;  // a parameter's range narrows further
  for (int k = 0; k < 5000; ++k) {
    const double x = i.value(i.sample_work(rng));
    REQUIRE(x == std::round(x));
    REQUIRE(x >= 1.0);
    REQUIRE(x <= 12.0);
  }
  CHECK_THROWS_WITH(Prior::parse("truncated(normal(0, 1), 40, 50)").sample_work(rng), Catch::Contains("no mass"));
}

TEST_CASE("summary statistics of a series", "[experiments][abc]") {
  const std::vector<double> v{1, 3, 7, 2, 2}, t{0, 2, 4, 6, 8};
  auto stat = [&](const std::string& text) {
    const auto s = SummaryStatistic::parse(text);
    REQUIRE(s.has_value());
    CHECK(s->second == "x");
    return s->first.apply(v, t);
  };
  CHECK(stat("mean(x)") == Approx(3.0));
  CHECK(stat("sd(x)") == Approx(std::sqrt(22.0 / 5.0)));
  CHECK(stat("max(x)") == 7.0);
  CHECK(stat("peak_time(x)") == 4.0);
  CHECK(stat("final(x)") == 2.0);
  CHECK(stat("sum(x)") == 15.0);
  CHECK(stat("quantile(x, 0.5)") == 2.0);
  CHECK(stat("quantile(x, 0.875)") == Approx(5.0));  // between 3 and 7
  // Lag-1 autocorrelation: sum (v_i - 3)(v_{i-1} - 3) / sum (v_i - 3)^2 = (-2*0 + 0*4 + 4*-1 + -1*-1) / 22.
  CHECK(stat("autocorr(x, 1)") == Approx(-3.0 / 22.0));
  const double m2 = 22.0 / 5.0, m3 = (-8.0 + 0 + 64.0 - 1 - 1) / 5.0, m4 = (16.0 + 0 + 256.0 + 1 + 1) / 5.0;
  CHECK(stat("skewness(x)") == Approx(m3 / std::pow(m2, 1.5)));
  CHECK(stat("kurtosis(x)") == Approx(m4 / (m2 * m2) - 3.0));
  CHECK_FALSE(SummaryStatistic::parse("town.cases").has_value());
  CHECK_FALSE(SummaryStatistic::parse("foo(x)").has_value());
  CHECK_THROWS_WITH(SummaryStatistic::parse("autocorr(x)"), Catch::Contains("autocorr(SERIES, LAG)"));
  CHECK_THROWS_WITH(SummaryStatistic::parse("quantile(x, 2)"), Catch::Contains("q must be in [0, 1]"));
  CHECK(std::isnan(SummaryStatistic::parse("skewness(x)")->first.apply({2, 2, 2}, {0, 1, 2})));
}

TEST_CASE("observation models: deviances and draws", "[experiments][abc]") {
  const std::vector<double> y{0, 4, 10, 3};
  const ObservationModel exact = ObservationModel::parse("exact", {});
  CHECK(exact.discrepancy(y, y, {}) == 0.0);
  CHECK(exact.discrepancy({1, 4, 10, 3}, y, {}) == Approx(0.5));  // sqrt(1 / 4)
  const ObservationModel pois = ObservationModel::parse("poisson", {});
  CHECK(pois.discrepancy(y, y, {}) == Approx(0.0).margin(1e-8));  // a zero mean counts as 1e-9
  CHECK(pois.discrepancy({1, 4, 10, 3}, y, {}) == Approx(2.0 * 1.0));  // 2 (s - y) for y = 0
  // A point off by the same amount counts less where the mean is larger.
  CHECK(pois.discrepancy({100}, {110}, {}) < pois.discrepancy({10}, {20}, {}));
  const ObservationModel nb = ObservationModel::parse("negbin(1e9)", {});
  CHECK(nb.discrepancy({2, 5, 8, 1}, y, {}) == Approx(pois.discrepancy({2, 5, 8, 1}, y, {})).epsilon(1e-6));
  CHECK(ObservationModel::parse("negbin(2)", {}).discrepancy({2, 5, 8, 1}, y, {}) < pois.discrepancy({2, 5, 8, 1}, y, {}));
  const ObservationModel bin = ObservationModel::parse("binomial(rho)", {"beta", "rho"});
  CHECK(bin.fitted == 1);
  CHECK(bin.discrepancy({20}, {10}, {0.0, 0.5}) == Approx(0.0).margin(1e-12));
  CHECK(bin.discrepancy({20}, {10}, {0.0, 0.3}) > 0.0);
  CHECK(bin.discrepancy({5}, {10}, {0.0, 0.5}) == kInf);  // more reported than there were
  CHECK(ObservationModel::parse("binomial(0.5)", {}).param == 0.5);
  CHECK_THROWS_WITH(ObservationModel::parse("binomial(r)", {"rho"}), Catch::Contains("--fit 'r=uniform(0.1,1)'"));
  CHECK_THROWS_WITH(ObservationModel::parse("binomial(1.5)", {}), Catch::Contains("(0, 1]"));
  CHECK_THROWS_WITH(ObservationModel::parse("negbin(0)", {}), Catch::Contains("k must be"));
  CHECK_THROWS_WITH(ObservationModel::parse("gauss", {}), Catch::Contains("expected exact, poisson"));

  RandomStream rng(9, 0);
  const std::vector<double> means(4000, 50.0), small(4000, 3.0);
  auto moments = [](const std::vector<double>& v) {
    double m = 0.0, s = 0.0;
    for (double x : v) m += x / static_cast<double>(v.size());
    for (double x : v) s += (x - m) * (x - m) / static_cast<double>(v.size() - 1);
    return std::make_pair(m, s);
  };
  auto [pm, pv] = moments(pois.sample(means, {}, rng));
  CHECK(pm == Approx(50.0).margin(0.5));
  CHECK(pv == Approx(50.0).epsilon(0.1));
  auto [sm, sv] = moments(pois.sample(small, {}, rng));
  CHECK(sm == Approx(3.0).margin(0.15));
  CHECK(sv == Approx(3.0).epsilon(0.1));
  auto [nm, nv] = moments(ObservationModel::parse("negbin(5)", {}).sample(means, {}, rng));
  CHECK(nm == Approx(50.0).margin(1.5));
  CHECK(nv == Approx(50.0 + 2500.0 / 5.0).epsilon(0.15));
  auto [bm, bv] = moments(bin.sample(std::vector<double>(4000, 100.0), {0.0, 0.3}, rng));
  CHECK(bm == Approx(30.0).margin(0.3));
  CHECK(bv == Approx(21.0).epsilon(0.1));
}

namespace {

ExternalSimulatorOptions shell(const std::string& command, std::vector<std::string> summaries = {"s"}) {
  ExternalSimulatorOptions o;
  o.command = command;
  o.parameter_names = {"a", "b"};
  o.summary_names = std::move(summaries);
  return o;
}

const Matrix kThetas{{1.5, 2.0}, {3.0, 4.0}};
const std::vector<std::uint64_t> kSeeds{11, 12};

}  // namespace

TEST_CASE("external simulator: rows in, rows out, in order", "[experiments][abc]") {
  // awk echoes a + b and the seed: the input header is a,b,seed.
  const auto o = shell(R"(awk -F, 'NR==1{if($0!="a,b,seed")exit 3; print "s,seed"; next}{print $1+$2 "," $3}')", {"s", "seed"});
  const Matrix rows = run_external_once(o, kThetas, kSeeds);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == std::vector<double>{3.5, 11.0});
  CHECK(rows[1] == std::vector<double>{7.0, 12.0});
}

TEST_CASE("external simulator: large inputs and outputs do not deadlock", "[experiments][abc]") {
  // 50,000 rows streamed through awk, which writes as it reads, after 1 MB on stderr.
  Matrix thetas;
  std::vector<std::uint64_t> seeds;
  for (int i = 0; i < 50000; ++i) {
    thetas.push_back({static_cast<double>(i), 0.0});
    seeds.push_back(static_cast<std::uint64_t>(i));
  }
  auto o = shell(R"(head -c 1000000 /dev/zero >&2; awk -F, 'NR==1{print "s,pad"; next}{printf "%s,%0100d\n", $1, 0}')",
                 {"s", "pad"});
  o.ensemble.jobs = 2;
  const Matrix rows = external_simulator(o)(thetas, seeds);
  REQUIRE(rows.size() == 50000);
  CHECK(rows[0][0] == 0.0);
  CHECK(rows[49999][0] == 49999.0);
}

TEST_CASE("external simulator: each failure is a UserError naming the command and the row", "[experiments][abc]") {
  CHECK_THROWS_WITH(run_external_once(shell("echo broken >&2; exit 3"), kThetas, kSeeds),
                    Catch::Contains("simulator 'echo broken >&2; exit 3' exited with status 3") &&
                        Catch::Contains("parameter row 1 (a=1.5, b=2, seed=11)") && Catch::Contains("it said: broken"));
  CHECK_THROWS_WITH(run_external_once(shell("printf 's\\n1\\n'"), kThetas, kSeeds),
                    Catch::Contains("printed 1 rows of summaries for 2 parameter rows"));
  CHECK_THROWS_WITH(run_external_once(shell("printf 'x\\n1\\n2\\n'"), kThetas, kSeeds),
                    Catch::Contains("printed the header 'x', expected 's'"));
  CHECK_THROWS_WITH(run_external_once(shell("printf 's\\n1\\nabc\\n'"), kThetas, kSeeds),
                    Catch::Contains("output row 2, column 's': 'abc' is not a number") &&
                        Catch::Contains("parameter row 2 (a=3, b=4, seed=12)"));
  CHECK_THROWS_WITH(run_external_once(shell("kill -9 $$"), kThetas, kSeeds), Catch::Contains("killed by signal 9"));
  CHECK_THROWS_WITH(run_external_once(shell("no_such_simulator_command"), kThetas, kSeeds),
                    Catch::Contains("exited with status 127"));
  CHECK_THROWS_WITH(run_external_once(shell("true"), kThetas, kSeeds), Catch::Contains("printed nothing"));
  // A command that never reads its input still fails cleanly (no SIGPIPE).
  Matrix many(20000, std::vector<double>{1.0, 2.0});
  CHECK_THROWS_WITH(run_external_once(shell("exit 4"), many, std::vector<std::uint64_t>(20000, 1)),
                    Catch::Contains("exited with status 4"));
  // "nan" is a value (that row cannot match); the error of the lowest failing call is rethrown.
  CHECK(std::isnan(run_external_once(shell("printf 's\\nnan\\n1\\n'"), kThetas, kSeeds)[0][0]));
}
