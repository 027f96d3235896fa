// Behaviour of the full town model: thread independence, conservation of
// persons, consistency of the tables, and interventions acting in the
// expected direction.
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "helpers.hpp"
#include "simulacra/agents/epidemic/register.hpp"

using namespace simulacra;
using namespace simulacra::epidemic;

namespace {

EpidemicParams town(std::uint32_t persons = 20000) {
  EpidemicParams p;
  p.persons = persons;
  p.blocks = 8;
  p.initial_infected = 20;
  p.beta = 0.04;
  p.seed = 11;
  return p;
}

using epi_test::col;
using epi_test::same;

}  // namespace

TEST_CASE("same trace hash and identical rows for 1, 2 and 4 threads and sequentially", "[epidemic][determinism]") {
  const EpidemicParams p = town();
  const auto want = epi_test::run(p, 60, 1, true, SchedulerKind::sequential);
  REQUIRE(want.infected > 100);
  for (unsigned threads : {1u, 2u, 4u}) {
    const auto got = epi_test::run(p, 60, threads, true);
    CHECK(got.trace_hash == want.trace_hash);
    REQUIRE(got.rows.size() == want.rows.size());
    for (std::size_t t = 0; t < want.rows.size(); ++t) {
      REQUIRE(got.rows[t].rows() == want.rows[t].rows());
      for (std::size_t c = 0; c < want.rows[t].column_count(); ++c) CHECK(same(got.rows[t].column(c), want.rows[t].column(c)));
    }
  }
}

TEST_CASE("tables are consistent: persons conserved, every infection one S->E transition", "[epidemic][tables]") {
  EpidemicParams p = town();
  p.immunity_mean = 30 * kDay;  // waning: persons may be infected twice
  const auto o = epi_test::run(p, 90, 2, true);
  const auto& infections = o.rows[EpidemicPopulation::kInfections];
  const auto& transitions = o.rows[EpidemicPopulation::kTransitions];
  const auto& persons = o.rows[EpidemicPopulation::kPersons];
  const auto& daily = o.rows[EpidemicPopulation::kDaily];
  CHECK(infections.rows() == o.infected);
  CHECK(persons.rows() == p.persons);
  std::size_t to_exposed = 0, waned = 0;
  const auto& from = col<std::string>(transitions, 2);
  const auto& to = col<std::string>(transitions, 3);
  for (std::size_t r = 0; r < transitions.rows(); ++r) {
    to_exposed += to[r] == "exposed";
    waned += from[r] == "recovered" && to[r] == "susceptible";
  }
  CHECK(to_exposed == infections.rows());
  CHECK(waned > 0);
  // Every day's counts over states and bands add up to the population.
  const auto& day = col<std::int64_t>(daily, 0);
  std::map<std::int64_t, std::int64_t> total;
  for (std::size_t r = 0; r < daily.rows(); ++r) {
    for (std::size_t c = 3; c < 3 + kStates; ++c) total[day[r]] += col<std::int64_t>(daily, c)[r];
  }
  REQUIRE(total.size() == 90);  // day d is reported at d+1 days - 30 s
  for (const auto& [d, n] : total) CHECK(n == p.persons);
  // Generation intervals are positive for transmissions (infector >= 0).
  const auto& infector = col<std::int64_t>(infections, 2);
  const auto& gi = col<double>(infections, 5);
  for (std::size_t r = 0; r < infections.rows(); ++r) {
    if (infector[r] >= 0) REQUIRE(gi[r] >= kDay);
  }
}

TEST_CASE("school closure and lockdown, testing and tracing, vaccination each reduce infections",
          "[epidemic][interventions]") {
  // A milder epidemic (R0 about 2) than town()'s, where curbing contacts matters.
  EpidemicParams base = town();
  base.beta = 0.02;
  const auto none = epi_test::run(base, 150).infected;
  REQUIRE(none > base.persons / 3);

  EpidemicParams closed = base;
  using K = TimelineStep::Kind;
  closed.timeline.push_back({10 * kDay, K::close_schools});
  TimelineStep wfh{10 * kDay, K::set_contacts};
  wfh.layer = Layer::work;
  wfh.value = 0.3;
  closed.timeline.push_back(wfh);
  const auto with_closure = epi_test::run(closed, 150).infected;
  INFO("none " << none << " closure " << with_closure);
  CHECK(with_closure < none * 8 / 10);

  EpidemicParams tti = base;
  tti.test_probability = 0.8;
  tti.test_delay = kDay;
  tti.household_quarantine = true;
  tti.tracing_completion = 0.7;
  tti.tracing_delay = kDay;
  const auto with_tti = epi_test::run(tti, 150).infected;
  INFO("tti " << with_tti);
  CHECK(with_tti < none * 8 / 10);

  EpidemicParams vacc = base;
  TimelineStep v{0.0, K::vaccinate};
  v.value = 200.0;  // 1% of the town a day, for 30 days: 6,000 doses
  v.efficacy = 0.9;
  v.delay = 7 * kDay;
  vacc.timeline.push_back(v);
  vacc.timeline.push_back({30 * kDay, K::stop_vaccination});
  const auto o = epi_test::run(vacc, 150, 1, true);
  INFO("vaccination " << o.infected);
  CHECK(o.infected < none * 8 / 10);
  const auto& persons = o.rows[EpidemicPopulation::kPersons];
  const auto& final_state = col<std::string>(persons, 5);
  const auto& age = col<std::int64_t>(persons, 1);
  std::int64_t protected_old = 0, protected_young = 0;
  for (std::size_t r = 0; r < persons.rows(); ++r) {
    if (final_state[r] == "vaccinated") (age[r] >= 60 ? protected_old : protected_young) += 1;
  }
  CHECK(protected_old > protected_young);  // oldest first
}

TEST_CASE("the hospital-occupancy trigger locks down and releases", "[epidemic][interventions]") {
  EpidemicParams p = town();
  p.trigger_occupancy = 20;
  p.release_occupancy = 5;
  p.trigger_contacts = 0.1;
  const auto o = epi_test::run(p, 150, 2, true);
  const auto& daily = o.rows[EpidemicPopulation::kDaily];
  const std::size_t lockdown_col = daily.column_count() - 1;
  const auto& lock = col<std::uint8_t>(daily, lockdown_col);
  const auto& day = col<std::int64_t>(daily, 0);
  std::map<std::int64_t, std::int64_t> occupancy;
  for (std::size_t r = 0; r < daily.rows(); ++r) {
    occupancy[day[r]] += col<std::int64_t>(daily, 3 + 5)[r] + col<std::int64_t>(daily, 3 + 6)[r];
  }
  std::int64_t first_on = -1, first_off_after = -1;
  for (std::size_t r = 0; r < daily.rows(); ++r) {
    if (lock[r] && first_on < 0) first_on = day[r];
    if (!lock[r] && first_on >= 0 && first_off_after < 0) first_off_after = day[r];
  }
  REQUIRE(first_on > 0);
  // Ordered on the report of a day with occupancy >= 20, in force two days later.
  CHECK(occupancy[first_on - 2] >= 20);
  CHECK(occupancy[first_on - 3] < 20);
  REQUIRE(first_off_after > first_on);
  CHECK(occupancy[first_off_after - 2] <= 5);
  EpidemicParams off = p;
  off.trigger_occupancy = 0;
  CHECK(o.infected < epi_test::run(off, 150).infected);
}

TEST_CASE("importations start an epidemic in a town without initial cases", "[epidemic][interventions]") {
  EpidemicParams p = town(5000);
  p.initial_infected = 0;
  CHECK(epi_test::run(p, 30).infected == 0);
  p.importation_rate = 2.0;
  const auto o = epi_test::run(p, 30, 1, true);
  const auto& layer = col<std::string>(o.rows[EpidemicPopulation::kInfections], 3);
  std::size_t imported = 0;
  for (const auto& l : layer) imported += l == "importation";
  // Poisson(2 a day) over days 0..29 (a few hit non-susceptibles): mean 60.
  CHECK(imported > 35);
  CHECK(imported < 85);
  CHECK(o.infected > imported);
}

TEST_CASE("a clone continues exactly like the original", "[epidemic][cloning]") {
  Simulation sim = make_epidemic(town(), 2);
  sim.run_until(SimTime{20 * kDay});
  Simulation copy = sim;
  sim.run_until(SimTime{50 * kDay});
  copy.set_threads(1);
  copy.run_until(SimTime{50 * kDay});
  CHECK(sim.trace_hash() == copy.trace_hash());
  CHECK(epi_test::run(town(), 50, 4).trace_hash == sim.trace_hash());
}

TEST_CASE("the registered type declares its parameters and actions", "[epidemic][registry]") {
  Registry reg;
  register_epidemic(reg);
  const PopulationType* t = reg.find("epidemic");
  REQUIRE(t != nullptr);
  std::map<std::string, const ParamSpec*> keys;
  for (const auto& s : t->params) keys[s.key] = &s;
  for (const char* k : {"persons", "blocks", "beta", "school_network", "community_degree", "latent_dist",
                        "icu_stay_mean", "hospital_by_age", "trigger_occupancy"}) {
    INFO(k);
    CHECK(keys.count(k) == 1);
  }
  CHECK(keys.size() == t->params.size());  // no duplicates
  for (const auto& s : t->params) CHECK(!s.doc.empty());
  CHECK(t->actions.size() == 9);
}

TEST_CASE("the README documents every parameter and action", "[epidemic][docs]") {
  std::ifstream in(EPIDEMIC_README);
  REQUIRE(in);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Registry reg;
  register_epidemic(reg);
  const PopulationType* t = reg.find("epidemic");
  for (const auto& s : t->params) {
    INFO(s.key);
    CHECK(text.find("`" + s.key + "`") != std::string::npos);
  }
  for (const auto& a : t->actions) {
    INFO(a.name);
    CHECK(text.find("`" + a.name + "`") != std::string::npos);
  }
}
