// What a population may do while handling an event: read the clock, draw from
// its LP's random stream, and send events. Sends are checked against the
// lookahead here, at the source, so a violation names both LPs and both times.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/event.hpp"
#include "simulacra/engine/event_queue.hpp"
#include "simulacra/engine/random.hpp"
#include "simulacra/engine/row_buffer.hpp"

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

  /// Emits one row of the population's table `table` (an index into its
  /// tables()), values in column order. Throws std::logic_error if the count
  /// or a type does not match the declared columns (a programmer error).
  template <class... Values>
  void emit(std::uint32_t table, const Values&... values) {
    emit_keyed(key_, table, values...);
  }

  /// Emits a row whose place among the rows of the same time is (`order_hi`,
  /// `order_lo`) — e.g. an agent id and that agent's own row counter — instead
  /// of the key of the event that emitted it. For populations whose rows must
  /// not depend on how agents are grouped into LPs. Keep orders unique per
  /// table and time; a table should use one kind of emit only.
  template <class... Values>
  void emit_ordered(std::uint32_t order_hi, std::uint64_t order_lo, std::uint32_t table, const Values&... values) {
    emit_keyed(RowKey{key_.time, order_hi, order_lo}, table, values...);
  }

 private:
  template <class... Values>
  void emit_keyed(const RowKey& key, std::uint32_t table, const Values&... values) {
    const std::uint32_t t = table_base_ + table;
    if (rows_ == nullptr || t >= rows_->chunks.size() || table >= table_count_) {
      bad_row(table, "no such table");
    }
    TableChunk& chunk = rows_->chunks[t];
    if (sizeof...(Values) != chunk.column_count()) bad_row(table, "wrong number of values");
    std::size_t col = 0;
    (put(chunk, table, col++, values), ...);
    chunk.end_row();
    rows_->keys[t].push_back(key);
    ++rows_->rows;
  }

  friend class Simulation;
  [[noreturn]] void reject(LpId dst, SimTime delay) const;
  [[noreturn]] void bad_row(std::uint32_t table, const char* why) const;

  template <class V>
  void put(TableChunk& chunk, std::uint32_t table, std::size_t col, const V& v) {
    const std::size_t kind = chunk.column(col).index();
    if constexpr (std::is_same_v<V, bool>) {
      if (kind != 3) bad_row(table, "a bool for a non-bool column");
      chunk.append(col, v);
    } else if constexpr (std::is_integral_v<V> || std::is_enum_v<V>) {
      if (kind != 0) bad_row(table, "an integer for a non-int64 column");
      chunk.append(col, static_cast<std::int64_t>(v));
    } else if constexpr (std::is_floating_point_v<V>) {
      if (kind != 1) bad_row(table, "a number for a non-float64 column");
      chunk.append(col, static_cast<double>(v));
    } else if constexpr (std::is_same_v<V, SimTime>) {
      if (kind != 1) bad_row(table, "a time for a non-float64 column");
      chunk.append(col, v.value);
    } else {
      static_assert(std::is_convertible_v<const V&, std::string_view>, "unsupported column value");
      if (kind != 2) bad_row(table, "text for a non-string column");
      chunk.append(col, std::string_view(v));
    }
  }

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
  RowBuffer* rows_ = nullptr;
  RowKey key_;
  std::uint32_t table_base_ = 0;
  std::uint32_t table_count_ = 0;
};

}  // namespace simulacra
