// Joining the junctions at both ends of links too short for the time step
// (OpenStreetMap networks have many 1-10 m edges): the model moves a vehicle
// onto the next link only at the next step, so a link must take more than a
// step to cross. Junction clusters become one node, as netconvert's
// --junctions.join does, and movements through them become single turns.
// Also the least link lengths a step allows and the network as the model
// runs it.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <string>

#include "simulacra/agents/traffic/params.hpp"
#include "simulacra/agents/traffic/sumo.hpp"
#include "simulacra/engine/errors.hpp"
#include "text.hpp"

namespace simulacra::traffic {

namespace {

// Union-find over nodes; the root of a set is its smallest node.
struct Clusters {
  std::vector<std::uint32_t> parent;
  explicit Clusters(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0u); }
  std::uint32_t find(std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void unite(std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
};

std::string seconds_text(std::int64_t ms) {
  std::string s = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    std::string frac = std::to_string(1000 + ms % 1000).substr(1);
    while (frac.back() == '0') frac.pop_back();
    s += "." + frac;
  }
  return s + " s";
}

// One plan running `plans` side by side: the state strings concatenated in
// this order, phases cut at every switch of any plan over their common cycle
// (times in ms, so that cycles like 90 s and 60 s meet exactly).
SignalPlan side_by_side(const std::vector<const SignalPlan*>& plans, const std::string& source,
                        const std::string& junctions) {
  constexpr std::int64_t kMaxCycle = 2 * 3600 * 1000;
  std::int64_t common = 1;
  for (const SignalPlan* p : plans) {
    const std::int64_t c = std::llround(p->cycle() * 1000.0);
    common = std::lcm(common, c);
    if (common > kMaxCycle) {
      std::string list;
      for (const SignalPlan* q : plans) {
        list += (list.empty() ? "'" : ", '") + q->id + "' (line " + std::to_string(q->line) + ", cycle " +
                seconds_text(std::llround(q->cycle() * 1000.0)) + ")";
      }
      throw NetworkFileError(source + ":" + std::to_string(plans.front()->line) + ": junctions " + junctions +
                             " are joined (a link between them is shorter than 1.5 steps of travel) but their "
                             "programs " + list + " share no cycle within 2 h");
    }
  }
  std::vector<std::int64_t> cuts;
  for (const SignalPlan* p : plans) {
    const std::int64_t c = std::llround(p->cycle() * 1000.0);
    const std::int64_t offset = std::llround(p->offset * 1000.0);
    for (std::int64_t r = 0; r < common / c; ++r) {
      std::int64_t at = offset + r * c;
      for (const SignalPhase& ph : p->phases) {
        cuts.push_back(((at % common) + common) % common);
        at += std::llround(ph.duration * 1000.0);
      }
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  SignalPlan out;
  for (const SignalPlan* p : plans) out.id += (out.id.empty() ? "" : "+") + p->id;
  out.line = plans.front()->line;
  out.offset = static_cast<double>(cuts.front()) / 1000.0;
  for (std::size_t i = 0; i < cuts.size(); ++i) {
    const std::int64_t end = i + 1 < cuts.size() ? cuts[i + 1] : cuts.front() + common;
    SignalPhase ph;
    ph.duration = static_cast<double>(end - cuts[i]) / 1000.0;
    const double mid = (static_cast<double>(cuts[i]) + static_cast<double>(end - cuts[i]) / 2.0) / 1000.0;
    for (const SignalPlan* p : plans) {
      const SignalPhase& in = p->phases[p->phase_at(mid)];
      ph.lights.insert(ph.lights.end(), in.lights.begin(), in.lights.end());
      ph.state += in.state;
    }
    out.phases.push_back(std::move(ph));
  }
  return out;
}

}  // namespace

Network join_short_links(const Network& net, const std::vector<double>& min_length) {
  const auto n_nodes = static_cast<std::uint32_t>(net.nodes.size());
  const auto n_links = static_cast<std::uint32_t>(net.links.size());
  std::vector<bool> removed(n_links, false);
  Clusters cl(n_nodes);
  bool any = false;
  for (std::uint32_t i = 0; i < n_links; ++i) {
    if (net.links[i].length < min_length[i]) {
      removed[i] = any = true;
      cl.unite(net.links[i].from, net.links[i].to);
    }
  }
  if (!any) return net;

  Network out;
  out.source = net.source;
  out.car_free_edges = net.car_free_edges;
  // Nodes: one per cluster, in the order of their first member.
  std::vector<std::uint32_t> node_of(n_nodes, kNone);
  std::vector<std::vector<std::uint32_t>> members;
  for (std::uint32_t v = 0; v < n_nodes; ++v) {
    const std::uint32_t root = cl.find(v);
    if (node_of[root] == kNone) {
      node_of[root] = static_cast<std::uint32_t>(members.size());
      members.emplace_back();
    }
    node_of[v] = node_of[root];
    members[node_of[v]].push_back(v);
  }
  // Each cluster's programs in the order its members name them, and where
  // each program's signal indices start in the cluster's plan.
  // (A program joined across junctions may reach several clusters.)
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> index_base;  // (node, program) -> base
  for (const auto& m : members) {
    Node node;
    std::vector<const SignalPlan*> plans;
    std::vector<std::uint32_t> plan_ids;
    bool signal = false, yield = false;
    for (std::uint32_t v : m) {
      const Node& old = net.nodes[v];
      node.x += old.x / static_cast<double>(m.size());
      node.y += old.y / static_cast<double>(m.size());
      node.name += (node.name.empty() ? "" : " ") + old.name;
      signal = signal || old.control == Control::signal;
      yield = yield || old.control == Control::yield;
      if (old.plan != kNone && std::find(plan_ids.begin(), plan_ids.end(), old.plan) == plan_ids.end()) {
        plan_ids.push_back(old.plan);
        plans.push_back(&net.plans[old.plan]);
      }
    }
    node.control = signal ? Control::signal : yield ? Control::yield : Control::none;
    node.signal_offset = net.nodes[m.front()].signal_offset;
    if (!plans.empty()) {
      std::uint32_t base = 0;
      for (std::uint32_t p : plan_ids) {
        index_base[{static_cast<std::uint32_t>(out.nodes.size()), p}] = base;
        base += static_cast<std::uint32_t>(net.plans[p].phases.front().lights.size());
      }
      node.plan = static_cast<std::uint32_t>(out.plans.size());
      if (plans.size() == 1) {
        out.plans.push_back(*plans.front());
      } else {
        std::string names;
        for (std::uint32_t v : m) names += (names.empty() ? "'" : ", '") + net.nodes[v].name + "'";
        out.plans.push_back(side_by_side(plans, net.source, names));
      }
    }
    out.nodes.push_back(std::move(node));
  }
  for (const auto& [edge, node] : net.joined_edges) out.joined_edges.emplace_back(edge, node_of[node]);
  std::vector<std::uint32_t> link_of(n_links, kNone);
  for (std::uint32_t i = 0; i < n_links; ++i) {
    if (removed[i]) {
      out.joined_edges.emplace_back(net.links[i].name, node_of[net.links[i].from]);
      continue;
    }
    link_of[i] = static_cast<std::uint32_t>(out.links.size());
    Link l = net.links[i];
    l.from = node_of[l.from];
    l.to = node_of[l.to];
    l.merge_from = l.merge_from == kNone ? kNone : link_of[l.merge_from];
    l.out.clear();
    l.in.clear();
    l.signal.clear();
    out.links.push_back(std::move(l));
  }
  // Movements: from each kept link's lane, follow connections through removed
  // links (from any of their lanes) to the first kept link; the light is that
  // of the first signalled connection on the way, in the cluster's plan.
  std::vector<std::vector<std::uint32_t>> turns_from(n_links);
  for (std::uint32_t t = 0; t < net.turns.size(); ++t) turns_from[net.turns[t].from].push_back(t);
  auto signal_of = [&](const Turn& t) {
    if (t.signal == kNone) return kNone;
    const std::uint32_t at = net.links[t.from].to;
    return index_base.at({node_of[at], net.nodes[at].plan}) + t.signal;
  };
  for (std::uint32_t x = 0; x < n_links; ++x) {
    if (removed[x]) continue;
    for (std::uint32_t lane = 0; lane < net.links[x].lanes; ++lane) {
      std::set<std::uint32_t> reached, visited;
      struct Step {
        std::uint32_t link, signal;
      };
      std::vector<Step> todo;
      auto take = [&](const Turn& t, std::uint32_t signal) {
        if (signal == kNone) signal = signal_of(t);
        if (!removed[t.to]) {
          if (reached.insert(t.to).second) out.turns.push_back({link_of[x], lane, link_of[t.to], signal});
        } else if (visited.insert(t.to).second) {
          todo.push_back({t.to, signal});
        }
      };
      for (std::uint32_t t : turns_from[x]) {
        if (net.turns[t].from_lane == lane) take(net.turns[t], kNone);
      }
      // Depth first, in connection order: the same turns for the same file.
      while (!todo.empty()) {
        const Step s = todo.back();
        todo.pop_back();
        for (std::uint32_t t : turns_from[s.link]) take(net.turns[t], s.signal);
      }
    }
  }
  for (std::uint32_t o : net.origins) {
    if (!removed[o]) out.origins.push_back(link_of[o]);
  }
  for (std::uint32_t d : net.destinations) {
    if (!removed[d]) out.destinations.push_back(link_of[d]);
  }
  out.finalize();
  return out;
}

std::vector<double> min_link_lengths(const Network& net, const TrafficParams& p, const std::vector<VehicleType>& more) {
  double top = std::max(p.car.max_speed, p.truck.max_speed);
  double longest = std::max(p.car.length + p.car.min_gap, p.truck.length + p.truck.min_gap);
  for (const VehicleType& t : more) {
    top = std::max(top, t.max_speed);
    longest = std::max(longest, t.length + t.min_gap);
  }
  std::vector<double> need(net.links.size());
  for (std::size_t i = 0; i < net.links.size(); ++i) {
    const Link& l = net.links[i];
    double limit = l.speed_limit;
    for (std::uint32_t j : l.in) limit = std::max(limit, net.links[j].speed_limit);
    // Desired speeds are at most 1.4 × the limit (demand.cpp's factor);
    // a vehicle enters at up to its predecessor's speed.
    const double fastest = std::min(top, kMaxSpeedFactor * limit);
    // Nor may a vehicle (with its standstill gap) be longer than a link: a
    // lane holds only the vehicles whose front is on it.
    need[i] = std::min(60.0, std::max(1.5 * fastest * p.step, longest));
  }
  return need;
}

Network runnable_network(Network net, const TrafficParams& p, const std::vector<VehicleType>& more) {
  make_signal_plans(net, p.phase_scheme, p.green, p.intergreen);
  // A vehicle must not jump over a whole link in one step: a link has to
  // take 1.5 steps at the highest speed a vehicle may reach on it. A SUMO
  // network's shorter links are joined into their junctions (until none is
  // left: joining gives links new, perhaps faster, predecessors); a generated
  // one's settings are refused.
  for (;;) {
    const std::vector<double> need = min_link_lengths(net, p, more);
    if (!net.turns.empty()) {
      Network joined = join_short_links(net, need);
      if (joined.links.size() == net.links.size()) break;
      net = std::move(joined);
      continue;
    }
    for (std::size_t i = 0; i < net.links.size(); ++i) {
      if (net.links[i].length < need[i]) {
        throw ConfigError("traffic: link " + std::to_string(i) + " (" + number_text(net.links[i].length) +
                          " m) is shorter than 1.5 steps of " + number_text(p.step) + " s at " +
                          number_text(need[i] / (1.5 * p.step)) + " m/s");
      }
    }
    break;
  }
  return net;
}

}  // namespace simulacra::traffic
