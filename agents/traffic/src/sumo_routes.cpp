// Reading SUMO route and additional files: vTypes and their distributions,
// routes and route distributions, vehicles, trips and flows (expanded into
// vehicles), tlLogic programs and induction loops. Names stay SUMO ids here;
// sumo_links.cpp maps them onto a network.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "simulacra/agents/traffic/sumo_demand.hpp"
#include "simulacra/engine/random.hpp"
#include "sumo_xml.hpp"

namespace simulacra::traffic {

namespace {

using Reader = XmlReader<DemandFileError>;

// Streams of the draws made while reading (distributions, probability flows).
constexpr std::uint64_t kTypeStream = 0x5654'5950ULL;   // "VTYP"
constexpr std::uint64_t kRouteStream = 0x524f'5554ULL;  // "ROUT"
constexpr std::uint64_t kFlowStream = 0x464c'4f57ULL;   // "FLOW"

// SUMO's defaults per vehicle class (sumo.dlr.de "Vehicle Type Parameter
// Defaults"); classes that drive on car lanes only.
bool class_defaults(const std::string& vclass, SumoVType& t) {
  VehicleType& v = t.type;
  v = VehicleType{};
  v.name = t.id;
  v.length = 5.0;
  v.min_gap = 2.5;
  v.accel = 2.6;
  v.decel = 4.5;
  v.max_speed = 55.55;
  v.headway = 1.0;
  t.speed_dev = 0.1;
  t.heavy = false;
  static const std::set<std::string> cars = {"passenger", "private", "taxi", "evehicle", "emergency", "authority",
                                             "army", "vip", "hov", "custom1", "custom2", "ignoring"};
  if (cars.count(vclass) > 0) return true;
  if (vclass == "delivery") {
    v.length = 6.5;
    return true;
  }
  t.heavy = true;
  t.speed_dev = 0.05;
  v.decel = 4.0;
  if (vclass == "truck") {
    v.length = 7.1, v.accel = 1.3, v.max_speed = 130.0 / 3.6;
  } else if (vclass == "trailer") {
    v.length = 16.5, v.accel = 1.1, v.max_speed = 130.0 / 3.6;
  } else if (vclass == "bus") {
    v.length = 12.0, v.accel = 1.2, v.max_speed = 85.0 / 3.6;
  } else if (vclass == "coach") {
    v.length = 14.0, v.accel = 2.0, v.max_speed = 100.0 / 3.6;
  } else {
    return false;
  }
  return true;
}

// A weighted choice among ids (vTypeDistribution, routeDistribution).
struct Choice {
  std::vector<std::uint32_t> items;
  std::vector<double> weights;
  std::uint32_t draw(RandomStream& rng) const {
    if (items.size() == 1) return items.front();
    double total = 0.0;
    for (double w : weights) total += w;
    double u = rng.uniform() * total;
    for (std::size_t i = 0; i < items.size(); ++i) {
      u -= weights[i];
      if (u < 0.0) return items[i];
    }
    return items.back();
  }
};

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

struct File {
  std::string path;
  std::unique_ptr<Reader> reader;
  pugi::xml_document doc;
};

class DemandReader {
 public:
  DemandReader(std::uint64_t seed, double begin, double end)
      : type_rng_(seed, kTypeStream), route_rng_(seed, kRouteStream), flow_rng_(seed, kFlowStream),
        begin_(begin), end_(end) {}

  // First pass over every file: what vehicles refer to by id.
  void definitions(const Reader& r, const pugi::xml_node& root) {
    for (const auto& e : root.children()) {
      const std::string name = e.name();
      if (name == "vType") {
        add_type(r, e);
      } else if (name == "vTypeDistribution") {
        add_type_distribution(r, e);
      } else if (name == "route") {
        add_route(r, e);
      } else if (name == "routeDistribution") {
        add_route_distribution(r, e);
      } else if (name == "tlLogic") {
        out.programs.push_back(read_program(r, e));
        out.program_files.push_back(r.path());
      } else if (name == "inductionLoop" || name == "e1Detector") {
        add_detector(r, e);
      } else if (name == "person" || name == "personFlow" || name == "container" || name == "containerFlow") {
        r.fail(e, "persons and containers are not modelled (only vehicles on car lanes)");
      }
    }
  }

  // Second pass: vehicles, trips and flows, in file order.
  void vehicles(const Reader& r, const pugi::xml_node& root) {
    for (const auto& e : root.children()) {
      const std::string name = e.name();
      if (name == "vehicle" || name == "trip") {
        SumoVehicle v = vehicle_base(r, e);
        v.depart = depart(r, e);
        if (v.depart < begin_ || v.depart >= end_) continue;  // outside the simulated time, as in SUMO
        v.type = type_of(r, e);
        keep(std::move(v));
      } else if (name == "flow") {
        add_flow(r, e);
      }
    }
  }

  SumoDemand out;

 private:
  void add_type(const Reader& r, const pugi::xml_node& e, double* probability = nullptr) {
    SumoVType t;
    t.id = r.text(e, "id");
    t.vclass = e.attribute("vClass") ? r.text(e, "vClass") : "passenger";
    if (!class_defaults(t.vclass, t)) {
      r.fail(e, "vClass '" + t.vclass + "' does not drive on car lanes (only passenger-like classes, delivery, "
                "truck, trailer, bus and coach are modelled)");
    }
    VehicleType& v = t.type;
    v.length = r.number_or(e, "length", v.length);
    v.min_gap = r.number_or(e, "minGap", v.min_gap);
    v.accel = r.number_or(e, "accel", v.accel);
    v.decel = r.number_or(e, "decel", v.decel);
    v.max_speed = r.number_or(e, "maxSpeed", v.max_speed);
    v.headway = r.number_or(e, "tau", v.headway);
    speed_factor(r, e, t);
    for (const auto& [attr, x] : {std::pair{"length", v.length}, {"minGap", v.min_gap}, {"accel", v.accel},
                                  {"decel", v.decel}, {"maxSpeed", v.max_speed}, {"tau", v.headway},
                                  {"speedFactor", t.speed_factor}}) {
      if (!(x > 0.0)) r.fail(e, std::string(attr) + " must be positive");
    }
    if (t.speed_dev < 0.0) r.fail(e, "speedDev must not be negative");
    if (probability != nullptr) *probability = r.number_or(e, "probability", 1.0);
    // (All definitions are read before any vehicle, so a file's own
    // DEFAULT_VEHTYPE is the default's definition.)
    if (type_ids_.count(t.id) > 0) r.fail(e, "duplicate vType id");
    type_ids_[t.id] = Choice{{static_cast<std::uint32_t>(out.types.size())}, {1.0}};
    out.types.push_back(std::move(t));
  }

  // speedFactor as a number, or as SUMO's "norm(mean, dev)" or
  // "normc(mean, dev, min, max)" (the bounds are ours: 0.2 .. 1.4).
  static void speed_factor(const Reader& r, const pugi::xml_node& e, SumoVType& t) {
    const std::string text = e.attribute("speedFactor").as_string();
    if (text.starts_with("norm(") || text.starts_with("normc(")) {
      const auto open = text.find('('), close = text.rfind(')');
      std::string args = text.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
      std::replace(args.begin(), args.end(), ',', ' ');
      std::istringstream in(args);
      if (close == std::string::npos || !(in >> t.speed_factor >> t.speed_dev)) {
        r.fail(e, "speedFactor = '" + text + "' is neither a number nor norm(mean, dev) / normc(mean, dev, min, max)");
      }
    } else {
      t.speed_factor = r.number_or(e, "speedFactor", t.speed_factor);
    }
    t.speed_dev = r.number_or(e, "speedDev", t.speed_dev);
  }

  void add_type_distribution(const Reader& r, const pugi::xml_node& e) {
    const std::string id = r.text(e, "id");
    if (type_ids_.count(id) > 0) r.fail(e, "duplicate vType id");
    Choice c;
    for (const auto& child : e.children("vType")) {
      double w = 1.0;
      add_type(r, child, &w);
      c.items.push_back(static_cast<std::uint32_t>(out.types.size() - 1));
      c.weights.push_back(w);
    }
    if (e.attribute("vTypes")) {
      const auto ids = words(r.text(e, "vTypes"));
      const auto ws = words(e.attribute("probabilities").as_string());
      for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto it = type_ids_.find(ids[i]);
        if (it == type_ids_.end() || it->second.items.size() != 1) {
          r.fail(e, "vTypes names '" + ids[i] + "', which is no vType defined before");
        }
        c.items.push_back(it->second.items.front());
        c.weights.push_back(i < ws.size() ? std::atof(ws[i].c_str()) : 1.0);
      }
    }
    if (c.items.empty()) r.fail(e, "a vTypeDistribution needs vTypes");
    for (double w : c.weights) {
      if (!(w >= 0.0)) r.fail(e, "probabilities must not be negative");
    }
    type_ids_[id] = std::move(c);
  }

  std::vector<std::string> route_edges(const Reader& r, const pugi::xml_node& e) {
    auto edges = words(r.text(e, "edges"));
    if (edges.empty()) r.fail(e, "a route needs edges");
    return edges;
  }

  void add_route(const Reader& r, const pugi::xml_node& e) {
    const std::string id = r.text(e, "id");
    if (route_ids_.count(id) > 0) r.fail(e, "duplicate route id");
    route_ids_[id] = Choice{{static_cast<std::uint32_t>(routes_.size())}, {1.0}};
    routes_.push_back(route_edges(r, e));
  }

  void add_route_distribution(const Reader& r, const pugi::xml_node& e) {
    const std::string id = r.text(e, "id");
    if (route_ids_.count(id) > 0) r.fail(e, "duplicate route id");
    Choice c;
    for (const auto& child : e.children("route")) {
      if (child.attribute("refId")) {
        const auto it = route_ids_.find(r.text(child, "refId"));
        if (it == route_ids_.end()) r.fail(child, "refId names no route defined before");
        c.items.push_back(it->second.items.front());
      } else {
        c.items.push_back(static_cast<std::uint32_t>(routes_.size()));
        routes_.push_back(route_edges(r, child));
        if (child.attribute("id")) route_ids_[r.text(child, "id")] = Choice{{c.items.back()}, {1.0}};
      }
      c.weights.push_back(r.number_or(child, "probability", 1.0));
      if (!(c.weights.back() >= 0.0)) r.fail(child, "probability must not be negative");
    }
    if (c.items.empty()) r.fail(e, "a routeDistribution needs routes");
    route_ids_[id] = std::move(c);
  }

  void add_detector(const Reader& r, const pugi::xml_node& e) {
    SumoDetector d;
    d.id = r.text(e, "id");
    d.lane = r.text(e, "lane");
    d.pos = r.number(e, "pos");
    d.period = e.attribute("period") ? r.number(e, "period") : r.number_or(e, "freq", 900.0);
    if (!(d.period > 0.0)) r.fail(e, "period must be positive");
    d.file = r.path();
    d.line = static_cast<std::uint32_t>(r.line_of(e));
    if (!detector_ids_.insert(d.id).second) r.fail(e, "duplicate detector id");
    out.detectors.push_back(std::move(d));
  }

  SumoVehicle vehicle_base(const Reader& r, const pugi::xml_node& e) {
    route_choice_ = nullptr;
    SumoVehicle v;
    v.id = r.text(e, "id");
    v.file = r.path();
    v.line = static_cast<std::uint32_t>(r.line_of(e));
    v.element = e.name();
    if (!vehicle_ids_.insert(v.id).second) r.fail(e, "duplicate vehicle id");
    if (e.attribute("fromJunction") || e.attribute("toJunction") || e.attribute("fromTaz") || e.attribute("toTaz")) {
      r.fail(e, "junction and TAZ ends are not supported: give from and to edges");
    }
    if (e.attribute("from") || e.attribute("to")) {
      v.trip = true;
      v.edges.push_back(r.text(e, "from"));
      for (const auto& w : words(e.attribute("via").as_string())) v.edges.push_back(w);
      v.edges.push_back(r.text(e, "to"));
    } else if (e.attribute("route")) {
      const auto it = route_ids_.find(r.text(e, "route"));
      if (it == route_ids_.end()) r.fail(e, "route '" + r.text(e, "route") + "' is no route or routeDistribution");
      route_choice_ = &it->second;
    } else if (const auto child = e.child("route")) {
      v.edges = route_edges(r, child);
    } else if (const auto dist = e.child("routeDistribution")) {
      r.fail(dist, "embedded route distributions are not supported: define it at the top level");
    } else {
      r.fail(e, std::string(e.name() == std::string("trip") ? "a trip needs from and to"
                                                              : "needs a route (route attribute or <route> child)"));
    }
    return v;
  }

  // A vehicle's route when it names one by id (or a distribution: drawn).
  void take_route(SumoVehicle& v) {
    if (route_choice_ != nullptr) v.edges = routes_[route_choice_->draw(route_rng_)];
  }

  double depart(const Reader& r, const pugi::xml_node& e) {
    const std::string s = r.text(e, "depart");
    if (s == "triggered" || s == "containerTriggered" || s == "now" || s == "split" || s == "begin") {
      r.fail(e, "depart = '" + s + "' is not supported: give a time in seconds");
    }
    const double t = r.number(e, "depart");
    if (t < 0.0) r.fail(e, "depart must not be negative");
    return t;
  }

  std::uint32_t type_of(const Reader& r, const pugi::xml_node& e) {
    const std::string id = e.attribute("type") ? r.text(e, "type") : "DEFAULT_VEHTYPE";
    auto it = type_ids_.find(id);
    if (it == type_ids_.end() && id == "DEFAULT_VEHTYPE") {
      SumoVType t;
      t.id = id;
      class_defaults("passenger", t);
      it = type_ids_.emplace(id, Choice{{static_cast<std::uint32_t>(out.types.size())}, {1.0}}).first;
      out.types.push_back(std::move(t));
    }
    if (it == type_ids_.end()) r.fail(e, "type '" + id + "' is no vType or vTypeDistribution");
    return it->second.draw(type_rng_);
  }

  void keep(SumoVehicle v) {
    take_route(v);
    route_choice_ = nullptr;
    out.vehicles.push_back(std::move(v));
  }

  // A flow's vehicles: "id.0", "id.1", ... at fixed periods, exponential
  // gaps (period="exp(rate)"), or one chance per second (probability).
  void add_flow(const Reader& r, const pugi::xml_node& e) {
    const SumoVehicle base = vehicle_base(r, e);
    const Choice* route = route_choice_;
    route_choice_ = nullptr;
    const double begin = r.number_or(e, "begin", 0.0);
    const double end = r.number_or(e, "end", 86400.0);
    if (begin < 0.0 || end < begin) r.fail(e, "needs 0 <= begin <= end");
    const bool has_number = static_cast<bool>(e.attribute("number"));
    const double number = has_number ? r.number(e, "number") : 1.0e18;
    if (has_number && !(number >= 0.0 && number == std::floor(number))) r.fail(e, "number must be a whole number");
    const int rates = (e.attribute("vehsPerHour") ? 1 : 0) + (e.attribute("period") ? 1 : 0) +
                      (e.attribute("probability") ? 1 : 0);
    if (rates > 1) r.fail(e, "give one of vehsPerHour, period and probability");
    if (rates == 0 && !(has_number && e.attribute("end"))) {
      r.fail(e, "needs vehsPerHour, period, probability, or number with end");
    }
    std::vector<double> times;
    const std::string period_text = e.attribute("period").as_string();
    if (e.attribute("probability")) {
      const double p = r.number(e, "probability");
      if (!(p >= 0.0 && p <= 1.0)) r.fail(e, "probability must be within [0, 1]");
      for (double t = begin; t < end && static_cast<double>(times.size()) < number; t += 1.0) {
        if (flow_rng_.bernoulli(p)) times.push_back(t);
      }
    } else if (period_text.starts_with("exp(") && period_text.ends_with(")")) {
      const double rate = std::atof(period_text.substr(4, period_text.size() - 5).c_str());
      if (!(rate > 0.0)) r.fail(e, "period = '" + period_text + "' needs a positive rate");
      for (double t = begin + flow_rng_.exponential(1.0 / rate); t < end && static_cast<double>(times.size()) < number;
           t += flow_rng_.exponential(1.0 / rate)) {
        times.push_back(t);
      }
    } else {
      double period = 0.0;
      if (e.attribute("vehsPerHour")) {
        const double vph = r.number(e, "vehsPerHour");
        if (!(vph >= 0.0)) r.fail(e, "vehsPerHour must not be negative");
        period = vph > 0.0 ? 3600.0 / vph : 0.0;
      } else if (e.attribute("period")) {
        period = r.number(e, "period");
        if (!(period > 0.0)) r.fail(e, "period must be positive");
      } else {
        period = number > 0.0 ? (end - begin) / number : 0.0;
      }
      for (std::uint64_t k = 0; period > 0.0; ++k) {
        const double t = begin + static_cast<double>(k) * period;
        if (t >= end || static_cast<double>(k) >= number) break;
        times.push_back(t);
      }
    }
    for (std::size_t k = 0; k < times.size(); ++k) {
      if (times[k] < begin_ || times[k] >= end_) continue;
      SumoVehicle v = base;
      v.id = base.id + "." + std::to_string(k);
      v.depart = times[k];
      v.type = type_of(r, e);
      route_choice_ = route;
      keep(std::move(v));
    }
  }

  RandomStream type_rng_, route_rng_, flow_rng_;
  double begin_, end_;
  std::map<std::string, Choice> type_ids_, route_ids_;
  std::vector<std::vector<std::string>> routes_;
  std::set<std::string> vehicle_ids_, detector_ids_;
  const Choice* route_choice_ = nullptr;  ///< the route a vehicle named by id, until keep()
};

}  // namespace

SumoDemand read_sumo_demand(const std::vector<std::string>& files, std::uint64_t seed, double begin, double end) {
  std::vector<File> docs(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    File& f = docs[i];
    f.path = files[i];
    const std::string text = read_whole_file<DemandFileError>(f.path, "file");
    parse_xml<DemandFileError>(f.doc, text, f.path);
    f.reader = std::make_unique<Reader>(text, f.path);
    const auto root = f.doc.document_element();
    const std::string name = root.name();
    if (name != "routes" && name != "additional" && name != "add") {
      throw DemandFileError(f.path + ":" + std::to_string(f.reader->line_of(root)) + ": root element <" + name +
                            "> is neither <routes> nor <additional>");
    }
  }
  DemandReader r(seed, begin, end);
  for (const File& f : docs) r.definitions(*f.reader, f.doc.document_element());
  for (const File& f : docs) r.vehicles(*f.reader, f.doc.document_element());
  std::stable_sort(r.out.vehicles.begin(), r.out.vehicles.end(),
                   [](const SumoVehicle& a, const SumoVehicle& b) { return a.depart < b.depart; });
  return std::move(r.out);
}

}  // namespace simulacra::traffic
