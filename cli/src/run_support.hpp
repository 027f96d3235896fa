// What the commands that run scenarios share: the registry, --set
// overrides, dataset sinks, and writing small files whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "options.hpp"
#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/scenario.hpp"
#include "simulacra/engine/table_sink.hpp"

namespace simulacra::cli {

/// Every --set of the command line, then --compression X as
/// outputs.compression=X. Throws ScenarioError for a malformed one.
std::vector<Override> overrides_from(const Options& opts);

/// Every population type, with model files read by learned_models.
Registry make_registry();

/// The --threads option, refused above kMaxThreads (UsageError): a thousand
/// threads is never a speed-up, and billions cannot be made.
unsigned threads_flag(const Options& opts);

/// Applies --max-memory (a size such as 8G, 512M; "none"; default 80% of the
/// machine's physical memory) as the process's address-space limit, so that
/// a run asking for more (a population of billions) fails with std::bad_alloc
/// instead of meeting the kernel's out-of-memory killer. Returns the limit in
/// bytes, 0 for none. Throws UsageError for a malformed size.
std::uint64_t apply_memory_limit(const Options& opts);

/// The DataError for a std::bad_alloc under the limit apply_memory_limit set.
DataError out_of_memory(const std::string& command);

/// 16 hex digits.
std::string hex64(std::uint64_t v);

/// Writes `text` to `path` whole or not at all. Throws DataError.
void write_atomically(const std::filesystem::path& path, const std::string& text);

/// A CSV field, quoted when it needs to be.
std::string csv_field(const std::string& s);

/// Where a run's dataset goes, and in which formats.
struct OutputPlan {
  std::filesystem::path dir;
  bool hdf5 = true;
  bool csv = false;
  OutputCompression compression = OutputCompression::fast;  ///< the scenario's outputs.compression
  OutputCompression csv_compression = OutputCompression::none;  ///< gzip only when outputs.compression is given
};

/// OUT from --output and the formats: --format (hdf5, csv, hdf5,csv, or
/// none for no dataset) if given, else the scenario's outputs.formats. Throws UsageError naming
/// `command` for another --format.
OutputPlan output_plan(const Options& opts, const Scenario& scenario, const std::string& command);

/// Throws UsageError if the scenario has a sweep or replicates: `command`
/// works on one run.
void require_one_run(const Scenario& scenario, const std::string& command, const std::string& what);

/// A number in JSON: NaN as null, infinities as the strings "inf" / "-inf".
std::string json_number(double v);
/// A string in JSON, quoted and escaped.
std::string json_string(const std::string& s);
/// `s` without leading and trailing spaces.
std::string trim(std::string s);

/// The sinks of run `label`: OUT/label.h5 and/or OUT/label/.
std::vector<std::unique_ptr<TableSink>> make_sinks(const OutputPlan& out, const std::string& label, std::size_t chunk_rows);

}  // namespace simulacra::cli
