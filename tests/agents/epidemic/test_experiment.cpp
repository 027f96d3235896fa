// What experiments do with an epidemic run: read its observables (checked
// against the tables), save and load it, branch it, change live parameters,
// and rely on tables that do not depend on the `blocks` parameter.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "helpers.hpp"
#include "simulacra/agents/epidemic/register.hpp"
#include "simulacra/engine/state_archive.hpp"

using namespace simulacra;
using namespace simulacra::epidemic;
using epi_test::col;

namespace {

// Every mechanism that keeps state or draws at random: testing, household
// quarantine, tracing, waning immunity, importations, the occupancy trigger
// and a vaccination campaign.
EpidemicParams busy_town(std::uint32_t persons = 8000, std::uint32_t blocks = 4) {
  EpidemicParams p;
  p.persons = persons;
  p.blocks = blocks;
  p.initial_infected = 15;
  p.beta = 0.05;
  p.seed = 23;
  p.immunity_mean = 40 * kDay;
  p.test_probability = 0.5;
  p.test_delay = kDay;
  p.household_quarantine = true;
  p.tracing_completion = 0.5;
  p.importation_rate = 1.0;
  p.trigger_occupancy = 12;
  p.release_occupancy = 4;
  using K = TimelineStep::Kind;
  TimelineStep v{20 * kDay, K::vaccinate};
  v.value = 150.0;
  v.min_age = 30;
  v.efficacy = 0.8;
  v.delay = 10 * kDay;
  p.timeline.push_back(v);
  p.timeline.push_back({30 * kDay, K::close_schools});
  return p;
}

SimTime days(double d) { return SimTime{d * kDay}; }

std::size_t index_of(const ObservableSpecs& specs, std::string_view name) {
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return i;
  }
  FAIL("no observable " << name);
  return 0;
}

// The observables as the tables received so far imply them at `now`.
std::vector<double> from_tables(const std::vector<TableChunk>& rows, std::uint32_t persons, double now) {
  const auto& infections = rows[EpidemicPopulation::kInfections];
  const auto& transitions = rows[EpidemicPopulation::kTransitions];
  std::map<std::string, double> in_state;
  in_state["susceptible"] = persons;
  double deaths = 0;
  const auto& t_time = col<double>(transitions, 0);
  const auto& from = col<std::string>(transitions, 2);
  const auto& to = col<std::string>(transitions, 3);
  for (std::size_t r = 0; r < transitions.rows(); ++r) {
    in_state[from[r]] -= 1;
    in_state[to[r]] += 1;
    deaths += to[r] == "dead" && t_time[r] >= now - kDay && t_time[r] < now;
  }
  std::vector<double> out;
  for (int s = 0; s < kStates; ++s) out.push_back(in_state[std::string(state_name(static_cast<State>(s)))]);

  const auto& i_time = col<double>(infections, 0);
  const auto& infectee = col<std::int64_t>(infections, 1);
  const auto& infector = col<std::int64_t>(infections, 2);
  const auto& generation = col<double>(infections, 5);
  std::set<std::int64_t> ever(infectee.begin(), infectee.end());
  std::map<std::int64_t, double> by_day;
  double generation_sum = 0, transmissions = 0, last_day = 0;
  for (std::size_t r = 0; r < infections.rows(); ++r) {
    by_day[std::llround(i_time[r] / kDay)] += 1;
    last_day += i_time[r] >= now - kDay && i_time[r] < now;
    if (infector[r] >= 0) {
      generation_sum += generation[r];
      transmissions += 1;
    }
  }
  out.push_back(static_cast<double>(infections.rows()));
  out.push_back(static_cast<double>(ever.size()) / persons);
  out.push_back(last_day);
  out.push_back(deaths);
  double r = std::nan("");
  if (transmissions > 0) {
    const auto lag = std::max<std::int64_t>(1, std::llround(generation_sum / transmissions / kDay));
    const auto last = static_cast<std::int64_t>(std::ceil(now / kDay)) - 1;
    double recent = 0, earlier = 0;
    for (std::int64_t k = 0; k < 7; ++k) {
      recent += by_day.count(last - k) ? by_day[last - k] : 0.0;
      earlier += by_day.count(last - lag - k) ? by_day[last - lag - k] : 0.0;
    }
    if (earlier > 0) r = recent / earlier;
  }
  out.push_back(r);
  return out;
}

bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  }
  return true;
}

// A run to `end` days that keeps every row, in one go.
struct Run {
  std::uint64_t hash = 0;
  std::vector<TableChunk> rows;
  std::vector<double> observed;  ///< observables at the end, before finish
};

Run run_whole(const EpidemicParams& p, double end, unsigned threads) {
  Simulation sim = make_epidemic(p, threads);
  epi_test::Collect out(sim.tables());
  sim.set_row_consumer(&out);
  sim.run_until(days(end));
  Run r;
  r.observed = sim.observe();
  sim.finish();
  r.hash = sim.trace_hash();
  r.rows = std::move(out.all);
  return r;
}

// Continues `sim` (rows so far in `before`) to `end` days and finishes it.
Run run_on(Simulation& sim, std::vector<TableChunk> before, double end) {
  epi_test::Collect out(sim.tables());
  sim.set_row_consumer(&out);
  sim.run_until(days(end));
  Run r;
  r.observed = sim.observe();
  sim.finish();
  r.hash = sim.trace_hash();
  if (before.empty()) {
    r.rows = std::move(out.all);
  } else {
    epi_test::append(before, out.all);
    r.rows = std::move(before);
  }
  return r;
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

TEST_CASE("observables agree with the tables received so far, day by day", "[epidemic][observables]") {
  const EpidemicParams p = busy_town();
  Simulation sim = make_epidemic(p, 2);
  epi_test::Collect out(sim.tables());
  sim.set_row_consumer(&out);
  const ObservableSpecs specs = EpidemicPopulation::observable_specs();
  double deaths = 0, max_new = 0;
  bool finite_r = false;
  for (double d = 0; d <= 90; d += 0.5) {  // whole and half days
    sim.run_until(days(d));
    const std::vector<double> got = sim.observe();
    const std::vector<double> want = from_tables(out.all, p.persons, d * kDay);
    REQUIRE(got.size() == specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
      INFO("day " << d << ": " << specs[i].name << " observed " << got[i] << ", tables " << want[i]);
      CHECK((got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i]))));
    }
    if (d == std::floor(d)) deaths += got[index_of(specs, "new_deaths_last_day")];
    max_new = std::max(max_new, got[index_of(specs, "new_infections_last_day")]);
    finite_r = finite_r || std::isfinite(got[index_of(specs, "reproduction_number_last_week")]);
  }
  // The run exercised what is compared: deaths, a growing epidemic, an R.
  const std::vector<double> end = sim.observe();
  CHECK(deaths > 0);
  CHECK(deaths == end[static_cast<std::size_t>(State::dead)]);  // whole days cover [0, 90 d)
  CHECK(max_new > 20);
  CHECK(finite_r);
  CHECK(end[index_of(specs, "attack_rate")] > 0.2);
  CHECK(end[index_of(specs, "cumulative_infections")] > end[index_of(specs, "attack_rate")] * p.persons);  // reinfections
}

TEST_CASE("the effective reproduction number is about R0 early and below 1 after the peak", "[epidemic][observables]") {
  // Homogeneous mixing, R0 = 2: one infectious state of exactly 5 days after
  // exactly 1 latent day, so generation intervals are 2 ... 6 days (uniform,
  // mean 4). In the growth phase the incidence ratio of weeks 4 days apart is
  // exp(4 r), with r from 1 = R0 * mean(exp(-r k)): 2.06.
  EpidemicParams p;
  p.persons = 100000;
  p.blocks = 4;
  p.initial_infected = 20;
  p.household_size_weights = {1.0};
  p.school.degree = 0.0;
  p.work.degree = 0.0;
  p.asymptomatic_fraction = 1.0;
  p.inf_asymptomatic = 1.0;
  p.latent = {DurationKind::fixed, kDay, 0.0};
  p.asymptomatic = {DurationKind::fixed, 5 * kDay, 0.0};
  p.community = {Network::mass_action, 10.0, 1.0};
  p.beta = -std::log(1.0 - 2.0 / 50.0);
  p.seed = 5;
  Simulation sim = make_epidemic(p, 2);
  const ObservableSpecs specs = EpidemicPopulation::observable_specs();
  const std::size_t r_at = index_of(specs, "reproduction_number_last_week");
  const std::size_t attack = index_of(specs, "attack_rate");
  const std::size_t incidence = index_of(specs, "new_infections_last_day");
  double early = 0, early_days = 0, peak = 0, peak_day = 0;
  std::map<int, double> r_by_day;
  for (int d = 1; d <= 120; ++d) {
    sim.run_until(days(d));
    const std::vector<double> o = sim.observe();
    r_by_day[d] = o[r_at];
    // Early: enough cases for a steady ratio (hundreds a week), little
    // depletion (S/N > 0.95); R0 is R_eff / (S/N).
    if (o[attack] > 0.01 && o[attack] < 0.05) {
      early += o[r_at] / (1.0 - o[attack]);
      early_days += 1;
    }
    if (o[incidence] > peak) {
      peak = o[incidence];
      peak_day = d;
    }
  }
  REQUIRE(early_days >= 5);
  early /= early_days;
  INFO("early R / (S/N) " << early << " over " << early_days << " days, peak on day " << peak_day);
  CHECK(early == Approx(2.06).margin(0.12));
  const double after = r_by_day[static_cast<int>(peak_day) + 14];
  INFO("R two weeks after the peak " << after);
  CHECK(after < 0.8);
}

TEST_CASE("the registry and the README list the population's observables and live parameters", "[epidemic][observables][registry]") {
  Registry reg;
  register_epidemic(reg);
  const PopulationType* t = reg.find("epidemic");
  REQUIRE(t != nullptr);
  const Simulation sim = make_epidemic(busy_town(2000), 1);
  const ObservableSpecs from_population = sim.population(0).observables();
  REQUIRE(t->observables.size() == from_population.size());
  REQUIRE(from_population.size() == static_cast<std::size_t>(kStates) + 5);
  std::set<std::string> names;
  for (std::size_t i = 0; i < from_population.size(); ++i) {
    INFO(from_population[i].name);
    CHECK(t->observables[i].name == from_population[i].name);
    CHECK(t->observables[i].unit == from_population[i].unit);
    CHECK(t->observables[i].doc == from_population[i].doc);
    CHECK(!from_population[i].doc.empty());
    names.insert(from_population[i].name);
  }
  CHECK(names.size() == from_population.size());
  for (const char* n : {"susceptible", "exposed", "hospitalised", "icu", "dead", "cumulative_infections", "attack_rate",
                        "new_infections_last_day", "new_deaths_last_day", "reproduction_number_last_week"}) {
    CHECK(names.count(n) == 1);
  }
  CHECK(t->live == std::vector<std::string>{"beta", "importation_rate"});
  std::ifstream in(EPIDEMIC_README);
  REQUIRE(in);
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& o : t->observables) {
    INFO("README documents observable " << o.name);
    CHECK(readme.find("`" + o.name + "`") != std::string::npos);
  }
  for (const auto& key : t->live) CHECK(readme.find("`" + key + "`") != std::string::npos);
  const auto specs = sim.observable_specs();
  REQUIRE(specs.size() == from_population.size());
  CHECK(specs.front().first == 0);
}

TEST_CASE("a run saved mid-way and loaded into a fresh simulation ends exactly like an uninterrupted one",
          "[epidemic][checkpoint]") {
  const EpidemicParams p = busy_town();
  const Run whole = run_whole(p, 70, 1);
  REQUIRE(whole.rows[EpidemicPopulation::kInfections].rows() > 500);
  // At 35 d the day's infection attempts have arrived but are not settled;
  // at 35.4 d they are.
  for (const double at : {35.0, 35.4}) {
    for (const unsigned resume_threads : {1u, 2u}) {
      INFO("saved at day " << at << " under 1 thread, resumed under " << resume_threads);
      Simulation first = make_epidemic(p, 1);
      epi_test::Collect before(first.tables());
      first.set_row_consumer(&before);
      first.run_until(days(at));
      const std::vector<double> observed = first.observe();
      const std::string bytes = saved(first);

      Simulation second = make_epidemic(p, resume_threads);
      load(second, bytes);
      CHECK(same_values(second.observe(), observed));
      const Run resumed = run_on(second, std::move(before.all), 70);
      CHECK(resumed.hash == whole.hash);
      CHECK(epi_test::difference(resumed.rows, whole.rows).empty());
      CHECK(same_values(resumed.observed, whole.observed));
      // Saving again gives the same bytes: the archive holds no padding.
      Simulation again = make_epidemic(p, 2);
      load(again, bytes);
      CHECK(saved(again) == bytes);
    }
  }
}

TEST_CASE("a damaged or truncated checkpoint throws CheckpointError", "[epidemic][checkpoint]") {
  const EpidemicParams p = busy_town(3000);
  Simulation sim = make_epidemic(p, 1);
  sim.run_until(days(30));
  const std::string bytes = saved(sim);
  const auto rejects = [&](const std::string& damaged, const EpidemicParams& into) {
    Simulation fresh = make_epidemic(into, 1);
    StateArchive ar(damaged);
    try {
      fresh.load_state(ar);
    } catch (const CheckpointError&) {
      return true;
    }
    return false;
  };
  REQUIRE(!rejects(bytes, p));  // the undamaged archive loads

  // Cut anywhere: inside the engine's part, each section and the last byte.
  for (std::size_t k = 0; k <= 60; ++k) {
    const std::size_t cut = k * (bytes.size() - 1) / 60;
    INFO("cut at " << cut << " of " << bytes.size());
    CHECK(rejects(bytes.substr(0, cut), p));
  }
  // Garbage right after each section's tag.
  for (const char* tag : {"epidemic.live", "epidemic.streams", "epidemic.persons", "epidemic.blocks",
                          "epidemic.authority"}) {
    INFO(tag);
    const std::size_t at = bytes.find(tag);
    REQUIRE(at != std::string::npos);
    std::string damaged = bytes;
    for (std::size_t i = at + std::string_view(tag).size(); i < std::min(damaged.size(), at + 80); ++i) {
      damaged[i] = static_cast<char>(0xa5);
    }
    CHECK(rejects(damaged, p));
  }
  // A person's state out of range, or changed to another state: the first
  // byte of the states follows the tag and the list's 8-byte length.
  const std::size_t states = bytes.find("epidemic.persons") + std::string_view("epidemic.persons").size() + 8;
  std::string out_of_range = bytes;
  out_of_range[states + 100] = static_cast<char>(kStates + 3);
  CHECK(rejects(out_of_range, p));
  std::string changed = bytes;
  changed[states + 100] = static_cast<char>(changed[states + 100] == 0 ? 7 : 0);
  CHECK(rejects(changed, p));
  // Another town with the same LPs, or another block count.
  EpidemicParams bigger = p;
  bigger.persons = 3500;
  CHECK(rejects(bytes, bigger));
  EpidemicParams more_blocks = p;
  more_blocks.blocks = 5;
  CHECK(rejects(bytes, more_blocks));
}

TEST_CASE("branches of one run differ from each other and the same branch repeats", "[epidemic][branch]") {
  const EpidemicParams p = busy_town();
  Simulation parent = make_epidemic(p, 1);
  parent.run_until(days(25));
  const auto branch_run = [&](std::uint64_t k, unsigned threads) {
    Simulation sim = parent;
    sim.set_threads(threads);
    sim.branch(k);
    return run_on(sim, {}, 60);
  };
  const Run one = branch_run(1, 1);
  const Run one_again = branch_run(1, 2);
  const Run two = branch_run(2, 1);
  Simulation plain_copy = parent;
  const Run plain = run_on(plain_copy, {}, 60);
  REQUIRE(one.rows[EpidemicPopulation::kInfections].rows() > 100);
  CHECK(one.hash == one_again.hash);
  CHECK(epi_test::difference(one.rows, one_again.rows).empty());
  CHECK(one.hash != two.hash);
  CHECK(!epi_test::difference(one.rows, two.rows).empty());
  CHECK(!epi_test::difference(one.rows, plain.rows).empty());
  // A branch can be saved and loaded like any run: its streams travel along.
  Simulation branched = parent;
  branched.branch(1);
  Simulation fresh = make_epidemic(p, 1);
  load(fresh, saved(branched));
  const Run loaded = run_on(fresh, {}, 60);
  CHECK(loaded.hash == one.hash);
  CHECK(epi_test::difference(loaded.rows, one.rows).empty());
}

TEST_CASE("tables and observables are the same for 1, 3 and 8 blocks and 1 and 2 threads", "[epidemic][determinism][blocks]") {
  EpidemicParams p = busy_town(8000, 1);
  const Run want = run_whole(p, 80, 1);
  // Every mechanism took part.
  const auto& infections = want.rows[EpidemicPopulation::kInfections];
  const auto& layer = col<std::string>(infections, 3);
  std::map<std::string, int> by_layer;
  for (const auto& l : layer) by_layer[l] += 1;
  for (const char* l : {"household", "school", "work", "community", "importation", "seed"}) {
    INFO(l);
    CHECK(by_layer[l] > 0);
  }
  const auto& persons = want.rows[EpidemicPopulation::kPersons];
  const auto& final_state = col<std::string>(persons, 5);
  CHECK(std::count(final_state.begin(), final_state.end(), "vaccinated") > 100);
  const auto& daily = want.rows[EpidemicPopulation::kDaily];
  const auto& lockdown = col<std::uint8_t>(daily, daily.column_count() - 1);
  CHECK(std::count(lockdown.begin(), lockdown.end(), 1) > 0);

  for (const std::uint32_t blocks : {1u, 3u, 8u}) {
    for (const unsigned threads : {1u, 2u}) {
      if (blocks == 1 && threads == 1) continue;
      INFO(blocks << " blocks, " << threads << " threads");
      p.blocks = blocks;
      const Run got = run_whole(p, 80, threads);
      CHECK(epi_test::difference(got.rows, want.rows).empty());
      INFO(epi_test::difference(got.rows, want.rows));
      CHECK(same_values(got.observed, want.observed));
    }
  }
}

TEST_CASE("tables do not depend on the blocks when events of several LPs fall on the same instant",
          "[epidemic][determinism][blocks]") {
  // Whole-day durations put symptom onsets, test results and traced contacts'
  // quarantines exactly on the daily steps: a quarantine message from another
  // block then arrives at the same time as a block's step, in an order that
  // depends on the LP ids.
  EpidemicParams p = busy_town(6000, 1);
  for (Duration* d : {&p.latent, &p.presymptomatic, &p.symptomatic, &p.asymptomatic, &p.onset_to_hospital,
                      &p.hospital_to_icu, &p.hospital_stay, &p.icu_stay}) {
    d->kind = DurationKind::fixed;
    d->mean = std::round(d->mean / kDay) * kDay;
  }
  p.test_probability = 0.8;
  p.tracing_completion = 0.8;
  p.tracing_delay = kDay;
  p.quarantine_duration = 7 * kDay;
  p.timeline.clear();
  const Run want = run_whole(p, 60, 1);
  REQUIRE(want.rows[EpidemicPopulation::kInfections].rows() > 300);
  for (const std::uint32_t blocks : {3u, 8u}) {
    INFO(blocks << " blocks");
    p.blocks = blocks;
    const Run got = run_whole(p, 60, 2);
    INFO(epi_test::difference(got.rows, want.rows));
    CHECK(epi_test::difference(got.rows, want.rows).empty());
  }
}

TEST_CASE("live parameters change the run from the next step on", "[epidemic][live]") {
  const auto transmissions_after = [](const std::vector<TableChunk>& rows, double day) {
    const auto& infections = rows[EpidemicPopulation::kInfections];
    const auto& time = col<double>(infections, 0);
    const auto& infector = col<std::int64_t>(infections, 2);
    std::size_t n = 0;
    for (std::size_t r = 0; r < infections.rows(); ++r) n += time[r] > day * kDay && infector[r] >= 0;
    return n;
  };
  EpidemicParams p = busy_town();
  p.importation_rate = 0.0;
  Simulation sim = make_epidemic(p, 2);
  sim.run_until(days(30));
  Simulation unchanged = sim;
  Simulation stopped = sim;
  // beta -> 0: the attempts of day 29 still take effect at day 30's step;
  // nothing is transmitted after.
  stopped.set_live(0, "beta", 0.0);
  Simulation stopped_copy = make_epidemic(p, 1);
  load(stopped_copy, saved(stopped));  // the live value is part of the state
  const Run base = run_on(unchanged, {}, 60);
  const Run off = run_on(stopped, {}, 60);
  const Run off_loaded = run_on(stopped_copy, {}, 60);
  CHECK(transmissions_after(base.rows, 30) > 100);
  CHECK(transmissions_after(off.rows, 30) == 0);
  CHECK(transmissions_after(off.rows, 29) > 0);
  CHECK(off_loaded.hash == off.hash);
  CHECK(epi_test::difference(off_loaded.rows, off.rows).empty());

  // Importations switched on mid-run in a town without cases.
  EpidemicParams quiet = busy_town(4000);
  quiet.initial_infected = 0;
  quiet.importation_rate = 0.0;
  quiet.timeline.clear();
  Simulation town = make_epidemic(quiet, 1);
  town.run_until(days(10));
  town.set_live(0, "importation_rate", 5.0);
  const Run imported = run_on(town, {}, 40);
  const auto& infections = imported.rows[EpidemicPopulation::kInfections];
  const auto& time = col<double>(infections, 0);
  const auto& layer = col<std::string>(infections, 3);
  std::size_t from_outside = 0;
  for (std::size_t r = 0; r < infections.rows(); ++r) {
    CHECK(time[r] >= 10 * kDay);
    from_outside += layer[r] == "importation";
  }
  // Poisson(5 a day) over days 10 ... 39: mean 150, a few hit non-susceptibles.
  CHECK(from_outside > 100);
  CHECK(from_outside < 200);

  CHECK_THROWS_AS(town.set_live(0, "persons", 10.0), std::logic_error);
}
