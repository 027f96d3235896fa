#include "simulacra/agents/traffic/network.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>

#include "simulacra/engine/errors.hpp"

namespace simulacra::traffic {

void Network::finalize() {
  lane_count = 0;
  approaches.assign(nodes.size(), {});
  for (auto& l : links) {
    l.out.clear();
    l.in.clear();
  }
  for (std::uint32_t i = 0; i < links.size(); ++i) {
    Link& l = links[i];
    const std::string what = "link " + (l.name.empty() ? std::to_string(i) : l.name);
    if (l.from >= nodes.size() || l.to >= nodes.size()) throw ConfigError(what + " names a missing node");
    if (!(l.length > 0.0)) throw ConfigError(what + " has a non-positive length");
    if (l.lanes == 0) throw ConfigError(what + " has no lanes");
    if (l.drop_lane && l.lanes < 2) throw ConfigError(what + " has a drop lane but no through lane");
    if (!(l.speed_limit > 0.0)) throw ConfigError(what + " has a non-positive speed limit");
    l.first_lane = lane_count;
    lane_count += l.lanes;
    approaches[l.to].push_back(i);
  }
  if (turns.empty()) {
    for (std::uint32_t i = 0; i < links.size(); ++i) {
      for (std::uint32_t j : approaches[links[i].from]) {
        links[i].in.push_back(j);
        links[j].out.push_back(i);
      }
    }
  } else {
    for (const Turn& t : turns) {
      if (t.from >= links.size() || t.to >= links.size() || t.from_lane >= links[t.from].lanes ||
          links[t.from].to != links[t.to].from) {
        throw ConfigError("a turn from link " + std::to_string(t.from) + " lane " +
                          std::to_string(t.from_lane) + " to link " + std::to_string(t.to) +
                          " does not join two links at one node");
      }
      links[t.from].out.push_back(t.to);
    }
    for (auto& l : links) {
      std::sort(l.out.begin(), l.out.end());
      l.out.erase(std::unique(l.out.begin(), l.out.end()), l.out.end());
    }
    for (std::uint32_t i = 0; i < links.size(); ++i) {
      for (std::uint32_t j : links[i].out) links[j].in.push_back(i);
    }
    for (auto& l : links) std::sort(l.in.begin(), l.in.end());
  }
  for (auto& l : links) std::sort(l.out.begin(), l.out.end());
  for (auto& l : links) l.signal.assign(l.lanes * l.out.size(), l.group_signal);
  for (std::uint32_t p = 0; p < plans.size(); ++p) {
    if (plans[p].phases.empty() || !(plans[p].cycle() > 0.0)) {
      throw ConfigError("signal plan '" + plans[p].id + "' has no phase of positive duration");
    }
    for (const auto& ph : plans[p].phases) {
      if (ph.lights.size() != plans[p].phases.front().lights.size() || ph.duration < 0.0) {
        throw ConfigError("signal plan '" + plans[p].id + "': phases differ in length or last < 0 s");
      }
    }
  }
  for (const auto& n : nodes) {
    if (n.plan != kNone && n.plan >= plans.size()) throw ConfigError("a node names a missing signal plan");
  }
  for (const auto& l : links) {
    const std::uint32_t plan = nodes[l.to].plan;
    if (l.group_signal != kNone && (plan == kNone || l.group_signal >= plans[plan].phases.front().lights.size())) {
      throw ConfigError("link " + l.name + " names a signal index its end node's plan does not have");
    }
  }
  for (const Turn& t : turns) {
    if (t.signal == kNone) continue;
    const std::uint32_t plan = nodes[links[t.from].to].plan;
    if (plan == kNone || t.signal >= plans[plan].phases.front().lights.size()) {
      throw ConfigError("a turn from link " + std::to_string(t.from) + " names signal index " +
                        std::to_string(t.signal) + ", which its node's plan does not have");
    }
    Link& l = links[t.from];
    const auto j = static_cast<std::size_t>(std::lower_bound(l.out.begin(), l.out.end(), t.to) - l.out.begin());
    l.signal[t.from_lane * l.out.size() + j] = t.signal;
  }
  // A lane without its own movement to a successor uses the nearest lane's.
  for (auto& l : links) {
    const std::size_t m = l.out.size();
    for (std::size_t j = 0; j < m; ++j) {
      for (std::uint32_t k = 0; k < l.lanes; ++k) {
        if (l.signal[k * m + j] != kNone) continue;
        for (std::uint32_t d = 1; d < l.lanes; ++d) {
          if (k >= d && l.signal[(k - d) * m + j] != kNone) { l.signal[k * m + j] = l.signal[(k - d) * m + j]; break; }
          if (k + d < l.lanes && l.signal[(k + d) * m + j] != kNone) { l.signal[k * m + j] = l.signal[(k + d) * m + j]; break; }
        }
      }
    }
  }
  if (origins.empty()) {
    for (std::uint32_t i = 0; i < links.size(); ++i) origins.push_back(i);
  }
  if (destinations.empty()) {
    for (std::uint32_t i = 0; i < links.size(); ++i) destinations.push_back(i);
  }
}

std::uint32_t Network::entry_lane(std::uint32_t from_link, std::uint32_t lane, std::uint32_t to_link) const {
  const Link& to = links[to_link];
  if (to.drop_lane && to.merge_from == from_link) return to.lanes - 1;
  return std::min(lane, through_lanes(to_link) - 1);
}

Network make_grid(const GridSpec& s) {
  if (s.nx < 2 || s.ny < 2) throw ConfigError("a grid needs at least 2 x 2 nodes");
  Network net;
  for (std::uint32_t j = 0; j < s.ny; ++j) {
    for (std::uint32_t i = 0; i < s.nx; ++i) {
      Node n;
      n.x = i * s.block;
      n.y = j * s.block;
      n.control = s.control;
      net.nodes.push_back(n);
    }
  }
  auto add = [&](std::uint32_t a, std::uint32_t b) {
    Link l;
    l.from = a;
    l.to = b;
    l.length = s.block;
    l.lanes = s.lanes;
    l.speed_limit = s.speed_limit;
    net.links.push_back(l);
  };
  for (std::uint32_t j = 0; j < s.ny; ++j) {
    for (std::uint32_t i = 0; i < s.nx; ++i) {
      const std::uint32_t n = j * s.nx + i;
      if (i + 1 < s.nx) {
        add(n, n + 1);
        add(n + 1, n);
      }
      if (j + 1 < s.ny) {
        add(n, n + s.nx);
        add(n + s.nx, n);
      }
    }
  }
  // Border nodes with fewer than three approaches are not real conflicts for
  // a one-approach-at-a-time plan, but keeping their control uniform makes the
  // grid behave like SUMO's netgenerate grids with traffic lights everywhere.
  net.finalize();
  return net;
}

Network make_ring(const RingSpec& s) {
  if (s.segments == 0) throw ConfigError("a ring needs at least one segment");
  Network net;
  const double r = s.length / (2.0 * std::numbers::pi);
  for (std::uint32_t i = 0; i < s.segments; ++i) {
    const double phi = 2.0 * std::numbers::pi * i / s.segments;
    Node n;
    n.x = r * std::cos(phi);
    n.y = r * std::sin(phi);
    net.nodes.push_back(n);
  }
  for (std::uint32_t i = 0; i < s.segments; ++i) {
    Link l;
    l.from = i;
    l.to = (i + 1) % s.segments;
    l.length = s.length / s.segments;
    l.lanes = s.lanes;
    l.speed_limit = s.speed_limit;
    net.links.push_back(l);
  }
  net.finalize();
  return net;
}

Network make_corridor(const CorridorSpec& s) {
  if (s.segments < 2) throw ConfigError("a corridor needs at least 2 segments");
  Network net;
  const double seg = s.length / s.segments;
  for (std::uint32_t i = 0; i <= s.segments; ++i) {
    Node n;
    n.x = i * seg;
    net.nodes.push_back(n);
  }
  for (std::uint32_t i = 0; i < s.segments; ++i) {
    Link l;
    l.from = i;
    l.to = i + 1;
    l.length = seg;
    l.lanes = s.lanes;
    l.speed_limit = s.speed_limit;
    net.links.push_back(l);
  }
  net.origins.push_back(0);
  net.destinations.push_back(s.segments - 1);
  if (s.ramp_every > 0) {
    for (std::uint32_t i = s.ramp_every; i < s.segments; i += s.ramp_every) {
      // The ramp joins at node i and feeds the acceleration lane of segment i.
      Node n;
      n.x = i * seg - s.ramp_length;
      n.y = -60.0;
      net.nodes.push_back(n);
      Link ramp;
      ramp.from = static_cast<std::uint32_t>(net.nodes.size() - 1);
      ramp.to = i;
      ramp.length = s.ramp_length;
      ramp.lanes = 1;
      ramp.speed_limit = s.ramp_speed_limit;
      net.links.push_back(ramp);
      const auto ramp_id = static_cast<std::uint32_t>(net.links.size() - 1);
      net.links[i].lanes = s.lanes + 1;
      net.links[i].drop_lane = true;
      net.links[i].merge_from = ramp_id;
      net.origins.push_back(ramp_id);
    }
  }
  net.finalize();
  return net;
}

namespace {
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                    boost::property<boost::edge_weight_t, double,
                                                    boost::property<boost::edge_index_t, std::uint32_t>>>;
}

Router::Router(const Network& net, std::vector<double> times)
    : net_(&net), times_(std::move(times)), by_link_(!net.turns.empty()),
      pred_(by_link_ ? net.links.size() : net.nodes.size()) {
  if (!times_.empty() && times_.size() != net.links.size()) {
    throw std::invalid_argument("Router: one travel time per link expected");
  }
}

double Router::weight(std::uint32_t link) const {
  const Link& l = net_->links[link];
  return times_.empty() ? l.length / l.speed_limit : times_[link];
}

std::vector<std::uint32_t> Router::route(std::uint32_t origin, std::uint32_t destination) {
  return by_link_ ? route_by_link(origin, destination) : route_by_node(origin, destination);
}

std::vector<std::uint32_t> Router::route_by_node(std::uint32_t origin, std::uint32_t destination) {
  // Every turn is allowed: search the node graph once per origin node.
  const Network& net = *net_;
  if (origin == destination) return {origin};
  const std::uint32_t src = net.links[origin].to;
  if (pred_[src].empty()) {
    Graph g(net.nodes.size());
    for (std::uint32_t i = 0; i < net.links.size(); ++i) {
      const Link& l = net.links[i];
      boost::add_edge(l.from, l.to, Graph::edge_property_type(weight(i), i), g);
    }
    std::vector<Graph::vertex_descriptor> pred(net.nodes.size());
    std::vector<double> dist(net.nodes.size());
    boost::dijkstra_shortest_paths(g, src, boost::predecessor_map(pred.data()).distance_map(dist.data()));
    // Store the link that reaches each node on its shortest path. Boost gives
    // the predecessor node; the cheapest link between the two is that link.
    auto& p = pred_[src];
    p.assign(net.nodes.size(), kNone);
    for (std::uint32_t v = 0; v < net.nodes.size(); ++v) {
      if (pred[v] == v) continue;
      double best = std::numeric_limits<double>::infinity();
      for (std::uint32_t li : net.approaches[v]) {
        const double w = weight(li);
        if (net.links[li].from == pred[v] && w < best) {
          best = w;
          p[v] = li;
        }
      }
    }
  }
  const auto& p = pred_[src];
  std::vector<std::uint32_t> back{destination};
  std::uint32_t node = net.links[destination].from;
  while (node != src) {
    const std::uint32_t li = p[node];
    if (li == kNone) return {};
    back.push_back(li);
    node = net.links[li].from;
  }
  back.push_back(origin);
  std::reverse(back.begin(), back.end());
  return back;
}

std::vector<std::uint32_t> Router::route_by_link(std::uint32_t origin, std::uint32_t destination) {
  // Turns are restricted: search the graph of links joined by allowed
  // turns, once per origin link; a vertex's cost is entering its link.
  const Network& net = *net_;
  if (origin == destination) return {origin};
  if (pred_[origin].empty()) {
    Graph g(net.links.size());
    std::uint32_t e = 0;
    for (std::uint32_t i = 0; i < net.links.size(); ++i) {
      for (std::uint32_t j : net.links[i].out) boost::add_edge(i, j, Graph::edge_property_type(weight(j), e++), g);
    }
    std::vector<Graph::vertex_descriptor> pred(net.links.size());
    std::vector<double> dist(net.links.size());
    boost::dijkstra_shortest_paths(g, origin, boost::predecessor_map(pred.data()).distance_map(dist.data()));
    auto& p = pred_[origin];
    p.assign(net.links.size(), kNone);
    for (std::uint32_t v = 0; v < net.links.size(); ++v) {
      if (pred[v] != v) p[v] = static_cast<std::uint32_t>(pred[v]);
    }
  }
  const auto& p = pred_[origin];
  std::vector<std::uint32_t> back{destination};
  for (std::uint32_t li = destination; li != origin;) {
    li = p[li];
    if (li == kNone) return {};
    back.push_back(li);
  }
  std::reverse(back.begin(), back.end());
  return back;
}

}  // namespace simulacra::traffic
