// Strong types for simulated time and logical-process identity, so that a time
// cannot be passed where an id is expected and vice versa.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace simulacra {

/// Simulated time in the scenario's base unit (seconds for most scenarios).
struct SimTime {
  double value = 0.0;

  constexpr SimTime() = default;
  constexpr explicit SimTime(double v) : value(v) {}

  static constexpr SimTime infinity() { return SimTime{std::numeric_limits<double>::infinity()}; }

  constexpr auto operator<=>(const SimTime&) const = default;
  constexpr SimTime operator+(SimTime o) const { return SimTime{value + o.value}; }
  constexpr SimTime operator-(SimTime o) const { return SimTime{value - o.value}; }
  constexpr SimTime& operator+=(SimTime o) {
    value += o.value;
    return *this;
  }
};

/// Identity of a logical process: dense, 0-based, stable for a whole run.
struct LpId {
  std::uint32_t value = 0;

  constexpr LpId() = default;
  constexpr explicit LpId(std::uint32_t v) : value(v) {}
  constexpr auto operator<=>(const LpId&) const = default;
};

}  // namespace simulacra
