// Reading SUMO demand and additional files (.rou.xml, .add.xml) and
// .sumocfg configurations: vehicle types, vehicles, trips, flows, routes and
// their distributions, traffic-light programs and induction loops, mapped
// onto the links of a network read from the same scenario's .net.xml.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "simulacra/agents/traffic/network.hpp"
#include "simulacra/agents/traffic/params.hpp"
#include "simulacra/engine/errors.hpp"

namespace simulacra::traffic {

/// A route, additional or configuration file that cannot be used; what()
/// names the file, the line and the element with its SUMO id.
class DemandFileError : public UserError {
 public:
  using UserError::UserError;
};

/// A SUMO <vType> as this model drives it (IDM, as SUMO's carFollowModel
/// "IDM" reads the same attributes): length, maxSpeed, accel (a), decel (b),
/// minGap (s0), tau (T); speedFactor and speedDev give the desired-speed
/// factor's mean and sd. sigma, emergencyDecel, lane-change, emission and
/// drawing attributes are ignored.
struct SumoVType {
  std::string id;
  std::string vclass = "passenger";
  VehicleType type;
  double speed_factor = 1.0;  ///< mean desired-speed factor
  double speed_dev = 0.1;     ///< its sd
  bool heavy = false;         ///< truck, trailer, bus or coach: truck politeness, "truck" in counts
};

/// One vehicle of the demand, named by SUMO ids.
struct SumoVehicle {
  std::string id;          ///< SUMO id; a flow's vehicles: "flow.0", "flow.1", ...
  std::string file;        ///< where it is defined (a flow's vehicles: the flow's line)
  std::uint32_t line = 0;
  std::string element;     ///< vehicle, trip or flow
  double depart = 0.0;     ///< s, SUMO time
  std::uint32_t type = 0;  ///< index into SumoDemand::types (a distribution's member drawn)
  /// The route's edges; for a trip (or a flow with from/to) the edges to
  /// pass in order: from, via..., to.
  std::vector<std::string> edges;
  bool trip = false;       ///< edges are waypoints joined by shortest routes
};

/// An induction loop (<inductionLoop> or <e1Detector>) on a SUMO lane.
struct SumoDetector {
  std::string id;
  std::string lane;        ///< SUMO lane id
  double pos = 0.0;        ///< m from the lane's start (negative in the file: from its end)
  double period = 900.0;   ///< s, aggregation interval (period or freq)
  std::string file;        ///< where it is defined
  std::uint32_t line = 0;
};

/// Everything a scenario's SUMO files add to the network.
struct SumoDemand {
  std::vector<SumoVType> types;
  std::vector<SumoVehicle> vehicles;  ///< by departure, ties in file order
  std::vector<SumoDetector> detectors;
  /// <tlLogic> programs in load order; the last of one id is in force.
  std::vector<SignalPlan> programs;
  std::vector<std::string> program_files;  ///< the file of each program, for messages
};

/// Reads route and additional files in this order (SUMO's: additional
/// files first, then route files; pass them so). Distributions of vTypes and
/// routes and flows with `probability` draw from streams of `seed`, in file
/// order. `begin`/`end` (s, SUMO time): vehicles departing outside
/// [begin, end) are not loaded, as in SUMO. Throws DemandFileError for an
/// unreadable file, malformed XML, a missing or bad attribute, an unknown
/// vType or route id, a vehicle class that does not drive on car lanes, a
/// departure that is not a number, and elements this reader does not model
/// that would carry vehicles or people (person, container, flows with
/// exponential periods).
SumoDemand read_sumo_demand(const std::vector<std::string>& files, std::uint64_t seed, double begin = 0.0,
                            double end = 1.0e18);

/// A vehicle's route as links of `net`.
struct MappedRoute {
  std::vector<std::uint32_t> links;
  std::string error;  ///< "file:line: <vehicle id=...>: why"; empty: links is the route
};

/// An induction loop's place on a network: link, lane, m from the link's
/// start; or, for a loop on an edge joined into a junction, no place
/// (`link` kNone: it measures nothing, its rows say so with NaN).
struct DetectorSite {
  std::uint32_t link = kNone;
  std::uint32_t lane = 0;
  double pos = 0.0;
  bool placed() const { return link != kNone; }
};

/// SUMO edge and lane ids on a network as the model runs it (SUMO edges
/// shorter than the step allows joined into their junctions).
class SumoLinks {
 public:
  /// Keeps a reference to `net`, which must outlive this.
  explicit SumoLinks(const Network& net);
  /// A vehicle's route: its edges as links, edges joined into a junction
  /// left out, the waypoints of a trip joined by shortest free-flow routes.
  /// An error instead when an edge is not in the network, has no lane open
  /// to cars, two edges are not joined by a movement for cars, no route
  /// joins a trip's waypoints, or the whole route lies inside one junction.
  MappedRoute route(const SumoVehicle& v);
  /// Where a detector measures: no place when its edge was joined into a
  /// junction. Throws DemandFileError naming the detector when its lane is
  /// unknown or closed to cars, or its position is off the lane.
  DetectorSite detector(const SumoDetector& d) const;

 private:
  enum class Kind : std::uint8_t { link, joined, car_free };
  struct Edge {
    Kind kind = Kind::link;
    std::uint32_t index = 0;  ///< the link, or the node it was joined into
  };
  const Edge* find(const std::string& edge) const;
  std::string why_not(const std::string& edge) const;  ///< for an edge that is no link

  const Network* net_;
  std::map<std::string, Edge> edges_;
  std::map<std::string, std::pair<std::uint32_t, std::uint32_t>> lanes_;  ///< lane id -> (link, lane)
  Router router_;
};

/// Replaces programs of `net` (as read, before junctions are joined) by
/// those of additional files with the same id (the last loaded is in force).
/// Throws DemandFileError for a program whose id the network has no
/// <tlLogic> of or whose state strings differ in length from the network's.
void apply_programs(const SumoDemand& d, Network& net);

/// The demand of p's additional and route files (additional first, as SUMO
/// loads them), vehicles departing in [sumo_begin, sumo_begin + duration)
/// and before sumo_end; empty without files. Throws DemandFileError as
/// read_sumo_demand.
SumoDemand load_sumo_demand(const TrafficParams& p);

/// The vehicle types the demand's vehicles use (for min_link_lengths).
std::vector<VehicleType> used_types(const SumoDemand& d);

/// Every vehicle's route on `net` (the network as the model runs it), in
/// the demand's order. Throws DemandFileError listing the vehicles that
/// cannot be routed (the first 20 and how many in all).
std::vector<std::vector<std::uint32_t>> map_routes(const SumoDemand& d, const Network& net);

/// What a .sumocfg names, paths resolved against its folder.
struct SumoConfig {
  std::string net_file;
  std::vector<std::string> route_files;
  std::vector<std::string> additional_files;
  double begin = 0.0;        ///< s
  double end = -1.0;         ///< s; negative: not given
  double step_length = 0.0;  ///< s; 0: not given
};
/// Throws DemandFileError for an unreadable file, malformed XML or a
/// non-numeric time.
SumoConfig read_sumocfg(const std::string& path);

/// `p` with the configuration's files and times filled in (sumocfg set):
/// its net-file unless sumo_file is given, its route and additional files
/// before those the scenario lists, begin, end and step-length. Throws DemandFileError as
/// read_sumocfg, and when the configuration names no network and
/// sumo_file is empty.
/// `step_given`: the scenario sets step itself, so step-length is not used.
TrafficParams with_sumocfg(TrafficParams p, bool step_given = false);

}  // namespace simulacra::traffic
