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

/// A network whose links are all at least `min_length[link]` long: every
/// link shorter than that has its two end nodes joined into one junction
/// (clusters of such nodes become one node) and disappears. A movement
/// through removed links becomes one turn from the link entering the cluster
/// to the link leaving it, with the light of the first signalled connection
/// on its way; the cluster's node runs its members' programs side by side
/// (one plan whose phases cut the common cycle at every switch of any).
/// Nodes are numbered by their first member, links keep their order, names,
/// lengths and lanes; a joined node's name lists its members' names
/// separated by spaces, its position is their mean. For networks with
/// `turns` (SUMO files); returns the network unchanged when nothing is short.
/// Throws NetworkFileError (sumo.hpp) naming the file, the programs and their
/// lines when two joined programs share no cycle within two hours.
Network join_short_links(const Network& net, const std::vector<double>& min_length);

}  // namespace simulacra::traffic
