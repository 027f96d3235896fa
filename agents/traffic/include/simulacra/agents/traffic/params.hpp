// Parameters of the traffic population as a plain value struct with defaults
// (Treiber's IDM and MOBIL values): the scenario defaults too, since
// register_traffic's table reads them from here. Tests build populations from
// it directly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulacra/agents/traffic/network.hpp"
#include "simulacra/engine/attribute_block.hpp"

namespace simulacra::traffic {

/// One vehicle type's driver and vehicle parameters (means; see heterogeneity).
struct VehicleType {
  std::string name = "car";
  double length = 5.0;        ///< m
  double max_speed = 50.0;    ///< m/s: the desired speed is min(this, limit × factor)
  double headway = 1.5;       ///< T, s
  double min_gap = 2.0;       ///< s0, m
  double accel = 1.0;         ///< a, m/s²
  double decel = 1.5;         ///< b, m/s² (comfortable)
  double politeness = 0.2;    ///< MOBIL p
};

/// One origin-destination flow: trips per hour from one link to another.
struct OdFlow {
  std::uint32_t origin = 0;
  std::uint32_t destination = 0;
  double rate = 0.0;
};

/// Trips drawn from a model of trips (the `attributes` parameter; see the
/// README's "Trips from a model"). The sampler's rows may have `departure`
/// (s from the run's start), `origin` and `destination` (link ids, as in
/// `od` and the trips table). With `departure`, the model's trips replace
/// demand_rate's: `trips` rows are drawn and those departing before the run's
/// end become vehicles. Without it, demand_rate's trips keep their times and
/// take origin and/or destination from the model. A null sampler: no model.
struct TripModel : AttributeModel {
  std::uint64_t trips = 0;  ///< rows drawn when the model gives departure times
};

struct TrafficParams {
  // Network
  std::string network = "grid";  ///< grid | ring | corridor | sumo
  // One scenario key (`lanes`, `speed_limit`) sets all three generators, so
  // they start from the same values: 2 lanes at 50 km/h.
  GridSpec grid;
  RingSpec ring{2000.0, 8, 2, 50 * kKmh};
  CorridorSpec corridor{5000.0, 10, 2, 50 * kKmh, 3, 300.0, 80 * kKmh};
  std::string sumo_file;         ///< for network = sumo
  /// A SUMO configuration naming net-file (when sumo_file is empty),
  /// route-files, additional-files, begin, end and step-length.
  std::string sumocfg;
  /// SUMO route files (.rou.xml) and additional files (vTypes, routes,
  /// vehicles, tlLogic programs, induction loops): see sumo_demand.hpp.
  std::vector<std::string> route_files;
  std::vector<std::string> additional_files;
  double sumo_begin = 0.0;       ///< s: the SUMO time of the run's start (sumocfg begin)
  double sumo_end = -1.0;        ///< s: SUMO time after which nothing departs (sumocfg end; < 0: none)

  // Execution
  double step = 0.5;             ///< s, 0.1 .. 1
  std::uint32_t blocks = 1;      ///< LPs: the nodes are cut into this many blocks
  double duration = 3600.0;      ///< s: demand is generated up to here
  std::uint64_t seed = 1;

  // Demand
  double demand_rate = 0.0;          ///< vehicles/h over all origins
  std::vector<OdFlow> od;            ///< OD matrix entries, added to demand_rate's trips
  std::vector<double> demand_profile;  ///< multipliers per hour of day, cycled; empty: 1
  /// (at s, factor) demand multipliers from the timeline, in time order.
  std::vector<std::pair<double, double>> demand_factors;
  std::uint32_t ring_vehicles = 0;   ///< ring: vehicles placed at t = 0, evenly spaced
  double ring_jitter = 0.0;          ///< m: sd of the ring's initial position noise
  TripModel trip_model;              ///< when set, trips' times and/or OD come from a model
  /// s between travel-time snapshots for re-routing (0: routes stay the
  /// free-flow ones chosen at departure).
  double reroute_interval = 0.0;
  /// demand_rate's trips are drawn at demand_rate × this and each departs
  /// with probability 1 / this, so that a live demand_rate (set_live) can
  /// rise up to demand_rate × this. 1: drawn at demand_rate, none thinned.
  double demand_headroom = 1.0;

  // Vehicles
  VehicleType car;
  VehicleType truck{"truck", 12.0, 25.0, 1.8, 2.5, 0.6, 1.5, 0.2};
  double truck_share = 0.1;
  double speed_factor_sd = 0.1;  ///< sd of the desired-speed factor (mean 1)
  double headway_sd = 0.1;       ///< relative sd of T
  double accel_sd = 0.1;         ///< relative sd of a and b

  // Lane changes (MOBIL)
  bool lane_changes = true;
  double lc_threshold = 0.1;     ///< Δa_th, m/s²
  double lc_safe_decel = 4.0;    ///< b_safe, m/s²: the new follower's braking limit
  double lc_cooldown = 3.0;      ///< s between two changes of one vehicle
  double merge_bias = 1.0;       ///< m/s²: extra incentive to leave an acceleration lane

  // Junctions
  // Generated plans, for signalised nodes without one from a SUMO file.
  PhaseScheme phase_scheme = PhaseScheme::paired;
  double green = 20.0;           ///< s of green per phase
  double intergreen = 3.0;       ///< s of amber after each green

  // Physics and driver error
  double max_decel = 9.0;        ///< m/s²: what tyres can do; IDM is clipped here
  double reaction_time = 0.0;    ///< s: a driver re-decides only this often (0: every step)
  double distraction_rate = 0.0; ///< episodes per driving hour
  double distraction_mean = 2.0; ///< s, mean episode length (exponential)

  // Events and datasets
  double hard_brake = 4.0;       ///< m/s²: decelerations above this are hard braking
  double ttc_threshold = 1.5;    ///< s: time-to-collision below this is a near miss
  double gridlock_time = 300.0;  ///< s stopped before a vehicle is reported in gridlock
  double crash_clearance = 900.0;  ///< s crashed vehicles block their lane
  double trajectory_interval = 0.0;  ///< s between trajectory samples (0: none)
  double stats_interval = 300.0;     ///< s between link-statistics rows (0: none)
};

/// A driver's desired-speed factor is drawn within [0.6, this] (mean 1).
inline constexpr double kMaxSpeedFactor = 1.4;

/// Per link, the least length the model can run it at with step `p.step`:
/// 1.5 steps at the fastest a vehicle may drive on it (at most
/// kMaxSpeedFactor × the highest limit of the link and its predecessors, and
/// the vehicle types' top speed), and the longest vehicle type's length plus
/// its standstill gap; never more than 60 m. `more`: vehicle types besides
/// car and truck (those of imported SUMO demand).
std::vector<double> min_link_lengths(const Network& net, const TrafficParams& p,
                                     const std::vector<VehicleType>& more = {});

/// Throws ConfigError naming the first invalid field.
void validate(const TrafficParams& p);

/// Builds the network a parameter set describes. Throws ConfigError
/// for bad generator settings and NetworkFileError for an unusable file.
Network build_network(const TrafficParams& p);

/// The network as the model runs it: generated signal plans for signalised
/// nodes without one, and for a SUMO network (one with turns) the links
/// shorter than min_link_lengths joined into their junctions
/// (join_short_links, repeated until none is left). Throws
/// ConfigError naming a generated link too short for the step,
/// NetworkFileError from join_short_links.
Network runnable_network(Network net, const TrafficParams& p, const std::vector<VehicleType>& more = {});

}  // namespace simulacra::traffic
