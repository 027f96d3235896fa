// The likelihood an epidemic run gives importance sampling for its live
// parameters (EpidemicPopulation::log_likelihood): exact on cases small
// enough to check by hand, weights exp(ℓ(nominal) − ℓ(tilt)) that average to 1
// and reweight tilted runs into nominal ones, and the same after a checkpoint.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "simulacra/engine/state_archive.hpp"

using namespace simulacra;
using namespace simulacra::epidemic;
using epi_test::col;

namespace {

SimTime days(double d) { return SimTime{d * kDay}; }

double ll(const Simulation& sim, const std::string& key, double value) {
  const auto v = sim.log_likelihood(0, key, value);
  REQUIRE(v.has_value());
  return *v;
}

// Importations in the infections table that took effect on day `day`.
std::int64_t imported_on(const std::vector<TableChunk>& rows, int day) {
  const auto& infections = rows[EpidemicPopulation::kInfections];
  const auto& time = col<double>(infections, 0);
  const auto& layer = col<std::string>(infections, 3);
  std::int64_t n = 0;
  for (std::size_t r = 0; r < infections.rows(); ++r) n += layer[r] == "importation" && time[r] == day * kDay;
  return n;
}

// A small town where importations start the outbreaks.
EpidemicParams importing_town() {
  EpidemicParams p;
  p.persons = 3000;
  p.blocks = 3;  // every block draws the day's count: it must be counted once
  p.initial_infected = 0;
  p.beta = 0.05;
  p.importation_rate = 0.1;
  p.seed = 41;
  return p;
}

struct Sample {
  double weight = 0.0;      ///< exp(ℓ(nominal) − ℓ(value))
  double infections = 0.0;  ///< cumulative infections at the end
};

// Branch k of `root` with `key` set to `value` from the branch point on, run
// to `end` days.
Sample tilted_run(const Simulation& root, std::uint64_t k, const std::string& key, double value, double nominal,
                  double end) {
  Simulation s = root;
  s.branch(k);
  s.set_live(0, key, value);
  s.run_until(days(end));
  Sample out;
  out.weight = std::exp(ll(s, key, nominal) - ll(s, key, value));
  out.infections = static_cast<double>(dynamic_cast<const EpidemicPopulation&>(s.population(0)).ever_infected());
  return out;
}

struct MeanSe {
  double mean = 0.0, se = 0.0;
};

MeanSe mean_se(const std::vector<double>& x) {
  const auto n = static_cast<double>(x.size());
  double sum = 0.0, sum2 = 0.0;
  for (double v : x) {
    sum += v;
    sum2 += v * v;
  }
  const double mean = sum / n;
  return {mean, std::sqrt(std::max(0.0, sum2 / n - mean * mean) / (n - 1.0))};
}

// Runs under the tilt: their mean weight is 1, and their weighted mean of the
// cumulative infections is the plain mean of untilted runs from the same root.
void check_reweighting(const Simulation& root, const std::string& key, double nominal, double tilt, double end,
                       std::size_t runs) {
  std::vector<double> weights, weighted, plain;
  for (std::size_t k = 0; k < runs; ++k) {
    const Sample s = tilted_run(root, k, key, tilt, nominal, end);
    weights.push_back(s.weight);
    weighted.push_back(s.weight * s.infections);
    plain.push_back(tilted_run(root, runs + k, key, nominal, nominal, end).infections);
  }
  const MeanSe w = mean_se(weights), iw = mean_se(weighted), ip = mean_se(plain);
  INFO(key << " " << nominal << " -> " << tilt << ": mean weight " << w.mean << " ± " << w.se
            << "; infections, weighted under the tilt " << iw.mean << " ± " << iw.se << ", plain " << ip.mean << " ± "
            << ip.se);
  CHECK(w.se > 0.0);
  CHECK(std::abs(w.mean - 1.0) < 4.0 * w.se);
  CHECK(ip.mean > 0.0);
  CHECK(std::abs(iw.mean - ip.mean) < 4.0 * std::hypot(iw.se, ip.se));
  // The tilt did change the runs: the unweighted means differ.
  std::vector<double> raw;
  for (std::size_t k = 0; k < runs; ++k) raw.push_back(weighted[k] / weights[k]);
  const MeanSe ir = mean_se(raw);
  CHECK(std::abs(ir.mean - ip.mean) > 4.0 * std::hypot(ir.se, ip.se));
}

std::string saved(Simulation& sim) {
  StateArchive ar;
  sim.save_state(ar);
  return ar.take();
}

void load(Simulation& sim, const std::string& bytes) {
  StateArchive ar(bytes);
  sim.load_state(ar);
}

}  // namespace

TEST_CASE("the importation likelihood is that of the days' Poisson counts drawn under the live rate",
          "[epidemic][likelihood]") {
  EpidemicParams p;
  p.persons = 50000;
  p.blocks = 3;
  p.initial_infected = 0;
  p.beta = 0.0;  // infections are importations only, one row per count drawn
  p.importation_rate = 4.0;
  p.seed = 7;
  p.timeline.push_back({6 * kDay, TimelineStep::Kind::set_importation, Layer::community, 6.0});
  Simulation sim = make_epidemic(p, 1);
  epi_test::Collect out(sim.tables());
  sim.set_row_consumer(&out);
  const auto expect = [&](std::int64_t count, double exposure_days) {
    for (const double r : {0.5, 4.0, 11.0}) {
      INFO("rate " << r << ", " << count << " imported over " << exposure_days << " days");
      CHECK(ll(sim, "importation_rate", r) ==
            Approx(static_cast<double>(count) * std::log(r) - exposure_days * r).epsilon(1e-13));
    }
  };
  expect(0, 0.0);  // nothing drawn before the first step
  // One day: ℓ(r) = k log r − r.
  sim.run_until(days(1));
  const std::int64_t k0 = imported_on(out.all, 0);
  REQUIRE(k0 > 0);
  expect(k0, 1.0);
  CHECK(ll(sim, "importation_rate", 0.0) == -std::numeric_limits<double>::infinity());
  // The same value again changes nothing.
  sim.set_live(0, "importation_rate", 4.0);
  sim.run_until(days(2));
  const std::int64_t k1 = imported_on(out.all, 1);
  expect(k0 + k1, 2.0);
  // A new value: the draws before it were governed by the old one.
  sim.set_live(0, "importation_rate", 8.0);
  sim.run_until(days(5));
  std::int64_t since = 0;
  for (int d = 2; d < 5; ++d) since += imported_on(out.all, d);
  REQUIRE(since > 10);
  expect(since, 3.0);
  // From day 6 a timeline action sets the rate: its days are not the live
  // parameter's; a set_live takes over again.
  sim.run_until(days(9));
  const std::int64_t day5 = imported_on(out.all, 5);
  expect(since + day5, 4.0);
  REQUIRE(imported_on(out.all, 6) + imported_on(out.all, 7) + imported_on(out.all, 8) > 0);
  sim.set_live(0, "importation_rate", 8.0);  // the live value, back in force
  sim.run_until(days(10));
  expect(since + day5 + imported_on(out.all, 9), 5.0);

  CHECK(ll(sim, "beta", 0.05) == 0.0);  // beta 0 drew no infection attempt
  CHECK(!sim.log_likelihood(0, "persons", 10.0).has_value());
  CHECK(!sim.log_likelihood(0, "test_probability", 0.5).has_value());
}

TEST_CASE("the beta likelihood is that of the infection attempts' Bernoulli trials", "[epidemic][likelihood]") {
  // Two persons in one household, no other contacts; the index case is
  // asymptomatic on day 1 only (whole-day durations), so it makes exactly one
  // attempt, on the other person, with probability
  // kept (1 − exp(−beta inf_asymptomatic w_household)) = kept (1 − exp(−beta)).
  // Its outcome is whether the other person is infected on day 2, and the
  // other cannot make attempts before day 3.
  EpidemicParams p;
  p.persons = 2;
  p.blocks = 1;
  p.initial_infected = 1;
  p.household_size_weights = {0.0, 1.0};
  p.school.degree = 0.0;
  p.work.degree = 0.0;
  p.community.degree = 0.0;
  p.household.weight = 2.0;
  p.inf_asymptomatic = 0.5;
  p.asymptomatic_fraction = 1.0;
  p.latent = {DurationKind::fixed, kDay, 0.0};
  p.asymptomatic = {DurationKind::fixed, kDay, 0.0};
  p.beta = 0.7;
  for (const double kept : {1.0, 0.6}) {
    p.timeline.clear();
    if (kept < 1.0) p.timeline.push_back({0.0, TimelineStep::Kind::set_contacts, Layer::household, kept});
    int hits = 0, misses = 0;
    for (std::uint64_t seed = 1; seed <= 30; ++seed) {
      p.seed = seed;
      Simulation sim = make_epidemic(p, 1);
      epi_test::Collect out(sim.tables());
      sim.set_row_consumer(&out);
      sim.run_until(days(2.5));
      const auto& infections = out.all[EpidemicPopulation::kInfections];
      REQUIRE(infections.rows() >= 1);
      const bool hit = infections.rows() == 2;
      hits += hit ? 1 : 0;
      misses += hit ? 0 : 1;
      for (const double beta : {0.1, 0.7, 2.0}) {
        const double q = kept * -std::expm1(-beta);
        const double want = hit ? std::log(q) : std::log(1.0 - q);
        INFO("seed " << seed << ", kept " << kept << ", beta " << beta << (hit ? ": infected" : ": escaped"));
        CHECK(ll(sim, "beta", beta) == Approx(want).epsilon(1e-12));
      }
      CHECK(ll(sim, "importation_rate", 1.0) == -3.0);  // steps of days 0, 1, 2 at rate 0: nothing imported
    }
    // Both outcomes were checked.
    CHECK(hits > 3);
    CHECK(misses > 3);
  }
}

TEST_CASE("tilting the importation rate from t = 0: weights average to 1 and reweight to the nominal runs",
          "[epidemic][likelihood][statistical]") {
  const EpidemicParams p = importing_town();
  const Simulation root = make_epidemic(p, 1);
  check_reweighting(root, "importation_rate", p.importation_rate, 3.0 * p.importation_rate, 12, 1000);
}

TEST_CASE("tilting the importation rate from a branch mid-run: the draws before it do not count",
          "[epidemic][likelihood][statistical]") {
  const EpidemicParams p = importing_town();
  Simulation root = make_epidemic(p, 1);
  root.run_until(days(6));  // six days drawn at the nominal rate, shared by every branch
  check_reweighting(root, "importation_rate", p.importation_rate, 3.0 * p.importation_rate, 16, 1000);
}

TEST_CASE("tilting beta: weights average to 1 and reweight to the nominal runs", "[epidemic][likelihood][statistical]") {
  EpidemicParams p = importing_town();
  p.importation_rate = 0.0;
  p.initial_infected = 3;
  p.beta = 0.03;
  // Attempts of many probabilities: by age, state and layer, and with half
  // the work contacts kept.
  p.susceptibility_by_age = {0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.5, 1.5, 2.0};
  p.infectiousness_by_age = {2.0, 1.5, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5};
  p.timeline.push_back({0.0, TimelineStep::Kind::set_contacts, Layer::work, 0.5});
  Simulation root = make_epidemic(p, 1);
  root.run_until(days(2));
  check_reweighting(root, "beta", p.beta, 1.25 * p.beta, 12, 1000);
}

TEST_CASE("the likelihood is the same after a checkpoint and for any block count", "[epidemic][likelihood][checkpoint]") {
  EpidemicParams p;
  p.persons = 6000;
  p.blocks = 4;
  p.initial_infected = 10;
  p.beta = 0.05;
  p.importation_rate = 1.0;
  p.seed = 29;
  p.trigger_occupancy = 6;  // a lockdown changes the contacts kept
  p.release_occupancy = 2;
  p.timeline.push_back({15 * kDay, TimelineStep::Kind::close_schools});
  const auto both = [](const Simulation& sim) {
    std::vector<double> out;
    for (const double v : {0.02, 0.05, 0.2}) out.push_back(ll(sim, "beta", v));
    for (const double v : {0.3, 1.0, 4.0}) out.push_back(ll(sim, "importation_rate", v));
    return out;
  };
  const auto run = [&](std::uint32_t blocks, double save_at) {
    EpidemicParams q = p;
    q.blocks = blocks;
    Simulation sim = make_epidemic(q, 1);
    sim.run_until(days(8));
    sim.set_live(0, "beta", 0.04);
    sim.set_live(0, "importation_rate", 1.5);
    if (save_at > 0.0) {
      sim.run_until(days(save_at));
      const std::vector<double> before = both(sim);
      Simulation fresh = make_epidemic(q, 1);
      load(fresh, saved(sim));
      CHECK(both(fresh) == before);
      fresh.run_until(days(40));
      return both(fresh);
    }
    sim.run_until(days(40));
    return both(sim);
  };
  const std::vector<double> whole = run(4, 0.0);
  for (const double at : {8.0, 20.5, 27.0}) {
    INFO("saved at day " << at);
    CHECK(run(4, at) == whole);
  }
  // Every block draws the same importation counts and holds its own persons'
  // attempts: the blocks change only the order of the sum.
  const std::vector<double> one_block = run(1, 0.0);
  for (std::size_t i = 0; i < whole.size(); ++i) CHECK(one_block[i] == Approx(whole[i]).epsilon(1e-12));
  // Something was drawn under each new value.
  CHECK(whole[1] < 0.0);
  CHECK(whole[3] < -0.3 * 32.0);  // ℓ(0.3) = K log 0.3 − 0.3 D, D = 32 days since the change, K > 0
}
