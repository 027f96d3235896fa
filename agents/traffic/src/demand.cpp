// Demand of the traffic population: ring vehicles placed at t = 0, or
// Poisson trips (rate × hourly profile × timeline factor) from origin links
// or an OD matrix, each with a driver drawn from its vehicle type and a
// shortest-travel-time route. All drawn at construction from the run seed.
#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include "simulacra/agents/traffic/traffic.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::traffic {

namespace {

double truncated_normal(RandomStream& rng, double mean, double sd, double lo, double hi) {
  if (sd <= 0.0) return mean;
  for (int i = 0; i < 100; ++i) {
    const double x = rng.normal(mean, sd);
    if (x >= lo && x <= hi) return x;
  }
  return std::clamp(mean, lo, hi);
}

void draw_vehicle(const TrafficParams& p, RandomStream& rng, std::uint8_t type, Driver& d, double& factor,
                  double& length) {
  const VehicleType& t = type == 1 ? p.truck : p.car;
  d.v0 = t.max_speed;
  d.T = t.headway * truncated_normal(rng, 1.0, p.headway_sd, 0.5, 1.5);
  d.s0 = t.min_gap;
  const double acc_factor = truncated_normal(rng, 1.0, p.accel_sd, 0.5, 1.5);
  d.a = t.accel * acc_factor;
  d.b = t.decel * truncated_normal(rng, 1.0, p.accel_sd, 0.5, 1.5);
  factor = truncated_normal(rng, 1.0, p.speed_factor_sd, 0.6, 1.4);
  length = t.length;
}
}  // namespace

void TrafficPopulation::place_ring_vehicles(Shared& s) {
  RandomStream rng(s.p.seed, 0x5249'4e47ULL);
  const double total = s.net.links[0].length * static_cast<double>(s.net.links.size());
  const std::uint32_t n = s.p.ring_vehicles;
  const std::uint32_t lanes = s.net.links[0].lanes;
  const std::uint32_t per_lane = (n + lanes - 1) / std::max(1u, lanes);
  s.veh.resize(n);
  for (std::uint32_t v = 0; v < n; ++v) {
    VehicleSpec& vs = s.veh[v];
    vs.type = rng.bernoulli(s.p.truck_share) ? 1 : 0;
    draw_vehicle(s.p, rng, vs.type, vs.drv, vs.speed_factor, vs.length);
    vs.route = kNone;
  }
  // Even spacing per lane (vehicle v in lane v % lanes), plus optional noise;
  // the ring position goes through distance_ to setup().
  distance_.assign(n, 0.0);
  for (std::uint32_t v = 0; v < n; ++v) {
    const double slot = total / per_lane;
    // Noise is kept within half the free space of a slot: vehicles never
    // start overlapping.
    const double room = std::max(0.0, 0.45 * (slot - s.veh[v].length - 0.5));
    const double noise = truncated_normal(rng, 0.0, s.p.ring_jitter, -room, room);
    double x = (v / lanes) * slot + noise;
    x = std::fmod(std::fmod(x, total) + total, total);
    distance_[v] = x;
  }
}

void TrafficPopulation::generate_demand(Shared& s) {
  const TrafficParams& p = s.p;
  const Network& net = s.net;
  RandomStream rng(p.seed, 0x4445'4d41'4e44ULL);
  auto profile = [&](double t) {
    double m = 1.0;
    if (!p.demand_profile.empty()) {
      const auto h = static_cast<std::size_t>(std::floor(t / 3600.0));
      m = p.demand_profile[h % p.demand_profile.size()];
    }
    for (const auto& [at, f] : p.demand_factors) {
      if (t >= at) m = f;  // the latest factor in force replaces earlier ones
    }
    return m;
  };
  double peak = p.demand_profile.empty() ? 1.0 : *std::max_element(p.demand_profile.begin(), p.demand_profile.end());
  double fmax = 1.0;
  for (const auto& af : p.demand_factors) fmax = std::max(fmax, af.second);
  peak *= fmax;
  if (peak <= 0.0) return;
  // Poisson arrivals with rate(t) = rate × profile(t), by thinning.
  auto arrivals = [&](double rate, auto&& on_arrival) {
    if (rate <= 0.0) return;
    const double lambda_max = rate * peak / 3600.0;
    for (double t = rng.exponential(1.0 / lambda_max); t < p.duration; t += rng.exponential(1.0 / lambda_max)) {
      if (rng.bernoulli(profile(t) / peak)) on_arrival(t);
    }
  };
  struct Trip {
    double t;
    std::uint32_t origin, destination;  // destination kNone: drawn later
  };
  std::vector<Trip> trips;
  double weight_sum = 0.0;
  for (std::uint32_t o : net.origins) weight_sum += net.links[o].lanes;
  if (!net.origins.empty()) {
    arrivals(p.demand_rate, [&](double t) {
      double w = rng.uniform() * weight_sum;
      std::uint32_t origin = net.origins.back();
      for (std::uint32_t o : net.origins) {
        w -= net.links[o].lanes;
        if (w < 0.0) {
          origin = o;
          break;
        }
      }
      trips.push_back({t, origin, kNone});
    });
  }
  for (const OdFlow& f : p.od) {
    if (f.origin >= net.links.size() || f.destination >= net.links.size()) {
      throw std::invalid_argument("traffic: od names link " + std::to_string(std::max(f.origin, f.destination)) +
                                  " but the network has " + std::to_string(net.links.size()) + " links");
    }
    arrivals(f.rate, [&](double t) { trips.push_back({t, f.origin, f.destination}); });
  }
  std::stable_sort(trips.begin(), trips.end(), [](const Trip& a, const Trip& b) { return a.t < b.t; });

  Router router(net);
  std::map<std::uint64_t, std::uint32_t> route_ids;
  auto route_of = [&](std::uint32_t origin, std::uint32_t dest) {
    const std::uint64_t key = (std::uint64_t{origin} << 32) | dest;
    auto it = route_ids.find(key);
    if (it == route_ids.end()) {
      auto r = router.route(origin, dest);
      std::uint32_t id = kNone;
      if (!r.empty()) {
        id = static_cast<std::uint32_t>(s.routes.size());
        s.routes.push_back(std::move(r));
      }
      it = route_ids.emplace(key, id).first;
    }
    return it->second;
  };
  for (const Trip& trip : trips) {
    std::uint32_t route = kNone;
    if (trip.destination != kNone) {
      route = route_of(trip.origin, trip.destination);
    } else {
      for (int attempt = 0; attempt < 20 && route == kNone; ++attempt) {
        const std::uint32_t dest = net.destinations[rng.below(net.destinations.size())];
        if (dest == trip.origin && net.destinations.size() > 1) continue;
        route = route_of(trip.origin, dest);
      }
    }
    if (route == kNone) continue;  // unreachable: not generated (documented)
    VehicleSpec vs;
    vs.type = rng.bernoulli(p.truck_share) ? 1 : 0;
    draw_vehicle(p, rng, vs.type, vs.drv, vs.speed_factor, vs.length);
    vs.route = route;
    vs.depart = trip.t;
    for (std::uint32_t li : s.routes[route]) {
      const Link& l = net.links[li];
      vs.free_time += l.length / std::min(vs.drv.v0, l.speed_limit * vs.speed_factor);
    }
    const auto id = static_cast<std::uint32_t>(s.veh.size());
    s.veh.push_back(vs);
    s.departures[s.node_owner[net.links[trip.origin].from]].push_back(id);
  }
}

}  // namespace simulacra::traffic
