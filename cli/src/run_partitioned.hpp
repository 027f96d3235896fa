// `simulacra run` under mpirun for a scenario of one run: that run partitioned
// over the ranks (Simulation::set_ranks), rank 0 writing the dataset, which is
// the one the same command writes as one process.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "run_support.hpp"
#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"

namespace simulacra::cli {

struct PartitionedRun {
  std::string file;                     ///< the scenario file, as given
  OutputPlan out;
  bool quiet = false;
  unsigned threads = 0;                 ///< engine threads per rank; 0: the scenario's engine.threads
  std::vector<double> checkpoint_at;    ///< --checkpoint-at: simulated seconds, sorted
  double checkpoint_every_wall_s = 0.0; ///< --checkpoint-every: wall-clock seconds, 0 for never
};

/// Every rank of an mpirun launch (cluster::distributed) calls it alike.
/// Returns the exit status; rank 0 alone prints and writes, checkpoints too
/// (every rank's state gathered first). Throws UserError on every rank for a
/// population type that cannot run partitioned (naming it), a lookahead
/// violation (any rank's), or a dataset or checkpoint that cannot be written
/// (rank 0's).
int run_partitioned(const PartitionedRun& how, const Scenario& base, const std::vector<Override>& overrides,
                    const RunPlan& plan, const Registry& registry);

/// `simulacra resume CHECKPOINT -o OUT` under mpirun: the run continues
/// partitioned over the ranks (any count; each reads the checkpoint folder,
/// which every rank must see), rank 0 writing the dataset. Throws as
/// load_checkpoint and run_partitioned do.
int resume_partitioned(const std::string& checkpoint, const std::filesystem::path& out_dir, bool quiet,
                       unsigned threads, const Registry& registry);

}  // namespace simulacra::cli
