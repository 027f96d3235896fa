// Demand: Poisson counts against their means under a time-of-day profile, OD
// flows, the set_demand_factor action; vehicles are conserved (never
// teleported) and gridlock is recorded rather than hidden.
#include <cmath>

#include <catch2/catch.hpp>

#include "run_helpers.hpp"

using namespace traffic_test;

namespace {

std::size_t departures_between(const Run& r, double from, double to) {
  const auto& trips = r.rows[TrafficPopulation::kTrips];
  std::size_t n = 0;
  for (double d : reals(trips, 4)) n += (d >= from && d < to) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("departures follow the hourly profile: Poisson counts within 4 sd of their means", "[traffic][demand]") {
  TrafficParams p;
  p.network = "grid";
  p.grid = {4, 4, 150.0, 2, 13.89, Control::signal};
  p.demand_rate = 1000.0;
  p.demand_profile = {1.0, 0.25};  // hour 0 at 1000/h, hour 1 at 250/h
  p.duration = 7200.0;
  p.blocks = 2;
  p.stats_interval = 0.0;
  // After finish every scheduled vehicle has one trips row (arrived, en
  // route, or still waiting to enter), carrying its scheduled departure.
  auto r = run(p, 7200.5);
  REQUIRE(r.rows[TrafficPopulation::kTrips].rows() == r.pop().vehicle_count());
  const std::size_t first = departures_between(r, 0.0, 3600.0);
  const std::size_t second = departures_between(r, 3600.0, 7200.0);
  CHECK(std::fabs(static_cast<double>(first) - 1000.0) < 4.0 * std::sqrt(1000.0));
  CHECK(std::fabs(static_cast<double>(second) - 250.0) < 4.0 * std::sqrt(250.0));
}

TEST_CASE("OD flows go from their origin to their destination, and set_demand_factor stops demand",
          "[traffic][demand]") {
  TrafficParams p;
  p.network = "grid";
  p.grid = {3, 3, 150.0, 1, 13.89, Control::signal};
  p.od = {{0, 5, 600.0}};
  p.demand_factors = {{1800.0, 0.0}};  // from 30 min on: no new trips
  p.duration = 3600.0;
  p.stats_interval = 0.0;
  auto r = run(p, 3600.0);
  const auto& trips = r.rows[TrafficPopulation::kTrips];
  REQUIRE(trips.rows() > 0);
  for (std::size_t i = 0; i < trips.rows(); ++i) {
    CHECK(ints(trips, 2)[i] == 0);
    CHECK(ints(trips, 3)[i] == 5);
    CHECK(reals(trips, 4)[i] < 1800.0);
  }
  // 600/h for half an hour: mean 300.
  CHECK(std::fabs(static_cast<double>(trips.rows()) - 300.0) < 4.0 * std::sqrt(300.0));
  p.od = {{0, 99, 600.0}};
  CHECK_THROWS_AS(TrafficPopulation(p), ConfigError);
}

TEST_CASE("overloaded unsignalised grid: gridlock is recorded, vehicles are conserved", "[traffic][demand]") {
  TrafficParams p;
  p.network = "grid";
  p.grid = {4, 4, 100.0, 1, 13.89, Control::yield};
  p.demand_rate = 6000.0;
  p.duration = 1200.0;
  p.gridlock_time = 120.0;
  p.blocks = 3;
  p.stats_interval = 0.0;
  auto r = run(p, 1200.0, 2, false);
  const auto& pop = r.pop();
  CHECK(pop.count(kGridlocks) > 0);
  CHECK(count_events(r, "gridlock") == pop.count(kGridlocks));
  CHECK(pop.count(kCollisions) == 0);
  // Every vehicle that entered is on a lane or has arrived: none vanished.
  std::uint64_t on_road = 0;
  for (std::uint32_t l = 0; l < pop.network().links.size(); ++l) {
    for (std::uint32_t k = 0; k < pop.network().links[l].lanes; ++k) on_road += pop.lane_vehicles(l, k).size();
  }
  CHECK(pop.count(kDepartures) == on_road + pop.count(kArrivals));
  CHECK(pop.count(kDepartures) < pop.vehicle_count());  // the rest wait to enter
}
