// A YAML document as the scenario reader holds it: every node remembers where
// it came from (a file position, a --set, a registered default), and aliases
// are expanded into copies, so overriding one use never changes another and a
// cyclic alias cannot hang the reader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "simulacra/engine/registry.hpp"

namespace simulacra::scenario_detail {

constexpr int kFileSource = 0;      ///< the scenario file (or text) itself
constexpr int kDefaultSource = -1;  ///< a registered parameter default

/// Source id (kFileSource, kDefaultSource, or k > 0 for the k-th --set) and a
/// 1-based position; line 0 when the source has no lines of its own.
struct NodePos {
  int source = kFileSource;
  int line = 0;
  int column = 0;
};

struct SourceNode {
  enum class Kind : std::uint8_t { null, scalar, sequence, map };
  Kind kind = Kind::null;
  bool quoted = false;  ///< scalar written quoted, as a block or !!str: a string whatever it looks like
  bool flow = false;    ///< collection written as [..] or {..}; kept when emitting
  NodePos pos;
  std::string scalar;
  std::vector<SourceNode> keys;   ///< map keys
  std::vector<SourceNode> items;  ///< sequence items, or map values (parallel to keys)

  bool is_null() const { return kind == Kind::null; }
  bool is_scalar() const { return kind == Kind::scalar; }
  bool is_sequence() const { return kind == Kind::sequence; }
  bool is_map() const { return kind == Kind::map; }
  /// The value of the first entry whose key is the scalar `key`, or nullptr.
  const SourceNode* find(std::string_view key) const;
  SourceNode* find(std::string_view key);
};

/// Names each source, to turn a NodePos into the SourcePos of a message.
class Sources {
 public:
  explicit Sources(std::string file) : file_(std::move(file)) {}
  /// Registers "--set path=value" and returns its source id.
  int add_override(std::string text);
  SourcePos at(const NodePos& p) const;
  const std::string& file() const { return file_; }
  int override_count() const { return static_cast<int>(overrides_.size()); }

 private:
  std::string file_;
  std::vector<std::string> overrides_;
};

struct ParseLimits {
  int max_depth = 64;               ///< nested sequences and maps
  std::size_t max_nodes = 1000000;  ///< values after alias expansion
};

enum class ParseStatus {
  ok,      ///< `root` holds the first document (issues may still list duplicate keys)
  empty,   ///< no document at all: empty text or only comments
  failed,  ///< not YAML, or over a limit; the reason is in the issues
};

struct Parsed {
  ParseStatus status = ParseStatus::failed;
  SourceNode root;
};

/// Parses `text` (a file's content or a --set value) into a tree whose nodes
/// carry source `source`. Reports syntax errors (with yaml-cpp's position and
/// message), duplicate keys (the later entry is dropped), nesting deeper than
/// the limit, too many values, aliases that contain themselves, and a second
/// document. Positions are recorded only for the file source. Does not throw
/// for bad input.
Parsed parse_yaml(const std::string& text, int source, const Sources& sources, Issues& issues,
                  const ParseLimits& limits = {});

/// The tree as YAML text (comments are not kept; quoted scalars stay strings).
std::string emit_yaml(const SourceNode& root);

/// A scalar as YAML text that reads back as the same value: `0.1`, `"yes"`.
std::string scalar_yaml(const SourceNode& scalar);

/// The tree as a yaml-cpp node, without positions.
YAML::Node to_yaml_node(const SourceNode& node);

/// The node of `original` (a yaml-cpp tree of the same file) that starts where
/// `node` does, so that a population's `check` hook can report positions inside
/// a `node` parameter; an undefined node if none does.
YAML::Node find_original(const YAML::Node& original, const SourceNode& node);

}  // namespace simulacra::scenario_detail
