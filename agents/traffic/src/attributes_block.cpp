// Checking and opening the traffic population's `attributes` block: the
// engine's checks, then the traffic's own `trips` key and how the model fits
// demand_rate and the network.
#include "attributes_block.hpp"

#include <algorithm>
#include <cmath>

namespace simulacra::traffic::detail {

namespace {

// Enough for any day of trips; more would only exhaust memory.
constexpr double kMaxTrips = 1.0e8;

// The `trips` value as a count, or 0 when it is not a whole number in range.
std::uint64_t trips_of(const YAML::Node& n) {
  if (!n.IsScalar()) return 0;
  double x = 0.0;
  try {
    x = n.as<double>();
  } catch (const YAML::Exception&) {
    return 0;
  }
  return x >= 1.0 && x <= kMaxTrips && x == std::floor(x) ? static_cast<std::uint64_t>(x) : 0;
}

bool listed(const YAML::Node& columns, const std::string& name) {
  if (!columns || !columns.IsSequence()) return false;
  return std::any_of(columns.begin(), columns.end(),
                     [&](const YAML::Node& c) { return c.IsScalar() && c.Scalar() == name; });
}

}  // namespace

const AttributeBlockSpec& attribute_spec() {
  static const AttributeBlockSpec spec{"traffic",
                                       kAttributeColumns,
                                       kAttributeColumns,
                                       {"trips"},
                                       "[departure, origin, destination]",
                                       "{day: weekday}"};
  return spec;
}

void check_attributes(const ParamValues& params, const std::string& path, Issues& issues) {
  const ParamValues::Value& value = params.at("attributes");
  const std::string at_path = path + ".params.attributes";
  if (!check_attribute_block(value, at_path, attribute_spec(), issues)) return;
  const YAML::Node& block = value.node;
  const auto at = [&](const YAML::Node& n) { return attribute_block_position(n, value, issues); };
  if (params.string("network") == "ring") {
    issues.add(at(block), at_path,
               "a ring has no trips (ring_vehicles circulate): trips from a model need network grid, corridor or sumo");
  }
  const YAML::Node trips = block["trips"];
  if (trips && trips_of(trips) == 0) {
    issues.add(at(trips), at_path + ".trips", "expected a whole number of trips in [1, 100000000]");
  }
  // With a `columns` list the model's columns are known now; without one,
  // validate() applies the same rules to the opened model.
  const YAML::Node columns = block["columns"];
  if (!columns || !columns.IsSequence()) return;
  if (listed(columns, "departure")) {
    if (!trips) {
      issues.add(at(block), at_path,
                 "missing key 'trips': how many trips to draw from the model (it gives their departure times)");
    }
    if (params.real("demand_rate") > 0.0) {
      issues.add(params.at("demand_rate").at, path + ".params.demand_rate",
                 "must be 0: the trips' departure times come from attributes (od flows are still added)");
    }
  } else if (trips) {
    issues.add(at(trips), at_path + ".trips",
               "only with departure in columns: without it the trips' times and number come from demand_rate");
  }
}

TripModel open_trip_model(const ParamValues::Value& value, const std::string& path, const BuildInfo& info) {
  TripModel m;
  static_cast<AttributeModel&>(m) = open_attribute_block(value, path, attribute_spec(), info);
  if (m.sampler) {
    if (const YAML::Node trips = value.node["trips"]; trips) m.trips = trips_of(trips);
  }
  return m;
}

}  // namespace simulacra::traffic::detail
