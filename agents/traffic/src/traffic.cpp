// Construction (network partition, demand, routes), event dispatch, the
// publish phase, tables and end-of-run rows of the traffic population. The
// step itself is in step.cpp.
#include "simulacra/agents/traffic/traffic.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::traffic {

namespace {
const std::string kCarName = "car", kTruckName = "truck", kNoName;
constexpr float kFree = 1.0e9f;  // tail of an empty lane with nothing known beyond
// m: an empty lane of a link shorter than this publishes the nearest tail
// beyond it (the longest link min_link_lengths may ask for).
constexpr double kLookThrough = 60.0;

std::uint64_t pack(std::uint32_t hi, float lo) {
  return (static_cast<std::uint64_t>(hi) << 32) | std::bit_cast<std::uint32_t>(lo);
}
std::uint32_t hi_of(std::uint64_t x) { return static_cast<std::uint32_t>(x >> 32); }
float lo_of(std::uint64_t x) { return std::bit_cast<float>(static_cast<std::uint32_t>(x & 0xffffffffu)); }

}  // namespace

void validate(const TrafficParams& p) {
  auto bad = [](const std::string& what) { throw ConfigError("traffic: " + what); };
  if (!(p.step >= 0.1 && p.step <= 1.0)) bad("step must be within 0.1 .. 1 s");
  if (p.blocks == 0) bad("blocks must be at least 1");
  if (p.demand_rate < 0.0) bad("demand_rate must not be negative");
  if (!(p.demand_headroom >= 1.0 && std::isfinite(p.demand_headroom))) bad("demand_headroom must be at least 1");
  for (const OdFlow& f : p.od) {
    if (f.rate < 0.0) bad("od rates must not be negative");
  }
  for (double m : p.demand_profile) {
    if (m < 0.0) bad("demand_profile multipliers must not be negative");
  }
  if (!(p.truck_share >= 0.0 && p.truck_share <= 1.0)) bad("truck_share must be within [0, 1]");
  for (const VehicleType* t : {&p.car, &p.truck}) {
    if (!(t->length > 0 && t->max_speed > 0 && t->headway > 0 && t->min_gap > 0 && t->accel > 0 && t->decel > 0)) {
      bad(t->name + " parameters must be positive");
    }
  }
  if (!(p.max_decel > 0.0)) bad("max_decel must be positive");
  if (p.trajectory_interval < 0.0 || p.stats_interval < 0.0) bad("intervals must not be negative");
  if (p.reroute_interval != 0.0 && !(p.reroute_interval >= p.step)) {
    bad("reroute_interval must be 0 (no re-routing) or at least one step");
  }
  if (!(p.green > 0.0) || p.intergreen < 0.0) bad("green must be positive and intergreen not negative");
  if (const TripModel& m = p.trip_model; m.sampler) {
    const bool times = has_column(m.sampler->schema(), "departure");
    if (p.network == "ring") bad("attributes: a ring has no trips (ring_vehicles circulate)");
    if (times && m.trips == 0) {
      bad("attributes: " + m.file + " gives departure times, so attributes.trips (how many trips to draw) is required");
    }
    if (!times && m.trips != 0) {
      bad("attributes.trips: " + m.file + " gives no departure times; the trips' times and number come from demand_rate");
    }
    if (times && p.demand_rate > 0.0) {
      bad("demand_rate must be 0: the trips' departure times come from attributes (" + m.file + ")");
    }
  }
}

TrafficPopulation::TrafficPopulation(const TrafficParams& p) : TrafficPopulation(p, build_network(p)) {}

TrafficPopulation::TrafficPopulation(const TrafficParams& p, Network net) {
  validate(p);
  auto s = std::make_shared<Shared>();
  s->p = p;
  // SUMO route and additional files: their programs replace the network's
  // before junctions are joined, their vehicle types count in the least
  // link lengths (sumo_import.cpp).
  const SumoDemand demand = load_sumo_demand(p);
  apply_programs(demand, net);
  s->net = runnable_network(std::move(net), p, used_types(demand));
  blocks_ = std::min<std::uint32_t>(p.blocks, static_cast<std::uint32_t>(s->net.nodes.size()));
  shared_ = s;
  setup(*s, demand);
}

void TrafficPopulation::setup(Shared& s, const SumoDemand& demand) {
  const Network& net = s.net;
  const auto nodes = static_cast<std::uint32_t>(net.nodes.size());
  s.node_owner.resize(nodes);
  for (std::uint32_t n = 0; n < nodes; ++n) {
    s.node_owner[n] = static_cast<std::uint32_t>(std::uint64_t{n} * blocks_ / nodes);
  }
  s.own_links.assign(blocks_, {});
  s.own_nodes.assign(blocks_, {});
  s.own_origins.assign(blocks_, {});
  s.departures.assign(blocks_, {});
  for (std::uint32_t n = 0; n < nodes; ++n) s.own_nodes[s.node_owner[n]].push_back(n);
  for (std::uint32_t l = 0; l < net.links.size(); ++l) s.own_links[link_owner(l)].push_back(l);
  for (std::uint32_t o : net.origins) s.own_origins[s.node_owner[net.links[o].from]].push_back(o);
  for (auto& o : s.own_origins) {
    std::sort(o.begin(), o.end());
    o.erase(std::unique(o.begin(), o.end()), o.end());
  }
  s.decide_every = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(s.p.reaction_time / s.p.step)));

  lanes_.assign(net.lane_count, {});
  tail_rear_.assign(net.lane_count, kFree);
  sent_rear_.assign(net.lane_count, kFree);
  tail_speed_.assign(net.lane_count, 0.0f);
  sent_speed_.assign(net.lane_count, 0.0f);
  tail_vehicle_.assign(net.lane_count, kNone);
  entry_step_.assign(net.lane_count, std::numeric_limits<std::uint64_t>::max());  // never
  entry_rear_.assign(net.lane_count, 0.0);
  entry_speed_.assign(net.lane_count, 0.0);
  entry_vehicle_.assign(net.lane_count, kNone);
  sent_vehicle_.assign(net.lane_count, kNone);
  reserved_step_.assign(net.lane_count, 0);
  reserved_by_.assign(net.lane_count, kNone);
  hold_step_.assign(net.lane_count, 0);
  grant_.assign(nodes, kNone);
  phase_.assign(nodes, kNone);
  stat_count_.assign(net.links.size(), 0.0);
  stat_speed_.assign(net.links.size(), 0.0);
  stat_exits_.assign(net.links.size(), 0);
  stat_steps_.assign(blocks_, 0);
  waiting_.assign(net.links.size(), {});
  reroute_count_.assign(net.links.size(), 0.0);
  reroute_speed_.assign(net.links.size(), 0.0);
  if (s.p.reroute_interval > 0.0) travel_time_.assign(std::size_t{blocks_} * net.links.size(), 0.0);
  have_snapshot_.assign(blocks_, 0);
  router_stale_.assign(blocks_, 1);
  router_.assign(blocks_, std::nullopt);
  step_.assign(blocks_, 0);
  next_departure_.assign(blocks_, 0);
  moved_.assign(blocks_, 0);
  counters_.assign(std::size_t{blocks_} * kCounterCount, 0);
  distraction_trials_.assign(blocks_, 0);
  distraction_hits_.assign(blocks_, 0);
  summary_.assign(blocks_, StepSummary{});
  stream_seed_ = s.p.seed;
  demand_keep_ = 1.0 / s.p.demand_headroom;
  distraction_rate_ = s.p.distraction_rate;
  limit_.resize(net.links.size());
  for (std::size_t i = 0; i < net.links.size(); ++i) limit_[i] = net.links[i].speed_limit;

  if (s.p.network == "ring") {
    place_ring_vehicles(s);
  } else {
    generate_demand(s);
    import_demand(s, demand);
  }
  place_detectors(s, demand);
  const std::size_t n = s.veh.size();
  initially_running_ = s.p.network == "ring" ? n : 0;
  for (auto* v : {&distance_, &started_, &last_change_, &crashed_at_}) v->resize(n, 0.0);
  dyn_.resize(n);
  for (auto& x : last_change_) x = -1e9;
  route_idx_.resize(n, 0);
  plan_.resize(n);
  if (s.p.network == "ring") {
    // Positions were drawn into distance_ by place_ring_vehicles: move them in.
    const double seg = net.links[0].length;
    for (std::uint32_t v = 0; v < n; ++v) {
      const double x = distance_[v];
      distance_[v] = 0.0;
      const auto li = static_cast<std::uint32_t>(std::min(std::floor(x / seg), static_cast<double>(net.links.size() - 1)));
      dyn_[v].link = li;
      dyn_[v].lane = v % net.links[li].lanes;
      dyn_[v].pos = x - li * seg;
      dyn_[v].v0 = desired_speed(v, li);
      dyn_[v].next = find_next(v);
      dyn_[v].status = static_cast<std::uint8_t>(Status::active);
      lanes_[net.links[li].first_lane + dyn_[v].lane].push_back(v);
    }
    for (auto& lane : lanes_) {
      std::sort(lane.begin(), lane.end(), [&](std::uint32_t a, std::uint32_t b) { return dyn_[a].pos < dyn_[b].pos; });
    }
  }
}

std::uint32_t TrafficPopulation::find_next(std::uint32_t v) const {
  const VehicleSpec& vs = shared_->veh[v];
  if (vs.route == kNone) {
    const auto& out = shared_->net.links[dyn_[v].link].out;
    return out.empty() ? kNone : out.front();
  }
  const auto& r = plan_[v].empty() ? shared_->routes[vs.route] : plan_[v];
  return route_idx_[v] + 1 < r.size() ? r[route_idx_[v] + 1] : kNone;
}

void TrafficPopulation::share_travel_times(Context& ctx, std::uint32_t lp) {
  const Shared& s = *shared_;
  const std::size_t links = s.net.links.size();
  for (std::uint32_t li : s.own_links[lp]) {
    const Link& l = s.net.links[li];
    // Length over the space-mean speed of the interval, never faster than
    // free flow; a stopped queue counts as crawling at 0.5 m/s.
    double time = l.length / limit_[li];
    if (reroute_count_[li] > 0.0) {
      time = std::max(time, l.length / std::max(0.5, reroute_speed_[li] / reroute_count_[li]));
    }
    reroute_count_[li] = 0.0;
    reroute_speed_[li] = 0.0;
    travel_time_[lp * links + li] = time;  // read from the next step on, like the messages below
    for (std::uint32_t dst = 0; dst < blocks_; ++dst) {
      if (dst != lp) {
        ctx.send(this->lp(dst), message_delay(), kTravelTime, {li, std::bit_cast<std::uint64_t>(time)});
      }
    }
  }
  // Every LP runs this at the same step, so every LP's snapshot is complete
  // (the messages arrive just before the next step) before any of them uses it.
  have_snapshot_[lp] = 1;
  router_stale_[lp] = 1;
}

void TrafficPopulation::reroute(std::uint32_t v, std::uint32_t link, std::uint32_t lp) {
  const Shared& s = *shared_;
  if (s.p.reroute_interval <= 0.0 || !have_snapshot_[lp] || s.veh[v].route == kNone) return;
  if (router_stale_[lp]) {
    const std::size_t links = s.net.links.size();
    const auto first = travel_time_.begin() + static_cast<std::ptrdiff_t>(lp * links);
    router_[lp].emplace(s.net, std::vector<double>(first, first + static_cast<std::ptrdiff_t>(links)));
    router_stale_[lp] = 0;
  }
  auto r = router_[lp]->route(link, s.routes[s.veh[v].route].back());
  if (r.empty()) return;  // keep the current plan
  plan_[v] = std::move(r);
  route_idx_[v] = 0;
}

double TrafficPopulation::desired_speed(std::uint32_t v, std::uint32_t link) const {
  const VehicleSpec& vs = shared_->veh[v];
  return std::min(vs.drv.v0, limit_[link] * vs.speed_factor);
}

Driver TrafficPopulation::driver_on(std::uint32_t v) const {
  Driver d = shared_->veh[v].drv;
  d.v0 = dyn_[v].v0;
  return d;
}

Light TrafficPopulation::light_for(std::uint32_t v, std::uint32_t link, std::uint32_t lane) const {
  const Network& net = shared_->net;
  const std::uint32_t node = net.links[link].to;
  const std::uint32_t next = next_link(v);
  if (net.nodes[node].plan == kNone || next == kNone || phase_[node] == kNone) return Light::go;
  return net.light(link, lane, next, phase_[node]);
}

void TrafficPopulation::init_lp(Context& ctx, std::uint32_t local) {
  publish(ctx, local, 0);  // the tails at t = 0 (ring vehicles are already placed)
  ctx.send_self(SimTime{shared_->p.step}, kStep);
}

void TrafficPopulation::handle(Context& ctx, std::uint32_t local, const Event& ev) {
  switch (ev.kind) {
    case kStep:
      step(ctx, local);
      ctx.send_self(SimTime{shared_->p.step}, kStep);
      break;
    case kHandover:
      insert(ctx, static_cast<std::uint32_t>(ev.data[0]), ctx.now().value);
      break;
    case kTravelTime:
      travel_time_[std::size_t{local} * shared_->net.links.size() + ev.data[0]] = std::bit_cast<double>(ev.data[1]);
      break;
    case kTail: {
      const std::uint32_t lane = hi_of(ev.data[0]);
      tail_speed_[lane] = lo_of(ev.data[0]);
      tail_vehicle_[lane] = hi_of(ev.data[1]);
      tail_rear_[lane] = lo_of(ev.data[1]);
      break;
    }
    default:
      break;
  }
}

void TrafficPopulation::record_entry(std::uint32_t lane, std::uint32_t v, std::uint64_t k) {
  // Entries into one lane in one step come in order (one approach lane per
  // step, rear-most last), so the last recorded is the lane's new tail.
  entry_step_[lane] = k;
  entry_rear_[lane] = dyn_[v].pos - shared_->veh[v].length;
  entry_speed_[lane] = dyn_[v].speed;
  entry_vehicle_[lane] = v;
}

void TrafficPopulation::publish(Context& ctx, std::uint32_t lp, std::uint64_t k) {
  const Shared& s = *shared_;
  // First compute every changed tail from the values before this phase, then
  // deliver, so no lane reads another's new value (as with messages).
  struct Out {
    std::uint32_t lane, vehicle, dst;
    float rear, speed;
  };
  std::vector<Out> outs;
  for (std::uint32_t li : s.own_links[lp]) {
    const Link& l = s.net.links[li];
    for (std::uint32_t j = 0; j < l.lanes; ++j) {
      const std::uint32_t lane = l.first_lane + j;
      Out o{lane, kNone, s.node_owner[l.from], kFree, 0.0f};
      if (!lanes_[lane].empty()) {
        const std::uint32_t v = lanes_[lane].front();
        o.rear = static_cast<float>(dyn_[v].pos - s.veh[v].length);
        o.speed = static_cast<float>(dyn_[v].speed);
        o.vehicle = v;
      } else if ((l.out.size() == 1 || l.length < kLookThrough) && !(l.drop_lane && j == l.lanes - 1)) {
        // Look through an empty lane to the next one, as this LP will see it
        // at the next step: on a chain without choices (ring, corridor), and
        // on a short link (a vehicle upstream must see a queue just beyond
        // it in time), where the nearest tail of any movement counts.
        for (std::uint32_t nl : l.out) {
          const Tail next = tail(s.net.links[nl].first_lane + s.net.entry_lane(li, j, nl), k + 1);
          if (next.rear < kFree && static_cast<float>(l.length + next.rear) < o.rear) {
            o.rear = static_cast<float>(l.length + next.rear);
            o.speed = static_cast<float>(next.speed);
            o.vehicle = next.vehicle;
          }
        }
      }
      if (o.rear == sent_rear_[lane] && o.speed == sent_speed_[lane] && o.vehicle == sent_vehicle_[lane]) continue;
      sent_rear_[lane] = o.rear;
      sent_speed_[lane] = o.speed;
      sent_vehicle_[lane] = o.vehicle;
      outs.push_back(o);
    }
  }
  for (const Out& o : outs) {
    if (o.dst == lp) {
      // Read only from the next step on, exactly like a tail event arriving
      // at (k+1)·dt − dt/1024: the same dynamics for any number of blocks.
      tail_rear_[o.lane] = o.rear;
      tail_speed_[o.lane] = o.speed;
      tail_vehicle_[o.lane] = o.vehicle;
    } else {
      ctx.send(this->lp(o.dst), message_delay(), kTail, {pack(o.lane, o.speed), pack(o.vehicle, o.rear)});
    }
  }
}

std::vector<TableSchema> TrafficPopulation::tables() const {
  using C = ColumnType;
  std::vector<std::string> events;
  for (auto k = static_cast<int>(EventKind::lane_change); k <= static_cast<int>(EventKind::signal); ++k) {
    events.emplace_back(event_name(static_cast<EventKind>(k)));
  }
  return {
      {"trajectories", "one vehicle at one sample time",
       {{"time", C::float64, "s", "sample time"},
        {"vehicle", C::int64, "", "vehicle id"},
        {"link", C::int64, "", "link id"},
        {"lane", C::int64, "", "lane, 0 = leftmost"},
        {"position", C::float64, "m", "front bumper from the link's start"},
        {"x", C::float64, "m", "network x"},
        {"y", C::float64, "m", "network y"},
        {"speed", C::float64, "m/s", "speed"},
        {"acceleration", C::float64, "m/s2", "acceleration applied in the last step"}}},
      {"events", "one event",
       {{"time", C::float64, "s", "when"},
        {"event", C::string, "", "departure, arrival, lane_change, hard_braking, near_miss, collision, "
                                 "distraction, signal, gridlock", events},
        {"vehicle", C::int64, "", "vehicle id (-1 for signal)"},
        {"other", C::int64, "", "the other vehicle (leader, collision partner), or -1"},
        {"link", C::int64, "", "link id (signal: the first approach with a green movement in the new phase, or -1)"},
        {"lane", C::int64, "", "lane (signal: node id)"},
        {"position", C::float64, "m", "front bumper from the link's start"},
        {"speed", C::float64, "m/s", "speed"},
        {"value", C::float64, "", "TTC s (near_miss), deceleration m/s2 (hard_braking), closing speed m/s "
                                  "(collision), duration s (distraction, gridlock), new lane (lane_change), "
                                  "phase index in the plan (signal)"}}},
      {"trips", "one vehicle's trip",
       {{"vehicle", C::int64, "", "vehicle id"},
        {"type", C::string, "", "car or truck; for SUMO demand its vType id"},
        {"origin", C::int64, "", "origin link (-1 on a ring)"},
        {"destination", C::int64, "", "destination link (-1 on a ring)"},
        {"departure", C::float64, "s", "scheduled departure"},
        {"entered", C::float64, "s", "when the vehicle entered the network (NaN if never)"},
        {"arrival", C::float64, "s", "arrival or removal time (NaN if still driving, or crashed and not yet cleared)"},
        {"distance", C::float64, "m", "distance driven"},
        {"delay", C::float64, "s", "arrival - departure - free-flow time (NaN unless arrived)"},
        {"status", C::string, "", "arrived, crashed, en_route, waiting", {"arrived", "crashed", "en_route", "waiting"}},
        {"name", C::string, "", "the vehicle's id in the SUMO route file (a flow's: flow id.index); empty for "
                                "generated demand"}}},
      {"link_stats", "one link over one statistics interval",
       {{"time", C::float64, "s", "end of the interval"},
        {"link", C::int64, "", "link id"},
        {"flow", C::float64, "veh/h", "vehicles leaving the link's end, per hour"},
        {"density", C::float64, "veh/km", "mean vehicles per km (all lanes)"},
        {"mean_speed", C::float64, "m/s", "space-mean speed (NaN if empty)"}}},
      {"links", "one road link of the network (written at the end of the run), to join the other tables to geometry",
       {{"link", C::int64, "", "link id, as in trajectories, events and link_stats"},
        {"name", C::string, "", "the edge id in the SUMO .net.xml it was read from; empty for generated networks"},
        {"from_node", C::int64, "", "node at the link's start"},
        {"to_node", C::int64, "", "node at the link's end"},
        {"from_name", C::string, "", "the start node's junction id in the SUMO file, or empty"},
        {"to_name", C::string, "", "the end node's junction id in the SUMO file, or empty"},
        {"length", C::float64, "m", "length"},
        {"lanes", C::int64, "", "lanes"},
        {"speed_limit", C::float64, "m/s", "speed limit"},
        {"x_from", C::float64, "m", "network x of the start node"},
        {"y_from", C::float64, "m", "network y of the start node"},
        {"x_to", C::float64, "m", "network x of the end node"},
        {"y_to", C::float64, "m", "network y of the end node"},
        {"lane_names", C::string, "", "the SUMO lane id of each lane, lane 0 first, separated by spaces (lanes "
                                      "closed to passenger cars are left out); empty for generated networks"}}},
      {"detectors", "one induction loop (SUMO e1 detector of an additional file) over one interval",
       {{"detector", C::string, "", "the detector's id in the additional file"},
        {"begin", C::float64, "s", "interval start, SUMO time (sumocfg begin + run time)"},
        {"end", C::float64, "s", "interval end, SUMO time"},
        {"link", C::int64, "", "link id; -1 for a detector on an edge joined into a junction (shorter than the step "
                               "allows), which measures nothing: NaN in count, flow, mean_speed and occupancy"},
        {"lane", C::int64, "", "lane, 0 = leftmost"},
        {"count", C::float64, "", "vehicles whose front passed the detector (SUMO's nVehContrib counts them when "
                                  "their rear has passed: the two differ by the vehicles over it at an interval end)"},
        {"flow", C::float64, "veh/h", "count per hour of the interval"},
        {"mean_speed", C::float64, "m/s", "mean speed of those vehicles as they passed (NaN if none)"},
        {"occupancy", C::float64, "%", "share of steps that ended with a vehicle over the detector"}}},
  };
}

const char* event_name(EventKind kind) {
  static constexpr const char* kNames[] = {"lane_change", "near_miss", "distraction", "hard_braking", "gridlock",
                                           "collision",   "arrival",   "departure",   "signal"};
  return kNames[static_cast<std::size_t>(kind)];
}

void TrafficPopulation::event_row(Context& ctx, double t, EventKind what, std::uint32_t v, std::uint32_t other,
                                  double value) {
  const auto oth = other == kNone ? std::int64_t{-1} : std::int64_t{other};
  // Ordered by (vehicle, kind, other) within a time: a vehicle has at most
  // one row of a kind per time, except collisions, one per other vehicle.
  const std::uint64_t order = (std::uint64_t{static_cast<std::uint8_t>(what)} << 32) | (other == kNone ? 0 : other);
  ctx.emit_ordered(v, order, kEvents, t, event_name(what), std::int64_t{v}, oth, std::int64_t{dyn_[v].link},
                   std::int64_t{dyn_[v].lane}, dyn_[v].pos, dyn_[v].speed, value);
}

void TrafficPopulation::trip_row(Context& ctx, std::uint32_t v, double arrival, const char* status) {
  const VehicleSpec& vs = shared_->veh[v];
  std::int64_t origin = -1, dest = -1;
  if (vs.route != kNone) {
    origin = shared_->routes[vs.route].front();
    dest = shared_->routes[vs.route].back();
  }
  const bool arrived = std::string_view(status) == "arrived";
  const double nan = std::nan("");
  const bool entered = dyn_[v].status != static_cast<std::uint8_t>(Status::pending);
  // One row per vehicle: ordered by vehicle id within a time.
  const Shared& s = *shared_;
  const bool imported = s.first_imported != kNone && v >= s.first_imported;
  const std::string& type = imported ? s.vtype_names[s.sumo_types[v - s.first_imported]]
                                     : (vs.type == 1 ? kTruckName : kCarName);
  ctx.emit_ordered(v, 0, kTrips, std::int64_t{v}, type, origin, dest, vs.depart, entered ? started_[v] : nan, arrival,
                   distance_[v], arrived ? arrival - vs.depart - vs.free_time : nan, status,
                   imported ? s.sumo_ids[v - s.first_imported] : kNoName);
}

void TrafficPopulation::finish(Context& ctx) {
  const Network& net = shared_->net;
  for (std::uint32_t li = 0; li < net.links.size(); ++li) {
    const Link& l = net.links[li];
    const Node& a = net.nodes[l.from];
    const Node& b = net.nodes[l.to];
    std::string lanes;
    for (const std::string& id : l.lane_names) lanes += (lanes.empty() ? "" : " ") + id;
    ctx.emit_ordered(li, 0, kLinks, std::int64_t{li}, l.name, std::int64_t{l.from}, std::int64_t{l.to}, a.name, b.name,
                     l.length, std::int64_t{l.lanes}, l.speed_limit, a.x, a.y, b.x, b.y, lanes);
  }
  // A statistics interval that ends with the run: its step (at the run's
  // end) never runs, as events at the end time are not processed.
  const double now = ctx.now().value, dt = shared_->p.step, interval = shared_->p.stats_interval;
  for (std::uint32_t lp = 0; lp < blocks_; ++lp) {
    const double last = static_cast<double>(step_[lp]) * dt;
    if (interval > 0.0 && stat_steps_[lp] > 0 &&
        std::floor((now + 1e-9) / interval) != std::floor((last + 1e-9) / interval)) {
      for (std::uint32_t li : shared_->own_links[lp]) stats_row(ctx, li, now, stat_steps_[lp]);
      stat_steps_[lp] = 0;
    }
  }
  // Detectors' last intervals, cut short by the run's end (as SUMO writes them).
  for (std::uint32_t d = 0; d < det_steps_.size(); ++d) {
    if (det_steps_[d] > 0) detector_row(ctx, d, now);
  }
  for (std::uint32_t v = 0; v < dyn_.size(); ++v) {
    const auto st = static_cast<Status>(dyn_[v].status);
    if (st == Status::active) trip_row(ctx, v, std::nan(""), "en_route");
    // Crashed and still blocking its lane (crash_clearance not yet over).
    if (st == Status::crashed) trip_row(ctx, v, std::nan(""), "crashed");
    // Due since the last step, or queued at its origin; not one a lower live
    // demand_rate thins away (depart() would cancel it).
    if (st == Status::pending && shared_->veh[v].depart <= ctx.now().value &&
        (!shared_->veh[v].from_rate || keeps_trip(v))) {
      trip_row(ctx, v, std::nan(""), "waiting");
    }
  }
}

std::uint64_t TrafficPopulation::count(Counter c) const {
  std::uint64_t n = 0;
  for (std::uint32_t lp = 0; lp < blocks_; ++lp) n += counters_[lp * kCounterCount + c];
  return n;
}

std::uint64_t TrafficPopulation::vehicle_steps() const {
  std::uint64_t n = 0;
  for (auto m : moved_) n += m;
  return n;
}

}  // namespace simulacra::traffic
