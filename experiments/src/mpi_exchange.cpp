#include "simulacra/experiments/mpi_exchange.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/cluster.hpp"

#if SIMULACRA_HAVE_MPI
#include <mpi.h>
#endif

namespace simulacra::cluster {

#if SIMULACRA_HAVE_MPI

namespace {

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

int count_of(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(INT_MAX)) {
    throw std::runtime_error("MPI: a message of " + std::to_string(bytes) + " bytes to one rank exceeds 2 GiB");
  }
  return static_cast<int>(bytes);
}

}  // namespace

MpiExchange::MpiExchange() {
  int started = 0;
  check(MPI_Initialized(&started), "MPI_Initialized");
  if (!started) throw std::logic_error("MpiExchange before cluster::init started MPI");
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

std::vector<std::string> MpiExchange::exchange(std::vector<std::string> send) {
  const auto n = static_cast<std::size_t>(size_);
  if (send.size() != n) throw std::logic_error("MpiExchange::exchange: one message per rank expected");
  std::vector<int> send_counts(n, 0), recv_counts(n, 0), send_at(n, 0), recv_at(n, 0);
  std::string out;
  std::size_t total = 0;
  for (std::size_t r = 0; r < n; ++r) {
    if (static_cast<int>(r) != rank_) total += send[r].size();
  }
  out.reserve(total);
  for (std::size_t r = 0; r < n; ++r) {
    if (static_cast<int>(r) == rank_) continue;
    send_at[r] = count_of(out.size());
    send_counts[r] = count_of(send[r].size());
    out.append(send[r]);
  }
  check(MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Alltoall");
  std::size_t in_total = 0;
  for (std::size_t r = 0; r < n; ++r) {
    recv_at[r] = count_of(in_total);
    in_total += static_cast<std::size_t>(recv_counts[r]);
  }
  std::string in(in_total, '\0');
  check(MPI_Alltoallv(out.data(), send_counts.data(), send_at.data(), MPI_BYTE, in.data(), recv_counts.data(),
                      recv_at.data(), MPI_BYTE, MPI_COMM_WORLD),
        "MPI_Alltoallv");
  std::vector<std::string> got(n);
  for (std::size_t r = 0; r < n; ++r) {
    if (static_cast<int>(r) == rank_) {
      got[r] = std::move(send[r]);
    } else {
      got[r] = in.substr(static_cast<std::size_t>(recv_at[r]), static_cast<std::size_t>(recv_counts[r]));
    }
  }
  return got;
}

std::vector<std::string> MpiExchange::gather(std::string mine) {
  const auto n = static_cast<std::size_t>(size_);
  int count = count_of(mine.size());
  std::vector<int> counts(rank_ == 0 ? n : 0), at(rank_ == 0 ? n : 0);
  check(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::string all;
  if (rank_ == 0) {
    std::size_t total = 0;
    for (std::size_t r = 0; r < n; ++r) {
      at[r] = count_of(total);
      total += static_cast<std::size_t>(counts[r]);
    }
    all.resize(total);
  }
  check(MPI_Gatherv(mine.data(), count, MPI_BYTE, all.data(), counts.data(), at.data(), MPI_BYTE, 0, MPI_COMM_WORLD),
        "MPI_Gatherv");
  std::vector<std::string> got;
  if (rank_ != 0) return got;
  got.resize(n);
  for (std::size_t r = 0; r < n; ++r) {
    got[r] = r == 0 ? std::move(mine) : all.substr(static_cast<std::size_t>(at[r]), static_cast<std::size_t>(counts[r]));
  }
  return got;
}

void MpiExchange::broadcast(std::string& bytes) { cluster::broadcast(bytes); }

#else  // no MPI in this build

MpiExchange::MpiExchange() {
  throw ConfigError("this build of simulacra has no MPI (configure with -DSIMULACRA_MPI=ON and libopenmpi-dev)");
}

std::vector<std::string> MpiExchange::exchange(std::vector<std::string> send) { return send; }
std::vector<std::string> MpiExchange::gather(std::string mine) { return {std::move(mine)}; }
void MpiExchange::broadcast(std::string& /*bytes*/) {}

#endif

}  // namespace simulacra::cluster
