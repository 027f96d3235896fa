// Quantities with units as scenario files write them, and the messages for
// values that are not.
#include <catch2/catch.hpp>

#include <string>

#include "simulacra/engine/quantity.hpp"

using simulacra::Dimension;
using simulacra::parse_quantity;

namespace {

double value(std::string_view text, Dimension d) {
  std::string why;
  const auto v = parse_quantity(text, d, &why);
  INFO(text << ": " << why);
  REQUIRE(v.has_value());
  return *v;
}

std::string error(std::string_view text, Dimension d) {
  std::string why;
  const auto v = parse_quantity(text, d, &why);
  INFO(text);
  REQUIRE_FALSE(v.has_value());
  return why;
}

}  // namespace

TEST_CASE("time units convert to seconds", "[quantity]") {
  CHECK(value("1500ms", Dimension::time) == Approx(1.5));
  CHECK(value("30s", Dimension::time) == 30.0);
  CHECK(value("15min", Dimension::time) == 900.0);
  CHECK(value("2h", Dimension::time) == 7200.0);
  CHECK(value("90d", Dimension::time) == 7776000.0);
  CHECK(value("1w", Dimension::time) == 604800.0);
  CHECK(value("0.5h", Dimension::time) == 1800.0);
  CHECK(value("1e3s", Dimension::time) == 1000.0);
  CHECK(value("-5d", Dimension::time) == -432000.0);  // ranges are the caller's business
}

TEST_CASE("whitespace between number and unit and around the value is allowed", "[quantity]") {
  CHECK(value("30 s", Dimension::time) == 30.0);
  CHECK(value("  2\th  ", Dimension::time) == 7200.0);
  CHECK(value("+3 min", Dimension::time) == 180.0);
}

TEST_CASE("length units convert to metres", "[quantity]") {
  CHECK(value("5mm", Dimension::length) == Approx(0.005));
  CHECK(value("3cm", Dimension::length) == Approx(0.03));
  CHECK(value("200m", Dimension::length) == 200.0);
  CHECK(value("1.5km", Dimension::length) == 1500.0);
}

TEST_CASE("speed units convert to metres per second", "[quantity]") {
  CHECK(value("50km/h", Dimension::speed) == Approx(13.888888888888889));
  CHECK(value("1.2 m/s", Dimension::speed) == 1.2);
  CHECK(value("10mph", Dimension::speed) == Approx(4.4704));
}

TEST_CASE("fractions are percentages or plain numbers", "[quantity]") {
  CHECK(value("25%", Dimension::fraction) == 0.25);
  CHECK(value("12.5 %", Dimension::fraction) == 0.125);
  CHECK(value("0.3", Dimension::fraction) == 0.3);
  CHECK(value("150%", Dimension::fraction) == 1.5);
}

TEST_CASE("plain numbers", "[quantity]") {
  CHECK(value("2.5", Dimension::none) == 2.5);
  CHECK(value("1e-3", Dimension::none) == 0.001);
  CHECK(value("-7", Dimension::none) == -7.0);
}

TEST_CASE("a bare number where a unit is required says which units are accepted", "[quantity]") {
  CHECK(error("30", Dimension::time) == "'30' has no unit; a duration needs one of ms, s, min, h, d, w");
  CHECK(error("200", Dimension::length) == "'200' has no unit; a length needs one of mm, cm, m, km");
  CHECK(error("50", Dimension::speed) == "'50' has no unit; a speed needs one of m/s, km/h, mph");
}

TEST_CASE("unknown units and units of another dimension", "[quantity]") {
  CHECK(error("30 sec", Dimension::time) ==
        "'30 sec' has an unknown unit 'sec'; a duration needs one of ms, s, min, h, d, w");
  CHECK(error("5km", Dimension::time) ==
        "'5km' has unit 'km', which is a length; a duration needs one of ms, s, min, h, d, w");
  CHECK(error("3h", Dimension::speed) == "'3h' has unit 'h', which is a duration; a speed needs one of m/s, km/h, mph");
  CHECK(error("25 pct", Dimension::fraction) ==
        "'25 pct' is not a fraction; expected a number such as 0.25 or a percentage such as 25%");
  CHECK(error("3x", Dimension::none) == "'3x' is not a number");
  CHECK(error("5%", Dimension::none) == "'5%' is not a number");
}

TEST_CASE("garbage, empty text, NaN and infinities are rejected", "[quantity]") {
  CHECK(error("abc", Dimension::time) == "'abc' is not a duration; a duration needs one of ms, s, min, h, d, w");
  CHECK(error("", Dimension::time) == "empty value; a duration needs one of ms, s, min, h, d, w");
  CHECK(error("   ", Dimension::none) == "empty value; expected a plain number");
  CHECK(error("nan", Dimension::none) == "'nan' is not a finite number");
  CHECK(error("inf s", Dimension::time) == "'inf s' is not a finite number");
  CHECK(error("-infinity", Dimension::fraction) == "'-infinity' is not a finite number");
  CHECK(error("1e999s", Dimension::time) == "'1e999s' is out of range");
  CHECK(error("1e308w", Dimension::time) == "'1e308w' is out of range");
  CHECK(error("s", Dimension::time) == "'s' is not a duration; a duration needs one of ms, s, min, h, d, w");
  CHECK(error("1.5.3s", Dimension::time) ==
        "'1.5.3s' has an unknown unit '.3s'; a duration needs one of ms, s, min, h, d, w");
  CHECK(error("0x10", Dimension::none) == "'0x10' is not a number");
}

TEST_CASE("the reason is optional", "[quantity]") {
  CHECK_FALSE(parse_quantity("30", Dimension::time, nullptr).has_value());
  CHECK(parse_quantity("30s", Dimension::time, nullptr) == 30.0);
}

TEST_CASE("dimension names, base units and unit lists", "[quantity]") {
  CHECK(simulacra::to_string(Dimension::time) == "duration");
  CHECK(simulacra::to_string(Dimension::length) == "length");
  CHECK(simulacra::to_string(Dimension::speed) == "speed");
  CHECK(simulacra::to_string(Dimension::fraction) == "fraction");
  CHECK(simulacra::to_string(Dimension::none) == "number");
  CHECK(simulacra::base_unit(Dimension::time) == "s");
  CHECK(simulacra::base_unit(Dimension::length) == "m");
  CHECK(simulacra::base_unit(Dimension::speed) == "m/s");
  CHECK(simulacra::base_unit(Dimension::fraction).empty());
  CHECK(simulacra::accepted_units(Dimension::time) == "ms, s, min, h, d, w");
  CHECK(simulacra::accepted_units(Dimension::length) == "mm, cm, m, km");
  CHECK(simulacra::accepted_units(Dimension::speed) == "m/s, km/h, mph");
  CHECK(simulacra::accepted_units(Dimension::fraction) == "%");
}

TEST_CASE("time unit symbols", "[quantity]") {
  CHECK(simulacra::time_unit_seconds("d") == 86400.0);
  CHECK(simulacra::time_unit_seconds("min") == 60.0);
  CHECK(simulacra::time_unit_seconds("ms") == 0.001);
  CHECK_FALSE(simulacra::time_unit_seconds("km").has_value());
  CHECK_FALSE(simulacra::time_unit_seconds("").has_value());
}
