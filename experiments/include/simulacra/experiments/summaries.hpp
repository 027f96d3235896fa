// Summary statistics of a series, applied alike to simulated and observed
// series so that a target can compare, e.g., peak times instead of points.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace simulacra::calibrate {

struct SummaryStatistic {
  enum class Kind { mean, sd, max, peak_time, final_value, sum, autocorr, skewness, kurtosis, quantile };
  Kind kind = Kind::mean;
  double arg = 0.0;  ///< autocorr: lag in samples (integer >= 1); quantile: q in [0, 1]

  /// Parses "STAT(SERIES)" or, for autocorr and quantile, "STAT(SERIES, ARG)",
  /// with STAT one of mean, sd, max, peak_time, final, sum, autocorr,
  /// skewness, kurtosis, quantile. Returns the statistic and SERIES, or
  /// nothing when `text` is not of the form NAME(...) with a known NAME
  /// (then it is a plain series name). Throws UserError for a known NAME with
  /// wrong arguments.
  static std::optional<std::pair<SummaryStatistic, std::string>> parse(const std::string& text);
  /// The statistic of `values` observed at `times` (peak_time returns the
  /// time of the first maximum). sd is the population standard deviation,
  /// kurtosis the excess kurtosis (0 for a normal), quantile interpolates
  /// linearly between order statistics. NaN when undefined (e.g. the sd of a
  /// constant series in skewness). Throws UserError for an empty series.
  double apply(const std::vector<double>& values, const std::vector<double>& times) const;
  std::string name() const;
};

}  // namespace simulacra::calibrate
