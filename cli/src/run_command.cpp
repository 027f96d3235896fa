// `simulacra run`, `validate` and `types`: scenario files in, datasets out.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "commands.hpp"
#include "options.hpp"
#include "simulacra/agents/register_all.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/exporters/csv_sink.hpp"
#include "simulacra/exporters/hdf5_sink.hpp"
#include "simulacra/learned/model_attributes.hpp"
#include "version.hpp"

namespace simulacra::cli {

namespace {

namespace fs = std::filesystem;

std::vector<Override> overrides_from(const Options& opts) {
  std::vector<Override> out;
  for (const auto& text : opts.get_all("set")) out.push_back(parse_override(text));
  return out;
}

Registry make_registry() {
  Registry r;
  register_all(r);
  r.set_attribute_loader(learned::model_attribute_loader());
  return r;
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
  name += ".tmp";
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

}  // namespace

int run_command(const Args& args) {
  Options opts("simulacra run",
               "Runs a scenario file and writes its dataset under OUT: one HDF5 file (and/or a\n"
               "folder of CSV files) per run, named <scenario>[_p<point>][_r<replicate>], plus\n"
               "runs.csv listing every run with its seed, sweep values and trace hash.\n"
               "A bad scenario is reported whole (file:line:column) and nothing is written.",
               {
                   {"output", "OUT", "output directory (created if missing)", "", false, 'o'},
                   {"set", "PATH=VALUE", "override a scenario value, e.g. seed=7", "", true},
                   {"threads", "N", "engine threads per run (0: the scenario's engine.threads)", "0"},
                   {"jobs", "N", "runs executed at once (0: one per core, at most the run count)", "0"},
                   {"format", "LIST", "hdf5, csv or hdf5,csv (default: the scenario's outputs.formats)", ""},
                   {"quiet", "", "print only errors", ""},
               },
               {"FILE"});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  if (!opts.has("output")) throw UsageError("simulacra run: missing --output OUT (where the dataset goes)");
  const std::string file = opts.positional()[0];
  const fs::path out_dir = opts.get("output");
  const unsigned threads = opts.get_u32("threads");
  const bool quiet = opts.has("quiet");
  const std::vector<Override> overrides = overrides_from(opts);
  const Registry registry = make_registry();

  // Everything that can be checked is checked before anything is written.
  const Scenario base = load_scenario(file, overrides, registry);
  bool hdf5 = base.outputs.hdf5;
  bool csv = base.outputs.csv;
  if (opts.has("format")) {
    const std::string f = opts.get("format");
    hdf5 = f == "hdf5" || f == "hdf5,csv" || f == "csv,hdf5";
    csv = f == "csv" || f == "hdf5,csv" || f == "csv,hdf5";
    if (!hdf5 && !csv) throw UsageError("simulacra run: --format '" + f + "': expected hdf5, csv or hdf5,csv");
  }
  const std::vector<RunPlan> plans = plan_runs(base);
  std::vector<Scenario> per_run;
  per_run.reserve(plans.size());
  for (const auto& plan : plans) per_run.push_back(scenario_for(base, overrides, plan, registry));
  {
    // Build the first run fully (populations may read files) and check the
    // table selection, still before any output exists.
    Simulation probe = build_simulation(per_run.front(), registry, plans.front().seed, 1);
    check_output_tables(per_run.front(), table_names(per_run.front(), probe));
  }

  std::error_code ec;
  const bool created = !fs::exists(out_dir, ec);
  fs::create_directories(out_dir, ec);
  if (ec) throw DataError("cannot create output directory " + out_dir.string() + ": " + ec.message());

  Provenance provenance;
  provenance["simulacra_version"] = kVersion;
  provenance["git_commit"] = kGitCommit;

  if (!quiet) {
    std::printf("scenario %s (%s): %zu run%s, %u replicate%s, %zu sweep point%s\n", base.name.c_str(), file.c_str(),
                plans.size(), plans.size() == 1 ? "" : "s", base.replicates, base.replicates == 1 ? "" : "s",
                plans.back().point + 1, plans.back().point == 0 ? "" : "s");
  }

  std::vector<RunResult> results(plans.size());
  std::vector<std::string> errors(plans.size());
  std::atomic<std::size_t> next{0};
  std::mutex print_mutex;
  unsigned jobs = opts.get_u32("jobs");
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, static_cast<unsigned>(plans.size()));
  std::exception_ptr failure;

  auto worker = [&] {
    for (std::size_t i = next++; i < plans.size(); i = next++) {
      const RunPlan& plan = plans[i];
      std::vector<std::unique_ptr<TableSink>> sinks;
      try {
        if (hdf5) {
          sinks.push_back(std::make_unique<Hdf5Sink>((out_dir / (plan.label + ".h5")).string(),
                                                     per_run[i].outputs.chunk_rows));
        }
        if (csv) sinks.push_back(std::make_unique<CsvSink>((out_dir / plan.label).string()));
        results[i] = run_plan(per_run[i], registry, plan, threads, sinks, provenance);
        if (!quiet) {
          std::lock_guard<std::mutex> lock(print_mutex);
          std::printf("run %s: seed %llu, %llu events, trace %s, %.2f s\n", plan.label.c_str(),
                      static_cast<unsigned long long>(plan.seed),
                      static_cast<unsigned long long>(results[i].committed_events),
                      hex64(results[i].trace_hash).c_str(), results[i].wall_seconds);
          for (const auto& [table, rows] : results[i].rows) {
            std::printf("  %-28s %llu rows\n", table.c_str(), static_cast<unsigned long long>(rows));
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(print_mutex);
        errors[i] = e.what();
        if (!failure) failure = std::current_exception();
        next = plans.size();  // stop handing out runs
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned j = 1; j < jobs; ++j) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (failure) {
    // Each run's files appear whole or not at all; a folder this command
    // made and left empty goes too, so a failed run leaves nothing behind.
    if (created && fs::is_empty(out_dir, ec)) fs::remove(out_dir, ec);
    std::rethrow_exception(failure);
  }

  std::ostringstream manifest;
  manifest << "run,label,sweep_point,replicate,seed,sweep_values,hdf5,csv,trace_hash,committed_events\n";
  for (const auto& plan : plans) {
    std::string values;
    for (const auto& o : plan.point_overrides) values += (values.empty() ? "" : "; ") + o.path + "=" + o.value;
    manifest << plan.index << ',' << csv_field(plan.label) << ',' << plan.point << ',' << plan.replicate << ','
             << plan.seed << ',' << csv_field(values) << ',' << (hdf5 ? csv_field(plan.label + ".h5") : "") << ','
             << (csv ? csv_field(plan.label + "/") : "") << ',' << hex64(results[plan.index].trace_hash) << ','
             << results[plan.index].committed_events << '\n';
  }
  write_atomically(out_dir / "runs.csv", manifest.str());
  if (!quiet) std::printf("dataset written to %s/ (runs.csv lists every run)\n", out_dir.string().c_str());
  return 0;
}

int validate_command(const Args& args) {
  Options opts("simulacra validate", "Checks a scenario file (and its sweep points) without running it.",
               {{"set", "PATH=VALUE", "override a scenario value", "", true}}, {"FILE"});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  const std::string file = opts.positional()[0];
  const std::vector<Override> overrides = overrides_from(opts);
  const Registry registry = make_registry();
  const Scenario base = load_scenario(file, overrides, registry);
  const std::vector<RunPlan> plans = plan_runs(base);
  for (const auto& plan : plans) {
    if (plan.replicate == 0) (void)scenario_for(base, overrides, plan, registry);
  }
  std::printf("%s: ok (%zu population%s, %zu run%s)\n", file.c_str(), base.populations.size(),
              base.populations.size() == 1 ? "" : "s", plans.size(), plans.size() == 1 ? "" : "s");
  return 0;
}

int types_command(const Args& args) {
  Options opts("simulacra types", "Lists every population type with its parameters and timeline actions.", {});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  std::cout << describe(make_registry());
  return 0;
}

}  // namespace simulacra::cli
