// The traffic population's `attributes` parameter: a YAML block naming a
// model file of trips whose rows give departure times and origin/destination
// links. Its shape, path and opening are the engine's (attribute_block.hpp);
// the columns, the `trips` key and how they fit the rest of the demand are
// the population's.
#pragma once

#include <string>
#include <vector>

#include "simulacra/agents/traffic/params.hpp"
#include "simulacra/engine/attribute_block.hpp"
#include "simulacra/engine/registry.hpp"

namespace simulacra::traffic::detail {

/// The columns the population knows, in the order it documents them.
inline const std::vector<std::string> kAttributeColumns = {"departure", "origin", "destination"};

/// The block's columns, its `trips` key and examples for the engine's checks.
const AttributeBlockSpec& attribute_spec();

/// Reports every problem of the population's `attributes` parameter (`path`
/// is "populations[0]") with its file:line:column: the engine's checks, then
/// `trips` not a whole number >= 1, `trips` missing although `columns` lists
/// departure or given although it does not, demand_rate > 0 with departure
/// times from the model, a model on a ring (which has no trips).
void check_attributes(const ParamValues& params, const std::string& path, Issues& issues);

/// Opens the model of a checked `attributes` value (null: an empty
/// TripModel). Relative paths are taken from `info.scenario_dir`. Throws
/// UserError naming `path` and the file when the program has no attribute
/// loader, the file cannot be read, a column is unknown to the model, or the
/// model has none of departure, origin, destination. The rules that depend on
/// the model's columns (trips, demand_rate) are validate()'s.
TripModel open_trip_model(const ParamValues::Value& value, const std::string& path, const BuildInfo& info);

}  // namespace simulacra::traffic::detail
