// What experiments read and change of a running traffic population:
// observables (from running values kept by the steps), the checkpoint state,
// branching (the per-vehicle draws' seed) and live parameters.
#include <algorithm>
#include <bit>
#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

#include "simulacra/agents/traffic/traffic.hpp"
#include "text.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::traffic {

namespace {

// Salt of the coin that thins demand_rate's trips: apart from the
// distraction draws (step.cpp), which hash (vehicle, step).
constexpr std::uint64_t kThinSalt = 0x5448'494e'4e49'4e47ULL;  // "THINNING"

[[noreturn]] void damaged(const std::string& what) {
  throw CheckpointError("checkpoint does not fit this traffic population: " + what);
}

// A vector whose length construction fixed: a different length means another
// scenario (or damage).
template <class T>
void io_sized(StateArchive& ar, std::vector<T>& v, std::size_t n, const char* what) {
  ar.io(v);
  if (v.size() != n) {
    damaged(std::string(what) + " has " + std::to_string(v.size()) + " entries, this run " + std::to_string(n));
  }
}

// One field of every element, as one array: no padding bytes in the archive.
template <class S, class T>
void io_column(StateArchive& ar, std::vector<S>& v, T S::*field, const char* what) {
  std::vector<T> col;
  if (!ar.loading()) {
    col.reserve(v.size());
    for (const S& x : v) col.push_back(x.*field);
  }
  io_sized(ar, col, v.size(), what);
  if (ar.loading()) {
    for (std::size_t i = 0; i < v.size(); ++i) v[i].*field = col[i];
  }
}

// The values `at(id)` of the elements `ids`, as one array.
template <class At>
void io_picked(StateArchive& ar, const std::vector<std::uint32_t>& ids, At&& at, const char* what) {
  using T = std::remove_reference_t<decltype(at(0u))>;
  std::vector<T> col;
  if (!ar.loading()) {
    col.reserve(ids.size());
    for (std::uint32_t id : ids) col.push_back(at(id));
  }
  io_sized(ar, col, ids.size(), what);
  if (ar.loading()) {
    for (std::size_t i = 0; i < ids.size(); ++i) at(ids[i]) = col[i];
  }
}

// Lists of ids (vehicles per lane, per origin queue), each id below `bound`.
void io_lists(StateArchive& ar, std::vector<std::vector<std::uint32_t>>& v, std::size_t n, std::size_t bound,
              const char* what) {
  ar.io_each(v, [](StateArchive& a, std::vector<std::uint32_t>& x) { a.io(x); });
  if (v.size() != n) {
    damaged(std::string(what) + " has " + std::to_string(v.size()) + " lists, this run " + std::to_string(n));
  }
  for (const auto& list : v) {
    for (std::uint32_t id : list) {
      if (id >= bound) damaged(std::string(what) + " names id " + std::to_string(id));
    }
  }
}

}  // namespace

ObservableSpecs TrafficPopulation::observable_specs() {
  return {
      {"vehicles_running", "",
       "vehicles on the road now: ring vehicles + departed - arrived - crashed (in a lane or being handed over)"},
      {"departed", "", "vehicles that have entered the network so far (departure events)"},
      {"arrived", "", "vehicles that have reached their destination so far (arrival events)"},
      {"waiting", "", "vehicles past their departure time still queued for their origin link, at the last step"},
      {"mean_speed", "m/s", "mean speed of the vehicles running at the end of the last step (0 if none)"},
      {"collisions", "", "collisions so far (collision events)"},
      {"crashed", "", "vehicles put out of action by collisions so far (a collision stops one or two)"},
      {"min_ttc_last_step", "s",
       "least time-to-collision (gap / closing speed) of a follower closing in on a leader vehicle in the last step; "
       "1e9 when none was closing in"},
      {"gridlocked", "",
       "running vehicles in gridlock at the end of the last step: stopped for gridlock_time, not yet above 1 m/s"},
      {"near_misses", "", "near_miss events so far (TTC below ttc_threshold, once per episode)"},
      {"hard_brakes", "", "hard_braking events so far (deceleration above hard_brake, once per episode)"},
      {"lane_changes", "", "lane changes so far"},
      {"distractions", "", "distraction episodes so far"},
  };
}

std::vector<std::string> TrafficPopulation::live_params() { return {"demand_rate", "speed_limit", "distraction_rate"}; }

void TrafficPopulation::observe(SimTime /*now*/, double* out) const {
  std::uint64_t running = 0, gridlocked = 0;
  double speed_sum = 0.0, min_ttc = kNoTtc;
  for (const StepSummary& s : summary_) {
    running += s.running;
    gridlocked += s.gridlocked;
    speed_sum += s.speed_sum;
    min_ttc = std::min(min_ttc, s.min_ttc);
  }
  std::uint64_t waiting = 0;
  for (const auto& queue : waiting_) waiting += queue.size();
  const auto n = [&](Counter c) { return static_cast<double>(count(c)); };
  out[0] = static_cast<double>(initially_running_ + count(kDepartures) - count(kArrivals) - count(kCrashedVehicles));
  out[1] = n(kDepartures);
  out[2] = n(kArrivals);
  out[3] = static_cast<double>(waiting);
  out[4] = running == 0 ? 0.0 : speed_sum / static_cast<double>(running);
  out[5] = n(kCollisions);
  out[6] = n(kCrashedVehicles);
  out[7] = min_ttc;
  out[8] = static_cast<double>(gridlocked);
  out[9] = n(kNearMisses);
  out[10] = n(kHardBrakes);
  out[11] = n(kLaneChanges);
  out[12] = n(kDistractions);
}

void TrafficPopulation::state(StateArchive& ar) {
  const Shared& s = *shared_;
  const Network& net = s.net;
  const std::size_t vehicles = s.veh.size(), links = net.links.size(), lanes = net.lane_count;
  const std::size_t nodes = net.nodes.size(), lps = blocks_;

  // What the build made, fingerprinted: a checkpoint of another network,
  // demand or step is refused here, before any of its state is read.
  std::uint64_t built = mix64(vehicles ^ mix64(links ^ mix64(lanes ^ mix64(nodes ^ mix64(lps)))));
  built = mix64(built ^ std::bit_cast<std::uint64_t>(s.p.step));
  for (const VehicleSpec& vs : s.veh) {
    built = mix64(built ^ std::bit_cast<std::uint64_t>(vs.depart) ^ (std::uint64_t{vs.route} << 8) ^ vs.type);
  }
  std::uint64_t archived = built;
  ar.tag("traffic.build");
  ar.io(archived);
  if (archived != built) damaged("it was saved from a run built from other parameters (network, demand or step)");

  ar.tag("traffic.live");
  ar.io(stream_seed_);
  ar.io(demand_keep_);
  ar.io(distraction_rate_);
  io_sized(ar, distraction_trials_, lps, "distraction trials");
  io_sized(ar, distraction_hits_, lps, "distraction episodes");
  io_sized(ar, limit_, links, "speed limits");

  ar.tag("traffic.vehicles");
  // Only vehicles that have left `pending`: nothing touches a vehicle before
  // its departure, so the others are as the build made them (most of a
  // day's trips, early in the day).
  std::vector<std::uint32_t> seen;
  if (!ar.loading()) {
    for (std::uint32_t v = 0; v < vehicles; ++v) {
      if (dyn_[v].status != static_cast<std::uint8_t>(Status::pending)) seen.push_back(v);
    }
  }
  ar.io(seen);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i] >= vehicles || (i > 0 && seen[i] <= seen[i - 1])) damaged("the list of vehicles on the move");
  }
  io_picked(ar, seen, [&](std::uint32_t v) -> double& { return dyn_[v].pos; }, "positions");
  io_picked(ar, seen, [&](std::uint32_t v) -> double& { return dyn_[v].speed; }, "speeds");
  io_picked(ar, seen, [&](std::uint32_t v) -> double& { return dyn_[v].acc; }, "accelerations");
  io_picked(ar, seen, [&](std::uint32_t v) -> double& { return dyn_[v].v0; }, "desired speeds");
  io_picked(ar, seen, [&](std::uint32_t v) -> double& { return dyn_[v].stopped_since; }, "stop times");
  io_picked(ar, seen, [&](std::uint32_t v) -> double& { return dyn_[v].distracted_until; }, "distractions");
  io_picked(ar, seen, [&](std::uint32_t v) -> std::uint32_t& { return dyn_[v].link; }, "vehicle links");
  io_picked(ar, seen, [&](std::uint32_t v) -> std::uint32_t& { return dyn_[v].lane; }, "vehicle lanes");
  io_picked(ar, seen, [&](std::uint32_t v) -> std::uint32_t& { return dyn_[v].next; }, "next links");
  io_picked(ar, seen, [&](std::uint32_t v) -> std::uint8_t& { return dyn_[v].status; }, "statuses");
  io_picked(ar, seen, [&](std::uint32_t v) -> std::uint8_t& { return dyn_[v].flags; }, "vehicle flags");
  io_picked(ar, seen, [&](std::uint32_t v) -> double& { return distance_[v]; }, "distances");
  io_picked(ar, seen, [&](std::uint32_t v) -> double& { return started_[v]; }, "entry times");
  io_picked(ar, seen, [&](std::uint32_t v) -> double& { return last_change_[v]; }, "lane change times");
  io_picked(ar, seen, [&](std::uint32_t v) -> double& { return crashed_at_[v]; }, "crash times");
  io_picked(ar, seen, [&](std::uint32_t v) -> std::uint32_t& { return route_idx_[v]; }, "route positions");
  // Re-planned routes, only those a vehicle has (most have none).
  std::vector<std::uint32_t> planned;
  if (!ar.loading()) {
    for (std::uint32_t v = 0; v < plan_.size(); ++v) {
      if (!plan_[v].empty()) planned.push_back(v);
    }
  }
  ar.io(planned);
  if (ar.loading()) {
    for (auto& plan : plan_) plan.clear();
  }
  for (std::uint32_t v : planned) {
    if (v >= vehicles) damaged("a re-planned route of vehicle " + std::to_string(v));
    ar.io(plan_[v]);
    for (std::uint32_t li : plan_[v]) {
      if (li >= links) damaged("a re-planned route names link " + std::to_string(li));
    }
  }

  ar.tag("traffic.lanes");
  io_lists(ar, lanes_, lanes, vehicles, "lanes");
  io_sized(ar, tail_rear_, lanes, "tails");
  io_sized(ar, tail_speed_, lanes, "tails");
  io_sized(ar, tail_vehicle_, lanes, "tails");
  io_sized(ar, sent_rear_, lanes, "sent tails");
  io_sized(ar, sent_speed_, lanes, "sent tails");
  io_sized(ar, sent_vehicle_, lanes, "sent tails");
  io_sized(ar, entry_step_, lanes, "entries");
  io_sized(ar, entry_rear_, lanes, "entries");
  io_sized(ar, entry_speed_, lanes, "entries");
  io_sized(ar, entry_vehicle_, lanes, "entries");
  io_sized(ar, reserved_step_, lanes, "reservations");
  io_sized(ar, reserved_by_, lanes, "reservations");
  io_sized(ar, hold_step_, lanes, "holds");

  ar.tag("traffic.junctions");
  io_sized(ar, grant_, nodes, "right of way");
  io_sized(ar, phase_, nodes, "signal phases");

  ar.tag("traffic.links");
  io_sized(ar, stat_count_, links, "link statistics");
  io_sized(ar, stat_speed_, links, "link statistics");
  io_sized(ar, stat_exits_, links, "link statistics");
  io_lists(ar, waiting_, links, vehicles, "departure queues");
  io_sized(ar, reroute_count_, links, "re-routing sums");
  io_sized(ar, reroute_speed_, links, "re-routing sums");

  ar.tag("traffic.routing");
  io_sized(ar, travel_time_, s.p.reroute_interval > 0.0 ? lps * links : 0, "travel-time snapshots");
  io_sized(ar, have_snapshot_, lps, "travel-time snapshots");

  ar.tag("traffic.lps");
  io_sized(ar, step_, lps, "LP steps");
  io_sized(ar, next_departure_, lps, "departure cursors");
  io_sized(ar, counters_, lps * kCounterCount, "counters");
  io_sized(ar, moved_, lps, "vehicle updates");
  io_sized(ar, stat_steps_, lps, "link statistics steps");
  io_column(ar, summary_, &StepSummary::running, "step summaries");
  io_column(ar, summary_, &StepSummary::gridlocked, "step summaries");
  io_column(ar, summary_, &StepSummary::speed_sum, "step summaries");
  io_column(ar, summary_, &StepSummary::min_ttc, "step summaries");

  ar.tag("traffic.detectors");
  const std::size_t detectors = s.detectors.size();
  io_sized(ar, det_count_, detectors, "detector counts");
  io_sized(ar, det_occupied_, detectors, "detector occupancy");
  io_sized(ar, det_steps_, detectors, "detector steps");
  io_sized(ar, det_speed_, detectors, "detector speeds");

  if (!ar.loading()) return;
  // Routers are caches of the snapshots: rebuilt, identically, on first use.
  for (std::uint32_t lp = 0; lp < lps; ++lp) {
    router_[lp].reset();
    router_stale_[lp] = 1;
  }
  // Ids that index arrays: a damaged archive must not reach the steps.
  for (std::uint32_t v : seen) {
    const Dynamics& d = dyn_[v];
    if (d.status == static_cast<std::uint8_t>(Status::pending) || d.status > static_cast<std::uint8_t>(Status::cancelled)) {
      damaged("vehicle " + std::to_string(v) + "'s status");
    }
    if (d.link != kNone && (d.link >= links || d.lane >= net.links[d.link].lanes)) {
      damaged("vehicle " + std::to_string(v) + "'s link or lane");
    }
    if (d.next != kNone && d.next >= links) damaged("vehicle " + std::to_string(v) + "'s next link");
    const std::uint32_t r = s.veh[v].route;
    const std::size_t len = !plan_[v].empty() ? plan_[v].size() : r == kNone ? 1 : s.routes[r].size();
    if (route_idx_[v] >= len) damaged("vehicle " + std::to_string(v) + "'s place on its route");
  }
  for (std::uint32_t n = 0; n < nodes; ++n) {
    const std::uint32_t plan = net.nodes[n].plan;
    if (phase_[n] != kNone && (plan == kNone || phase_[n] >= net.plans[plan].phases.size())) {
      damaged("the signal phase of node " + std::to_string(n));
    }
  }
  for (std::uint32_t lp = 0; lp < lps; ++lp) {
    if (next_departure_[lp] > s.departures[lp].size()) damaged("the departure cursor of LP " + std::to_string(lp));
  }
}

bool TrafficPopulation::keeps_trip(std::uint32_t v) const {
  if (demand_keep_ >= 1.0) return true;
  const std::uint64_t h = mix64(stream_seed_ ^ mix64(std::uint64_t{v} * 0x9e3779b97f4a7c15ULL ^ kThinSalt));
  return static_cast<double>(h >> 11) * 0x1.0p-53 < demand_keep_;
}

void TrafficPopulation::reseed(std::uint64_t stream_seed) { stream_seed_ = stream_seed; }

std::optional<double> TrafficPopulation::log_likelihood(const std::string& key, double value) const {
  if (key != "distraction_rate") return std::nullopt;
  std::uint64_t trials = 0, hits = 0;
  for (std::uint32_t lp = 0; lp < blocks_; ++lp) {
    trials += distraction_trials_[lp];
    hits += distraction_hits_[lp];
  }
  // As step.cpp draws it: an episode when a uniform is below this.
  const double prob = value * shared_->p.step / 3600.0;
  double ll = 0.0;
  if (hits > 0) ll += static_cast<double>(hits) * std::log(prob);
  if (trials > hits) ll += static_cast<double>(trials - hits) * std::log1p(-prob);
  return ll;
}

std::vector<std::uint32_t> TrafficPopulation::speed_limit_links() const {
  const Network& net = shared_->net;
  std::vector<bool> ramp(net.links.size(), false);
  for (const Link& l : net.links) {
    if (l.merge_from != kNone) ramp[l.merge_from] = true;  // corridor ramps have ramp_speed_limit
  }
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = 0; i < net.links.size(); ++i) {
    if (!ramp[i]) out.push_back(i);
  }
  return out;
}

void TrafficPopulation::set_live(const std::string& key, double value) {
  const Shared& s = *shared_;
  if (key == "demand_rate") {
    const double drawn = s.p.demand_rate * s.p.demand_headroom;
    if (value > drawn * (1.0 + 1e-12)) {
      throw UserError("traffic: live demand_rate " + number_text(value) + " trips/h is above the " +
                      number_text(drawn) +
                      " trips/h its trips were drawn at when the run was built (demand_rate × demand_headroom); "
                      "build it with a larger demand_headroom");
    }
    demand_keep_ = drawn > 0.0 ? value / drawn : 1.0;
  } else if (key == "speed_limit") {
    if (s.p.network == "sumo") {
      throw UserError("traffic: live speed_limit: a SUMO network's limits come from its file, not speed_limit");
    }
    const std::vector<std::uint32_t> affected = speed_limit_links();
    for (std::uint32_t li : affected) {
      const Link& l = s.net.links[li];
      if (l.length < 1.5 * std::max(s.p.car.max_speed, value) * s.p.step && l.length < 60.0) {
        throw UserError("traffic: live speed_limit " + number_text(value) + " m/s: link " + std::to_string(li) +
                        " is too short for step " + number_text(s.p.step) + " s at that speed");
      }
    }
    std::vector<bool> on(s.net.links.size(), false);
    for (std::uint32_t li : affected) {
      limit_[li] = value;
      on[li] = true;
    }
    // Drivers on those links (or being handed over to them) adapt at once.
    for (std::uint32_t v = 0; v < dyn_.size(); ++v) {
      Dynamics& d = dyn_[v];
      if (d.status == static_cast<std::uint8_t>(Status::active) && d.link != kNone && on[d.link]) {
        d.v0 = desired_speed(v, d.link);
      }
    }
  } else if (key == "distraction_rate") {
    // A new value starts afresh the trials log_likelihood counts.
    distraction_rate_ = value;
    std::fill(distraction_trials_.begin(), distraction_trials_.end(), 0);
    std::fill(distraction_hits_.begin(), distraction_hits_.end(), 0);
  } else {
    throw std::logic_error("traffic has no live parameter '" + key + "'");
  }
}

}  // namespace simulacra::traffic
