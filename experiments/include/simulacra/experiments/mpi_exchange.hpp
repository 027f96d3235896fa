// The engine's RankExchange over MPI (Open MPI): one simulation partitioned
// over the ranks of an `mpirun` launch (Simulation::set_ranks). Each window
// edge is one personalised all-to-all (MPI_Alltoall of the sizes, then
// MPI_Alltoallv of the bytes); rows and state go to rank 0 by MPI_Gatherv.
#pragma once

#include <string>
#include <vector>

#include "simulacra/engine/rank_exchange.hpp"

namespace simulacra::cluster {

class MpiExchange final : public RankExchange {
 public:
  /// The ranks of MPI_COMM_WORLD, which cluster::init started. Throws
  /// ConfigError for a build without MPI, std::logic_error if MPI was not
  /// started.
  MpiExchange();

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  /// Each throws std::runtime_error if MPI fails or a message to one rank
  /// exceeds 2 GiB (MPI's int counts).
  std::vector<std::string> exchange(std::vector<std::string> send) override;
  std::vector<std::string> gather(std::string mine) override;
  void broadcast(std::string& bytes) override;


 private:
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace simulacra::cluster
