// Real SUMO networks: every .net.xml of Debian's sumo-tools package (OpenStreetMap
// extracts of Berlin and Bologna, a motorway interchange, netconvert examples)
// and netgenerate's grid, spider and random networks load and run an hour of
// random demand without collisions; lanes closed to cars carry none; the
// links table names the file's own edges.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "run_helpers.hpp"
#include "simulacra/agents/traffic/sumo.hpp"

using namespace traffic_test;
namespace fs = std::filesystem;

namespace {

// Where Debian's sumo-tools package (scripts/install-deps.sh) puts its data.
const std::string kSumoTools = "/usr/share/sumo/tools";

std::vector<std::string> debian_networks() {
  std::vector<std::string> files;
  if (!fs::is_directory(kSumoTools)) return files;
  for (const auto& e : fs::recursive_directory_iterator(kSumoTools)) {
    const std::string p = e.path().string();
    if (e.is_regular_file() && p.ends_with(".net.xml")) files.push_back(p);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The file's <lane>s by id: whether SUMO lets passenger cars use it (allow,
// else disallow, else all), and the file's <edge>s: their car lanes' length
// (the longest) and from-junction. A plain text scan, independent of the reader.
struct FileFacts {
  std::map<std::string, bool> lane_for_cars;
  std::map<std::string, double> edge_length;   // edges with a car lane
  std::map<std::string, std::string> edge_from;
  std::map<std::string, std::size_t> edge_car_lanes;
};

std::string attr(const std::string& tag, const std::string& key) {
  const auto k = tag.find(" " + key + "=\"");
  if (k == std::string::npos) return "";
  const auto v = k + key.size() + 3;
  return tag.substr(v, tag.find('"', v) - v);
}

bool has_word(const std::string& list, const std::string& w) {
  std::istringstream in(list);
  for (std::string x; in >> x;) {
    if (x == w) return true;
  }
  return false;
}

FileFacts facts_of(const std::string& xml) {
  FileFacts f;
  std::string edge;
  for (std::size_t at = xml.find('<'); at != std::string::npos; at = xml.find('<', at + 1)) {
    const std::string tag = xml.substr(at, xml.find('>', at) - at);
    if (tag.starts_with("<edge ")) {
      const std::string fn = attr(tag, "function");
      edge = fn.empty() || fn == "normal" ? attr(tag, "id") : "";
      if (!edge.empty()) f.edge_from[edge] = attr(tag, "from");
    } else if (tag.starts_with("<lane ")) {
      const bool cars = tag.find(" allow=\"") != std::string::npos
                            ? has_word(attr(tag, "allow"), "passenger") || has_word(attr(tag, "allow"), "all")
                            : !(has_word(attr(tag, "disallow"), "passenger") || has_word(attr(tag, "disallow"), "all"));
      f.lane_for_cars[attr(tag, "id")] = cars;
      if (cars && !edge.empty()) {
        f.edge_length[edge] = std::max(f.edge_length[edge], std::stod(attr(tag, "length")));
        ++f.edge_car_lanes[edge];
      }
    }
  }
  return f;
}

TrafficParams sumo_params(const std::string& file, double step, double rate) {
  TrafficParams p;
  p.network = "sumo";
  p.sumo_file = file;
  p.step = step;
  p.demand_rate = rate;
  p.duration = 3600.0;
  p.stats_interval = 0.0;
  p.blocks = 2;
  return p;
}

// Runs an hour and checks what must hold on any network: no collision, every
// vehicle accounted for once in the trips table, departures = arrivals +
// vehicles still running.
void hour_without_collisions(const TrafficParams& p) {
  const Run r = run(p, 3600.0);
  const TrafficPopulation& pop = r.pop();
  INFO(p.sumo_file << " at step " << p.step << " s: " << pop.network().links.size() << " links, "
                   << pop.vehicle_count() << " vehicles");
  CHECK(pop.count(kCollisions) == 0);
  CHECK(pop.vehicle_count() > 0);
  CHECK(pop.count(kArrivals) > 0);
  std::uint64_t active = 0, waiting = 0;
  for (std::uint32_t v = 0; v < pop.vehicle_count(); ++v) {
    active += pop.status(v) == Status::active ? 1 : 0;
    waiting += pop.status(v) == Status::pending ? 1 : 0;
  }
  CHECK(pop.count(kDepartures) == pop.count(kArrivals) + active);
  const TableChunk& trips = r.rows[TrafficPopulation::kTrips];
  CHECK(trips.rows() == pop.vehicle_count());
  std::set<std::int64_t> ids(ints(trips, 0).begin(), ints(trips, 0).end());
  CHECK(ids.size() == trips.rows());
  const auto& status = strings(trips, 9);
  CHECK(static_cast<std::uint64_t>(std::count(status.begin(), status.end(), "waiting")) == waiting);
}

}  // namespace

TEST_CASE("every network in Debian's sumo-tools loads and runs an hour of random demand without collisions",
          "[traffic][sumo][debian]") {
  const std::vector<std::string> files = debian_networks();
  INFO("install Debian's sumo-tools (scripts/install-deps.sh) for " << kSumoTools);
  REQUIRE(files.size() >= 20);
  for (const char* must : {"/game/A10KW/osm.net.xml", "/game/DRT/osm.net.xml",
                           "/sumolib/scenario/scenarios/RealWorld/acosta/acosta_buslanes.net.xml"}) {
    CHECK(std::find(files.begin(), files.end(), kSumoTools + must) != files.end());
  }
  for (const std::string& f : files) {
    DYNAMIC_SECTION(f) {
      // A file without a lane open to passenger cars (Spreewaldring's
      // raceway allows only "vip") is refused by name.
      if (facts_of(read_text(f)).edge_length.empty()) {
        CHECK_THROWS_WITH(read_sumo_net(f), Catch::Contains(f + ": no <edge> with a lane open to passenger cars"));
      } else {
        hour_without_collisions(sumo_params(f, 0.5, 300.0));
      }
    }
  }
}

TEST_CASE("OpenStreetMap networks run at step 0.1 s, where their 1-10 m edges are joined into junctions",
          "[traffic][sumo][debian]") {
  for (const char* f : {"/game/A10KW/osm.net.xml", "/game/DRT/osm.net.xml",
                        "/sumolib/scenario/scenarios/RealWorld/acosta/acosta_buslanes.net.xml"}) {
    DYNAMIC_SECTION(f) {
      const TrafficParams p = sumo_params(kSumoTools + f, 0.1, 300.0);
      const Network raw = read_sumo_net(p.sumo_file);
      const TrafficPopulation pop(p);
      const std::vector<double> need = min_link_lengths(pop.network(), p);
      for (std::size_t i = 0; i < pop.network().links.size(); ++i) CHECK(pop.network().links[i].length >= need[i]);
      // Short edges went, and only edges under 60 m can have.
      std::size_t under_60m = 0;
      for (const Link& l : raw.links) under_60m += l.length < 60.0 ? 1 : 0;
      CHECK(pop.network().links.size() < raw.links.size());
      CHECK(pop.network().links.size() >= raw.links.size() - under_60m);
      hour_without_collisions(p);
    }
  }
}

TEST_CASE("netgenerate's grid with sidewalks and crossings, spider and random networks run an hour",
          "[traffic][sumo]") {
  for (const char* f : {"grid3_sidewalks.net.xml", "spider4x3.net.xml", "random40.net.xml", "grid4x3.net.xml"}) {
    DYNAMIC_SECTION(f) {
      for (double step : {0.1, 0.5}) {
        hour_without_collisions(sumo_params(std::string(SIMULACRA_TRAFFIC_SCENARIOS) + "/networks/" + f, step, 600.0));
      }
    }
  }
}

TEST_CASE("lane permissions: cars never use bus lanes or sidewalks, and edges without a car lane are not links",
          "[traffic][sumo][debian]") {
  const std::string file = kSumoTools + "/sumolib/scenario/scenarios/RealWorld/acosta/acosta_buslanes.net.xml";
  const FileFacts facts = facts_of(read_text(file));
  std::size_t closed = 0;
  for (const auto& [id, cars] : facts.lane_for_cars) closed += (!cars && !id.starts_with(':')) ? 1 : 0;
  REQUIRE(closed >= 10);  // Acosta's bus lanes
  TrafficParams p = sumo_params(file, 0.5, 1500.0);
  p.trajectory_interval = 1.0;
  const Run r = run(p, 900.0);
  const TableChunk& links = r.rows[TrafficPopulation::kLinks];
  std::vector<std::vector<std::string>> lane_ids(links.rows());
  for (std::size_t i = 0; i < links.rows(); ++i) {
    std::istringstream in(strings(links, 13)[i]);
    for (std::string id; in >> id;) lane_ids[i].push_back(id);
    CHECK(lane_ids[i].size() == static_cast<std::size_t>(ints(links, 7)[i]));
    for (const std::string& id : lane_ids[i]) {
      INFO("lane " << id);
      REQUIRE(facts.lane_for_cars.count(id) == 1);
      CHECK(facts.lane_for_cars.at(id));
    }
  }
  const TableChunk& tr = r.rows[TrafficPopulation::kTrajectories];
  REQUIRE(tr.rows() > 10000);
  for (std::size_t k = 0; k < tr.rows(); ++k) {
    const auto& ids = lane_ids[static_cast<std::size_t>(ints(tr, 2)[k])];
    const auto lane = static_cast<std::size_t>(ints(tr, 3)[k]);
    REQUIRE(lane < ids.size());
    if (!facts.lane_for_cars.at(ids[lane])) FAIL("a car on " << ids[lane]);
  }
  CHECK(r.pop().count(kCollisions) == 0);
}

TEST_CASE("permissions, crossings and walking areas of a small file", "[traffic][sumo]") {
  // AB: sidewalk (lane 0), two car lanes, bus lane (lane 3); BC: a busway;
  // BD: a car lane; pedestrian crossing and walking area at B.
  const std::string xml = R"(<net version="1.9">
  <edge id=":B_c0" function="crossing" crossingEdges="AB"><lane id=":B_c0_0" index="0" allow="pedestrian" speed="1" length="9"/></edge>
  <edge id=":B_w0" function="walkingarea"><lane id=":B_w0_0" index="0" allow="pedestrian" speed="1" length="4"/></edge>
  <edge id="AB" from="A" to="B"><lane id="AB_0" index="0" allow="pedestrian" speed="13.9" length="200"/><lane id="AB_1" index="1" disallow="pedestrian bus" speed="13.9" length="200"/><lane id="AB_2" index="2" speed="13.9" length="200"/><lane id="AB_3" index="3" allow="bus taxi" speed="13.9" length="200"/></edge>
  <edge id="BC" from="B" to="C"><lane id="BC_0" index="0" allow="bus" speed="13.9" length="150"/></edge>
  <edge id="BD" from="B" to="D"><lane id="BD_0" index="0" disallow="pedestrian" speed="13.9" length="150"/></edge>
  <junction id="A" type="dead_end" x="0" y="0"/>
  <junction id="B" type="priority" x="200" y="0"/>
  <junction id="C" type="dead_end" x="350" y="0"/>
  <junction id="D" type="dead_end" x="200" y="150"/>
  <connection from="AB" to="BC" fromLane="3" toLane="0"/>
  <connection from="AB" to="BD" fromLane="1" toLane="0"/>
  <connection from="AB" to="BD" fromLane="2" toLane="0"/>
  <connection from="AB" to="BD" fromLane="3" toLane="0"/>
  <connection from="AB" to=":B_w0" fromLane="0" toLane="0"/>
  <connection from=":B_w0" to=":B_c0" fromLane="0" toLane="0"/>
</net>
)";
  const Network net = parse_sumo_net(xml, "t.net.xml");
  REQUIRE(net.links.size() == 2);
  CHECK(net.links[0].name == "AB");
  CHECK(net.links[0].lane_names == std::vector<std::string>{"AB_1", "AB_2"});
  CHECK(net.links[1].name == "BD");
  // Car lanes 0 and 1 (SUMO's 1 and 2) turn into BD; the bus lane's turns are gone.
  REQUIRE(net.turns.size() == 2);
  CHECK(net.turns[0].from_lane == 0);
  CHECK(net.turns[1].from_lane == 1);
  CHECK(net.links[0].out == std::vector<std::uint32_t>{1});
  // A connection into a lane the edge does not have still names its place.
  std::string bad = xml;
  bad.replace(bad.find("fromLane=\"2\""), 12, "fromLane=\"4\"");
  CHECK_THROWS_WITH(parse_sumo_net(bad, "t.net.xml"),
                    Catch::Contains("t.net.xml:13:") && Catch::Contains("<connection from=\"AB\" to=\"BD\"") &&
                        Catch::Contains("fromLane = 4 is not a lane of edge 'AB'"));
}

TEST_CASE("joining a short edge's junctions: one node, movements through it, both programs side by side",
          "[traffic][sumo]") {
  // B and C are 4 m apart, each with its own program (90 s cycles, C offset
  // by 20 s); AB and CD are long. At step 0.5 s BC must go.
  const std::string xml = R"(<net version="1.9">
  <edge id="AB" from="A" to="B"><lane id="AB_0" index="0" speed="13.9" length="200"/></edge>
  <edge id="BC" from="B" to="C"><lane id="BC_0" index="0" speed="13.9" length="4"/></edge>
  <edge id="CD" from="C" to="D"><lane id="CD_0" index="0" speed="13.9" length="200"/></edge>
  <edge id="EC" from="E" to="C"><lane id="EC_0" index="0" speed="13.9" length="120"/></edge>
  <tlLogic id="B" type="static" programID="0" offset="0"><phase duration="40" state="G"/><phase duration="5" state="y"/><phase duration="45" state="r"/></tlLogic>
  <tlLogic id="C" type="static" programID="0" offset="20"><phase duration="30" state="rG"/><phase duration="3" state="ry"/><phase duration="30" state="Gr"/><phase duration="27" state="yr"/></tlLogic>
  <junction id="A" type="dead_end" x="0" y="0"/>
  <junction id="B" type="traffic_light" x="200" y="0"/>
  <junction id="C" type="traffic_light" x="204" y="0"/>
  <junction id="D" type="dead_end" x="404" y="0"/>
  <junction id="E" type="dead_end" x="204" y="120"/>
  <connection from="AB" to="BC" fromLane="0" toLane="0" tl="B" linkIndex="0"/>
  <connection from="BC" to="CD" fromLane="0" toLane="0" tl="C" linkIndex="0"/>
  <connection from="EC" to="CD" fromLane="0" toLane="0" tl="C" linkIndex="1"/>
</net>
)";
  const Network raw = parse_sumo_net(xml, "t.net.xml");
  TrafficParams p;
  p.step = 0.5;
  const Network net = join_short_links(raw, min_link_lengths(raw, p));
  REQUIRE(net.nodes.size() == 4);
  CHECK(net.nodes[1].name == "B C");
  CHECK(net.nodes[1].x == Approx(202.0));
  REQUIRE(net.links.size() == 3);
  CHECK(net.links[0].name == "AB");
  CHECK(net.links[1].name == "CD");
  CHECK(net.links[2].name == "EC");
  CHECK(net.links[0].out == std::vector<std::uint32_t>{1});  // AB continues on CD
  CHECK(net.links[2].out == std::vector<std::uint32_t>{1});
  // One plan: B's index 0, then C's 0 and 1; at any time each shows what its
  // own program shows. AB → CD takes B's light (its first signalled connection).
  REQUIRE(net.nodes[1].plan != kNone);
  const SignalPlan& plan = net.plans[net.nodes[1].plan];
  CHECK(plan.cycle() == Approx(90.0));
  for (double t = 0.25; t < 400.0; t += 0.5) {
    const auto& lights = plan.phases[plan.phase_at(t)].lights;
    REQUIRE(lights.size() == 3);
    CHECK(lights[0] == raw.plans[0].phases[raw.plans[0].phase_at(t)].lights[0]);
    CHECK(lights[1] == raw.plans[1].phases[raw.plans[1].phase_at(t)].lights[0]);
    CHECK(lights[2] == raw.plans[1].phases[raw.plans[1].phase_at(t)].lights[1]);
    CHECK(net.light(0, 0, 1, plan.phase_at(t)) == lights[0]);
    CHECK(net.light(2, 0, 1, plan.phase_at(t)) == lights[2]);
  }
  // Programs that never meet within two hours cannot run side by side.
  std::string odd = xml;
  odd.replace(odd.find("duration=\"27\""), 13, "duration=\"27.001\"");
  const Network raw_odd = parse_sumo_net(odd, "t.net.xml");
  CHECK_THROWS_WITH(join_short_links(raw_odd, min_link_lengths(raw_odd, p)),
                    Catch::Contains("t.net.xml:6:") && Catch::Contains("'B', 'C'") &&
                        Catch::Contains("share no cycle within 2 h"));
}

TEST_CASE("the links table round-trips to the file's edge ids on OpenStreetMap networks", "[traffic][sumo][debian]") {
  for (const char* f : {"/game/DRT/osm.net.xml", "/game/A10KW/osm.net.xml"}) {
    DYNAMIC_SECTION(f) {
      const std::string file = kSumoTools + f;
      const FileFacts facts = facts_of(read_text(file));
      TrafficParams p = sumo_params(file, 0.5, 100.0);
      const Run r = run(p, 1.0);
      const TableChunk& links = r.rows[TrafficPopulation::kLinks];
      REQUIRE(links.rows() > 100);
      std::set<std::string> seen;
      for (std::size_t i = 0; i < links.rows(); ++i) {
        const std::string& id = strings(links, 1)[i];
        INFO("edge " << id);
        REQUIRE(facts.edge_length.count(id) == 1);
        CHECK(seen.insert(id).second);
        CHECK(reals(links, 6)[i] == Approx(facts.edge_length.at(id)));
        CHECK(static_cast<std::size_t>(ints(links, 7)[i]) == facts.edge_car_lanes.at(id));
        // The start node is the edge's junction, or a joined node naming it.
        std::istringstream members(strings(links, 4)[i]);
        bool named = false;
        for (std::string m; members >> m;) named = named || m == facts.edge_from.at(id);
        CHECK(named);
      }
      // Every car edge long enough never to be joined is there.
      for (const auto& [id, len] : facts.edge_length) {
        if (len >= 60.0) CHECK(seen.count(id) == 1);
      }
    }
  }
}

TEST_CASE("a joined OpenStreetMap network gives the same tables for any blocks and threads",
          "[traffic][sumo][debian][determinism]") {
  TrafficParams p = sumo_params(kSumoTools + "/game/DRT/osm.net.xml", 0.5, 1200.0);
  p.duration = 1200.0;
  p.trajectory_interval = 5.0;
  p.stats_interval = 300.0;
  p.blocks = 1;
  const Run one = run(p, 1200.0, 1);
  REQUIRE(one.pop().count(kArrivals) > 100);
  for (const auto& [blocks, threads] : {std::pair{5u, 1u}, std::pair{5u, 2u}, std::pair{2u, 2u}}) {
    DYNAMIC_SECTION(blocks << " blocks, " << threads << " threads") {
      p.blocks = blocks;
      const Run other = run(p, 1200.0, threads);
      for (std::size_t t = 0; t < one.rows.size(); ++t) {
        INFO("table " << t);
        CHECK(same_rows(one.rows[t], other.rows[t]));
      }
    }
  }
}
