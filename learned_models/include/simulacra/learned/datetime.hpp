// Date and time columns: the few unambiguous text formats read_csv
// recognises, parsed to seconds since 1970-01-01 (UTC, no time zones) and
// written back in the same format.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace simulacra::learned {

/// The formats a column is detected in, tried in this order: "%Y-%m-%d",
/// "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ",
/// "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y/%m/%d". Day-first and month-first
/// dates ("05/03/2024") are ambiguous and not among them.
const std::vector<std::string>& datetime_formats();

/// Seconds since 1970-01-01 00:00:00 of `text` written in `format` (one of
/// datetime_formats(); %Y four digits, the other fields two), or nothing
/// when it does not match or names an impossible date or time. Surrounding
/// blanks are ignored.
std::optional<double> parse_datetime(const std::string& text, const std::string& format);

/// `seconds` (floored to whole seconds) as text in `format`.
std::string format_datetime(double seconds, const std::string& format);

/// The format's resolution in seconds: 86400 for a date, 60 without
/// seconds, else 1. Sampled values are floored to it.
double datetime_step(const std::string& format);

/// The first of datetime_formats() in which every non-empty text parses, or
/// "" when none does (or every text is empty).
std::string detect_datetime_format(const std::vector<const std::string*>& texts);

}  // namespace simulacra::learned
