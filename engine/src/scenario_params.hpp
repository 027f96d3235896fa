// Reading parameter values against their declarations (ParamSpec): kinds,
// units, ranges, choices and defaults. Populations, timeline actions and the
// scenario's own settings all go through here, so they read and fail alike.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenario_check.hpp"
#include "simulacra/engine/registry.hpp"

namespace simulacra::scenario_detail {

/// What a parameter accepts, for messages: "a number in [0, 1]",
/// "a duration >= 0 s", "one of fast, exact".
std::string expected_text(const ParamSpec& spec);

/// A one-line declaration for `simulacra types`:
/// "duration (ms, s, min, h, d, w) >= 0 s, default 5d".
std::string describe_param(const ParamSpec& spec);

/// Reads one value; reports what is wrong and returns nullopt if anything is.
std::optional<ParamValues::Value> read_param(const ParamSpec& spec, const SourceNode& node,
                                             const std::string& path, Checker& check);

/// Reads a `params` mapping (`params` may be null: all defaults) into `out`,
/// reporting unknown keys, missing required ones and bad values; true when
/// all is well. `owner` (e.g. the population's mapping at `owner_path`) is
/// where a missing `params` is reported. Throws std::logic_error when a
/// registered default does not satisfy its own declaration (a bug in the
/// population type, not in the scenario).
bool read_params(const std::vector<ParamSpec>& specs, const SourceNode* params, const SourceNode& owner,
                 const std::string& owner_path, const std::string& declared_by, Checker& check,
                 ParamValues& out);

/// Parses a plain YAML integer ("42", "-7", "+3"); nullopt for anything else.
std::optional<std::int64_t> parse_integer(const std::string& text);

/// Parses a plain YAML number ("0.25", "1e-3", "5"); nullopt for anything
/// else, infinities and NaN included.
std::optional<double> parse_real(const std::string& text);

}  // namespace simulacra::scenario_detail
