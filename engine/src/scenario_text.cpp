#include "scenario_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace simulacra::scenario_detail {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment: Levenshtein plus swapping two neighbours, the
  // commonest typo of all ('twon' for 'town' is one edit, not two).
  std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1])) {
        row[j] = std::min(row[j], before[j - 2] + 1);
      }
    }
    std::swap(before, prev);
    std::swap(prev, row);
  }
  return prev[b.size()];
}

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  // Words longer than this are not names anyone meant to type; comparing them
  // would only cost time (edit distance is quadratic).
  constexpr std::size_t kLongest = 256;
  if (word.size() > kLongest) return {};
  std::string best;
  std::size_t best_distance = 0;
  for (const std::string& c : candidates) {
    if (c == word || c.size() > kLongest) continue;
    const std::size_t d = edit_distance(word, c);
    // About one edit per three letters, at most three, and never so many that
    // the whole candidate would be retyped ('x' is no typo of 's').
    const std::size_t limit = std::max<std::size_t>(1, std::min<std::size_t>(3, c.size() / 3));
    if (d > limit || d >= c.size()) continue;
    if (best.empty() || d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string c = closest(word, candidates);
  return c.empty() ? std::string() : " (did you mean '" + c + "'?)";
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += sep;
    out += items[i];
  }
  return out;
}

std::string format_number(double v) {
  char buf[64];
  if (v == 0.0) return "0";  // also -0
  if (std::abs(v) < 1e15 && std::nearbyint(v) == v) {
    const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));
    return std::string(buf, r.ptr);
  }
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string range_text(std::optional<double> min, std::optional<double> max, std::string_view unit) {
  std::string suffix;
  if (!unit.empty()) {
    suffix = " ";  // appended rather than " " + std::string(unit): GCC 12 warns falsely (-Wrestrict)
    suffix += unit;
  }
  if (min && max) return " in [" + format_number(*min) + ", " + format_number(*max) + "]" + suffix;
  if (min) return " >= " + format_number(*min) + suffix;
  if (max) return " <= " + format_number(*max) + suffix;
  return {};
}

std::string child_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

}  // namespace simulacra::scenario_detail
