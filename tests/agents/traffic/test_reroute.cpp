// Re-routing (reroute_interval): where one OD flow saturates the signal on
// its free-flow route, vehicles that re-plan on measured travel times take
// the longer way round and arrive sooner; and the run stays the same for any
// thread count and any number of blocks.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <sstream>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "run_helpers.hpp"

using namespace traffic_test;

namespace {

// Two routes from origin link S→A to destination link B→E: the short one
// through C, a signal that also serves three empty approaches (so the route
// gets green a quarter of the time), and a longer one through D without a
// signal. Free-flow routing sends everyone through C, more than its green
// lets through.
Network two_routes() {
  Network net;
  auto node = [&](double x, double y, Control c) {
    net.nodes.push_back({x, y, c, 0.0, ""});
    return static_cast<std::uint32_t>(net.nodes.size() - 1);
  };
  const auto s = node(-300, 0, Control::none), a = node(0, 0, Control::none), c = node(300, 0, Control::signal),
             b = node(600, 0, Control::yield), e = node(900, 0, Control::none), d = node(300, 300, Control::none);
  auto link = [&](std::uint32_t from, std::uint32_t to, double length) {
    Link l;
    l.from = from;
    l.to = to;
    l.length = length;
    net.links.push_back(l);
    return static_cast<std::uint32_t>(net.links.size() - 1);
  };
  net.origins = {link(s, a, 300.0)};              // 0
  link(a, c, 300.0);                              // 1
  link(c, b, 300.0);                              // 2
  net.destinations = {link(b, e, 300.0)};         // 3
  link(a, d, 400.0);                              // 4: the detour, 200 m longer
  link(d, b, 400.0);                              // 5
  for (double y : {-300.0, 300.0}) link(node(300, y - 1.0, Control::none), c, 300.0);  // empty approaches
  link(node(300, -600, Control::none), c, 600.0);
  net.finalize();
  return net;
}

TrafficParams congested(double reroute_interval) {
  TrafficParams p = homogeneous();
  p.od = {{0, 3, 600.0}};
  p.duration = 1200.0;
  p.reroute_interval = reroute_interval;
  p.phase_scheme = PhaseScheme::split;  // C's three other approaches get their own greens
  p.trajectory_interval = 10.0;
  p.seed = 5;
  return p;
}

struct TripTimes {
  double mean = 0.0;        ///< (arrival, or the run's end) − departure, over trips departed
  std::size_t arrived = 0;
  std::set<std::int64_t> links;  ///< links driven by the flow (from trajectories)
};

TripTimes trip_times(const Run& r, double end) {
  TripTimes out;
  const auto& t = r.rows[TrafficPopulation::kTrips];
  std::size_t n = 0;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    const double dep = reals(t, 4)[i];
    if (dep >= end) continue;
    const double arr = reals(t, 6)[i];
    out.mean += (std::isnan(arr) ? end : arr) - dep;
    ++n;
    if (strings(t, 9)[i] == "arrived") ++out.arrived;
  }
  out.mean /= static_cast<double>(std::max<std::size_t>(n, 1));
  for (std::int64_t l : ints(r.rows[TrafficPopulation::kTrajectories], 2)) out.links.insert(l);
  return out;
}

}  // namespace

TEST_CASE("re-routing on measured travel times avoids a congested signal and shortens trips", "[traffic][reroute]") {
  const double end = 2400.0;
  const auto fixed = trip_times(run_on(congested(0.0), two_routes(), end), end);
  const auto rerouted = trip_times(run_on(congested(60.0), two_routes(), end), end);
  INFO("mean trip time fixed " << fixed.mean << " s, re-routed " << rerouted.mean << " s; arrived "
                               << fixed.arrived << " vs " << rerouted.arrived);
  REQUIRE(fixed.arrived > 50);
  // Without re-routing every vehicle drives through C.
  CHECK(fixed.links == std::set<std::int64_t>{0, 1, 2, 3});
  CHECK(rerouted.links == std::set<std::int64_t>{0, 1, 2, 3, 4, 5});
  CHECK(rerouted.mean < 0.8 * fixed.mean);
  CHECK(rerouted.arrived >= fixed.arrived);
}

TEST_CASE("reroute_interval must be 0 or at least one step", "[traffic][reroute]") {
  TrafficParams p = congested(0.2);
  CHECK_THROWS_AS(TrafficPopulation(p, two_routes()), ConfigError);
  p.reroute_interval = -1.0;
  CHECK_THROWS_AS(TrafficPopulation(p, two_routes()), ConfigError);
  p.reroute_interval = 0.5;
  CHECK_NOTHROW(TrafficPopulation(p, two_routes()));
}

namespace {

TrafficParams busy(std::uint32_t blocks) {
  TrafficParams p = small_grid(1);
  p.duration = 400.0;
  p.blocks = blocks;
  p.trajectory_interval = 5.0;
  p.reroute_interval = 30.0;
  p.seed = 33;
  return p;
}

}  // namespace

TEST_CASE("with re-routing: same trace hash and rows for 1, 2 and 4 threads, same trips for any blocks",
          "[traffic][reroute][determinism]") {
  const auto base = run(busy(6), 500.0, 1);
  REQUIRE(base.rows[TrafficPopulation::kTrajectories].rows() > 1000);
  for (unsigned threads : {2u, 4u}) {
    const auto other = run(busy(6), 500.0, threads);
    CHECK(other.sim.trace_hash() == base.sim.trace_hash());
    for (std::size_t t = 0; t < base.rows.size(); ++t) {
      REQUIRE(other.rows[t].rows() == base.rows[t].rows());
      for (std::size_t c = 0; c < base.rows[t].column_count(); ++c) {
        if (const auto* a = std::get_if<std::vector<double>>(&base.rows[t].column(c))) {
          const auto& b = std::get<std::vector<double>>(other.rows[t].column(c));
          CHECK(std::memcmp(a->data(), b.data(), a->size() * sizeof(double)) == 0);
        } else {
          CHECK(other.rows[t].column(c) == base.rows[t].column(c));
        }
      }
    }
  }
  const auto one = trip_lines(run(busy(1), 500.0));
  REQUIRE(one.size() > 100);
  CHECK(one == trip_lines(run(busy(5), 500.0)));
  // Re-routing changed something: without it the trips differ.
  TrafficParams off = busy(1);
  off.reroute_interval = 0.0;
  CHECK(one != trip_lines(run(off, 500.0)));
}
