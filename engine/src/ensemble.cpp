// The ensemble job pool: plain std::threads for the outer pool, because each
// job runs the engine's own TBB arenas and nesting those inside a TBB pool
// brings work-stealing between unrelated runs.
#include "simulacra/engine/ensemble.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cmath>
#include <limits>
#include <mutex>
#include <new>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

namespace simulacra {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double now_s() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

std::string plural(unsigned n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// "the machine has 2 cores", "this process may use 1 core of the machine's 2"
// (CPU affinity, e.g. an mpirun binding) or "2 cores x oversubscribe 3".
std::string budget_reason(unsigned cores, unsigned oversubscribe) {
  const unsigned machine = std::thread::hardware_concurrency();
  if (oversubscribe == 1 && cores < machine) {
    return "this process may use " + plural(cores, "core") + " of the machine's " + std::to_string(machine);
  }
  if (oversubscribe == 1) return "the machine has " + plural(cores, "core");
  return plural(cores, "core") + " x oversubscribe " + std::to_string(oversubscribe);
}

unsigned thread_budget(unsigned cores, unsigned oversubscribe) {
  const std::uint64_t b = std::uint64_t{cores} * oversubscribe;
  return static_cast<unsigned>(std::min<std::uint64_t>(b, std::numeric_limits<unsigned>::max()));
}

// "15 s", "4.2 s", "4 min 05 s", "1 h 02 min".
std::string format_duration(double s) {
  char buf[48];
  if (s < 9.95) {
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  } else if (s < 59.5) {
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  } else if (s < 3599.5) {
    const auto t = static_cast<long>(std::lround(s));
    std::snprintf(buf, sizeof buf, "%ld min %02ld s", t / 60, t % 60);
  } else {
    const auto m = static_cast<long>(std::lround(s / 60.0));
    std::snprintf(buf, sizeof buf, "%ld h %02ld min", m / 60, m % 60);
  }
  return buf;
}

}  // namespace

unsigned hardware_cores() {
  // The cores this process may run on: under mpirun (which binds each rank
  // to its cores), taskset or a container's CPU set, fewer than the machine's.
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

unsigned cap_threads(unsigned requested, unsigned cores, std::string* warning) {
  if (cores == 0) cores = hardware_cores();
  if (warning) warning->clear();
  if (requested <= cores) return requested;
  if (warning) {
    *warning = "--threads " + std::to_string(requested) + " capped at " + std::to_string(cores) + " (" +
               budget_reason(cores, 1) + ")";
  }
  return cores;
}

EnsemblePlan plan_ensemble(std::size_t count, const EnsembleOptions& options) {
  EnsemblePlan plan;
  plan.cores = options.cores != 0 ? options.cores : hardware_cores();
  const unsigned oversubscribe = std::max(1u, options.oversubscribe);
  const unsigned budget = thread_budget(plan.cores, oversubscribe);

  const unsigned threads = std::max(1u, options.threads_per_job);
  plan.threads_per_job = std::min(threads, budget);
  if (plan.threads_per_job < threads) {
    plan.warnings.push_back("--threads " + std::to_string(threads) + " capped at " +
                            std::to_string(plan.threads_per_job) + " (" + budget_reason(plan.cores, oversubscribe) +
                            ")");
  }

  const unsigned fit = budget / plan.threads_per_job;  // >= 1: threads_per_job <= budget
  const unsigned most = static_cast<unsigned>(std::min<std::size_t>(std::max<std::size_t>(count, 1), fit));
  if (options.jobs == 0) {
    plan.jobs = most;
  } else {
    plan.jobs = std::min(options.jobs, most);
    if (options.jobs > fit) {
      std::string reason = budget_reason(plan.cores, oversubscribe);
      if (plan.threads_per_job > 1) reason = plural(plan.threads_per_job, "thread") + " each, " + reason;
      plan.warnings.push_back("--jobs " + std::to_string(options.jobs) + " capped at " + std::to_string(fit) + " (" +
                              reason + ")");
    }
  }
  return plan;
}

const char* to_string(JobStatus status) {
  switch (status) {
    case JobStatus::not_run: return "not run";
    case JobStatus::succeeded: return "ok";
    case JobStatus::failed: return "failed";
  }
  return "?";
}

EnsembleResult run_ensemble(std::size_t count, const EnsembleOptions& options, const EnsembleJob& job,
                            const ProgressCallback& progress) {
  EnsembleResult result;
  result.plan = plan_ensemble(count, options);
  result.outcomes.resize(count);
  const auto start = Clock::now();
  const unsigned threads = result.plan.threads_per_job;

  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;  // guards the counters, first_error, progress and not_job_error
  std::exception_ptr not_job_error;  // from `progress` or the pool itself; rethrown
  bool progress_threw = false;

  // Records a finished job (outcome already written) and reports progress.
  auto finished = [&](std::size_t i, std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(mutex);
    if (error) {
      ++result.failed;
      if (!result.first_error || i < result.first_failed_index) {
        result.first_error = error;
        result.first_failed_index = i;
      }
    } else {
      ++result.succeeded;
    }
    if (!progress || progress_threw) return;
    EnsembleProgress p;
    p.done = result.succeeded + result.failed;
    p.failed = result.failed;
    p.total = count;
    p.elapsed_s = seconds_since(start);
    p.rate_per_s = p.elapsed_s > 0.0 ? static_cast<double>(p.done) / p.elapsed_s : 0.0;
    const bool stopping = stop.load();
    p.eta_s = p.rate_per_s > 0.0 && !stopping ? static_cast<double>(count - p.done) / p.rate_per_s : -1.0;
    try {
      progress(p);
    } catch (...) {
      progress_threw = true;
      if (!not_job_error) not_job_error = std::current_exception();
      stop = true;
    }
  };

  auto run_one = [&](std::size_t i) {
    JobOutcome& outcome = result.outcomes[i];  // this thread's alone until the pool is joined
    const auto job_start = Clock::now();
    std::exception_ptr error;
    try {
      job(i, threads);
      outcome.status = JobStatus::succeeded;
    } catch (const std::exception& e) {
      outcome.status = JobStatus::failed;
      outcome.error = e.what();
      error = std::current_exception();
      if (options.stop_on_failure) stop = true;  // before the hook, so others stop early
      if (options.on_failure) {
        try {
          options.on_failure(i, e);
        } catch (const std::exception& hook_error) {
          outcome.error += std::string("; on failure: ") + hook_error.what();
        } catch (...) {
          outcome.error += "; on failure: unknown exception";
        }
      }
    } catch (...) {
      outcome.status = JobStatus::failed;
      outcome.error = "unknown exception";
      error = std::current_exception();
      if (options.stop_on_failure) stop = true;
      if (options.on_failure) {
        const std::runtime_error unknown("unknown exception");
        try {
          options.on_failure(i, unknown);
        } catch (...) {
          outcome.error += "; on failure: an exception too";
        }
      }
    }
    outcome.seconds = seconds_since(job_start);
    finished(i, error);
  };

  auto worker = [&] {
    try {
      for (;;) {
        const std::size_t i = next.fetch_add(1);
        // Checked after taking an index, as late as possible: an index taken
        // after a failure stays "not run".
        if (i >= count || stop.load()) break;
        run_one(i);
      }
    } catch (...) {  // not from a job (those are caught in run_one): bad_alloc, a broken mutex
      std::lock_guard<std::mutex> lock(mutex);
      if (!not_job_error) not_job_error = std::current_exception();
      stop = true;
    }
  };

  if (count > 0) {
    std::vector<std::thread> pool;
    try {
      pool.reserve(result.plan.jobs - 1);
      for (unsigned j = 1; j < result.plan.jobs; ++j) pool.emplace_back(worker);
    } catch (const std::system_error&) {
      // Fewer threads than planned; the ones we have do all the work.
    } catch (const std::bad_alloc&) {
    }
    worker();  // never throws
    for (auto& t : pool) t.join();
  }

  for (const auto& o : result.outcomes) {
    if (o.status == JobStatus::not_run) ++result.not_run;
  }
  result.elapsed_s = seconds_since(start);
  if (not_job_error) std::rethrow_exception(not_job_error);
  return result;
}

std::string format_progress(const EnsembleProgress& p, bool terminal, std::string_view noun) {
  std::string s(noun);
  char buf[96];
  const unsigned long long pct = p.total == 0 ? 100 : 100ull * p.done / p.total;
  std::snprintf(buf, sizeof buf, " %zu/%zu (%llu%%)", p.done, p.total, pct);
  s += buf;
  if (p.failed > 0) s += ", " + std::to_string(p.failed) + " failed";
  if (!p.note.empty()) s += ", " + p.note;
  if (p.rate_per_s > 0.0) {
    double rate = p.rate_per_s;
    const char* per = "s";
    if (rate < 0.05) {
      rate *= 60.0;
      per = "min";
      if (rate < 0.05) {
        rate *= 60.0;
        per = "h";
      }
    }
    std::snprintf(buf, sizeof buf, ", %.1f ", rate);
    s += buf;
    s += noun;
    s += '/';
    s += per;
  }
  if (p.done >= p.total) {
    s += ", done in " + format_duration(p.elapsed_s);
  } else if (p.eta_s >= 0.0) {
    s += ", ETA " + format_duration(p.eta_s);
  }
  return terminal ? "\r" + s + "\x1b[K" : s + "\n";
}

ProgressPrinter::ProgressPrinter(std::FILE* out) : ProgressPrinter(out, is_terminal(out)) {}

ProgressPrinter::ProgressPrinter(std::FILE* out, bool terminal)
    : ProgressPrinter(out, terminal, terminal ? 0.1 : 10.0) {}

ProgressPrinter::ProgressPrinter(std::FILE* out, bool terminal, double interval_s, std::string noun)
    : out_(out), terminal_(terminal), interval_s_(interval_s), noun_(std::move(noun)), start_s_(now_s()),
      last_print_s_(start_s_) {}

double ProgressPrinter::elapsed_s() const { return now_s() - start_s_; }

void ProgressPrinter::update(std::size_t done, std::size_t total, std::string note) {
  EnsembleProgress p;
  p.done = done;
  p.total = total;
  p.elapsed_s = elapsed_s();
  p.rate_per_s = p.elapsed_s > 0.0 ? static_cast<double>(done) / p.elapsed_s : 0.0;
  p.eta_s = p.rate_per_s > 0.0 ? static_cast<double>(total - std::min(done, total)) / p.rate_per_s : -1.0;
  p.note = std::move(note);
  update(p);
}

ProgressPrinter::~ProgressPrinter() { finish(); }

bool ProgressPrinter::is_terminal(std::FILE* out) { return out != nullptr && ::isatty(::fileno(out)) == 1; }

void ProgressPrinter::update(const EnsembleProgress& progress) {
  last_ = progress;
  seen_ = true;
  shown_ = false;
  finished_ = false;
  const double now = now_s();
  if (now - last_print_s_ < interval_s_) return;
  last_print_s_ = now;
  std::fputs(format_progress(last_, terminal_, noun_).c_str(), out_);
  std::fflush(out_);
  shown_ = true;
}

ProgressCallback ProgressPrinter::callback() {
  return [this](const EnsembleProgress& p) { update(p); };
}

void ProgressPrinter::finish() {
  if (finished_ || !seen_ || out_ == nullptr) return;
  finished_ = true;
  if (!shown_) std::fputs(format_progress(last_, terminal_, noun_).c_str(), out_);
  if (terminal_) std::fputc('\n', out_);
  std::fflush(out_);
  shown_ = true;
}

}  // namespace simulacra
