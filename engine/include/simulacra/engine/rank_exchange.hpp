// What one simulation needs from a transport to run partitioned over several
// processes (ranks): three collective byte exchanges. The engine knows no
// transport; experiments/ implements this over MPI (mpi_exchange.hpp), tests
// over threads. Every rank calls the same operations in the same order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace simulacra {

class RankExchange {
 public:
  virtual ~RankExchange() = default;

  /// This process's rank, in [0, size()).
  virtual int rank() const = 0;
  /// Ranks taking part (at least 1).
  virtual int size() const = 0;

  /// Collective, personalised all-to-all: `send[r]` goes to rank r
  /// (`send[rank()]` stays here); returns, by rank, what each rank sent to
  /// this one. `send` has size() entries.
  virtual std::vector<std::string> exchange(std::vector<std::string> send) = 0;

  /// Collective: every rank's `mine` on rank 0, by rank; other ranks get an
  /// empty vector.
  virtual std::vector<std::string> gather(std::string mine) = 0;

  /// Collective: rank 0's `bytes` on every rank.
  virtual void broadcast(std::string& bytes) = 0;
};

/// What a rank's share of a partitioned run cost in communication.
struct RankTraffic {
  std::uint64_t windows = 0;        ///< windows processed (each ends with one exchange)
  std::uint64_t exchanges = 0;      ///< event exchanges (windows, plus one per run_until)
  std::uint64_t events_sent = 0;    ///< events sent to other ranks
  std::uint64_t bytes_sent = 0;     ///< bytes sent to other ranks in event exchanges (headers included)
  std::uint64_t row_bytes_sent = 0; ///< bytes of rows sent to rank 0
  double exchange_seconds = 0.0;    ///< wall time inside exchanges (waiting for the slowest rank included)
};

}  // namespace simulacra
