// Wording shared by scenario messages and `simulacra types`: likely intended
// names, numbers without noise, ranges, lists.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simulacra::scenario_detail {

/// Edit distance counting a swap of neighbours as one edit, ignoring ASCII
/// case (a wrong case is a typo too).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate `word` most likely meant, or "" when none is close enough to
/// be a typo: suggesting something unrelated is worse than saying nothing.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

/// " (did you mean 'x'?)" for the closest candidate, or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");

/// 1 -> "1", 0.25 -> "0.25", 4e9 -> "4000000000", 1e-9 -> "1e-09".
std::string format_number(double v);

/// " in [0, 1]", " >= 1 s", " <= 5", or "" with neither bound. `unit` follows
/// the numbers when not empty.
std::string range_text(std::optional<double> min, std::optional<double> max, std::string_view unit);

/// "populations" + "name" -> "populations.name"; "" + "seed" -> "seed".
std::string child_path(const std::string& parent, std::string_view key);
/// "populations" + 2 -> "populations[2]".
std::string index_path(const std::string& parent, std::size_t index);

}  // namespace simulacra::scenario_detail
