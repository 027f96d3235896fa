// Registration of the traffic population type ("traffic") with the engine's
// registry: every parameter's key, type, unit, default, range and doc line,
// declared once in a ParamTable bound to TrafficParams.
#pragma once

#include "simulacra/agents/traffic/params.hpp"
#include "simulacra/engine/registry.hpp"

namespace simulacra {

/// Adds the type "traffic". Throws std::logic_error if it is already there.
void register_traffic(Registry& registry);

template <class P>
class ParamTable;

namespace traffic {
/// Every "traffic" key bound to its TrafficParams field (defaults from
/// TrafficParams{}); `attributes` is declared there and read by params_from.
const ParamTable<TrafficParams>& traffic_param_table();
/// The parameter declarations of "traffic" (also used by the docs test).
std::vector<ParamSpec> traffic_param_specs();
/// Converts validated scenario values into the plain struct. Throws
/// std::out_of_range if a declared key is missing (a programmer error).
TrafficParams params_from(const PopulationSpec& spec, const BuildInfo& info);
/// Builds the network a population block describes (reading its SUMO file,
/// relative to the scenario file, and joining links too short for its step)
/// and reports through `issues`, at the key's position: an unusable network
/// file or generator setting, and od flows naming a link the network does not
/// have or no route joins. So `validate` refuses what `run` would.
void check_network(const PopulationSpec& spec, const std::string& path, Issues& issues);
}  // namespace traffic

}  // namespace simulacra
