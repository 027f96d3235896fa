// A timestamped message between logical processes, and the total order in
// which the engine commits events.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

#include "simulacra/engine/ids.hpp"

namespace simulacra {

/// Two machine words a population may use as it likes (ids, bit-cast doubles).
/// Larger state stays in the population's own storage, referred to by id.
using EventData = std::array<std::uint64_t, 2>;

struct Event {
  SimTime time;
  std::uint64_t seq = 0;   ///< the sender's send counter: unique per sender
  LpId src;
  LpId dst;
  std::uint32_t kind = 0;  ///< population-defined event kind
  EventData data{};
};

/// The engine's total order: time, then sender, then the sender's counter.
/// (sender, counter) is unique, so no two events tie; and it is fixed by the
/// model alone, never by threads, partitions or the order messages arrive in.
inline bool event_before(const Event& a, const Event& b) {
  if (a.time.value != b.time.value) return a.time.value < b.time.value;
  if (a.src.value != b.src.value) return a.src.value < b.src.value;
  return a.seq < b.seq;
}

inline std::uint64_t to_bits(double d) { return std::bit_cast<std::uint64_t>(d); }
inline double from_bits(std::uint64_t u) { return std::bit_cast<double>(u); }

}  // namespace simulacra
