// Network generators, Dijkstra routes, the SUMO reader's errors, and the
// links table that describes the network in every dataset.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "simulacra/agents/traffic/network.hpp"
#include "simulacra/agents/traffic/sumo.hpp"
#include "run_helpers.hpp"

using namespace simulacra::traffic;
using namespace traffic_test;

TEST_CASE("grid: links, lanes, and shortest routes of Manhattan length", "[traffic][network]") {
  GridSpec g;
  g.nx = 4;
  g.ny = 3;
  g.block = 100.0;
  const Network net = make_grid(g);
  CHECK(net.nodes.size() == 12);
  CHECK(net.links.size() == 2u * (3u * 3u + 4u * 2u));  // two directions per street block
  CHECK(net.lane_count == net.links.size() * 2);
  Router router(net);
  // From the link 0->1 to the link ending at the far corner (11).
  std::uint32_t o = kNone, d = kNone;
  for (std::uint32_t i = 0; i < net.links.size(); ++i) {
    if (net.links[i].from == 0 && net.links[i].to == 1) o = i;
    if (net.links[i].from == 7 && net.links[i].to == 11) d = i;
  }
  REQUIRE(o != kNone);
  REQUIRE(d != kNone);
  const auto r = router.route(o, d);
  REQUIRE(!r.empty());
  double len = 0.0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    len += net.links[r[i]].length;
    if (i > 0) CHECK(net.links[r[i - 1]].to == net.links[r[i]].from);
  }
  CHECK(r.front() == o);
  CHECK(r.back() == d);
  CHECK(len == Approx(500.0));  // 100 m to node 1, then 2 east and 2 north, all inclusive
}

TEST_CASE("corridor: on-ramps feed the acceleration lane", "[traffic][network]") {
  CorridorSpec c;
  c.segments = 6;
  c.ramp_every = 2;
  const Network net = make_corridor(c);
  CHECK(net.links.size() == 6 + 2);
  CHECK(net.origins.size() == 3);
  CHECK(net.links[2].drop_lane);
  CHECK(net.links[2].lanes == c.lanes + 1);
  CHECK(net.entry_lane(net.links[2].merge_from, 0, 2) == c.lanes);
  CHECK(net.entry_lane(1, 1, 2) == 1);
  CHECK(net.links[1].out == std::vector<std::uint32_t>{2});
}

TEST_CASE("ring: a closed chain", "[traffic][network]") {
  const Network net = make_ring({1000.0, 5, 1, 30.0});
  for (const auto& l : net.links) {
    CHECK(l.out.size() == 1);
    CHECK(l.length == Approx(200.0));
  }
}

TEST_CASE("SUMO reader: a small network and errors that name line and element", "[traffic][network][sumo]") {
  const std::string good = R"(<?xml version="1.0"?>
<net version="1.9">
  <edge id=":B_0" function="internal"><lane id=":B_0_0" index="0" speed="10" length="5"/></edge>
  <edge id="AB" from="A" to="B"><lane id="AB_0" index="0" speed="13.9" length="200"/><lane id="AB_1" index="1" speed="13.9" length="200"/></edge>
  <edge id="BC" from="B" to="C"><lane id="BC_0" index="0" speed="13.9" length="150"/></edge>
  <tlLogic id="B" type="static" programID="0" offset="7"><phase duration="30" state="G"/><phase duration="3" state="y"/><phase duration="27" state="r"/></tlLogic>
  <junction id="A" type="dead_end" x="0" y="0"/>
  <junction id="B" type="traffic_light" x="200" y="0"/>
  <junction id="C" type="priority" x="350" y="0"/>
  <junction id=":B_0_0" type="internal" x="200" y="0"/>
  <connection from="AB" to="BC" fromLane="0" toLane="0" tl="B" linkIndex="0"/>
</net>
)";
  const Network net = parse_sumo_net(good, "t.net.xml");
  REQUIRE(net.nodes.size() == 3);
  REQUIRE(net.links.size() == 2);
  CHECK(net.links[0].lanes == 2);
  CHECK(net.links[1].length == Approx(150.0));
  CHECK(net.nodes[1].control == Control::signal);
  CHECK(net.links[0].out == std::vector<std::uint32_t>{1});
  // The program: its offset, phases and the connection's light in each.
  REQUIRE(net.plans.size() == 1);
  REQUIRE(net.nodes[1].plan == 0);
  const SignalPlan& plan = net.plans[0];
  CHECK(plan.offset == Approx(7.0));
  REQUIRE(plan.phases.size() == 3);
  CHECK(plan.cycle() == Approx(60.0));
  CHECK(plan.phase_at(7.0) == 0);    // the first phase starts at the offset
  CHECK(plan.phase_at(36.9) == 0);
  CHECK(plan.phase_at(37.5) == 1);
  CHECK(plan.phase_at(41.0) == 2);
  CHECK(plan.phase_at(66.0) == 2);   // 66 - 7 = 59: the red's last second
  CHECK(plan.phase_at(67.0) == 0);
  CHECK(plan.phase_at(0.0) == 2);    // before the offset: the end of the previous cycle
  for (std::uint32_t lane : {0u, 1u}) {  // lane 1 has no connection: it uses lane 0's light
    CHECK(net.light(0, lane, 1, 0) == Light::go);
    CHECK(net.light(0, lane, 1, 1) == Light::amber);
    CHECK(net.light(0, lane, 1, 2) == Light::stop);
  }
  REQUIRE(net.turns.size() == 1);
  CHECK(net.turns[0].signal == 0);

  std::string bad = good;
  bad.replace(bad.find("to=\"C\""), 6, "to=\"Q\"");
  CHECK_THROWS_WITH(parse_sumo_net(bad, "t.net.xml"),
                    Catch::Contains("t.net.xml:5:") && Catch::Contains("<edge id=\"BC\">") &&
                        Catch::Contains("'Q' is not a junction"));
  std::string no_len = good;
  no_len.replace(no_len.find("length=\"150\""), 12, "");
  CHECK_THROWS_WITH(parse_sumo_net(no_len, "t.net.xml"),
                    Catch::Contains("t.net.xml:5:") && Catch::Contains("missing attribute 'length'"));
  CHECK_THROWS_WITH(parse_sumo_net("<net><edge", "x.xml"), Catch::Contains("x.xml:1: not well-formed"));
  auto broken = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  CHECK_THROWS_WITH(parse_sumo_net(broken("linkIndex=\"0\"", "linkIndex=\"3\""), "t.net.xml"),
                    Catch::Contains("t.net.xml:11:") && Catch::Contains("<connection from=\"AB\" to=\"BC\"") &&
                        Catch::Contains("linkIndex = 3 is outside the state strings of program 'B'"));
  CHECK_THROWS_WITH(parse_sumo_net(broken("tl=\"B\"", "tl=\"X\""), "t.net.xml"),
                    Catch::Contains("t.net.xml:11:") && Catch::Contains("tl = 'X' is not a <tlLogic>"));
  CHECK_THROWS_WITH(parse_sumo_net(broken("state=\"y\"", "state=\"q\""), "t.net.xml"),
                    Catch::Contains("t.net.xml:6:") && Catch::Contains("<phase>") &&
                        Catch::Contains("unknown signal letter 'q'"));
  CHECK_THROWS_WITH(parse_sumo_net(broken("state=\"r\"", "state=\"rr\""), "t.net.xml"),
                    Catch::Contains("t.net.xml:6:") && Catch::Contains("has 2 letters"));
  CHECK_THROWS_WITH(parse_sumo_net(broken("fromLane=\"0\"", "fromLane=\"2\""), "t.net.xml"),
                    Catch::Contains("t.net.xml:11:") && Catch::Contains("fromLane = 2 is not a lane of edge 'AB'"));
  CHECK_THROWS_AS(read_sumo_net("/nonexistent/file.net.xml"), NetworkFileError);
}

TEST_CASE("SUMO reader: the shipped netgenerate grid", "[traffic][network][sumo]") {
  const Network net = read_sumo_net(std::string(SIMULACRA_TRAFFIC_SCENARIOS) + "/networks/grid4x3.net.xml");
  CHECK(net.nodes.size() == 12);
  CHECK(net.links.size() == 34);  // 2 × (3 × 3 + 4 × 2) street blocks
  std::size_t signals = 0;
  for (const auto& n : net.nodes) signals += n.control == Control::signal ? 1 : 0;
  CHECK(signals == 8);  // --tls.guess: every junction but the four corners
  // Each signalised junction has netgenerate's program: 42 s green and 3 s
  // amber for each axis, every movement in some green phase.
  REQUIRE(net.plans.size() == 8);
  for (const auto& n : net.nodes) {
    if (n.control != Control::signal) continue;
    REQUIRE(n.plan != kNone);
    const SignalPlan& p = net.plans[n.plan];
    CHECK(p.cycle() == Approx(90.0));
    REQUIRE(p.phases.size() == 4);
    for (std::size_t i = 0; i < p.phases.front().lights.size(); ++i) {
      bool green = false;
      for (const auto& ph : p.phases) green = green || proceeds(ph.lights[i]);
      CHECK(green);
    }
  }
  // Only the file's connections are movements: 128, and U-turns only where
  // netgenerate made them.
  CHECK(net.turns.size() == 128);
  std::size_t movements = 0;
  for (const auto& l : net.links) movements += l.out.size();
  CHECK(movements == 94);  // distinct (from, to) edge pairs among the connections
  for (const auto& l : net.links) {
    CHECK(l.lanes == 2);
    CHECK(l.length > 150.0);
    CHECK(l.length <= 200.0);
    CHECK(l.speed_limit == Approx(13.89));
  }
}

TEST_CASE("the links table describes the network read from a SUMO file, one row per link", "[traffic][network][sumo]") {
  const std::string file = std::string(SIMULACRA_TRAFFIC_SCENARIOS) + "/networks/grid4x3.net.xml";
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const std::string xml = text.str();
  // What the file says of an element: attribute `key` of <tag id="id" ...>.
  const auto attribute = [&](const std::string& tag, const std::string& id, const std::string& key) {
    const auto at = xml.find("<" + tag + " id=\"" + id + "\"");
    REQUIRE(at != std::string::npos);
    const auto end = xml.find('>', at);
    const auto k = xml.find(" " + key + "=\"", at);
    REQUIRE(k < end);
    const auto v = k + key.size() + 3;
    return xml.substr(v, xml.find('"', v) - v);
  };
  TrafficParams p;
  p.network = "sumo";
  p.sumo_file = file;
  p.demand_rate = 600.0;
  p.blocks = 3;
  const Run r = run(p, 10.0);
  const TableChunk& links = r.rows[TrafficPopulation::kLinks];
  REQUIRE(links.rows() == 34);
  const auto& names = strings(links, 1);
  const auto& from = strings(links, 4);
  const auto& to = strings(links, 5);
  for (std::size_t i = 0; i < links.rows(); ++i) {
    CHECK(ints(links, 0)[i] == static_cast<std::int64_t>(i));
    // The edge's own ends and the junctions' coordinates, from the file.
    CHECK(attribute("edge", names[i], "from") == from[i]);
    CHECK(attribute("edge", names[i], "to") == to[i]);
    CHECK(reals(links, 9)[i] == Approx(std::stod(attribute("junction", from[i], "x"))));
    CHECK(reals(links, 10)[i] == Approx(std::stod(attribute("junction", from[i], "y"))));
    CHECK(reals(links, 11)[i] == Approx(std::stod(attribute("junction", to[i], "x"))));
    CHECK(reals(links, 12)[i] == Approx(std::stod(attribute("junction", to[i], "y"))));
    CHECK(ints(links, 7)[i] == 2);
    CHECK(reals(links, 8)[i] == Approx(13.89));
    // netgenerate's 200 m blocks, less the junctions' extent.
    CHECK(reals(links, 6)[i] > 150.0);
    CHECK(reals(links, 6)[i] <= 200.0);
  }
  // Every edge of the file appears once.
  std::set<std::string> unique(names.begin(), names.end());
  CHECK(unique.size() == 34);
}

TEST_CASE("the links table of a generated grid joins trajectories to geometry", "[traffic][network]") {
  TrafficParams p = small_grid();
  p.trajectory_interval = 5.0;
  const Run r = run(p, 60.0);
  const TableChunk& links = r.rows[TrafficPopulation::kLinks];
  const Network& net = r.pop().network();
  REQUIRE(links.rows() == net.links.size());
  for (std::size_t i = 0; i < links.rows(); ++i) {
    CHECK(strings(links, 1)[i].empty());
    CHECK(ints(links, 2)[i] == net.links[i].from);
    CHECK(reals(links, 6)[i] == net.links[i].length);
  }
  // Each trajectory sample lies on its link: its (x, y) is the start node
  // plus the position along the direction to the end node, moved to the
  // right by its lane's centre (3.5 m lanes).
  const TableChunk& tr = r.rows[TrafficPopulation::kTrajectories];
  REQUIRE(tr.rows() > 100);
  for (std::size_t k = 0; k < tr.rows(); ++k) {
    const auto li = static_cast<std::size_t>(ints(tr, 2)[k]);
    const double x0 = reals(links, 9)[li], y0 = reals(links, 10)[li], x1 = reals(links, 11)[li], y1 = reals(links, 12)[li];
    const double len = std::hypot(x1 - x0, y1 - y0);
    const double s = reals(tr, 4)[k] / reals(links, 6)[li];
    const double off = (static_cast<double>(ints(tr, 3)[k]) + 0.5) * 3.5;
    INFO("sample " << k << " on link " << li);
    CHECK(reals(tr, 5)[k] == Approx(x0 + s * (x1 - x0) + off * (y1 - y0) / len).margin(1e-6));
    CHECK(reals(tr, 6)[k] == Approx(y0 + s * (y1 - y0) - off * (x1 - x0) / len).margin(1e-6));
  }
}
