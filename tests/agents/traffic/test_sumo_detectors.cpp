// SUMO additional files and configurations: induction loops counting every
// vehicle that passes them (per interval, like SUMO's e1 output), programs
// replacing the network's, a .sumocfg scenario run end to end, imported
// demand giving the same rows for any threads and blocks, and checkpoints
// carrying the loops' intervals in progress.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>

#include "run_helpers.hpp"
#include "simulacra/agents/traffic/register.hpp"
#include "simulacra/agents/traffic/sumo.hpp"
#include "simulacra/agents/traffic/sumo_demand.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"
#include "simulacra/engine/state_archive.hpp"
#include "sumo_fixture.hpp"

using namespace traffic_test;
using simulacra::testing::contains;

namespace {

TrafficParams fixture_params() {
  TrafficParams p;
  p.network = "sumo";
  p.sumo_file = demand_file("t.net.xml");
  p.route_files = {demand_file("t.rou.xml")};
  p.additional_files = {demand_file("t.add.xml")};
  p.duration = 900.0;
  return p;
}

// Detectors table columns.
enum { kDetector, kBegin, kEnd, kLink, kLane, kCount, kFlow, kSpeed, kOccupancy };

}  // namespace

TEST_CASE("an induction loop counts every vehicle whose front passed it, per interval", "[traffic][sumo_demand]") {
  const TrafficParams p = fixture_params();
  const Run r = run(p, p.duration);
  const TrafficPopulation& pop = r.pop();
  const auto& det = r.rows[TrafficPopulation::kDetectors];
  REQUIRE(pop.detector_count() == 2);
  double counted = 0;
  std::vector<double> ends_out, ends_in;
  for (std::size_t i = 0; i < det.rows(); ++i) {
    const bool out = strings(det, kDetector)[i] == "loop_out";
    (out ? ends_out : ends_in).push_back(reals(det, kEnd)[i]);
    if (out) counted += reals(det, kCount)[i];
    CHECK(reals(det, kOccupancy)[i] >= 0.0);
    CHECK(reals(det, kOccupancy)[i] <= 100.0);
    if (reals(det, kCount)[i] > 0) CHECK(reals(det, kSpeed)[i] > 0.0);
    const double span = reals(det, kEnd)[i] - reals(det, kBegin)[i];
    CHECK(reals(det, kFlow)[i] == Approx(reals(det, kCount)[i] * 3600.0 / span));
  }
  // Every interval has its row, the last one cut at the run's end.
  CHECK(ends_out.size() == 15);
  CHECK(ends_out.back() == 900.0);
  CHECK(ends_in == std::vector<double>{120, 240, 360, 480, 600, 720, 840, 900});
  // Conservation: loop_out (150 m into "out") counted the vehicles that
  // left by "out" and those still on it past the loop.
  const Network& net = pop.network();
  std::int64_t passed = 0;
  for (std::uint32_t v = 0; v < pop.vehicle_count(); ++v) {
    if (pop.destination(v) == kNone || net.links[pop.destination(v)].name != "out") continue;
    const bool on_out = pop.status(v) == Status::active && net.links[pop.link_of(v)].name == "out";
    passed += pop.status(v) == Status::arrived || (on_out && pop.position(v) >= 150.0);
  }
  CHECK(passed > 20);
  CHECK(counted == static_cast<double>(passed));
}

TEST_CASE("programs of additional files replace the network's, and detectors off car lanes are refused",
          "[traffic][sumo_demand]") {
  Network net = read_sumo_net(demand_file("t.net.xml"));
  const SumoDemand d = read_sumo_demand({demand_file("t.add.xml")}, 1);
  REQUIRE(d.programs.size() == 1);
  CHECK(net.plans.at(0).cycle() == 60.0);
  apply_programs(d, net);
  REQUIRE(net.plans.size() == 1);
  CHECK(net.plans[0].phases.size() == 2);
  CHECK(net.plans[0].phases[0].duration == 50.0);

  SumoDemand wrong = d;
  wrong.programs[0].id = "Z";
  CHECK_THROWS_WITH(apply_programs(wrong, net), Catch::Contains("t.add.xml:2: <tlLogic id=\"Z\">: the network has no "
                                                                "traffic light 'Z'"));
  wrong = d;
  wrong.programs[0].phases[0].lights.pop_back();
  CHECK_THROWS_WITH(apply_programs(wrong, net), Catch::Contains("its states have 2 letters, the network's program 3"));

  const Network runnable = runnable_network(read_sumo_net(demand_file("t.net.xml")), TrafficParams{});
  const SumoLinks ids(runnable);
  SumoDetector loop{"bad", "bus_0", 10.0, 60.0, "x.add.xml", 4};
  CHECK_THROWS_WITH(ids.detector(loop), Catch::Contains("x.add.xml:4: <inductionLoop id=\"bad\">: lane 'bus_0' is "
                                                        "not a car lane of the network (edge 'bus' has no lane open"));
  loop.lane = "x1_0";  // joined into junction C: measures nothing
  CHECK_FALSE(ids.detector(loop).placed());
  loop.lane = "out_0";
  loop.pos = 400.0;
  CHECK_THROWS_WITH(ids.detector(loop), Catch::Contains("pos = 400 is off lane 'out_0' (300 m)"));
  loop.pos = -100.0;
  CHECK(ids.detector(loop).pos == 200.0);
}

TEST_CASE("a scenario naming a .sumocfg runs its network, demand and detectors from its begin",
          "[traffic][sumo_demand]") {
  std::ofstream(demand_dir().path / "t.sumocfg") << R"(<configuration>
  <input><net-file value="t.net.xml"/><route-files value="t.rou.xml"/><additional-files value="t.add.xml"/></input>
  <time><begin value="100"/><end value="400"/><step-length value="1"/></time>
</configuration>
)";
  const SumoConfig c = read_sumocfg(demand_file("t.sumocfg"));
  CHECK(c.net_file == demand_file("t.net.xml"));
  CHECK(c.route_files == std::vector<std::string>{demand_file("t.rou.xml")});
  TrafficParams p;
  p.sumocfg = demand_file("t.sumocfg");
  CHECK(with_sumocfg(p).step == 1.0);
  CHECK(with_sumocfg(p, true).step == 0.5);

  Registry registry;
  register_traffic(registry);
  const std::string yaml = "name: cfg\nseed: 5\nduration: 10min\npopulations:\n  - name: bologna\n    type: traffic\n"
                           "    params:\n      network: sumo\n      sumocfg: t.sumocfg\n      stats_interval: 0s\n";
  const Scenario sc = simulacra::testing::load_text_as(demand_dir().path / "cfg.yaml", yaml, registry);
  Simulation sim = build_simulation(sc, registry, sc.seed, 1);
  Collect out(sim.tables());
  sim.set_row_consumer(&out);
  sim.run_until(SimTime{600.0});
  sim.finish();
  const SumoDemand d = read_sumo_demand({demand_file("t.add.xml"), demand_file("t.rou.xml")}, sc.seed, 100, 400);
  const auto& trips = out.all[TrafficPopulation::kTrips];
  REQUIRE(trips.rows() == d.vehicles.size());
  for (std::size_t i = 0; i < trips.rows(); ++i) CHECK(reals(trips, 4)[i] < 300.0);  // run time: SUMO time - 100
  const auto& det = out.all[TrafficPopulation::kDetectors];
  REQUIRE(det.rows() > 0);
  CHECK(reals(det, kBegin)[0] == 100.0);

  // Validate names a missing file at the key that led to it.
  const auto bad = simulacra::testing::issues_of(demand_dir().path / "cfg.yaml",
                                                 yaml + "      routes: [missing.rou.xml]\n", registry);
  REQUIRE(bad.size() == 1);
  CHECK(contains(bad[0], "cfg.yaml:11:"));
  CHECK(contains(bad[0], "populations[0].params.routes"));
  CHECK(contains(bad[0], "missing.rou.xml: cannot open the file"));
  // ... and every vehicle the network cannot carry, at its line in its file.
  std::ofstream(demand_dir().path / "unroutable.rou.xml")
      << "<routes>\n  <vehicle id=\"a\" depart=\"150\"><route edges=\"in E7\"/></vehicle>\n"
         "  <vehicle id=\"b\" depart=\"160\"><route edges=\"in bus\"/></vehicle>\n</routes>\n";
  const auto unroutable = simulacra::testing::issues_of(demand_dir().path / "cfg.yaml",
                                                        yaml + "      routes: unroutable.rou.xml\n", registry);
  REQUIRE(unroutable.size() == 3);
  CHECK(contains(unroutable[0], "unroutable.rou.xml:2: <vehicle id=\"a\">: route edge 'E7' is not in the network"));
  CHECK(contains(unroutable[1], "unroutable.rou.xml:3: <vehicle id=\"b\">: route edge 'bus' has no lane open"));
  CHECK(contains(unroutable[2], "2 of "));
}

TEST_CASE("imported demand and detectors give the same rows for any threads and blocks",
          "[traffic][sumo_demand][determinism]") {
  TrafficParams p = fixture_params();
  p.duration = 600.0;
  p.trajectory_interval = 10.0;
  const Run one = run(p, p.duration, 1);
  p.blocks = 3;
  const Run three = run(p, p.duration, 2);
  for (auto table : {TrafficPopulation::kTrips, TrafficPopulation::kDetectors, TrafficPopulation::kTrajectories}) {
    INFO(table);
    CHECK(one.rows[table].rows() > 10);
    CHECK(same_rows(one.rows[table], three.rows[table]));
  }
}

TEST_CASE("a checkpoint carries the induction loops' interval in progress", "[traffic][sumo_demand][checkpoint]") {
  const TrafficParams p = fixture_params();
  auto lines = [](const TableChunk& det, double after) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < det.rows(); ++i) {
      if (reals(det, kEnd)[i] <= after) continue;
      std::ostringstream s;
      s.precision(17);
      s << strings(det, kDetector)[i] << ' ' << reals(det, kEnd)[i] << ' ' << reals(det, kCount)[i] << ' '
        << reals(det, kSpeed)[i] << ' ' << reals(det, kOccupancy)[i];
      out.push_back(s.str());
    }
    return out;
  };
  const Run whole = run(p, p.duration);
  // 450.25: inside loop_out's and loop_in's intervals, handovers in flight.
  Simulation first = simulation_of(p, 1);
  first.run_until(SimTime{450.25});
  StateArchive ar;
  first.save_state(ar);
  Simulation second = simulation_of(p, 2);
  const std::string bytes = ar.take();  // the reading archive views these bytes
  StateArchive in(bytes);
  second.load_state(in);
  Collect out(second.tables());
  second.set_row_consumer(&out);
  second.run_until(SimTime{p.duration});
  second.finish();
  const auto expected = lines(whole.rows[TrafficPopulation::kDetectors], 450.25);
  CHECK(expected.size() > 10);
  CHECK(lines(out.all[TrafficPopulation::kDetectors], 450.25) == expected);
}
