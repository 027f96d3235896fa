// Experiments on a traffic run: the observables agree with the tables and the
// vehicles, the registry lists what the population computes and what may
// change live, a checkpoint resumes exactly (on another thread count) and a
// damaged one is refused, branches differ only through the model's draws,
// every table is byte-identical for any blocks and threads, and live
// parameters act from the moment they are set.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "run_helpers.hpp"
#include "simulacra/agents/traffic/register.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"

using namespace traffic_test;

namespace {

/// Observable values by name.
struct Observed {
  std::vector<double> values;
  double operator[](const std::string& name) const {
    const auto specs = TrafficPopulation::observable_specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].name == name) return values.at(i);
    }
    FAIL("no observable " << name);
    return 0.0;
  }
};

const TrafficPopulation& traffic_of(const Simulation& sim) {
  return dynamic_cast<const TrafficPopulation&>(sim.population(0));
}

/// A 4 × 4 signalised grid with everything that keeps state switched on:
/// re-routing, driver error, a reaction time, trajectories, link statistics.
TrafficParams busy_grid(std::uint32_t blocks) {
  TrafficParams p = small_grid();
  p.duration = 300.0;
  p.blocks = blocks;
  p.trajectory_interval = 2.0;
  p.reroute_interval = 30.0;
  p.distraction_rate = 30.0;
  p.reaction_time = 1.0;
  p.seed = 33;
  return p;
}

/// test_safety's corridor with distracted drivers: collisions and crashes.
TrafficParams crash_corridor(std::uint32_t blocks) {
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
  p.blocks = blocks;
  p.distraction_rate = 60.0;
  p.distraction_mean = 4.0;
  p.crash_clearance = 120.0;
  p.trajectory_interval = 5.0;
  p.stats_interval = 60.0;
  p.seed = 9;
  return p;
}

/// test_demand's overloaded unsignalised grid: gridlock.
TrafficParams jammed_grid(std::uint32_t blocks) {
  TrafficParams p;
  p.network = "grid";
  p.grid = {4, 4, 100.0, 1, 13.89, Control::yield};
  p.demand_rate = 6000.0;
  p.duration = 600.0;
  p.gridlock_time = 60.0;
  p.blocks = blocks;
  p.stats_interval = 0.0;
  return p;
}

/// Every row of `a`, then every row of `b`.
TableChunk joined(const TableChunk& a, const TableChunk& b, const TableSchema& schema) {
  TableChunk out(schema);
  for (std::size_t r = 0; r < a.rows(); ++r) out.append_row_from(a, r);
  for (std::size_t r = 0; r < b.rows(); ++r) out.append_row_from(b, r);
  return out;
}

struct Finished {
  std::uint64_t hash;
  std::vector<TableChunk> rows;
};

/// Runs `sim` (a copy) from where it stands to `end` on `threads`, then finish().
Finished continue_to(Simulation sim, double end, unsigned threads) {
  sim.set_threads(threads);
  Collect out(sim.tables());
  sim.set_row_consumer(&out);
  sim.run_until(SimTime{end});
  sim.finish();
  return {sim.trace_hash(), out.all};
}

std::string saved(Simulation& sim) {
  StateArchive ar;
  sim.save_state(ar);
  return ar.take();
}

void load_into_fresh(const std::string& bytes, const TrafficParams& p) {
  Simulation fresh = simulation_of(p);
  StateArchive ar(bytes);
  fresh.load_state(ar);
}

}  // namespace

TEST_CASE("observables agree with the events table and the vehicles", "[traffic][experiment]") {
  for (const TrafficParams& p : {crash_corridor(3), busy_grid(3)}) {
    INFO(p.network);
    Simulation sim = simulation_of(p, 2);
    Collect out(sim.tables());
    sim.set_row_consumer(&out);
    const TrafficPopulation& pop = traffic_of(sim);
    const Observed start{sim.observe()};
    CHECK(start["vehicles_running"] == 0.0);
    CHECK(start["mean_speed"] == 0.0);
    CHECK(start["min_ttc_last_step"] == TrafficPopulation::kNoTtc);
    double max_collisions = 0.0;
    // Half a step after a step: its handovers are still in flight.
    for (double t = 60.25; t < 700.0; t += 60.0) {
      INFO("t = " << t);
      sim.run_until(SimTime{t});
      const Observed o{sim.observe()};
      const double last_step = std::floor(t / p.step) * p.step;
      const TableChunk& ev = out.all[TrafficPopulation::kEvents];
      std::map<std::string, double> rows;
      std::set<std::int64_t> crashed;
      double ttc_bound = TrafficPopulation::kNoTtc;
      for (std::size_t i = 0; i < ev.rows(); ++i) {
        const std::string& kind = strings(ev, 1)[i];
        rows[kind] += 1.0;
        if (kind == "collision") {
          crashed.insert(ints(ev, 2)[i]);
          crashed.insert(ints(ev, 3)[i]);
        }
        // A near miss with a leader vehicle in the last step bounds the least TTC.
        if (kind == "near_miss" && reals(ev, 0)[i] == last_step && ints(ev, 3)[i] >= 0) {
          ttc_bound = std::min(ttc_bound, std::max(reals(ev, 8)[i], 0.0));
        }
      }
      CHECK(o["departed"] == rows["departure"]);
      CHECK(o["arrived"] == rows["arrival"]);
      CHECK(o["collisions"] == rows["collision"]);
      CHECK(o["crashed"] == static_cast<double>(crashed.size()));
      CHECK(o["near_misses"] == rows["near_miss"]);
      CHECK(o["hard_brakes"] == rows["hard_braking"]);
      CHECK(o["lane_changes"] == rows["lane_change"]);
      CHECK(o["distractions"] == rows["distraction"]);
      CHECK(o["vehicles_running"] == rows["departure"] - rows["arrival"] - static_cast<double>(crashed.size()));
      // The same from the vehicles themselves.
      double running = 0.0, speed = 0.0, waiting = 0.0;
      for (std::uint32_t v = 0; v < pop.vehicle_count(); ++v) {
        if (pop.status(v) == Status::active) {
          running += 1.0;
          speed += pop.speed(v);
        }
        if (pop.status(v) == Status::pending && pop.departure(v) <= last_step) waiting += 1.0;
      }
      CHECK(o["vehicles_running"] == running);
      CHECK(o["mean_speed"] == Approx(running > 0.0 ? speed / running : 0.0).epsilon(1e-12));
      CHECK(o["waiting"] == waiting);
      CHECK(o["min_ttc_last_step"] >= 0.0);
      CHECK(o["min_ttc_last_step"] <= ttc_bound);
      if (running > 20.0) CHECK(o["min_ttc_last_step"] < TrafficPopulation::kNoTtc);
      CHECK(o["gridlocked"] <= running);
      max_collisions = std::max(max_collisions, o["collisions"]);
    }
    if (p.network == "corridor") CHECK(max_collisions > 0.0);
  }
}

TEST_CASE("gridlocked counts the vehicles of gridlock events that have not moved on", "[traffic][experiment]") {
  TrafficParams p = jammed_grid(3);
  p.trajectory_interval = p.step;  // every step: a vehicle's whole history
  Simulation sim = simulation_of(p, 2);
  Collect out(sim.tables());
  sim.set_row_consumer(&out);
  const TrafficPopulation& pop = traffic_of(sim);
  double most = 0.0, most_waiting = 0.0;
  for (double t : {200.25, 400.25, 600.25}) {
    INFO("t = " << t);
    sim.run_until(SimTime{t});
    const Observed o{sim.observe()};
    const double last_step = std::floor(t / p.step) * p.step;
    // Each vehicle's last gridlock row; then, from its trajectory after it,
    // whether it went above 1 m/s, changed link, and is on a lane now.
    std::map<std::int64_t, double> since;
    const TableChunk& ev = out.all[TrafficPopulation::kEvents];
    for (std::size_t i = 0; i < ev.rows(); ++i) {
      if (strings(ev, 1)[i] == "gridlock") since[ints(ev, 2)[i]] = reals(ev, 0)[i];
    }
    struct After {
      bool moved = false, changed_link = false, now = false;
      std::int64_t link = -1;
    };
    std::map<std::int64_t, After> after;
    const TableChunk& tr = out.all[TrafficPopulation::kTrajectories];
    for (std::size_t i = 0; i < tr.rows(); ++i) {
      const auto v = ints(tr, 1)[i];
      const auto it = since.find(v);
      if (it == since.end() || reals(tr, 0)[i] < it->second) continue;
      After& a = after[v];
      if (a.link >= 0 && a.link != ints(tr, 2)[i]) a.changed_link = true;
      a.link = ints(tr, 2)[i];
      if (reals(tr, 0)[i] > it->second && reals(tr, 7)[i] > 1.0) a.moved = true;
      if (reals(tr, 0)[i] == last_step) a.now = true;
    }
    // Surely in gridlock: stopped since its row, on one link (so seen every
    // step), there now. Perhaps: never seen above 1 m/s since.
    double surely = 0.0, perhaps = 0.0;
    for (const auto& [v, a] : after) {
      if (pop.status(static_cast<std::uint32_t>(v)) != Status::active || a.moved) continue;
      perhaps += 1.0;
      if (!a.changed_link && a.now) surely += 1.0;
    }
    CHECK(o["gridlocked"] >= surely);
    CHECK(o["gridlocked"] <= perhaps);
    most = std::max(most, o["gridlocked"]);
    // Origins are full too: the queues hold every vehicle due and not entered.
    double waiting = 0.0;
    for (std::uint32_t v = 0; v < pop.vehicle_count(); ++v) {
      if (pop.status(v) == Status::pending && pop.departure(v) <= last_step) waiting += 1.0;
    }
    CHECK(o["waiting"] == waiting);
    most_waiting = std::max(most_waiting, waiting);
  }
  CHECK(most > 10.0);
  CHECK(most_waiting > 100.0);
}

TEST_CASE("the registry lists the population's observables and live parameters", "[traffic][experiment]") {
  Registry registry;
  register_traffic(registry);
  const PopulationType* type = registry.find("traffic");
  REQUIRE(type != nullptr);
  const Scenario sc = load_scenario(std::string(SIMULACRA_TRAFFIC_SCENARIOS) + "/highway_merge_distracted.yaml",
                                    {parse_override("duration=2min")}, registry);
  Simulation sim = build_simulation(sc, registry, sc.seed, 1);
  const ObservableSpecs specs = sim.population(0).observables();
  REQUIRE(specs.size() == type->observables.size());
  REQUIRE(specs.size() >= 9);
  std::set<std::string> names;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    INFO(specs[i].name);
    CHECK(specs[i].name == type->observables[i].name);
    CHECK(specs[i].unit == type->observables[i].unit);
    CHECK(specs[i].doc == type->observables[i].doc);
    CHECK(!specs[i].doc.empty());
    CHECK((specs[i].unit.empty() || specs[i].unit == "m/s" || specs[i].unit == "s"));
    names.insert(specs[i].name);
  }
  CHECK(names.size() == specs.size());
  for (const char* required : {"vehicles_running", "departed", "arrived", "mean_speed", "collisions",
                               "min_ttc_last_step", "gridlocked", "near_misses", "hard_brakes"}) {
    CHECK(names.count(required) == 1);
  }
  CHECK(observable_names(sc, registry).size() == specs.size());
  sim.run_until(SimTime{90.0});
  const Observed o{sim.observe()};
  REQUIRE(o.values.size() == specs.size());
  CHECK(o["departed"] > 0.0);
  CHECK(o["mean_speed"] > 5.0);

  CHECK(type->live == TrafficPopulation::live_params());
  for (const std::string& key : type->live) {
    INFO(key);
    const auto it = std::find_if(type->params.begin(), type->params.end(),
                                 [&](const ParamSpec& s) { return s.key == key; });
    REQUIRE(it != type->params.end());
    CHECK((it->type == ParamType::real || it->type == ParamType::quantity));
  }
  CHECK_NOTHROW(sim.set_live(0, "distraction_rate", 0.0));
  CHECK_THROWS_AS(sim.set_live(0, "lanes", 3.0), std::logic_error);
}

TEST_CASE("a checkpoint saved mid-run resumes to the same trace hash and tables on another thread count",
          "[traffic][experiment][checkpoint]") {
  TrafficParams p = busy_grid(3);
  p.demand_headroom = 1.5;  // thinning keeps state too
  const double live_at = 60.25, end = 330.0;
  auto set_live = [](Simulation& sim) {
    sim.set_live(0, "distraction_rate", 120.0);
    sim.set_live(0, "demand_rate", 2000.0);
    sim.set_live(0, "speed_limit", 11.0);
  };
  Simulation whole = simulation_of(p, 1);
  Collect all(whole.tables());
  whole.set_row_consumer(&all);
  whole.run_until(SimTime{live_at});
  set_live(whole);
  whole.run_until(SimTime{end});
  whole.finish();
  REQUIRE(all.all[TrafficPopulation::kTrajectories].rows() > 1000);
  const auto& kinds = strings(all.all[TrafficPopulation::kEvents], 1);
  REQUIRE(std::count(kinds.begin(), kinds.end(), "distraction") > 10);

  // 150.25: handovers and tails in flight; 200: just before a step.
  for (double save_at : {150.25, 200.0}) {
    INFO("saved at " << save_at);
    Simulation first = simulation_of(p, 1);
    Collect before(first.tables());
    first.set_row_consumer(&before);
    first.run_until(SimTime{live_at});
    set_live(first);
    first.run_until(SimTime{save_at});
    const std::vector<double> observed = first.observe();
    const std::string bytes = saved(first);

    Simulation second = simulation_of(p, 2);
    StateArchive in(bytes);
    second.load_state(in);
    CHECK(second.observe() == observed);
    CHECK(saved(second) == bytes);  // every byte comes from the state: no padding, no order of threads
    const Finished rest = continue_to(std::move(second), end, 2);
    CHECK(rest.hash == whole.trace_hash());
    for (std::size_t t = 0; t < all.all.size(); ++t) {
      INFO(whole.tables()[t].name);
      CHECK(same_rows(joined(before.all[t], rest.rows[t], whole.tables()[t]), all.all[t]));
    }
  }
}

TEST_CASE("a truncated or damaged checkpoint is refused with CheckpointError", "[traffic][experiment][checkpoint]") {
  TrafficParams p = busy_grid(3);
  p.duration = 120.0;
  Simulation sim = simulation_of(p);
  sim.run_until(SimTime{90.25});
  const std::string bytes = saved(sim);
  CHECK_NOTHROW(load_into_fresh(bytes, p));
  for (std::size_t cut : {std::size_t{0}, std::size_t{7}, std::size_t{100}, bytes.size() / 3, bytes.size() / 2,
                          bytes.size() - 9, bytes.size() - 1}) {
    INFO("cut at " << cut << " of " << bytes.size());
    CHECK_THROWS_AS(load_into_fresh(bytes.substr(0, cut), p), CheckpointError);
  }
  CHECK_THROWS_AS(load_into_fresh(bytes + "x", p), CheckpointError);
  std::string renamed = bytes;
  renamed.replace(renamed.find("traffic.lanes"), 13, "traffic.lames");
  CHECK_THROWS_AS(load_into_fresh(renamed, p), CheckpointError);

  // A vehicle id in a lane that no vehicle has: every length still fits.
  std::string bad_id = bytes;
  std::size_t at = bad_id.find("traffic.lanes") + 13;
  std::uint64_t lanes = 0, len = 0;
  std::memcpy(&lanes, bad_id.data() + at, 8);
  at += 8;
  REQUIRE(lanes == traffic_of(sim).network().lane_count);
  for (std::uint64_t l = 0; l < lanes; ++l, at += 8 + 4 * len) {
    std::memcpy(&len, bad_id.data() + at, 8);
    if (len == 0) continue;
    const std::uint32_t nobody = 0xfffffff0u;
    std::memcpy(bad_id.data() + at + 8, &nobody, 4);
    break;
  }
  REQUIRE(bad_id != bytes);
  CHECK_THROWS_AS(load_into_fresh(bad_id, p), CheckpointError);
  CHECK_THROWS_WITH(load_into_fresh(bad_id, p), Catch::Contains("lanes names id 4294967280"));

  // Other scenarios with the same seed and blocks.
  TrafficParams more = p;
  more.demand_rate = 1600.0;
  CHECK_THROWS_AS(load_into_fresh(bytes, more), CheckpointError);
  CHECK_THROWS_WITH(load_into_fresh(bytes, more), Catch::Contains("built from other parameters"));
  TrafficParams wider = p;
  wider.grid.nx = 5;
  CHECK_THROWS_AS(load_into_fresh(bytes, wider), CheckpointError);
}

TEST_CASE("branches of a mid-run copy differ by their draws and the same branch twice is identical",
          "[traffic][experiment][branch]") {
  TrafficParams p = busy_grid(3);
  p.distraction_rate = 120.0;
  Simulation parent = simulation_of(p);
  parent.run_until(SimTime{100.25});
  auto branch = [&](std::uint64_t k, unsigned threads) {
    Simulation b = parent;
    b.branch(k);
    return continue_to(std::move(b), 250.0, threads);
  };
  const Finished one = branch(1, 1), again = branch(1, 2), two = branch(2, 1);
  const Finished plain = continue_to(parent, 250.0, 1);
  CHECK(one.hash == again.hash);
  for (std::size_t t = 0; t < one.rows.size(); ++t) CHECK(same_rows(one.rows[t], again.rows[t]));
  CHECK(one.hash != two.hash);
  CHECK(plain.hash != one.hash);
  CHECK_FALSE(same_rows(one.rows[TrafficPopulation::kEvents], two.rows[TrafficPopulation::kEvents]));
  CHECK_FALSE(same_rows(one.rows[TrafficPopulation::kTrajectories], two.rows[TrafficPopulation::kTrajectories]));

  SECTION("a checkpoint of a branch resumes on the branch's draws") {
    Simulation b = parent;
    b.branch(1);
    b.run_until(SimTime{180.25});
    Simulation resumed = simulation_of(p);
    const std::string bytes = saved(b);
    StateArchive in(bytes);
    resumed.load_state(in);
    CHECK(continue_to(std::move(resumed), 250.0, 2).hash == one.hash);
  }
  SECTION("demand drawn with headroom departs on the branch's coins") {
    TrafficParams q = busy_grid(3);
    q.distraction_rate = 0.0;
    q.demand_headroom = 2.0;
    Simulation root = simulation_of(q);
    root.run_until(SimTime{100.25});
    Simulation b1 = root, b2 = root;
    b1.branch(1);
    b2.branch(2);
    const Finished f1 = continue_to(std::move(b1), 250.0, 1), f2 = continue_to(std::move(b2), 250.0, 1);
    CHECK_FALSE(same_rows(f1.rows[TrafficPopulation::kTrips], f2.rows[TrafficPopulation::kTrips]));
  }
  SECTION("without draws after the build a branch continues exactly like its parent") {
    TrafficParams q = busy_grid(3);
    q.distraction_rate = 0.0;
    Simulation root = simulation_of(q);
    root.run_until(SimTime{100.25});
    Simulation b = root;
    b.branch(7);
    const Finished f = continue_to(std::move(b), 250.0, 1), g = continue_to(root, 250.0, 1);
    CHECK(f.hash == g.hash);
    for (std::size_t t = 0; t < f.rows.size(); ++t) CHECK(same_rows(f.rows[t], g.rows[t]));
  }
}

TEST_CASE("every table is byte-identical for 1, 3 and 7 blocks on 1 and 2 threads", "[traffic][experiment][blocks]") {
  struct Case {
    const char* name;
    TrafficParams (*make)(std::uint32_t);
    double end;
  };
  for (const Case& c : {Case{"busy grid", busy_grid, 330.0}, Case{"crash corridor", crash_corridor, 700.0},
                        Case{"jammed grid", jammed_grid, 400.0}}) {
    INFO(c.name);
    const Run base = run(c.make(1), c.end, 1);
    REQUIRE(base.rows[TrafficPopulation::kEvents].rows() > 100);
    REQUIRE(base.rows[TrafficPopulation::kTrips].rows() > 100);
    if (std::string(c.name) == "crash corridor") REQUIRE(count_events(base, "collision") > 0);
    for (std::uint32_t blocks : {1u, 3u, 7u}) {
      std::uint64_t hash = 0;
      for (unsigned threads : {1u, 2u}) {
        INFO(blocks << " blocks, " << threads << " threads");
        const Run r = run(c.make(blocks), c.end, threads);
        REQUIRE(r.pop().lp_count() == blocks);
        if (threads == 1) hash = r.sim.trace_hash();
        CHECK(r.sim.trace_hash() == hash);
        for (std::size_t t = 0; t < base.rows.size(); ++t) {
          INFO(base.sim.tables()[t].name);
          CHECK(same_rows(r.rows[t], base.rows[t]));
        }
      }
    }
  }
}

TEST_CASE("live parameters act from the moment they are set", "[traffic][experiment][live]") {
  SECTION("distraction_rate") {
    TrafficParams p = busy_grid(3);
    p.distraction_rate = 0.0;
    Simulation sim = simulation_of(p, 2);
    Collect out(sim.tables());
    sim.set_row_consumer(&out);
    sim.run_until(SimTime{100.25});
    CHECK(traffic_of(sim).count(kDistractions) == 0);
    sim.set_live(0, "distraction_rate", 600.0);
    sim.run_until(SimTime{200.0});
    const Observed o{sim.observe()};
    CHECK(o["distractions"] > 50.0);
    const TableChunk& ev = out.all[TrafficPopulation::kEvents];
    for (std::size_t i = 0; i < ev.rows(); ++i) {
      if (strings(ev, 1)[i] == "distraction") CHECK(reals(ev, 0)[i] > 100.25);
    }
  }
  SECTION("demand_rate: lower, higher within the headroom, not above it") {
    TrafficParams p = small_grid();
    p.duration = 400.0;
    p.demand_headroom = 2.0;
    p.seed = 8;
    // Trips rows (every vehicle that departed or waits) by scheduled departure.
    auto trips_with = [&](double live) {
      Simulation sim = simulation_of(p);
      Collect out(sim.tables());
      sim.set_row_consumer(&out);
      sim.run_until(SimTime{100.25});
      if (live >= 0.0) sim.set_live(0, "demand_rate", live);
      sim.run_until(SimTime{400.0});
      sim.finish();
      std::pair<double, double> n{0.0, 0.0};  // before 100 s, after 101 s
      for (double d : reals(out.all[TrafficPopulation::kTrips], 4)) {
        if (d <= 100.0) n.first += 1.0;
        if (d > 101.0) n.second += 1.0;
      }
      return n;
    };
    const auto plain = trips_with(-1.0), none = trips_with(0.0), twice = trips_with(3000.0);
    REQUIRE(plain.second > 80.0);  // 1,500/h for 299 s: 125 expected
    CHECK(none.first == plain.first);
    CHECK(twice.first == plain.first);
    CHECK(none.second == 0.0);
    CHECK(twice.second > 1.6 * plain.second);
    CHECK(twice.second < 2.4 * plain.second);
    Simulation sim = simulation_of(p);
    sim.run_until(SimTime{10.0});
    CHECK_THROWS_AS(sim.set_live(0, "demand_rate", 3001.0), UserError);
  }
  SECTION("speed_limit") {
    TrafficParams p = busy_grid(3);
    p.distraction_rate = 0.0;
    p.trajectory_interval = 1.0;
    Simulation sim = simulation_of(p, 2);
    Collect out(sim.tables());
    sim.set_row_consumer(&out);
    sim.run_until(SimTime{100.25});
    const double before = Observed{sim.observe()}["mean_speed"];
    sim.set_live(0, "speed_limit", 5.0);
    sim.run_until(SimTime{250.0});
    CHECK(Observed{sim.observe()}["mean_speed"] < 0.6 * before);
    const TableChunk& tr = out.all[TrafficPopulation::kTrajectories];
    double fast_before = 0.0, fastest_after = 0.0;
    for (std::size_t i = 0; i < tr.rows(); ++i) {
      if (reals(tr, 0)[i] < 100.0) fast_before = std::max(fast_before, reals(tr, 7)[i]);
      if (reals(tr, 0)[i] > 130.0) fastest_after = std::max(fastest_after, reals(tr, 7)[i]);
    }
    CHECK(fast_before > 10.0);
    CHECK(fastest_after <= 5.0 * 1.4 + 0.01);  // the limit times the largest speed factor
  }
  SECTION("speed_limit is refused on a SUMO network") {
    Registry registry;
    register_traffic(registry);
    const Scenario sc = load_scenario(std::string(SIMULACRA_TRAFFIC_SCENARIOS) + "/sumo_grid.yaml",
                                      {parse_override("duration=1min")}, registry);
    Simulation sim = build_simulation(sc, registry, sc.seed, 1);
    sim.run_until(SimTime{10.0});
    CHECK_THROWS_AS(sim.set_live(0, "speed_limit", 10.0), UserError);
  }
}
