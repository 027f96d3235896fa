// Demand of the traffic population: ring vehicles placed at t = 0, or
// Poisson trips (rate × hourly profile × timeline factor) from origin links
// or an OD matrix, or trips from a model of trips, each with a driver drawn
// from its vehicle type and a shortest-travel-time route. All drawn at
// construction from the run seed.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "simulacra/agents/traffic/traffic.hpp"
#include "draws.hpp"
#include "text.hpp"
#include "simulacra/engine/attribute_block.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::traffic {

namespace {

void draw_vehicle(const TrafficParams& p, RandomStream& rng, std::uint8_t type, Driver& d, double& factor,
                  double& length) {
  const VehicleType& t = type == 1 ? p.truck : p.car;
  d.v0 = t.max_speed;
  d.T = t.headway * truncated_normal(rng, 1.0, p.headway_sd, 0.5, 1.5);
  d.s0 = t.min_gap;
  const double acc_factor = truncated_normal(rng, 1.0, p.accel_sd, 0.5, 1.5);
  d.a = t.accel * acc_factor;
  d.b = t.decel * truncated_normal(rng, 1.0, p.accel_sd, 0.5, 1.5);
  factor = truncated_normal(rng, 1.0, p.speed_factor_sd, 0.6, kMaxSpeedFactor);
  length = t.length;
}

// The stream a trip model's rows are drawn from, apart from the demand
// stream (Poisson times, drawn origins, vehicle types and drivers).
constexpr std::uint64_t kTripModelStream = 0x4154'5452ULL;  // "ATTR"

// "links 0 to 119" for every link, else the first few ids.
std::string describe_links(const std::vector<std::uint32_t>& allowed, std::size_t link_count) {
  if (allowed.size() == link_count) return "links 0 to " + std::to_string(link_count - 1);
  std::string s;
  for (std::size_t i = 0; i < allowed.size() && i < 12; ++i) s += (i == 0 ? "" : ", ") + std::to_string(allowed[i]);
  if (allowed.size() > 12) s += ", ... (" + std::to_string(allowed.size()) + " in all)";
  return s;
}

// A sampled origin or destination column as link ids. Throws DataError naming
// the file, the column and the value for anything but the id of one of the
// network's origin (destination) links: ids are never mapped onto others.
std::vector<std::uint32_t> link_column(const TableChunk& rows, const TableSchema& schema, const std::string& column,
                                       const std::string& file, const Network& net) {
  const bool origin = column == "origin";
  const std::vector<std::uint32_t>& allowed = origin ? net.origins : net.destinations;
  std::vector<bool> ok(net.links.size(), false);
  for (std::uint32_t l : allowed) ok[l] = true;
  std::vector<std::uint32_t> out;
  out.reserve(rows.rows());
  for (double x : attribute_numbers(rows, schema, column, file)) {
    if (!(x >= 0.0 && x < static_cast<double>(net.links.size()) && x == std::floor(x) &&
          ok[static_cast<std::size_t>(x)])) {
      throw DataError(file + ": column '" + column + "' holds " + number_text(x) + ", not the id of " +
                      (origin ? "an origin" : "a destination") + " link of this network (" +
                      describe_links(allowed, net.links.size()) + ")");
    }
    out.push_back(static_cast<std::uint32_t>(x));
  }
  return out;
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
  // Poisson arrivals with rate(t) = rate × profile(t), by thinning.
  auto arrivals = [&](double rate, auto&& on_arrival) {
    if (rate <= 0.0 || peak <= 0.0) return;
    const double lambda_max = rate * peak / 3600.0;
    for (double t = rng.exponential(1.0 / lambda_max); t < p.duration; t += rng.exponential(1.0 / lambda_max)) {
      if (rng.bernoulli(profile(t) / peak)) on_arrival(t);
    }
  };
  struct Trip {
    double t;
    std::uint32_t origin, destination;  // destination kNone: drawn later
    bool from_rate;                     // demand_rate's (thinned by a live demand_rate)
  };
  std::vector<Trip> trips;
  double weight_sum = 0.0;
  for (std::uint32_t o : net.origins) weight_sum += net.links[o].lanes;
  auto draw_origin = [&] {
    double w = rng.uniform() * weight_sum;
    std::uint32_t origin = net.origins.back();
    for (std::uint32_t o : net.origins) {
      w -= net.links[o].lanes;
      if (w < 0.0) {
        origin = o;
        break;
      }
    }
    return origin;
  };

  // A model of trips: its departure times replace demand_rate's (validate()
  // saw to demand_rate = 0), or its origins and destinations replace those
  // demand_rate's trips would draw. Rows come from the model's own stream.
  const TripModel& model = p.trip_model;
  const TableSchema* schema = model.sampler ? &model.sampler->schema() : nullptr;
  const bool model_times = schema != nullptr && has_column(*schema, "departure");
  const bool model_origin = schema != nullptr && has_column(*schema, "origin");
  const bool model_destination = schema != nullptr && has_column(*schema, "destination");
  RandomStream model_rng(p.seed, kTripModelStream);
  auto sample_model = [&](std::size_t n) {
    TableChunk rows;
    try {
      rows = model.where.empty() ? model.sampler->sample(n, model_rng)
                                 : model.sampler->sample_where(n, model.where, model_rng);
    } catch (const UserError& e) {
      throw DataError(model.file + ": " + e.what());
    }
    if (rows.rows() != n) throw DataError(model.file + ": the model returned " + std::to_string(rows.rows()) + " rows");
    return rows;
  };
  // Row i's origin and destination (those the model has) go to trip i.
  auto take_od = [&](const TableChunk& rows) {
    if (model_origin) {
      const auto o = link_column(rows, *schema, "origin", model.file, net);
      for (std::size_t i = 0; i < o.size(); ++i) trips[i].origin = o[i];
    }
    if (model_destination) {
      const auto d = link_column(rows, *schema, "destination", model.file, net);
      for (std::size_t i = 0; i < d.size(); ++i) trips[i].destination = d[i];
    }
  };

  if (model_times) {
    const TableChunk rows = sample_model(model.trips);
    const std::vector<double> t = attribute_numbers(rows, *schema, "departure", model.file);
    // Every row becomes a trip first (ids checked for all rows alike), then
    // those departing at or after the run's end are dropped.
    for (double x : t) trips.push_back({x, kNone, kNone, false});
    take_od(rows);
    std::vector<Trip> kept;
    for (Trip& trip : trips) {
      if (trip.t < 0.0) {
        throw DataError(model.file + ": column 'departure' holds " + number_text(trip.t) +
                        ": departures are seconds from the run's start, never negative");
      }
      if (trip.t >= p.duration) continue;
      if (trip.origin == kNone) trip.origin = draw_origin();
      kept.push_back(trip);
    }
    trips = std::move(kept);
  } else if (!net.origins.empty()) {
    // Drawn at demand_rate × demand_headroom; TrafficPopulation::depart
    // keeps each with probability live demand_rate / that.
    arrivals(p.demand_rate * p.demand_headroom,
             [&](double t) { trips.push_back({t, model_origin ? kNone : draw_origin(), kNone, true}); });
    if (schema != nullptr && !trips.empty()) take_od(sample_model(trips.size()));
  }
  for (const OdFlow& f : p.od) {
    if (f.origin >= net.links.size() || f.destination >= net.links.size()) {
      throw ConfigError("traffic: od names link " + std::to_string(std::max(f.origin, f.destination)) +
                        " but the network has " + std::to_string(net.links.size()) + " links");
    }
    arrivals(f.rate, [&](double t) { trips.push_back({t, f.origin, f.destination, false}); });
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
  auto link_text = [&](std::uint32_t li) {
    const std::string& name = net.links[li].name;
    return "link " + std::to_string(li) + (name.empty() ? "" : " (edge '" + name + "')");
  };
  for (const OdFlow& f : p.od) {
    if (f.rate > 0.0 && route_of(f.origin, f.destination) == kNone) {
      throw UserError("traffic: od: no route leads from " + link_text(f.origin) + " to " + link_text(f.destination) +
                      (net.links[f.origin].name.empty() ? "" : " (see the links table for the links of the network)"));
    }
  }
  for (const Trip& trip : trips) {
    std::uint32_t route = kNone;
    if (trip.destination != kNone) {
      route = route_of(trip.origin, trip.destination);
      // od flows were checked above: this pair came from the model.
      if (route == kNone) {
        throw DataError(model.file + ": a sampled trip goes from " + link_text(trip.origin) + " to " +
                        link_text(trip.destination) + ", which no route joins");
      }
    } else {
      for (int attempt = 0; attempt < 20 && route == kNone; ++attempt) {
        const std::uint32_t dest = net.destinations[rng.below(net.destinations.size())];
        if (dest == trip.origin && net.destinations.size() > 1) continue;
        route = route_of(trip.origin, dest);
      }
      // Origins and destinations of SUMO files are one strongly connected
      // part; generated networks are connected: a miss is a network whose
      // origins cannot reach its destinations.
      if (route == kNone) {
        throw UserError("traffic: no destination can be reached from origin " + link_text(trip.origin) +
                        " (20 drawn destinations tried)");
      }
    }
    VehicleSpec vs;
    vs.type = rng.bernoulli(p.truck_share) ? 1 : 0;
    draw_vehicle(p, rng, vs.type, vs.drv, vs.speed_factor, vs.length);
    vs.route = route;
    vs.depart = trip.t;
    vs.from_rate = trip.from_rate;
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
