// Metrics: KS, AUC of the two-sample classifier at both ends, privacy figures.
#include <catch2/catch.hpp>

#include <cmath>

#include "simulacra/engine/random.hpp"
#include "simulacra/learned/boosted_trees.hpp"
#include "simulacra/learned/metrics.hpp"

using namespace simulacra;
using namespace simulacra::learned;

namespace {

// n rows of three columns; `rho` correlates the first two, `shift` moves the third.
DataTable normal_table(std::size_t n, double rho, double shift, std::uint64_t seed) {
  RandomStream rng(seed, 0);
  DataTable t;
  t.rows = n;
  t.columns = {{"a", ColumnKind::numeric, {}, {}, false},
               {"b", ColumnKind::numeric, {}, {}, false},
               {"c", ColumnKind::numeric, {}, {}, false}};
  for (std::size_t i = 0; i < n; ++i) {
    const double a = rng.normal();
    t.columns[0].values.push_back(a);
    t.columns[1].values.push_back(rho * a + std::sqrt(1 - rho * rho) * rng.normal());
    t.columns[2].values.push_back(rng.normal() + shift);
  }
  return t;
}

}  // namespace

TEST_CASE("KS statistic and AUC on known inputs", "[learned][metrics]") {
  CHECK(ks_statistic({1, 2, 3, 4}, {1, 2, 3, 4}) == 0.0);
  CHECK(ks_statistic({1, 2}, {3, 4}) == 1.0);
  CHECK(ks_statistic({1, 2, 3, 4}, {3, 4, 5, 6}) == Approx(0.5));
  CHECK(roc_auc({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}) == Approx(0.75));
}

TEST_CASE("two-sample AUC is near 0.5 for one distribution and near 1 for different ones", "[learned][metrics]") {
  const DataTable real = normal_table(1500, 0.6, 0.0, 1);
  const Evaluation same = evaluate(real, normal_table(1500, 0.6, 0.0, 2), nullptr);
  CHECK(same.classifier_auc < 0.56);
  CHECK(same.classifier_auc > 0.44);
  CHECK(same.mean_ks > 0.95);
  CHECK(same.correlation_diff < 0.05);
  // Same marginals, opposite dependence: only a multivariate test sees it.
  const Evaluation flipped = evaluate(real, normal_table(1500, -0.9, 0.0, 3), nullptr);
  CHECK(flipped.classifier_auc > 0.8);
  CHECK(flipped.mean_ks > 0.95);
  CHECK(flipped.correlation_diff > 0.4);
  const Evaluation shifted = evaluate(real, normal_table(1500, 0.6, 3.0, 4), nullptr);
  CHECK(shifted.classifier_auc > 0.95);
}

TEST_CASE("privacy figures count exact copies and distances", "[learned][metrics]") {
  const DataTable real = normal_table(400, 0.5, 0.0, 5);
  const DataTable holdout = normal_table(200, 0.5, 0.0, 6);
  const Evaluation copy = evaluate(real, real, &holdout);
  CHECK(copy.exact_copy_share == 1.0);
  CHECK(copy.dcr_synthetic_median == 0.0);
  CHECK(copy.holdout_copy_share == 0.0);
  CHECK(copy.dcr_holdout_median > 0.0);
  const std::string json = to_json(copy);
  CHECK(json.find("\"exact_copy_share\": 1") != std::string::npos);
  CHECK(to_text(copy).find("two-sample classifier AUC") != std::string::npos);
}

TEST_CASE("the chance level of copies is the exact mean over all holdout splits", "[learned][metrics]") {
  // Rows a, b, c real; a, d holdout. Over the 10 ways to split these 5 rows
  // into 3 real and 2 holdout, a holdout row equals a real one when exactly
  // one of the two a's is held out: 6 splits with 1 such row of 2, so the
  // expected share is 6 * 0.5 / 10 = 0.3, while this split shows 0.5.
  const DataTable real = parse_csv("x,y\n1,p\n2,q\n3,r\n", "real.csv");
  const DataTable holdout = parse_csv("x,y\n1,p\n4,s\n", "holdout.csv");
  const Evaluation e = evaluate(real, real, &holdout);
  CHECK(e.holdout_copy_share == Approx(0.5));
  CHECK(e.expected_copy_share == Approx(0.3));
  const DataTable fresh = parse_csv("x,y\n5,p\n4,s\n", "fresh.csv");
  CHECK(evaluate(real, real, &fresh).expected_copy_share == 0.0);
  CHECK(to_json(e).find("\"expected_copy_share\": 0.29999") != std::string::npos);
}
