// SUMO demand import: every element kind of a route file read as SUMO
// defines it (flows' departures, distributions, routes by id and inline,
// trips with via), routes mapped onto the links (edges joined into
// junctions left out), errors naming file, line and SUMO id, and imported
// vehicles driving their routes.
#include <catch2/catch.hpp>
#include <algorithm>
#include <map>

#include "run_helpers.hpp"
#include "simulacra/agents/traffic/sumo.hpp"
#include "simulacra/agents/traffic/sumo_demand.hpp"
#include "sumo_fixture.hpp"

using namespace traffic_test;
using simulacra::testing::contains;

namespace {

SumoDemand fixture_demand(double begin = 0.0, double end = 1.0e18) {
  return read_sumo_demand({demand_file("t.rou.xml")}, 7, begin, end);
}

const SumoVehicle& vehicle(const SumoDemand& d, const std::string& id) {
  const auto it = std::find_if(d.vehicles.begin(), d.vehicles.end(), [&](const SumoVehicle& v) { return v.id == id; });
  REQUIRE(it != d.vehicles.end());
  return *it;
}

std::vector<double> departures_of(const SumoDemand& d, const std::string& flow) {
  std::vector<double> out;
  for (const SumoVehicle& v : d.vehicles) {
    if (v.id.starts_with(flow + ".")) out.push_back(v.depart);
  }
  return out;
}

// The error a route file with `element` added gives on the fixture network.
std::string route_error(const std::string& element) {
  std::string text = kDemandRoutes;
  text.insert(text.find("</routes>"), "  " + element + "\n");
  std::ofstream(demand_dir().path / "bad.rou.xml") << text;
  try {
    const SumoDemand d = read_sumo_demand({demand_file("bad.rou.xml")}, 1);
    TrafficParams p;
    map_routes(d, runnable_network(read_sumo_net(demand_file("t.net.xml")), p));
  } catch (const DemandFileError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a route file's vehicles, trips, flows and types are read as SUMO defines them", "[traffic][sumo_demand]") {
  const SumoDemand d = fixture_demand();
  // 2 vehicles, 2 trips, flows: 3 by period, 360 at 360/h, 4 by number, ~30 by probability.
  const auto prob = departures_of(d, "f_prob").size();
  CHECK(prob >= 15);
  CHECK(prob <= 45);
  CHECK(d.vehicles.size() == 4 + 3 + 360 + 4 + prob);
  CHECK(departures_of(d, "f_period") == std::vector<double>{20, 40, 60});
  CHECK(departures_of(d, "f_number") == std::vector<double>{100, 125, 150, 175});
  const auto vph = departures_of(d, "f_vph");
  REQUIRE(vph.size() == 360);
  CHECK(vph[1] - vph[0] == Approx(10.0));
  for (double t : departures_of(d, "f_prob")) CHECK(t == std::floor(t));
  CHECK(std::is_sorted(d.vehicles.begin(), d.vehicles.end(),
                       [](const SumoVehicle& a, const SumoVehicle& b) { return a.depart < b.depart; }));

  // Routes inline, by id, and waypoints of trips and from/to flows.
  CHECK(vehicle(d, "v1").edges == std::vector<std::string>{"in", "side"});
  CHECK(vehicle(d, "v1").line == 9);
  CHECK(vehicle(d, "v0").edges == std::vector<std::string>{"in", "mid", "out"});
  CHECK_FALSE(vehicle(d, "v0").trip);
  CHECK(vehicle(d, "t1").edges == std::vector<std::string>{"in", "mid", "x2"});
  CHECK(vehicle(d, "t1").trip);
  CHECK(vehicle(d, "f_vph.3").edges == std::vector<std::string>{"in", "side"});
  for (const std::string id : {"f_number.0", "f_number.1", "f_number.2", "f_number.3"}) {
    const auto& e = vehicle(d, id).edges;
    CHECK((e == std::vector<std::string>{"in", "side"} || e == std::vector<std::string>{"in", "mid", "x1", "x2"}));
    const std::string type = d.types[vehicle(d, id).type].id;
    CHECK((type == "m1" || type == "m2"));
  }

  // vType attributes, and SUMO's defaults per class where none are given.
  const SumoVType& car = d.types[vehicle(d, "v0").type];
  CHECK(car.type.length == 4.5);
  CHECK(car.type.headway == 1.2);
  CHECK(car.type.accel == 2.0);
  CHECK(car.type.max_speed == 30.0);
  const SumoVType& lorry = d.types[vehicle(d, "v1").type];
  CHECK(lorry.heavy);
  CHECK(lorry.type.length == 7.1);
  CHECK(lorry.speed_factor == 0.9);
  CHECK(lorry.speed_dev == 0.05);
  CHECK(d.types[vehicle(d, "t0").type].id == "DEFAULT_VEHTYPE");
  CHECK(d.types[vehicle(d, "t0").type].type.min_gap == 2.5);

  // Only departures within [begin, end) are loaded, as in SUMO.
  const SumoDemand window = fixture_demand(20.0, 60.0);
  for (const SumoVehicle& v : window.vehicles) CHECK((v.depart >= 20.0 && v.depart < 60.0));
  CHECK(departures_of(window, "f_period") == std::vector<double>{20, 40});
  // The same seed draws the same distributions and probability flows.
  CHECK(departures_of(fixture_demand(), "f_prob") == departures_of(d, "f_prob"));
}

TEST_CASE("routes map onto the links, edges joined into a junction left out", "[traffic][sumo_demand]") {
  TrafficParams p;  // step 0.5 s: the 3 m edge x1 is joined into junction C
  const Network net = runnable_network(read_sumo_net(demand_file("t.net.xml")), p);
  SumoLinks ids(net);
  auto names = [&](const std::vector<std::uint32_t>& links) {
    std::vector<std::string> out;
    for (std::uint32_t l : links) out.push_back(net.links[l].name);
    return out;
  };
  const SumoDemand d = fixture_demand();
  const MappedRoute t1 = ids.route(vehicle(d, "t1"));
  REQUIRE(t1.error.empty());
  CHECK(names(t1.links) == std::vector<std::string>{"in", "mid", "x2"});
  const MappedRoute t0 = ids.route(vehicle(d, "t0"));
  CHECK(names(t0.links) == std::vector<std::string>{"in", "mid", "out"});
  SumoVehicle through = vehicle(d, "v0");
  through.edges = {"in", "mid", "x1", "x2"};
  CHECK(names(ids.route(through).links) == std::vector<std::string>{"in", "mid", "x2"});
  CHECK(map_routes(d, net).size() == d.vehicles.size());
}

TEST_CASE("demand the network cannot carry is an error naming file, line and SUMO id", "[traffic][sumo_demand]") {
  // Appended after line 16 of the route file: the new element is on line 17.
  const std::string at = demand_file("bad.rou.xml") + ":17: ";
  CHECK(contains(route_error(R"(<vehicle id="x" depart="1"><route edges="in nowhere"/></vehicle>)"),
                 at + "<vehicle id=\"x\">: route edge 'nowhere' is not in the network"));
  CHECK(contains(route_error(R"(<vehicle id="x" depart="1"><route edges="in mid bus"/></vehicle>)"),
                 at + "<vehicle id=\"x\">: route edge 'bus' has no lane open to passenger cars"));
  CHECK(contains(route_error(R"(<vehicle id="x" depart="1"><route edges="in out"/></vehicle>)"),
                 "edges 'in' and 'out' are not joined by a movement open to passenger cars"));
  CHECK(contains(route_error(R"(<trip id="x" depart="1" from="side" to="out"/>)"),
                 at + "<trip id=\"x\">: no route leads from edge 'side' to edge 'out'"));
  CHECK(contains(route_error(R"(<vehicle id="x" depart="1" type="plane" route="r_out"/>)"),
                 at + "<vehicle id=\"x\">: type 'plane' is no vType"));
  CHECK(contains(route_error(R"(<vehicle id="x" depart="now" route="r_out"/>)"), "depart = 'now' is not supported"));
  CHECK(contains(route_error(R"(<vehicle id="x" depart="1" route="r_nowhere"/>)"), "route 'r_nowhere' is no route"));
  CHECK(contains(route_error(R"(<vType id="bike" vClass="bicycle"/>)"), "vClass 'bicycle' does not drive on car lanes"));
  CHECK(contains(route_error(R"x(<vType id="odd" speedFactor="unif(0.8,1.2)"/>)x"),
                 "attribute 'speedFactor' = 'unif(0.8,1.2)' is not a number"));
  CHECK(contains(route_error(R"(<vehicle id="v0" depart="1" route="r_out"/>)"), "duplicate vehicle id"));
  CHECK(contains(route_error(R"(<flow id="x" begin="0" end="10" route="r_out"/>)"), "needs vehsPerHour, period"));
  CHECK(contains(route_error(R"(<person id="p" depart="1"/>)"), "persons and containers are not modelled"));
  // Several vehicles that cannot be routed are all counted.
  const std::string many = route_error(R"(<flow id="y" begin="0" end="5" period="1"><route edges="in out"/></flow>)");
  CHECK(contains(many, "<flow id=\"y.4\">"));
  CHECK(contains(many, "\n5 of "));
  CHECK(contains(many, " vehicles cannot be routed"));
}

TEST_CASE("imported vehicles drive their routes, named by their SUMO ids", "[traffic][sumo_demand]") {
  TrafficParams p;
  p.network = "sumo";
  p.sumo_file = demand_file("t.net.xml");
  p.route_files = {demand_file("t.rou.xml")};
  p.duration = 900.0;
  p.stats_interval = 0.0;
  const Run r = run(p, 900.0);
  const TrafficPopulation& pop = r.pop();
  const SumoDemand d = read_sumo_demand(p.route_files, p.seed, 0.0, 900.0);
  REQUIRE(pop.vehicle_count() == d.vehicles.size());
  const auto& trips = r.rows[TrafficPopulation::kTrips];
  REQUIRE(trips.rows() == d.vehicles.size());
  std::map<std::string, std::size_t> row_of;
  for (std::size_t i = 0; i < trips.rows(); ++i) row_of[strings(trips, 10)[i]] = i;
  REQUIRE(row_of.size() == d.vehicles.size());
  std::size_t arrived = 0;
  for (const SumoVehicle& v : d.vehicles) {
    const std::size_t i = row_of.at(v.id);
    CHECK(reals(trips, 4)[i] == v.depart);                       // departure
    CHECK(strings(trips, 1)[i] == d.types[v.type].id);            // type
    CHECK(pop.network().links[ints(trips, 3)[i]].name == v.edges.back());  // destination
    arrived += strings(trips, 9)[i] == "arrived";
  }
  // Light demand on free roads: all but the last minute's vehicles arrive.
  CHECK(arrived + 10 >= d.vehicles.size());
  CHECK(pop.count(kCollisions) == 0);
}
