// Values as the YAML text a scenario would write, read back exactly: the
// defaults a ParamTable renders from its struct (see param_table.hpp).
#include "simulacra/engine/param_table.hpp"

#include <charconv>
#include <cmath>
#include <optional>

#include "scenario_text.hpp"

namespace simulacra::param_text {
namespace {

// "1e-05" -> "1e-5", "1e+20" -> "1e20": how people write exponents.
std::string tidy_exponent(std::string s) {
  const std::size_t e = s.find('e');
  if (e == std::string::npos) return s;
  std::string exp = s.substr(e + 1);
  std::string sign;
  if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) {
    if (exp[0] == '-') sign = "-";
    exp.erase(0, 1);
  }
  while (exp.size() > 1 && exp[0] == '0') exp.erase(0, 1);
  return s.substr(0, e + 1) + sign + exp;
}

// `v` with `digits` significant digits, %g-style.
std::string with_digits(double v, int digits) {
  char buf[64];
  if (std::abs(v) < 1e15 && std::nearbyint(v) == v) {
    const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));
    return std::string(buf, r.ptr);
  }
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, digits);
  return tidy_exponent(std::string(buf, r.ptr));
}

// The shortest text of `v` (at most `max_digits` significant digits) that
// `reads_back` accepts; nullopt if none does.
template <class ReadsBack>
std::optional<std::string> shortest(double v, int max_digits, ReadsBack reads_back) {
  for (int digits = 1; digits <= max_digits; ++digits) {
    std::string text = with_digits(v, digits);
    if (reads_back(text)) return text;
  }
  return std::nullopt;
}

struct Unit {
  const char* symbol;
  double factor;
};

}  // namespace

std::string number(double v) {
  if (v == 0.0) return "0";
  const auto text = shortest(v, 17, [&](const std::string& t) {
    double x = 0.0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), x);
    return r.ec == std::errc() && x == v;
  });
  return text ? *text : scenario_detail::format_number(v);
}

std::string quantity(double v, Dimension d) {
  if (d == Dimension::none) return number(v);
  if (d == Dimension::fraction) {
    if (v == 0.0) return "0";
    // A percentage when one reads back exactly in a few digits (30%, 0.5%).
    if (const auto pct = shortest(v * 100.0, 6, [&](const std::string& t) {
          return parse_quantity(t + "%", d, nullptr) == v;
        })) {
      return *pct + "%";
    }
    return number(v);
  }
  // Candidate units, largest first: the shortest number wins, ties to the
  // larger unit, and only the base unit takes numbers below 1 (23400 s ->
  // 6.5h, 60 s -> 1min, 0.5 s -> 0.5s, 0.01 s -> 10ms, 200 m -> 200m); a
  // speed is in km/h when it reads back so. Weeks, mm and cm are left out:
  // "14d" reads better than "2w".
  static const Unit time[] = {{"d", 86400.0}, {"h", 3600.0}, {"min", 60.0}, {"s", 1.0}, {"ms", 1e-3}};
  static const Unit length[] = {{"km", 1e3}, {"m", 1.0}};
  static const Unit speed[] = {{"km/h", 1000.0 / 3600.0}};
  const Unit* first = nullptr;
  std::size_t count = 0;
  switch (d) {
    case Dimension::time: first = time; count = std::size(time); break;
    case Dimension::length: first = length; count = std::size(length); break;
    case Dimension::speed: first = speed; count = std::size(speed); break;
    default: break;
  }
  std::optional<std::string> best;  // the number part
  const char* best_unit = "";
  for (std::size_t i = 0; v != 0.0 && i < count; ++i) {
    const Unit& u = first[i];
    const double x = v / u.factor;
    // Below 1 only in the base unit: 0.5s, not 0.0083min.
    if (std::abs(x) < 1.0 && u.factor != 1.0) continue;
    const auto text =
        shortest(x, 6, [&](const std::string& t) { return parse_quantity(t + u.symbol, d, nullptr) == v; });
    if (text && (!best || text->size() < best->size())) {
      best = text;
      best_unit = u.symbol;
    }
  }
  if (best) return *best + best_unit;
  // The base unit always reads back: its factor is 1.
  return number(v) + std::string(base_unit(d));
}

std::string list(const double* v, std::size_t n) {
  std::string out = "[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out += ", ";
    out += number(v[i]);
  }
  return out + "]";
}

std::string string(const std::string& s) {
  // Plain unless YAML would read it as something else or trip over it.
  bool plain = !s.empty() && s.find_first_of(":#{}[],&*!|>'\"%@`\n") == std::string::npos && s.front() != ' ' &&
               s.back() != ' ' && s.front() != '-' && s.front() != '?' && s != "null" && s != "~" && s != "true" &&
               s != "false";
  if (plain) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace simulacra::param_text
