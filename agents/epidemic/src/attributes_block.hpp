// The epidemic population's `attributes` parameter: a YAML block naming a
// model file whose rows give persons' ages and household sizes. Its shape,
// path and opening are the engine's (attribute_block.hpp); the columns and
// the rule that `age` is among them are the population's.
#pragma once

#include <string>
#include <vector>

#include "simulacra/agents/epidemic/params.hpp"
#include "simulacra/engine/attribute_block.hpp"
#include "simulacra/engine/registry.hpp"

namespace simulacra::epidemic::detail {

/// The columns the population knows, in the order it documents them.
inline const std::vector<std::string> kAttributeColumns = {"age", "household_size"};

/// The block's columns and examples for the engine's checks: `age` is required.
const AttributeBlockSpec& attribute_spec();

/// Reports every problem of the `attributes` value at `path`
/// ("populations[0].params.attributes") with its file:line:column: not a
/// mapping, unknown keys (did you mean), a missing or non-text `model`,
/// `columns` not a list of known, distinct column names including `age`,
/// `where` not a mapping of column to value.
void check_attributes(const ParamValues::Value& value, const std::string& path, Issues& issues);

/// Opens the model of a checked `attributes` value (null: an empty PersonModel).
/// Relative paths are taken from `info.scenario_dir`. Throws UserError naming
/// `path` and the file when the program has no attribute loader, the file
/// cannot be read (the loader's ModelFileError message), a column is unknown
/// to the model, or the model has no `age` column.
PersonModel open_person_model(const ParamValues::Value& value, const std::string& path, const BuildInfo& info);

}  // namespace simulacra::epidemic::detail
