// Imported SUMO demand and induction loops in the traffic population:
// vehicles of route files with drivers from their vTypes and routes on the
// links, and e1 detectors counting the vehicles that pass them (rows like
// SUMO's e1 output, one per detector and interval).
#include <algorithm>
#include <cmath>
#include <map>

#include "draws.hpp"
#include "simulacra/agents/traffic/traffic.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::traffic {

namespace {
constexpr std::uint64_t kImportStream = 0x494d'504fULL;  // "IMPO": drivers of imported vehicles
constexpr std::size_t kListed = 20;                     // vehicles named in one error
}  // namespace

SumoDemand load_sumo_demand(const TrafficParams& p) {
  std::vector<std::string> files = p.additional_files;
  files.insert(files.end(), p.route_files.begin(), p.route_files.end());
  if (files.empty()) return {};
  double end = p.sumo_begin + p.duration;
  if (p.sumo_end >= 0.0) end = std::min(end, p.sumo_end);
  return read_sumo_demand(files, p.seed, p.sumo_begin, end);
}

std::vector<VehicleType> used_types(const SumoDemand& d) {
  std::vector<bool> used(d.types.size(), false);
  for (const SumoVehicle& v : d.vehicles) used[v.type] = true;
  std::vector<VehicleType> out;
  for (std::size_t i = 0; i < d.types.size(); ++i) {
    if (used[i]) out.push_back(d.types[i].type);
  }
  return out;
}

std::vector<std::vector<std::uint32_t>> map_routes(const SumoDemand& d, const Network& net) {
  SumoLinks ids(net);
  std::vector<std::vector<std::uint32_t>> routes;
  routes.reserve(d.vehicles.size());
  std::string errors;
  std::size_t bad = 0;
  for (const SumoVehicle& v : d.vehicles) {
    MappedRoute r = ids.route(v);
    if (!r.error.empty() && bad++ < kListed) errors += (errors.empty() ? "" : "\n") + r.error;
    routes.push_back(std::move(r.links));
  }
  if (bad > 0) {
    if (bad > kListed) errors += "\n... and " + std::to_string(bad - kListed) + " more";
    throw DemandFileError(errors + (bad > 1 ? "\n" + std::to_string(bad) + " of " +
                                                  std::to_string(d.vehicles.size()) + " vehicles cannot be routed"
                                            : ""));
  }
  return routes;
}

void TrafficPopulation::import_demand(Shared& s, const SumoDemand& demand) {
  if (demand.vehicles.empty()) return;
  const TrafficParams& p = s.p;
  const Network& net = s.net;
  const auto routes = map_routes(demand, net);
  RandomStream rng(p.seed, kImportStream);
  s.first_imported = static_cast<std::uint32_t>(s.veh.size());
  for (const SumoVType& t : demand.types) s.vtype_names.push_back(t.id);
  std::map<std::vector<std::uint32_t>, std::uint32_t> route_ids;
  for (std::size_t i = 0; i < demand.vehicles.size(); ++i) {
    const SumoVehicle& sv = demand.vehicles[i];
    const SumoVType& t = demand.types[sv.type];
    VehicleSpec vs;
    vs.type = t.heavy ? 1 : 0;
    vs.drv.v0 = t.type.max_speed;
    vs.drv.T = t.type.headway * truncated_normal(rng, 1.0, p.headway_sd, 0.5, 1.5);
    vs.drv.s0 = t.type.min_gap;
    vs.drv.a = t.type.accel * truncated_normal(rng, 1.0, p.accel_sd, 0.5, 1.5);
    vs.drv.b = t.type.decel * truncated_normal(rng, 1.0, p.accel_sd, 0.5, 1.5);
    vs.speed_factor = truncated_normal(rng, t.speed_factor, t.speed_dev, 0.2, kMaxSpeedFactor);
    vs.length = t.type.length;
    auto [it, fresh] = route_ids.emplace(routes[i], static_cast<std::uint32_t>(s.routes.size()));
    if (fresh) s.routes.push_back(routes[i]);
    vs.route = it->second;
    vs.depart = sv.depart - p.sumo_begin;
    for (std::uint32_t li : routes[i]) {
      const Link& l = net.links[li];
      vs.free_time += l.length / std::min(vs.drv.v0, l.speed_limit * vs.speed_factor);
    }
    const auto id = static_cast<std::uint32_t>(s.veh.size());
    s.veh.push_back(vs);
    s.sumo_ids.push_back(sv.id);
    s.sumo_types.push_back(sv.type);
    const std::uint32_t lp = s.node_owner[net.links[routes[i].front()].from];
    s.departures[lp].push_back(id);
    s.own_origins[lp].push_back(routes[i].front());
  }
  // Imported vehicles depart from their routes' first links, origins or not;
  // each LP's departures in time order (ties by id) after both kinds.
  for (auto& o : s.own_origins) {
    std::sort(o.begin(), o.end());
    o.erase(std::unique(o.begin(), o.end()), o.end());
  }
  for (auto& list : s.departures) {
    std::stable_sort(list.begin(), list.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return s.veh[a].depart < s.veh[b].depart; });
  }
}

std::string TrafficPopulation::sumo_id(std::uint32_t v) const {
  const Shared& s = *shared_;
  return s.first_imported == kNone || v < s.first_imported ? std::string{} : s.sumo_ids[v - s.first_imported];
}

void TrafficPopulation::place_detectors(Shared& s, const SumoDemand& demand) {
  const SumoLinks ids(s.net);
  s.lane_detectors.assign(s.net.lane_count, {});
  s.own_detectors.assign(blocks_, {});
  for (const SumoDetector& d : demand.detectors) {
    const auto i = static_cast<std::uint32_t>(s.detectors.size());
    s.detectors.push_back({d.id, ids.detector(d), d.period});
    const DetectorSite& site = s.detectors.back().site;
    if (!site.placed()) {
      s.own_detectors[0].push_back(i);  // writes its rows of NaN
      continue;
    }
    s.lane_detectors[s.net.links[site.link].first_lane + site.lane].push_back(i);
    s.own_detectors[link_owner(site.link)].push_back(i);
  }
  const std::size_t n = s.detectors.size();
  det_count_.assign(n, 0);
  det_occupied_.assign(n, 0);
  det_steps_.assign(n, 0);
  det_speed_.assign(n, 0.0);
}

void TrafficPopulation::detect(std::uint32_t lane, std::uint32_t v, double from, double to) {
  const Shared& s = *shared_;
  if (s.lane_detectors.empty()) return;
  for (std::uint32_t d : s.lane_detectors[lane]) {
    const double at = s.detectors[d].site.pos;
    if (from < at && at <= to) {
      ++det_count_[d];
      det_speed_[d] += dyn_[v].speed;
    }
  }
}

void TrafficPopulation::sample_detectors(Context& ctx, std::uint32_t lp, double t) {
  const Shared& s = *shared_;
  if (s.own_detectors.empty()) return;
  const double dt = s.p.step;
  for (std::uint32_t d : s.own_detectors[lp]) {
    const Shared::Detector& det = s.detectors[d];
    // Covered at the step's end: some vehicle's front at or past the loop,
    // its rear before it.
    static const std::vector<std::uint32_t> kNoLane;
    const auto& lane = det.site.placed() ? lanes_[s.net.links[det.site.link].first_lane + det.site.lane] : kNoLane;
    for (std::uint32_t v : lane) {
      if (dyn_[v].pos >= det.site.pos && dyn_[v].pos - s.veh[v].length < det.site.pos) {
        ++det_occupied_[d];
        break;
      }
    }
    ++det_steps_[d];
    if (std::floor((t + 1e-9) / det.period) != std::floor((t - dt + 1e-9) / det.period)) detector_row(ctx, d, t);
  }
}

void TrafficPopulation::detector_row(Context& ctx, std::uint32_t d, double end) {
  const Shared& s = *shared_;
  const Shared::Detector& det = s.detectors[d];
  const double begin = std::floor((end - 1e-9) / det.period) * det.period;
  const double span = end - begin;  // SUMO's flow: per hour of the interval
  const double nan = std::nan("");
  const bool placed = det.site.placed();
  const auto n = static_cast<double>(det_count_[d]);
  const double occupancy = 100.0 * static_cast<double>(det_occupied_[d]) / static_cast<double>(det_steps_[d]);
  ctx.emit_ordered(d, 0, kDetectors, det.id, s.p.sumo_begin + begin, s.p.sumo_begin + end,
                   placed ? std::int64_t{det.site.link} : std::int64_t{-1}, std::int64_t{det.site.lane},
                   placed ? n : nan, placed ? n * 3600.0 / span : nan, n > 0 ? det_speed_[d] / n : nan,
                   placed ? occupancy : nan);
  det_count_[d] = det_occupied_[d] = det_steps_[d] = 0;
  det_speed_[d] = 0.0;
}

}  // namespace simulacra::traffic
