// Reading SUMO's XML files (networks, routes, additional files, .sumocfg)
// with positions: line numbers for messages that name file, line and
// element, typed attribute reads, and the <tlLogic> programs that networks
// and additional files share.
#pragma once

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "simulacra/agents/traffic/network.hpp"

namespace simulacra::traffic {

/// Reads attributes of one file's elements; every failure throws `Error`
/// with "path:line: <element id=...>: why".
template <class Error>
class XmlReader {
 public:
  XmlReader(const std::string& text, std::string path) : path_(std::move(path)) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') newlines_.push_back(i);
    }
  }

  const std::string& path() const { return path_; }
  int line_of(const pugi::xml_node& n) const {
    const auto off = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, n.offset_debug()));
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), off) - newlines_.begin());
  }
  // The element with its SUMO id (or a connection's edges), and for one
  // without (a <phase>) the id of the element it belongs to.
  static std::string describe(const pugi::xml_node& n) {
    std::string what = std::string("<") + n.name();
    for (const char* key : {"id", "from", "to", "fromLane", "toLane"}) {
      if (n.attribute(key) && (key == std::string("id") || !n.attribute("id"))) {
        what += std::string(" ") + key + "=\"" + n.attribute(key).as_string() + "\"";
      }
    }
    what += ">";
    if (!n.attribute("id") && n.parent().attribute("id")) {
      what += std::string(" of <") + n.parent().name() + " id=\"" + n.parent().attribute("id").as_string() + "\">";
    }
    return what;
  }
  [[noreturn]] void fail(const pugi::xml_node& n, const std::string& why) const {
    throw Error(path_ + ":" + std::to_string(line_of(n)) + ": " + describe(n) + ": " + why);
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
  /// The attribute's number, or `fallback` when the element has none.
  double number_or(const pugi::xml_node& n, const char* attr, double fallback) const {
    return n.attribute(attr) ? number(n, attr) : fallback;
  }

 private:
  std::string path_;
  std::vector<std::size_t> newlines_;  ///< offsets of the text's line ends
};

/// The whole file; throws Error "path: cannot open the <what>" when it cannot be read.
template <class Error>
std::string read_whole_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the " + what);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Parses `text` into `doc`; throws Error naming the line of malformed XML.
template <class Error>
void parse_xml(pugi::xml_document& doc, const std::string& text, const std::string& path) {
  const pugi::xml_parse_result ok = doc.load_buffer(text.data(), text.size());
  if (!ok) {
    const auto end = std::min<std::ptrdiff_t>(ok.offset, static_cast<std::ptrdiff_t>(text.size()));
    const auto line = 1 + std::count(text.begin(), text.begin() + std::max<std::ptrdiff_t>(0, end), '\n');
    throw Error(path + ":" + std::to_string(line) + ": not well-formed XML: " + ok.description());
  }
}

/// One <tlLogic> as a fixed-time program (actuated ones run on their
/// phases' durations): SUMO's letters G O -> go, g s o -> yield, y Y u ->
/// amber, r -> stop. Throws Error for a bad duration, an unknown letter,
/// phases of different lengths or no positive cycle.
template <class Error>
SignalPlan read_program(const XmlReader<Error>& r, const pugi::xml_node& tl) {
  SignalPlan plan;
  plan.id = r.text(tl, "id");
  plan.line = static_cast<std::uint32_t>(r.line_of(tl));
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
  return plan;
}

}  // namespace simulacra::traffic
