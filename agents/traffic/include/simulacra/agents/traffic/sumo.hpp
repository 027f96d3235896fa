// Reading SUMO network files (.net.xml) into a traffic Network: junctions,
// edges with their lanes, connections (checked), traffic-light offsets.
#pragma once

#include <string>

#include "simulacra/agents/traffic/network.hpp"
#include "simulacra/engine/errors.hpp"

namespace simulacra::traffic {

/// A network file that cannot be used; what() names file, line and element.
class NetworkFileError : public UserError {
 public:
  using UserError::UserError;
};

/// Reads `path`. Junctions of type traffic_light get fixed-time signals
/// (their tlLogic offset is kept; the plan serves one approach at a time),
/// other junctions with several approaches get `unsignalised` control.
/// Internal edges and junctions are skipped. Throws NetworkFileError for an
/// unreadable file, malformed XML, a missing or bad attribute, an edge naming
/// an unknown junction, or a connection naming an unknown edge.
Network read_sumo_net(const std::string& path, Control unsignalised = Control::yield);

/// The same from text; `display_path` names the source in messages.
Network parse_sumo_net(const std::string& text, const std::string& display_path,
                       Control unsignalised = Control::yield);

}  // namespace simulacra::traffic
