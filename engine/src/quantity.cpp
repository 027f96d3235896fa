#include "simulacra/engine/quantity.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <span>
#include <system_error>

namespace simulacra {
namespace {

struct Unit {
  std::string_view symbol;
  double factor;  // base units per one of this unit
};

constexpr std::array<Unit, 6> kTimeUnits{{
    {"ms", 1e-3}, {"s", 1.0}, {"min", 60.0}, {"h", 3600.0}, {"d", 86400.0}, {"w", 604800.0}}};
constexpr std::array<Unit, 4> kLengthUnits{{{"mm", 1e-3}, {"cm", 1e-2}, {"m", 1.0}, {"km", 1e3}}};
// A mile is 1609.344 m exactly, so 1 mph is 0.44704 m/s exactly.
constexpr std::array<Unit, 3> kSpeedUnits{{{"m/s", 1.0}, {"km/h", 1000.0 / 3600.0}, {"mph", 0.44704}}};

std::span<const Unit> units_of(Dimension d) {
  switch (d) {
    case Dimension::time: return kTimeUnits;
    case Dimension::length: return kLengthUnits;
    case Dimension::speed: return kSpeedUnits;
    case Dimension::fraction:
    case Dimension::none: break;
  }
  return {};
}

const Unit* find_unit(Dimension d, std::string_view symbol) {
  for (const Unit& u : units_of(d)) {
    if (u.symbol == symbol) return &u;
  }
  return nullptr;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string quoted(std::string_view s) {
  // Appending, not "'" + std::string(s): GCC 12 warns falsely (-Wrestrict) on that.
  std::string out(1, '\'');
  out += s;
  out += '\'';
  return out;
}

// What a value of `d` looks like, for the end of a message.
std::string needs(Dimension d) {
  switch (d) {
    case Dimension::time:
    case Dimension::length:
    case Dimension::speed:
      return "a " + std::string(to_string(d)) + " needs one of " + accepted_units(d);
    case Dimension::fraction: return "expected a number such as 0.25 or a percentage such as 25%";
    case Dimension::none: break;
  }
  return "expected a plain number";
}

bool fail(std::string* why, std::string message) {
  if (why != nullptr) *why = std::move(message);
  return false;
}

}  // namespace

std::string_view to_string(Dimension d) {
  switch (d) {
    case Dimension::time: return "duration";
    case Dimension::length: return "length";
    case Dimension::speed: return "speed";
    case Dimension::fraction: return "fraction";
    case Dimension::none: break;
  }
  return "number";
}

std::string_view base_unit(Dimension d) {
  switch (d) {
    case Dimension::time: return "s";
    case Dimension::length: return "m";
    case Dimension::speed: return "m/s";
    case Dimension::fraction:
    case Dimension::none: break;
  }
  return "";
}

std::string accepted_units(Dimension d) {
  if (d == Dimension::fraction) return "%";
  std::string out;
  for (const Unit& u : units_of(d)) {
    if (!out.empty()) out += ", ";
    out += u.symbol;
  }
  return out;
}

std::optional<double> parse_quantity(std::string_view text, Dimension d, std::string* why) {
  const std::string_view s = trim(text);
  if (s.empty()) {
    fail(why, "empty value; " + needs(d));
    return std::nullopt;
  }
  // from_chars takes no '+', but people write "+5" for a positive shift.
  const std::size_t skip = (s.size() > 1 && s[0] == '+' && s[1] != '-') ? 1 : 0;
  double value = 0.0;
  const auto [end, ec] = std::from_chars(s.data() + skip, s.data() + s.size(), value);
  if (ec == std::errc::invalid_argument) {
    fail(why, quoted(s) + " is not a " + std::string(to_string(d)) + "; " + needs(d));
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    fail(why, quoted(s) + " is out of range");
    return std::nullopt;
  }
  if (!std::isfinite(value)) {
    fail(why, quoted(s) + " is not a finite number");
    return std::nullopt;
  }
  const std::string_view unit = trim(std::string_view(end, static_cast<std::size_t>(s.data() + s.size() - end)));

  if (d == Dimension::none) {
    if (!unit.empty()) {
      fail(why, quoted(s) + " is not a number");
      return std::nullopt;
    }
    return value;
  }
  if (d == Dimension::fraction) {
    if (unit.empty()) return value;
    if (unit == "%") return value / 100.0;
    fail(why, quoted(s) + " is not a fraction; " + needs(d));
    return std::nullopt;
  }
  if (unit.empty()) {
    fail(why, quoted(s) + " has no unit; " + needs(d));
    return std::nullopt;
  }
  if (const Unit* u = find_unit(d, unit)) {
    const double base = value * u->factor;
    if (!std::isfinite(base)) {
      fail(why, quoted(s) + " is out of range");
      return std::nullopt;
    }
    return base;
  }
  // A unit of another dimension is a likelier mistake than a typo: say which.
  for (const Dimension other : {Dimension::time, Dimension::length, Dimension::speed}) {
    if (other != d && find_unit(other, unit) != nullptr) {
      fail(why, quoted(s) + " has unit " + quoted(unit) + ", which is a " + std::string(to_string(other)) +
                    "; " + needs(d));
      return std::nullopt;
    }
  }
  fail(why, quoted(s) + " has an unknown unit " + quoted(unit) + "; " + needs(d));
  return std::nullopt;
}

std::optional<double> time_unit_seconds(std::string_view unit) {
  if (const Unit* u = find_unit(Dimension::time, unit)) return u->factor;
  return std::nullopt;
}

}  // namespace simulacra
