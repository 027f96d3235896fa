// The "traffic" population type: parameter declarations and their conversion
// into TrafficParams; build_network chooses a generator or the SUMO reader.
#include "simulacra/agents/traffic/register.hpp"

#include <cmath>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "attributes_block.hpp"
#include "simulacra/agents/traffic/sumo.hpp"
#include "simulacra/agents/traffic/traffic.hpp"
#include "simulacra/engine/errors.hpp"

namespace simulacra {

namespace traffic {

Network build_network(const TrafficParams& p) {
  if (p.network == "grid") return make_grid(p.grid);
  if (p.network == "ring") return make_ring(p.ring);
  if (p.network == "corridor") return make_corridor(p.corridor);
  if (p.network == "sumo") return read_sumo_net(p.sumo_file, Control::yield);
  throw std::invalid_argument("traffic: unknown network '" + p.network + "'");
}

std::vector<ParamSpec> traffic_param_specs() {
  using T = ParamType;
  using D = Dimension;
  const std::optional<double> none;
  auto q = [&](std::string key, D dim, std::string def, std::optional<double> lo, std::optional<double> hi,
               std::string doc) { return ParamSpec{std::move(key), T::quantity, dim, std::move(def), lo, hi, {}, std::move(doc)}; };
  auto r = [&](std::string key, std::string def, std::optional<double> lo, std::optional<double> hi, std::string doc) {
    return ParamSpec{std::move(key), T::real, D::none, std::move(def), lo, hi, {}, std::move(doc)};
  };
  auto i = [&](std::string key, std::string def, double lo, double hi, std::string doc) {
    return ParamSpec{std::move(key), T::integer, D::none, std::move(def), lo, hi, {}, std::move(doc)};
  };
  auto b = [&](std::string key, std::string def, std::string doc) {
    return ParamSpec{std::move(key), T::boolean, D::none, std::move(def), none, none, {}, std::move(doc)};
  };
  return {
      {"network", T::choice, D::none, "grid", none, none, {"grid", "ring", "corridor", "sumo"},
       "which network: a generated grid, ring or corridor, or a SUMO .net.xml file"},
      {"sumo_file", T::string, D::none, "\"\"", none, none, {}, "SUMO .net.xml file (network: sumo), relative to the scenario"},
      i("grid_nx", "10", 2, 1000, "grid: nodes per row"),
      i("grid_ny", "10", 2, 1000, "grid: nodes per column"),
      q("block_length", D::length, "200m", 20.0, none, "grid: distance between neighbouring junctions"),
      i("lanes", "2", 1, 8, "lanes per direction (grid, ring, corridor mainline)"),
      q("speed_limit", D::speed, "50km/h", 1.0, 70.0, "speed limit of generated links (corridor: mainline); live"),
      {"junctions", T::choice, D::none, "signal", none, none, {"signal", "yield"},
       "grid junctions: fixed-time signals, or first-come-first-served right of way (SUMO files say per junction)"},
      {"phases", T::choice, D::none, "paired", none, none, {"paired", "split"},
       "generated signal plans: one approach at a time, or opposite approaches together (SUMO files bring their own)"},
      q("green", D::time, "20s", 1.0, 600.0, "green time per phase of a generated plan"),
      q("intergreen", D::time, "3s", 0.0, 60.0, "amber time after each green (stop if you can, else clear)"),
      q("ring_length", D::length, "2km", 50.0, none, "ring: circumference"),
      i("ring_segments", "8", 1, 100000, "ring: links around the ring"),
      i("ring_vehicles", "0", 0, 10000000, "ring: vehicles placed evenly at t = 0 (they circulate for ever)"),
      q("ring_jitter", D::length, "0m", 0.0, none, "ring: standard deviation of initial position noise"),
      q("corridor_length", D::length, "5km", 100.0, none, "corridor: mainline length"),
      i("corridor_segments", "10", 2, 100000, "corridor: mainline links"),
      i("ramp_every", "3", 0, 100000, "corridor: an on-ramp before every n-th segment (0: none)"),
      q("ramp_length", D::length, "300m", 50.0, none, "corridor: on-ramp length"),
      q("ramp_speed_limit", D::speed, "80km/h", 1.0, 70.0, "corridor: on-ramp speed limit"),
      q("step", D::time, "0.5s", 0.1, 1.0, "time step of the car-following update"),
      i("blocks", "1", 1, 1000000,
        "LPs the junctions are cut into, for parallelism only: the output depends neither on it nor on threads"),
      r("demand_rate", "0", 0.0, none, "trips per hour over all origins (each origin weighted by its lanes); live"),
      r("demand_headroom", "1", 1.0, 1000.0,
        "demand_rate's trips are drawn at demand_rate × this and each kept with probability 1 / this, so that a "
        "live demand_rate can rise up to demand_rate × this"),
      {"od", T::real_list, D::none, "[]", 0.0, none, {},
       "origin-destination matrix as triples [origin link, destination link, trips/h, ...], added to demand_rate"},
      {"demand_profile", T::real_list, D::none, "[]", 0.0, none, {},
       "demand multipliers per hour of the day, repeated; empty: 1"},
      {"attributes", T::node, D::none, "null", none, none, {},
       "trips from a model file: {model: FILE, columns: [departure, origin, destination], trips: N, "
       "where: {COLUMN: VALUE}}; departure (s from the start) replaces demand_rate's times, origin and "
       "destination (link ids) its origins and destinations"},
      q("truck_share", D::fraction, "10%", 0.0, 1.0, "share of trucks among new vehicles"),
      q("car_length", D::length, "5m", 1.0, 30.0, "car length"),
      q("car_max_speed", D::speed, "180km/h", 1.0, 100.0, "car top desired speed (v0 = min(this, limit × factor))"),
      q("car_headway", D::time, "1.5s", 0.1, 10.0, "car IDM time headway T"),
      q("car_min_gap", D::length, "2m", 0.1, 20.0, "car IDM minimum gap s0"),
      r("car_accel", "1.0", 0.05, 10.0, "car IDM maximum acceleration a, m/s²"),
      r("car_decel", "1.5", 0.05, 10.0, "car IDM comfortable deceleration b, m/s²"),
      r("car_politeness", "0.2", 0.0, 2.0, "car MOBIL politeness p"),
      q("truck_length", D::length, "12m", 1.0, 30.0, "truck length"),
      q("truck_max_speed", D::speed, "90km/h", 1.0, 100.0, "truck top desired speed"),
      q("truck_headway", D::time, "1.8s", 0.1, 10.0, "truck IDM time headway T"),
      q("truck_min_gap", D::length, "2.5m", 0.1, 20.0, "truck IDM minimum gap s0"),
      r("truck_accel", "0.6", 0.05, 10.0, "truck IDM maximum acceleration a, m/s²"),
      r("truck_decel", "1.5", 0.05, 10.0, "truck IDM comfortable deceleration b, m/s²"),
      r("truck_politeness", "0.2", 0.0, 2.0, "truck MOBIL politeness p"),
      r("speed_factor_sd", "0.1", 0.0, 0.5, "sd of each driver's desired-speed factor (mean 1, truncated to 0.6..1.4)"),
      r("headway_sd", "0.1", 0.0, 0.5, "relative sd of each driver's T (truncated to ±50%)"),
      r("accel_sd", "0.1", 0.0, 0.5, "relative sd of each driver's a and b (truncated to ±50%)"),
      b("lane_changes", "true", "MOBIL lane changes on multi-lane links"),
      r("lc_threshold", "0.1", 0.0, 5.0, "MOBIL changing threshold Δa_th, m/s²"),
      r("lc_safe_decel", "4.0", 0.1, 20.0, "MOBIL safe braking limit b_safe of the new follower, m/s²"),
      q("lc_cooldown", D::time, "3s", 0.0, 600.0, "least time between two lane changes of a vehicle"),
      r("merge_bias", "1.0", 0.0, 10.0, "extra incentive to leave an acceleration lane, m/s²"),
      r("max_decel", "9.0", 1.0, 20.0, "physical braking limit, m/s²: IDM is clipped here, so collisions can happen"),
      q("reaction_time", D::time, "0s", 0.0, 5.0, "driver error: acceleration is re-decided only this often"),
      r("distraction_rate", "0", 0.0, 3600.0, "driver error: distraction episodes per driving hour; live"),
      q("distraction_mean", D::time, "2s", 0.0, 60.0, "mean distraction episode length (exponential)"),
      r("hard_brake", "4.0", 0.1, 20.0, "deceleration above which a hard_braking event is recorded, m/s²"),
      q("ttc_threshold", D::time, "1.5s", 0.0, 60.0, "time-to-collision below which a near_miss is recorded"),
      q("gridlock_time", D::time, "300s", 1.0, none, "time stopped before a gridlock event is recorded"),
      q("crash_clearance", D::time, "15min", 0.0, none, "time crashed vehicles block their lane"),
      q("trajectory_interval", D::time, "0s", 0.0, none, "time between trajectory samples (0: no trajectories)"),
      q("stats_interval", D::time, "5min", 0.0, none, "link statistics interval (0: none)"),
      q("reroute_interval", D::time, "0s", 0.0, none,
        "re-routing: link travel times are measured over this interval and vehicles re-plan their route on "
        "them each time they enter a link (0: free-flow routes fixed at departure)"),
  };
}

namespace {

// The parameters that decide the network the model runs on (generator or
// file, step, vehicle top speeds) and the od flows on it.
TrafficParams network_params_from(const PopulationSpec& spec, const std::string& scenario_dir) {
  const ParamValues& v = spec.params;
  TrafficParams p;
  p.network = v.string("network");
  p.sumo_file = v.string("sumo_file");
  if (!p.sumo_file.empty() && std::filesystem::path(p.sumo_file).is_relative() && !scenario_dir.empty()) {
    p.sumo_file = (std::filesystem::path(scenario_dir) / p.sumo_file).string();
  }
  const auto u32 = [&](const char* k) { return static_cast<std::uint32_t>(v.integer(k)); };
  const Control control = v.string("junctions") == "yield" ? Control::yield : Control::signal;
  p.grid = {u32("grid_nx"), u32("grid_ny"), v.real("block_length"), u32("lanes"), v.real("speed_limit"), control};
  p.ring = {v.real("ring_length"), u32("ring_segments"), u32("lanes"), v.real("speed_limit")};
  p.corridor = {v.real("corridor_length"), u32("corridor_segments"), u32("lanes"), v.real("speed_limit"),
                u32("ramp_every"), v.real("ramp_length"), v.real("ramp_speed_limit")};
  p.phase_scheme = v.string("phases") == "paired" ? PhaseScheme::paired : PhaseScheme::split;
  p.green = v.real("green");
  p.intergreen = v.real("intergreen");
  p.step = v.real("step");
  p.blocks = u32("blocks");
  const auto& od = v.reals("od");
  for (std::size_t k = 0; k + 2 < od.size(); k += 3) {
    p.od.push_back({static_cast<std::uint32_t>(od[k]), static_cast<std::uint32_t>(od[k + 1]), od[k + 2]});
  }
  for (auto [t, pre] : {std::pair{&p.car, std::string("car_")}, std::pair{&p.truck, std::string("truck_")}}) {
    t->length = v.real(pre + "length");
    t->max_speed = v.real(pre + "max_speed");
    t->headway = v.real(pre + "headway");
    t->min_gap = v.real(pre + "min_gap");
    t->accel = v.real(pre + "accel");
    t->decel = v.real(pre + "decel");
    t->politeness = v.real(pre + "politeness");
  }
  return p;
}

}  // namespace

void check_network(const PopulationSpec& spec, const std::string& path, Issues& issues) {
  const ParamValues& v = spec.params;
  const std::string dir = std::filesystem::path(spec.at.file).parent_path().string();
  const TrafficParams p = network_params_from(spec, dir.empty() ? "." : dir);
  const auto at = [&](const char* key) { return v.at(key).at.line > 0 ? v.at(key).at : spec.at; };
  Network net;
  try {
    net = runnable_network(build_network(p), p);
  } catch (const NetworkFileError& e) {
    issues.add(at("sumo_file"), path + ".params.sumo_file", e.what());
    return;
  } catch (const std::invalid_argument& e) {
    issues.add(spec.at, path + ".params", e.what());
    return;
  }
  // od flows: links of the network as the model runs it, joined by a route.
  Router router(net);
  for (std::size_t k = 0; k < p.od.size(); ++k) {
    const OdFlow& f = p.od[k];
    const std::string key = path + ".params.od[" + std::to_string(3 * k) + "]";
    auto text = [&](std::uint32_t li) {
      return "link " + std::to_string(li) + (net.links[li].name.empty() ? "" : " (edge '" + net.links[li].name + "')");
    };
    if (f.origin >= net.links.size() || f.destination >= net.links.size()) {
      issues.add(at("od"), key, "od flow " + std::to_string(f.origin) + " -> " + std::to_string(f.destination) +
                                    ": the network has links 0 to " + std::to_string(net.links.size() - 1) +
                                    (p.network == "sumo" ? " (SUMO edges too short for the step are joined into "
                                                           "their junctions; the links table lists the rest)" : ""));
    } else if (f.rate > 0.0 && router.route(f.origin, f.destination).empty()) {
      issues.add(at("od"), key, "no route leads from " + text(f.origin) + " to " + text(f.destination));
    }
  }
}

TrafficParams params_from(const PopulationSpec& spec, const BuildInfo& info) {
  const ParamValues& v = spec.params;
  TrafficParams p = network_params_from(spec, info.scenario_dir);
  const auto u32 = [&](const char* k) { return static_cast<std::uint32_t>(v.integer(k)); };
  p.ring_vehicles = u32("ring_vehicles");
  p.ring_jitter = v.real("ring_jitter");
  p.duration = info.duration;
  p.seed = info.seed;
  p.demand_rate = v.real("demand_rate");
  p.demand_headroom = v.real("demand_headroom");
  p.demand_profile = v.reals("demand_profile");
  p.trip_model = detail::open_trip_model(v.at("attributes"), spec.path + ".params.attributes", info);
  p.truck_share = v.real("truck_share");
  p.speed_factor_sd = v.real("speed_factor_sd");
  p.headway_sd = v.real("headway_sd");
  p.accel_sd = v.real("accel_sd");
  p.lane_changes = v.boolean("lane_changes");
  p.lc_threshold = v.real("lc_threshold");
  p.lc_safe_decel = v.real("lc_safe_decel");
  p.lc_cooldown = v.real("lc_cooldown");
  p.merge_bias = v.real("merge_bias");
  p.max_decel = v.real("max_decel");
  p.reaction_time = v.real("reaction_time");
  p.distraction_rate = v.real("distraction_rate");
  p.distraction_mean = v.real("distraction_mean");
  p.hard_brake = v.real("hard_brake");
  p.ttc_threshold = v.real("ttc_threshold");
  p.gridlock_time = v.real("gridlock_time");
  p.crash_clearance = v.real("crash_clearance");
  p.trajectory_interval = v.real("trajectory_interval");
  p.stats_interval = v.real("stats_interval");
  p.reroute_interval = v.real("reroute_interval");
  for (const auto& a : spec.timeline) {
    if (a.action == "set_demand_factor") p.demand_factors.emplace_back(a.at, a.params.real("factor"));
  }
  return p;
}

}  // namespace traffic

void register_traffic(Registry& registry) {
  PopulationType t;
  t.name = "traffic";
  t.doc = "road traffic: IDM car-following, MOBIL lane changes, signals, OD demand, safety events";
  t.params = traffic::traffic_param_specs();
  t.observables = traffic::TrafficPopulation::observable_specs();
  t.live = traffic::TrafficPopulation::live_params();
  t.actions = {{"set_demand_factor",
                "from this time on, multiply the demand rate (and profile) by factor",
                {{"factor", ParamType::real, Dimension::none, "1", 0.0, 1000.0, {}, "demand multiplier"}}}};
  t.check = [](const PopulationSpec& spec, const std::string& path, Issues& issues) {
    const auto& od = spec.params.reals("od");
    bool whole = od.size() % 3 == 0;
    for (std::size_t k = 0; k < od.size(); ++k) {
      if (k % 3 != 2 && od[k] != std::floor(od[k])) whole = false;
    }
    if (!whole) {
      issues.add(spec.params.at("od").at, path + ".params.od",
                 "expected triples [origin link, destination link, trips/h], link ids whole numbers");
    }
    if (spec.params.string("network") == "sumo" && spec.params.string("sumo_file").empty()) {
      issues.add(spec.params.at("network").at, path + ".params.sumo_file", "network: sumo needs a sumo_file");
    }
    traffic::detail::check_attributes(spec.params, path, issues);
    if (whole && issues.empty()) traffic::check_network(spec, path, issues);
  };
  t.make = [](const PopulationSpec& spec, const BuildInfo& info) -> std::unique_ptr<Population> {
    const traffic::TrafficParams p = traffic::params_from(spec, info);
    // Where in the scenario: the key's position when it was written there.
    const auto where = [&](const std::string& key) {
      const SourcePos& at = spec.params.at(key).at;
      return (at.line > 0 ? at.text() : spec.at.text()) + ": " + spec.path + ".params." + key + ": ";
    };
    try {
      return std::make_unique<traffic::TrafficPopulation>(p);
    } catch (const traffic::NetworkFileError& e) {
      throw traffic::NetworkFileError(where("sumo_file") + e.what());
    } catch (const std::invalid_argument& e) {
      throw UserError(spec.at.text() + ": " + spec.path + ": " + e.what());
    } catch (const DataError& e) {
      // A model's rows that do not fit the network (see demand.cpp).
      throw DataError(spec.path + ".params.attributes: " + e.what());
    } catch (const UserError& e) {
      // Demand that the network cannot carry (an od flow without a route).
      const std::string what = e.what();
      throw UserError((what.starts_with("traffic: od") ? where("od") : spec.at.text() + ": " + spec.path + ": ") + what);
    }
  };
  registry.add(std::move(t));
}

}  // namespace simulacra
