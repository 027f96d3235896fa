// Where scenario validation reports: turns a node and a key path into an
// Issue with the node's source position, in the wording every message shares.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "scenario_tree.hpp"
#include "simulacra/engine/registry.hpp"

namespace simulacra::scenario_detail {

/// A value as shown in a message: `1.3`, `"yes"`; long values are cut short.
std::string shown(const SourceNode& n);

/// "a mapping", "a sequence", "an empty value", "a string", "a value".
std::string kind_name(const SourceNode& n);

class Checker {
 public:
  /// `file_text` (may be null) is the scenario text, read again only when a
  /// `node` parameter's positions are wanted.
  Checker(const Sources& sources, Issues& issues, const std::string* file_text = nullptr)
      : sources_(sources), issues_(issues), file_text_(file_text) {}

  SourcePos at(const SourceNode& n) const { return sources_.at(n.pos); }
  const Sources& sources() const { return sources_; }
  Issues& issues() { return issues_; }

  void add(const SourceNode& n, std::string path, std::string message);

  /// "path = value: expected <what>" for a scalar, "path: expected <what>,
  /// got a mapping" for anything else.
  void expected(const SourceNode& n, const std::string& path, const std::string& what);

  /// Reports each key of `map` not in `known`, with a likely intended one;
  /// true when all are known.
  bool check_keys(const SourceNode& map, const std::string& path, const std::vector<std::string>& known);

  /// "path: missing required key 'key' (<what>)" at the enclosing map.
  void missing(const SourceNode& map, const std::string& path, const std::string& key, const std::string& what);

  /// `n` as a yaml-cpp node for a `node` parameter: the file's own node when
  /// `n` is unchanged from the file (so a check hook's Issues::add finds its
  /// line), otherwise a copy without positions.
  YAML::Node yaml_node(const SourceNode& n);

 private:
  const Sources& sources_;
  Issues& issues_;
  const std::string* file_text_;
  std::optional<YAML::Node> original_;
};

}  // namespace simulacra::scenario_detail
