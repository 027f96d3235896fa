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
#include "run_list.hpp"
#include "simulacra/engine/checkpoint.hpp"
#include "simulacra/engine/run_session.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/state_archive.hpp"
#include "simulacra/experiments/cluster.hpp"
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

// Set when every rank throws the same error from together(): no rank waits.
bool g_all_ranks_threw = false;

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
  g_all_ranks_threw = !first.empty();
  if (mine) std::rethrow_exception(mine);
  if (!first.empty()) throw_described(first);
}

std::string seconds_text(double s) {
  std::ostringstream o;
  o.precision(15);
  o << s;
  return o.str();
}

// Advances every rank by the same pieces, which rank 0 picks as one process
// does (about a tenth of a second of wall clock each) and sends with any
// signal it caught and whether to write a checkpoint after the piece, so
// that all ranks make the same collective calls. Rank 0 writes checkpoints
// as one process does (OUT/checkpoints/<run>.at-<t>s, <run>.latest).
void advance_together(RunSession& session, RankExchange& ex, const PartitionedRun* how = nullptr) {
  using Clock = std::chrono::steady_clock;
  const bool root = ex.rank() == 0;
  const double end = session.end().value;
  double piece = (end - session.now().value) / 4096.0;
  std::vector<double> at;
  double every_wall_s = 0.0;
  if (how != nullptr) {
    at = how->checkpoint_at;
    every_wall_s = how->checkpoint_every_wall_s;
  }
  std::size_t next_at = 0;
  while (next_at < at.size() && at[next_at] <= session.now().value) ++next_at;
  auto last_wall = Clock::now();
  while (!session.over()) {
    StateArchive out;
    double target = 0.0;
    std::int32_t signal = 0;
    if (root) {
      signal = caught_signal();
      target = session.now().value + piece;
      if (!(target > session.now().value) || !(target < end)) target = end;
      if (next_at < at.size()) target = std::min(target, at[next_at]);
    }
    out.io(target);
    out.io(signal);
    std::string bytes = out.take();
    ex.broadcast(bytes);
    StateArchive in(bytes);
    in.io(target);
    in.io(signal);
    if (signal != 0) {
      g_all_ranks_threw = true;  // every rank got rank 0's signal
      throw Interrupted(signal, "interrupted by " + signal_name(signal));
    }
    const auto t0 = Clock::now();
    session.advance(SimTime{target});
    const double took = std::chrono::duration<double>(Clock::now() - t0).count();
    if (took < 0.05) {
      piece *= 2.0;
    } else if (took > 0.2) {
      piece /= 2.0;
    }
    if (at.empty() && every_wall_s <= 0.0) continue;
    // Rank 0 says whether, and where, a checkpoint is due.
    std::string path;
    if (root && !session.over()) {
      const fs::path dir = how->out.dir / "checkpoints";
      const std::string& label = session.plan().label;
      if (next_at < at.size() && session.now().value >= at[next_at]) {
        path = (dir / (label + ".at-" + seconds_text(at[next_at]) + "s")).string();
        ++next_at;
      } else if (every_wall_s > 0.0 && std::chrono::duration<double>(Clock::now() - last_wall).count() >= every_wall_s) {
        path = (dir / (label + ".latest")).string();
      }
    }
    ex.broadcast(path);
    if (path.empty()) continue;
    together(ex, [&] {
      if (root) {
        const CheckpointMeta meta{{"hdf5", how->out.hdf5 ? "1" : "0"}, {"csv", how->out.csv ? "1" : "0"}};
        save_checkpoint(session, path, kVersion, meta);
      } else {
        StateArchive discard;
        session.save_state(discard);
      }
    });
    last_wall = Clock::now();
  }
}

// Opens rank 0's sinks (continuing the datasets saved in `restore_dir` when
// given) and the others' discarding ones, drives the run to its end and
// finishes it; rank 0 writes runs.csv for a fresh run. Returns the result.
RunResult complete(cluster::MpiExchange& ex, RunSession& session, const OutputPlan& out, bool quiet,
                   const PartitionedRun* how, const std::string* restore_dir) {
  const bool root = ex.rank() == 0;
  catch_interrupts();
  std::error_code ec;
  const bool created = root && !fs::exists(out.dir, ec);
  together(ex, [&] {
    std::vector<std::unique_ptr<TableSink>> sinks;
    if (root) {
      fs::create_directories(out.dir, ec);
      if (ec) throw DataError("cannot create output directory " + out.dir.string() + ": " + ec.message());
      for (const auto& n : remove_stale_temporaries(out.dir)) {
        if (!quiet) std::fprintf(stderr, "simulacra: removed a temporary left by an ended process: %s\n", n.c_str());
      }
      sinks = make_sinks(out, session.plan().label, session.scenario().outputs.chunk_rows);
    } else {
      sinks.push_back(std::make_unique<DiscardSink>());
    }
    if (root && restore_dir != nullptr) {
      session.reattach(std::move(sinks), *restore_dir);
    } else {
      session.attach(std::move(sinks));
    }
  });
  try {
    advance_together(session, ex, how);
  } catch (...) {
    session.abort();
    if (created && fs::is_empty(out.dir, ec)) fs::remove(out.dir, ec);
    // A signal rank 0 passed on, or an error every rank threw together (at a
    // window edge, or at a checkpoint), ends each rank in order; one rank's
    // own error would leave the others waiting on it.
    const std::exception_ptr error = std::current_exception();
    if (g_all_ranks_threw || session.simulation().failed_on_every_rank()) throw;
    std::fprintf(stderr, "error (rank %d): %s\n", ex.rank(), message_of(error).c_str());
    cluster::abort_all(status_of(error));
  }

  Provenance provenance;
  provenance["simulacra_version"] = kVersion;
  provenance["git_commit"] = kGitCommit;
  provenance["ranks"] = std::to_string(ex.size());
  RunResult result;
  together(ex, [&] {
    try {
      result = session.finish(provenance);
      if (root && restore_dir == nullptr) {
        RunReport report{result, session.stop_reason()};
        write_atomically(out.dir / "runs.csv", run_list_csv({session.plan()}, out, {report}, {JobStatus::succeeded}));
      }
    } catch (...) {
      if (created && fs::is_empty(out.dir, ec)) fs::remove(out.dir, ec);
      throw;
    }
  });
  if (root && !quiet) {
    const RankTraffic& t = session.simulation().rank_traffic();
    std::printf("run %s: seed %llu, %llu events, trace %s, %.2f s, %d ranks, %llu windows\n",
                session.plan().label.c_str(), static_cast<unsigned long long>(session.plan().seed),
                static_cast<unsigned long long>(result.committed_events), hex64(result.trace_hash).c_str(),
                result.wall_seconds, ex.size(), static_cast<unsigned long long>(t.windows));
    for (std::size_t i = 0; i < result.rows.size(); ++i) {
      std::printf("  %-28s %llu rows\n", result.rows[i].first.c_str(),
                  static_cast<unsigned long long>(result.rows[i].second));
    }
  }
  return result;
}

}  // namespace

int run_partitioned(const PartitionedRun& how, const Scenario& base, const std::vector<Override>& overrides,
                    const RunPlan& plan, const Registry& registry) {
  cluster::MpiExchange ex;
  std::unique_ptr<RunSession> session;
  together(ex, [&] {
    session = std::make_unique<RunSession>(scenario_for(base, overrides, plan, registry), registry, plan, how.threads);
    session->simulation().set_ranks(&ex);
  });
  if (ex.rank() == 0 && !how.quiet) {
    std::printf("scenario %s (%s): 1 run partitioned over %d ranks\n", base.name.c_str(), how.file.c_str(), ex.size());
    std::fflush(stdout);
  }
  complete(ex, *session, how.out, how.quiet, &how, nullptr);
  if (ex.rank() == 0 && !how.quiet) {
    std::printf("dataset written to %s/ (runs.csv lists every run)\n", how.out.dir.string().c_str());
  }
  return 0;
}

int resume_partitioned(const std::string& checkpoint, const fs::path& out_dir, bool quiet, unsigned threads,
                       const Registry& registry) {
  cluster::MpiExchange ex;
  std::unique_ptr<LoadedCheckpoint> ckpt;
  together(ex, [&] {
    ckpt = std::make_unique<LoadedCheckpoint>(load_checkpoint(checkpoint, registry, kVersion, threads, &ex));
  });
  RunSession& session = ckpt->session;
  OutputPlan out;
  out.dir = out_dir;
  out.hdf5 = ckpt->meta["hdf5"] == "1";
  out.csv = ckpt->meta["csv"] == "1";
  out.compression = session.scenario().outputs.compression;
  out.csv_compression = session.scenario().outputs.csv_compression();
  const double from = session.now().value;
  complete(ex, session, out, quiet, nullptr, &checkpoint);
  if (ex.rank() == 0 && !quiet) {
    std::printf("resumed %s at t=%s s over %d ranks\n", checkpoint.c_str(), seconds_text(from).c_str(), ex.size());
  }
  return 0;
}

}  // namespace simulacra::cli
