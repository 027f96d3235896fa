// Overrides (`--set path=value`, sweep points): key paths such as
// `populations[0].params.beta` or `populations.town.params.beta`, and
// replacing the value they name in a scenario tree.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario_tree.hpp"

namespace simulacra::scenario_detail {

/// One step of a path: a key (`params`, or a name in a sequence of named
/// entries such as `town`), or an index (`[0]`).
struct PathStep {
  std::string key;
  std::optional<std::size_t> index;
};

/// Splits a path. `sweep.<rest>` keeps <rest> as one key, since sweep keys are
/// themselves paths. Returns nullopt and sets *why when malformed.
std::optional<std::vector<PathStep>> parse_path(std::string_view path, std::string* why);

/// Replaces the value at `path` in `root` (a mapping) with `value`, creating
/// missing keys and mappings on the way (at position `created_at`), so that a
/// parameter left at its default can be set. Returns why not if the path
/// cannot be applied: an index out of range, no entry of that name, or a step
/// into a scalar.
std::optional<std::string> apply_override(SourceNode& root, const std::vector<PathStep>& path, SourceNode value,
                                          const NodePos& created_at);

}  // namespace simulacra::scenario_detail
