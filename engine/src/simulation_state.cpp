// What experiments do to a Simulation between runs: read its observables,
// branch it onto re-derived random streams, and save or load its state.
#include <algorithm>
#include <limits>
#include <string>

#include "simulacra/engine/simulation.hpp"

namespace simulacra {

namespace {

constexpr std::uint64_t kBranchSalt = 0x62726e6368ULL;  // "brnch"

// The stream seed of branch k of a run whose streams come from `parent`.
std::uint64_t branch_seed(std::uint64_t parent, std::uint64_t k) {
  return derive_seed(parent ^ kBranchSalt, k);
}

}  // namespace

void Population::state(StateArchive& /*ar*/) {
  throw CheckpointError("population type '" + type_name() + "' cannot be saved or branched from a checkpoint");
}

void Population::lp_state(StateArchive& /*ar*/, std::uint32_t /*lo*/, std::uint32_t /*hi*/) {
  throw std::logic_error("population type '" + type_name() + "' has no per-LP state for partitioned runs");
}

void Population::set_live(const std::string& key, double /*value*/) {
  throw std::logic_error("population type '" + type_name() + "' has no live parameter '" + key + "'");
}

std::vector<double> Simulation::observe() {
  if (failed_) throw std::logic_error("observe on a simulation that stopped on an error");
  if (!started_) start();
  std::vector<double> out;
  const bool observe_here = ranks_ == nullptr || ranks_->rank() == 0;
  if (ranks_ != nullptr && !observable_specs().empty()) collect(false);
  for (const auto& pop : populations_) {
    const std::size_t n = pop->observables().size();
    const std::size_t at = out.size();
    out.resize(at + n, 0.0);
    if (n != 0 && observe_here) pop->observe(now_, out.data() + at);
  }
  if (ranks_ != nullptr && !out.empty()) {
    // Rank 0's values on every rank, so that stop conditions agree.
    StateArchive ar;
    ar.io(out);
    std::string bytes = ar.take();
    ranks_->broadcast(bytes);
    StateArchive in(bytes);
    in.io(out);
  }
  return out;
}

std::vector<std::pair<std::size_t, ObservableSpec>> Simulation::observable_specs() const {
  std::vector<std::pair<std::size_t, ObservableSpec>> out;
  for (std::size_t i = 0; i < populations_.size(); ++i) {
    for (auto& spec : populations_[i]->observables()) out.emplace_back(i, std::move(spec));
  }
  return out;
}

void Simulation::set_live(std::size_t index, const std::string& key, double value) {
  if (failed_) throw std::logic_error("set_live on a simulation that stopped on an error");
  populations_.at(index)->set_live(key, value);
}

void Simulation::branch(std::uint64_t k) {
  if (failed_) throw std::logic_error("branch of a simulation that stopped on an error");
  if (ranks_ != nullptr) throw std::logic_error("branch of a simulation partitioned over ranks");
  branch_path_.push_back(k);
  stream_seed_ = branch_seed(stream_seed_, k);
  for (auto& pop : populations_) pop->reseed(stream_seed_);
  // Not started: start() derives the LP streams from stream_seed_.
  if (started_) {
    for (std::uint32_t lp = 0; lp < lp_count_; ++lp) rng_[lp] = RandomStream(stream_seed_, lp);
  }
}

void Simulation::save_state(StateArchive& ar) {
  if (ar.loading()) throw std::logic_error("save_state with a reading archive");
  if (failed_) throw std::logic_error("save_state of a simulation that stopped on an error");
  if (!started_) start();
  // Every pending event, wherever it waits, in the engine's total order: the
  // bytes do not depend on threads, partitions or ranks.
  std::vector<Event> pending;
  std::uint64_t committed = 0;
  if (ranks_ != nullptr) {
    // Rank 0 gathers every LP's state and every rank's pending events and
    // writes what one process would; the other ranks write nothing.
    collect_state();
    committed = collected_events_;
    std::vector<Event> own;
    for (std::uint32_t q = own_lo_; q < own_hi_; ++q) {
      const Partition& p = parts_[q];
      own.insert(own.end(), p.queue.raw().begin(), p.queue.raw().end());
      for (const auto& box : p.outbox) {
        for (const auto& v : box) own.insert(own.end(), v.begin(), v.end());
      }
    }
    StateArchive mine;
    mine.io(own);
    const std::vector<std::string> all = ranks_->gather(mine.take());
    if (ranks_->rank() != 0) return;
    for (const std::string& bytes : all) {
      StateArchive in(bytes);
      std::vector<Event> theirs;
      in.io(theirs);
      pending.insert(pending.end(), theirs.begin(), theirs.end());
    }
  } else {
    committed = committed_events();
    pending.reserve(pending_events());
    for (const auto& p : parts_) {
      pending.insert(pending.end(), p.queue.raw().begin(), p.queue.raw().end());
      for (const auto& box : p.outbox) {
        for (const auto& v : box) pending.insert(pending.end(), v.begin(), v.end());
      }
    }
  }
  std::sort(pending.begin(), pending.end(), event_before);
  ar.tag("simulation");
  std::uint64_t seed = seed_, stream = stream_seed_, lps = lp_count_, pops = populations_.size();
  ar.io(seed);
  ar.io(stream);
  ar.io(branch_path_);
  ar.io(lps);
  ar.io(pops);
  double now = now_.value;
  ar.io(now);
  ar.io(windows_);
  ar.io(committed);
  ar.io(pending);
  ar.io(rng_);
  ar.io(send_seq_);
  ar.io(lp_hash_);
  for (auto& pop : populations_) {
    ar.tag(pop->type_name());
    pop->state(ar);
  }
  ar.tag("end");
}

void Simulation::load_state(StateArchive& ar) {
  if (!ar.loading()) throw std::logic_error("load_state with a writing archive");
  if (started_) throw std::logic_error("load_state into a simulation that has started");
  ar.tag("simulation");
  std::uint64_t seed = 0, stream = 0, lps = 0, pops = 0, committed = 0;
  ar.io(seed);
  ar.io(stream);
  ar.io(branch_path_);
  ar.io(lps);
  ar.io(pops);
  if (seed != seed_ || lps != lp_count_ || pops != populations_.size()) {
    throw CheckpointError("checkpoint is of another run (seed " + std::to_string(seed) + ", " + std::to_string(lps) +
                          " LPs, " + std::to_string(pops) + " populations; this one: seed " + std::to_string(seed_) +
                          ", " + std::to_string(lp_count_) + " LPs, " + std::to_string(populations_.size()) + ")");
  }
  stream_seed_ = stream;
  double now = 0.0;
  ar.io(now);
  ar.io(windows_);
  ar.io(committed);
  std::vector<Event> pending;
  ar.io(pending);
  ar.io(rng_);
  ar.io(send_seq_);
  ar.io(lp_hash_);
  if (rng_.size() != lp_count_ || send_seq_.size() != lp_count_ || lp_hash_.size() != lp_count_) {
    throw CheckpointError("checkpoint is damaged: per-LP state of the wrong size");
  }
  for (auto& pop : populations_) {
    ar.tag(pop->type_name());
    pop->state(ar);
  }
  ar.tag("end");
  if (ar.remaining() != 0) throw CheckpointError("checkpoint is damaged: " + std::to_string(ar.remaining()) + " bytes left over");

  layout();
  for (const Event& e : pending) {
    if (e.dst.value >= lp_count_ || e.src.value >= lp_count_ || !(e.time.value >= now)) {
      throw CheckpointError("checkpoint is damaged: a pending event outside the run");
    }
    // Under ranks, each rank keeps its own partitions' events.
    const std::uint32_t q = e.dst.value / block_;
    if (q >= own_lo_ && q < own_hi_) parts_[q].queue.push(e);
  }
  for (auto& p : parts_) p.next_time = p.queue.empty() ? std::numeric_limits<double>::infinity() : p.queue.top().time.value;
  if (own_lo_ == 0) parts_[0].committed = committed;  // rank 0's, under ranks
  collected_ = false;
  parity_ = 0;
  now_ = SimTime{now};
  started_ = true;
  failed_ = false;
}

}  // namespace simulacra
