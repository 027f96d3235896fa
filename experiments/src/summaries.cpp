#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/summaries.hpp"

namespace simulacra::calibrate {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

struct Named {
  const char* name;
  SummaryStatistic::Kind kind;
  bool takes_arg;
};

constexpr Named kStats[] = {
    {"mean", SummaryStatistic::Kind::mean, false},         {"sd", SummaryStatistic::Kind::sd, false},
    {"max", SummaryStatistic::Kind::max, false},           {"peak_time", SummaryStatistic::Kind::peak_time, false},
    {"final", SummaryStatistic::Kind::final_value, false}, {"sum", SummaryStatistic::Kind::sum, false},
    {"autocorr", SummaryStatistic::Kind::autocorr, true},  {"skewness", SummaryStatistic::Kind::skewness, false},
    {"kurtosis", SummaryStatistic::Kind::kurtosis, false}, {"quantile", SummaryStatistic::Kind::quantile, true},
};

double central_moment(const std::vector<double>& v, double mean, int power) {
  double s = 0.0;
  for (double x : v) s += std::pow(x - mean, power);
  return s / static_cast<double>(v.size());
}

}  // namespace

std::optional<std::pair<SummaryStatistic, std::string>> SummaryStatistic::parse(const std::string& raw) {
  const std::string text = trim(raw);
  const auto open = text.find('(');
  if (open == std::string::npos || text.back() != ')') return std::nullopt;
  const std::string name = trim(text.substr(0, open));
  const Named* found = nullptr;
  for (const auto& s : kStats) {
    if (name == s.name) found = &s;
  }
  if (found == nullptr) return std::nullopt;
  const std::string inside = text.substr(open + 1, text.size() - open - 2);
  const auto comma = inside.rfind(',');
  SummaryStatistic st;
  st.kind = found->kind;
  std::string series = trim(inside);
  if (found->takes_arg) {
    const std::string usage = name == "autocorr" ? "autocorr(SERIES, LAG)" : "quantile(SERIES, Q)";
    if (comma == std::string::npos) throw UserError("'" + text + "': expected " + usage);
    series = trim(inside.substr(0, comma));
    const std::string arg = trim(inside.substr(comma + 1));
    char* end = nullptr;
    st.arg = std::strtod(arg.c_str(), &end);
    if (arg.empty() || *end != '\0' || !std::isfinite(st.arg)) throw UserError("'" + text + "': '" + arg + "' is not a number");
    if (st.kind == Kind::autocorr && !(st.arg >= 1.0 && st.arg == std::floor(st.arg))) {
      throw UserError("'" + text + "': the lag must be a whole number >= 1");
    }
    if (st.kind == Kind::quantile && !(st.arg >= 0.0 && st.arg <= 1.0)) throw UserError("'" + text + "': q must be in [0, 1]");
  }
  if (series.empty()) throw UserError("'" + text + "': no series named");
  return std::make_pair(st, series);
}

double SummaryStatistic::apply(const std::vector<double>& v, const std::vector<double>& times) const {
  if (v.empty()) throw UserError("summary " + name() + " of an empty series");
  const double n = static_cast<double>(v.size());
  double mean = 0.0;
  for (double x : v) mean += x;
  mean /= n;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  switch (kind) {
    case Kind::mean: return mean;
    case Kind::sd: return std::sqrt(central_moment(v, mean, 2));
    case Kind::max: return *std::max_element(v.begin(), v.end());
    case Kind::peak_time: return times.at(static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin()));
    case Kind::final_value: return v.back();
    case Kind::sum: return mean * n;
    case Kind::autocorr: {
      const auto lag = static_cast<std::size_t>(arg);
      const double var = central_moment(v, mean, 2);
      if (lag >= v.size() || !(var > 0.0)) return nan;
      double c = 0.0;
      for (std::size_t i = lag; i < v.size(); ++i) c += (v[i] - mean) * (v[i - lag] - mean);
      return c / n / var;
    }
    case Kind::skewness: {
      const double var = central_moment(v, mean, 2);
      return var > 0.0 ? central_moment(v, mean, 3) / std::pow(var, 1.5) : nan;
    }
    case Kind::kurtosis: {
      const double var = central_moment(v, mean, 2);
      return var > 0.0 ? central_moment(v, mean, 4) / (var * var) - 3.0 : nan;
    }
    case Kind::quantile: {
      std::vector<double> s = v;
      std::sort(s.begin(), s.end());
      const double h = arg * (n - 1.0);
      const auto lo = static_cast<std::size_t>(std::floor(h));
      const std::size_t hi = std::min(lo + 1, s.size() - 1);
      return s[lo] + (h - std::floor(h)) * (s[hi] - s[lo]);
    }
  }
  return nan;
}

std::string SummaryStatistic::name() const {
  for (const auto& s : kStats) {
    if (s.kind == kind) {
      if (!s.takes_arg) return s.name;
      std::ostringstream o;
      o << s.name << "(" << arg << ")";
      return o.str();
    }
  }
  return "?";
}

}  // namespace simulacra::calibrate
