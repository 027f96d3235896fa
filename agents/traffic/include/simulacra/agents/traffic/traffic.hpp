// The traffic population: time-stepped IDM car-following and MOBIL lane
// changes on a road network, one LP per block of junction nodes.
//
// Every period dt an LP handles a step event (t = k·dt): it moves the
// vehicles on its links, hands vehicles that crossed a link end to the next
// link's LP, and publishes the rear and speed of the last vehicle of each of
// its lanes to the LP that owns the lane's upstream junction. Both arrive at
// (k+1)·dt − dt/1024, before the next step. The upstream LP itself sent every
// vehicle that entered the lane during the step, so it knows the lane's tail
// at the start of the next step exactly: the last of those entrants, or else
// the published tail. So each vehicle sees the whole road as it was at the
// start of the step, whichever LP owns it: the dynamics (and the rows, as a
// multiset) do not depend on the number of blocks; the lookahead is
// dt·(1 − 1/1024), so a parallel run needs one synchronisation window per step.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "simulacra/agents/traffic/idm.hpp"
#include "simulacra/agents/traffic/network.hpp"
#include "simulacra/agents/traffic/params.hpp"
#include "simulacra/agents/traffic/sumo_demand.hpp"
#include "simulacra/engine/population.hpp"

namespace simulacra::traffic {

/// A vehicle's state. `cancelled`: a demand_rate trip thinned away because
/// the live demand_rate was below the rate its trips were drawn at (it never
/// departs and has no trips row).
enum class Status : std::uint8_t { pending, active, arrived, crashed, cancelled };

/// Counters per kind of event, summed over LPs (for tests and summaries).
/// kCrashedVehicles counts vehicles put out of action by a collision (one
/// collision row can stop two).
enum Counter : std::uint32_t {
  kDepartures, kArrivals, kLaneChanges, kHardBrakes, kNearMisses, kCollisions, kGridlocks,
  kDistractions, kSignalChanges, kCrashedVehicles, kCounterCount
};

/// Kinds of `events` rows. Rows of one time are ordered by vehicle id, then
/// by this kind (then, for collisions, by the other vehicle); signal rows
/// come last, by node. So the table's order is fixed by the model alone,
/// whatever the `blocks`.
enum class EventKind : std::uint8_t {
  lane_change, near_miss, distraction, hard_braking, gridlock, collision, arrival, departure, signal
};
/// The name written in the events table's `event` column.
const char* event_name(EventKind kind);

class TrafficPopulation final : public Population {
 public:
  /// Throws ConfigError for invalid parameters or network settings,
  /// NetworkFileError for an unusable network file, DemandFileError for
  /// unusable SUMO route, additional or configuration files or vehicles
  /// they name that the network cannot carry (all such vehicles listed),
  /// DataError naming the model
  /// file when `p.trip_model` gives rows that do not fit the network (a link
  /// id that is not an origin/destination link, a negative departure).
  explicit TrafficPopulation(const TrafficParams& p);
  /// The same on a network built by the caller.
  TrafficPopulation(const TrafficParams& p, Network net);

  std::string type_name() const override { return "traffic"; }
  std::uint32_t lp_count() const override { return blocks_; }
  void init_lp(Context& ctx, std::uint32_t local) override;
  void handle(Context& ctx, std::uint32_t local, const Event& ev) override;
  std::vector<TableSchema> tables() const override;
  void finish(Context& ctx) override;
  SimTime lookahead_hint() const override { return message_delay(); }
  /// The delay of every message between LPs: just under one step, so that
  /// what a step sends arrives before the next step, and a parallel run
  /// needs one window per step.
  SimTime message_delay() const { return SimTime{shared_->p.step * (1.0 - 1.0 / 1024.0)}; }
  std::unique_ptr<Population> clone() const override { return std::make_unique<TrafficPopulation>(*this); }

  // Experiments (experiment.cpp): observables, checkpoints, branches and
  // live parameters.
  ObservableSpecs observables() const override { return observable_specs(); }
  void observe(SimTime now, double* out) const override;
  /// Reads or writes every part of the state that changes during a run.
  /// Throws CheckpointError when the archive is truncated or damaged (an id
  /// out of range) or was written by a population built from other
  /// parameters (its fingerprint of the network, step and demand differs).
  void state(StateArchive& ar) override;
  /// Live parameters (live_params()): `demand_rate` (trips/h; demand_rate's
  /// trips that have not reached their departure time depart with
  /// probability value / (built demand_rate × demand_headroom)),
  /// `speed_limit` (m/s, the limit of the generated links; drivers on them
  /// take the new desired speed at once) and `distraction_rate` (episodes per
  /// driving hour). Throws UserError for a demand_rate above the built
  /// demand_rate × demand_headroom (the trips were drawn at build), for
  /// speed_limit on a SUMO network (its limits come from the file) or one
  /// that makes a link too short for the step; std::logic_error for another key.
  void set_live(const std::string& key, double value) override;
  /// Re-derives the population's own random draws (distraction episodes, the
  /// thinning of demand_rate's trips) from `stream_seed`. Everything else is
  /// drawn at build: with distraction_rate 0 and demand_headroom 1 a branch
  /// continues exactly like its parent.
  void reseed(std::uint64_t stream_seed) override;
  /// For importance sampling over `distraction_rate`: every step each
  /// attentive running driver is a Bernoulli trial with probability
  /// rate × step / 3600 h; the log-likelihood of the trials and episodes
  /// since the rate last changed. nullopt for any other key.
  std::optional<double> log_likelihood(const std::string& key, double value) const override;

  /// The observables, in observe()'s order (the registry lists the same).
  static ObservableSpecs observable_specs();
  /// The parameters set_live accepts (the registry's PopulationType::live).
  static std::vector<std::string> live_params();
  /// min_ttc_last_step when no follower was closing in on a leader.
  static constexpr double kNoTtc = 1.0e9;

  enum Table : std::uint32_t { kTrajectories, kEvents, kTrips, kLinkStats, kLinks, kDetectors };

  // Read access for tests and benchmarks.
  const Network& network() const { return shared_->net; }
  std::size_t vehicle_count() const { return dyn_.size(); }
  Status status(std::uint32_t v) const { return static_cast<Status>(dyn_[v].status); }
  double speed(std::uint32_t v) const { return dyn_[v].speed; }
  double position(std::uint32_t v) const { return dyn_[v].pos; }
  std::uint32_t link_of(std::uint32_t v) const { return dyn_[v].link; }
  std::uint32_t lane_of(std::uint32_t v) const { return dyn_[v].lane; }
  double vehicle_length(std::uint32_t v) const { return shared_->veh[v].length; }
  const Driver& driver(std::uint32_t v) const { return shared_->veh[v].drv; }
  /// Vehicles on a lane, rear first.
  const std::vector<std::uint32_t>& lane_vehicles(std::uint32_t link, std::uint32_t lane) const {
    return lanes_[shared_->net.links[link].first_lane + lane];
  }
  /// A vehicle's scheduled departure (s) and its route's first and last
  /// links (kNone for a ring vehicle).
  double departure(std::uint32_t v) const { return shared_->veh[v].depart; }
  std::uint32_t origin(std::uint32_t v) const {
    const auto r = shared_->veh[v].route;
    return r == kNone ? kNone : shared_->routes[r].front();
  }
  std::uint32_t destination(std::uint32_t v) const {
    const auto r = shared_->veh[v].route;
    return r == kNone ? kNone : shared_->routes[r].back();
  }
  std::uint64_t count(Counter c) const;
  std::uint64_t vehicle_steps() const;
  /// The SUMO id of an imported vehicle (empty for generated ones).
  std::string sumo_id(std::uint32_t v) const;
  /// Induction loops from additional files, in file order.
  std::size_t detector_count() const { return shared_->detectors.size(); }

 private:
  enum Kind : std::uint32_t { kStep = 0, kHandover = 1, kTail = 2, kTravelTime = 3 };
  static constexpr double kFar = 1.0e9;  ///< a gap meaning "nothing ahead"
  /// Per-vehicle flags: an episode already reported, or the amber decision.
  static constexpr std::uint8_t kNearMissFlag = 1, kHardBrakeFlag = 2, kGridlockFlag = 4, kAmberGo = 8,
                                kAmberStop = 16;

  /// What does not change during a run, shared by clones.
  struct VehicleSpec {
    Driver drv;              ///< v0 here is the vehicle's own top speed
    double speed_factor = 1.0;
    double length = 5.0;
    std::uint8_t type = 0;   ///< 0 car, 1 truck
    bool from_rate = false;  ///< one of demand_rate's trips (thinned by a lower live demand_rate)
    std::uint32_t route = kNone;  ///< index into routes; kNone: circulate
    double depart = 0.0;     ///< scheduled departure, s
    double free_time = 0.0;  ///< route's free-flow travel time, s
  };
  struct Shared {
    TrafficParams p;
    Network net;
    std::vector<VehicleSpec> veh;
    std::vector<std::vector<std::uint32_t>> routes;
    std::vector<std::uint32_t> node_owner;
    std::vector<std::vector<std::uint32_t>> own_links;    ///< per LP: links ending at its nodes
    std::vector<std::vector<std::uint32_t>> own_nodes;
    std::vector<std::vector<std::uint32_t>> own_origins;  ///< per LP: origin links starting at its nodes
    std::vector<std::vector<std::uint32_t>> departures;   ///< per LP: vehicles by departure time
    std::uint32_t decide_every = 1;
    // Imported SUMO demand (sumo_import.cpp): vehicles from first_imported
    // on, with their SUMO ids and vTypes.
    std::uint32_t first_imported = kNone;
    std::vector<std::string> sumo_ids;
    std::vector<std::uint32_t> sumo_types;  ///< per imported vehicle: index into vtype_names
    std::vector<std::string> vtype_names;
    struct Detector {
      std::string id;
      DetectorSite site;
      double period = 900.0;
    };
    std::vector<Detector> detectors;
    std::vector<std::vector<std::uint32_t>> lane_detectors;  ///< per lane: its detectors
    std::vector<std::vector<std::uint32_t>> own_detectors;   ///< per LP: detectors on its links
  };

  /// The obstacle ahead of a vehicle: bumper gap, its speed, its id (or kNone).
  struct Obstacle {
    double gap;
    double speed;
    std::uint32_t other;
  };

  void setup(Shared& s, const SumoDemand& demand);
  void generate_demand(Shared& s);
  // sumo_import.cpp
  /// Vehicles of SUMO route files after those generate_demand made; throws
  /// DemandFileError listing the vehicles the network cannot carry.
  void import_demand(Shared& s, const SumoDemand& demand);
  void place_detectors(Shared& s, const SumoDemand& demand);
  /// Counts a vehicle whose front passed detectors on `lane` (global id)
  /// between positions `from` (exclusive) and `to` (inclusive).
  void detect(std::uint32_t lane, std::uint32_t v, double from, double to);
  /// Occupancy samples and, at period ends, rows of the LP's detectors.
  void sample_detectors(Context& ctx, std::uint32_t lp, double t);
  void detector_row(Context& ctx, std::uint32_t d, double end);
  void place_ring_vehicles(Shared& s);
  std::uint32_t link_owner(std::uint32_t link) const { return shared_->node_owner[shared_->net.links[link].to]; }
  /// The link after the vehicle's current one (kNone: it leaves the network
  /// at this link's end), cached whenever the link or plan changes.
  std::uint32_t next_link(std::uint32_t v) const { return dyn_[v].next; }
  std::uint32_t find_next(std::uint32_t v) const;
  double desired_speed(std::uint32_t v, std::uint32_t link) const;
  Driver driver_on(std::uint32_t v) const;
  /// The light vehicle v sees at the end of `lane` of `link` for its next
  /// link, in the phase control_junctions set for this step.
  Light light_for(std::uint32_t v, std::uint32_t link, std::uint32_t lane) const;

  // step.cpp
  void step(Context& ctx, std::uint32_t lp);
  void control_junctions(Context& ctx, std::uint32_t lp, double t);
  void give_way(std::uint32_t node, std::uint64_t k);
  /// Whether vehicle v could enter its next link at step k: the entry
  /// lane's tail (as this LP, upstream, knows it) leaves its length and s0.
  bool has_room(std::uint32_t v, std::uint64_t k) const;
  void depart(Context& ctx, std::uint32_t lp, double t, std::uint64_t k);
  void change_lanes(Context& ctx, std::uint32_t link, double t);
  void move_lane(Context& ctx, std::uint32_t link, std::uint32_t lane, double t, std::uint64_t k);
  void cross(Context& ctx, std::uint32_t link, std::uint32_t lane, double t);
  /// Whether the front vehicle v of `lane` faces a stop at the link's end
  /// this step: red, amber without the decision to go, a right-of-way
  /// junction it does not hold, or give_way's hold.
  bool must_stop(std::uint32_t v, std::uint32_t link, std::uint32_t lane, double t) const;
  static constexpr double kStopLineSlack = 2.0;  ///< m a stopped vehicle may stand past its stop line
  Obstacle boundary(std::uint32_t v, std::uint32_t link, std::uint32_t lane, double pos, double t) const;
  Obstacle leader(std::uint32_t v, std::uint32_t link, std::uint32_t lane, std::size_t index, double t) const;
  double accel(std::uint32_t v, const Obstacle& o) const;
  void insert(Context& ctx, std::uint32_t v, double t);
  /// At amber (`light`, the vehicle's light now), decides once: stop or go.
  void decide_amber(std::uint32_t v, std::uint32_t link, Light light);
  void reserve_entry(std::uint32_t v, std::uint32_t link, std::uint32_t lane, std::uint64_t k, bool attentive);
  void crash(Context& ctx, std::uint32_t follower, std::uint32_t lead, double t);
  void clear_crashed(Context& ctx, std::uint32_t link, double t);
  void sample(Context& ctx, std::uint32_t lp, double t, bool trajectories, bool stats);
  /// The link_stats row of link li at time t over the `steps` samples since
  /// its last row; starts the link's next interval.
  void stats_row(Context& ctx, std::uint32_t li, double t, std::uint64_t steps);
  void publish(Context& ctx, std::uint32_t lp, std::uint64_t k);
  void event_row(Context& ctx, double t, EventKind what, std::uint32_t v, std::uint32_t other, double value);
  void trip_row(Context& ctx, std::uint32_t v, double arrival, const char* status);
  // Re-routing (reroute_interval > 0): each LP measures its links' travel
  // times over the interval and sends them to every LP, so that all LPs hold
  // the same snapshot from just before the next step; a vehicle entering a
  // link re-plans the rest of its route on its LP's copy.
  void share_travel_times(Context& ctx, std::uint32_t lp);
  void reroute(std::uint32_t v, std::uint32_t link, std::uint32_t lp);
  void bump(std::uint32_t lp, Counter c) { ++counters_[lp * kCounterCount + c]; }
  /// Whether demand_rate's trip v departs under the live demand_rate.
  bool keeps_trip(std::uint32_t v) const;
  /// Links whose limit is the `speed_limit` parameter (generated networks:
  /// all but the corridor's ramps).
  std::vector<std::uint32_t> speed_limit_links() const;

  std::shared_ptr<const Shared> shared_;
  std::uint32_t blocks_ = 1;

  // Per vehicle, written only by the LP owning the vehicle's link.
  /// What every step reads and writes of a vehicle, in one cache line.
  struct alignas(64) Dynamics {
    double pos = 0.0;    ///< m, front bumper from the link's start
    double speed = 0.0;  ///< m/s
    double acc = 0.0;    ///< m/s², decided this step
    double v0 = 0.0;     ///< desired speed on the current link
    double stopped_since = -1.0;
    double distracted_until = -1.0;
    std::uint32_t link = kNone, lane = 0;
    std::uint32_t next = kNone;  ///< next link (see next_link)
    std::uint8_t status = static_cast<std::uint8_t>(Status::pending), flags = 0;
  };
  std::vector<Dynamics> dyn_;
  std::vector<double> distance_, started_, last_change_, crashed_at_;
  std::vector<std::uint32_t> route_idx_;
  /// A re-planned route from the link the vehicle entered on (empty: its
  /// route from the shared routes); route_idx_ indexes whichever is in use.
  std::vector<std::vector<std::uint32_t>> plan_;

  /// The tail of a lane as seen at step `k`'s start by its upstream LP:
  /// the last vehicle that entered it during step k - 1, else the published one.
  struct Tail {
    double rear;
    double speed;
    std::uint32_t vehicle;
  };
  Tail tail(std::uint32_t lane, std::uint64_t k) const {
    if (entry_step_[lane] + 1 == k) return {entry_rear_[lane], entry_speed_[lane], entry_vehicle_[lane]};
    return {tail_rear_[lane], tail_speed_[lane], tail_vehicle_[lane]};
  }
  void record_entry(std::uint32_t lane, std::uint32_t v, std::uint64_t k);

  // Per lane: vehicles rear first (owner of the link); the tail of the lane as
  // last published and the last vehicle sent into it (both kept by the owner
  // of the link's upstream node), and the tail as last sent (owner of the link).
  std::vector<std::vector<std::uint32_t>> lanes_;
  std::vector<float> tail_rear_, tail_speed_, sent_rear_, sent_speed_;
  std::vector<std::uint32_t> tail_vehicle_, sent_vehicle_;
  std::vector<std::uint64_t> entry_step_;
  std::vector<double> entry_rear_, entry_speed_;
  std::vector<std::uint32_t> entry_vehicle_;
  // Per lane (owner of the link's upstream node): which approach lane may
  // enter it in the current step, so two approaches never enter together.
  std::vector<std::uint64_t> reserved_step_;
  std::vector<std::uint32_t> reserved_by_;
  // Per approach lane (owner of its link): the step in which its front
  // vehicle gives way at a signalised junction (see give_way).
  std::vector<std::uint64_t> hold_step_;

  // Per node (owner of the node): the vehicle holding a yield junction, and
  // the signal plan's phase in force this step (kNone before the first).
  std::vector<std::uint32_t> grant_, phase_;

  // Per link (owner of its end node): statistics; per origin link (owner of
  // its start node): vehicles waiting to enter.
  std::vector<double> stat_count_, stat_speed_;
  std::vector<std::uint32_t> stat_exits_;
  /// Per LP: steps sampled into the link statistics since their last rows.
  std::vector<std::uint64_t> stat_steps_;
  std::vector<std::vector<std::uint32_t>> waiting_;
  // Per link (owner of its end node): vehicles and their speeds summed over
  // the steps of the current re-routing interval.
  std::vector<double> reroute_count_, reroute_speed_;
  // Per LP: its copy of the travel-time snapshot (links × LPs, each LP writes
  // only its row), whether a snapshot exists, and a router on it (rebuilt
  // lazily when the snapshot changed).
  std::vector<double> travel_time_;
  std::vector<std::uint8_t> have_snapshot_, router_stale_;
  std::vector<std::optional<Router>> router_;

  // Per LP.
  std::vector<std::uint64_t> step_, next_departure_, counters_, moved_;
  /// Per LP, over its last step (for observables): vehicles running at the
  /// step's end on its links or handed over by it, their speeds summed,
  /// those in gridlock, and the least time-to-collision of a follower
  /// closing in on a leader vehicle. One cache line each: LPs write their own.
  struct alignas(64) StepSummary {
    std::uint64_t running = 0;
    std::uint64_t gridlocked = 0;
    double speed_sum = 0.0;
    double min_ttc = kNoTtc;
  };
  std::vector<StepSummary> summary_;

  // Per detector (owner of its link), over the current interval: vehicles
  // whose front passed it, their speeds summed, steps it was covered, steps.
  std::vector<std::uint64_t> det_count_, det_occupied_, det_steps_;
  std::vector<double> det_speed_;

  // What experiments change (experiment.cpp); copied by clones, archived.
  /// Seed of the per-vehicle draws (the run seed, or a branch's stream seed).
  std::uint64_t stream_seed_ = 0;
  /// Share of demand_rate's trips that depart: live demand_rate / (built
  /// demand_rate × demand_headroom).
  double demand_keep_ = 1.0;
  double distraction_rate_ = 0.0;  ///< episodes per driving hour (live)
  /// Per LP, since distraction_rate last changed: distraction trials (one
  /// per attentive running driver per step) and episodes (log_likelihood).
  std::vector<std::uint64_t> distraction_trials_, distraction_hits_;
  std::vector<double> limit_;      ///< per link: speed limit in force, m/s (live)
  std::uint64_t initially_running_ = 0;  ///< ring vehicles, running from t = 0
};

}  // namespace simulacra::traffic
