#include "simulacra/engine/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace simulacra {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kStreamRows = 65536;
constexpr std::uint64_t kSlice = 256;

std::uint64_t fingerprint(std::uint64_t h, const Event& e) {
  h = mix64(h ^ to_bits(e.time.value));
  h = mix64(h ^ ((static_cast<std::uint64_t>(e.src.value) << 32) | e.kind));
  h = mix64(h ^ e.data[0]);
  return mix64(h ^ e.data[1]);
}

}  // namespace

void Context::bad_row(std::uint32_t table, const char* why) const {
  throw std::logic_error("emit to table " + std::to_string(table) + " of LP " +
                         std::to_string(self_.value) + ": " + why);
}

void Context::reject(LpId dst, SimTime delay) const {
  std::ostringstream msg;
  msg.precision(17);
  if (dst.value >= lp_count_) {
    msg << "LP " << self_.value << " at t=" << now_.value << " sent an event to LP " << dst.value
        << ", which does not exist (" << lp_count_ << " LPs)";
    throw std::out_of_range(msg.str());
  }
  msg << "lookahead violation: LP " << self_.value << " at t=" << now_.value
      << " sent an event to LP " << dst.value << " for t=" << now_.value + delay.value
      << " (delay " << delay.value;
  if (!std::isfinite(delay.value) || delay.value < 0.0) {
    msg << ", which is not a finite non-negative delay)";
  } else {
    msg << " < lookahead " << lookahead_ << ")";
  }
  throw LookaheadError(msg.str());
}

Simulation::Simulation(EngineConfig config, std::uint64_t seed)
    : config_(config), seed_(seed), stream_seed_(seed) {
  if (config_.threads == 0) throw ConfigError("engine.threads must be at least 1");
  if (!(config_.lookahead.value >= 0.0) || !std::isfinite(config_.lookahead.value)) {
    throw ConfigError("engine.lookahead must be a finite non-negative time");
  }
  if (config_.scheduler == SchedulerKind::parallel && config_.lookahead.value <= 0.0) {
    throw ConfigError(
        "the parallel scheduler needs a positive lookahead (the least delay of an event "
        "between two LPs); use the sequential scheduler for zero lookahead");
  }
}

Simulation::Simulation(const Simulation& other)
    : config_(other.config_),
      seed_(other.seed_),
      stream_seed_(other.stream_seed_),
      branch_path_(other.branch_path_),
      owner_(other.owner_),
      lp_count_(other.lp_count_),
      tables_(other.tables_),
      table_owner_(other.table_owner_),
      table_base_(other.table_base_),
      rng_(other.rng_),
      send_seq_(other.send_seq_),
      lp_hash_(other.lp_hash_),
      parts_(other.parts_),
      block_(other.block_),
      parity_(other.parity_),
      started_(other.started_),
      failed_(other.failed_),
      now_(other.now_),
      windows_(other.windows_),
      own_lo_(other.own_lo_),
      own_hi_(other.own_hi_) {
  // A rank holds only its own LPs' state: a copy could not run alone.
  if (other.ranks_ != nullptr) throw std::logic_error("copy of a simulation partitioned over ranks");
  populations_.reserve(other.populations_.size());
  for (const auto& p : other.populations_) {
    populations_.push_back(p->clone());
    populations_.back()->first_ = p->first_;
  }
  // Slots point at populations: re-point them at the copies.
  slots_ = other.slots_;
  for (std::size_t i = 0; i < slots_.size(); ++i) slots_[i].population = populations_[i].get();
}

Simulation& Simulation::operator=(const Simulation& other) {
  if (this != &other) {
    Simulation copy(other);
    *this = std::move(copy);
  }
  return *this;
}

LpId Simulation::add_population(std::unique_ptr<Population> population) {
  if (started_) throw std::logic_error("add_population after the run started");
  if (!population) throw std::logic_error("add_population(nullptr)");
  const std::uint64_t count = population->lp_count();
  if (lp_count_ + count > std::numeric_limits<std::uint32_t>::max()) {
    throw ConfigError("too many LPs: at most 2^32 - 1 in one simulation");
  }
  if (populations_.size() >= std::numeric_limits<std::uint16_t>::max()) {
    throw ConfigError("too many populations in one simulation");
  }
  const LpId first{lp_count_};
  population->first_ = first;
  table_base_.push_back(static_cast<std::uint32_t>(tables_.size()));
  for (auto& t : population->tables()) {
    tables_.push_back(std::move(t));
    table_owner_.push_back(populations_.size());
  }
  owner_.insert(owner_.end(), count, static_cast<std::uint16_t>(populations_.size()));
  populations_.push_back(std::move(population));
  lp_count_ += static_cast<std::uint32_t>(count);
  return first;
}

void Simulation::set_threads(unsigned threads) {
  if (threads == 0) throw ConfigError("engine.threads must be at least 1");
  config_.threads = threads;
}

std::uint64_t Simulation::committed_events() const {
  if (ranks_ != nullptr) {
    if (!collected_) throw std::logic_error("committed_events of a partitioned run before collect_state");
    return collected_events_;
  }
  std::uint64_t n = 0;
  for (const auto& p : parts_) n += p.committed;
  return n;
}

std::size_t Simulation::pending_events() const {
  std::size_t n = 0;
  for (const auto& p : parts_) {
    n += p.queue.size();
    for (const auto& box : p.outbox) {
      for (const auto& v : box) n += v.size();
    }
  }
  return n;
}

std::uint64_t Simulation::trace_hash() const {
  if (ranks_ != nullptr) {
    if (!collected_) throw std::logic_error("trace_hash of a partitioned run before collect_state");
    return collected_hash_;
  }
  return hash_of_lps();
}

std::uint64_t Simulation::hash_of_lps() const {
  std::uint64_t h = mix64(lp_count_);
  for (std::uint64_t lp : lp_hash_) h = mix64(h ^ lp);
  return h;
}

Context Simulation::make_context(std::uint32_t q, unsigned parity) {
  Context ctx;
  ctx.outbox_ = &parts_[q].outbox[parity];
  ctx.queue_ = &parts_[q].queue;
  ctx.lookahead_ = config_.lookahead.value;
  ctx.min_sent_ = kInf;
  ctx.lp_count_ = lp_count_;
  ctx.block_ = block_;
  ctx.partition_ = q;
  ctx.rows_ = &parts_[q].rows;
  return ctx;
}

void Simulation::layout() {
  std::uint32_t parts = 1;
  if (config_.scheduler == SchedulerKind::parallel) {
    // Default: four per thread for balance, and at least one per 1,024 LPs so
    // each heap stays cache-sized (up to 128, where the window merge's
    // partitions-squared outbox scan starts to show).
    parts = config_.partitions;
    if (parts == 0) parts = std::max<std::uint32_t>(4 * config_.threads, std::min<std::uint32_t>(lp_count_ / 1024, 128));
  }
  // Each rank runs at least one partition where the LPs allow.
  if (ranks_ != nullptr) parts = std::max<std::uint32_t>(parts, static_cast<std::uint32_t>(ranks_->size()));
  parts = std::max<std::uint32_t>(1, std::min<std::uint32_t>(parts, std::max<std::uint32_t>(lp_count_, 1)));
  block_ = std::max<std::uint32_t>(1, (lp_count_ + parts - 1) / parts);
  parts = std::max<std::uint32_t>(1, (lp_count_ + block_ - 1) / block_);
  parts_.assign(parts, Partition{});
  for (auto& p : parts_) {
    p.outbox[0].resize(parts);
    p.outbox[1].resize(parts);
    p.rows.reset(tables_);
    p.next_time = kInf;
  }
  own_lo_ = 0;
  own_hi_ = parts;
  part_rank_.assign(parts, 0);
  if (ranks_ != nullptr) {
    own_lo_ = rank_partition_begin(ranks_->rank());
    own_hi_ = rank_partition_begin(ranks_->rank() + 1);
    for (int r = 0; r < ranks_->size(); ++r) {
      for (std::uint32_t q = rank_partition_begin(r); q < rank_partition_begin(r + 1); ++q) part_rank_[q] = r;
    }
  }

  slots_.clear();
  for (std::size_t i = 0; i < populations_.size(); ++i) {
    slots_.push_back(PopSlot{populations_[i].get(), populations_[i]->first_.value, table_base_[i],
                             static_cast<std::uint32_t>(pop_table_count(i))});
  }
}

void Simulation::start() {
  layout();
  rng_.resize(lp_count_);
  send_seq_.assign(lp_count_, 0);
  lp_hash_.assign(lp_count_, 0);
  for (std::uint32_t lp = 0; lp < lp_count_; ++lp) rng_[lp] = RandomStream(stream_seed_, lp);

  // Initial events: every LP, in id order, as if sent at time 0 by itself
  // (under ranks, this rank's LPs only).
  parity_ = 0;
  try {
    for (std::uint32_t q = own_lo_; q < own_hi_; ++q) {
      Context ctx = make_context(q, parity_);
      const std::uint32_t lo = q * block_;
      const std::uint32_t hi = std::min(lp_count_, lo + block_);
      for (std::uint32_t lp = lo; lp < hi; ++lp) {
        Population& pop = *populations_[owner_[lp]];
        ctx.now_ = SimTime{0.0};
        ctx.self_ = LpId{lp};
        ctx.rng_ = &rng_[lp];
        ctx.seq_ = &send_seq_[lp];
        ctx.key_ = RowKey{0.0, lp, 0};
        ctx.table_base_ = table_base_[owner_[lp]];
        ctx.table_count_ = static_cast<std::uint32_t>(pop_table_count(owner_[lp]));
        pop.init_lp(ctx, lp - pop.first_.value);
      }
      Partition& part = parts_[q];
      part.next_time = std::min(part.queue.empty() ? kInf : part.queue.top().time.value, ctx.min_sent_);
    }
  } catch (...) {
    if (ranks_ == nullptr) throw;
    // Told to the other ranks at the first exchange; every rank then throws.
    rank_error_ = std::current_exception();
  }
  started_ = true;
  flush_rows();
}

std::size_t Simulation::pop_table_count(std::size_t pop) const {
  const std::size_t end = pop + 1 < table_base_.size() ? table_base_[pop + 1] : tables_.size();
  return end - table_base_[pop];
}

// Kept out of line: inlined into the event loop it costs the loop registers.
__attribute__((noinline, cold)) void Simulation::flush_rows() {
  if (ranks_ != nullptr) {
    gather_rows();
    return;
  }
  std::vector<RowBuffer*> buffers;
  for (auto& p : parts_) {
    if (p.rows.rows != 0) buffers.push_back(&p.rows);
  }
  if (buffers.empty()) return;
  if (consumer_ == nullptr) {
    for (RowBuffer* b : buffers) b->clear();
    return;
  }
  merger_.merge(buffers, tables_, *consumer_);
}

void Simulation::finish() {
  if (failed_) throw std::logic_error("finish on a simulation that stopped on an error");
  if (!started_) start();
  // Under ranks, rank 0 gets every LP's state and alone emits the end rows.
  collect_state();
  Context ctx = make_context(0, parity_);
  for (std::size_t i = 0; i < populations_.size(); ++i) {
    if (ranks_ != nullptr && ranks_->rank() != 0) break;
    Population& pop = *populations_[i];
    if (pop.lp_count() == 0) continue;
    const std::uint32_t lp = pop.first_.value;
    ctx.now_ = now_;
    ctx.self_ = pop.first_;
    ctx.rng_ = &rng_[lp];
    ctx.seq_ = &send_seq_[lp];
    ctx.key_ = RowKey{now_.value, lp, ~std::uint64_t{0}};
    ctx.table_base_ = table_base_[i];
    ctx.table_count_ = static_cast<std::uint32_t>(pop_table_count(i));
    // Rows only: an event sent now would never be committed.
    ctx.lookahead_ = kInf;
    pop.finish(ctx);
  }
  flush_rows();
  // Under ranks, rank 0's sinks may have failed during the last windows.
  if (rank_error_) std::rethrow_exception(rank_error_);
}

double Simulation::global_next_time() const {
  double t = kInf;
  for (const auto& p : parts_) t = std::min(t, p.next_time);
  return t;
}

void Simulation::dispatch(Context& ctx, const Event& e) {
  const std::uint32_t lp = e.dst.value;
  lp_hash_[lp] = fingerprint(lp_hash_[lp], e);
  const PopSlot& slot = slots_[owner_[lp]];
  ctx.now_ = e.time;
  ctx.self_ = e.dst;
  ctx.rng_ = &rng_[lp];
  ctx.seq_ = &send_seq_[lp];
  ctx.key_ = RowKey{e.time.value, e.src.value, e.seq};
  ctx.table_base_ = slot.table_base;
  ctx.table_count_ = slot.table_count;
  slot.population->handle(ctx, lp - slot.first, e);
}

void Simulation::process_partition(std::uint32_t q, unsigned parity, double window_end) {
  Partition& part = parts_[q];
  // Merge what other partitions sent during the previous window. The heap
  // orders them by event key, so the order of arrival does not matter.
  for (auto& src : parts_) {
    auto& box = src.outbox[parity ^ 1u][q];
    for (const Event& e : box) part.queue.push(e);
    box.clear();
  }
  Context ctx = make_context(q, parity);
  std::uint64_t committed = 0;
  // A single partition holds rows in final order already, so it hands them
  // on in bounded batches instead of keeping a whole run in memory.
  const bool stream_rows = parts_.size() == 1 && consumer_ != nullptr && ranks_ == nullptr;
  for (;;) {
    // Events in slices, so the row check sits outside the hot loop.
    std::uint64_t slice = 0;
    double last = -kInf;
    while (slice < kSlice && !part.queue.empty() && part.queue.top().time.value < window_end) {
      const Event e = part.queue.pop();
      last = e.time.value;
      dispatch(ctx, e);
      ++slice;
    }
    committed += slice;
    // Only between two times: rows of one time may be emitted out of key
    // order (emit_ordered) and are sorted as a whole.
    if (stream_rows && part.rows.rows >= kStreamRows &&
        (part.queue.empty() || part.queue.top().time.value > last)) {
      flush_rows();
    }
    if (slice < kSlice) break;
  }
  part.committed += committed;
  part.next_time = std::min(part.queue.empty() ? kInf : part.queue.top().time.value, ctx.min_sent_);
}

std::uint64_t Simulation::committed_in_partitions() const {
  std::uint64_t total = 0;
  for (const auto& p : parts_) total += p.committed;
  return total;
}

void Simulation::run_until(SimTime end) {
  if (failed_) throw std::logic_error("run_until on a simulation that stopped on an error");
  if (!started_) {
    failed_ = true;
    start();
    failed_ = false;
  }
  if (end < now_) throw std::logic_error("run_until: end is before the current time");

  const auto n = static_cast<std::uint32_t>(parts_.size());
  failed_ = true;  // cleared only if the loop finishes without an exception
  if (ranks_ == nullptr && (config_.scheduler == SchedulerKind::sequential || n == 1)) {
    // One partition: its queue already holds every event in global order.
    parity_ ^= 1u;
    process_partition(0, parity_, end.value);
    ++windows_;
    flush_rows();
  } else {
    // Allow more threads than cores when asked (tests use 4 on 2 cores);
    // output does not depend on it, only speed does.
    const auto threads = static_cast<std::size_t>(config_.threads);
    tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                              std::max(threads, tbb::global_control::active_value(
                                                    tbb::global_control::max_allowed_parallelism)));
    tbb::task_arena arena(static_cast<int>(config_.threads));
    arena.execute([&] {
      if (ranks_ != nullptr) {
        run_ranks(end.value);
        return;
      }
      // Windows with few events cost more to hand out to threads than to
      // run (EngineConfig::serial_window_events). Either way each partition
      // processes its own queue up to the window's end: the same output.
      const auto serial_below = static_cast<double>(config_.serial_window_events);
      double recent = serial_below;  // events per window, moving average
      for (;;) {
        const double t = global_next_time();
        if (!(t < end.value)) break;
        const double window_end = std::min(t + config_.lookahead.value, end.value);
        const unsigned parity = parity_ ^ 1u;
        const std::uint64_t before = committed_in_partitions();
        if (recent < serial_below) {
          for (std::uint32_t q = 0; q < n; ++q) process_partition(q, parity, window_end);
        } else {
          tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, n, 1),
                            [&](const tbb::blocked_range<std::uint32_t>& r) {
                              for (std::uint32_t q = r.begin(); q != r.end(); ++q) {
                                process_partition(q, parity, window_end);
                              }
                            });
        }
        recent = 0.875 * recent + 0.125 * static_cast<double>(committed_in_partitions() - before);
        parity_ = parity;
        ++windows_;
        flush_rows();
      }
    });
  }
  failed_ = false;
  now_ = end;
}

}  // namespace simulacra
