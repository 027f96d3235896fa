// `simulacra run`, `validate` and `types`: scenario files in, datasets out.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <mutex>
#include <new>
#include <sstream>

#include "commands.hpp"
#include "interrupts.hpp"
#include "run_list.hpp"
#include "run_partitioned.hpp"
#include "run_support.hpp"
#include "options.hpp"
#include "simulacra/engine/checkpoint.hpp"
#include "simulacra/engine/ensemble.hpp"
#include "simulacra/engine/quantity.hpp"
#include "simulacra/engine/run_session.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/experiments/cluster.hpp"
#include "simulacra/exporters/stale_temporaries.hpp"
#include "version.hpp"

namespace simulacra::cli {

namespace {

namespace fs = std::filesystem;

// When to write checkpoints: at given simulated times, and/or every so many
// wall-clock seconds (into one folder per run, replaced each time).
struct CheckpointPlan {
  fs::path dir;                 // OUT/checkpoints
  std::vector<double> at;       // simulated seconds, sorted
  double every_wall_s = 0.0;    // 0: never by wall clock
  bool any() const { return !at.empty() || every_wall_s > 0.0; }
};

std::string seconds_text(double s) {
  std::ostringstream o;
  o.precision(15);
  o << s;
  return o.str();
}

CheckpointMeta checkpoint_meta(const OutputPlan& out) {
  return {{"hdf5", out.hdf5 ? "1" : "0"}, {"csv", out.csv ? "1" : "0"}};
}

// Fault injection for the test suite: SIMULACRA_FAULT_KILL_AT_CHECKPOINT=N
// makes the process kill itself with SIGKILL instead of writing its N-th
// checkpoint, so tests can resume from the one before, as after a real crash.
void maybe_kill(unsigned written) {
  static const char* const env = std::getenv("SIMULACRA_FAULT_KILL_AT_CHECKPOINT");
  if (env != nullptr && std::strtoul(env, nullptr, 10) == written + 1) std::raise(SIGKILL);
}

// Advances to `until` in pieces of about a tenth of a second of wall clock,
// checking for SIGINT/SIGTERM between them (throws Interrupted), so a signal
// is answered within a piece. Where a run is cut never changes its data
// (checkpoints rely on the same property).
void advance_watching(RunSession& session, SimTime until, const std::function<void()>& tick = {}) {
  using Clock = std::chrono::steady_clock;
  const double end = std::min(until.value, session.end().value);
  double piece = (end - session.now().value) / 4096.0;
  while (!session.over() && session.now().value < end) {
    throw_if_interrupted();
    double target = session.now().value + piece;
    if (!(target > session.now().value) || !(target < end)) target = end;  // a piece too small to move time
    const auto t0 = Clock::now();
    session.advance(SimTime{target});
    if (tick) tick();
    const double took = std::chrono::duration<double>(Clock::now() - t0).count();
    if (took < 0.05) {
      piece *= 2.0;
    } else if (took > 0.2) {
      piece /= 2.0;
    }
  }
}

// Drives a session to its end, writing the checkpoints the plan asks for.
void drive(RunSession& session, const CheckpointPlan& ckpt, const OutputPlan& out, const std::function<void()>& tick) {
  unsigned written = 0;
  if (!ckpt.any()) {
    advance_watching(session, session.end(), tick);
    return;
  }
  // Wall-clock checkpoints need the run cut into pieces to look at the clock.
  const double piece = ckpt.every_wall_s > 0.0 ? session.end().value / 1000.0 : HUGE_VAL;
  auto last = std::chrono::steady_clock::now();
  std::size_t next_at = 0;
  while (next_at < ckpt.at.size() && ckpt.at[next_at] <= session.now().value) ++next_at;
  while (!session.over()) {
    double target = std::min(session.end().value, session.now().value + piece);
    if (next_at < ckpt.at.size()) target = std::min(target, ckpt.at[next_at]);
    advance_watching(session, SimTime{target}, tick);
    if (next_at < ckpt.at.size() && session.now().value >= ckpt.at[next_at] && !session.over()) {
      maybe_kill(written++);
      save_checkpoint(session, (ckpt.dir / (session.plan().label + ".at-" + seconds_text(ckpt.at[next_at]) + "s")).string(),
                      kVersion, checkpoint_meta(out));
      ++next_at;
    }
    const auto now = std::chrono::steady_clock::now();
    if (ckpt.every_wall_s > 0.0 && !session.over() &&
        std::chrono::duration<double>(now - last).count() >= ckpt.every_wall_s) {
      maybe_kill(written++);
      save_checkpoint(session, (ckpt.dir / (session.plan().label + ".latest")).string(), kVersion, checkpoint_meta(out));
      last = std::chrono::steady_clock::now();
    }
  }
}

double parse_time_flag(const std::string& flag, const std::string& text) {
  std::string why;
  const auto v = parse_quantity(text, Dimension::time, &why);
  if (!v || !(*v > 0.0)) throw UsageError("--" + flag + " '" + text + "': expected a positive time such as 30d or 10min" + (why.empty() ? "" : " (" + why + ")"));
  return *v;
}

// "days" for "d": the progress line's noun.
std::string unit_words(const std::string& unit) {
  if (unit == "d") return "days";
  if (unit == "h") return "hours";
  if (unit == "min") return "minutes";
  if (unit == "s") return "seconds";
  if (unit == "ms") return "milliseconds";
  return unit;
}

void print_result(const std::string& label, std::uint64_t seed, const RunResult& r) {
  std::printf("run %s: seed %llu, %llu events, trace %s, %.2f s\n", label.c_str(), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(r.committed_events), hex64(r.trace_hash).c_str(), r.wall_seconds);
  for (std::size_t t = 0; t < r.rows.size(); ++t) {
    std::printf("  %-28s %llu rows", r.rows[t].first.c_str(), static_cast<unsigned long long>(r.rows[t].second));
    if (t < r.rows_dropped.size() && r.rows_dropped[t] > 0) {
      std::printf(" (%llu more dropped by outputs.where)", static_cast<unsigned long long>(r.rows_dropped[t]));
    }
    std::printf("\n");
  }
}

// Removes what killed processes left in `dir` and says so.
void report_stale(const fs::path& dir, bool quiet) {
  const std::vector<std::string> removed = remove_stale_temporaries(dir);
  if (removed.empty() || quiet) return;
  std::string names;
  for (const auto& n : removed) names += (names.empty() ? "" : ", ") + n;
  std::fprintf(stderr, "simulacra: removed %zu temporar%s left in %s by ended processes: %s\n", removed.size(),
               removed.size() == 1 ? "y" : "ies", dir.string().c_str(), names.c_str());
}

// What a signal cost: runs finished (kept, whole), abandoned (partial files
// removed) and never started. Printed even with --quiet: it is the outcome.
void report_interrupted(const EnsembleResult& result, const std::vector<RunPlan>& plans, const OutputPlan& out,
                        bool quiet) {
  std::string kept;
  std::size_t abandoned = 0;
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const JobStatus status = result.outcomes[i].status;
    if (status == JobStatus::failed) ++abandoned;
    if (status != JobStatus::succeeded) continue;
    if (!kept.empty()) kept += ", ";
    kept += out.hdf5 ? plans[i].label + ".h5" : plans[i].label + (out.csv ? "/" : "");
  }
  std::fprintf(stderr,
               "simulacra run: %s: %zu of %zu run%s finished and kept%s%s, %zu abandoned (partial files removed), "
               "%zu not started; runs.csv not written\n",
               signal_name(caught_signal()).c_str(), result.succeeded, plans.size(), plans.size() == 1 ? "" : "s",
               kept.empty() || quiet ? "" : ": ", quiet ? "" : kept.c_str(), abandoned, result.not_run);
}

int run_scenario(const Args& args) {
  Options opts("simulacra run",
               "Runs a scenario file and writes its dataset under OUT: one HDF5 file (and/or a\n"
               "folder of CSV files) per run, named <scenario>[_p<point>][_r<replicate>], plus\n"
               "runs.csv listing every run with its seed, sweep values and trace hash.\n"
               "A bad scenario is reported whole (file:line:column) and nothing is written.\n"
               "Checkpoints go to OUT/checkpoints/<run>.at-<seconds>s and <run>.latest;\n"
               "`simulacra resume CHECKPOINT -o OUT` finishes a run from one.",
               {
                   {"output", "OUT", "output directory (created if missing)", "", false, 'o'},
                   {"set", "PATH=VALUE", "override a scenario value, e.g. seed=7", "", true},
                   {"threads", "N", "engine threads per run (0: the scenario's engine.threads); capped at the cores", "0"},
                   {"jobs", "N", "runs executed at once (0: as many as the cores allow, at most the run count)", "0"},
                   {"format", "LIST", "hdf5, csv, hdf5,csv or none (default: the scenario's outputs.formats)", ""},
                   {"compression", "LEVEL", "none, fast or small: HDF5 deflate, and gzip for CSV (.csv.gz) unless none (default: the scenario's outputs.compression, else fast for HDF5 and plain CSV)", ""},
                   {"checkpoint-at", "TIME", "write a checkpoint when the run reaches simulated TIME (e.g. 30d)", "", true},
                   {"checkpoint-every", "TIME", "write a checkpoint every TIME of wall clock (e.g. 10min)", ""},
                   {"max-memory", "SIZE", "refuse (exit 2) a run needing more memory, e.g. 8G; none: no limit (default: 80% of the machine's memory)", ""},
                   {"quiet", "", "print only errors", ""},
               },
               {"FILE"});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  if (!opts.has("output")) throw UsageError("simulacra run: missing --output OUT (where the dataset goes)");
  const std::string file = opts.positional()[0];
  OutputPlan out;
  out.dir = opts.get("output");
  const bool quiet = opts.has("quiet");
  const std::vector<Override> overrides = overrides_from(opts);
  const Registry registry = make_registry();
  CheckpointPlan ckpt;
  ckpt.dir = out.dir / "checkpoints";
  for (const auto& t : opts.get_all("checkpoint-at")) ckpt.at.push_back(parse_time_flag("checkpoint-at", t));
  std::sort(ckpt.at.begin(), ckpt.at.end());
  if (opts.has("checkpoint-every")) ckpt.every_wall_s = parse_time_flag("checkpoint-every", opts.get("checkpoint-every"));

  apply_memory_limit(opts);

  // Everything that can be checked is checked before anything is written.
  const Scenario base = load_scenario(file, overrides, registry);
  out = output_plan(opts, base, "simulacra run");
  const std::vector<RunPlan> plans = plan_runs(base);
  // Every sweep point is checked before the first run; each run parses its
  // point again rather than all being held at once (a sweep's scenarios
  // each carry the whole sweep's text).
  for (const auto& plan : plans) {
    if (plan.replicate == 0 && plan.point != 0) (void)scenario_for(base, overrides, plan, registry);
  }
  {
    // Build the first run fully (populations may read files) and check the
    // table, column and row selection, still before any output exists.
    const Scenario first = scenario_for(base, overrides, plans.front(), registry);
    Simulation probe = build_simulation(first, registry, plans.front().seed, 1);
    check_output_selection(first, probe);
  }
  // Under mpirun, a scenario of one run is partitioned over the ranks.
  if (cluster::distributed() && plans.size() == 1) {
    return run_partitioned({file, out, quiet, threads_flag(opts), ckpt.at, ckpt.every_wall_s}, base, overrides,
                           plans.front(), registry);
  }

  EnsembleOptions ens;
  ens.jobs = opts.get_u32("jobs");
  const unsigned threads_asked = threads_flag(opts);
  ens.threads_per_job = threads_asked != 0 ? threads_asked : std::max(base.engine.threads, 1u);
  const EnsemblePlan eplan = plan_ensemble(plans.size(), ens);
  for (const auto& w : eplan.warnings) std::fprintf(stderr, "simulacra run: %s\n", w.c_str());

  // From here on a signal stops the runs cleanly instead of killing us.
  catch_interrupts();
  // Rank 0 makes the folder (and clears what killed processes left) before
  // the other ranks may write into it.
  std::error_code ec;
  const bool lead = cluster::rank() == 0;
  const bool created = !fs::exists(out.dir, ec);
  if (lead) {
    fs::create_directories(out.dir, ec);
    if (ec) throw DataError("cannot create output directory " + out.dir.string() + ": " + ec.message());
    report_stale(out.dir, quiet);
    report_stale(ckpt.dir, quiet);
  }
  cluster::barrier();
  if (!lead) {
    fs::create_directories(out.dir, ec);  // a node of its own may not share rank 0's disk
    if (ec) throw DataError("cannot create output directory " + out.dir.string() + ": " + ec.message());
  }

  Provenance provenance;
  provenance["simulacra_version"] = kVersion;
  provenance["git_commit"] = kGitCommit;

  if (!quiet) {
    std::printf("scenario %s (%s): %zu run%s, %u replicate%s, %zu sweep point%s\n", base.name.c_str(), file.c_str(),
                plans.size(), plans.size() == 1 ? "" : "s", base.replicates, base.replicates == 1 ? "" : "s",
                plans.back().point + 1, plans.back().point == 0 ? "" : "s");
    std::fflush(stdout);
  }

  ens.jobs = eplan.jobs;
  ens.threads_per_job = eplan.threads_per_job;
  auto job = [&](std::size_t i, unsigned threads) {
    const RunPlan& plan = plans[i];
    throw_if_interrupted();
    Scenario scenario = scenario_for(base, overrides, plan, registry);
    const std::size_t chunk_rows = scenario.outputs.chunk_rows;
    RunSession session(std::move(scenario), registry, plan, threads);
    session.attach(make_sinks(out, plan.label, chunk_rows));
    // One run alone shows its own progress in simulated time, once it has
    // taken longer than a progress interval (short runs print nothing).
    std::unique_ptr<ProgressPrinter> run_progress;
    std::function<void()> tick;
    if (!quiet && plans.size() == 1) {
      const bool terminal = ProgressPrinter::is_terminal(stderr);
      const double interval = terminal ? 0.2 : 10.0;
      const double unit = session.scenario().time_unit_seconds;
      run_progress = std::make_unique<ProgressPrinter>(stderr, terminal, interval,
                                                       "simulated " + unit_words(session.scenario().time_unit));
      tick = [&session, &run_progress, interval, unit] {
        if (run_progress->elapsed_s() < interval) return;
        run_progress->update(static_cast<std::size_t>(session.now().value / unit),
                             static_cast<std::size_t>(std::ceil(session.end().value / unit)));
      };
    }
    drive(session, ckpt, out, tick);
    if (tick) tick();  // the end, if anything was shown
    if (run_progress) run_progress->finish();
    RunReport report;
    Provenance prov = provenance;
    if (cluster::distributed()) {
      prov["mpi_rank"] = std::to_string(cluster::rank()) + " of " + std::to_string(cluster::size());
    }
    report.result = session.finish(prov);
    report.stop_reason = session.stop_reason();
    return encode_report(std::move(report));
  };

  // Rank 0 prints each run as it ends, wherever it ran; under mpirun it also
  // keeps runs.csv current from the start, so that if a rank dies (and Open
  // MPI stops the launch) the list says which runs finished and which did
  // not. It is rewritten after a run ends unless the last rewrite was more
  // recent than ten times what it took: at most a tenth of rank 0's time.
  std::vector<RunReport> reports(plans.size());
  std::vector<JobStatus> status(plans.size(), JobStatus::not_run);
  using Clock = std::chrono::steady_clock;
  auto last_list = Clock::now() - std::chrono::hours(1);
  Clock::duration list_cost{};
  auto done = [&](std::size_t i, const JobOutcome& outcome, int, const std::string& payload) {
    status[i] = outcome.status;
    if (outcome.status != JobStatus::succeeded) return;
    reports[i] = decode_report(payload);
    if (!quiet) {
      print_result(plans[i].label, plans[i].seed, reports[i].result);
      if (!reports[i].stop_reason.empty()) std::printf("  ended early: %s\n", reports[i].stop_reason.c_str());
      std::fflush(stdout);
    }
    const auto now = Clock::now();
    if (cluster::distributed() && now - last_list >= 10 * list_cost) {
      write_atomically(out.dir / "runs.csv", run_list_csv(plans, out, reports, status));
      last_list = Clock::now();
      list_cost = last_list - now;
    }
  };
  if (lead && cluster::distributed()) write_atomically(out.dir / "runs.csv", run_list_csv(plans, out, reports, status));
  std::unique_ptr<ProgressPrinter> progress;
  if (!quiet && plans.size() > 1) progress = std::make_unique<ProgressPrinter>(stderr);
  const cluster::DistributedResult ran =
      cluster::run_distributed(plans.size(), ens, job, progress ? progress->callback() : ProgressCallback{}, done);
  const EnsembleResult& result = ran.result;
  if (progress) progress->finish();
  if (caught_signal() != 0) {
    if (lead) report_interrupted(result, plans, out, quiet);
    if (lead) fs::remove(ckpt.dir, ec);  // only if empty
    if (lead && created && fs::is_empty(out.dir, ec)) fs::remove(out.dir, ec);
    throw_if_interrupted();
  }
  if (!result.ok()) {
    // Each run's files appear whole or not at all; a folder this command
    // made and left empty goes too, so a failed run leaves nothing behind.
    // Across ranks the run list stays, saying which runs finished.
    if (lead && cluster::distributed()) {
      write_atomically(out.dir / "runs.csv", run_list_csv(plans, out, reports, status));
    } else if (lead) {
      fs::remove(ckpt.dir, ec);  // only if empty: checkpoints of other runs stay
      if (created && fs::is_empty(out.dir, ec)) fs::remove(out.dir, ec);
    }
    result.rethrow_first_error();
  }
  if (!lead) return 0;
  write_atomically(out.dir / "runs.csv", run_list_csv(plans, out, reports, status));
  if (!quiet) std::printf("dataset written to %s/ (runs.csv lists every run)\n", out.dir.string().c_str());
  return 0;
}

}  // namespace

int run_command(const Args& args) {
  try {
    return run_scenario(args);
  } catch (const std::bad_alloc&) {
    throw out_of_memory("simulacra run");
  }
}

int resume_command(const Args& args) {
  Options opts("simulacra resume",
               "Finishes a run from a checkpoint folder written by `simulacra run --checkpoint-at`\n"
               "or `--checkpoint-every`. The dataset under OUT has the same tables and trace hash\n"
               "as the run would have had without interruption.",
               {
                   {"output", "OUT", "output directory (created if missing)", "", false, 'o'},
                   {"threads", "N", "engine threads (0: the scenario's engine.threads); capped at the cores", "0"},
                   {"quiet", "", "print only errors", ""},
               },
               {"CHECKPOINT"});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  if (!opts.has("output")) throw UsageError("simulacra resume: missing --output OUT (where the dataset goes)");
  const std::string dir = opts.positional()[0];
  std::string warning;
  const unsigned threads = cap_threads(threads_flag(opts), 0, &warning);
  if (!warning.empty()) std::fprintf(stderr, "simulacra resume: %s\n", warning.c_str());
  const Registry registry = make_registry();
  if (cluster::distributed()) return resume_partitioned(dir, opts.get("output"), opts.has("quiet"), threads, registry);
  LoadedCheckpoint ckpt = load_checkpoint(dir, registry, kVersion, threads);
  OutputPlan out;
  out.dir = opts.get("output");
  out.hdf5 = ckpt.meta["hdf5"] == "1";
  out.csv = ckpt.meta["csv"] == "1";
  out.compression = ckpt.session.scenario().outputs.compression;
  out.csv_compression = ckpt.session.scenario().outputs.csv_compression();
  std::error_code ec;
  const bool created = !fs::exists(out.dir, ec);
  fs::create_directories(out.dir, ec);
  if (ec) throw DataError("cannot create output directory " + out.dir.string() + ": " + ec.message());
  report_stale(out.dir, opts.has("quiet"));
  RunSession& session = ckpt.session;
  const double from = session.now().value;
  catch_interrupts();
  try {
    session.reattach(make_sinks(out, session.plan().label, session.scenario().outputs.chunk_rows), dir);
    advance_watching(session, session.end());
    Provenance provenance;
    provenance["simulacra_version"] = kVersion;
    provenance["git_commit"] = kGitCommit;
    const RunResult r = session.finish(provenance);
    if (!opts.has("quiet")) {
      std::printf("resumed %s at t=%s s\n", dir.c_str(), seconds_text(from).c_str());
      print_result(session.plan().label, session.plan().seed, r);
    }
  } catch (...) {
    session.abort();
    if (created && fs::is_empty(out.dir, ec)) fs::remove(out.dir, ec);
    if (caught_signal() != 0) {
      std::fprintf(stderr, "simulacra resume: %s: run %s abandoned at t=%s s, its partial files removed; the "
                   "checkpoint %s is unchanged\n", signal_name(caught_signal()).c_str(), session.plan().label.c_str(),
                   seconds_text(session.now().value).c_str(), dir.c_str());
    }
    throw;
  }
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
  const OutputSettings& o = base.outputs;
  if (!o.tables.empty() || !o.columns.empty() || !o.where.empty()) {
    // Tables and their columns are known once the populations are built.
    const Simulation probe = build_simulation(base, registry, base.seed, 1);
    check_output_selection(base, probe);
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
