// A population's `attributes` parameter, {model: FILE, columns: [...], where:
// {...}}: checking its shape, finding and opening its model file through the
// build's AttributeLoader, and reading sampled columns. What the columns mean
// (and any keys of its own) is the population's; this part is the same for all.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "simulacra/engine/attribute_source.hpp"
#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/table.hpp"

namespace simulacra {

/// What one population type accepts in its `attributes` block.
struct AttributeBlockSpec {
  std::string population;             ///< type name, for "the epidemic population uses: ..."
  std::vector<std::string> columns;   ///< the columns it knows, in the order it documents them
  /// `columns` must list at least one of these, and so must a model opened
  /// with all its columns (no `columns` key). Empty: no such rule.
  std::vector<std::string> required_one_of;
  /// Keys besides model, columns and where (e.g. market's `kinds`); the
  /// population checks their values itself.
  std::vector<std::string> extra_keys;
  std::string columns_example;        ///< e.g. "[age, household_size]"
  std::string where_example;          ///< e.g. "{region: north}"
};

/// A checked block's model, opened: the sampler of its columns, the file it
/// came from (for messages) and the columns fixed by `where`.
struct AttributeModel {
  std::shared_ptr<const AttributeSampler> sampler;  ///< null: no `attributes` block
  std::string file;
  std::vector<std::pair<std::string, std::string>> where;
};

/// Reports every problem of the `attributes` value at `path` (e.g.
/// "populations[0].params.attributes") with its file:line:column: not a
/// mapping, unknown keys (with a likely intended one), a missing or non-text
/// `model`, `columns` not a list of known, distinct column names including
/// one of `spec.required_one_of`, `where` not a mapping of column to one value.
/// Returns true when the value is a mapping whose extra keys and own rules the
/// population may check next; false for null (no block) or a non-mapping
/// (already reported). Throws nothing.
bool check_attribute_block(const ParamValues::Value& value, const std::string& path, const AttributeBlockSpec& spec,
                           Issues& issues);

/// Where a node inside the block is, for a population's own issues: the
/// node's position when the block came from the scenario file, else the
/// parameter's (a --set value has no positions inside it).
SourcePos attribute_block_position(const YAML::Node& node, const ParamValues::Value& value, const Issues& issues);

/// Opens the model of a checked `attributes` value (null value: an empty
/// AttributeModel). A relative `model` path is taken from `info.scenario_dir`.
/// Throws UserError starting with `path` and naming the file when the program
/// has no attribute loader, the loader refuses the file (its ModelFileError
/// message) or a column, or the model has none of `spec.required_one_of`.
AttributeModel open_attribute_block(const ParamValues::Value& value, const std::string& path,
                                    const AttributeBlockSpec& spec, const BuildInfo& info);

/// True when the schema has a column of that name.
bool has_column(const TableSchema& schema, std::string_view name);

/// One sampled column as numbers (a categorical column must hold numbers, as
/// text). Throws std::out_of_range for a column the schema lacks (a
/// programmer error), DataError "FILE: column 'NAME' must hold numbers, found
/// 'V'" for a value that is not a finite number.
std::vector<double> attribute_numbers(const TableChunk& rows, const TableSchema& schema, std::string_view column,
                                      const std::string& file);

/// The scenario reader's wording, for a population's own keys in its block:
/// " (did you mean 'x'?)" for a likely intended candidate, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// "a, b, c".
std::string comma_list(const std::vector<std::string>& items);

}  // namespace simulacra
