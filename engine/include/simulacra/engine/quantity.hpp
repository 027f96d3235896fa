// Quantities with units as a person writes them in a scenario: `30s`, `15min`,
// `2h`, `90d`, `200m`, `1.5km`, `50km/h`, `25%`. Values are converted to base
// units: seconds, metres, metres per second, and fractions (25% -> 0.25).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace simulacra {

enum class Dimension {
  none,      ///< a plain number
  time,      ///< base unit s; accepts ms, s, min, h, d, w
  length,    ///< base unit m; accepts mm, cm, m, km
  speed,     ///< base unit m/s; accepts m/s, km/h, mph
  fraction,  ///< base unit 1; accepts 25% or a plain number
};

/// "duration", "length", "speed", "fraction", "number".
std::string_view to_string(Dimension d);

/// The base unit's symbol: "s", "m", "m/s", "" (fraction and none).
std::string_view base_unit(Dimension d);

/// The accepted unit symbols, for messages: "ms, s, min, h, d, w".
std::string accepted_units(Dimension d);

/// Parses `text` as a quantity of dimension `d` into base units. On failure
/// returns nullopt and sets *why to a message such as
/// "'30' has no unit; a duration needs one of ms, s, min, h, d, w".
std::optional<double> parse_quantity(std::string_view text, Dimension d, std::string* why);

/// Seconds in one time unit symbol ("d" -> 86400); nullopt if unknown.
std::optional<double> time_unit_seconds(std::string_view unit);

}  // namespace simulacra
