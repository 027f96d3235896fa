// Safety events: no collisions without driver error (grid with signals, grid
// with right of way, corridor with merges); with distraction, collisions
// happen and each is a row of the events table. Signals and trips tables.
#include <cmath>

#include <catch2/catch.hpp>

#include "run_helpers.hpp"

using namespace traffic_test;

namespace {

TrafficParams grid(Control c) {
  TrafficParams p = small_grid(2, c);
  p.duration = 600.0;
  p.blocks = 3;
  p.seed = 5;
  return p;
}

TrafficParams corridor(double distraction_rate) {
  TrafficParams p;
  p.network = "corridor";
  p.corridor.speed_limit = 33.33;  // a motorway (the struct's default is 50 km/h)
  p.corridor.ramp_speed_limit = 22.22;
  p.corridor.length = 3000.0;
  p.corridor.segments = 6;
  p.corridor.lanes = 2;
  p.corridor.ramp_every = 2;
  p.demand_rate = 4500.0;
  p.duration = 600.0;
  p.blocks = 3;
  p.distraction_rate = distraction_rate;
  p.distraction_mean = 4.0;
  p.seed = 9;
  return p;
}

}  // namespace

TEST_CASE("signalised grid: trips complete, signals cycle, no collisions", "[traffic][safety]") {
  auto r = run(grid(Control::signal), 900.0);
  const auto& pop = r.pop();
  CHECK(pop.count(kCollisions) == 0);
  CHECK(count_events(r, "collision") == 0);
  CHECK(pop.count(kArrivals) > 100);
  CHECK(count_events(r, "arrival") == pop.count(kArrivals));
  // Every vehicle has exactly one trips row after finish (arrived, or not).
  const auto& trips = r.rows[TrafficPopulation::kTrips];
  const auto& status = strings(trips, 9);
  CHECK(static_cast<std::uint64_t>(std::count(status.begin(), status.end(), "arrived")) == pop.count(kArrivals));
  // Delays of arrived trips are not negative beyond integration error.
  const auto& delay = reals(trips, 8);
  for (std::size_t i = 0; i < trips.rows(); ++i) {
    if (status[i] == "arrived") CHECK(delay[i] > -2.0);
  }
  // A 4-approach node cycles 4 × (20 + 3) s: 8 state changes per 92 s.
  const double per_node_4 = 900.0 / 92.0 * 8.0;
  CHECK(pop.count(kSignalChanges) > static_cast<std::uint64_t>(4 * per_node_4));
  // Link statistics every 60 s for every link: steps at 60, 120, ..., 840 s,
  // and the interval ending with the run at 900 s (written by finish).
  CHECK(r.rows[TrafficPopulation::kLinkStats].rows() == 15u * pop.network().links.size());
}

TEST_CASE("unsignalised grid: first-come-first-served right of way, no collisions", "[traffic][safety]") {
  auto r = run(grid(Control::yield), 900.0);
  CHECK(r.pop().count(kCollisions) == 0);
  CHECK(r.pop().count(kArrivals) > 100);
}

TEST_CASE("corridor merges: no collisions without driver error", "[traffic][safety]") {
  TrafficParams p = corridor(0.0);
  p.trajectory_interval = 10.0;
  auto r = run(p, 900.0);
  const auto& pop = r.pop();
  // Trajectory coordinates: the mainline runs along the x axis, lanes of
  // 3.5 m to its right (y < 0), lane 0 innermost.
  const auto& tr = r.rows[TrafficPopulation::kTrajectories];
  REQUIRE(tr.rows() > 1000);
  const double seg = p.corridor.length / p.corridor.segments;
  for (std::size_t i = 0; i < tr.rows(); ++i) {
    const auto link = ints(tr, 2)[i];
    if (link >= static_cast<std::int64_t>(p.corridor.segments)) continue;  // a ramp
    CHECK(reals(tr, 5)[i] == Approx(static_cast<double>(link) * seg + reals(tr, 4)[i]));
    CHECK(reals(tr, 6)[i] == Approx(-(static_cast<double>(ints(tr, 3)[i]) + 0.5) * 3.5));
  }
  CHECK(pop.count(kCollisions) == 0);
  CHECK(pop.count(kLaneChanges) > 50);
  CHECK(count_events(r, "lane_change") == pop.count(kLaneChanges));
  CHECK(pop.count(kArrivals) > 300);
}

TEST_CASE("distracted drivers cause collisions, recorded as events", "[traffic][safety]") {
  auto r = run(corridor(60.0), 900.0);
  const auto& pop = r.pop();
  CHECK(pop.count(kDistractions) > 100);
  CHECK(pop.count(kCollisions) > 0);
  CHECK(count_events(r, "collision") == pop.count(kCollisions));
  CHECK(count_events(r, "near_miss") > count_events(r, "collision"));
  CHECK(count_events(r, "hard_braking") > 0);
  // A collision row names two different vehicles, and both end crashed.
  const auto& ev = r.rows[TrafficPopulation::kEvents];
  const auto& kind = strings(ev, 1);
  for (std::size_t i = 0; i < ev.rows(); ++i) {
    if (kind[i] != "collision") continue;
    const auto a = ints(ev, 2)[i], b = ints(ev, 3)[i];
    CHECK(b >= 0);
    CHECK(a != b);
    CHECK(pop.status(static_cast<std::uint32_t>(a)) != Status::active);
    CHECK(pop.status(static_cast<std::uint32_t>(b)) != Status::active);
  }
}
