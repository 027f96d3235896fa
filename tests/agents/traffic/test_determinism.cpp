// The promise: the same scenario gives the same trace hash and identical rows
// for 1, 2 and 4 threads; and, by construction of the step phases, the same
// trips for any number of blocks.
#include <algorithm>
#include <sstream>

#include <catch2/catch.hpp>

#include "run_helpers.hpp"

using namespace traffic_test;

namespace {

TrafficParams scenario(std::uint32_t blocks) {
  TrafficParams p = small_grid();
  p.duration = 300.0;
  p.blocks = blocks;
  p.trajectory_interval = 5.0;
  p.distraction_rate = 20.0;
  p.seed = 21;
  return p;
}

}  // namespace

TEST_CASE("same trace hash and identical rows with 1, 2 and 4 threads", "[traffic][determinism]") {
  const auto base = run(scenario(6), 400.0, 1);
  REQUIRE(base.rows[TrafficPopulation::kTrajectories].rows() > 1000);
  for (unsigned threads : {2u, 4u}) {
    const auto other = run(scenario(6), 400.0, threads);
    CHECK(other.sim.trace_hash() == base.sim.trace_hash());
    for (std::size_t t = 0; t < base.rows.size(); ++t) {
      INFO(base.sim.tables()[t].name);
      CHECK(same_rows(other.rows[t], base.rows[t]));
    }
  }
}

TEST_CASE("the trips do not depend on how the network is cut into blocks", "[traffic][determinism]") {
  const auto one = trip_lines(run(scenario(1), 400.0));
  const auto five = trip_lines(run(scenario(5), 400.0));
  REQUIRE(one.size() > 100);
  CHECK(one == five);
}

TEST_CASE("a cloned simulation continues exactly like the original", "[traffic][determinism]") {
  TrafficParams p = scenario(3);
  EngineConfig cfg;
  cfg.lookahead = SimTime{p.step / 2.0};
  Simulation a(cfg, p.seed);
  a.add_population(std::make_unique<TrafficPopulation>(p));
  a.run_until(SimTime{150.0});
  Simulation b = a;
  a.run_until(SimTime{300.0});
  b.run_until(SimTime{300.0});
  CHECK(a.trace_hash() == b.trace_hash());
  const auto& pa = dynamic_cast<const TrafficPopulation&>(a.population(0));
  const auto& pb = dynamic_cast<const TrafficPopulation&>(b.population(0));
  CHECK(pa.count(kArrivals) == pb.count(kArrivals));
}
