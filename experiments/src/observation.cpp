#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/observation.hpp"

namespace simulacra::calibrate {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTiny = 1e-9;

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// y ln(y / m), 0 for y = 0.
double ylog(double y, double m) { return y > 0.0 ? y * std::log(y / m) : 0.0; }

// Poisson draw: inversion for small means, PTRS (Hörmann 1993) otherwise.
double poisson(double mean, RandomStream& rng) {
  if (!(mean > 0.0)) return 0.0;
  if (mean < 30.0) {
    const double limit = std::exp(-mean);
    double p = rng.uniform_pos();
    double k = 0.0;
    while (p > limit) {
      p *= rng.uniform_pos();
      k += 1.0;
    }
    return k;
  }
  const double slam = std::sqrt(mean), loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b, invalpha = 1.1239 + 1.1328 / (b - 3.4),
               vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = rng.uniform() - 0.5, v = rng.uniform_pos(), us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <= -mean + k * loglam - std::lgamma(k + 1)) return k;
  }
}

// Binomial draw by geometric waiting times (expected O(n p) steps).
double binomial(double n, double p, RandomStream& rng) {
  if (!(p > 0.0) || !(n >= 1.0)) return 0.0;
  if (p >= 1.0) return n;
  const double lq = std::log1p(-p);
  double x = 0.0, pos = 0.0;
  for (;;) {
    pos += std::floor(std::log(rng.uniform_pos()) / lq) + 1.0;
    if (pos > n) return x;
    x += 1.0;
  }
}

}  // namespace

ObservationModel ObservationModel::parse(const std::string& raw, const std::vector<std::string>& fitted_names) {
  const std::string text = trim(raw);
  ObservationModel m;
  if (text == "exact") return m;
  if (text == "poisson") {
    m.kind = Kind::poisson;
    return m;
  }
  const auto open = text.find('(');
  if (open == std::string::npos || text.back() != ')') {
    throw UserError("observation model '" + text + "': expected exact, poisson, negbin(k) or binomial(rho)");
  }
  const std::string name = trim(text.substr(0, open)), arg = trim(text.substr(open + 1, text.size() - open - 2));
  char* end = nullptr;
  const double v = std::strtod(arg.c_str(), &end);
  const bool number = !arg.empty() && *end == '\0' && std::isfinite(v);
  if (name == "negbin") {
    m.kind = Kind::negbin;
    if (!number || !(v > 0.0)) throw UserError("observation model '" + text + "': the dispersion k must be a number > 0");
    m.param = v;
  } else if (name == "binomial") {
    m.kind = Kind::binomial;
    if (number) {
      if (!(v > 0.0 && v <= 1.0)) throw UserError("observation model '" + text + "': the reporting rate must be in (0, 1]");
      m.param = v;
    } else {
      const auto it = std::find(fitted_names.begin(), fitted_names.end(), arg);
      if (it == fitted_names.end()) {
        throw UserError("observation model '" + text + "': '" + arg +
                        "' is neither a number in (0, 1] nor a fitted parameter (add --fit '" + arg + "=uniform(0.1,1)')");
      }
      m.fitted = static_cast<int>(it - fitted_names.begin());
    }
  } else {
    throw UserError("observation model '" + text + "': unknown model '" + name + "' (exact, poisson, negbin(k), binomial(rho))");
  }
  return m;
}

double ObservationModel::parameter(const std::vector<double>& theta) const {
  return fitted >= 0 ? theta.at(static_cast<std::size_t>(fitted)) : param;
}

double ObservationModel::discrepancy(const std::vector<double>& s, const std::vector<double>& y,
                                     const std::vector<double>& theta) const {
  double d = 0.0;
  const double p = parameter(theta);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double yi = std::max(y[i], 0.0);
    switch (kind) {
      case Kind::exact: d += (s[i] - y[i]) * (s[i] - y[i]); break;
      case Kind::poisson: {
        const double m = std::max(s[i], kTiny);
        d += 2.0 * (ylog(yi, m) - (yi - m));
        break;
      }
      case Kind::negbin: {
        const double m = std::max(s[i], kTiny);
        d += 2.0 * (ylog(yi, m) - (yi + p) * std::log((yi + p) / (m + p)));
        break;
      }
      case Kind::binomial: {
        const double n = std::max(s[i], 0.0);
        if (yi > n + 1e-9) return kInf;  // more reported than simulated: impossible under the model
        const double m = std::max(p * n, kTiny);
        d += 2.0 * (ylog(yi, m) + (n - yi > 0.0 ? (n - yi) * std::log((n - yi) / std::max(n - m, kTiny)) : 0.0));
        break;
      }
    }
  }
  if (kind == Kind::exact) return s.empty() ? 0.0 : std::sqrt(d / static_cast<double>(s.size()));
  return std::max(d, 0.0);
}

std::vector<double> ObservationModel::sample(const std::vector<double>& simulated, const std::vector<double>& theta,
                                             RandomStream& rng) const {
  std::vector<double> out(simulated.size());
  const double p = parameter(theta);
  for (std::size_t i = 0; i < simulated.size(); ++i) {
    const double m = std::max(simulated[i], 0.0);
    switch (kind) {
      case Kind::exact: out[i] = simulated[i]; break;
      case Kind::poisson: out[i] = poisson(m, rng); break;
      case Kind::negbin: out[i] = m > 0.0 ? poisson(rng.gamma(p, m / p), rng) : 0.0; break;
      case Kind::binomial: out[i] = binomial(std::round(m), p, rng); break;
    }
  }
  return out;
}

std::string ObservationModel::text(const std::vector<std::string>& names) const {
  std::ostringstream o;
  switch (kind) {
    case Kind::exact: o << "exact"; break;
    case Kind::poisson: o << "poisson"; break;
    case Kind::negbin: o << "negbin(" << param << ")"; break;
    case Kind::binomial:
      o << "binomial(";
      if (fitted >= 0) {
        o << names.at(static_cast<std::size_t>(fitted));
      } else {
        o << param;
      }
      o << ")";
      break;
  }
  return o.str();
}

}  // namespace simulacra::calibrate
