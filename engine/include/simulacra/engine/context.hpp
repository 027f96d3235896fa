// What a population may do while handling an event: read the clock, draw from
// its LP's random stream, and send events. Sends are checked against the
// lookahead here, at the source, so a violation names both LPs and both times.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/event.hpp"
#include "simulacra/engine/event_queue.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra {

class Context {
 public:
  SimTime now() const { return now_; }
  LpId self() const { return self_; }
  RandomStream& rng() { return *rng_; }
  std::uint32_t lp_count() const { return lp_count_; }

  /// Schedules `kind` at now() + delay on `dst`.
  /// Throws LookaheadError if delay is negative or not finite, or if dst is
  /// another LP and delay is shorter than the engine's lookahead; throws
  /// std::out_of_range for an LP id that does not exist.
  void send(LpId dst, SimTime delay, std::uint32_t kind, EventData data = {}) {
    if (dst == self_) {
      send_self(delay, kind, data);
      return;
    }
    if (!(delay.value >= lookahead_) || !std::isfinite(delay.value) || dst.value >= lp_count_) {
      reject(dst, delay);
    }
    Event e;
    e.time = SimTime{now_.value + delay.value};
    e.seq = (*seq_)++;
    e.src = self_;
    e.dst = dst;
    e.kind = kind;
    e.data = data;
    const std::uint32_t part = dst.value / block_;
    if (part == partition_) {
      queue_->push(e);
    } else {
      (*outbox_)[part].push_back(e);
      if (e.time.value < min_sent_) min_sent_ = e.time.value;
    }
  }

  /// Schedules an event on this LP itself; any delay >= 0 is allowed.
  void send_self(SimTime delay, std::uint32_t kind, EventData data = {}) {
    if (!(delay.value >= 0.0) || !std::isfinite(delay.value)) reject(self_, delay);
    Event e;
    e.time = SimTime{now_.value + delay.value};
    e.seq = (*seq_)++;
    e.src = self_;
    e.dst = self_;
    e.kind = kind;
    e.data = data;
    queue_->push(e);
  }

 private:
  friend class Simulation;
  [[noreturn]] void reject(LpId dst, SimTime delay) const;

  SimTime now_;
  LpId self_;
  RandomStream* rng_ = nullptr;
  std::uint64_t* seq_ = nullptr;
  EventQueue* queue_ = nullptr;
  std::vector<std::vector<Event>>* outbox_ = nullptr;
  double lookahead_ = 0.0;
  double min_sent_ = 0.0;
  std::uint32_t lp_count_ = 0;
  std::uint32_t block_ = 1;
  std::uint32_t partition_ = 0;
};

}  // namespace simulacra
