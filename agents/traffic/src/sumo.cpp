#include "simulacra/agents/traffic/sumo.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <pugixml.hpp>

#include "sumo_xml.hpp"

namespace simulacra::traffic {

namespace {

using Reader = XmlReader<NetworkFileError>;

// Whether a <lane> is open to passenger cars: SUMO's allow (a list of
// vehicle classes, or "all") wins over disallow; neither: open to all.
bool allows_cars(const Reader& r, const pugi::xml_node& lane) {
  auto names = [&](const char* attr) {
    std::istringstream in(r.text(lane, attr));
    std::set<std::string> out;
    for (std::string w; in >> w;) out.insert(w);
    return out.count("passenger") > 0 || out.count("all") > 0;
  };
  if (lane.attribute("allow")) return names("allow");
  if (lane.attribute("disallow")) return !names("disallow");
  return true;
}

// A connection's lane attribute as our lane of that edge (kNone: a lane
// closed to cars). Throws NetworkFileError for a lane the edge does not have.
std::uint32_t lane_index(const Reader& r, const pugi::xml_node& c, const char* attr,
                         const std::vector<std::uint32_t>& lanes, const std::string& edge) {
  const double x = r.number(c, attr);
  if (x < 0.0 || x >= static_cast<double>(lanes.size()) || x != std::floor(x)) {
    r.fail(c, std::string(attr) + " = " + r.text(c, attr) + " is not a lane of edge '" + edge + "'");
  }
  return lanes[static_cast<std::size_t>(x)];
}

// Origins and destinations such that every destination can be reached from
// every origin: the links of the largest strongly connected part of the
// graph of links joined by turns (OpenStreetMap networks have one-way stubs
// and islands), the links that lead into it (origins) and those it leads to
// (destinations): any trip goes origin -> that part -> destination. Among
// parts of equal size (a motorway without loops has only single links) the
// one that most links reach or are reached from, then the lowest link id.
void connected_ends(Network& net) {
  const auto n = static_cast<std::uint32_t>(net.links.size());
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Graph g(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    for (std::uint32_t j : net.links[i].out) boost::add_edge(i, j, g);
  }
  std::vector<int> part(n);
  const int parts = boost::strong_components(g, boost::make_iterator_property_map(part.begin(),
                                                                                  boost::get(boost::vertex_index, g)));
  std::vector<std::uint32_t> size(static_cast<std::size_t>(parts), 0);
  for (int c : part) ++size[static_cast<std::size_t>(c)];
  const std::uint32_t largest = *std::max_element(size.begin(), size.end());
  // Links reached from `start` following out (forward) or in (backward).
  auto reach = [&](std::uint32_t start, bool forward) {
    std::vector<bool> seen(n, false);
    std::vector<std::uint32_t> todo{start};
    seen[start] = true;
    while (!todo.empty()) {
      const std::uint32_t x = todo.back();
      todo.pop_back();
      for (std::uint32_t y : forward ? net.links[x].out : net.links[x].in) {
        if (!seen[y]) {
          seen[y] = true;
          todo.push_back(y);
        }
      }
    }
    return seen;
  };
  std::vector<bool> best_from, best_to;
  std::size_t best_score = 0, tried = 0;
  std::vector<bool> part_tried(static_cast<std::size_t>(parts), false);
  for (std::uint32_t i = 0; i < n && tried < 64; ++i) {
    const auto c = static_cast<std::size_t>(part[i]);
    if (size[c] != largest || part_tried[c]) continue;
    part_tried[c] = true;
    ++tried;
    std::vector<bool> from = reach(i, false), to = reach(i, true);
    const std::size_t score = static_cast<std::size_t>(std::count(from.begin(), from.end(), true) +
                                                       std::count(to.begin(), to.end(), true));
    if (score > best_score) {
      best_score = score;
      best_from = std::move(from);
      best_to = std::move(to);
    }
  }
  net.origins.clear();
  net.destinations.clear();
  for (std::uint32_t i = 0; i < n; ++i) {
    if (best_from[i]) net.origins.push_back(i);
    if (best_to[i]) net.destinations.push_back(i);
  }
}

}  // namespace

Network parse_sumo_net(const std::string& text, const std::string& path, Control unsignalised) {
  pugi::xml_document doc;
  parse_xml<NetworkFileError>(doc, text, path);
  const Reader r(text, path);
  const pugi::xml_node root = doc.child("net");
  if (!root) throw NetworkFileError(path + ":1: no <net> root element (is this a SUMO .net.xml file?)");
  Network net;
  net.source = path;
  std::map<std::string, std::uint32_t> junctions, edges, plans;
  // Programs: of several <tlLogic>s with one id (programIDs SUMO switches
  // between by WAUT or TraCI, which this model does not do), the last one,
  // which SUMO puts in force when it loads them. Actuated programs run
  // fixed-time with their phases' durations.
  for (const auto& tl : root.children("tlLogic")) {
    const std::string id = r.text(tl, "id");
    SignalPlan plan = read_program(r, tl);
    if (const auto known = plans.find(id); known != plans.end()) {
      net.plans[known->second] = std::move(plan);
    } else {
      plans.emplace(id, static_cast<std::uint32_t>(net.plans.size()));
      net.plans.push_back(std::move(plan));
    }
  }
  for (const auto& j : root.children("junction")) {
    const std::string type = j.attribute("type").as_string();
    if (type == "internal") continue;
    Node n;
    n.name = r.text(j, "id");
    n.x = r.number(j, "x");
    n.y = r.number(j, "y");
    if (type == "traffic_light") {
      n.control = Control::signal;  // its plan comes from its connections' tl
    } else if (type == "dead_end") {
      n.control = Control::none;
    } else {
      n.control = unsignalised;
    }
    if (!junctions.emplace(n.name, static_cast<std::uint32_t>(net.nodes.size())).second) {
      r.fail(j, "duplicate junction id");
    }
    net.nodes.push_back(n);
  }
  // Edges: only their lanes open to passenger cars (trucks share them). An
  // edge without one (footpath, cycle path, busway, railway) is left out with
  // its connections, like internal, crossing and walking-area edges.
  std::map<std::string, std::vector<std::uint32_t>> car_lane;  // edge -> our lane per SUMO lane (kNone: not for cars)
  std::set<std::string> left_out;
  for (const auto& e : root.children("edge")) {
    const std::string function = e.attribute("function").as_string();
    if (function == "internal" || function == "crossing" || function == "walkingarea") continue;
    Link l;
    l.name = r.text(e, "id");
    l.line = static_cast<std::uint32_t>(r.line_of(e));
    l.lanes = 0;
    std::vector<std::uint32_t> ours;
    for (const auto& lane : e.children("lane")) {
      if (!allows_cars(r, lane)) {
        ours.push_back(kNone);
        continue;
      }
      const double len = r.number(lane, "length"), speed = r.number(lane, "speed");
      if (!(len > 0.0)) r.fail(lane, "length must be positive");
      if (!(speed > 0.0)) r.fail(lane, "speed must be positive");
      l.length = std::max(l.length, len);
      l.speed_limit = l.lanes == 0 ? speed : std::min(l.speed_limit, speed);
      l.lane_names.push_back(lane.attribute("id").as_string());
      ours.push_back(l.lanes++);
    }
    if (ours.empty()) r.fail(e, "an edge needs at least one <lane>");
    if (edges.count(l.name) || left_out.count(l.name)) r.fail(e, "duplicate edge id");
    if (l.lanes == 0) {
      left_out.insert(l.name);
      continue;
    }
    const std::string from = r.text(e, "from"), to = r.text(e, "to");
    const auto f = junctions.find(from), t = junctions.find(to);
    if (f == junctions.end()) r.fail(e, "from = '" + from + "' is not a junction of this file");
    if (t == junctions.end()) r.fail(e, "to = '" + to + "' is not a junction of this file");
    l.from = f->second;
    l.to = t->second;
    car_lane.emplace(l.name, std::move(ours));
    edges.emplace(l.name, static_cast<std::uint32_t>(net.links.size()));
    net.links.push_back(l);
  }
  if (net.links.empty()) throw NetworkFileError(path + ": no <edge> with a lane open to passenger cars");
  net.car_free_edges.assign(left_out.begin(), left_out.end());
  // Connections are the allowed movements, and name their light: a program
  // (tl) and an index into its state strings (linkIndex).
  for (const auto& c : root.children("connection")) {
    const std::string from = r.text(c, "from"), to = r.text(c, "to");
    // Connections from or to internal edges (ids starting with ':') are the
    // junctions' inner geometry, which this model does not represent.
    if (from.starts_with(':') || to.starts_with(':')) continue;
    if (left_out.count(from) || left_out.count(to)) continue;  // not a movement for cars
    const auto f = edges.find(from), t = edges.find(to);
    if (f == edges.end()) r.fail(c, "from = '" + from + "' is not an edge of this file");
    if (t == edges.end()) r.fail(c, "to = '" + to + "' is not an edge of this file");
    Turn turn;
    turn.from = f->second;
    turn.to = t->second;
    const Link& fl = net.links[turn.from];
    if (fl.to != net.links[turn.to].from) r.fail(c, "edges '" + from + "' and '" + to + "' do not meet at a junction");
    const std::uint32_t from_lane = lane_index(r, c, "fromLane", car_lane.at(from), from);
    const std::uint32_t to_lane = lane_index(r, c, "toLane", car_lane.at(to), to);
    if (from_lane == kNone || to_lane == kNone) continue;  // from or into a lane closed to cars
    turn.from_lane = from_lane;
    if (c.attribute("tl")) {
      const std::string tl = r.text(c, "tl");
      const auto p = plans.find(tl);
      if (p == plans.end()) r.fail(c, "tl = '" + tl + "' is not a <tlLogic> of this file");
      const double index = r.number(c, "linkIndex");
      if (index < 0.0 || index >= static_cast<double>(net.plans[p->second].phases.front().lights.size()) ||
          index != std::floor(index)) {
        r.fail(c, "linkIndex = " + r.text(c, "linkIndex") + " is outside the state strings of program '" + tl + "'");
      }
      Node& node = net.nodes[fl.to];
      if (node.plan != kNone && node.plan != p->second) {
        r.fail(c, "junction '" + node.name + "' would be controlled by two programs");
      }
      node.plan = p->second;
      node.control = Control::signal;
      turn.signal = static_cast<std::uint32_t>(index);
    }
    net.turns.push_back(turn);
  }
  net.finalize();
  connected_ends(net);
  return net;
}

Network read_sumo_net(const std::string& path, Control unsignalised) {
  return parse_sumo_net(read_whole_file<NetworkFileError>(path, "network file"), path, unsignalised);
}

}  // namespace simulacra::traffic
