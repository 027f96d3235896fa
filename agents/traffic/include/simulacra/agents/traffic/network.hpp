// Road networks for the traffic population: directed links between junction
// nodes, generators for grids, rings and corridors with on-ramps, and
// shortest-travel-time routing on a Boost.Graph view of the network.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace simulacra::traffic {

inline constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
/// One km/h in m/s, as a scenario's `50km/h` is read (so 50 * kKmh is exactly that).
inline constexpr double kKmh = 1000.0 / 3600.0;

/// How a junction orders the vehicles that want to pass it.
enum class Control : std::uint8_t {
  none,    ///< no conflicts: a continuation or a lane-separated merge
  signal,  ///< fixed-time plan (SignalPlan): a light per movement
  yield,   ///< unsignalised: first come, first served, one vehicle at a time
};

struct Node {
  double x = 0.0;
  double y = 0.0;
  Control control = Control::none;
  double signal_offset = 0.0;  ///< s: shifts the node's signal cycle (generated plans)
  std::string name;            ///< as in an imported file; empty when generated
  std::uint32_t plan = kNone;  ///< index into Network::plans; kNone: no lights (always green)
};

/// What a movement's light tells a driver. SUMO's letters map as G O → go
/// (priority), g s o → yield (go, giving way to vehicles with priority that
/// enter the same lane), y Y u → amber (stop if you can), r → stop.
enum class Light : std::uint8_t { go, yield, amber, stop };
inline bool proceeds(Light x) { return x == Light::go || x == Light::yield; }

struct SignalPhase {
  double duration = 0.0;      ///< s
  std::vector<Light> lights;  ///< one per signal index of the plan
  std::string state;          ///< the phase as letters (SUMO's state string)
};

/// A fixed-time program: phases cycled from `offset`. Junctions sharing one
/// program (SUMO's joined traffic lights) point to the same plan.
struct SignalPlan {
  std::string id;
  std::uint32_t line = 0;  ///< line of its <tlLogic> in the file it was read from (0: generated)
  double offset = 0.0;  ///< s: the first phase starts at t = offset (SUMO's meaning), and every cycle after
  std::vector<SignalPhase> phases;
  double cycle() const;
  /// The phase in force at time t.
  std::uint32_t phase_at(double t) const;
};

/// An allowed movement through a junction: from a lane of one link into
/// another link, with its index in the junction's signal plan (kNone:
/// not signalled). SUMO files give these as <connection>s.
struct Turn {
  std::uint32_t from = 0;
  std::uint32_t from_lane = 0;
  std::uint32_t to = 0;
  std::uint32_t signal = kNone;
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
  std::uint32_t line = 0;  ///< line of its <edge> in the file it was read from (0: generated)
  /// The SUMO lane id of each lane (lanes closed to cars are not lanes
  /// here); empty for generated links.
  std::vector<std::string> lane_names;
  /// Signal index of all the link's movements at `to` when the network has no
  /// `turns` (set by make_signal_plans); kNone: not signalled.
  std::uint32_t group_signal = kNone;
  // Filled by Network::finalize:
  std::vector<std::uint32_t> out;  ///< successor links (leaving `to`), by id
  std::vector<std::uint32_t> in;   ///< predecessor links (entering `from`), by id
  std::uint32_t first_lane = 0;    ///< global id of lane 0
  /// Signal index at `to` per (lane, successor): signal[lane * out.size() + j]
  /// for out[j]; kNone where the movement is not signalled or not allowed.
  std::vector<std::uint32_t> signal;
};

struct Network {
  std::string source;  ///< the file it was read from (empty: generated), for messages
  std::vector<Node> nodes;
  std::vector<Link> links;
  std::vector<std::uint32_t> origins;       ///< links where trips may start
  std::vector<std::uint32_t> destinations;  ///< links where trips may end
  std::uint32_t lane_count = 0;
  /// Incoming links per node, ordered by id.
  std::vector<std::vector<std::uint32_t>> approaches;
  std::vector<SignalPlan> plans;
  /// Allowed movements. Empty: every link entering a node may continue on
  /// every link leaving it, from any lane.
  std::vector<Turn> turns;
  /// SUMO edges without a lane open to passenger cars, sorted (read from a
  /// file, not links: for messages about demand that names them).
  std::vector<std::string> car_free_edges;
  /// SUMO edges joined into a junction by join_short_links: the edge id and
  /// the node it became part of, in the order they were joined.
  std::vector<std::pair<std::string, std::uint32_t>> joined_edges;

  /// Computes successor/predecessor lists (from `turns` when given), lane
  /// ids, approaches and the links' signal indices; fills
  /// origins/destinations with every link when left empty. Throws
  /// ConfigError for a link naming a missing node, a non-positive
  /// length, zero lanes, a non-positive speed limit, or a turn or plan that
  /// does not fit the network.
  void finalize();

  /// The light for a vehicle in `lane` of `link` that continues on `next`,
  /// in phase `phase` of the plan at the link's end node; Light::go where
  /// there is no plan or the movement is not signalled.
  Light light(std::uint32_t link, std::uint32_t lane, std::uint32_t next, std::uint32_t phase) const;
  /// Whether the successor `next` may be reached from `link` (some lane).
  bool allowed(std::uint32_t link, std::uint32_t next) const;

  /// Lanes a vehicle may drive through to the link's end (the drop lane ends).
  std::uint32_t through_lanes(std::uint32_t link) const {
    return links[link].lanes - (links[link].drop_lane ? 1u : 0u);
  }
  /// The lane a vehicle in `lane` of `from_link` enters on `to_link`.
  std::uint32_t entry_lane(std::uint32_t from_link, std::uint32_t lane, std::uint32_t to_link) const;
};

/// How generated plans group a signalised node's approaches: one at a time
/// (split), or opposite approaches together (paired, two phases at a
/// four-way crossing, as SUMO's netgenerate does).
enum class PhaseScheme : std::uint8_t { split, paired };

/// Gives every signalised node without a plan a fixed-time plan: per group of
/// approaches a green phase of `green` s, then an amber phase of
/// `intergreen` s (skipped when 0), starting at the node's signal_offset.
/// Nodes with a single group keep no plan (always green).
void make_signal_plans(Network& net, PhaseScheme scheme, double green, double intergreen);

struct GridSpec {
  std::uint32_t nx = 10, ny = 10;  ///< nodes per row and column
  double block = 200.0;            ///< m between neighbouring nodes
  std::uint32_t lanes = 2;         ///< per direction
  double speed_limit = 50 * kKmh;  ///< m/s
  Control control = Control::signal;
};
/// A grid of two-way streets; every link is an origin and a destination.
/// Throws ConfigError for fewer than 2 × 2 nodes.
Network make_grid(const GridSpec& spec);

struct RingSpec {
  double length = 2000.0;        ///< m, circumference
  std::uint32_t segments = 8;    ///< links around the ring
  std::uint32_t lanes = 1;
  double speed_limit = 33.33;
};
/// A closed one-way ring of equal links; vehicles circulate without end.
/// Throws ConfigError for no segments.
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
/// segment. Throws ConfigError for fewer than 2 segments.
Network make_corridor(const CorridorSpec& spec);

/// Shortest-travel-time routes (Boost.Graph Dijkstra), cached per origin:
/// on the node graph when every turn is allowed, else on the graph of links
/// joined by the network's turns. Link travel times are the free-flow ones (length / limit)
/// unless `times` gives one per link (s).
class Router {
 public:
  explicit Router(const Network& net, std::vector<double> times = {});
  /// Links from `origin` to `destination` inclusive; empty if unreachable.
  std::vector<std::uint32_t> route(std::uint32_t origin, std::uint32_t destination);

 private:
  double weight(std::uint32_t link) const;
  std::vector<std::uint32_t> route_by_node(std::uint32_t origin, std::uint32_t destination);
  std::vector<std::uint32_t> route_by_link(std::uint32_t origin, std::uint32_t destination);

  const Network* net_;
  std::vector<double> times_;  ///< per link, s; empty: free-flow
  bool by_link_ = false;
  /// Per source node (or origin link): the predecessor link of each node (link).
  std::vector<std::vector<std::uint32_t>> pred_;
};

}  // namespace simulacra::traffic
