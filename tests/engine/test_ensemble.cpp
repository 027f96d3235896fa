#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/engine/ensemble.hpp"
#include "simulacra/engine/errors.hpp"

using namespace simulacra;

namespace {

EnsembleOptions on_cores(unsigned cores, unsigned jobs, unsigned threads = 1) {
  EnsembleOptions o;
  o.cores = cores;
  o.jobs = jobs;
  o.threads_per_job = threads;
  return o;
}

// Raises `max` to `value` if larger.
void raise_max(std::atomic<int>& max, int value) {
  int seen = max.load();
  while (value > seen && !max.compare_exchange_weak(seen, value)) {
  }
}

std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string s;
  char buf[256];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

}  // namespace

TEST_CASE("ensemble runs every job exactly once, results indexed by job", "[ensemble]") {
  for (unsigned jobs : {1u, 2u, 4u}) {
    for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{100}}) {
      CAPTURE(jobs, count);
      std::vector<std::atomic<int>> calls(count);
      std::vector<std::size_t> squares(count, 0);
      std::atomic<int> wrong_threads{0};  // Catch2 assertions are not for other threads
      const EnsembleResult r = run_ensemble(count, on_cores(8, jobs), [&](std::size_t i, unsigned threads) {
        if (threads != 1) ++wrong_threads;
        ++calls[i];
        squares[i] = i * i;  // each index written by its own job only
      });
      REQUIRE(r.outcomes.size() == count);
      CHECK(wrong_threads.load() == 0);
      CHECK(r.succeeded == count);
      CHECK(r.failed == 0);
      CHECK(r.not_run == 0);
      CHECK(r.ok());
      CHECK(!r.first_error);
      CHECK(r.plan.jobs == std::max<std::size_t>(1, std::min<std::size_t>(jobs, count)));
      for (std::size_t i = 0; i < count; ++i) {
        CHECK(calls[i].load() == 1);
        CHECK(squares[i] == i * i);
        CHECK(r.outcomes[i].status == JobStatus::succeeded);
        CHECK(r.outcomes[i].error.empty());
      }
    }
  }
}

TEST_CASE("ensemble never runs more jobs at once than planned", "[ensemble]") {
  for (unsigned jobs : {1u, 2u, 4u, 0u}) {
    CAPTURE(jobs);
    EnsembleOptions o = on_cores(3, jobs);  // 4 requested on 3 cores: capped at 3
    const EnsemblePlan plan = plan_ensemble(40, o);
    std::atomic<int> running{0};
    std::atomic<int> most{0};
    const EnsembleResult r = run_ensemble(40, o, [&](std::size_t, unsigned) {
      raise_max(most, ++running);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // lets jobs overlap; nothing is timed
      --running;
    });
    CHECK(r.succeeded == 40);
    CHECK(r.plan.jobs == plan.jobs);
    CHECK(plan.jobs == (jobs == 0 ? 3u : std::min(jobs, 3u)));
    CHECK(most.load() >= 1);
    CHECK(most.load() <= static_cast<int>(plan.jobs));
  }
}

TEST_CASE("ensemble hands each job the planned engine threads", "[ensemble]") {
  std::atomic<unsigned> wrong{0};
  const EnsembleOptions o = on_cores(8, 0, 3);
  const EnsembleResult r = run_ensemble(10, o, [&](std::size_t, unsigned threads) {
    if (threads != 3) ++wrong;
  });
  CHECK(r.plan.jobs == 2);  // 8 / 3
  CHECK(r.plan.threads_per_job == 3);
  CHECK(wrong.load() == 0);
}

TEST_CASE("ensemble with stop_on_failure and one job starts nothing after the failure", "[ensemble]") {
  std::vector<int> ran;
  std::vector<std::size_t> cleaned;
  EnsembleOptions o = on_cores(4, 1);
  std::vector<std::string> messages;
  o.on_failure = [&](std::size_t i, const std::exception& e) {
    cleaned.push_back(i);
    messages.emplace_back(e.what());
  };
  const EnsembleResult r = run_ensemble(10, o, [&](std::size_t i, unsigned) {
    ran.push_back(static_cast<int>(i));
    if (i == 3) throw DataError("run 3 broke");
  });
  CHECK(ran == std::vector<int>{0, 1, 2, 3});
  CHECK(cleaned == std::vector<std::size_t>{3});
  CHECK(messages == std::vector<std::string>{"run 3 broke"});
  CHECK(!r.ok());
  CHECK(r.succeeded == 3);
  CHECK(r.failed == 1);
  CHECK(r.not_run == 6);
  CHECK(r.outcomes[3].status == JobStatus::failed);
  CHECK(r.outcomes[3].error == "run 3 broke");
  for (std::size_t i = 4; i < 10; ++i) {
    CHECK(r.outcomes[i].status == JobStatus::not_run);
    CHECK(std::string(to_string(r.outcomes[i].status)) == "not run");
  }
  CHECK(r.first_failed_index == 3);
  CHECK_THROWS_AS(r.rethrow_first_error(), DataError);
  CHECK_THROWS_WITH(r.rethrow_first_error(), "run 3 broke");
}

TEST_CASE("ensemble with stop_on_failure and several jobs stops handing out jobs", "[ensemble]") {
  std::atomic<int> started{0};
  std::atomic<bool> failed{false};
  EnsembleOptions o = on_cores(4, 4);
  o.on_failure = [&](std::size_t, const std::exception&) { failed = true; };
  const EnsembleResult r = run_ensemble(200, o, [&](std::size_t i, unsigned) {
    ++started;
    if (i == 0) throw std::runtime_error("first run failed");
    // Hold the other workers' jobs until the failure is recorded, so the
    // set of jobs that can start is known without depending on timing.
    while (!failed.load()) std::this_thread::yield();
  });
  // Only the jobs running when job 0 failed: one per worker.
  CHECK(started.load() <= 4);
  CHECK(r.failed == 1);
  CHECK(r.outcomes[0].error == "first run failed");
  CHECK(r.succeeded + r.failed + r.not_run == 200);
  CHECK(static_cast<std::size_t>(started.load()) == r.succeeded + r.failed);
  CHECK(r.not_run >= 196);
  CHECK_THROWS_AS(r.rethrow_first_error(), std::runtime_error);
}

TEST_CASE("ensemble without stop_on_failure runs every job and reports each failure", "[ensemble]") {
  for (unsigned jobs : {1u, 2u, 4u}) {
    CAPTURE(jobs);
    EnsembleOptions o = on_cores(4, jobs);
    o.stop_on_failure = false;
    std::mutex m;
    std::set<std::size_t> cleaned;
    o.on_failure = [&](std::size_t i, const std::exception&) {
      std::lock_guard<std::mutex> lock(m);
      cleaned.insert(i);
    };
    std::vector<std::atomic<int>> calls(30);
    const EnsembleResult r = run_ensemble(30, o, [&](std::size_t i, unsigned) {
      ++calls[i];
      if (i % 7 == 5) throw ConfigError("bad run " + std::to_string(i));
      if (i == 20) throw 42;  // not a std::exception
    });
    for (auto& c : calls) CHECK(c.load() == 1);
    CHECK(r.failed == 5);  // 5, 12, 19, 26 and 20
    CHECK(r.succeeded == 25);
    CHECK(r.not_run == 0);
    CHECK(cleaned == std::set<std::size_t>{5, 12, 19, 20, 26});
    CHECK(r.outcomes[12].error == "bad run 12");
    CHECK(r.outcomes[20].status == JobStatus::failed);
    CHECK(r.outcomes[20].error == "unknown exception");
    // The lowest failed index, whichever failed first in time.
    CHECK(r.first_failed_index == 5);
    CHECK_THROWS_AS(r.rethrow_first_error(), ConfigError);
    CHECK_THROWS_WITH(r.rethrow_first_error(), "bad run 5");
  }
}

TEST_CASE("ensemble appends a failing cleanup hook's message to the job's error", "[ensemble]") {
  EnsembleOptions o = on_cores(2, 1);
  o.on_failure = [](std::size_t, const std::exception&) { throw std::runtime_error("cannot remove out.h5"); };
  const EnsembleResult r = run_ensemble(2, o, [](std::size_t, unsigned) { throw std::runtime_error("disk full"); });
  CHECK(r.outcomes[0].error == "disk full; on failure: cannot remove out.h5");
  CHECK(r.outcomes[1].status == JobStatus::not_run);
  CHECK_THROWS_WITH(r.rethrow_first_error(), "disk full");
}

TEST_CASE("ensemble progress is called once per job with done counting up", "[ensemble]") {
  for (unsigned jobs : {1u, 4u}) {
    CAPTURE(jobs);
    std::vector<EnsembleProgress> seen;  // the callback is serialized: no lock needed
    const EnsembleResult r = run_ensemble(
        25, on_cores(4, jobs), [](std::size_t i, unsigned) {
          if (i == 9) throw std::runtime_error("nine");
        },
        [&](const EnsembleProgress& p) { seen.push_back(p); });
    // stop_on_failure: with one job exactly 10 finish, with more at least 10.
    REQUIRE(seen.size() == r.succeeded + r.failed);
    if (jobs == 1) CHECK(seen.size() == 10);
    for (std::size_t k = 0; k < seen.size(); ++k) {
      CHECK(seen[k].done == k + 1);
      CHECK(seen[k].total == 25);
      CHECK(seen[k].failed <= 1);
      CHECK(seen[k].elapsed_s >= 0.0);
    }
    CHECK(seen.back().failed == 1);
  }
  std::vector<EnsembleProgress> seen;
  EnsembleOptions o = on_cores(4, 3);
  o.stop_on_failure = false;
  run_ensemble(50, o, [](std::size_t, unsigned) {}, [&](const EnsembleProgress& p) { seen.push_back(p); });
  REQUIRE(seen.size() == 50);
  for (std::size_t k = 0; k < seen.size(); ++k) {
    CHECK(seen[k].done == k + 1);
    CHECK(seen[k].total == 50);
    CHECK(seen[k].failed == 0);
  }
}

TEST_CASE("ensemble rethrows what the progress callback throws and starts no new job", "[ensemble]") {
  std::atomic<int> started{0};
  CHECK_THROWS_WITH(run_ensemble(
                        20, on_cores(2, 1), [&](std::size_t, unsigned) { ++started; },
                        [](const EnsembleProgress& p) {
                          if (p.done == 2) throw std::runtime_error("stdout closed");
                        }),
                    "stdout closed");
  CHECK(started.load() == 2);
}

TEST_CASE("ensemble plan keeps jobs x threads within cores x oversubscribe", "[ensemble]") {
  const std::vector<unsigned> requests{0, 1, 2, 3, 4, 5, 7, 8, 16, 64, 1000, 4000000000u};
  for (unsigned cores : {1u, 2u, 3u, 4u, 8u, 64u}) {
    for (unsigned oversubscribe : {0u, 1u, 2u, 3u}) {
      for (unsigned jobs : requests) {
        for (unsigned threads : requests) {
          for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{5}, std::size_t{1000}}) {
            EnsembleOptions o = on_cores(cores, jobs, threads);
            o.oversubscribe = oversubscribe;
            const EnsemblePlan p = plan_ensemble(count, o);
            const std::uint64_t budget = std::uint64_t{cores} * std::max(1u, oversubscribe);
            INFO("cores " << cores << " x" << oversubscribe << ", jobs " << jobs << ", threads " << threads
                          << ", count " << count << " -> " << p.jobs << " x " << p.threads_per_job);
            REQUIRE(p.cores == cores);
            REQUIRE(p.jobs >= 1);
            REQUIRE(p.threads_per_job >= 1);
            REQUIRE(std::uint64_t{p.jobs} * p.threads_per_job <= budget);
            REQUIRE(p.jobs <= std::max<std::size_t>(count, 1));
            // Requests within the bound are honoured exactly, and silently.
            const unsigned t = std::max(1u, threads);
            if (t <= budget) REQUIRE(p.threads_per_job == t);
            if (jobs != 0 && std::uint64_t{jobs} * p.threads_per_job <= budget) {
              REQUIRE(p.jobs == std::min<std::size_t>(jobs, std::max<std::size_t>(count, 1)));
            }
            if (t <= budget && (jobs == 0 || std::uint64_t{jobs} * t <= budget)) REQUIRE(p.warnings.empty());
            // Asked for nothing in particular: fill the machine (up to count).
            if (jobs == 0) {
              REQUIRE(p.jobs == std::min<std::uint64_t>(budget / p.threads_per_job, std::max<std::size_t>(count, 1)));
            }
          }
        }
      }
    }
  }
}

TEST_CASE("ensemble plan caps 1000 threads on 2 cores with a warning", "[ensemble]") {
  const EnsemblePlan p = plan_ensemble(10, on_cores(2, 0, 1000));
  CHECK(p.threads_per_job == 2);
  CHECK(p.jobs == 1);
  REQUIRE(p.warnings.size() == 1);
  CHECK(p.warnings[0] == "--threads 1000 capped at 2 (the machine has 2 cores)");

  const EnsemblePlan q = plan_ensemble(10, on_cores(8, 4, 4));
  CHECK(q.jobs == 2);
  CHECK(q.threads_per_job == 4);
  REQUIRE(q.warnings.size() == 1);
  CHECK(q.warnings[0] == "--jobs 4 capped at 2 (4 threads each, the machine has 8 cores)");

  EnsembleOptions o = on_cores(2, 0, 1000);
  o.oversubscribe = 2;
  const EnsemblePlan r = plan_ensemble(10, o);
  CHECK(r.threads_per_job == 4);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0] == "--threads 1000 capped at 4 (2 cores x oversubscribe 2)");
}

TEST_CASE("cap_threads caps a single run's threads at the cores", "[ensemble]") {
  std::string warning = "stale";
  CHECK(cap_threads(1000, 2, &warning) == 2);
  CHECK(warning == "--threads 1000 capped at 2 (the machine has 2 cores)");
  CHECK(warning.find("1000") != std::string::npos);
  CHECK(cap_threads(2, 2, &warning) == 2);
  CHECK(warning.empty());
  CHECK(cap_threads(0, 2, &warning) == 0);  // "the default" passes through
  CHECK(cap_threads(3, 1) == 1);
  CHECK(cap_threads(1, 0) == 1);  // 0 cores: the machine's, at least 1
  CHECK(hardware_cores() >= 1);
}

TEST_CASE("format_progress writes a known line", "[ensemble]") {
  EnsembleProgress p;
  p.done = 12;
  p.total = 40;
  p.elapsed_s = 6.3;
  p.rate_per_s = 1.9;
  p.eta_s = 14.7;
  CHECK(format_progress(p, false) == "runs 12/40 (30%), 1.9 runs/s, ETA 15 s\n");
  CHECK(format_progress(p, true) == "\rruns 12/40 (30%), 1.9 runs/s, ETA 15 s\x1b[K");
  p.failed = 1;
  p.eta_s = -1.0;  // stopping after the failure: no estimate
  CHECK(format_progress(p, false, "candidates") == "candidates 12/40 (30%), 1 failed, 1.9 candidates/s\n");
  p.failed = 0;
  p.done = 40;
  p.elapsed_s = 245.0;
  p.rate_per_s = 40 / 245.0;
  CHECK(format_progress(p, false) == "runs 40/40 (100%), 0.2 runs/s, done in 4 min 05 s\n");
  p.done = 1;
  p.rate_per_s = 1 / 4000.0;
  p.eta_s = 39 * 4000.0;
  CHECK(format_progress(p, false) == "runs 1/40 (2%), 0.9 runs/h, ETA 43 h 20 min\n");
  EnsembleProgress none;
  none.total = 3;
  CHECK(format_progress(none, false) == "runs 0/3 (0%)\n");
}

TEST_CASE("ProgressPrinter prints periodic lines off a terminal and a final line", "[ensemble]") {
  EnsembleProgress p;
  p.total = 3;
  p.rate_per_s = 2.0;
  p.elapsed_s = 1.0;
  p.eta_s = 1.0;
  {
    std::FILE* f = std::tmpfile();
    REQUIRE(f != nullptr);
    {
      ProgressPrinter printer(f, false, 1e9);  // never due: only the final line
      for (std::size_t d = 1; d <= 3; ++d) {
        p.done = d;
        printer.update(p);
      }
      printer.finish();
      printer.finish();  // idempotent
    }
    CHECK(read_all(f) == "runs 3/3 (100%), 2.0 runs/s, done in 1.0 s\n");
    std::fclose(f);
  }
  {
    std::FILE* f = std::tmpfile();
    REQUIRE(f != nullptr);
    {
      ProgressPrinter printer(f, false, 0.0);  // always due: every update, no repeat at the end
      const ProgressCallback cb = printer.callback();
      p.done = 1;
      cb(p);
      p.done = 2;
      cb(p);
    }  // the destructor finishes
    CHECK(read_all(f) == "runs 1/3 (33%), 2.0 runs/s, ETA 1.0 s\nruns 2/3 (66%), 2.0 runs/s, ETA 1.0 s\n");
    std::fclose(f);
  }
  {
    std::FILE* f = std::tmpfile();
    REQUIRE(f != nullptr);
    {
      ProgressPrinter printer(f, true, 0.0);
      p.done = 1;
      printer.update(p);
      printer.finish();
    }
    CHECK(read_all(f) == "\rruns 1/3 (33%), 2.0 runs/s, ETA 1.0 s\x1b[K\n");
    CHECK(!ProgressPrinter::is_terminal(f));
    std::fclose(f);
  }
  {
    std::FILE* f = std::tmpfile();
    REQUIRE(f != nullptr);
    { ProgressPrinter printer(f); }  // nothing recorded: nothing printed
    CHECK(read_all(f).empty());
    std::fclose(f);
  }
}
