// The `simulacra` command: dispatches to subcommands and turns user errors
// into one line on stderr and exit status 2. Under mpirun every rank runs the
// same command; only rank 0 prints (see cluster.hpp).
#include <cstdio>
#include <unistd.h>
#include <exception>
#include <iostream>
#include <new>
#include <string>

#include "commands.hpp"
#include "interrupts.hpp"
#include "learned_commands.hpp"
#include "options.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/cluster.hpp"
#include "simulacra/exporters/hdf5_sink.hpp"
#include "version.hpp"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const simulacra::cli::Args&);
};

const Command kCommands[] = {
    {"run", "run a scenario file and write its dataset", simulacra::cli::run_command},
    {"resume", "finish a run from a checkpoint", simulacra::cli::resume_command},
    {"calibrate", "fit scenario parameters to an observed series (ABC-SMC)", simulacra::cli::calibrate_command},
    {"rare", "rare-event datasets with weights and a probability estimate", simulacra::cli::rare_command},
    {"validate", "check a scenario file without running it", simulacra::cli::validate_command},
    {"types", "list population types and their parameters", simulacra::cli::types_command},
    {"inspect", "print a dataset's tables, columns and provenance", simulacra::cli::inspect_command},
    {"fit", "fit a generator to a CSV table and save a model file", simulacra::cli::fit_command},
    {"sample", "sample rows from a model file into CSV", simulacra::cli::sample_command},
    {"evaluate", "fidelity and privacy of a synthetic table", simulacra::cli::evaluate_command},
    {"bench", "run a benchmark and print its figures (phold, export)", simulacra::cli::bench_command},
    // Drawn by the Python module (matplotlib): python_command runs `python3 -m simulacra <name>`.
    {"plot", "draw a plot of a dataset into a PNG or SVG file (python3, matplotlib)",
     [](const simulacra::cli::Args& a) { return simulacra::cli::python_command("plot", a); }},
    {"report", "a self-contained HTML report of a dataset (python3, matplotlib)",
     [](const simulacra::cli::Args& a) { return simulacra::cli::python_command("report", a); }},
    {"plot-learned", "draw a synthetic table's marginals or associations against the real one's",
     [](const simulacra::cli::Args& a) { return simulacra::cli::python_command("plot-learned", a); }},
    {"report-learned", "an HTML page comparing a synthetic table with the real one",
     [](const simulacra::cli::Args& a) { return simulacra::cli::python_command("report-learned", a); }},
};

void print_help() {
  std::cout << "usage: simulacra <command> [options]\n\n"
               "Simulacra produces synthetic event datasets by agent-based simulation.\n\n"
               "commands:\n";
  for (const auto& c : kCommands) {
    std::string name = c.name;
    std::cout << "  " << name << std::string(name.size() < 16 ? 16 - name.size() : 1, ' ')
              << c.summary << '\n';
  }
  std::cout << "\noptions:\n  --help      show this help\n  --version   show version and commit\n"
               "\nRun 'simulacra <command> --help' for a command's options.\n";
}

int dispatch(int argc, char** argv);
// Where a rank other than 0 reports an internal error of its own.
std::FILE* g_rank_stderr = nullptr;

}  // namespace

int main(int argc, char** argv) {
  try {
    simulacra::cluster::init(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: cannot start MPI: " << e.what() << '\n';
    return 1;
  }
  // The other ranks run the same driver as rank 0, so what they would print
  // rank 0 prints; their own jobs' errors reach rank 0 as outcomes.
  if (simulacra::cluster::rank() != 0) {
    const int fd = dup(2);
    if (fd >= 0) g_rank_stderr = fdopen(fd, "w");
    if (std::freopen("/dev/null", "w", stdout) == nullptr) std::fclose(stdout);
    if (std::freopen("/dev/null", "w", stderr) == nullptr) std::fclose(stderr);
  }
  const int code = dispatch(argc, argv);
  std::fflush(stdout);
  simulacra::cluster::finalize();
  return code;
}

namespace {

int dispatch(int argc, char** argv) {
  const simulacra::cli::Args args(argv + 1, argv + argc);
  simulacra::skip_hdf5_shutdown_at_exit();
  simulacra::cli::ignore_file_size_signal();
  try {
    if (args.empty()) {
      print_help();
      return 2;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      print_help();
      return 0;
    }
    if (args[0] == "--version") {
      std::cout << "simulacra " << simulacra::kVersion << " (" << simulacra::kGitCommit << ")\n";
      return 0;
    }
    for (const auto& c : kCommands) {
      if (args[0] == c.name) return c.run(simulacra::cli::Args(args.begin() + 1, args.end()));
    }
    std::string msg = "simulacra: unknown command '" + args[0] + "'";
    std::size_t best = 3;
    const char* guess = nullptr;
    for (const auto& c : kCommands) {
      const std::size_t d = simulacra::cli::edit_distance(args[0], c.name);
      if (d < best) {
        best = d;
        guess = c.name;
      }
    }
    if (guess != nullptr) msg += std::string(" (did you mean '") + guess + "'?)";
    std::cerr << msg << "; see 'simulacra --help'\n";
    return 2;
  } catch (const simulacra::cli::Interrupted& e) {
    std::cerr << "simulacra: " << e.what() << '\n';
    return 128 + e.signal();
  } catch (const simulacra::UserError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  } catch (const std::bad_alloc&) {
    // What a user asked for (a population, a sample, a table) does not fit.
    std::cerr << "error: out of memory: the scenario or input asks for more memory than this machine has "
                 "(make populations, sample sizes or tables smaller)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << '\n';
    if (g_rank_stderr != nullptr) {
      std::fprintf(g_rank_stderr, "simulacra (rank %d): internal error: %s\n", simulacra::cluster::rank(), e.what());
    }
    return 1;
  }
}

}  // namespace
