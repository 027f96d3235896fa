// Chow-Liu network: structure recovery on a known chain, the exact posterior
// under evidence at a leaf, and differential-privacy noise.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "simulacra/learned/bayes_net.hpp"
#include "simulacra/learned/metrics.hpp"

using namespace simulacra;
using namespace simulacra::learned;

namespace {

std::string to_csv_row(const DataTable& t, std::size_t r) {
  std::string k;
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    k += t.cell_text(c, r);
    k += ',';
  }
  return k;
}

// A -> B -> C, all categorical: P(A=1)=0.3; P(B=1|A)=0.2/0.9; P(C=rare|B)=0.01/0.1.
DataTable chain(std::size_t n) {
  RandomStream rng(21, 0);
  DataColumn a{"A", ColumnKind::categorical, {}, {"a0", "a1"}, false};
  DataColumn b{"B", ColumnKind::categorical, {}, {"b0", "b1"}, false};
  DataColumn c{"C", ColumnKind::categorical, {}, {"common", "rare"}, false};
  for (std::size_t i = 0; i < n; ++i) {
    const bool va = rng.bernoulli(0.3);
    const bool vb = rng.bernoulli(va ? 0.9 : 0.2);
    const bool vc = rng.bernoulli(vb ? 0.1 : 0.01);
    a.values.push_back(va);
    b.values.push_back(vb);
    c.values.push_back(vc);
  }
  DataTable t;
  t.rows = n;
  t.columns = {a, b, c};
  return t;
}

double share(const DataColumn& c, double v) {
  return static_cast<double>(std::count(c.values.begin(), c.values.end(), v)) / static_cast<double>(c.values.size());
}

}  // namespace

TEST_CASE("Chow-Liu tree recovers a chain and samples the exact posterior", "[learned][bayesnet]") {
  const auto g = BayesNet::fit(chain(40000));
  const auto& p = g->parents();
  CHECK(p[0] == -1);
  CHECK(p[1] == 0);
  CHECK(p[2] == 1);
  // P(A=1 | C=rare) by Bayes: P(C=rare|A) = sum_b P(b|A) P(rare|b).
  const double r1 = 0.9 * 0.1 + 0.1 * 0.01, r0 = 0.2 * 0.1 + 0.8 * 0.01;
  const double posterior = 0.3 * r1 / (0.3 * r1 + 0.7 * r0);
  RandomStream rng(8, 0);
  const DataTable s = g->sample(40000, rng, {{"C", "rare"}});
  CHECK(share(s.columns[2], 1.0) == 1.0);
  CHECK(share(s.columns[0], 1.0) == Approx(posterior).margin(0.02));
  // Unconditional margins.
  const DataTable u = g->sample(40000, rng);
  CHECK(share(u.columns[0], 1.0) == Approx(0.3).margin(0.015));
  CHECK(share(u.columns[2], 1.0) == Approx(0.3 * r1 + 0.7 * r0).margin(0.006));
}

TEST_CASE("Bayesian network handles numeric columns, constraints and noise", "[learned][bayesnet]") {
  RandomStream rng(3, 3);
  const std::size_t n = 5000;
  DataColumn x{"x", ColumnKind::numeric, {}, {}, false}, y{"y", ColumnKind::numeric, {}, {}, false};
  for (std::size_t i = 0; i < n; ++i) {
    const double v = rng.normal();
    x.values.push_back(v);
    y.values.push_back(2 * v + 0.3 * rng.normal());
  }
  DataTable t;
  t.rows = n;
  t.columns = {x, y};
  auto g = BayesNet::fit(t);
  RandomStream srng(1, 0);
  DataTable s = g->sample(20000, srng);
  CHECK(ks_statistic(x.values, s.columns[0].values) < 0.03);
  CHECK(ks_statistic(y.values, s.columns[1].values) < 0.03);
  Constraint k;
  k.min = 1.0;
  g->set_constraint("y", k);
  s = g->sample(5000, srng);
  CHECK(*std::min_element(s.columns[1].values.begin(), s.columns[1].values.end()) >= 1.0);
  // y >= 1 makes large x likely: evidence from a constraint reaches the parent.
  double mx = 0;
  for (double v : s.columns[0].values) mx += v / 5000.0;
  CHECK(mx > 0.6);

  BayesNetOptions dp;
  dp.epsilon = 1.0;
  const auto noisy = BayesNet::fit(t, dp);
  RandomStream a(1, 0), b(1, 0);
  const DataTable ns = noisy->sample(5000, a);
  CHECK(to_csv(ns) != to_csv(BayesNet::fit(t)->sample(5000, b)));
  CHECK(ks_statistic(x.values, ns.columns[0].values) < 0.15);  // still useful at epsilon 1
  CHECK_THROWS_AS(BayesNet::fit(t, BayesNetOptions{1, 0.0, 1}), std::invalid_argument);
}

TEST_CASE("Bayesian network on a small gridded table copies rows near the chance level", "[learned][bayesnet]") {
  // 150 rows of four correlated measurements at resolution 0.1 (like iris).
  // A network with 20 bins per column on so few rows spelled out the real
  // rows (here 6.8% of sampled rows were copies, 4x the 1.7% at which fresh
  // rows of the same distribution coincide with real ones); with bins
  // fitted to the row count it copies 2.5%. A tree cannot hold this table's
  // one-factor dependence exactly, hence the margin above chance.
  RandomStream rng(17, 0);
  auto rows = [&](std::size_t n) {
    DataTable t;
    t.rows = n;
    for (const char* name : {"a", "b", "c", "d"}) t.columns.push_back({name, ColumnKind::numeric, {}, {}, false});
    for (std::size_t i = 0; i < n; ++i) {
      const double common = rng.normal();
      for (auto& c : t.columns) c.values.push_back(std::round((5.0 + 0.35 * (0.8 * common + 0.6 * rng.normal())) * 10) / 10);
    }
    return t;
  };
  const DataTable train = rows(150);
  auto share = [&](const DataTable& t) {
    std::set<std::string> keys;
    for (std::size_t r = 0; r < train.rows; ++r) keys.insert(to_csv_row(train, r));
    std::size_t hits = 0;
    for (std::size_t r = 0; r < t.rows; ++r) hits += keys.count(to_csv_row(t, r));
    return static_cast<double>(hits) / static_cast<double>(t.rows);
  };
  const double chance = share(rows(20000));
  RandomStream srng(4, 0);
  const double copies = share(BayesNet::fit(train)->sample(20000, srng));
  INFO("chance " << chance << ", copies " << copies);
  CHECK(chance > 0.0);
  CHECK(copies <= 1.5 * chance + 0.002);
}
