// Adaptive multilevel splitting against exact probabilities.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "simulacra/engine/birth_death.hpp"
#include "simulacra/engine/phold_type.hpp"
#include "simulacra/experiments/rare.hpp"
#include "support/memory_sink.hpp"

using namespace simulacra;

namespace {

Registry registry() {
  Registry r;
  register_birth_death(r);
  register_phold(r);
  return r;
}

// The jump chain from 1, stopped at 0 or at n.
Scenario chain(const Registry& reg, int n, std::uint64_t seed) {
  const std::string text = "name: bd\nseed: " + std::to_string(seed) +
                           "\nduration: 100000s\npopulations:\n  - name: bd\n    type: birth_death\n"
                           "    params: {lambda: 1, mu: 2, start: 1}\n"
                           "stop_when: {condition: \"bd.level <= 0 or bd.level >= " + std::to_string(n) +
                           "\", every: 1s}\n";
  return parse_scenario(text, "bd.yaml", {}, reg);
}

rare::AmsResult ams(const Registry& reg, int n, std::uint64_t seed, std::size_t particles, std::size_t batches,
                    unsigned jobs = 1) {
  const Scenario s = chain(reg, n, seed);
  RunSession root(s, reg, plan_runs(s).front(), 1);
  rare::EventSpec spec;
  spec.event = root.expression("bd.level >= " + std::to_string(n));
  spec.score = root.expression("bd.level");
  spec.every = 1.0;
  rare::AmsOptions o;
  o.particles = particles;
  o.batches = batches;
  o.ensemble.jobs = jobs;
  return rare::run_ams(root, spec, o);
}

}  // namespace

TEST_CASE("birth-death: the gambler's-ruin probabilities the issue quotes", "[experiments][ams]") {
  CHECK(birth_death_hit_probability(1, 2, 12) == Approx(2.4420e-4).epsilon(1e-4));
  CHECK(birth_death_hit_probability(1, 2, 30) == Approx(9.3132e-10).epsilon(1e-4));
}

TEST_CASE("AMS: one estimate of a 1e-9 event is near the truth, with weights that add up", "[experiments][ams]") {
  const Registry reg = registry();
  const double truth = birth_death_hit_probability(1, 2, 30);
  const auto r = ams(reg, 30, 1, 100, 10);
  INFO("estimate " << r.estimate << " +- " << r.std_error << ", truth " << truth);
  CHECK(r.estimate > 0.5 * truth);
  CHECK(r.estimate < 2.0 * truth);
  CHECK(r.ci_low < r.ci_high);
  double w = 0.0;
  for (const auto& f : r.finals) w += f.hit ? f.weight : 0.0;
  CHECK(w == Approx(r.estimate).epsilon(1e-12));
  CHECK(r.gain > 100.0);
}

TEST_CASE("AMS: over 50 repetitions the mean is within 5 % and the 95 % intervals cover 90-99 %", "[experiments][ams]") {
  const Registry reg = registry();
  for (int n : {12, 30}) {
    const double truth = birth_death_hit_probability(1, 2, n);
    double sum = 0.0;
    int covered = 0;
    const int reps = 50;
    for (int rep = 0; rep < reps; ++rep) {
      const auto r = ams(reg, n, 1000 + static_cast<std::uint64_t>(rep), 200, 10, 2);
      sum += r.estimate;
      covered += r.ci_low <= truth && truth <= r.ci_high ? 1 : 0;
    }
    const double mean = sum / reps;
    INFO("n = " << n << ": mean " << mean << ", truth " << truth << ", covered " << covered << " of " << reps);
    CHECK(std::abs(mean / truth - 1.0) < 0.05);
    CHECK(covered >= 45);
    CHECK(covered <= 49);
  }
}

TEST_CASE("AMS: the same estimate and lineages for any number of jobs", "[experiments][ams]") {
  const Registry reg = registry();
  const auto a = ams(reg, 20, 5, 50, 3, 1);
  const auto b = ams(reg, 20, 5, 50, 3, 2);
  CHECK(a.estimate == b.estimate);
  CHECK(a.events == b.events);
  REQUIRE(a.finals.size() == b.finals.size());
  for (std::size_t i = 0; i < a.finals.size(); ++i) {
    CHECK(a.finals[i].lineage.keys == b.finals[i].lineage.keys);
    CHECK(a.finals[i].lineage.times == b.finals[i].lineage.times);
  }
}

TEST_CASE("AMS: replaying a final particle gives its whole run, which reaches the event", "[experiments][ams]") {
  const Registry reg = registry();
  const Scenario s = chain(reg, 15, 3);
  const auto r = ams(reg, 15, 3, 50, 1);
  std::size_t checked = 0;
  for (const auto& f : r.finals) {
    if (!f.hit || checked == 5) continue;
    ++checked;
    RunSession session(s, reg, plan_runs(s).front(), 1);
    auto out = std::make_shared<testing::MemoryDataset>();
    session.attach(testing::memory_sinks(out));
    rare::replay(session, f);
    session.finish({});
    const auto& time = std::get<std::vector<double>>(out->table("bd.path")->column(0));
    const auto& level = std::get<std::vector<std::int64_t>>(out->table("bd.path")->column(1));
    // A path from 1 at time 0, one step at a time, to 15.
    REQUIRE(level.size() >= 15);
    CHECK(time.front() == 0.0);
    CHECK(level.front() == 1);
    CHECK(level.back() == 15);
    for (std::size_t i = 1; i < level.size(); ++i) {
      CHECK(std::abs(level[i] - level[i - 1]) == 1);
      CHECK(level[i - 1] > 0);
    }
  }
  CHECK(checked == 5);
}

TEST_CASE("AMS: a score that never moves is a clear error", "[experiments][ams]") {
  const Registry reg = registry();
  const Scenario s = chain(reg, 15, 3);
  RunSession root(s, reg, plan_runs(s).front(), 1);
  rare::EventSpec spec;
  spec.event = root.expression("bd.level >= 15");
  spec.score = root.expression("1");
  rare::AmsOptions o;
  o.particles = 20;
  o.batches = 1;
  CHECK_THROWS_WITH(rare::run_ams(root, spec, o), Catch::Contains("never moved"));
}

TEST_CASE("fixed-effort splitting with given levels is unbiased too", "[experiments][ams]") {
  const Registry reg = registry();
  const double truth = birth_death_hit_probability(1, 2, 20);
  const Scenario s = chain(reg, 20, 9);
  RunSession root(s, reg, plan_runs(s).front(), 1);
  rare::EventSpec spec;
  spec.event = root.expression("bd.level >= 20");
  spec.score = root.expression("bd.level");
  rare::AmsOptions o;
  o.particles = 200;
  o.batches = 20;
  for (int l = 2; l < 20; l += 2) o.levels.push_back(l);
  o.ensemble.jobs = 2;
  const auto r = rare::run_ams(root, spec, o);
  INFO("estimate " << r.estimate << " [" << r.ci_low << ", " << r.ci_high << "], truth " << truth);
  CHECK(r.ci_low <= truth);
  CHECK(truth <= r.ci_high);
  CHECK(r.relative_error < 0.25);
  CHECK(r.gain > 100.0);
}

TEST_CASE("weighted means over the event runs agree with plain sampling", "[experiments][ams]") {
  // The time the chain takes to reach 8 from 1, given that it does (p = 0.0039):
  // from 20,000 plain runs, and from AMS's weighted event runs.
  const Registry reg = registry();
  const int n = 8;
  const Scenario s = chain(reg, n, 77);
  RunSession root(s, reg, plan_runs(s).front(), 1);
  rare::EventSpec spec;
  spec.event = root.expression("bd.level >= 8");
  spec.score = root.expression("bd.level");
  rare::AmsOptions plain;
  plain.particles = 2000;
  plain.batches = 10;
  plain.levels = {-1.0};  // nothing killed: plain runs
  plain.ensemble.jobs = 2;
  const auto crude = rare::run_ams(root, spec, plain);
  rare::AmsOptions o;
  o.particles = 200;
  o.batches = 10;
  o.ensemble.jobs = 2;
  const auto split = rare::run_ams(root, spec, o);
  auto conditional = [](const rare::AmsResult& r, double* se) {
    double w = 0.0, wx = 0.0, wxx = 0.0, hits = 0.0;
    for (const auto& f : r.finals) {
      if (!f.hit) continue;
      w += f.weight;
      wx += f.weight * f.end_time;
      wxx += f.weight * f.end_time * f.end_time;
      hits += 1.0;
    }
    const double mean = wx / w;
    *se = std::sqrt((wxx / w - mean * mean) / hits);
    return mean;
  };
  double se_crude = 0.0, se_split = 0.0;
  const double m_crude = conditional(crude, &se_crude);
  const double m_split = conditional(split, &se_split);
  INFO("crude " << m_crude << " +- " << se_crude << " (" << crude.estimate << "), AMS " << m_split << " +- " << se_split
                << " (" << split.estimate << "), exact p " << birth_death_hit_probability(1, 2, n));
  // AMS event runs share ancestors, so their spread understates the error: allow 4 crude errors plus 4 of AMS's.
  CHECK(std::abs(m_crude - m_split) < 4.0 * (se_crude + se_split));
  CHECK(std::abs(crude.estimate / birth_death_hit_probability(1, 2, n) - 1.0) < 0.2);
}

TEST_CASE("importance sampling by cross-entropy: exact weights, and the estimate agrees with the truth and AMS", "[experiments][is]") {
  const Registry reg = registry();
  const int n = 20;
  const double truth = birth_death_hit_probability(1, 2, n);
  const Scenario s = chain(reg, n, 31);
  RunSession root(s, reg, plan_runs(s).front(), 1);
  rare::EventSpec spec;
  spec.event = root.expression("bd.level >= 20");
  spec.score = root.expression("bd.level");
  rare::Tilt tilt;
  tilt.population = 0;
  tilt.key = "lambda";
  tilt.nominal = 1.0;
  tilt.low = 1e-3;
  tilt.high = 1e3;
  rare::ImportanceOptions o;
  o.stage_samples = 500;
  o.samples = 4000;
  o.ensemble.jobs = 2;
  const auto r = rare::run_importance(root, spec, tilt, o);
  INFO("IS " << r.summary.estimate << " [" << r.summary.ci_low << ", " << r.summary.ci_high << "], truth " << truth
             << ", tilt " << r.tilt << ", mean weight " << r.mean_weight << " +- " << r.mean_weight_se);
  CHECK(r.summary.ci_low <= truth);
  CHECK(truth <= r.summary.ci_high);
  CHECK(std::abs(r.summary.estimate / truth - 1.0) < 0.1);
  // The chain conditioned on the event goes up with probability 2/3 (up and
  // down swapped): λ/(λ + 2) = 2/3, λ near 4.
  CHECK(r.tilt > 3.2);
  CHECK(r.tilt < 4.8);
  // Weights of every run (event or not) average to 1.
  CHECK(std::abs(r.mean_weight - 1.0) < 3.0 * r.mean_weight_se + 1e-3);
  // Same answer as AMS.
  const auto a = ams(reg, n, 31, 200, 10, 2);
  CHECK(std::abs(a.estimate - r.summary.estimate) < 2.0 * (a.ci_high - a.ci_low) / 2.0 + 1.96 * r.summary.std_error);
}

TEST_CASE("importance sampling: a score in whole steps still moves the tilt, and a score that never moves is refused",
          "[experiments][is]") {
  const Registry reg = registry();
  const int n = 8;
  const double truth = birth_death_hit_probability(1, 2, n);
  const Scenario s = chain(reg, n, 41);
  RunSession root(s, reg, plan_runs(s).front(), 1);
  rare::EventSpec spec;
  spec.event = root.expression("bd.level >= 8");
  // 0 or 1: about 7 % of plain runs reach 4, so the elite quantile ties at 0
  // with every run; only the runs above it may set the tilt.
  spec.score = root.expression("bd.level >= 4");
  rare::Tilt tilt{0, "lambda", 1.0, 1e-3, 1e3};
  rare::ImportanceOptions o;
  o.stage_samples = 500;
  o.samples = 2000;
  o.max_stages = 6;
  const auto r = rare::run_importance(root, spec, tilt, o);
  INFO("IS " << r.summary.estimate << " [" << r.summary.ci_low << ", " << r.summary.ci_high << "], truth " << truth
             << ", tilt " << r.tilt << " after " << r.stage_tilts.size() << " stages");
  CHECK(r.tilt > 1.5);
  CHECK(r.summary.ci_low <= truth);
  CHECK(truth <= r.summary.ci_high);
  // A constant score and no run at the event (the chain stops at 8) give the
  // cross-entropy method nothing to go on.
  spec.event = root.expression("bd.level >= 9");
  spec.score = root.expression("1");
  CHECK_THROWS_WITH(rare::run_importance(root, spec, tilt, o), Catch::Contains("never moved"));
}

TEST_CASE("importance sampling refuses a parameter without a likelihood ratio", "[experiments][is]") {
  const Registry reg = registry();
  const Scenario s = parse_scenario(
      "name: p\nduration: 10s\npopulations:\n  - name: ph\n    type: phold\n    params: {lps: 8}\n", "p.yaml", {}, reg);
  RunSession root(s, reg, plan_runs(s).front(), 1);
  rare::EventSpec spec;
  spec.event = root.expression("ph.committed_events >= 100");
  spec.score = root.expression("ph.committed_events");
  rare::Tilt tilt{0, "remote", 0.25, 0.0, 1.0};
  CHECK_THROWS_WITH(rare::run_importance(root, spec, tilt, rare::ImportanceOptions{}),
                    Catch::Contains("gives no likelihood ratio for 'remote'"));
}
