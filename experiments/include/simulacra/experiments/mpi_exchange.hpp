// The engine's RankExchange over MPI (Open MPI): one simulation partitioned
// over the ranks of an `mpirun` launch (Simulation::set_ranks). Each window
// edge is one personalised all-to-all (MPI_Alltoall of the sizes, then
// MPI_Alltoallv of the bytes); rows and state go to rank 0 by MPI_Gatherv.
#pragma once

#include <string>
#include <vector>

#include "simulacra/engine/rank_exchange.hpp"

namespace simulacra::cluster {

/// Ranks of the mpirun launch that started this process (Open MPI's
/// OMPI_COMM_WORLD_SIZE), 1 for a process mpirun did not start or a build
/// without MPI. Does not start MPI.
int launch_size();

class MpiExchange final : public RankExchange {
 public:
  /// Joins MPI_COMM_WORLD, starting MPI if nothing has yet (it is then ended
  /// when the process exits). Throws ConfigError for a build without MPI,
  /// std::runtime_error if MPI fails to start.
  MpiExchange();

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  /// Each throws std::runtime_error if MPI fails or a message to one rank
  /// exceeds 2 GiB (MPI's int counts).
  std::vector<std::string> exchange(std::vector<std::string> send) override;
  std::vector<std::string> gather(std::string mine) override;
  void broadcast(std::string& bytes) override;

  /// Ends every rank of the launch with exit status `code` (MPI_Abort), for
  /// an error on one rank that the others would otherwise wait on forever.
  [[noreturn]] void abort_all(int code);

 private:
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace simulacra::cluster
