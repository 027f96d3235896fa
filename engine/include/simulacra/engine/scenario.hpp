// Reading a scenario file: one YAML file describing a whole run. Loading gives
// an immutable, validated Scenario; every problem in the file is collected and
// reported together with file:line:column and key path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/simulation.hpp"

namespace simulacra {

/// Every problem found in a scenario; what() is all of them, one per line.
class ScenarioError : public UserError {
 public:
  explicit ScenarioError(std::vector<Issue> issues);
  const std::vector<Issue>& issues() const { return issues_; }

 private:
  std::vector<Issue> issues_;
};

/// `--set path=value`: path as in messages ("populations[0].params.beta",
/// "engine.threads") or with a population's name ("populations.town.params.beta").
struct Override {
  std::string path;
  std::string value;  ///< YAML text
};

/// Parses "path=value". Throws ScenarioError if there is no '=' or no path.
Override parse_override(const std::string& text);

struct EngineSettings {
  SchedulerKind scheduler = SchedulerKind::parallel;
  unsigned threads = 1;      ///< engine.threads; 0 in the file means "all cores"
  unsigned partitions = 0;   ///< 0: engine default; output never depends on it
  double lookahead = 0.0;    ///< seconds; 0: the populations' declared minimum
};

/// outputs.compression: how hard the HDF5 writer compresses (the exporter
/// maps each to a deflate level).
enum class OutputCompression { none, fast, small };

/// "none", "fast", "small".
std::string_view to_string(OutputCompression c);
/// The setting named `text` ("none", "fast" or "small"); nullopt otherwise.
std::optional<OutputCompression> output_compression_from(std::string_view text);

/// outputs.columns: the columns of one table to write, in the order given.
struct ColumnSelection {
  std::string table;                  ///< "<population>.<table>"
  std::vector<std::string> columns;
  SourcePos at;                       ///< the table's key
  std::vector<SourcePos> column_at;   ///< each column's name
};

/// outputs.where: the rows of one table to write (see row_condition.hpp).
struct RowSelection {
  std::string table;                  ///< "<population>.<table>"
  std::string condition;
  SourcePos at;                       ///< the table's key
  SourcePos condition_at;
};

struct OutputSettings {
  bool hdf5 = true;
  bool csv = false;
  std::vector<std::string> tables;  ///< empty: all tables
  std::vector<SourcePos> tables_at; ///< where each of `tables` is written
  std::vector<ColumnSelection> columns;  ///< tables not listed keep every column
  std::vector<RowSelection> where;       ///< tables not listed keep every row
  std::size_t chunk_rows = 16384;   ///< rows per HDF5 chunk / write batch
  OutputCompression compression = OutputCompression::fast;
  bool compression_given = false;   ///< outputs.compression is in the file (or --compression)

  /// CSV is compressed (gzip) only when outputs.compression is given, so
  /// that a scenario without it keeps writing plain .csv files.
  OutputCompression csv_compression() const { return compression_given ? compression : OutputCompression::none; }
};

/// One axis of a sweep: an override path and the values it takes (YAML text).
struct SweepAxis {
  std::string path;
  std::vector<std::string> values;
  SourcePos at;
};

/// `observe:` — observables recorded into the dataset's `observables` table.
struct ObserveSettings {
  double every = 0.0;               ///< seconds; 0: nothing is recorded
  std::vector<std::string> names;   ///< qualified ("town.attack_rate"); empty: all
};

/// `stop_when:` — a condition over observables and time (see expression.hpp)
/// that ends the run early at the first check where it holds.
struct StopSettings {
  std::string condition;  ///< empty: run to the end
  double every = 0.0;     ///< seconds between checks; 0: observe.every, else the engine's window
  SourcePos at;
};

/// Limits of what one scenario may ask for (docs/scenarios.md, "Limits"),
/// refused with file:line:column: each run writes its own files; each thread
/// and partition is real memory; beyond 1e12 s (31,700 years) times kept as
/// doubles are coarser than 0.2 ms.
inline constexpr unsigned kMaxRuns = 100000;  ///< sweep points x replicates
inline constexpr unsigned kMaxThreads = 1024;  ///< engine.threads, and --threads of every command
inline constexpr unsigned kMaxPartitions = 65536;
inline constexpr double kMaxDurationSeconds = 1e12;

struct Scenario {
  std::string path;            ///< as given on the command line
  std::string effective_yaml;  ///< the file after overrides, as recorded in datasets
  /// With a sweep: effective_yaml without the sweep, which each sweep point
  /// is parsed from (parse_sweep_point), so a point's own text runs just it.
  std::string sweep_base_yaml;
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  double duration = 0.0;         ///< seconds
  std::string time_unit = "s";   ///< unit of time columns in the output
  double time_unit_seconds = 1.0;
  EngineSettings engine;
  std::vector<PopulationSpec> populations;
  OutputSettings outputs;
  unsigned replicates = 1;
  std::vector<SweepAxis> sweep;
  ObserveSettings observe;
  StopSettings stop;
};

/// Qualified names ("<population>.<observable>") of every observable the
/// scenario's populations declare (from the registry), in population order.
std::vector<std::string> observable_names(const Scenario& scenario, const Registry& registry);

/// Reads and validates a scenario file with overrides applied in order.
/// Throws ScenarioError listing every problem (unreadable file, not YAML,
/// unknown or duplicate keys with a "did you mean", wrong types, missing
/// units, values out of range, unknown population types or actions).
Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides,
                       const Registry& registry);

/// The same from text; `display_path` names the source in messages.
Scenario parse_scenario(const std::string& text, const std::string& display_path,
                        const std::vector<Override>& overrides, const Registry& registry);

/// `base` (a scenario parse_scenario or load_scenario returned) at one point
/// of its sweep: its effective text without the sweep (sweep_base_yaml),
/// with `point` applied after the command line's overrides, so the point's
/// effective_yaml runs exactly that run. Neither the sweep's text nor its
/// values are read again (parse_scenario checked each value for `base`):
/// expanding N points costs N small parses, not N^2. Throws ScenarioError
/// for a combination of values that is invalid.
Scenario parse_sweep_point(const Scenario& base, const std::vector<Override>& point, const Registry& registry);

}  // namespace simulacra
