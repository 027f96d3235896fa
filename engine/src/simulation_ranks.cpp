// One simulation partitioned over ranks (Simulation::set_ranks): the window
// protocol of the parallel scheduler, with the ranks agreeing on each
// window's start and trading events at its edge through a RankExchange.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include <tbb/parallel_for.h>

#include "simulacra/engine/simulation.hpp"

namespace simulacra {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// What a rank tells every other at a window edge. Then follow the error
// message, the rows (to rank 0 only) and the events for the receiver.
struct EdgeHeader {
  double next_time = kInf;   // earliest event time this rank holds or sent
  std::uint32_t error = 0;   // ErrorKind of this rank's failure, 0 for none
  std::uint32_t message = 0; // bytes of the error message
  std::uint64_t rows = 0;    // bytes of rows
};

// What a failed rank threw, so that every rank throws the same type.
enum ErrorKind : std::uint32_t { kNone = 0, kLookahead, kConfig, kData, kCheckpoint, kUser, kMemory, kOther };

ErrorKind kind_of(const std::exception_ptr& e, std::string& what) {
  try {
    std::rethrow_exception(e);
  } catch (const LookaheadError& x) {
    what = x.what();
    return kLookahead;
  } catch (const ConfigError& x) {
    what = x.what();
    return kConfig;
  } catch (const DataError& x) {
    what = x.what();
    return kData;
  } catch (const CheckpointError& x) {
    what = x.what();
    return kCheckpoint;
  } catch (const UserError& x) {
    what = x.what();
    return kUser;
  } catch (const std::bad_alloc&) {
    what = "out of memory";
    return kMemory;
  } catch (const std::exception& x) {
    what = x.what();
  } catch (...) {
    what = "unknown exception";
  }
  return kOther;
}

[[noreturn]] void throw_kind(std::uint32_t kind, const std::string& what) {
  switch (kind) {
    case kLookahead: throw LookaheadError(what);
    case kConfig: throw ConfigError(what);
    case kData: throw DataError(what);
    case kCheckpoint: throw CheckpointError(what);
    case kUser: throw UserError(what);
    case kMemory: throw std::bad_alloc();
    default: throw std::runtime_error(what);
  }
}

template <class T>
void io_column(StateArchive& ar, std::vector<T>& col) {
  ar.io(col);
}

void io_column(StateArchive& ar, std::vector<std::string>& col) {
  ar.io_each(col, [](StateArchive& a, std::string& s) { a.io(s); });
}

// A row buffer's keys and values, table by table (reset to the tables first
// when reading).
void io_buffer(StateArchive& ar, RowBuffer& b) {
  for (std::size_t t = 0; t < b.chunks.size(); ++t) {
    ar.io(b.keys[t]);
    std::uint64_t rows = b.chunks[t].rows();
    ar.io(rows);
    for (std::size_t c = 0; c < b.chunks[t].column_count(); ++c) {
      std::visit([&](auto& col) { io_column(ar, col); }, b.chunks[t].column(c));
    }
    if (ar.loading()) {
      if (b.keys[t].size() != rows) throw std::logic_error("rows from another rank are damaged");
      b.chunks[t].end_rows(rows);
      b.rows += rows;
    }
  }
}

}  // namespace

void Simulation::set_ranks(RankExchange* exchange) {
  if (started_) throw std::logic_error("set_ranks after the run started");
  if (exchange != nullptr) {
    if (!(config_.lookahead.value > 0.0)) {
      throw ConfigError("a run partitioned over ranks needs a positive lookahead (engine.lookahead): ranks trade "
                        "events at the edges of windows one lookahead long");
    }
    for (const auto& pop : populations_) {
      if (pop->lp_count() != 0 && !pop->lp_state_supported()) {
        throw UserError("population type '" + pop->type_name() +
                        "' cannot run partitioned over ranks: it cannot hand its LPs' state to another rank "
                        "(run it on one process, or spread replicates over the ranks instead)");
      }
    }
  }
  ranks_ = exchange;
}

// Rounded up, so that rank 0 always runs partition 0, where finish() emits
// its rows, even when there are fewer partitions than ranks (few LPs).
std::uint32_t Simulation::rank_partition_begin(int rank) const {
  const std::uint64_t parts = parts_.size();
  const auto r = static_cast<std::uint64_t>(rank);
  const auto n = static_cast<std::uint64_t>(ranks_->size());
  return static_cast<std::uint32_t>((parts * r + n - 1) / n);
}

std::uint32_t Simulation::rank_lp_begin(int rank) const {
  return std::min<std::uint32_t>(lp_count_, rank_partition_begin(rank) * block_);
}

std::uint32_t Simulation::rank_lp_end(int rank) const { return rank_lp_begin(rank + 1); }

void Simulation::run_ranks(double end) {
  for (;;) {
    const double t = sync_ranks();
    if (!(t < end)) break;
    const double window_end = std::min(t + config_.lookahead.value, end);
    const unsigned parity = parity_ ^ 1u;
    try {
      tbb::parallel_for(tbb::blocked_range<std::uint32_t>(own_lo_, own_hi_, 1),
                        [&](const tbb::blocked_range<std::uint32_t>& r) {
                          for (std::uint32_t q = r.begin(); q != r.end(); ++q) process_partition(q, parity, window_end);
                        });
    } catch (...) {
      // Told to the other ranks at the next exchange; every rank then throws.
      if (!rank_error_) rank_error_ = std::current_exception();
    }
    parity_ = parity;
    ++windows_;
    ++traffic_.windows;
    collected_ = false;
  }
}

std::string Simulation::rows_blob() {
  StateArchive ar;
  std::uint64_t n = 0;
  for (std::uint32_t q = own_lo_; q < own_hi_; ++q) n += parts_[q].rows.rows != 0 ? 1 : 0;
  ar.io(n);
  for (std::uint32_t q = own_lo_; q < own_hi_; ++q) {
    RowBuffer& b = parts_[q].rows;
    if (b.rows == 0) continue;
    io_buffer(ar, b);
    b.clear();
  }
  return ar.take();
}

void Simulation::merge_rank_rows(const std::vector<std::string>& blobs) {
  std::vector<RowBuffer*> buffers;
  for (std::uint32_t q = own_lo_; q < own_hi_; ++q) {
    if (parts_[q].rows.rows != 0) buffers.push_back(&parts_[q].rows);
  }
  std::vector<RowBuffer> received;
  std::size_t count = 0;
  for (const std::string& blob : blobs) {
    if (blob.empty()) continue;
    StateArchive in(blob);
    std::uint64_t n = 0;
    in.io(n);
    count += n;
  }
  received.reserve(count);  // stable addresses for the merge
  for (const std::string& blob : blobs) {
    if (blob.empty()) continue;
    StateArchive in(blob);
    std::uint64_t n = 0;
    in.io(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      received.emplace_back();
      received.back().reset(tables_);
      io_buffer(in, received.back());
      buffers.push_back(&received.back());
    }
  }
  if (buffers.empty()) return;
  if (consumer_ == nullptr) {
    for (RowBuffer* b : buffers) b->clear();
    return;
  }
  try {
    merger_.merge(buffers, tables_, *consumer_);
  } catch (...) {
    // A sink failed on rank 0: the others learn it at the next exchange.
    for (RowBuffer* b : buffers) b->clear();
    if (!rank_error_) rank_error_ = std::current_exception();
  }
}

void Simulation::gather_rows() {
  const bool root = ranks_->rank() == 0;
  std::string mine = root ? std::string() : rows_blob();
  traffic_.row_bytes_sent += mine.size();
  const std::vector<std::string> all = ranks_->gather(std::move(mine));
  if (root) merge_rank_rows(all);
}

double Simulation::sync_ranks() {
  const auto t0 = std::chrono::steady_clock::now();
  const int size = ranks_->size();
  const int me = ranks_->rank();
  EdgeHeader head;
  for (std::uint32_t q = own_lo_; q < own_hi_; ++q) head.next_time = std::min(head.next_time, parts_[q].next_time);
  std::string message;
  if (rank_error_) {
    head.error = kind_of(rank_error_, message);
    head.message = static_cast<std::uint32_t>(std::min<std::size_t>(message.size(), 4096));
    message.resize(head.message);
  }
  // Rows go to rank 0 with the events of this edge: one exchange per window.
  std::string rows;
  if (me != 0 && !tables_.empty()) rows = rows_blob();
  traffic_.row_bytes_sent += rows.size();

  std::vector<std::string> send(static_cast<std::size_t>(size));
  for (int r = 0; r < size; ++r) {
    EdgeHeader h = head;
    h.rows = r == 0 ? rows.size() : 0;
    std::string& out = send[static_cast<std::size_t>(r)];
    out.append(reinterpret_cast<const char*>(&h), sizeof h);
    out.append(message);
    if (r == 0) out.append(rows);
  }
  // Events sent in the last window to partitions of other ranks; those for
  // this rank's own partitions wait in the outboxes for the next window.
  const auto parts = static_cast<std::uint32_t>(parts_.size());
  for (std::uint32_t q = own_lo_; q < own_hi_; ++q) {
    auto& boxes = parts_[q].outbox[parity_];
    for (std::uint32_t d = 0; d < parts; ++d) {
      const int r = part_rank_[d];
      if (r == me || boxes[d].empty()) continue;
      send[static_cast<std::size_t>(r)].append(reinterpret_cast<const char*>(boxes[d].data()),
                                               boxes[d].size() * sizeof(Event));
      traffic_.events_sent += boxes[d].size();
      boxes[d].clear();
    }
  }
  for (int r = 0; r < size; ++r) {
    if (r != me) traffic_.bytes_sent += send[static_cast<std::size_t>(r)].size();
  }

  const std::vector<std::string> got = ranks_->exchange(std::move(send));

  double next = kInf;
  int failed = -1;
  std::uint32_t failed_kind = 0;
  std::string failed_message;
  std::vector<std::string> row_blobs;
  for (int r = 0; r < size; ++r) {
    const std::string& in = got[static_cast<std::size_t>(r)];
    EdgeHeader h;
    if (in.size() < sizeof h) throw std::logic_error("a window edge message from another rank is damaged");
    std::memcpy(&h, in.data(), sizeof h);
    if (in.size() < sizeof h + h.message + h.rows) throw std::logic_error("a window edge message is damaged");
    next = std::min(next, h.next_time);
    if (h.error != kNone && failed < 0) {
      failed = r;
      failed_kind = h.error;
      failed_message = in.substr(sizeof h, h.message);
    }
    if (r == me) continue;
    if (h.rows != 0) row_blobs.push_back(in.substr(sizeof h + h.message, h.rows));
    const std::size_t at = sizeof h + h.message + h.rows;
    const std::size_t n = (in.size() - at) / sizeof(Event);
    for (std::size_t i = 0; i < n; ++i) {
      Event e;
      std::memcpy(&e, in.data() + at + i * sizeof(Event), sizeof(Event));
      const std::uint32_t q = e.dst.value / block_;
      if (q < own_lo_ || q >= own_hi_) throw std::logic_error("an event from another rank for a partition not here");
      parts_[q].queue.push(e);
      parts_[q].next_time = std::min(parts_[q].next_time, e.time.value);
    }
  }
  ++traffic_.exchanges;
  traffic_.exchange_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (failed >= 0) {
    // Every rank throws the first failed rank's error; that rank its own.
    shared_error_ = true;
    if (failed == me) std::rethrow_exception(rank_error_);
    throw_kind(failed_kind, failed_message);
  }
  if (me == 0 && !tables_.empty()) merge_rank_rows(row_blobs);
  return next;
}

void Simulation::state_slices(StateArchive& ar, int rank, bool engine) {
  const std::uint32_t lo = rank_lp_begin(rank);
  const std::uint32_t hi = rank_lp_end(rank);
  ar.tag("rank");
  if (engine) {
    for (std::uint32_t q = rank_partition_begin(rank); q < rank_partition_begin(rank + 1); ++q) {
      ar.io(parts_[q].committed);
    }
    for (std::uint32_t lp = lo; lp < hi; ++lp) {
      ar.io(lp_hash_[lp]);
      ar.io(send_seq_[lp]);
      ar.io(rng_[lp]);
    }
  }
  for (auto& pop : populations_) {
    const std::uint32_t first = pop->first_.value;
    const std::uint32_t a = std::max(lo, first);
    const std::uint32_t b = std::min(hi, first + pop->lp_count());
    if (a >= b) continue;
    ar.tag(pop->type_name());
    pop->lp_state(ar, a - first, b - first);
  }
}

void Simulation::collect_state() { collect(true); }

void Simulation::collect(bool engine) {
  if (ranks_ == nullptr) return;
  if (!started_) start();
  const bool root = ranks_->rank() == 0;
  StateArchive out;
  if (!root) state_slices(out, ranks_->rank(), engine);
  const std::vector<std::string> all = ranks_->gather(out.take());
  if (root) {
    for (int r = 1; r < ranks_->size(); ++r) {
      StateArchive in(all[static_cast<std::size_t>(r)]);
      state_slices(in, r, engine);
      if (in.remaining() != 0) throw std::logic_error("state from another rank has bytes left over");
    }
  }
  if (!engine) return;
  // The whole run's trace hash and event count, from rank 0 to every rank.
  StateArchive sum;
  std::uint64_t hash = 0, events = 0;
  if (root) {
    hash = hash_of_lps();
    for (const auto& p : parts_) events += p.committed;
  }
  sum.io(hash);
  sum.io(events);
  std::string bytes = sum.take();
  ranks_->broadcast(bytes);
  StateArchive in(bytes);
  in.io(collected_hash_);
  in.io(collected_events_);
  collected_ = true;
}

}  // namespace simulacra
