// A customer table of the kind users have: an id, a signup date, a region,
// an income with two decimals that depends on the region, and a score with
// empty cells, missing more often in one region and linked to income.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

#include "simulacra/engine/random.hpp"
#include "simulacra/learned/datetime.hpp"

namespace simulacra::test {

// Signup dates fall on weekdays of 2023-2024 only, so a sampled Saturday or
// Sunday shows dates are drawn from the range, not from the observed set.
// Score is missing in 30 % of north's rows and 8 % of the others'.
inline std::string customers_csv(std::size_t rows, std::uint64_t seed = 20) {
  RandomStream rng(seed, 0);
  const char* regions[] = {"east", "north", "south", "west"};
  const double start = *learned::parse_datetime("2023-01-02", "%Y-%m-%d");  // a Monday
  std::string out = "customer_id,signup,region,income,score\n";
  char line[160];
  for (std::size_t i = 0; i < rows; ++i) {
    const std::size_t r = rng.below(4);
    const double week = static_cast<double>(rng.below(104));
    const double day = static_cast<double>(rng.below(5));
    const std::string date = learned::format_datetime(start + (7 * week + day) * 86400, "%Y-%m-%d");
    const double z = rng.normal();
    const double income = std::round((r == 1 ? 34000 : 52000) * std::exp(0.35 * z) * 100) / 100;
    const double score = 600 + 60 * z + 30 * rng.normal();
    const bool missing = rng.uniform() < (r == 1 ? 0.30 : 0.08);
    std::string score_text;
    if (!missing) {
      char s[32];
      std::snprintf(s, sizeof s, "%.1f", score);
      score_text = s;
    }
    std::snprintf(line, sizeof line, "C%06zu,%s,%s,%.2f,%s\n", 1000 + i, date.c_str(), regions[r], income,
                  score_text.c_str());
    out += line;
  }
  return out;
}

}  // namespace simulacra::test
