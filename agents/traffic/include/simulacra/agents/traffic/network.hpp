// Road networks for the traffic population: directed links between junction
// nodes, generators for grids, rings and corridors with on-ramps, and
// shortest-travel-time routing on a Boost.Graph view of the network.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace simulacra::traffic {

inline constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

/// How a junction orders the vehicles that want to pass it.
enum class Control : std::uint8_t {
  none,    ///< no conflicts: a continuation or a lane-separated merge
  signal,  ///< fixed-time plan: one approach at a time, then all-red
  yield,   ///< unsignalised: first come, first served, one vehicle at a time
};

struct Node {
  double x = 0.0;
  double y = 0.0;
  Control control = Control::none;
  double signal_offset = 0.0;  ///< s: shifts the node's signal cycle
  std::string name;            ///< as in an imported file; empty when generated
};

struct Link {
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  double length = 0.0;       ///< m
  std::uint32_t lanes = 1;   ///< lanes, 0 = leftmost; a drop lane is the last one
  double speed_limit = 13.89;  ///< m/s
  bool drop_lane = false;    ///< the last lane ends at the link's end (acceleration lane)
  std::uint32_t merge_from = kNone;  ///< the on-ramp link that feeds the drop lane
  std::string name;
  // Filled by Network::finalize:
  std::vector<std::uint32_t> out;  ///< successor links (leaving `to`), by id
  std::vector<std::uint32_t> in;   ///< predecessor links (entering `from`), by id
  std::uint32_t first_lane = 0;    ///< global id of lane 0
  std::uint32_t phase = 0;         ///< signal phase serving this link at `to`
};

struct Network {
  std::vector<Node> nodes;
  std::vector<Link> links;
  std::vector<std::uint32_t> origins;       ///< links where trips may start
  std::vector<std::uint32_t> destinations;  ///< links where trips may end
  std::uint32_t lane_count = 0;
  /// Incoming links per node, ordered by id.
  std::vector<std::vector<std::uint32_t>> approaches;
  /// Signal phases per node: one per approach (split phasing).
  std::vector<std::uint32_t> phase_count;

  /// Computes successor/predecessor lists, lane ids and approaches; fills
  /// origins/destinations with every link when left empty. Throws
  /// std::invalid_argument for a link naming a missing node, a non-positive
  /// length, zero lanes or a non-positive speed limit.
  void finalize();

  /// Lanes a vehicle may drive through to the link's end (the drop lane ends).
  std::uint32_t through_lanes(std::uint32_t link) const {
    return links[link].lanes - (links[link].drop_lane ? 1u : 0u);
  }
  /// The lane a vehicle in `lane` of `from_link` enters on `to_link`.
  std::uint32_t entry_lane(std::uint32_t from_link, std::uint32_t lane, std::uint32_t to_link) const;
};

struct GridSpec {
  std::uint32_t nx = 10, ny = 10;  ///< nodes per row and column
  double block = 200.0;            ///< m between neighbouring nodes
  std::uint32_t lanes = 2;         ///< per direction
  double speed_limit = 13.89;      ///< m/s (50 km/h)
  Control control = Control::signal;
};
/// A grid of two-way streets; every link is an origin and a destination.
/// Throws std::invalid_argument for fewer than 2 × 2 nodes.
Network make_grid(const GridSpec& spec);

struct RingSpec {
  double length = 2000.0;        ///< m, circumference
  std::uint32_t segments = 8;    ///< links around the ring
  std::uint32_t lanes = 1;
  double speed_limit = 33.33;
};
/// A closed one-way ring of equal links; vehicles circulate without end.
/// Throws std::invalid_argument for no segments.
Network make_ring(const RingSpec& spec);

struct CorridorSpec {
  double length = 5000.0;          ///< m of mainline
  std::uint32_t segments = 10;     ///< mainline links
  std::uint32_t lanes = 2;
  double speed_limit = 33.33;
  std::uint32_t ramp_every = 3;    ///< an on-ramp before every n-th segment (0: none)
  double ramp_length = 300.0;      ///< m
  double ramp_speed_limit = 22.22;
};
/// A one-way motorway; on-ramps feed an acceleration lane of the segment after
/// them. Origins: the first segment and the ramps; destination: the last
/// segment. Throws std::invalid_argument for fewer than 2 segments.
Network make_corridor(const CorridorSpec& spec);

/// Shortest-travel-time routes (Boost.Graph Dijkstra), one search per origin
/// node, cached. Link travel times are the free-flow ones (length / limit)
/// unless `times` gives one per link (s).
class Router {
 public:
  explicit Router(const Network& net, std::vector<double> times = {});
  /// Links from `origin` to `destination` inclusive; empty if unreachable.
  std::vector<std::uint32_t> route(std::uint32_t origin, std::uint32_t destination);

 private:
  double weight(std::uint32_t link) const;

  const Network* net_;
  std::vector<double> times_;  ///< per link, s; empty: free-flow
  std::vector<std::vector<std::uint32_t>> pred_;  ///< per source node: predecessor link of each node
};

}  // namespace simulacra::traffic
