#include "simulacra/agents/traffic/sumo.hpp"

#include <algorithm>
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
  std::map<std::string, std::uint32_t> junctions, edges;
  std::map<std::string, double> tl_offsets;
  for (const auto& tl : root.children("tlLogic")) {
    tl_offsets[r.text(tl, "id")] = tl.attribute("offset") ? r.number(tl, "offset") : 0.0;
  }
  for (const auto& j : root.children("junction")) {
    const std::string type = j.attribute("type").as_string();
    if (type == "internal") continue;
    Node n;
    n.name = r.text(j, "id");
    n.x = r.number(j, "x");
    n.y = r.number(j, "y");
    if (type == "traffic_light") {
      n.control = Control::signal;
      const auto it = tl_offsets.find(n.name);
      if (it != tl_offsets.end()) n.signal_offset = it->second;
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
  for (const auto& c : root.children("connection")) {
    const std::string from = r.text(c, "from"), to = r.text(c, "to");
    // Connections from or to internal edges (ids starting with ':') are the
    // junctions' inner geometry, which this model does not represent.
    if (from.starts_with(':') || to.starts_with(':')) continue;
    if (!edges.count(from)) r.fail(c, "from = '" + from + "' is not an edge of this file");
    if (!edges.count(to)) r.fail(c, "to = '" + to + "' is not an edge of this file");
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
