// Car-following against closed forms: free-road speed, standstill gap, the
// IDM steady state on a ring, stop-and-go above the critical density, and the
// fundamental diagram of a multi-lane ring.
#include <cmath>
#include <numeric>
#include <sstream>

#include <catch2/catch.hpp>

#include "run_helpers.hpp"

using namespace traffic_test;

namespace {

TrafficParams ring(std::uint32_t vehicles, double length, std::uint32_t lanes) {
  TrafficParams p = homogeneous();
  p.network = "ring";
  p.ring.length = length;
  p.ring.segments = 8;
  p.ring.lanes = lanes;
  p.ring.speed_limit = 33.33;
  p.ring_vehicles = vehicles;
  p.blocks = 4;
  p.step = 0.5;
  return p;
}

double mean_speed(const TrafficPopulation& pop) {
  double s = 0.0;
  for (std::uint32_t v = 0; v < pop.vehicle_count(); ++v) s += pop.speed(v);
  return s / static_cast<double>(pop.vehicle_count());
}

double sd_speed(const TrafficPopulation& pop) {
  const double m = mean_speed(pop);
  double s = 0.0;
  for (std::uint32_t v = 0; v < pop.vehicle_count(); ++v) s += (pop.speed(v) - m) * (pop.speed(v) - m);
  return std::sqrt(s / static_cast<double>(pop.vehicle_count()));
}

}  // namespace

TEST_CASE("IDM steady-state helpers invert each other", "[traffic][idm]") {
  Driver d;
  for (double v : {0.0, 5.0, 15.0, 30.0}) {
    CHECK(idm_accel(d, v, idm_equilibrium_gap(d, v), v) == Approx(0.0).margin(1e-9));
    CHECK(idm_equilibrium_speed(d, idm_equilibrium_gap(d, v)) == Approx(v).margin(1e-6));
  }
  CHECK(idm_accel(d, 0.0, 1e9, 0.0) == Approx(d.a));
}

TEST_CASE("a single vehicle on an empty road reaches its desired speed", "[traffic][idm]") {
  TrafficParams p = ring(1, 20000.0, 1);
  auto r = run(p, 400.0);
  const auto& pop = r.pop();
  // The only other vehicle is itself, 20 km ahead: the equilibrium there is
  // v0 within a few mm/s.
  Driver d = pop.driver(0);
  d.v0 = 33.33;
  const double ve = idm_equilibrium_speed(d, 20000.0 - pop.vehicle_length(0));
  CHECK(ve == Approx(33.33).margin(0.01));
  CHECK(pop.speed(0) == Approx(ve).margin(0.01));
}

TEST_CASE("a platoon behind a stopped vehicle stops at the minimum gap without collision", "[traffic][idm]") {
  // Ramp vehicles that may not change lanes queue up in the acceleration
  // lane, whose end acts as a stopped vehicle.
  TrafficParams p = homogeneous();
  p.network = "corridor";
  p.corridor.speed_limit = 33.33;  // a motorway (the struct's default is 50 km/h)
  p.corridor.ramp_speed_limit = 22.22;
  p.corridor.length = 1000.0;
  p.corridor.segments = 2;
  p.corridor.lanes = 1;
  p.corridor.ramp_every = 1;
  p.corridor.ramp_length = 400.0;
  p.lane_changes = false;
  p.demand_rate = 900.0;
  p.duration = 240.0;
  p.seed = 3;
  auto r = run(p, 900.0);
  const auto& pop = r.pop();
  const Network& net = pop.network();
  const std::uint32_t merge = 1, ramp = 2;
  REQUIRE(net.links[merge].drop_lane);
  REQUIRE(net.links[merge].merge_from == ramp);
  const auto& queue = pop.lane_vehicles(merge, 1);
  REQUIRE(queue.size() >= 4);
  CHECK(pop.network().links[merge].length - pop.position(queue.back()) == Approx(2.0).margin(0.1));
  for (std::size_t i = 0; i + 1 < queue.size(); ++i) {
    const std::uint32_t f = queue[i], l = queue[i + 1];
    CHECK(pop.speed(f) < 0.01);
    CHECK(pop.position(l) - pop.vehicle_length(l) - pop.position(f) == Approx(2.0).margin(0.1));
  }
  CHECK(pop.count(kCollisions) == 0);
  CHECK(count_events(r, "collision") == 0);
}

TEST_CASE("ring road: speeds settle at the IDM steady state for the ring's spacing", "[traffic][idm]") {
  const std::uint32_t n = 25;
  const double length = 2000.0;
  TrafficParams p = ring(n, length, 1);
  auto r = run(p, 600.0);
  const auto& pop = r.pop();
  Driver d = pop.driver(0);
  d.v0 = 33.33;
  const double ve = idm_equilibrium_speed(d, length / n - 5.0);
  CHECK(mean_speed(pop) == Approx(ve).margin(0.02));
  CHECK(sd_speed(pop) < 0.02);
  CHECK(pop.count(kCollisions) == 0);
}

TEST_CASE("ring road: above the critical density stop-and-go waves appear", "[traffic][idm]") {
  // 12.5 veh/km is on IDM's stable free branch; 50 veh/km is in its
  // string-unstable range (a = 1, b = 1.5): a few metres of initial noise
  // grow into stop-and-go waves instead of dying out.
  TrafficParams below = ring(25, 2000.0, 1);
  TrafficParams above = ring(100, 2000.0, 1);
  below.ring_jitter = above.ring_jitter = 5.0;
  auto rb = run(below, 1500.0);
  auto ra = run(above, 1500.0);
  CHECK(sd_speed(rb.pop()) < 0.1);
  CHECK(sd_speed(ra.pop()) > 2.0);
  double slowest = 1e9;
  for (std::uint32_t v = 0; v < 100; ++v) slowest = std::min(slowest, ra.pop().speed(v));
  CHECK(slowest < 0.6 * mean_speed(ra.pop()));  // the jam fronts brake hard
  CHECK(rb.pop().count(kCollisions) == 0);
  CHECK(ra.pop().count(kCollisions) == 0);
}

TEST_CASE("fundamental diagram of a two-lane ring: capacity 1,800-2,200 veh/h per lane", "[traffic][idm]") {
  // Default drivers (heterogeneous desired speeds, headways and accelerations,
  // MOBIL on), cars only, 120 km/h. Flow = density × space-mean speed,
  // averaged over the last 300 s of 900 s.
  const double length = 2000.0;
  const std::uint32_t lanes = 2;
  std::vector<double> densities{8, 16, 22, 26, 28, 30, 34, 45, 70};  // veh/km per lane
  std::vector<double> flows;
  for (double k : densities) {
    TrafficParams p;
    p.network = "ring";
    p.ring = {length, 8, lanes, 33.33};
    p.truck_share = 0.0;
    p.ring_vehicles = static_cast<std::uint32_t>(k * lanes * length / 1000.0);
    p.ring_jitter = 1.0;
    p.stats_interval = 0.0;
    p.blocks = 2;
    p.step = 0.5;
    EngineConfig cfg;
    cfg.lookahead = SimTime{p.step / 2.0};
    Simulation sim(cfg, 11);
    sim.add_population(std::make_unique<TrafficPopulation>(p));
    double sum = 0.0;
    int samples = 0;
    for (double t = 10.0; t <= 900.0; t += 10.0) {
      sim.run_until(SimTime{t});
      if (t <= 600.0) continue;
      const auto& pop = dynamic_cast<const TrafficPopulation&>(sim.population(0));
      double vs = 0.0;
      for (std::uint32_t v = 0; v < pop.vehicle_count(); ++v) vs += pop.speed(v);
      sum += vs / length * 3600.0 / lanes;  // veh/h per lane
      ++samples;
      CHECK(pop.count(kCollisions) == 0);
    }
    flows.push_back(sum / samples);
  }
  const auto peak = std::max_element(flows.begin(), flows.end());
  std::ostringstream shown;
  for (double q : flows) shown << q << ' ';
  INFO("flows per lane: " << shown.str());
  CHECK(*peak >= 1800.0);
  CHECK(*peak <= 2200.0);
  CHECK(peak != flows.begin());
  CHECK(peak != flows.end() - 1);
  CHECK(flows.front() < 0.8 * *peak);  // rising on the free branch
  CHECK(flows.back() < 0.8 * *peak);   // falling on the congested branch
}
