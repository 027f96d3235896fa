// `simulacra run` under mpirun for a scenario of one run: every rank builds the
// same session and runs its share of the partitions; rank 0 writes the dataset
// and runs.csv, the same bytes as one process writes (docs/engine.md).
#include "run_partitioned.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <new>
#include <sstream>

#include "interrupts.hpp"
#include "options.hpp"
#include "simulacra/engine/run_session.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/state_archive.hpp"
#include "simulacra/experiments/mpi_exchange.hpp"
#include "simulacra/exporters/stale_temporaries.hpp"
#include "version.hpp"

namespace simulacra::cli {

namespace {

namespace fs = std::filesystem;

// The sink of ranks other than 0: their rows travel to rank 0, but they make
// the same session calls (observations, finish) as rank 0 does.
class DiscardSink final : public TableSink {
 public:
  void open(const std::vector<TableSchema>& /*tables*/) override {}
  void write(std::size_t /*table*/, const TableChunk& /*rows*/) override {}
  void commit(const Provenance& /*provenance*/) override {}
  void abort() noexcept override {}
};

// An error as bytes for the other ranks: its exit status, then its message.
std::string describe(const std::exception_ptr& e) {
  StateArchive ar;
  std::int32_t status = 1;
  std::string what;
  try {
    std::rethrow_exception(e);
  } catch (const Interrupted& x) {
    status = 128 + x.signal();
    what = x.what();
  } catch (const UserError& x) {
    status = 2;
    what = x.what();
  } catch (const std::bad_alloc&) {
    status = 2;
    what = "out of memory";
  } catch (const std::exception& x) {
    what = x.what();
  } catch (...) {
    what = "unknown exception";
  }
  ar.io(status);
  ar.io(what);
  return ar.take();
}

std::int32_t status_of(const std::exception_ptr& e) {
  const std::string d = describe(e);
  StateArchive in(d);
  std::int32_t status = 1;
  in.io(status);
  return status;
}

std::string message_of(const std::exception_ptr& e) {
  const std::string d = describe(e);
  StateArchive in(d);
  std::int32_t status = 1;
  std::string what;
  in.io(status);
  in.io(what);
  return what;
}

[[noreturn]] void throw_described(const std::string& bytes) {
  StateArchive in(bytes);
  std::int32_t status = 1;
  std::string what;
  in.io(status);
  in.io(what);
  if (status > 128) throw Interrupted(status - 128, what);
  if (status == 2) throw UserError(what);
  throw std::runtime_error(what);
}

// Runs `step` on every rank; if it threw on any, every rank throws: a rank
// its own error, the others the first failing rank's.
void together(RankExchange& ex, const std::function<void()>& step) {
  std::exception_ptr mine;
  try {
    step();
  } catch (...) {
    mine = std::current_exception();
  }
  const std::vector<std::string> all = ex.gather(mine ? describe(mine) : std::string());
  std::string first;
  for (const auto& d : all) {
    if (!d.empty()) {
      first = d;
      break;
    }
  }
  ex.broadcast(first);
  if (mine) std::rethrow_exception(mine);
  if (!first.empty()) throw_described(first);
}

// Advances every rank by the same pieces, which rank 0 picks as one process
// does (about a tenth of a second of wall clock each) and sends with any
// signal it caught, so that all ranks make the same collective calls.
void advance_together(RunSession& session, RankExchange& ex) {
  using Clock = std::chrono::steady_clock;
  const double end = session.end().value;
  double piece = (end - session.now().value) / 4096.0;
  while (!session.over()) {
    StateArchive out;
    double target = 0.0;
    std::int32_t signal = 0;
    if (ex.rank() == 0) {
      signal = caught_signal();
      target = session.now().value + piece;
      if (!(target > session.now().value) || !(target < end)) target = end;
    }
    out.io(target);
    out.io(signal);
    std::string bytes = out.take();
    ex.broadcast(bytes);
    StateArchive in(bytes);
    in.io(target);
    in.io(signal);
    if (signal != 0) throw Interrupted(signal, "interrupted by " + signal_name(signal));
    const auto t0 = Clock::now();
    session.advance(SimTime{target});
    const double took = std::chrono::duration<double>(Clock::now() - t0).count();
    if (took < 0.05) {
      piece *= 2.0;
    } else if (took > 0.2) {
      piece /= 2.0;
    }
  }
}

// runs.csv of a single run, as `simulacra run` writes it on one process.
std::string run_list(const RunPlan& plan, const OutputPlan& out, const RunResult& r) {
  std::string values;
  for (const auto& o : plan.point_overrides) values += (values.empty() ? "" : "; ") + o.path + "=" + o.value;
  std::ostringstream list;
  list << "run,label,sweep_point,replicate,seed,sweep_values,hdf5,csv,trace_hash,committed_events\n";
  list << plan.index << ',' << csv_field(plan.label) << ',' << plan.point << ',' << plan.replicate << ',' << plan.seed
       << ',' << csv_field(values) << ',' << (out.hdf5 ? csv_field(plan.label + ".h5") : "") << ','
       << (out.csv ? csv_field(plan.label + "/") : "") << ',' << hex64(r.trace_hash) << ',' << r.committed_events
       << '\n';
  return list.str();
}

int run_on_ranks(cluster::MpiExchange& ex, const PartitionedRun& how, const Scenario& base,
                 const std::vector<Override>& overrides, const RunPlan& plan, const Registry& registry) {
  const bool root = ex.rank() == 0;
  const OutputPlan& out = how.out;
  std::unique_ptr<RunSession> session;
  together(ex, [&] {
    if (how.checkpoints) {
      throw UsageError("simulacra run: checkpoints (--checkpoint-at, --checkpoint-every) of a run partitioned over "
                       "ranks are not supported yet; run without them, or as one process");
    }
    session = std::make_unique<RunSession>(scenario_for(base, overrides, plan, registry), registry, plan, how.threads);
    session->simulation().set_ranks(&ex);
  });
  catch_interrupts();
  std::error_code ec;
  const bool created = root && !fs::exists(out.dir, ec);
  together(ex, [&] {
    std::vector<std::unique_ptr<TableSink>> sinks;
    if (root) {
      fs::create_directories(out.dir, ec);
      if (ec) throw DataError("cannot create output directory " + out.dir.string() + ": " + ec.message());
      for (const auto& n : remove_stale_temporaries(out.dir)) {
        if (!how.quiet) std::fprintf(stderr, "simulacra: removed a temporary left by an ended process: %s\n", n.c_str());
      }
      sinks = make_sinks(out, plan.label, session->scenario().outputs.chunk_rows);
    } else {
      sinks.push_back(std::make_unique<DiscardSink>());
    }
    session->attach(std::move(sinks));
  });
  if (root && !how.quiet) {
    std::printf("scenario %s (%s): 1 run partitioned over %d ranks\n", base.name.c_str(), how.file.c_str(), ex.size());
    std::fflush(stdout);
  }
  try {
    advance_together(*session, ex);
  } catch (...) {
    session->abort();
    if (created && fs::is_empty(out.dir, ec)) fs::remove(out.dir, ec);
    // A signal rank 0 passed on, or an error every rank threw at the same
    // window edge, ends each rank in order; one rank's own error would leave
    // the others waiting on it.
    const std::exception_ptr error = std::current_exception();
    bool signalled = false;
    try {
      throw;
    } catch (const Interrupted&) {
      signalled = true;
    } catch (...) {
    }
    if (signalled || session->simulation().failed_on_every_rank()) throw;
    std::fprintf(stderr, "error (rank %d): %s\n", ex.rank(), message_of(error).c_str());
    ex.abort_all(status_of(error));
  }

  Provenance provenance;
  provenance["simulacra_version"] = kVersion;
  provenance["git_commit"] = kGitCommit;
  provenance["ranks"] = std::to_string(ex.size());
  RunResult result;
  together(ex, [&] {
    try {
      result = session->finish(provenance);
      if (root) write_atomically(out.dir / "runs.csv", run_list(plan, out, result));
    } catch (...) {
      if (created && fs::is_empty(out.dir, ec)) fs::remove(out.dir, ec);
      throw;
    }
  });
  if (root && !how.quiet) {
    const RankTraffic& t = session->simulation().rank_traffic();
    std::printf("run %s: seed %llu, %llu events, trace %s, %.2f s, %d ranks, %llu windows\n", plan.label.c_str(),
                static_cast<unsigned long long>(plan.seed), static_cast<unsigned long long>(result.committed_events),
                hex64(result.trace_hash).c_str(), result.wall_seconds, ex.size(),
                static_cast<unsigned long long>(t.windows));
    for (std::size_t i = 0; i < result.rows.size(); ++i) {
      std::printf("  %-28s %llu rows\n", result.rows[i].first.c_str(),
                  static_cast<unsigned long long>(result.rows[i].second));
    }
    std::printf("dataset written to %s/ (runs.csv lists every run)\n", out.dir.string().c_str());
  }
  return 0;
}

}  // namespace

bool partitioned_launch() { return cluster::launch_size() > 1; }

int run_partitioned(const PartitionedRun& how, const Scenario& base, const std::vector<Override>& overrides,
                    const RunPlan& plan, const Registry& registry) {
  cluster::MpiExchange ex;
  try {
    return run_on_ranks(ex, how, base, overrides, plan, registry);
  } catch (...) {
    // Rank 0 reports; the others end with the same status in silence.
    if (ex.rank() == 0) throw;
    const std::exception_ptr error = std::current_exception();
    const std::int32_t status = status_of(error);
    if (status == 1) std::fprintf(stderr, "simulacra (rank %d): internal error: %s\n", ex.rank(), message_of(error).c_str());
    return status;
  }
}

}  // namespace simulacra::cli
