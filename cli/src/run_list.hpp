// runs.csv: the list of every run of `simulacra run` with its seed, sweep
// values, files, trace hash and status; and a run's result carried between
// MPI ranks.
#pragma once

#include <string>
#include <vector>

#include "run_support.hpp"
#include "simulacra/engine/ensemble.hpp"
#include "simulacra/engine/runner.hpp"

namespace simulacra::cli {

/// What a run reports beside its files: its result and why it ended early.
struct RunReport {
  RunResult result;
  std::string stop_reason;  ///< empty: ran to its duration
};

/// Bytes of a report, for rank 0 (see cluster::run_distributed).
std::string encode_report(RunReport report);
/// Throws std::logic_error if `bytes` is not an encoded report.
RunReport decode_report(const std::string& bytes);

/// The run list: one line per plan with status ok (trace hash and events
/// filled), failed, or unfinished (still running or not started).
/// Independent of ranks, threads and timing: the same runs give the same bytes.
std::string run_list_csv(const std::vector<RunPlan>& plans, const OutputPlan& out,
                         const std::vector<RunReport>& reports, const std::vector<JobStatus>& status);

}  // namespace simulacra::cli
