#include "simulacra/agents/traffic/sumo.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <pugixml.hpp>

namespace simulacra::traffic {

namespace {

class Reader {
 public:
  Reader(const std::string& text, std::string path) : text_(text), path_(std::move(path)) {}

  int line_of(const pugi::xml_node& n) const {
    const auto off = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, n.offset_debug()));
    return 1 + static_cast<int>(std::count(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(
                                                                     std::min(off, text_.size())), '\n'));
  }
  [[noreturn]] void fail(const pugi::xml_node& n, const std::string& why) const {
    std::string id = n.attribute("id").as_string();
    throw NetworkFileError(path_ + ":" + std::to_string(line_of(n)) + ": <" + n.name() +
                           (id.empty() ? "" : " id=\"" + id + "\"") + ">: " + why);
  }
  std::string text(const pugi::xml_node& n, const char* attr) const {
    const auto a = n.attribute(attr);
    if (!a) fail(n, std::string("missing attribute '") + attr + "'");
    return a.as_string();
  }
  double number(const pugi::xml_node& n, const char* attr) const {
    const std::string s = text(n, attr);
    std::istringstream in(s);
    double x = 0.0;
    if (!(in >> x) || !in.eof()) fail(n, std::string("attribute '") + attr + "' = '" + s + "' is not a number");
    return x;
  }

 private:
  const std::string& text_;
  std::string path_;
};

}  // namespace

Network parse_sumo_net(const std::string& text, const std::string& path, Control unsignalised) {
  pugi::xml_document doc;
  const pugi::xml_parse_result ok = doc.load_buffer(text.data(), text.size());
  if (!ok) {
    const auto line = 1 + std::count(text.begin(), text.begin() + std::min<std::ptrdiff_t>(ok.offset,
                                                                        static_cast<std::ptrdiff_t>(text.size())), '\n');
    throw NetworkFileError(path + ":" + std::to_string(line) + ": not well-formed XML: " + ok.description());
  }
  const Reader r(text, path);
  const pugi::xml_node root = doc.child("net");
  if (!root) throw NetworkFileError(path + ":1: no <net> root element (is this a SUMO .net.xml file?)");
  Network net;
  std::map<std::string, std::uint32_t> junctions, edges, plans;
  // Programs: the first <tlLogic> of each id (further programIDs are
  // alternatives SUMO switches to by WAUT or TraCI, which this model does
  // not do). Actuated programs run fixed-time with their phases' durations.
  for (const auto& tl : root.children("tlLogic")) {
    const std::string id = r.text(tl, "id");
    if (plans.count(id)) continue;
    SignalPlan plan;
    plan.id = id;
    plan.offset = tl.attribute("offset") ? r.number(tl, "offset") : 0.0;
    for (const auto& ph : tl.children("phase")) {
      SignalPhase phase;
      phase.duration = r.number(ph, "duration");
      if (phase.duration < 0.0) r.fail(ph, "duration must not be negative");
      phase.state = r.text(ph, "state");
      for (const char c : phase.state) {
        switch (c) {
          case 'G': case 'O': phase.lights.push_back(Light::go); break;
          case 'g': case 's': case 'o': phase.lights.push_back(Light::yield); break;
          case 'y': case 'Y': case 'u': phase.lights.push_back(Light::amber); break;
          case 'r': phase.lights.push_back(Light::stop); break;
          default: r.fail(ph, std::string("state '") + phase.state + "' has the unknown signal letter '" + c + "'");
        }
      }
      if (!plan.phases.empty() && phase.lights.size() != plan.phases.front().lights.size()) {
        r.fail(ph, "state '" + phase.state + "' has " + std::to_string(phase.lights.size()) +
                       " letters, the program's first phase " + std::to_string(plan.phases.front().lights.size()));
      }
      plan.phases.push_back(std::move(phase));
    }
    if (plan.phases.empty() || !(plan.cycle() > 0.0)) r.fail(tl, "a program needs phases of positive total duration");
    plans.emplace(id, static_cast<std::uint32_t>(net.plans.size()));
    net.plans.push_back(std::move(plan));
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
  for (const auto& e : root.children("edge")) {
    if (std::string(e.attribute("function").as_string()) == "internal") continue;
    Link l;
    l.name = r.text(e, "id");
    const std::string from = r.text(e, "from"), to = r.text(e, "to");
    const auto f = junctions.find(from), t = junctions.find(to);
    if (f == junctions.end()) r.fail(e, "from = '" + from + "' is not a junction of this file");
    if (t == junctions.end()) r.fail(e, "to = '" + to + "' is not a junction of this file");
    l.from = f->second;
    l.to = t->second;
    l.lanes = 0;
    for (const auto& lane : e.children("lane")) {
      const double len = r.number(lane, "length"), speed = r.number(lane, "speed");
      if (!(len > 0.0)) r.fail(lane, "length must be positive");
      if (!(speed > 0.0)) r.fail(lane, "speed must be positive");
      l.length = std::max(l.length, len);
      l.speed_limit = l.lanes == 0 ? speed : std::min(l.speed_limit, speed);
      ++l.lanes;
    }
    if (l.lanes == 0) r.fail(e, "an edge needs at least one <lane>");
    if (!edges.emplace(l.name, static_cast<std::uint32_t>(net.links.size())).second) r.fail(e, "duplicate edge id");
    net.links.push_back(l);
  }
  if (net.links.empty()) throw NetworkFileError(path + ": no usable <edge> elements");
  // Connections are the allowed movements, and name their light: a program
  // (tl) and an index into its state strings (linkIndex).
  for (const auto& c : root.children("connection")) {
    const std::string from = r.text(c, "from"), to = r.text(c, "to");
    // Connections from or to internal edges (ids starting with ':') are the
    // junctions' inner geometry, which this model does not represent.
    if (from.starts_with(':') || to.starts_with(':')) continue;
    const auto f = edges.find(from), t = edges.find(to);
    if (f == edges.end()) r.fail(c, "from = '" + from + "' is not an edge of this file");
    if (t == edges.end()) r.fail(c, "to = '" + to + "' is not an edge of this file");
    Turn turn;
    turn.from = f->second;
    turn.to = t->second;
    const Link& fl = net.links[turn.from];
    if (fl.to != net.links[turn.to].from) r.fail(c, "edges '" + from + "' and '" + to + "' do not meet at a junction");
    const double lane = r.number(c, "fromLane");
    if (lane < 0.0 || lane >= fl.lanes || lane != std::floor(lane)) {
      r.fail(c, "fromLane = " + r.text(c, "fromLane") + " is not a lane of edge '" + from + "'");
    }
    turn.from_lane = static_cast<std::uint32_t>(lane);
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
  return net;
}

Network read_sumo_net(const std::string& path, Control unsignalised) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NetworkFileError(path + ": cannot open the network file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_sumo_net(ss.str(), path, unsignalised);
}

}  // namespace simulacra::traffic
