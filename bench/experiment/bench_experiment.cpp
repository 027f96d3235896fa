// Cost of the experiment layer on a real run: a scenario is advanced to time
// T, then observe(), branch() (copy + re-derived streams) and a checkpoint
// (state bytes and wall time) are measured, beside the time the run took to
// get to T. Usage: bench_experiment SCENARIO T [--set path=value ...]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <sys/resource.h>

#include "simulacra/agents/register_all.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/quantity.hpp"
#include "simulacra/engine/run_session.hpp"

using namespace simulacra;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_experiment SCENARIO T [--threads N] [--set path=value ...]\n");
    return 2;
  }
  try {
    std::string why;
    const auto t = parse_quantity(argv[2], Dimension::time, &why);
    if (!t) throw UserError(std::string("T '") + argv[2] + "': " + why);
    std::vector<Override> overrides;
    unsigned threads = 1;
    for (int i = 3; i + 1 < argc; i += 2) {
      const std::string flag = argv[i];
      if (flag == "--set") {
        overrides.push_back(parse_override(argv[i + 1]));
      } else if (flag == "--threads") {
        threads = static_cast<unsigned>(std::strtoul(argv[i + 1], nullptr, 10));
      } else {
        throw UserError("unknown option " + flag);
      }
    }
    Registry registry;
    register_all(registry);
    const Scenario scenario = load_scenario(argv[1], overrides, registry);
    const RunPlan plan = plan_runs(scenario).front();

    auto t0 = Clock::now();
    double c0 = cpu_seconds();
    RunSession session(scenario, registry, plan, threads);
    const double build_s = since(t0);
    t0 = Clock::now();
    session.advance(SimTime{*t});
    const double run_s = since(t0);
    const double run_cpu = cpu_seconds() - c0;
    std::printf("scenario %s, %u thread(s): build %.3f s, run to t=%s: %.3f s wall, %.3f CPU-s\n",
                scenario.name.c_str(), threads, build_s, argv[2], run_s, run_cpu);

    const int reps = 20;
    t0 = Clock::now();
    std::vector<double> values;
    for (int i = 0; i < reps; ++i) values = session.observe();
    const double observe_s = since(t0) / reps;
    std::printf("observe(): %zu observables, %.6f s each (%.4f %% of the run so far)\n", values.size(), observe_s,
                100.0 * observe_s / run_s);

    t0 = Clock::now();
    RunSession b = session.branch(1);
    const double branch_s = since(t0);
    std::printf("branch(): %.3f s (%.2f %% of the run so far)\n", branch_s, 100.0 * branch_s / run_s);

    t0 = Clock::now();
    StateArchive ar;
    session.save_state(ar);
    const double save_s = since(t0);
    std::printf("save_state(): %.3f s, %.1f MB\n", save_s, static_cast<double>(ar.bytes().size()) / 1e6);

    const std::string bytes = ar.take();
    t0 = Clock::now();
    StateArchive in(bytes);
    RunSession loaded = RunSession::load_state(in, registry, threads);
    const double load_s = since(t0);
    std::printf("load_state(): %.3f s (build included)\n", load_s);

    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    std::printf("peak memory: %.0f MB\n", static_cast<double>(u.ru_maxrss) / 1024.0);
    return 0;
  } catch (const UserError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
