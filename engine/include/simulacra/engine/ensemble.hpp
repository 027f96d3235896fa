// Running many independent jobs (replicates, sweep points, calibration
// candidates, rare-event trials) over the machine's cores: the library's one
// job pool, with a plan that never asks for more threads than the cores allow,
// per-job failures and progress reporting.
#pragma once

#include <cstddef>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace simulacra {

/// The cores this process may run on (its CPU affinity: fewer than the
/// machine's under taskset, a container's CPU set or an mpirun binding), at least 1.
unsigned hardware_cores();

struct EnsembleOptions {
  /// Jobs run at once. 0: as many as fit (cores x oversubscribe / threads_per_job),
  /// at most the job count.
  unsigned jobs = 0;
  /// Engine threads each job may use (handed to the job). 0 counts as 1;
  /// callers whose 0 means "the scenario's engine.threads" resolve it first.
  unsigned threads_per_job = 1;
  /// jobs x threads_per_job may reach cores x oversubscribe (0 counts as 1).
  unsigned oversubscribe = 1;
  /// After a job fails no new job starts; jobs already running finish.
  bool stop_on_failure = true;
  /// Cores of the machine; 0: hardware_cores(). Set by tests.
  unsigned cores = 0;
  /// Called on the failing job's own thread right after it threw, before the
  /// failure is counted (e.g. to remove the job's partial files). May run
  /// concurrently for different jobs. An exception from it is not propagated:
  /// its message is appended to the job's error.
  std::function<void(std::size_t index, const std::exception& error)> on_failure;
};

/// How an ensemble will run, and what was cut back to get there.
struct EnsemblePlan {
  unsigned jobs = 1;             ///< at least 1
  unsigned threads_per_job = 1;  ///< at least 1; jobs x threads_per_job <= cores x oversubscribe
  unsigned cores = 1;            ///< the core count planned for
  /// One sentence per request that was capped, e.g. "--threads 1000 capped at
  /// 2 (the machine has 2 cores)"; for the caller to print.
  std::vector<std::string> warnings;
};

/// Decides jobs and threads per job for `count` jobs. Explicit requests are
/// honoured up to cores x oversubscribe: threads per job first (capped at the
/// whole budget), then jobs (capped at budget / threads). Jobs never exceed
/// `count` (silently: asking for more than there is to do is harmless).
/// Pure: the same inputs give the same plan. Throws nothing.
EnsemblePlan plan_ensemble(std::size_t count, const EnsembleOptions& options);

/// Engine threads for a single run: `requested` capped at `cores` (0:
/// hardware_cores()). When capped, `*warning` (if given) says so, e.g.
/// "--threads 1000 capped at 2 (the machine has 2 cores)"; otherwise it is
/// cleared. 0 is returned unchanged (callers use it for "the default").
unsigned cap_threads(unsigned requested, unsigned cores = 0, std::string* warning = nullptr);

enum class JobStatus {
  not_run,    ///< never started (the ensemble stopped after a failure)
  succeeded,
  failed,     ///< threw; see JobOutcome::error
};

/// "not run", "ok", "failed".
const char* to_string(JobStatus status);

struct JobOutcome {
  JobStatus status = JobStatus::not_run;
  std::string error;     ///< what() of what the job threw ("unknown exception" if not a std::exception)
  double seconds = 0.0;  ///< wall time of the job, 0 if not run
};

struct EnsembleResult {
  EnsemblePlan plan;
  std::vector<JobOutcome> outcomes;  ///< indexed by job, whatever order jobs finished in
  std::size_t succeeded = 0;
  std::size_t failed = 0;
  std::size_t not_run = 0;
  /// The failed job with the lowest index (not the first to fail in time, so
  /// the choice does not depend on timing when the set of jobs run does not).
  std::size_t first_failed_index = 0;
  std::exception_ptr first_error;  ///< its exception, rethrowable with its type; null if none failed
  double elapsed_s = 0.0;

  bool ok() const { return failed == 0; }
  /// Rethrows first_error if a job failed; otherwise does nothing.
  void rethrow_first_error() const {
    if (first_error) std::rethrow_exception(first_error);
  }
};

/// Progress after a job finished.
struct EnsembleProgress {
  std::size_t done = 0;    ///< jobs finished, failed ones included
  std::size_t failed = 0;  ///< of which failed
  std::size_t total = 0;   ///< job count
  double elapsed_s = 0.0;  ///< since the ensemble started
  double rate_per_s = 0.0; ///< done / elapsed_s (0 before a measurable time passed)
  double eta_s = -1.0;     ///< seconds left at that rate; negative: no estimate (stopping, or no rate yet)
  std::string note;        ///< shown after the counts when not empty, e.g. "loss 1.234"
};

using ProgressCallback = std::function<void(const EnsembleProgress&)>;
using EnsembleJob = std::function<void(std::size_t index, unsigned threads)>;

/// Runs job(i, threads) for every i in [0, count) on plan_ensemble(count,
/// options).jobs threads (the calling thread is one of them), handing out
/// indices in increasing order; `threads` is the plan's threads_per_job. `job`
/// is called concurrently for different indices. What a job throws is caught
/// and recorded in the result, never propagated. `progress` is called after
/// each job finishes, from one thread at a time, with `done` increasing by one
/// each call. If the system refuses to start a thread, the pool runs with the
/// threads it got. Throws only what `progress` throws (or std::bad_alloc),
/// after the running jobs finished and with no new job started.
EnsembleResult run_ensemble(std::size_t count, const EnsembleOptions& options, const EnsembleJob& job,
                            const ProgressCallback& progress = {});

/// One progress line, e.g. "runs 12/40 (30%), 1.9 runs/s, ETA 15 s" (or
/// "..., 1 failed, ..." and "runs 40/40 (100%), 1.9 runs/s, done in 21 s").
/// terminal: starts with '\r' and ends with "\x1b[K" (erase to end of line),
/// no newline, to overwrite the previous line; otherwise ends with '\n'.
/// `noun` names the jobs ("runs", "candidates").
std::string format_progress(const EnsembleProgress& progress, bool terminal, std::string_view noun = "runs");

/// Prints progress to a stream: on a terminal one line overwritten in place
/// (at most every 0.1 s), elsewhere (a log file, CI) a plain line at most
/// every `interval_s` (default 10 s); finish() prints the final state.
/// Not thread-safe by itself; run_ensemble serializes its callback.
class ProgressPrinter {
 public:
  /// Terminal or not as isatty(fileno(out)) says.
  explicit ProgressPrinter(std::FILE* out);
  ProgressPrinter(std::FILE* out, bool terminal);
  ProgressPrinter(std::FILE* out, bool terminal, double interval_s, std::string noun = "runs");
  ProgressPrinter(const ProgressPrinter&) = delete;  // callback() refers to this object
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;
  /// Calls finish().
  ~ProgressPrinter();

  static bool is_terminal(std::FILE* out);

  /// Records `progress`; prints it if the interval has passed.
  void update(const EnsembleProgress& progress);
  /// Records `done` of `total` (with an optional note such as "loss 1.2")
  /// at the time since this printer was made, rate and ETA from it, and
  /// prints as update() does: for progress that is not an ensemble's runs.
  void update(std::size_t done, std::size_t total, std::string note = {});
  /// Seconds since this printer was made.
  double elapsed_s() const;
  /// For run_ensemble: calls update() on this printer, which must outlive it.
  ProgressCallback callback();
  /// Prints the last recorded progress unless it is already the last line
  /// shown (on a terminal: then ends the line). Idempotent; nothing if no
  /// progress was recorded.
  void finish();

 private:
  std::FILE* out_;
  bool terminal_;
  double interval_s_;
  std::string noun_;
  double start_s_;
  double last_print_s_;
  EnsembleProgress last_{};
  bool seen_ = false;
  bool shown_ = false;  ///< last_ is what the stream shows
  bool finished_ = false;
};

}  // namespace simulacra
