// The population registry: every population type declares its name, its
// parameters (key, type, unit, default, range, doc), the timeline actions it
// accepts, and how to build it. Scenario validation, `simulacra types` and the
// docs all come from this one declaration; the scenario reader knows no domain.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "simulacra/engine/attribute_source.hpp"
#include "simulacra/engine/population.hpp"
#include "simulacra/engine/quantity.hpp"

namespace simulacra {

enum class ParamType {
  integer,    ///< whole number, range-checked
  real,       ///< number, range-checked
  quantity,   ///< number with a unit of `dimension`, stored in base units
  boolean,
  string,
  choice,     ///< one of `choices`
  real_list,  ///< sequence of numbers
  node,       ///< any YAML subtree, checked by the type's `check` hook
};

struct ParamSpec {
  std::string key;
  ParamType type = ParamType::real;
  Dimension dimension = Dimension::none;  ///< for quantity
  std::string default_yaml;               ///< default as YAML text; empty: required
  std::optional<double> min;              ///< inclusive, in base units
  std::optional<double> max;              ///< inclusive, in base units
  std::vector<std::string> choices;       ///< for choice
  std::string doc;
};

/// Where a value came from, for messages: "town.yaml:7:27" or
/// "--set populations[0].params.beta=1.3".
struct SourcePos {
  std::string file;
  int line = 0;    ///< 1-based; 0 when the value came from --set or a default
  int column = 0;  ///< 1-based
  std::string text() const;
};

/// One problem found in a scenario.
struct Issue {
  SourcePos at;
  std::string path;     ///< key path: "populations[1].params.beta"
  std::string message;  ///< what was expected, and a likely intended key
  std::string text() const;  ///< "town.yaml:7:27: populations[1].params.beta: ..."
};

/// Collects every problem in a file, so all are reported together.
class Issues {
 public:
  explicit Issues(std::string file) : file_(std::move(file)) {}
  /// Records a problem at `node`'s position (or the file's start if unknown).
  void add(const YAML::Node& node, std::string path, std::string message);
  void add(SourcePos at, std::string path, std::string message);
  bool empty() const { return issues_.empty(); }
  const std::vector<Issue>& list() const { return issues_; }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<Issue> issues_;
};

/// Validated parameter values of one population (defaults filled in).
class ParamValues {
 public:
  std::int64_t integer(const std::string& key) const;
  double real(const std::string& key) const;  ///< real or quantity (base units)
  bool boolean(const std::string& key) const;
  const std::string& string(const std::string& key) const;  ///< string or choice
  const std::vector<double>& reals(const std::string& key) const;
  const YAML::Node& node(const std::string& key) const;
  bool has(const std::string& key) const { return values_.count(key) != 0; }

  struct Value {
    double number = 0.0;
    std::int64_t integer = 0;
    bool flag = false;
    std::string text;
    std::vector<double> list;
    YAML::Node node;
    SourcePos at;
  };
  /// Throws std::out_of_range for a key the type did not declare (a programmer
  /// error: the registry declaration and the code disagree).
  const Value& at(const std::string& key) const;
  void set(const std::string& key, Value v) { values_[key] = std::move(v); }

 private:
  std::map<std::string, Value> values_;
};

/// A timeline action the type accepts, e.g. "close_schools".
struct ActionSpec {
  std::string name;
  std::string doc;
  std::vector<ParamSpec> params;
};

/// A scheduled action for one population: `at` (seconds) and its parameters.
struct TimelineAction {
  double at = 0.0;
  std::string action;
  ParamValues params;
};

struct PopulationSpec {
  std::string name;  ///< unique in the scenario; prefixes its tables
  std::string type;
  ParamValues params;
  std::vector<TimelineAction> timeline;  ///< this population's actions, by time
  SourcePos at;
  std::string path;  ///< "populations[0]"
};

/// What a population is built with besides its parameters.
struct BuildInfo {
  std::uint64_t seed = 0;           ///< the run's seed (after replicate derivation)
  double duration = 0.0;            ///< seconds
  std::string scenario_dir;         ///< for relative paths (model files, networks)
  /// Opens a model file as a source of agent attributes (empty when the
  /// program was built without learned models). Throws ModelFileError.
  AttributeLoader attribute_loader;
};

struct PopulationType {
  std::string name;
  std::string doc;
  std::vector<ParamSpec> params;
  std::vector<ActionSpec> actions;
  /// The observables its populations compute (Population::observables gives
  /// the same list, in the same order; a test checks they agree).
  ObservableSpecs observables;
  /// Keys of numeric parameters that may change on a built or branched run
  /// (Population::set_live), e.g. a contact rate or a shock size.
  std::vector<std::string> live;
  /// Optional extra checks across parameters or of `node` parameters; report
  /// through `issues` with the node's position. `path` is e.g. "populations[0]".
  std::function<void(const PopulationSpec&, const std::string& path, Issues& issues)> check;
  /// Builds the population. May throw UserError for problems only found here
  /// (e.g. a network file it cannot read).
  std::function<std::unique_ptr<Population>(const PopulationSpec&, const BuildInfo&)> make;
  /// Given the values of a population that sets no parameter (every default
  /// read as a scenario reads it), the keys whose value bound to the type's
  /// parameter struct differs from that struct's own default. Set by
  /// ParamTable::declare (param_table.hpp); a test asks every type for an
  /// empty list, so a declared default can never drift from the struct's.
  std::function<std::vector<std::string>(const ParamValues&)> default_drift;
};

class Registry {
 public:
  /// Throws std::logic_error if the name is already taken.
  void add(PopulationType type);
  const PopulationType* find(const std::string& name) const;
  std::vector<std::string> names() const;  ///< sorted

  /// The service populations use to read attribute model files; handed to
  /// every population through BuildInfo. The CLI sets it from learned_models,
  /// so agents never depend on learned_models.
  void set_attribute_loader(AttributeLoader loader) { loader_ = std::move(loader); }
  const AttributeLoader& attribute_loader() const { return loader_; }

 private:
  std::map<std::string, PopulationType> types_;
  AttributeLoader loader_;
};

/// Human-readable listing of every type and its parameters (`simulacra types`).
std::string describe(const Registry& registry);

}  // namespace simulacra
