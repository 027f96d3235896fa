// SUMO ids on a network as the model runs it: vehicles' routes as links,
// induction loops on lanes, programs from additional files replacing the
// network's, and .sumocfg files naming a scenario's SUMO inputs.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "simulacra/agents/traffic/sumo_demand.hpp"
#include "sumo_xml.hpp"
#include "text.hpp"

namespace simulacra::traffic {

SumoLinks::SumoLinks(const Network& net) : net_(&net), router_(net) {
  for (std::uint32_t i = 0; i < net.links.size(); ++i) {
    const Link& l = net.links[i];
    edges_[l.name] = Edge{Kind::link, i};
    for (std::uint32_t k = 0; k < l.lane_names.size(); ++k) lanes_[l.lane_names[k]] = {i, k};
  }
  for (const auto& [edge, node] : net.joined_edges) edges_.emplace(edge, Edge{Kind::joined, node});
  for (const std::string& edge : net.car_free_edges) edges_.emplace(edge, Edge{Kind::car_free, 0});
}

const SumoLinks::Edge* SumoLinks::find(const std::string& edge) const {
  const auto it = edges_.find(edge);
  return it == edges_.end() ? nullptr : &it->second;
}

std::string SumoLinks::why_not(const std::string& edge) const {
  const Edge* e = find(edge);
  if (e == nullptr) return "edge '" + edge + "' is not in the network";
  if (e->kind == Kind::car_free) return "edge '" + edge + "' has no lane open to passenger cars";
  return "edge '" + edge + "' is joined into junction '" + net_->nodes[e->index].name +
         "' (shorter than 1.5 steps of travel; see the links table)";
}

MappedRoute SumoLinks::route(const SumoVehicle& v) {
  MappedRoute out;
  const std::string at = v.file + ":" + std::to_string(v.line) + ": <" + v.element + " id=\"" + v.id + "\">: ";
  const Network& net = *net_;
  if (v.trip) {
    // Waypoints: each must be a link; joined by shortest free-flow routes.
    std::vector<std::uint32_t> points;
    for (const std::string& edge : v.edges) {
      const Edge* e = find(edge);
      if (e == nullptr || e->kind != Kind::link) {
        out.error = at + why_not(edge);
        return out;
      }
      points.push_back(e->index);
    }
    out.links.push_back(points.front());
    for (std::size_t i = 1; i < points.size(); ++i) {
      if (points[i] == out.links.back()) continue;
      const auto leg = router_.route(out.links.back(), points[i]);
      if (leg.empty()) {
        out.error = at + "no route leads from edge '" + v.edges[i - 1] + "' to edge '" + v.edges[i] + "'";
        out.links.clear();
        return out;
      }
      out.links.insert(out.links.end(), leg.begin() + 1, leg.end());
    }
    return out;
  }
  std::string previous;  // the last edge that is a link, for messages
  for (const std::string& edge : v.edges) {
    const Edge* e = find(edge);
    if (e == nullptr || e->kind == Kind::car_free) {
      out.error = at + "route " + why_not(edge);
      out.links.clear();
      return out;
    }
    if (e->kind == Kind::joined) continue;  // inside a junction: the turn through it joins its neighbours
    if (!out.links.empty()) {
      const auto& next = net.links[out.links.back()].out;
      if (!std::binary_search(next.begin(), next.end(), e->index)) {
        out.error = at + "route edges '" + previous + "' and '" + edge +
                    "' are not joined by a movement open to passenger cars";
        out.links.clear();
        return out;
      }
    }
    out.links.push_back(e->index);
    previous = edge;
  }
  if (out.links.empty()) {
    out.error = at + "every edge of the route is joined into junction '" + net.nodes[find(v.edges.front())->index].name +
                "' (shorter than 1.5 steps of travel), so the vehicle has no link to drive on";
  }
  return out;
}

DetectorSite SumoLinks::detector(const SumoDetector& d) const {
  const std::string at = d.file + ":" + std::to_string(d.line) + ": <inductionLoop id=\"" + d.id + "\">: ";
  const auto it = lanes_.find(d.lane);
  if (it == lanes_.end()) {
    const auto cut = d.lane.rfind('_');
    const std::string edge = cut == std::string::npos ? d.lane : d.lane.substr(0, cut);
    const Edge* e = find(edge);
    if (e != nullptr && e->kind == Kind::joined) return DetectorSite{};
    throw DemandFileError(at + "lane '" + d.lane + "' is not a car lane of the network (" +
                          (e != nullptr && e->kind == Kind::link ? "that lane of edge '" + edge + "' is closed to cars"
                                                                 : why_not(edge)) + ")");
  }
  DetectorSite s{it->second.first, it->second.second, d.pos};
  const double length = net_->links[s.link].length;
  if (s.pos < 0.0) s.pos += length;
  if (s.pos < 0.0 || s.pos > length + 0.1) {
    throw DemandFileError(at + "pos = " + number_text(d.pos) + " is off lane '" + d.lane + "' (" + number_text(length) +
                          " m)");
  }
  s.pos = std::min(s.pos, length);
  return s;
}

void apply_programs(const SumoDemand& d, Network& net) {
  for (std::size_t i = 0; i < d.programs.size(); ++i) {
    const SignalPlan& p = d.programs[i];
    const std::string at = d.program_files[i] + ":" + std::to_string(p.line) + ": <tlLogic id=\"" + p.id + "\">: ";
    const auto it = std::find_if(net.plans.begin(), net.plans.end(), [&](const SignalPlan& q) { return q.id == p.id; });
    if (it == net.plans.end()) throw DemandFileError(at + "the network has no traffic light '" + p.id + "'");
    const std::size_t want = it->phases.front().lights.size(), have = p.phases.front().lights.size();
    if (want != have) {
      throw DemandFileError(at + "its states have " + std::to_string(have) + " letters, the network's program " +
                            std::to_string(want));
    }
    *it = p;
  }
}

namespace {

// "a.rou.xml,b.rou.xml" or space separated, each against the config's folder.
std::vector<std::string> file_list(const std::string& value, const std::filesystem::path& dir) {
  std::string v = value;
  std::replace(v.begin(), v.end(), ',', ' ');
  std::istringstream in(v);
  std::vector<std::string> out;
  for (std::string f; in >> f;) {
    const std::filesystem::path p(f);
    out.push_back(p.is_relative() ? (dir / p).lexically_normal().string() : f);
  }
  return out;
}

}  // namespace

SumoConfig read_sumocfg(const std::string& path) {
  const std::string text = read_whole_file<DemandFileError>(path, "SUMO configuration");
  pugi::xml_document doc;
  parse_xml<DemandFileError>(doc, text, path);
  const XmlReader<DemandFileError> r(text, path);
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  SumoConfig c;
  // Options may sit in sections (<input>, <time>) or at the top level.
  for (const auto& x : doc.document_element().select_nodes(".//*[@value]")) {
    const pugi::xml_node e = x.node();
    const std::string name = e.name();
    if (name == "net-file") c.net_file = file_list(r.text(e, "value"), dir).at(0);
    if (name == "route-files") c.route_files = file_list(r.text(e, "value"), dir);
    if (name == "additional-files") c.additional_files = file_list(r.text(e, "value"), dir);
    if (name == "begin") c.begin = r.number(e, "value");
    if (name == "end") c.end = r.number(e, "value");
    if (name == "step-length") c.step_length = r.number(e, "value");
  }
  return c;
}

TrafficParams with_sumocfg(TrafficParams p, bool step_given) {
  if (p.sumocfg.empty()) return p;
  const SumoConfig c = read_sumocfg(p.sumocfg);
  if (p.sumo_file.empty()) p.sumo_file = c.net_file;
  if (p.sumo_file.empty()) throw DemandFileError(p.sumocfg + ": names no net-file, and sumo_file is not given");
  p.route_files.insert(p.route_files.begin(), c.route_files.begin(), c.route_files.end());
  p.additional_files.insert(p.additional_files.begin(), c.additional_files.begin(), c.additional_files.end());
  p.sumo_begin = c.begin;
  p.sumo_end = c.end;
  if (c.step_length > 0.0 && !step_given) p.step = c.step_length;
  return p;
}

}  // namespace simulacra::traffic
