// Signal plans: a SUMO program times each movement; turns a file does not
// connect are never driven and routes go around them; movements that share
// a green give way where they enter one lane; generated plans (split and
// paired) keep every grid free of collisions.
#include <cmath>
#include <map>

#include <catch2/catch.hpp>

#include "run_helpers.hpp"
#include "simulacra/agents/traffic/sumo.hpp"

using namespace traffic_test;

namespace {

// A → B → C with a signal at B: 30 s green, 3 s amber, 27 s red from t = 7 s.
const char* kStraight = R"(<net version="1.9">
  <edge id="AB" from="A" to="B"><lane id="AB_0" index="0" speed="13.89" length="300"/></edge>
  <edge id="BC" from="B" to="C"><lane id="BC_0" index="0" speed="13.89" length="300"/></edge>
  <tlLogic id="B" type="static" programID="0" offset="7">
    <phase duration="30" state="G"/><phase duration="3" state="y"/><phase duration="27" state="r"/>
  </tlLogic>
  <junction id="A" type="dead_end" x="0" y="0"/>
  <junction id="B" type="traffic_light" x="300" y="0"/>
  <junction id="C" type="dead_end" x="600" y="0"/>
  <connection from="AB" to="BC" fromLane="0" toLane="0" tl="B" linkIndex="0"/>
</net>)";

/// Per vehicle, the first sampled time on each link (trajectories every step).
std::map<std::int64_t, std::map<std::int64_t, double>> first_seen(const Run& r) {
  const auto& tr = r.rows[TrafficPopulation::kTrajectories];
  std::map<std::int64_t, std::map<std::int64_t, double>> seen;
  for (std::size_t i = 0; i < tr.rows(); ++i) seen[ints(tr, 1)[i]].emplace(ints(tr, 2)[i], reals(tr, 0)[i]);
  return seen;
}

}  // namespace

TEST_CASE("a SUMO program times each movement: vehicles cross only in its green and amber", "[traffic][signals]") {
  TrafficParams p;
  p.od = {{0, 1, 900.0}};
  p.duration = 900.0;
  p.trajectory_interval = p.step;
  p.stats_interval = 0.0;
  p.seed = 4;
  const Run r = run_on(p, parse_sumo_net(kStraight, "straight.net.xml"), 900.0);
  std::size_t crossed = 0, in_green = 0;
  for (const auto& [v, links] : first_seen(r)) {
    const auto it = links.find(1);
    if (it == links.end()) continue;
    // Sampled at the end of the step in which the vehicle crossed.
    const double u = std::fmod(it->second - 7.0, 60.0);
    INFO("vehicle " << v << " entered BC at t = " << it->second << " s, " << u << " s into the cycle");
    CHECK((u >= 0.0 && u <= 33.0 + 2.0 * p.step));
    ++crossed;
    in_green += u <= 30.0 ? 1 : 0;
  }
  CHECK(crossed > 100);
  CHECK(in_green > crossed * 9 / 10);
  CHECK(r.pop().count(kCollisions) == 0);
  // One signal row per phase change: 3 per 60 s cycle.
  CHECK(count_events(r, "signal") == Approx(900.0 / 60.0 * 3.0).margin(3.0));
}

TEST_CASE("turns that a network does not allow are never driven, and routes go around them", "[traffic][signals]") {
  Network net = make_grid({3, 3, 200.0, 1, 13.89, Control::yield});
  // Forbid every turn at the centre node (4) but the straight ones.
  const std::uint32_t centre = 4;
  for (std::uint32_t i = 0; i < net.links.size(); ++i) {
    for (std::uint32_t j : net.links[i].out) {
      const Link& a = net.links[i];
      const Link& b = net.links[j];
      const bool straight = a.to != centre || (net.nodes[a.from].x == net.nodes[b.to].x ||
                                                 net.nodes[a.from].y == net.nodes[b.to].y);
      if (straight && b.to != a.from) net.turns.push_back({i, 0, j, kNone});
    }
  }
  net.finalize();
  // From west of the centre (link 3 → 4) to the link leaving it northwards.
  std::uint32_t west_in = kNone, north_out = kNone;
  for (std::uint32_t i = 0; i < net.links.size(); ++i) {
    if (net.links[i].from == 3 && net.links[i].to == centre) west_in = i;
    if (net.links[i].from == centre && net.links[i].to == 7) north_out = i;
  }
  REQUIRE(west_in != kNone);
  REQUIRE(north_out != kNone);
  CHECK_FALSE(net.allowed(west_in, north_out));
  Router router(net);
  const auto route = router.route(west_in, north_out);
  REQUIRE(route.size() > 2);
  for (std::size_t i = 0; i + 1 < route.size(); ++i) CHECK(net.allowed(route[i], route[i + 1]));

  // Driven: every link change in the trajectories is an allowed turn.
  TrafficParams p;
  p.demand_rate = 1500.0;
  p.duration = 600.0;
  p.trajectory_interval = p.step;
  p.stats_interval = 0.0;
  p.seed = 8;
  const Run r = run_on(p, net, 900.0);
  const auto& tr = r.rows[TrafficPopulation::kTrajectories];
  std::map<std::int64_t, std::int64_t> last;
  std::size_t changes = 0;
  for (std::size_t i = 0; i < tr.rows(); ++i) {
    const auto v = ints(tr, 1)[i], l = ints(tr, 2)[i];
    const auto it = last.find(v);
    if (it != last.end() && it->second != l) {
      CHECK(net.allowed(static_cast<std::uint32_t>(it->second), static_cast<std::uint32_t>(l)));
      ++changes;
    }
    last[v] = l;
  }
  CHECK(changes > 500);
  INFO("departures " << r.pop().count(kDepartures) << " gridlocks " << r.pop().count(kGridlocks));
  CHECK(r.pop().count(kArrivals) > 150);
}

namespace {

// W → J and S → J merge into J → E under one always-green program: the
// movement from W has priority (G), the one from S yields (g), or both G.
Network merge(const char* state) {
  Network net;
  net.nodes = {{-300, 0, Control::none, 0.0, "W"}, {0, -300, Control::none, 0.0, "S"},
               {0, 0, Control::signal, 0.0, "J"}, {300, 0, Control::none, 0.0, "E"}};
  for (auto [from, to] : {std::pair{0u, 2u}, std::pair{1u, 2u}, std::pair{2u, 3u}}) {
    Link l;
    l.from = from;
    l.to = to;
    l.length = 300.0;
    net.links.push_back(l);
  }
  SignalPlan plan;
  plan.id = "J";
  SignalPhase ph;
  ph.duration = 60.0;
  ph.state = state;
  for (const char* c = state; *c; ++c) ph.lights.push_back(*c == 'G' ? Light::go : Light::yield);
  plan.phases = {ph};
  net.plans = {plan};
  net.nodes[2].plan = 0;
  net.turns = {{0, 0, 2, 0}, {1, 0, 2, 1}};
  net.origins = {0, 1};
  net.destinations = {2};
  net.finalize();
  return net;
}

struct Delays {
  double major = 0.0, minor = 0.0;
  std::uint64_t collisions = 0, arrivals = 0;
};

Delays merge_delays(const char* state) {
  TrafficParams p;
  p.od = {{0, 2, 700.0}, {1, 2, 500.0}};
  p.duration = 900.0;
  p.stats_interval = 0.0;
  p.seed = 12;
  const Run r = run_on(p, merge(state), 1200.0);
  const auto& t = r.rows[TrafficPopulation::kTrips];
  Delays d;
  std::size_t n_major = 0, n_minor = 0;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    if (strings(t, 9)[i] != "arrived") continue;
    (ints(t, 2)[i] == 0 ? d.major : d.minor) += reals(t, 8)[i];
    ++(ints(t, 2)[i] == 0 ? n_major : n_minor);
  }
  d.major /= static_cast<double>(std::max<std::size_t>(n_major, 1));
  d.minor /= static_cast<double>(std::max<std::size_t>(n_minor, 1));
  d.collisions = r.pop().count(kCollisions);
  d.arrivals = r.pop().count(kArrivals);
  return d;
}

}  // namespace

TEST_CASE("movements that share a green give way where they enter one lane", "[traffic][signals]") {
  const Delays yield = merge_delays("Gg");
  INFO("G/g: delay " << yield.major << " s (priority) vs " << yield.minor << " s (yielding)");
  CHECK(yield.collisions == 0);
  CHECK(yield.arrivals > 250);
  CHECK(yield.minor > yield.major + 5.0);
  const Delays equal = merge_delays("GG");
  INFO("G/G: delay " << equal.major << " s vs " << equal.minor << " s");
  CHECK(equal.collisions == 0);
  CHECK(equal.arrivals > 250);
}

TEST_CASE("generated plans: paired phases serve opposite approaches together, without collisions", "[traffic][signals]") {
  auto grid = [](PhaseScheme scheme) {
    TrafficParams p = small_grid();
    p.phase_scheme = scheme;
    p.demand_rate = 2500.0;
    p.duration = 900.0;
    p.stats_interval = 0.0;
    p.blocks = 2;
    p.seed = 21;
    return run(p, 900.0);
  };
  const Run paired = grid(PhaseScheme::paired);
  const Run split = grid(PhaseScheme::split);
  const Network& net = paired.pop().network();
  // An inner node has 4 approaches in 2 groups: green, amber, green, amber.
  const std::uint32_t inner = 5;
  REQUIRE(net.nodes[inner].plan != kNone);
  const SignalPlan& plan = net.plans[net.nodes[inner].plan];
  REQUIRE(plan.phases.size() == 4);
  CHECK(plan.phases[0].state == "Gr");  // one light per group of approaches
  CHECK(plan.cycle() == Approx(46.0));
  CHECK(split.pop().network().plans[split.pop().network().nodes[inner].plan].phases.size() == 8);
  CHECK(paired.pop().count(kCollisions) == 0);
  CHECK(split.pop().count(kCollisions) == 0);
  // Twice the green per approach: more trips complete in the same time.
  INFO("arrivals: paired " << paired.pop().count(kArrivals) << ", split " << split.pop().count(kArrivals));
  CHECK(paired.pop().count(kArrivals) > split.pop().count(kArrivals));
}

TEST_CASE("a busy paired grid runs without collisions", "[traffic][signals]") {
  // Dense enough that turning vehicles meet platoons and drivers meet amber
  // close to the line every cycle. (The day-long city, 1,000,000 trips, is
  // where the rarer cases showed: bench/traffic.sh prints its collisions.)
  TrafficParams p;
  p.grid = {6, 6, 200.0, 2, 13.89, Control::signal};
  p.demand_rate = 6000.0;
  p.duration = 1800.0;
  p.stats_interval = 0.0;
  p.blocks = 4;
  p.seed = 77;
  const Run r = run(p, 1800.0, 2);
  INFO("arrivals " << r.pop().count(kArrivals) << ", gridlocks " << r.pop().count(kGridlocks));
  CHECK(r.pop().count(kCollisions) == 0);
  CHECK(r.pop().count(kArrivals) > 2000);
}
