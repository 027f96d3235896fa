#include "run_support.hpp"

#include <charconv>
#include <new>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <fstream>

#include <sys/resource.h>
#include <unistd.h>

#include "simulacra/agents/register_all.hpp"
#include "simulacra/exporters/csv_sink.hpp"
#include "simulacra/exporters/hdf5_sink.hpp"
#include "simulacra/learned/model_attributes.hpp"

namespace simulacra::cli {

namespace fs = std::filesystem;

std::vector<Override> overrides_from(const Options& opts) {
  std::vector<Override> out;
  for (const auto& text : opts.get_all("set")) out.push_back(parse_override(text));
  // --compression is a --set, so the effective scenario (and the provenance
  // and checkpoints) records it, and the scenario reader checks its value.
  if (opts.has("compression")) out.push_back(parse_override("outputs.compression=" + opts.get("compression")));
  return out;
}

Registry make_registry() {
  Registry r;
  register_all(r);
  r.set_attribute_loader(learned::model_attribute_loader());
  return r;
}

unsigned threads_flag(const Options& opts) {
  const unsigned threads = opts.get_u32("threads");
  if (threads > kMaxThreads) {
    throw UsageError("--threads " + opts.get("threads") + ": expected at most " + std::to_string(kMaxThreads) +
                     " threads (more are capped at the machine's cores anyway)");
  }
  return threads;
}

namespace {
std::uint64_t g_memory_limit = 0;  // what apply_memory_limit set, for out_of_memory's message
}  // namespace

std::uint64_t apply_memory_limit(const Options& opts) {
  std::uint64_t limit = 0;
  const std::string text = opts.has("max-memory") ? opts.get("max-memory") : "";
  if (text == "none") return 0;
  if (text.empty()) {
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page = ::sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return 0;
    limit = static_cast<std::uint64_t>(pages) / 10 * 8 * static_cast<std::uint64_t>(page);
  } else {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    const std::string unit(end, text.data() + text.size());
    double scale = 0;
    if (unit == "K") scale = 1024.0;
    if (unit == "M") scale = 1024.0 * 1024;
    if (unit == "G") scale = 1024.0 * 1024 * 1024;
    if (unit == "T") scale = 1024.0 * 1024 * 1024 * 1024;
    if (error != std::errc() || end == text.data() || scale == 0 || !(value * scale >= 64.0 * 1024 * 1024) ||
        !(value * scale < 9e18)) {
      throw UsageError("--max-memory '" + text + "': expected a size of at least 64M such as 512M, 8G or 1.5T, or none");
    }
    limit = static_cast<std::uint64_t>(value * scale);
  }
  rlimit current{};
  if (::getrlimit(RLIMIT_AS, &current) == 0 && current.rlim_cur != RLIM_INFINITY && current.rlim_cur < limit) {
    return g_memory_limit = current.rlim_cur;  // already lower (ulimit -v): keep it
  }
  const rlimit wanted{static_cast<rlim_t>(limit), current.rlim_max};
  if (::setrlimit(RLIMIT_AS, &wanted) != 0) return 0;
  return g_memory_limit = limit;
}

DataError out_of_memory(const std::string& command) {
  const std::uint64_t limit = g_memory_limit;
  char size[32];
  std::snprintf(size, sizeof size, "%.1f GiB", static_cast<double>(limit) / (1024.0 * 1024 * 1024));
  if (limit == 0) {
    return DataError(command + ": out of memory: the scenario asks for more memory than this machine has "
                     "(make its populations smaller)");
  }
  return DataError(command + ": out of memory: the scenario needs more than --max-memory " + size +
                   " (default: 80% of the machine's memory); make its populations smaller or raise the limit");
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Writes `text` to `path` whole or not at all.
void write_atomically(const fs::path& path, const std::string& text) {
  std::string name = ".";  // built in steps: GCC 12 warns falsely on "lit" + string
  name += path.filename().string();
  name += ".tmp-" + std::to_string(::getpid());  // as the sinks' temporaries: removable once we are gone
  const fs::path tmp = path.parent_path() / name;
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out.flush()) throw DataError("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw DataError("cannot write " + path.string() + ": " + ec.message());
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

OutputPlan output_plan(const Options& opts, const Scenario& scenario, const std::string& command) {
  OutputPlan out;
  out.dir = opts.get("output");
  out.hdf5 = scenario.outputs.hdf5;
  out.csv = scenario.outputs.csv;
  out.compression = scenario.outputs.compression;
  out.csv_compression = scenario.outputs.csv_compression();
  if (opts.has("format")) {
    const std::string f = opts.get("format");
    out.hdf5 = f == "hdf5" || f == "hdf5,csv" || f == "csv,hdf5";
    out.csv = f == "csv" || f == "hdf5,csv" || f == "csv,hdf5";
    // "none" runs without a dataset: what output costs is measured against it (bench/output.sh).
    if (!out.hdf5 && !out.csv && f != "none") {
      throw UsageError(command + ": --format '" + f + "': expected hdf5, csv, hdf5,csv or none");
    }
  }
  return out;
}

void require_one_run(const Scenario& scenario, const std::string& command, const std::string& what) {
  if (!scenario.sweep.empty() || scenario.replicates > 1) {
    throw UsageError(command + ": " + scenario.path + " has a sweep or replicates; " + what + " (use --set)");
  }
}

std::string json_number(double v) {
  if (std::isinf(v)) return v > 0 ? "\"inf\"" : "\"-inf\"";
  if (std::isnan(v)) return "null";
  // The shortest text that reads back as the same double: weights and
  // estimates survive a round trip through the files exactly.
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::vector<std::unique_ptr<TableSink>> make_sinks(const OutputPlan& out, const std::string& label, std::size_t chunk_rows) {
  // Scenario names are checked where they are read; labels also come from
  // checkpoints and experiments, so check once more where they become paths.
  const bool separator = label.find_first_of("/\\") != std::string::npos;
  if (label.empty() || label.front() == '.' || separator || label.find('\0') != std::string::npos) {
    throw DataError("run label '" + label + "' cannot name files under " + out.dir.string() +
                    " (empty, starts with '.' or holds a path separator)");
  }
  std::vector<std::unique_ptr<TableSink>> sinks;
  if (out.hdf5) {
    sinks.push_back(std::make_unique<Hdf5Sink>((out.dir / (label + ".h5")).string(), chunk_rows,
                                               Hdf5Sink::deflate_level(out.compression)));
  }
  if (out.csv) {
    sinks.push_back(std::make_unique<CsvSink>((out.dir / label).string(), Hdf5Sink::deflate_level(out.csv_compression)));
  }
  return sinks;
}

}  // namespace simulacra::cli
