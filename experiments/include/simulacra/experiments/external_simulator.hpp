// A simulator written elsewhere, run as a command: it reads a CSV of
// parameter rows (header: the parameter names, then `seed`) on standard input
// and writes one CSV row of summaries per input row, in order (header: the
// summary names) on standard output. A batch is split into a few invocations
// run in parallel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulacra/engine/ensemble.hpp"
#include "simulacra/experiments/calibrate.hpp"

namespace simulacra::calibrate {

struct ExternalSimulatorOptions {
  std::string command;                       ///< run by /bin/sh -c
  std::vector<std::string> parameter_names;  ///< the input header, before `seed`
  std::vector<std::string> summary_names;    ///< the header the output must have, in this order
  EnsembleOptions ensemble;                  ///< invocations at once
  /// Rows per invocation at most; 0: a batch is split evenly over the jobs.
  std::size_t max_rows_per_call = 0;
};

/// Runs the command once on `thetas` with `seeds` and returns its rows of
/// summaries in the order of summary_names. Reads and writes through poll(),
/// so outputs of any size cannot deadlock. Throws UserError naming the command
/// (and the row, with its parameter values, where one is at fault) when it
/// cannot start, exits with a nonzero status or a signal, prints a header
/// other than summary_names, a row count other than thetas.size(), or a cell
/// that is not a number ("nan" is accepted: that row's targets cannot match).
Matrix run_external_once(const ExternalSimulatorOptions& options, const Matrix& thetas,
                         const std::vector<std::uint64_t>& seeds);

/// A Simulator over run_external_once, invocations run in parallel over the
/// ensemble's jobs; rethrows the error of the first failed invocation.
Simulator external_simulator(ExternalSimulatorOptions options);

}  // namespace simulacra::calibrate
