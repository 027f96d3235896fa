// What a traffic scenario's inputs are checked for before a run (the network
// file, od flows against it) and what every run accounts for at its end
// (crashed vehicles' trips rows, the last link-statistics interval).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "run_helpers.hpp"
#include "simulacra/agents/traffic/register.hpp"
#include "simulacra/agents/traffic/sumo.hpp"
#include "support/scenario_probe.hpp"

using namespace traffic_test;
using simulacra::testing::contains;

namespace {

// A one-way street A -> B -> C and a street D -> B -> ... that only turns
// into BC: nothing leads back to AB or DB.
const char* kNet = R"(<net version="1.9">
  <edge id="AB" from="A" to="B"><lane id="AB_0" index="0" speed="13.9" length="200"/></edge>
  <edge id="DB" from="D" to="B"><lane id="DB_0" index="0" speed="13.9" length="200"/></edge>
  <edge id="BC" from="B" to="C"><lane id="BC_0" index="0" speed="13.9" length="200"/></edge>
  <junction id="A" type="dead_end" x="0" y="0"/>
  <junction id="B" type="priority" x="200" y="0"/>
  <junction id="C" type="dead_end" x="400" y="0"/>
  <junction id="D" type="dead_end" x="200" y="200"/>
  <connection from="AB" to="BC" fromLane="0" toLane="0"/>
  <connection from="DB" to="BC" fromLane="0" toLane="0"/>
</net>
)";

simulacra::testing::ScratchDir& dir() {
  static simulacra::testing::ScratchDir d("simulacra-traffic-checks");
  return d;
}

Registry registry() {
  Registry reg;
  register_traffic(reg);
  return reg;
}

// `sumo_file` is on line 9 (its value from column 18), `od` on line 11.
std::string scenario(const std::string& file, const std::string& od) {
  return "name: checks\nseed: 3\nduration: 10min\npopulations:\n  - name: town\n    type: traffic\n"
         "    params:\n      network: sumo\n      sumo_file: " + file + "\n      step: 0.5s\n      od: " + od + "\n";
}

std::vector<std::string> issues(const std::string& text) {
  return simulacra::testing::issues_of(dir().path / "town.yaml", text, registry());
}

}  // namespace

TEST_CASE("validate reads the network file and checks od flows against it, at their positions",
          "[traffic][sumo][validate]") {
  std::ofstream(dir().path / "t.net.xml") << kNet;
  CHECK(issues(scenario("t.net.xml", "[0, 2, 60]")).empty());  // AB -> BC

  auto one = [](const std::vector<std::string>& v) {
    REQUIRE(v.size() == 1);
    return v.front();
  };
  const std::string missing = one(issues(scenario("nowhere.net.xml", "[]")));
  CHECK(contains(missing, "town.yaml:9:18"));
  CHECK(contains(missing, "populations[0].params.sumo_file"));
  CHECK(contains(missing, "nowhere.net.xml: cannot open the network file"));

  std::string broken = kNet;
  broken.replace(broken.find("to=\"BC\" fromLane"), 7, "to=\"XY\"");
  std::ofstream(dir().path / "broken.net.xml") << broken;
  const std::string bad_file = one(issues(scenario("broken.net.xml", "[]")));
  CHECK(contains(bad_file, "town.yaml:9:18"));
  CHECK(contains(bad_file, "broken.net.xml:9: <connection from=\"AB\" to=\"XY\""));
  CHECK(contains(bad_file, "'XY' is not an edge"));

  const std::string no_route = one(issues(scenario("t.net.xml", "[0, 1, 60]")));
  CHECK(contains(no_route, "town.yaml:11:"));
  CHECK(contains(no_route, "populations[0].params.od[0]"));
  CHECK(contains(no_route, "no route leads from link 0 (edge 'AB') to link 1 (edge 'DB')"));

  const std::string no_link = one(issues(scenario("t.net.xml", "[0, 2, 60, 3, 0, 10]")));
  CHECK(contains(no_link, "populations[0].params.od[3]"));
  CHECK(contains(no_link, "the network has links 0 to 2"));
}

TEST_CASE("an od flow without a route is refused when the population is built", "[traffic][sumo]") {
  TrafficParams p;
  p.network = "sumo";
  p.od = {{0, 1, 60.0}};
  REQUIRE_THROWS_WITH(TrafficPopulation(p, parse_sumo_net(kNet, "t.net.xml")),
                      Catch::Contains("no route leads from link 0 (edge 'AB') to link 1 (edge 'DB')"));
  // Random demand only starts where it can reach its destinations: AB and
  // DB feed BC, the one link every trip can end on.
  p.od.clear();
  p.demand_rate = 600.0;
  p.duration = 600.0;
  const Run r = run_on(p, parse_sumo_net(kNet, "t.net.xml"), 600.0);
  const TrafficPopulation& pop = r.pop();
  REQUIRE(pop.vehicle_count() > 50);
  for (std::uint32_t v = 0; v < pop.vehicle_count(); ++v) CHECK(pop.destination(v) == 2);
  CHECK(r.rows[TrafficPopulation::kTrips].rows() == pop.vehicle_count());
}

TEST_CASE("every crashed vehicle has one trips row, cleared or not at the end", "[traffic][safety]") {
  TrafficParams p;
  p.network = "corridor";
  p.corridor.speed_limit = 33.33;  // a motorway (the struct's default is 50 km/h)
  p.corridor.ramp_speed_limit = 22.22;
  p.corridor.length = 3000.0;
  p.corridor.segments = 6;
  p.corridor.ramp_every = 2;
  p.demand_rate = 4500.0;
  p.duration = 600.0;
  p.blocks = 3;
  p.distraction_rate = 60.0;
  p.distraction_mean = 4.0;
  p.seed = 9;
  p.crash_clearance = 120.0;
  const Run r = run(p, 600.0);
  const TableChunk& ev = r.rows[TrafficPopulation::kEvents];
  std::set<std::int64_t> crashed;
  std::map<std::int64_t, double> crash_time;
  for (std::size_t i = 0; i < ev.rows(); ++i) {
    if (strings(ev, 1)[i] != "collision") continue;
    for (std::size_t c : {2u, 3u}) {
      crashed.insert(ints(ev, c)[i]);
      crash_time.emplace(ints(ev, c)[i], reals(ev, 0)[i]);
    }
  }
  REQUIRE(crashed.size() >= 2);
  const TableChunk& trips = r.rows[TrafficPopulation::kTrips];
  std::map<std::int64_t, std::size_t> rows;
  std::size_t cleared = 0, blocking = 0;
  for (std::size_t i = 0; i < trips.rows(); ++i) {
    ++rows[ints(trips, 0)[i]];
    if (strings(trips, 9)[i] != "crashed") continue;
    const std::int64_t v = ints(trips, 0)[i];
    CHECK(crashed.count(v) == 1);
    if (std::isnan(reals(trips, 6)[i])) {
      ++blocking;
      CHECK(crash_time.at(v) > 600.0 - 120.0 - 1e-9);  // not yet cleared
    } else {
      ++cleared;
      CHECK(reals(trips, 6)[i] >= crash_time.at(v) + 120.0 - 1e-9);
    }
  }
  CHECK(cleared + blocking == crashed.size());
  for (const auto& [v, n] : rows) CHECK(n == 1);
  // Every vehicle that entered has its row.
  CHECK(trips.rows() >= r.pop().count(kDepartures));
}

TEST_CASE("the last link-statistics interval is written when the run ends on its boundary", "[traffic]") {
  TrafficParams p = small_grid();
  p.stats_interval = 60.0;
  p.duration = 240.0;
  const Run r = run(p, 180.0);
  const TableChunk& st = r.rows[TrafficPopulation::kLinkStats];
  const std::size_t links = r.pop().network().links.size();
  std::map<double, std::size_t> per_time;
  for (std::size_t i = 0; i < st.rows(); ++i) ++per_time[reals(st, 0)[i]];
  REQUIRE(per_time.size() == 3);
  for (double t : {60.0, 120.0, 180.0}) CHECK(per_time[t] == links);
  // The intervals before are those of the same run carried on to 240 s;
  // the last covers the steps 120.5 .. 179.5 s.
  const Run l = run(p, 240.0);
  const TableChunk& lst = l.rows[TrafficPopulation::kLinkStats];
  std::size_t compared = 0;
  for (std::size_t i = 0; i < st.rows(); ++i) {
    if (reals(st, 0)[i] > 120.0) {
      CHECK(reals(st, 3)[i] >= 0.0);
      CHECK(std::isfinite(reals(st, 3)[i]));
      continue;
    }
    REQUIRE(i < lst.rows());
    CHECK(reals(lst, 0)[i] == reals(st, 0)[i]);
    CHECK(ints(lst, 1)[i] == ints(st, 1)[i]);
    CHECK(reals(lst, 2)[i] == reals(st, 2)[i]);
    CHECK(reals(lst, 3)[i] == reals(st, 3)[i]);
    ++compared;
  }
  CHECK(compared == 2 * links);
}
