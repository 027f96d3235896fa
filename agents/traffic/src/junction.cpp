// Junctions of the traffic population: fixed-time signal states and their
// events, first-come-first-served right of way, the once-only amber decision,
// entry reservations (two approaches never enter one lane in one step), and
// departures entering their first link.
#include <algorithm>
#include <cmath>

#include "simulacra/agents/traffic/traffic.hpp"

namespace simulacra::traffic {

void TrafficPopulation::control_junctions(Context& ctx, std::uint32_t lp, double t) {
  const Shared& s = *shared_;
  const auto k = static_cast<std::uint64_t>(std::llround(t / s.p.step));
  for (std::uint32_t n : s.own_nodes[lp]) {
    const Node& node = s.net.nodes[n];
    if (node.plan != kNone) {
      const SignalPlan& plan = s.net.plans[node.plan];
      const std::uint32_t ph = plan.phase_at(t);
      if (ph != phase_[n]) {
        phase_[n] = ph;
        // One row per phase change: the phase's index in the plan; `link` is
        // the first approach with a green movement, -1 when none has one.
        std::int64_t first = -1;
        for (std::uint32_t a : s.net.approaches[n]) {
          const Link& l = s.net.links[a];
          for (std::size_t j = 0; j < l.signal.size() && first < 0; ++j) {
            if (l.signal[j] != kNone && plan.phases[ph].lights[l.signal[j]] == Light::go) first = a;
          }
          if (first >= 0) break;
        }
        // After every vehicle's rows of this time, by node (see EventKind).
        ctx.emit_ordered(kNone, n, kEvents, t, event_name(EventKind::signal), std::int64_t{-1}, std::int64_t{-1}, first,
                         std::int64_t{n}, 0.0, 0.0, static_cast<double>(ph));
        bump(lp, kSignalChanges);
      }
      give_way(n, k);
    } else if (node.control == Control::yield) {
      // A holder standing at the line without room on its next link gives
      // the junction back: holding it blocks every approach, and deadlocks
      // where the room can only come through this junction (Acosta: a link
      // from a joined cluster back into it, full, its front vehicle waiting
      // for the grant a vehicle bound for it held).
      if (grant_[n] != kNone && dyn_[grant_[n]].speed < 0.1 && !has_room(grant_[n], k)) grant_[n] = kNone;
      if (grant_[n] != kNone) continue;
      // First come, first served among the front vehicles close to the line
      // that have room to enter their next link.
      double best = kFar;
      for (std::uint32_t a : s.net.approaches[n]) {
        const Link& l = s.net.links[a];
        for (std::uint32_t q = 0; q < l.lanes; ++q) {
          const auto& lane = lanes_[l.first_lane + q];
          if (lane.empty()) continue;
          const std::uint32_t v = lane.back();
          if (dyn_[v].status != static_cast<std::uint8_t>(Status::active) || next_link(v) == kNone) continue;
          const double dist = l.length - dyn_[v].pos;
          if (dist > std::max(30.0, 3.0 * dyn_[v].speed) || !has_room(v, k)) continue;
          const double eta = dist / std::max(dyn_[v].speed, 1.0);
          if (eta < best || (eta == best && v < grant_[n])) {
            best = eta;
            grant_[n] = v;
          }
        }
      }
    }
  }
}

bool TrafficPopulation::has_room(std::uint32_t v, std::uint64_t k) const {
  const Shared& s = *shared_;
  const std::uint32_t next = next_link(v);
  if (next == kNone) return true;
  const std::uint32_t lane = s.net.links[next].first_lane + s.net.entry_lane(dyn_[v].link, dyn_[v].lane, next);
  return tail(lane, k).rear >= s.veh[v].length + s.veh[v].drv.s0;
}

void TrafficPopulation::give_way(std::uint32_t n, std::uint64_t k) {
  // Vehicles that may pass a signalised junction at once (a plan's
  // simultaneous greens, amber-go drivers clearing) can aim at one lane of
  // the next link. The claimants are the first few vehicles of each approach
  // lane close to the line (a platoon behind a crossing vehicle counts, not
  // only the front). Precedence: a driver who can no longer stop
  // comfortably, then a priority (G) movement over a yielding one (g), then
  // the earlier arrival, then the lower vehicle id. A front vehicle stops at
  // the line this step if another lane's claimant on its target lane has
  // precedence, or is moving and arrives before the front vehicle would have
  // cleared the line (gap acceptance: a car starting from rest needs seconds
  // to get in). All from the state at the step's start, before anyone moves.
  const Shared& s = *shared_;
  struct Claim {
    std::uint32_t target, lane, vehicle;
    int rank;
    double eta, clear, speed;
    bool front;
  };
  constexpr std::size_t kPerLane = 4;
  thread_local std::vector<Claim> claims;  // scratch; LPs of one population run concurrently
  claims.clear();
  for (std::uint32_t a : s.net.approaches[n]) {
    const Link& l = s.net.links[a];
    for (std::uint32_t q = 0; q < s.net.through_lanes(a); ++q) {
      const auto& vs = lanes_[l.first_lane + q];
      for (std::size_t i = vs.size(), seen = 0; i-- > 0 && seen < kPerLane; ++seen) {
        const std::uint32_t v = vs[i];
        const Dynamics& d = dyn_[v];
        const double dist = l.length - d.pos;
        if (dist > std::max(30.0, 4.0 * d.speed) || d.status != static_cast<std::uint8_t>(Status::active)) break;
        if (d.next == kNone) continue;
        const Light x = light_for(v, a, q);
        if (!proceeds(x) && (d.flags & kAmberGo) == 0) continue;
        const double b = s.veh[v].drv.b, acc = s.veh[v].drv.a;
        const bool committed = d.speed * d.speed > 2.0 * std::max(dist, 0.01) * 2.0 * b;
        const int rank = committed || (d.flags & kAmberGo) != 0 ? 0 : x == Light::yield ? 2 : 1;
        const double through = dist + s.veh[v].length;
        const double clear = (std::sqrt(d.speed * d.speed + 2.0 * acc * through) - d.speed) / acc;
        claims.push_back({s.net.links[d.next].first_lane + s.net.entry_lane(a, q, d.next), l.first_lane + q, v,
                          rank, dist / std::max(d.speed, 1.0), clear, d.speed, i + 1 == vs.size()});
      }
    }
  }
  if (claims.size() < 2) return;
  auto before = [](const Claim& x, const Claim& y) {
    if (x.rank != y.rank) return x.rank < y.rank;
    if (x.eta != y.eta) return x.eta < y.eta;
    return x.vehicle < y.vehicle;
  };
  // First among the front vehicles: one per target lane.
  for (const Claim& c : claims) {
    if (!c.front) continue;
    for (const Claim& o : claims) {
      if (o.front && o.lane != c.lane && o.target == c.target && before(o, c)) {
        hold_step_[c.lane] = k;
        break;
      }
    }
  }
  // Then the platoons: a vehicle close behind a front that goes elsewhere
  // reaches the line soon; a winner that could not get in before it waits.
  for (const Claim& c : claims) {
    if (!c.front || hold_step_[c.lane] == k) continue;
    for (const Claim& o : claims) {
      if (o.front || o.lane == c.lane || o.target != c.target || hold_step_[o.lane] == k) continue;
      if (o.rank < c.rank || (o.speed > 3.0 && o.eta < c.clear)) {
        hold_step_[c.lane] = k;
        break;
      }
    }
  }
}

void TrafficPopulation::depart(Context& ctx, std::uint32_t lp, double t, std::uint64_t step) {
  const Shared& s = *shared_;
  const auto& list = s.departures[lp];
  auto& next = next_departure_[lp];
  while (next < list.size() && s.veh[list[next]].depart <= t) {
    const std::uint32_t v = list[next++];
    if (s.veh[v].from_rate && !keeps_trip(v)) {
      dyn_[v].status = static_cast<std::uint8_t>(Status::cancelled);
      continue;
    }
    waiting_[s.routes[s.veh[v].route].front()].push_back(v);
  }
  for (std::uint32_t o : s.own_origins[lp]) {
    auto& queue = waiting_[o];
    if (queue.empty()) continue;
    const Link& l = s.net.links[o];
    std::size_t entered = 0;
    for (std::uint32_t k = 0; k < s.net.through_lanes(o) && entered < queue.size(); ++k) {
      // Choose the lane by its known tail; enter only if no vehicle upstream
      // is about to cross into that lane, and one vehicle per lane per step.
      const std::uint32_t lane = l.first_lane + k;
      const std::uint32_t v = queue[entered];
      const double len = s.veh[v].length;
      if (reserved_step_[lane] == step) continue;  // a vehicle from a junction enters it now
      const Tail ahead = tail(lane, step);
      const double gap = ahead.rear - len;
      Driver d = s.veh[v].drv;
      d.v0 = desired_speed(v, o);
      if (gap < d.s0 + 1.0) continue;
      bool blocked = false;
      for (std::uint32_t a : l.in) {
        const Link& al = s.net.links[a];
        for (std::uint32_t ak = 0; ak < al.lanes && !blocked; ++ak) {
          const auto& vs = lanes_[al.first_lane + ak];
          if (vs.empty()) continue;
          const std::uint32_t u = vs.back();
          if (next_link(u) == o && s.net.entry_lane(a, ak, o) == k &&
              al.length - dyn_[u].pos < 10.0 + 3.0 * dyn_[u].speed) {
            blocked = true;
          }
        }
      }
      if (blocked) continue;
      const double v_in = std::min({d.v0, idm_equilibrium_speed(d, gap), ahead.speed + 5.0});
      dyn_[v].link = o;
      dyn_[v].lane = k;
      dyn_[v].pos = len;
      dyn_[v].speed = std::max(0.0, v_in);
      dyn_[v].acc = 0.0;
      dyn_[v].v0 = d.v0;
      route_idx_[v] = 0;
      reroute(v, o, lp);
      dyn_[v].next = find_next(v);
      started_[v] = t;
      dyn_[v].status = static_cast<std::uint8_t>(Status::active);
      event_row(ctx, t, EventKind::departure, v, kNone, t - s.veh[v].depart);
      bump(lp, kDepartures);
      // Running from now on, in no lane until the handover arrives.
      ++summary_[lp].running;
      summary_[lp].speed_sum += dyn_[v].speed;
      record_entry(lane, v, step);
      ctx.send(this->lp(link_owner(o)), message_delay(), kHandover, {v, 0});
      ++entered;
    }
    queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(entered));
  }
}

void TrafficPopulation::decide_amber(std::uint32_t v, std::uint32_t link, Light light) {
  // The stop-or-go decision at amber is made once by each driver, where it is
  // when it first sees amber: a driver who can stop at 2b stops; one who
  // cannot goes on and clears the junction during the all-red. Deciding again
  // each step would let a driver who braked creep over the line late.
  const Shared& s = *shared_;
  const Link& l = s.net.links[link];
  if (light != Light::amber || (dyn_[v].flags & (kAmberGo | kAmberStop)) != 0) return;
  const double to_end = std::max(l.length - dyn_[v].pos, 0.1);
  const bool can_stop = dyn_[v].speed * dyn_[v].speed <= 2.0 * to_end * 2.0 * s.veh[v].drv.b;
  dyn_[v].flags = static_cast<std::uint8_t>(dyn_[v].flags | (can_stop ? kAmberStop : kAmberGo));
}

void TrafficPopulation::reserve_entry(std::uint32_t v, std::uint32_t link, std::uint32_t lane, std::uint64_t k,
                                      bool attentive) {
  // A vehicle that will reach the end of its lane this step claims
  // its entry lane; if another approach lane claimed it first (links in id
  // order: a fixed priority), it brakes for the stop line instead.
  const Shared& s = *shared_;
  const Link& l = s.net.links[link];
  if (dyn_[v].status != static_cast<std::uint8_t>(Status::active) || (l.drop_lane && lane == l.lanes - 1)) return;
  const std::uint32_t next = next_link(v);
  if (next == kNone) return;
  const double dt = s.p.step;
  const double a = dyn_[v].acc;
  const double reach = dyn_[v].speed + a * dt < 0.0 ? (a < 0.0 ? -dyn_[v].speed * dyn_[v].speed / (2.0 * a) : 0.0)
                                                : dyn_[v].speed * dt + 0.5 * a * dt * dt;
  if (dyn_[v].pos + reach < l.length) return;
  const std::uint32_t entry = s.net.links[next].first_lane + s.net.entry_lane(link, lane, next);
  const std::uint32_t me = l.first_lane + lane;
  const double to_end = l.length - dyn_[v].pos;
  const bool can_stop = dyn_[v].speed * dyn_[v].speed <= 2.0 * std::max(to_end, 0.01) * s.p.max_decel;
  if (reserved_step_[entry] == k && reserved_by_[entry] != me && can_stop) {
    if (attentive) dyn_[v].acc = accel(v, {to_end, 0.0, kNone});
    return;
  }
  reserved_step_[entry] = k;
  reserved_by_[entry] = me;
}

}  // namespace simulacra::traffic
