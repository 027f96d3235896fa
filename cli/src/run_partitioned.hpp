// `simulacra run` under mpirun for a scenario of one run: that run partitioned
// over the ranks (Simulation::set_ranks), rank 0 writing the dataset, which is
// the one the same command writes as one process.
#pragma once

#include <string>
#include <vector>

#include "run_support.hpp"
#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"

namespace simulacra::cli {

struct PartitionedRun {
  std::string file;          ///< the scenario file, as given
  OutputPlan out;
  bool quiet = false;
  unsigned threads = 0;      ///< engine threads per rank; 0: the scenario's engine.threads
  bool checkpoints = false;  ///< --checkpoint-at/--checkpoint-every were given (refused)
};

/// This process is one of several ranks of an mpirun launch.
bool partitioned_launch();

/// Every rank calls it alike. Returns the exit status; rank 0 alone prints
/// and writes. Throws UserError on every rank for a population type that
/// cannot run partitioned (naming it), checkpoints asked for, a lookahead
/// violation (any rank's), or a dataset that cannot be written (rank 0's).
int run_partitioned(const PartitionedRun& how, const Scenario& base, const std::vector<Override>& overrides,
                    const RunPlan& plan, const Registry& registry);

}  // namespace simulacra::cli
