// Trips from a model file: a Bayesian network fitted to a generated survey of
// trips (a bimodal departure time, each peak with its own origin-destination
// pairs) gives the vehicles' departures and routes; runs stay identical
// across thread counts; bad `attributes` blocks are reported with their
// position, rows that do not fit the network with the file and the value.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "run_helpers.hpp"
#include "simulacra/agents/traffic/register.hpp"
#include "simulacra/agents/traffic/traffic.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"
#include "support/scenario_probe.hpp"
#include "simulacra/learned/bayes_net.hpp"
#include "simulacra/learned/model_attributes.hpp"

using namespace simulacra;
namespace fs = std::filesystem;

namespace {

using Pair = std::pair<std::uint32_t, std::uint32_t>;

// A 4 x 4 grid has links 0-47, all of them origins and destinations.
// First peak (40 %): departure ~ N(400 s, 80 s), pairs 0->47 and 5->30.
// Second peak (60 %): departure ~ N(1300 s, 120 s), pairs 12->40, 33->2, 20->9.
struct TripTable {
  std::string csv = "departure,origin,destination\n";
  std::vector<double> departure;
  std::map<Pair, double> pair_share;
};

TripTable generate_trips(std::size_t n) {
  RandomStream rng(123, 0);
  TripTable t;
  const Pair first[] = {{0, 47}, {5, 30}};
  const Pair second[] = {{12, 40}, {33, 2}, {20, 9}};
  std::map<Pair, std::size_t> count;
  for (std::size_t i = 0; i < n; ++i) {
    const bool early = rng.uniform() < 0.4;
    double dep = -1.0;
    while (dep < 0.0 || dep >= 1800.0) dep = early ? rng.normal(400.0, 80.0) : rng.normal(1300.0, 120.0);
    dep = std::round(dep);
    const double u = rng.uniform();
    const Pair p = early ? first[u < 0.6 ? 0 : 1] : second[u < 0.5 ? 0 : u < 0.8 ? 1 : 2];
    t.csv += std::to_string(static_cast<int>(dep)) + "," + std::to_string(p.first) + "," + std::to_string(p.second) +
             "\n";
    t.departure.push_back(dep);
    ++count[p];
  }
  for (const auto& [p, c] : count) t.pair_share[p] = static_cast<double>(c) / static_cast<double>(n);
  return t;
}


using testing::contains;

const learned::TypeOverrides kLinksAreCategories = {{"origin", learned::ColumnKind::categorical},
                                                     {"destination", learned::ColumnKind::categorical}};

const TripTable& survey() {
  static const TripTable t = generate_trips(4000);
  return t;
}

// The test program's folder of models, fitted once.
const testing::ScratchDir& dir() {
  static const testing::ScratchDir d("simulacra-traffic-attr");
  static const bool fitted = [] {
    learned::BayesNet::fit(learned::parse_csv(survey().csv, "trips.csv", kLinksAreCategories))
        ->save((d.path / "models" / "trips.h5").string());
    return true;
  }();
  (void)fitted;
  return d;
}

// Fits a Bayesian network to `csv` (its link columns as categories) into models/NAME.
void fit_to(const std::string& csv, const std::string& name) {
  learned::TypeOverrides types;
  const std::string header = csv.substr(0, csv.find('\n'));
  for (const auto& [column, kind] : kLinksAreCategories) {
    if (contains(header, column)) types[column] = kind;
  }
  learned::BayesNet::fit(learned::parse_csv(csv, name, types))->save((dir().path / "models" / name).string());
}

Registry registry(bool with_loader = true) {
  Registry reg;
  register_traffic(reg);
  if (with_loader) reg.set_attribute_loader(learned::model_attribute_loader());
  return reg;
}

// `demand_rate` is on line 16 (its value from column 20), `attributes` on
// line 17 (its value from column 19).
std::string scenario(const std::string& attributes, const std::string& duration = "30min",
                     const std::string& demand_rate = "0", const std::string& network = "grid") {
  return "name: trips\nseed: 11\nduration: " + duration +
         "\npopulations:\n  - name: grid\n    type: traffic\n    params:\n      network: " + network +
         "\n      grid_nx: 4\n      grid_ny: 4\n      step: 1s\n      blocks: 4\n      stats_interval: 0s\n"
         "      truck_share: 0%\n      lanes: 2\n      demand_rate: " + demand_rate +
         "\n      attributes: " + attributes + "\n";
}

// Writes the scenario next to the model folder, so relative paths resolve.
Scenario load(const std::string& text, const Registry& reg) {
  return testing::load_text_as(dir().path / "grid.yaml", text, reg);
}

const traffic::TrafficPopulation& traffic_of(const Simulation& sim) {
  return dynamic_cast<const traffic::TrafficPopulation&>(sim.population(0));
}

std::vector<std::string> issues_of(const std::string& text) {
  return testing::issues_of(dir().path / "grid.yaml", text, registry());
}

std::string build_error(const std::string& text, bool with_loader = true) {
  return testing::build_error(dir().path / "grid.yaml", text, registry(with_loader));
}

// Share of values in each of `bins` bins of [0, end).
std::vector<double> histogram(const std::vector<double>& v, double end, std::size_t bins) {
  std::vector<double> h(bins, 0.0);
  for (double x : v) h[std::min(bins - 1, static_cast<std::size_t>(x / end * static_cast<double>(bins)))] += 1.0;
  for (double& x : h) x /= static_cast<double>(v.size());
  return h;
}

}  // namespace

TEST_CASE("traffic: departures follow the trip model's bimodal distribution", "[traffic][attributes]") {
  const Registry reg = registry();
  const Scenario sc = load(scenario("{model: models/trips.h5, columns: [departure, origin, destination], trips: 20000}"), reg);
  Simulation sim = build_simulation(sc, reg, sc.seed, 1);
  const auto& pop = traffic_of(sim);
  REQUIRE(pop.vehicle_count() == 20000);  // every model departure is within the 30 minutes
  std::vector<double> dep;
  for (std::uint32_t v = 0; v < pop.vehicle_count(); ++v) dep.push_back(pop.departure(v));
  const auto sim_h = histogram(dep, 1800.0, 9);
  const auto data_h = histogram(survey().departure, 1800.0, 9);
  for (std::size_t b = 0; b < sim_h.size(); ++b) {
    INFO("bin " << b * 200 << "-" << (b + 1) * 200 << " s: vehicles " << sim_h[b] << ", survey " << data_h[b]);
    CHECK(std::abs(sim_h[b] - data_h[b]) < 0.025);
  }
  // Two peaks and a trough between them; demand_rate's Poisson trips would be flat.
  CHECK(sim_h[2] > 0.15);           // 400-600 s
  CHECK(sim_h[6] > 0.2);            // 1200-1400 s
  CHECK(sim_h[4] < 0.2 * sim_h[2]);  // 800-1000 s
  CHECK(sim_h[8] < 0.2 * sim_h[6]);  // 1600-1800 s

  // A shorter run keeps only the departures before its end.
  const Scenario early = load(scenario("{model: models/trips.h5, trips: 20000}", "15min"), reg);
  Simulation short_sim = build_simulation(early, reg, early.seed, 1);
  const auto& short_pop = traffic_of(short_sim);
  const double before = static_cast<double>(std::count_if(survey().departure.begin(), survey().departure.end(),
                                                          [](double t) { return t < 900.0; })) /
                        static_cast<double>(survey().departure.size());
  INFO("vehicles " << short_pop.vehicle_count() << ", survey share before 900 s " << before);
  CHECK(std::abs(static_cast<double>(short_pop.vehicle_count()) / 20000.0 - before) < 0.02);
  double latest = 0.0;
  for (std::uint32_t v = 0; v < short_pop.vehicle_count(); ++v) latest = std::max(latest, short_pop.departure(v));
  CHECK(latest < 900.0);
}

TEST_CASE("traffic: origin-destination pairs follow the trip model, peak by peak", "[traffic][attributes]") {
  const Registry reg = registry();
  const Scenario sc = load(scenario("{model: models/trips.h5, trips: 20000}"), reg);
  Simulation sim = build_simulation(sc, reg, sc.seed, 1);
  const auto& pop = traffic_of(sim);
  std::map<Pair, double> share;
  std::size_t early = 0, early_first_pairs = 0;
  for (std::uint32_t v = 0; v < pop.vehicle_count(); ++v) {
    const Pair p{pop.origin(v), pop.destination(v)};
    share[p] += 1.0 / static_cast<double>(pop.vehicle_count());
    if (pop.departure(v) < 800.0) {
      ++early;
      early_first_pairs += p == Pair{0, 47} || p == Pair{5, 30};
    }
  }
  CHECK(share.size() == survey().pair_share.size());  // no pair the survey does not have
  for (const auto& [p, expected] : survey().pair_share) {
    INFO("pair " << p.first << " -> " << p.second << ": vehicles " << share[p] << ", survey " << expected);
    CHECK(std::abs(share[p] - expected) < 0.02);
  }
  // The first peak's trips are the first peak's pairs.
  INFO("early vehicles " << early << ", of the first peak's pairs " << early_first_pairs);
  CHECK(static_cast<double>(early_first_pairs) > 0.95 * static_cast<double>(early));

  // Times from demand_rate, pairs from the model: the count is demand_rate's.
  const Scenario od_only = load(scenario("{model: models/trips.h5, columns: [origin, destination]}", "30min", "4000"),
                                reg);
  Simulation od_sim = build_simulation(od_only, reg, od_only.seed, 1);
  const auto& od_pop = traffic_of(od_sim);
  CHECK(std::abs(static_cast<double>(od_pop.vehicle_count()) - 2000.0) < 4.0 * std::sqrt(2000.0));
  std::map<Pair, double> od_share;
  std::vector<double> od_dep;
  for (std::uint32_t v = 0; v < od_pop.vehicle_count(); ++v) {
    od_share[{od_pop.origin(v), od_pop.destination(v)}] += 1.0 / static_cast<double>(od_pop.vehicle_count());
    od_dep.push_back(od_pop.departure(v));
  }
  for (const auto& [p, expected] : survey().pair_share) {
    INFO("demand_rate times, pair " << p.first << " -> " << p.second << ": " << od_share[p] << ", survey " << expected);
    CHECK(std::abs(od_share[p] - expected) < 0.04);
  }
  CHECK(od_share.size() == survey().pair_share.size());
  for (double h : histogram(od_dep, 1800.0, 3)) CHECK(std::abs(h - 1.0 / 3.0) < 0.05);  // flat: Poisson times

  // Times from the model, origins and destinations drawn as for demand_rate.
  const Scenario times_only = load(scenario("{model: models/trips.h5, columns: [departure], trips: 3000}"), reg);
  Simulation t_sim = build_simulation(times_only, reg, times_only.seed, 1);
  std::set<std::uint32_t> origins;
  for (std::uint32_t v = 0; v < traffic_of(t_sim).vehicle_count(); ++v) origins.insert(traffic_of(t_sim).origin(v));
  CHECK(origins.size() > 40);  // every link of the grid is an origin, the model's five are not special
}

TEST_CASE("traffic: trips from a model are the same for any thread count and depend on the seed",
          "[traffic][attributes][determinism]") {
  const Registry reg = registry();
  const Scenario sc = load(scenario("{model: models/trips.h5, trips: 800}", "15min"), reg);
  std::uint64_t hash[2] = {0, 0};
  std::vector<TableChunk> rows[2];
  for (unsigned threads : {1u, 2u}) {
    Simulation sim = build_simulation(sc, reg, sc.seed, threads);
    traffic_test::Collect out(sim.tables());
    sim.set_row_consumer(&out);
    sim.run_until(SimTime{sc.duration});
    sim.finish();
    hash[threads - 1] = sim.trace_hash();
    rows[threads - 1] = out.all;
    CHECK(traffic_of(sim).count(traffic::kArrivals) > 50);
  }
  CHECK(hash[0] == hash[1]);
  const auto& trips0 = rows[0][traffic::TrafficPopulation::kTrips];
  const auto& trips1 = rows[1][traffic::TrafficPopulation::kTrips];
  REQUIRE(trips0.rows() == trips1.rows());
  // Rows as a multiset (LPs commit in a fixed order, but compare what matters).
  auto sorted_trips = [](const TableChunk& t) {
    std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t, double>> v;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      v.emplace_back(traffic_test::ints(t, 0)[r], traffic_test::ints(t, 2)[r], traffic_test::ints(t, 3)[r],
                     traffic_test::reals(t, 4)[r]);
    }
    std::sort(v.begin(), v.end());
    return v;
  };
  CHECK(sorted_trips(trips0) == sorted_trips(trips1));
  Simulation other = build_simulation(sc, reg, sc.seed + 1, 1);
  Simulation same = build_simulation(sc, reg, sc.seed, 1);
  std::vector<double> a, b;
  for (std::uint32_t v = 0; v < traffic_of(other).vehicle_count(); ++v) a.push_back(traffic_of(other).departure(v));
  for (std::uint32_t v = 0; v < traffic_of(same).vehicle_count(); ++v) b.push_back(traffic_of(same).departure(v));
  CHECK(a != b);
}

TEST_CASE("traffic: attributes blocks are checked with positions", "[traffic][attributes][validation]") {
  auto one = [](const std::string& text, const std::string& part) {
    const auto issues = issues_of(text);
    INFO(text);
    REQUIRE(issues.size() == 1);
    INFO(issues.front());
    CHECK(contains(issues.front(), part));
  };
  one(scenario("{model: models/trips.h5, columns: [departur, origin]}"),
      "grid.yaml:17:54: populations[0].params.attributes.columns[0]: unknown column 'departur' (did you mean "
      "'departure'?); the traffic population uses: departure, origin, destination");
  one(scenario("{model: models/trips.h5, trip: 10}"),
      "grid.yaml:17:44: populations[0].params.attributes.trip: unknown key 'trip' (did you mean 'trips'?); keys: "
      "model, columns, trips, where");
  one(scenario("{model: models/trips.h5, columns: [departure]}"),
      "grid.yaml:17:19: populations[0].params.attributes: missing key 'trips'");
  one(scenario("{model: models/trips.h5, columns: [origin, destination], trips: 10}"),
      "grid.yaml:17:83: populations[0].params.attributes.trips: only with departure in columns");
  one(scenario("{model: models/trips.h5, trips: 2.5}"),
      "grid.yaml:17:51: populations[0].params.attributes.trips: expected a whole number of trips in [1, 100000000]");
  one(scenario("{model: models/trips.h5, trips: 0}"), "attributes.trips: expected a whole number of trips");
  one(scenario("{model: models/trips.h5, columns: [departure], trips: 10}", "30min", "100"),
      "grid.yaml:16:20: populations[0].params.demand_rate: must be 0: the trips' departure times come from "
      "attributes");
  one(scenario("{model: models/trips.h5, columns: []}"),
      "populations[0].params.attributes.columns: must include departure, origin or destination");
  one(scenario("{model: models/trips.h5, trips: 10}", "30min", "0", "ring"),
      "grid.yaml:17:19: populations[0].params.attributes: a ring has no trips");
  one(scenario("{columns: [departure], trips: 10}"), "attributes: missing required key 'model'");
  CHECK(issues_of(scenario("{model: models/trips.h5, columns: [origin], wher: {}, trips: x}")).size() == 3);
  CHECK(issues_of(scenario("{model: models/trips.h5, columns: [departure, origin], trips: 100, "
                           "where: {destination: 47}}"))
            .empty());
}

TEST_CASE("traffic: model rows that do not fit the network are build errors naming the file and the value",
          "[traffic][attributes][validation]") {
  const std::string model = (dir().path / "models" / "trips.h5").string();
  const std::string path = "populations[0].params.attributes: ";
  std::string e = build_error(scenario("{model: models/none.h5, trips: 10}"));
  CHECK(contains(e, path));
  CHECK(contains(e, "models/none.h5: no such model file"));
  e = build_error(scenario("{model: models/trips.h5, trips: 10, where: {weekday: monday}}"));
  CHECK(contains(e, path + model + ": unknown column 'weekday'"));
  e = build_error(scenario("{model: " + model + ", trips: 10}"), false);
  CHECK(contains(e, "cannot read model file " + model + ": this program was built without learned models"));

  // Link ids are never mapped onto other links: a link the grid lacks is an error.
  fit_to("departure,origin,destination\n10,3,48\n20,3,48\n30,4,7\n", "far.h5");
  const std::string far = (dir().path / "models" / "far.h5").string();
  e = build_error(scenario("{model: models/far.h5, trips: 50}"));
  CHECK(contains(e, path + far + ": column 'destination' holds 48, not the id of a destination link of this "
                                 "network (links 0 to 47)"));
  // On the corridor only the first segment and the ramps are origins.
  e = build_error(scenario("{model: models/far.h5, columns: [origin]}", "30min", "500", "corridor"));
  CHECK(contains(e, path + far + ": column 'origin' holds"));
  CHECK(contains(e, "not the id of an origin link of this network (0, 10, 11, 12)"));
  // A numeric (not categorical) link column may give fractions.
  learned::BayesNet::fit(learned::parse_csv("departure,origin\n10,1.5\n20,1.5\n", "half.csv"))
      ->save((dir().path / "models" / "half.h5").string());
  e = build_error(scenario("{model: models/half.h5, trips: 5}"));
  CHECK(contains(e, "column 'origin' holds 1.5, not the id of an origin link"));
  // Departures are seconds from the start: a negative one is an error.
  fit_to("departure,origin,destination\n-30,3,4\n-30,3,4\n", "negative.h5");
  e = build_error(scenario("{model: models/negative.h5, trips: 5}"));
  CHECK(contains(e, "negative.h5: column 'departure' holds -30: departures are seconds from the run's start"));
  // Without a columns list the rules about trips apply to the opened model.
  e = build_error(scenario("{model: models/trips.h5}"));
  CHECK(contains(e, "populations[0]: traffic: attributes: " + model +
                        " gives departure times, so attributes.trips (how many trips to draw) is required"));
  fit_to("origin,destination\n3,4\n5,6\n", "pairs.h5");
  e = build_error(scenario("{model: models/pairs.h5, trips: 10}"));
  CHECK(contains(e, "attributes.trips: " + (dir().path / "models" / "pairs.h5").string() +
                        " gives no departure times"));
  e = build_error(scenario("{model: models/trips.h5, trips: 10}", "30min", "100"));
  CHECK(contains(e, "demand_rate must be 0: the trips' departure times come from attributes (" + model + ")"));
  fit_to("weekday,length\nmon,3\ntue,4\n", "other.h5");
  e = build_error(scenario("{model: models/other.h5}"));
  CHECK(contains(e, "the model has none of 'departure', 'origin', 'destination' (columns: weekday, length)"));
}
