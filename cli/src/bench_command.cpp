// `simulacra bench phold`: the PHOLD benchmark with ROSS's parameter meaning,
// as one process or, under mpirun, one run partitioned over the ranks.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "options.hpp"
#include "run_support.hpp"
#include "simulacra/engine/phold.hpp"
#include "simulacra/engine/state_archive.hpp"
#include "simulacra/experiments/cluster.hpp"
#include "simulacra/experiments/mpi_exchange.hpp"
#include "simulacra/exporters/export_bench.hpp"

namespace simulacra::cli {

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// Under mpirun: every rank's CPU seconds and traffic, summed on rank 0.
struct RankFigures {
  double cpu = 0.0;
  double exchange_s = 0.0;
  std::uint64_t events_sent = 0;
  std::uint64_t bytes_sent = 0;
};

RankFigures sum_over_ranks(RankExchange& ex, double cpu, const RankTraffic& t) {
  StateArchive out;
  RankFigures mine{cpu, t.exchange_seconds, t.events_sent, t.bytes_sent};
  out.io(mine);
  RankFigures sum;
  for (const std::string& bytes : ex.gather(out.take())) {
    StateArchive in(bytes);
    RankFigures f;
    in.io(f);
    sum.cpu += f.cpu;
    sum.exchange_s += f.exchange_s;
    sum.events_sent += f.events_sent;
    sum.bytes_sent += f.bytes_sent;
  }
  return sum;
}

int phold_command(const Args& args) {
  Options opts("simulacra bench phold",
               "PHOLD: N LPs with S start events each; every event schedules one new event at\n"
               "now + lookahead + Exp(mean - lookahead), on a uniformly random LP with probability\n"
               "--remote, else on itself. Prints committed events, wall and CPU seconds, events\n"
               "per second and the trace hash.",
               {
                   {"lps", "N", "number of logical processes", "1024"},
                   {"start-events", "S", "initial events per LP", "1"},
                   {"remote", "P", "probability that an event goes to a random LP", "0.25"},
                   {"lookahead", "T", "least delay of every event", "0.1"},
                   {"mean", "T", "mean event delay, lookahead included", "1.0"},
                   {"end", "T", "simulated end time", "1000"},
                   {"threads", "N", "worker threads", "1"},
                   {"partitions", "N", "LP partitions (0: 4 per thread, >= 1 per 1,024 LPs)", "0"},
                   {"scheduler", "KIND", "sequential or parallel", "parallel"},
                   {"seed", "S", "random seed", "1"},
               });
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  PholdParams p;
  p.lps = opts.get_u32("lps");
  p.start_events = opts.get_u32("start-events");
  p.remote = opts.get_double("remote");
  p.lookahead = opts.get_double("lookahead");
  p.mean = opts.get_double("mean");
  p.end = opts.get_double("end");
  p.threads = threads_flag(opts);
  p.partitions = opts.get_u32("partitions");
  if (p.partitions > kMaxPartitions) {
    throw UsageError("--partitions " + opts.get("partitions") + ": expected at most " + std::to_string(kMaxPartitions));
  }
  p.seed = opts.get_u64("seed");
  const std::string sched = opts.get("scheduler");
  if (sched == "sequential") {
    p.scheduler = SchedulerKind::sequential;
  } else if (sched == "parallel") {
    p.scheduler = SchedulerKind::parallel;
  } else {
    throw UsageError("simulacra bench phold: --scheduler '" + sched +
                     "': expected 'sequential' or 'parallel'");
  }

  Simulation sim = make_phold(p);
  std::unique_ptr<cluster::MpiExchange> ranks;
  if (cluster::distributed()) {
    ranks = std::make_unique<cluster::MpiExchange>();
    sim.set_ranks(ranks.get());
  }
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  sim.run_until(SimTime{p.end});
  sim.collect_state();  // under ranks: the whole run's count and hash, after the last rank is done
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = cpu_seconds() - cpu0;
  RankFigures sum;
  if (ranks) {
    sum = sum_over_ranks(*ranks, cpu, sim.rank_traffic());
    if (ranks->rank() != 0) return 0;
    cpu = sum.cpu;
  }

  const std::uint64_t events = sim.committed_events();
  std::printf("phold lps=%u start_events=%u remote=%g lookahead=%g mean=%g end=%g seed=%llu\n",
              p.lps, p.start_events, p.remote, p.lookahead, p.mean, p.end,
              static_cast<unsigned long long>(p.seed));
  std::printf("scheduler          %s (threads=%u partitions=%u)\n", sched.c_str(), p.threads,
              sim.partition_count());
  std::printf("committed_events   %llu\n", static_cast<unsigned long long>(events));
  std::printf("wall_seconds       %.3f\n", wall);
  std::printf("cpu_seconds        %.3f\n", cpu);
  std::printf("events_per_second  %.0f\n", wall > 0 ? static_cast<double>(events) / wall : 0.0);
  std::printf("events_per_cpu_s   %.0f\n", cpu > 0 ? static_cast<double>(events) / cpu : 0.0);
  std::printf("peak_rss_mb        %.1f%s\n", peak_rss_mb(), ranks ? " (rank 0)" : "");
  if (ranks) {
    // Figures per window edge, summed over ranks (docs/engine.md models them).
    const RankTraffic& t = sim.rank_traffic();
    const double windows = static_cast<double>(std::max<std::uint64_t>(t.windows, 1));
    std::printf("ranks              %d (cpu_seconds summed over ranks)\n", ranks->size());
    std::printf("windows            %llu\n", static_cast<unsigned long long>(t.windows));
    std::printf("events_per_window  %.1f\n", static_cast<double>(events) / windows);
    std::printf("remote_per_window  %.1f (events sent to other ranks)\n", static_cast<double>(sum.events_sent) / windows);
    std::printf("bytes_per_window   %.0f (sent by all ranks, headers included)\n",
                static_cast<double>(sum.bytes_sent) / windows);
    std::printf("exchange_us        %.1f per window per rank (waiting included)\n",
                1e6 * sum.exchange_s / static_cast<double>(ranks->size()) / windows);
  }
  std::printf("trace_hash         %016llx\n", static_cast<unsigned long long>(sim.trace_hash()));
  return 0;
}

int export_command(const Args& args) {
  Options opts("simulacra bench export",
               "Streams rows of a six-column event table (time, agent, other, kind, value, flag)\n"
               "through the HDF5 and/or CSV writer; prints rows per second and peak memory.",
               {
                   {"rows", "N", "rows to write", "10000000"},
                   {"format", "F", "hdf5, csv or both", "both"},
                   {"chunk-rows", "N", "rows per chunk", "16384"},
                   {"output", "DIR", "where the temporary files go", "."},
               });
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  const std::uint64_t rows = opts.get_u64("rows");
  const std::string format = opts.get("format");
  if (format != "hdf5" && format != "csv" && format != "both") {
    throw UsageError("simulacra bench export: --format '" + format + "': expected hdf5, csv or both");
  }
  const std::uint32_t chunk = opts.get_u32("chunk-rows");
  if (chunk == 0) throw UsageError("simulacra bench export: --chunk-rows must be at least 1");
  const std::string dir = opts.get("output");
  for (const std::string f : {"hdf5", "csv"}) {
    if (format != "both" && format != f) continue;
    const std::string path = dir + "/simulacra-export-bench" + (f == "hdf5" ? ".h5" : "");
    const ExportBenchResult r = run_export_bench(f, rows, path, chunk);
    std::printf("export %-4s rows=%llu seconds=%.3f rows_per_second=%.0f mb_per_second=%.1f file_mb=%.1f peak_rss_mb=%.1f\n",
                r.format.c_str(), static_cast<unsigned long long>(r.rows), r.seconds, r.rows_per_second,
                r.mb_per_second, static_cast<double>(r.file_bytes) / 1e6, r.peak_rss_mb);
  }
  return 0;
}

}  // namespace

int bench_command(const Args& args) {
  const std::string usage =
      "usage: simulacra bench <benchmark> [options]\n\n"
      "benchmarks:\n"
      "  phold     the standard parallel discrete-event benchmark (engine speed)\n"
      "  export    dataset writing speed and memory (HDF5, CSV)\n\n"
      "Run 'simulacra bench <benchmark> --help' for its options.\n";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage;
    return args.empty() ? 2 : 0;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "phold") return phold_command(rest);
  if (args[0] == "export") return export_command(rest);
  throw UsageError("simulacra bench: unknown benchmark '" + args[0] + "' (known: phold, export)");
}

}  // namespace simulacra::cli
