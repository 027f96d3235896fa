// One time step of one LP: junction control, departures, MOBIL lane changes,
// IDM accelerations (parallel update per lane), integration, safety events,
// and vehicles crossing to the next link (handed over, effective next step).
#include <algorithm>
#include <cmath>

#include "simulacra/agents/traffic/traffic.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::traffic {

namespace {

// A portable uniform on [0, 1) from (seed, vehicle, step): driver-error draws
// then depend on neither the LP nor the order vehicles are visited in.
double unit_hash(std::uint64_t seed, std::uint64_t v, std::uint64_t k, std::uint64_t salt) {
  const std::uint64_t h = mix64(seed ^ mix64(v * 0x9e3779b97f4a7c15ULL ^ mix64(k + salt)));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}
}  // namespace

void TrafficPopulation::step(Context& ctx, std::uint32_t lp) {
  const Shared& s = *shared_;
  const double t = ctx.now().value;
  const std::uint64_t k = ++step_[lp];
  summary_[lp] = StepSummary{};
  control_junctions(ctx, lp, t);
  for (std::uint32_t li : s.own_links[lp]) {
    clear_crashed(ctx, li, t);
    if (s.p.lane_changes && s.net.links[li].lanes > 1) change_lanes(ctx, li, t);
  }
  for (std::uint32_t li : s.own_links[lp]) {
    for (std::uint32_t lane = 0; lane < s.net.links[li].lanes; ++lane) move_lane(ctx, li, lane, t, k);
  }
  for (std::uint32_t li : s.own_links[lp]) {
    for (std::uint32_t lane = 0; lane < s.net.links[li].lanes; ++lane) cross(ctx, li, lane, t);
  }
  depart(ctx, lp, t, k);
  const double dt = s.p.step;
  auto crossed = [&](double interval) {
    return interval > 0.0 && std::floor((t + 1e-9) / interval) != std::floor((t - dt + 1e-9) / interval);
  };
  sample(ctx, lp, t, crossed(s.p.trajectory_interval), crossed(s.p.stats_interval));
  sample_detectors(ctx, lp, t);
  if (crossed(s.p.reroute_interval)) share_travel_times(ctx, lp);
  publish(ctx, lp, k);
}

TrafficPopulation::Obstacle TrafficPopulation::boundary(std::uint32_t v, std::uint32_t link, std::uint32_t lane,
                                                        double pos, double t) const {
  const Shared& s = *shared_;
  const Link& l = s.net.links[link];
  const double to_end = l.length - pos;
  if (l.drop_lane && lane == l.lanes - 1) return {to_end, 0.0, kNone};  // the acceleration lane ends
  const std::uint32_t next = next_link(v);
  if (next == kNone) return {kFar, kFar, kNone};  // leaves the network at the end
  if (must_stop(v, link, lane, t)) return {to_end, 0.0, kNone};  // a stopped obstacle at the line
  const std::uint32_t entry = s.net.entry_lane(link, lane, next);
  const std::uint32_t nl = s.net.links[next].first_lane + entry;
  const Tail ahead = tail(nl, static_cast<std::uint64_t>(std::llround(t / s.p.step)));
  Obstacle o{to_end + ahead.rear, ahead.speed, ahead.vehicle};
  // Lanes that end in one lane of the next link (a lane drop at the
  // junction) merge like a zipper: the front vehicle of another such lane
  // that is ahead of this one is followed, or, while alongside, waited for
  // at the line. Crossing in different steps, the two would otherwise enter
  // overlapping. (Lanes of this link are this LP's own.)
  for (std::uint32_t q = 0; q < l.lanes; ++q) {
    const auto& other = lanes_[l.first_lane + q];
    if (q == lane || other.empty() || s.net.entry_lane(link, q, next) != entry) continue;
    const std::uint32_t u = other.back();
    if (u == v || dyn_[u].status != static_cast<std::uint8_t>(Status::active) || next_link(u) != next) continue;
    if (dyn_[u].pos < dyn_[v].pos || (dyn_[u].pos == dyn_[v].pos && u > v)) continue;  // behind: it waits for v
    // One standing at the line that must stay there (a right-of-way
    // junction granted to v, red, giving way) is not followed: waiting for
    // it while it waits for v's grant deadlocked Acosta's junction 23 for the
    // rest of the hour. (One still moving may be unable to stop: followed.)
    if (dyn_[u].speed < 0.1 && must_stop(u, link, q, t)) continue;
    const double gap = dyn_[u].pos - s.veh[u].length - pos;
    const Obstacle merge = gap >= 0.0 ? Obstacle{gap, dyn_[u].speed, u} : Obstacle{to_end, 0.0, kNone};
    if (merge.gap < o.gap) o = merge;
  }
  return o;
}

bool TrafficPopulation::must_stop(std::uint32_t v, std::uint32_t link, std::uint32_t lane, double t) const {
  const Shared& s = *shared_;
  const Link& l = s.net.links[link];
  if (dyn_[v].next == kNone) return false;
  const Node& node = s.net.nodes[l.to];
  // A driver who decided at amber that it could not stop (decide_amber) keeps
  // going even on red: braking then would leave it in the next phase's path.
  if (node.plan != kNone && !proceeds(light_for(v, link, lane)) && (dyn_[v].flags & kAmberGo) == 0) return true;
  if (node.control == Control::yield && grant_[l.to] != v && s.net.approaches[l.to].size() > 1) return true;
  return hold_step_[l.first_lane + lane] == static_cast<std::uint64_t>(std::llround(t / s.p.step));
}

TrafficPopulation::Obstacle TrafficPopulation::leader(std::uint32_t v, std::uint32_t link, std::uint32_t lane,
                                                      std::size_t index, double t) const {
  const auto& vs = lanes_[shared_->net.links[link].first_lane + lane];
  if (index + 1 < vs.size()) {
    const std::uint32_t u = vs[index + 1];
    return {dyn_[u].pos - shared_->veh[u].length - dyn_[v].pos, dyn_[u].speed, u};
  }
  return boundary(v, link, lane, dyn_[v].pos, t);
}

double TrafficPopulation::accel(std::uint32_t v, const Obstacle& o) const {
  const Driver d = driver_on(v);
  if (o.gap >= kFar * 0.5) return idm_free(d, dyn_[v].speed);
  return std::max(idm_accel(d, dyn_[v].speed, o.gap, o.speed), -shared_->p.max_decel);
}

void TrafficPopulation::change_lanes(Context& ctx, std::uint32_t link, double t) {
  const Shared& s = *shared_;
  const Link& l = s.net.links[link];
  std::vector<std::uint32_t> order;
  for (std::uint32_t k = 0; k < l.lanes; ++k) {
    const auto& vs = lanes_[l.first_lane + k];
    order.insert(order.end(), vs.begin(), vs.end());
  }
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return dyn_[a].pos != dyn_[b].pos ? dyn_[a].pos > dyn_[b].pos : a < b;
  });
  const std::uint32_t through = s.net.through_lanes(link);
  const Node& end = s.net.nodes[l.to];
  const bool contended = end.plan != kNone || (end.control == Control::yield && s.net.approaches[l.to].size() > 1);
  for (std::uint32_t v : order) {
    if (dyn_[v].status != static_cast<std::uint8_t>(Status::active) || t - last_change_[v] < s.p.lc_cooldown) continue;
    // Not close to a junction where movements contend for lanes (give_way
    // has already chosen among the front vehicles for this step), nor in the
    // last metres before any link end; an acceleration lane may always merge.
    const bool in_drop_lane = l.drop_lane && dyn_[v].lane == l.lanes - 1;
    if (!in_drop_lane && l.length - dyn_[v].pos < (contended ? std::max(30.0, 4.0 * dyn_[v].speed) : 5.0)) continue;
    // A follower on the upstream link is not visible here (another LP may own
    // it) and sees the change one step late: change only where that follower
    // is far enough behind to react.
    if (dyn_[v].pos - s.veh[v].length < std::max(30.0, 2.0 * dyn_[v].speed)) continue;
    const std::uint32_t cur = dyn_[v].lane;
    auto& here = lanes_[l.first_lane + cur];
    const auto idx = static_cast<std::size_t>(std::find(here.begin(), here.end(), v) - here.begin());
    const double a_c = accel(v, leader(v, link, cur, idx, t));
    const bool in_drop = l.drop_lane && cur == l.lanes - 1;
    // The old follower: its gain when v leaves.
    double gain_old = 0.0;
    if (idx > 0) {
      const std::uint32_t o = here[idx - 1];
      const double a_o = accel(o, leader(o, link, cur, idx - 1, t));
      Obstacle beyond = leader(v, link, cur, idx, t);
      beyond.gap += dyn_[v].pos - dyn_[o].pos;
      gain_old = accel(o, beyond) - a_o;
    }
    double best = s.p.lc_threshold;
    std::uint32_t best_lane = kNone;
    for (int dir : {-1, 1}) {
      const auto target = static_cast<std::int64_t>(cur) + dir;
      if (target < 0 || target >= static_cast<std::int64_t>(through)) continue;
      const auto tl = static_cast<std::uint32_t>(target);
      const auto& there = lanes_[l.first_lane + tl];
      const auto pos_it = std::lower_bound(there.begin(), there.end(), dyn_[v].pos,
                                           [&](std::uint32_t u, double p) { return dyn_[u].pos < p; });
      const auto at = static_cast<std::size_t>(pos_it - there.begin());
      Obstacle lead_new;
      if (at < there.size()) {
        const std::uint32_t u = there[at];
        lead_new = {dyn_[u].pos - s.veh[u].length - dyn_[v].pos, dyn_[u].speed, u};
      } else {
        lead_new = boundary(v, link, tl, dyn_[v].pos, t);
      }
      // Safe gaps (Gipps' idea): after one step of reaction, the rear
      // vehicle can still stop behind the front one if both brake at the
      // physical limit. IDM alone cannot promise that at a small gap.
      auto safe = [&](double gap, double v_rear, double v_front) {
        const double bmax = 2.0 * s.p.max_decel;
        return gap + v_front * v_front / bmax - v_rear * v_rear / bmax - v_rear * s.p.step >= 0.5;
      };
      if (lead_new.gap < s.veh[v].drv.s0 || !safe(lead_new.gap, dyn_[v].speed, lead_new.speed)) continue;
      const double a_new = accel(v, lead_new);
      if (a_new < -s.p.lc_safe_decel) continue;  // nor may the changer itself need to brake hard
      double gain_new_follower = 0.0;
      if (at > 0) {
        const std::uint32_t f = there[at - 1];
        const double gap_f = dyn_[v].pos - s.veh[v].length - dyn_[f].pos;
        if (gap_f < 0.5 || !safe(gap_f, dyn_[f].speed, dyn_[v].speed)) continue;
        const double a_f_after = accel(f, {gap_f, dyn_[v].speed, v});
        if (a_f_after < -s.p.lc_safe_decel) continue;  // MOBIL's safety criterion
        const Obstacle f_before = at < there.size()
                                      ? Obstacle{dyn_[there[at]].pos - s.veh[there[at]].length - dyn_[f].pos, dyn_[there[at]].speed,
                                                 there[at]}
                                      : boundary(f, link, tl, dyn_[f].pos, t);
        gain_new_follower = a_f_after - accel(f, f_before);
      }
      const double p_pol = s.veh[v].type == 1 ? s.p.truck.politeness : s.p.car.politeness;
      const double incentive =
          a_new - a_c + p_pol * (gain_new_follower + gain_old) + (in_drop ? s.p.merge_bias : 0.0);
      if (incentive > best) {
        best = incentive;
        best_lane = tl;
      }
    }
    if (best_lane == kNone) continue;
    here.erase(here.begin() + static_cast<std::ptrdiff_t>(idx));
    auto& there = lanes_[l.first_lane + best_lane];
    there.insert(std::lower_bound(there.begin(), there.end(), dyn_[v].pos,
                                  [&](std::uint32_t u, double p) { return dyn_[u].pos < p; }),
                 v);
    dyn_[v].lane = best_lane;
    last_change_[v] = t;
    event_row(ctx, t, EventKind::lane_change, v, kNone, static_cast<double>(best_lane));
    bump(link_owner(link), kLaneChanges);
  }
}

void TrafficPopulation::move_lane(Context& ctx, std::uint32_t link, std::uint32_t lane, double t,
                                  std::uint64_t k) {
  const Shared& s = *shared_;
  auto& vs = lanes_[s.net.links[link].first_lane + lane];
  if (vs.empty()) return;
  const double dt = s.p.step;
  const std::uint32_t lp = link_owner(link);
  const Link& l = s.net.links[link];
  const bool signalled = s.net.nodes[l.to].plan != kNone && !(l.drop_lane && lane == l.lanes - 1);
  double min_ttc = kNoTtc;  // over followers closing in on a leader vehicle (not a stop line)
  if (signalled) decide_amber(vs.back(), link, light_for(vs.back(), link, lane));
  // Parallel update: every acceleration from the state at the step's start.
  for (std::size_t i = vs.size(); i-- > 0;) {
    const std::uint32_t v = vs[i];
    if (dyn_[v].status != static_cast<std::uint8_t>(Status::active)) continue;
    Obstacle o = leader(v, link, lane, i, t);
    const Light light = signalled && i + 1 < vs.size() ? light_for(v, link, lane) : Light::go;
    if (!proceeds(light)) {
      // Followers see the light too, not only their leader: each decides at
      // amber (where it is when amber starts, not later when it becomes the
      // front vehicle, perhaps on red too close to stop); one that has not
      // committed to go stops at the line behind a leader that goes (or one
      // whose movement has another light).
      decide_amber(v, link, light);
      const double to_end = l.length - dyn_[v].pos;
      if ((dyn_[v].flags & kAmberGo) == 0 && to_end < o.gap) o = {to_end, 0.0, kNone};
    }
    const double ttc = dyn_[v].speed > o.speed && o.gap < kFar * 0.5 ? o.gap / (dyn_[v].speed - o.speed) : kFar;
    if (o.other != kNone && ttc < min_ttc) min_ttc = std::max(ttc, 0.0);
    if (ttc < s.p.ttc_threshold) {
      if ((dyn_[v].flags & kNearMissFlag) == 0) {
        dyn_[v].flags |= kNearMissFlag;
        event_row(ctx, t, EventKind::near_miss, v, o.other, ttc);
        bump(lp, kNearMisses);
      }
    } else if (ttc > 1.5 * s.p.ttc_threshold) {
      dyn_[v].flags = static_cast<std::uint8_t>(dyn_[v].flags & ~kNearMissFlag);
    }
    // Driver error: a distracted driver keeps the last acceleration; a slow
    // one re-decides only every reaction_time.
    bool attentive = dyn_[v].distracted_until < t;
    if (attentive && distraction_rate_ > 0.0) ++distraction_trials_[lp];
    if (attentive && distraction_rate_ > 0.0 && unit_hash(stream_seed_, v, k, 1) < distraction_rate_ * dt / 3600.0) {
      ++distraction_hits_[lp];
      dyn_[v].distracted_until = t - s.p.distraction_mean * std::log(1.0 - unit_hash(stream_seed_, v, k, 2));
      event_row(ctx, t, EventKind::distraction, v, kNone, dyn_[v].distracted_until - t);
      bump(lp, kDistractions);
      attentive = false;
    }
    if (attentive && (k + v) % s.decide_every == 0) dyn_[v].acc = accel(v, o);
    // Every vehicle that will pass the line this step claims its entry lane,
    // not only the front one: one close behind may take another turn.
    reserve_entry(v, link, lane, k, attentive);
  }
  for (std::uint32_t v : vs) {
    if (dyn_[v].status != static_cast<std::uint8_t>(Status::active)) continue;
    const double v_old = dyn_[v].speed;
    const double a = dyn_[v].acc;
    double dx;
    if (v_old + a * dt < 0.0) {
      dx = a < 0.0 ? -v_old * v_old / (2.0 * a) : 0.0;  // stops within the step
      dyn_[v].speed = 0.0;
    } else {
      dx = v_old * dt + 0.5 * a * dt * dt;
      dyn_[v].speed = v_old + a * dt;
    }
    dyn_[v].pos += dx;
    distance_[v] += dx;
    detect(l.first_lane + lane, v, dyn_[v].pos - dx, dyn_[v].pos);
    ++moved_[lp];
    if (a < -s.p.hard_brake) {
      if ((dyn_[v].flags & kHardBrakeFlag) == 0) {
        dyn_[v].flags |= kHardBrakeFlag;
        event_row(ctx, t, EventKind::hard_braking, v, kNone, -a);
        bump(lp, kHardBrakes);
      }
    } else if (a > -0.5 * s.p.hard_brake) {
      dyn_[v].flags = static_cast<std::uint8_t>(dyn_[v].flags & ~kHardBrakeFlag);
    }
    if (dyn_[v].speed < 0.1) {
      if (dyn_[v].stopped_since < 0.0) dyn_[v].stopped_since = t;
      if (t - dyn_[v].stopped_since >= s.p.gridlock_time && (dyn_[v].flags & kGridlockFlag) == 0) {
        dyn_[v].flags |= kGridlockFlag;
        event_row(ctx, t, EventKind::gridlock, v, kNone, t - dyn_[v].stopped_since);
        bump(lp, kGridlocks);
      }
    } else if (dyn_[v].speed > 1.0) {
      dyn_[v].stopped_since = -1.0;
      dyn_[v].flags = static_cast<std::uint8_t>(dyn_[v].flags & ~kGridlockFlag);
    }
  }
  if (min_ttc < summary_[lp].min_ttc) summary_[lp].min_ttc = min_ttc;
  // Overlap after the move is a collision: both stop where they touched.
  for (std::size_t i = vs.size() - 1; i-- > 0;) {
    const std::uint32_t f = vs[i], u = vs[i + 1];
    if (dyn_[f].pos > dyn_[u].pos - s.veh[u].length) crash(ctx, f, u, t);
  }
}

void TrafficPopulation::crash(Context& ctx, std::uint32_t f, std::uint32_t u, double t) {
  const std::uint32_t lp = link_owner(dyn_[f].link);
  event_row(ctx, t, EventKind::collision, f, u, dyn_[f].speed - dyn_[u].speed);
  bump(lp, kCollisions);
  dyn_[f].pos = dyn_[u].pos - shared_->veh[u].length;
  for (std::uint32_t x : {f, u}) {
    if (dyn_[x].status == static_cast<std::uint8_t>(Status::active)) {
      dyn_[x].status = static_cast<std::uint8_t>(Status::crashed);
      crashed_at_[x] = t;
      bump(lp, kCrashedVehicles);
    }
    dyn_[x].speed = 0.0;
    dyn_[x].acc = 0.0;
  }
}

void TrafficPopulation::clear_crashed(Context& ctx, std::uint32_t link, double t) {
  const Shared& s = *shared_;
  const Link& l = s.net.links[link];
  for (std::uint32_t k = 0; k < l.lanes; ++k) {
    auto& vs = lanes_[l.first_lane + k];
    for (std::size_t i = vs.size(); i-- > 0;) {
      const std::uint32_t v = vs[i];
      if (dyn_[v].status == static_cast<std::uint8_t>(Status::crashed) && t - crashed_at_[v] >= s.p.crash_clearance) {
        trip_row(ctx, v, t, "crashed");
        if (grant_[l.to] == v) grant_[l.to] = kNone;
        vs.erase(vs.begin() + static_cast<std::ptrdiff_t>(i));
        dyn_[v].status = static_cast<std::uint8_t>(Status::arrived);  // gone from the road
      }
    }
  }
}

void TrafficPopulation::cross(Context& ctx, std::uint32_t link, std::uint32_t lane, double t) {
  const Shared& s = *shared_;
  const Link& l = s.net.links[link];
  auto& vs = lanes_[l.first_lane + lane];
  const std::uint32_t lp = link_owner(link);
  while (!vs.empty() && dyn_[vs.back()].pos >= l.length &&
         dyn_[vs.back()].status == static_cast<std::uint8_t>(Status::active)) {
    const std::uint32_t v = vs.back();
    if (dyn_[v].speed == 0.0 && dyn_[v].pos < l.length + kStopLineSlack && must_stop(v, link, lane, t)) {
      // Came to rest just past a stop line it had to stop at (braking at the
      // tyre limit within the step): stop lines lie before the conflict
      // area, so it waits there instead of standing in the junction.
      dyn_[v].pos = l.length - 0.01;
      break;
    }
    vs.pop_back();
    ++stat_exits_[link];
    if (grant_[l.to] == v) grant_[l.to] = kNone;
    const std::uint32_t next = next_link(v);
    if (next == kNone) {
      dyn_[v].status = static_cast<std::uint8_t>(Status::arrived);
      event_row(ctx, t, EventKind::arrival, v, kNone, distance_[v]);
      trip_row(ctx, v, t, "arrived");
      bump(lp, kArrivals);
      continue;
    }
    dyn_[v].flags = static_cast<std::uint8_t>(dyn_[v].flags & ~(kAmberGo | kAmberStop));
    const double over = dyn_[v].pos - l.length;
    const std::uint32_t entry = s.net.entry_lane(link, lane, next);
    if (s.veh[v].route != kNone) ++route_idx_[v];
    dyn_[v].link = next;
    dyn_[v].lane = entry;
    dyn_[v].pos = std::min(over, 0.5 * s.net.links[next].length);
    dyn_[v].v0 = desired_speed(v, next);
    reroute(v, next, lp);
    dyn_[v].next = find_next(v);
    record_entry(s.net.links[next].first_lane + entry, v, static_cast<std::uint64_t>(std::llround(t / s.p.step)));
    // Still running, in no lane until the handover arrives: counted here.
    ++summary_[lp].running;
    summary_[lp].speed_sum += dyn_[v].speed;
    if ((dyn_[v].flags & kGridlockFlag) != 0) ++summary_[lp].gridlocked;
    // From here on the vehicle belongs to the next link's LP.
    ctx.send(this->lp(link_owner(next)), message_delay(), kHandover, {v, 0});
  }
}

void TrafficPopulation::insert(Context& ctx, std::uint32_t v, double t) {
  const Shared& s = *shared_;
  auto& vs = lanes_[s.net.links[dyn_[v].link].first_lane + dyn_[v].lane];
  const auto it = std::lower_bound(vs.begin(), vs.end(), dyn_[v].pos, [&](std::uint32_t u, double p) {
    return dyn_[u].pos < p;
  });
  const auto inserted = vs.insert(it, v);
  // Entering past a detector near the link's start counts as passing it.
  detect(s.net.links[dyn_[v].link].first_lane + dyn_[v].lane, v, -1.0, dyn_[v].pos);
  const auto at = static_cast<std::size_t>(inserted - vs.begin());
  // Vehicles entering from different approaches in one step can only be
  // checked here: an overlap is a collision, recorded, never hidden.
  if (at + 1 < vs.size() && dyn_[v].pos > dyn_[vs[at + 1]].pos - s.veh[vs[at + 1]].length) crash(ctx, v, vs[at + 1], t);
  if (at > 0 && dyn_[vs[at - 1]].pos > dyn_[v].pos - s.veh[v].length) crash(ctx, vs[at - 1], v, t);
}

void TrafficPopulation::sample(Context& ctx, std::uint32_t lp, double t, bool trajectories, bool stats) {
  const Shared& s = *shared_;
  std::uint64_t running = 0, gridlocked = 0;
  double running_speed = 0.0;
  for (std::uint32_t li : s.own_links[lp]) {
    const Link& l = s.net.links[li];
    std::uint32_t n = 0;
    double vsum = 0.0;
    for (std::uint32_t k = 0; k < l.lanes; ++k) {
      for (std::uint32_t v : lanes_[l.first_lane + k]) {
        ++n;
        vsum += dyn_[v].speed;
        if (dyn_[v].status == static_cast<std::uint8_t>(Status::active)) {
          ++running;
          running_speed += dyn_[v].speed;
          if ((dyn_[v].flags & kGridlockFlag) != 0) ++gridlocked;
        }
        if (!trajectories) continue;
        const Node& a = s.net.nodes[l.from];
        const Node& b = s.net.nodes[l.to];
        const double dx = b.x - a.x, dy = b.y - a.y;
        const double norm = std::max(std::hypot(dx, dy), 1e-9);
        const double f = dyn_[v].pos / l.length;
        const double off = (k + 0.5) * 3.5;  // lane centres right of the axis, 3.5 m lanes, 0 innermost
        // One row per vehicle and time: ordered by vehicle id, whichever LP owns it.
        ctx.emit_ordered(v, 0, kTrajectories, t, std::int64_t{v}, std::int64_t{li}, std::int64_t{k}, dyn_[v].pos,
                         a.x + f * dx + off * dy / norm, a.y + f * dy - off * dx / norm, dyn_[v].speed, dyn_[v].acc);
      }
    }
    stat_count_[li] += n;
    stat_speed_[li] += vsum;
    reroute_count_[li] += n;
    reroute_speed_[li] += vsum;
    if (stats) stats_row(ctx, li, t, stat_steps_[lp] + 1);
  }
  stat_steps_[lp] = stats ? 0 : stat_steps_[lp] + 1;
  StepSummary& sum = summary_[lp];
  sum.running += running;
  sum.gridlocked += gridlocked;
  sum.speed_sum += running_speed;
}

void TrafficPopulation::stats_row(Context& ctx, std::uint32_t li, double t, std::uint64_t steps) {
  const Shared& s = *shared_;
  const double span = static_cast<double>(steps) * s.p.step;
  const double density = stat_count_[li] / static_cast<double>(steps) / (s.net.links[li].length / 1000.0);
  const double mean = stat_count_[li] > 0 ? stat_speed_[li] / stat_count_[li] : std::nan("");
  ctx.emit_ordered(li, 0, kLinkStats, t, std::int64_t{li}, stat_exits_[li] * 3600.0 / span, density, mean);
  stat_count_[li] = 0.0;
  stat_speed_[li] = 0.0;
  stat_exits_[li] = 0;
}

}  // namespace simulacra::traffic
