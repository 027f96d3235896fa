// The "traffic" population type: parameter declarations and their conversion
// into TrafficParams; build_network chooses a generator or the SUMO reader.
#include "simulacra/agents/traffic/register.hpp"

#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>

#include "attributes_block.hpp"
#include "simulacra/agents/traffic/sumo.hpp"
#include "simulacra/agents/traffic/sumo_demand.hpp"
#include "simulacra/agents/traffic/traffic.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/param_table.hpp"

namespace simulacra {

namespace traffic {

Network build_network(const TrafficParams& p) {
  if (p.network == "grid") return make_grid(p.grid);
  if (p.network == "ring") return make_ring(p.ring);
  if (p.network == "corridor") return make_corridor(p.corridor);
  if (p.network == "sumo") return read_sumo_net(p.sumo_file, Control::yield);
  throw ConfigError("traffic: unknown network '" + p.network + "'");
}

namespace {

// od as the scenario writes it: triples [origin link, destination link, trips/h, ...].
void assign_od(const ParamValues::Value& v, TrafficParams& p) {
  p.od.clear();
  const auto& od = v.list;
  for (std::size_t k = 0; k + 2 < od.size(); k += 3) {
    p.od.push_back({static_cast<std::uint32_t>(od[k]), static_cast<std::uint32_t>(od[k + 1]), od[k + 2]});
  }
}
std::string od_text(const TrafficParams& p) {
  std::vector<double> flat;
  for (const OdFlow& f : p.od) flat.insert(flat.end(), {double(f.origin), double(f.destination), f.rate});
  return param_text::list(flat.data(), flat.size());
}

// routes and additional as the scenario writes them: one file or a list.
std::vector<std::string> file_names(const ParamValues::Value& v) {
  std::vector<std::string> out;
  if (v.node.IsScalar()) out.push_back(v.node.as<std::string>());
  if (v.node.IsSequence()) {
    for (const auto& item : v.node) {
      if (item.IsScalar()) out.push_back(item.as<std::string>());
    }
  }
  return out;
}
std::string files_text(const std::vector<std::string>& files) {
  std::string out;
  for (const std::string& f : files) out += (out.empty() ? "" : ", ") + param_text::string(f);
  return "[" + out + "]";
}

// The car_ and truck_ keys of one vehicle type.
void vehicle_params(ParamTable<TrafficParams>& t, const std::string& pre, VehicleType TrafficParams::*type) {
  const std::string name = pre.substr(0, pre.size() - 1);
  t.param(pre + "length", type, &VehicleType::length).dimension(Dimension::length).range(1, 30).doc(name + " length");
  t.param(pre + "max_speed", type, &VehicleType::max_speed).dimension(Dimension::speed).range(1, 100)
      .doc(name == "car" ? "car top desired speed (v0 = min(this, limit × factor))" : "truck top desired speed");
  t.param(pre + "headway", type, &VehicleType::headway).dimension(Dimension::time).range(0.1, 10)
      .doc(name + " IDM time headway T");
  t.param(pre + "min_gap", type, &VehicleType::min_gap).dimension(Dimension::length).range(0.1, 20)
      .doc(name + " IDM minimum gap s0");
  t.param(pre + "accel", type, &VehicleType::accel).range(0.05, 10).doc(name + " IDM maximum acceleration a, m/s²");
  t.param(pre + "decel", type, &VehicleType::decel).range(0.05, 10)
      .doc(name + " IDM comfortable deceleration b, m/s²");
  t.param(pre + "politeness", type, &VehicleType::politeness).range(0, 2).doc(name + " MOBIL politeness p");
}

}  // namespace

const ParamTable<TrafficParams>& traffic_param_table() {
  static const ParamTable<TrafficParams> table = [] {
    ParamTable<TrafficParams> t("traffic");
    using P = TrafficParams;
    const auto kTime = Dimension::time;
    const auto kLength = Dimension::length;
    const auto kSpeed = Dimension::speed;
    t.param("network", &P::network).choices({"grid", "ring", "corridor", "sumo"})
        .doc("which network: a generated grid, ring or corridor, or a SUMO .net.xml file");
    t.param("sumo_file", &P::sumo_file).doc("SUMO .net.xml file (network: sumo), relative to the scenario");
    t.param("sumocfg", &P::sumocfg)
        .doc("SUMO configuration (network: sumo): its net-file (unless sumo_file is given), route-files and "
             "additional-files are loaded, its begin is the run's start in SUMO time, its end stops departures, "
             "its step-length is the step unless the scenario sets step; relative to the scenario");
    t.custom("routes", ParamType::node, [](const ParamValues::Value& v, P& p) { p.route_files = file_names(v); },
             [](const P& p) { return files_text(p.route_files); })
        .doc("SUMO route files (.rou.xml; one or a list; network: sumo): vTypes, routes, vehicles, trips and flows "
             "added to the demand; relative to the scenario");
    t.custom("additional", ParamType::node,
             [](const ParamValues::Value& v, P& p) { p.additional_files = file_names(v); },
             [](const P& p) { return files_text(p.additional_files); })
        .doc("SUMO additional files (one or a list; network: sumo): tlLogic programs replacing the network's, "
             "induction loops (the detectors table), and vTypes, routes and vehicles as in route files; relative "
             "to the scenario");
    t.param("grid_nx", &P::grid, &GridSpec::nx).range(2, 1000).doc("grid: nodes per row");
    t.param("grid_ny", &P::grid, &GridSpec::ny).range(2, 1000).doc("grid: nodes per column");
    t.param("block_length", &P::grid, &GridSpec::block).dimension(kLength).min(20)
        .doc("grid: distance between neighbouring junctions");
    // One key for every generator: the struct's grid, ring and corridor agree on it.
    t.param("lanes", &P::grid, &GridSpec::lanes).also(&P::ring, &RingSpec::lanes)
        .also(&P::corridor, &CorridorSpec::lanes).range(1, 8)
        .doc("lanes per direction (grid, ring, corridor mainline)");
    t.param("speed_limit", &P::grid, &GridSpec::speed_limit).also(&P::ring, &RingSpec::speed_limit)
        .also(&P::corridor, &CorridorSpec::speed_limit).dimension(kSpeed).range(1, 70)
        .doc("speed limit of generated links (corridor: mainline); live");
    t.param("junctions", &P::grid, &GridSpec::control)
        .choices({{"signal", Control::signal}, {"yield", Control::yield}})
        .doc("grid junctions: fixed-time signals, or first-come-first-served right of way (SUMO files say per "
             "junction)");
    t.param("phases", &P::phase_scheme).choices({{"paired", PhaseScheme::paired}, {"split", PhaseScheme::split}})
        .doc("generated signal plans: one approach at a time, or opposite approaches together (SUMO files bring "
             "their own)");
    t.param("green", &P::green).dimension(kTime).range(1, 600).doc("green time per phase of a generated plan");
    t.param("intergreen", &P::intergreen).dimension(kTime).range(0, 60)
        .doc("amber time after each green (stop if you can, else clear)");
    t.param("ring_length", &P::ring, &RingSpec::length).dimension(kLength).min(50).doc("ring: circumference");
    t.param("ring_segments", &P::ring, &RingSpec::segments).range(1, 100000).doc("ring: links around the ring");
    t.param("ring_vehicles", &P::ring_vehicles).range(0, 10000000)
        .doc("ring: vehicles placed evenly at t = 0 (they circulate for ever)");
    t.param("ring_jitter", &P::ring_jitter).dimension(kLength).min(0)
        .doc("ring: standard deviation of initial position noise");
    t.param("corridor_length", &P::corridor, &CorridorSpec::length).dimension(kLength).min(100)
        .doc("corridor: mainline length");
    t.param("corridor_segments", &P::corridor, &CorridorSpec::segments).range(2, 100000)
        .doc("corridor: mainline links");
    t.param("ramp_every", &P::corridor, &CorridorSpec::ramp_every).range(0, 100000)
        .doc("corridor: an on-ramp before every n-th segment (0: none)");
    t.param("ramp_length", &P::corridor, &CorridorSpec::ramp_length).dimension(kLength).min(50)
        .doc("corridor: on-ramp length");
    t.param("ramp_speed_limit", &P::corridor, &CorridorSpec::ramp_speed_limit).dimension(kSpeed).range(1, 70)
        .doc("corridor: on-ramp speed limit");
    t.param("step", &P::step).dimension(kTime).range(0.1, 1).doc("time step of the car-following update");
    t.param("blocks", &P::blocks).range(1, 1000000)
        .doc("LPs the junctions are cut into, for parallelism only: the output depends neither on it nor on threads");
    t.param("demand_rate", &P::demand_rate).min(0)
        .doc("trips per hour over all origins (each origin weighted by its lanes); live");
    t.param("demand_headroom", &P::demand_headroom).range(1, 1000)
        .doc("demand_rate's trips are drawn at demand_rate × this and each kept with probability 1 / this, so that a "
             "live demand_rate can rise up to demand_rate × this");
    t.custom("od", ParamType::real_list, assign_od, od_text).min(0)
        .doc("origin-destination matrix as triples [origin link, destination link, trips/h, ...], added to "
             "demand_rate");
    t.param("demand_profile", &P::demand_profile).min(0)
        .doc("demand multipliers per hour of the day, repeated; empty: 1");
    // Opened at build time (params_from), so no field of the struct.
    t.unbound("attributes", ParamType::node, "null")
        .doc("trips from a model file: {model: FILE, columns: [departure, origin, destination], trips: N, "
             "where: {COLUMN: VALUE}}; departure (s from the start) replaces demand_rate's times, origin and "
             "destination (link ids) its origins and destinations");
    t.param("truck_share", &P::truck_share).dimension(Dimension::fraction).range(0, 1)
        .doc("share of trucks among new vehicles");
    vehicle_params(t, "car_", &P::car);
    vehicle_params(t, "truck_", &P::truck);
    t.param("speed_factor_sd", &P::speed_factor_sd).range(0, 0.5)
        .doc("sd of each driver's desired-speed factor (mean 1, truncated to 0.6..1.4)");
    t.param("headway_sd", &P::headway_sd).range(0, 0.5).doc("relative sd of each driver's T (truncated to ±50%)");
    t.param("accel_sd", &P::accel_sd).range(0, 0.5).doc("relative sd of each driver's a and b (truncated to ±50%)");
    t.param("lane_changes", &P::lane_changes).doc("MOBIL lane changes on multi-lane links");
    t.param("lc_threshold", &P::lc_threshold).range(0, 5).doc("MOBIL changing threshold Δa_th, m/s²");
    t.param("lc_safe_decel", &P::lc_safe_decel).range(0.1, 20)
        .doc("MOBIL safe braking limit b_safe of the new follower, m/s²");
    t.param("lc_cooldown", &P::lc_cooldown).dimension(kTime).range(0, 600)
        .doc("least time between two lane changes of a vehicle");
    t.param("merge_bias", &P::merge_bias).range(0, 10).doc("extra incentive to leave an acceleration lane, m/s²");
    t.param("max_decel", &P::max_decel).range(1, 20)
        .doc("physical braking limit, m/s²: IDM is clipped here, so collisions can happen");
    t.param("reaction_time", &P::reaction_time).dimension(kTime).range(0, 5)
        .doc("driver error: acceleration is re-decided only this often");
    t.param("distraction_rate", &P::distraction_rate).range(0, 3600)
        .doc("driver error: distraction episodes per driving hour; live");
    t.param("distraction_mean", &P::distraction_mean).dimension(kTime).range(0, 60)
        .doc("mean distraction episode length (exponential)");
    t.param("hard_brake", &P::hard_brake).range(0.1, 20)
        .doc("deceleration above which a hard_braking event is recorded, m/s²");
    t.param("ttc_threshold", &P::ttc_threshold).dimension(kTime).range(0, 60)
        .doc("time-to-collision below which a near_miss is recorded");
    t.param("gridlock_time", &P::gridlock_time).dimension(kTime).min(1)
        .doc("time stopped before a gridlock event is recorded");
    t.param("crash_clearance", &P::crash_clearance).dimension(kTime).min(0)
        .doc("time crashed vehicles block their lane");
    t.param("trajectory_interval", &P::trajectory_interval).dimension(kTime).min(0)
        .doc("time between trajectory samples (0: no trajectories)");
    t.param("stats_interval", &P::stats_interval).dimension(kTime).min(0).doc("link statistics interval (0: none)");
    t.param("reroute_interval", &P::reroute_interval).dimension(kTime).min(0)
        .doc("re-routing: link travel times are measured over this interval and vehicles re-plan their route on "
             "them each time they enter a link (0: free-flow routes fixed at departure)");
    return t;
  }();
  return table;
}

std::vector<ParamSpec> traffic_param_specs() { return traffic_param_table().specs(); }

namespace {

// What a set_demand_factor action becomes: TrafficParams::demand_factors' second.
struct DemandFactor {
  double factor = 1.0;
};

const ActionTable<DemandFactor>& traffic_actions() {
  static const ActionTable<DemandFactor> table = [] {
    ActionTable<DemandFactor> t("traffic");
    t.action("set_demand_factor", "from this time on, multiply the demand rate (and profile) by factor", {})
        .param("factor", &DemandFactor::factor).range(0, 1000).doc("demand multiplier");
    return t;
  }();
  return table;
}

}  // namespace

namespace {

// Every bound parameter, with the SUMO file found relative to the scenario
// (check_network needs the network's: generator or file, step, vehicle top
// speeds, od flows).
// SUMO files found relative to the scenario, and a sumocfg's read in. Throws
// DemandFileError from with_sumocfg.
TrafficParams network_params_from(const PopulationSpec& spec, const std::string& scenario_dir) {
  TrafficParams p = traffic_param_table().bind(spec.params);
  auto resolve = [&](std::string& f) {
    if (!f.empty() && std::filesystem::path(f).is_relative() && !scenario_dir.empty()) {
      f = (std::filesystem::path(scenario_dir) / f).lexically_normal().string();
    }
  };
  resolve(p.sumo_file);
  resolve(p.sumocfg);
  for (auto& f : p.route_files) resolve(f);
  for (auto& f : p.additional_files) resolve(f);
  const SourcePos& step = spec.params.at("step").at;
  return with_sumocfg(std::move(p), step.line > 0 || step.file.starts_with("--set"));
}

// The key a SUMO demand problem is reported at: the first of the keys that
// name such files which the scenario wrote.
std::string demand_key(const ParamValues& v) {
  for (const char* key : {"routes", "additional", "sumocfg"}) {
    if (v.at(key).at.line > 0) return key;
  }
  return "routes";
}

}  // namespace

void check_network(const PopulationSpec& spec, const std::string& path, Issues& issues) {
  const ParamValues& v = spec.params;
  const std::string dir = std::filesystem::path(spec.at.file).parent_path().string();
  const auto at = [&](const std::string& key) { return v.at(key).at.line > 0 ? v.at(key).at : spec.at; };
  const std::string demand = demand_key(v);
  TrafficParams p;
  Network net;
  SumoDemand imported;
  try {
    p = network_params_from(spec, dir.empty() ? "." : dir);
    Network read = build_network(p);
    imported = load_sumo_demand(p);
    apply_programs(imported, read);
    net = runnable_network(std::move(read), p, used_types(imported));
  } catch (const DemandFileError& e) {
    issues.add(at(demand), path + ".params." + demand, e.what());
    return;
  } catch (const NetworkFileError& e) {
    const char* key = p.sumocfg.empty() || v.at("sumo_file").at.line > 0 ? "sumo_file" : "sumocfg";
    issues.add(at(key), path + ".params." + key, e.what());
    return;
  } catch (const ConfigError& e) {
    // Generator settings or a step that cannot work together.
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
  // Imported vehicles and detectors on the network as the model runs it:
  // one issue per vehicle that cannot be routed (map_routes lists them).
  try {
    map_routes(imported, net);
  } catch (const DemandFileError& e) {
    std::istringstream lines(e.what());
    for (std::string line; std::getline(lines, line);) issues.add(at(demand), path + ".params." + demand, line);
  }
  const SumoLinks ids(net);
  for (const SumoDetector& d : imported.detectors) {
    try {
      ids.detector(d);
    } catch (const DemandFileError& e) {
      issues.add(at(demand), path + ".params." + demand, e.what());
    }
  }
}

TrafficParams params_from(const PopulationSpec& spec, const BuildInfo& info) {
  TrafficParams p = network_params_from(spec, info.scenario_dir);
  p.duration = info.duration;
  p.seed = info.seed;
  p.trip_model = detail::open_trip_model(spec.params.at("attributes"), spec.path + ".params.attributes", info);
  for (const TimelineAction& a : spec.timeline) p.demand_factors.emplace_back(a.at, traffic_actions().bind(a).factor);
  return p;
}

}  // namespace traffic

void register_traffic(Registry& registry) {
  PopulationType t;
  t.name = "traffic";
  t.doc = "road traffic: IDM car-following, MOBIL lane changes, signals, OD demand, safety events";
  traffic::traffic_param_table().declare(t);
  t.observables = traffic::TrafficPopulation::observable_specs();
  t.live = traffic::TrafficPopulation::live_params();
  t.actions = traffic::traffic_actions().specs();
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
    const bool sumo = spec.params.string("network") == "sumo";
    if (sumo && spec.params.string("sumo_file").empty() && spec.params.string("sumocfg").empty()) {
      issues.add(spec.params.at("network").at, path + ".params.sumo_file",
                 "network: sumo needs a sumo_file or a sumocfg");
    }
    for (const char* key : {"routes", "additional"}) {
      const ParamValues::Value& files = spec.params.at(key);
      const bool list = files.node.IsSequence() &&
                        std::all_of(files.node.begin(), files.node.end(), [](const YAML::Node& n) { return n.IsScalar(); });
      if (!files.node.IsNull() && !files.node.IsScalar() && !list) {
        issues.add(files.at, path + ".params." + key, "expected a file name or a list of file names");
      }
    }
    for (const char* key : {"routes", "additional", "sumocfg"}) {
      const ParamValues::Value& files = spec.params.at(key);
      const bool given = key == std::string("sumocfg") ? !files.text.empty() : !traffic::file_names(files).empty();
      if (given && !sumo) {
        issues.add(files.at, path + ".params." + key, std::string(key) + " names SUMO edges: it needs network: sumo");
      }
    }
    traffic::detail::check_attributes(spec.params, path, issues);
    if (whole && issues.empty()) traffic::check_network(spec, path, issues);
  };
  t.make = [](const PopulationSpec& spec, const BuildInfo& info) -> std::unique_ptr<Population> {
    // Where in the scenario: the key's position when it was written there.
    const auto where = [&](const std::string& key) {
      const SourcePos& at = spec.params.at(key).at;
      return (at.line > 0 ? at.text() : spec.at.text()) + ": " + spec.path + ".params." + key + ": ";
    };
    traffic::TrafficParams p;
    try {
      p = traffic::params_from(spec, info);
    } catch (const traffic::DemandFileError& e) {
      throw traffic::DemandFileError(where("sumocfg") + e.what());  // with_sumocfg
    }
    try {
      return std::make_unique<traffic::TrafficPopulation>(p);
    } catch (const traffic::NetworkFileError& e) {
      throw traffic::NetworkFileError(where("sumo_file") + e.what());
    } catch (const traffic::DemandFileError& e) {
      throw traffic::DemandFileError(where(traffic::demand_key(spec.params)) + e.what());
    } catch (const DataError& e) {
      // A model's rows that do not fit the network (see demand.cpp).
      throw DataError(spec.path + ".params.attributes: " + e.what());
    } catch (const UserError& e) {
      // Parameters or a network that cannot work (ConfigError), and demand
      // the network cannot carry (an od flow without a route): at the od key
      // when it is about od, else at the population.
      const std::string what = e.what();
      const std::string at = what.starts_with("traffic: od") ? where("od") : spec.at.text() + ": " + spec.path + ": ";
      if (dynamic_cast<const ConfigError*>(&e) != nullptr) throw ConfigError(at + what);
      throw UserError(at + what);
    }
  };
  registry.add(std::move(t));
}

}  // namespace simulacra
