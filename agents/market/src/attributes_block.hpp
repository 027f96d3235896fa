// The market population's `attributes` parameter: a YAML block naming a model
// file of traders whose rows give agents' order sizes and activity. Its shape,
// path and opening are the engine's (attribute_block.hpp); the columns, the
// `kinds` key and the rule that `kind` is never fixed by `where` are the market's.
#pragma once

#include <string>
#include <vector>

#include "simulacra/agents/market/market.hpp"
#include "simulacra/engine/attribute_block.hpp"
#include "simulacra/engine/registry.hpp"

namespace simulacra::market::detail {

/// The columns the population knows.
inline const std::vector<std::string> kAttributeColumns = {"order_size", "interval", "kind"};
/// The kinds that may draw from a model (their `agent_type` names).
inline const std::vector<std::string> kModelKinds = {"zero_intelligence", "noise", "value", "momentum"};

/// The block's columns, its `kinds` key and examples for the engine's checks:
/// order_size or interval is required.
const AttributeBlockSpec& attribute_spec();

/// Reports every problem of the `attributes` value at `path`
/// ("populations[0].params.attributes") with its file:line:column: not a
/// mapping, unknown keys (did you mean), a missing or non-text `model`,
/// `columns` not a list of known, distinct columns with order_size or
/// interval, `kinds` not a list of known kinds, `where` not a mapping or
/// fixing `kind`.
void check_attributes(const ParamValues::Value& value, const std::string& path, Issues& issues);

/// Opens the model of a checked `attributes` value (null: an empty
/// TraderModel). Relative paths are taken from `info.scenario_dir`. Throws
/// UserError naming `path` and the file when the program has no attribute
/// loader, the file cannot be read, a column is unknown to the model, or the
/// model has neither order_size nor interval.
TraderModel open_trader_model(const ParamValues::Value& value, const std::string& path, const BuildInfo& info);

}  // namespace simulacra::market::detail
