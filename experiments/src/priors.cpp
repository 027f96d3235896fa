#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/calibrate.hpp"

namespace simulacra::calibrate {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
const char* const kForms =
    "uniform(a, b), loguniform(a, b), normal(mean, sd), lognormal(mean, sd), truncated(PRIOR, lo, hi), integer(PRIOR) or "
    "randint(a, b)";

// A number, with an optional unit right after it ("10d", "30%"): the unit
// must be the same as any other in the prior, and becomes `unit`.
double parse_number(const std::string& s, const std::string& whole, std::string& unit) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end == s.c_str() || !std::isfinite(v)) {
    throw UserError("prior '" + whole + "': '" + s + "' is not a number");
  }
  const std::string suffix(end);
  if (!suffix.empty()) {
    const bool word = std::all_of(suffix.begin(), suffix.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
    if (!word && suffix != "%") throw UserError("prior '" + whole + "': '" + s + "' is not a number");
    if (!unit.empty() && unit != suffix) {
      throw UserError("prior '" + whole + "': mixes the units '" + unit + "' and '" + suffix + "'");
    }
    unit = suffix;
  }
  return v;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(s.begin());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

// The arguments of NAME(...) split at top-level commas.
std::vector<std::string> arguments(const std::string& inside) {
  std::vector<std::string> out(1);
  int depth = 0;
  for (char c : inside) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  for (auto& s : out) s = trim(s);
  return out;
}

}  // namespace

Prior Prior::parse(const std::string& raw) {
  const std::string text = trim(raw);
  const auto open = text.find('(');
  if (open == std::string::npos || text.empty() || text.back() != ')') {
    throw UserError("prior '" + text + "': expected " + kForms);
  }
  const std::string name = trim(text.substr(0, open));
  const std::vector<std::string> args = arguments(text.substr(open + 1, text.size() - open - 2));
  auto want = [&](std::size_t n, const char* usage) {
    if (args.size() != n) throw UserError("prior '" + text + "': expected " + usage);
  };
  Prior p;
  if (name == "truncated") {
    want(3, "truncated(PRIOR, lo, hi)");
    p = parse(args[0]);
    if (p.integer) throw UserError("prior '" + text + "': write integer(truncated(...)), not truncated(integer(...))");
    const double lo = parse_number(args[1], text, p.unit), hi = parse_number(args[2], text, p.unit);
    if (!(lo < hi)) throw UserError("prior '" + text + "': the low end must be below the high end");
    p.truncated_low = lo;
    p.truncated_high = hi;
    p.low = std::max(p.low, lo);
    p.high = std::min(p.high, hi);
    return p;
  }
  if (name == "integer") {
    want(1, "integer(PRIOR)");
    p = parse(args[0]);
    if (p.integer) throw UserError("prior '" + text + "': already an integer prior");
    p.integer = true;
    return p;
  }
  if (name == "randint") {
    want(2, "randint(a, b)");
    const double a = parse_number(args[0], text, p.unit), b = parse_number(args[1], text, p.unit);
    if (a != std::floor(a) || b != std::floor(b) || !(a <= b)) {
      throw UserError("prior '" + text + "': expected whole numbers a <= b");
    }
    p.kind = Kind::uniform;
    p.a = a - 0.5;
    p.b = b + 0.5;
    p.integer = p.randint = true;
    return p;
  }
  if (name == "uniform") {
    p.kind = Kind::uniform;
  } else if (name == "loguniform") {
    p.kind = Kind::loguniform;
  } else if (name == "normal") {
    p.kind = Kind::normal;
  } else if (name == "lognormal") {
    p.kind = Kind::lognormal;
  } else {
    throw UserError("prior '" + text + "': unknown distribution '" + name +
                    "' (uniform, loguniform, normal, lognormal, truncated, integer, randint)");
  }
  want(2, kForms);
  p.a = parse_number(args[0], text, p.unit);
  p.b = parse_number(args[1], text, p.unit);
  if (p.kind == Kind::lognormal && !p.unit.empty()) {
    throw UserError("prior '" + text + "': lognormal's mean and sd are of the log and take no unit; write the "
                    "parameter in a unit of its own instead, e.g. loguniform(1d, 30d)");
  }
  if ((p.kind == Kind::uniform || p.kind == Kind::loguniform) && !(p.a < p.b)) {
    throw UserError("prior '" + text + "': the low end must be below the high end");
  }
  if (p.kind == Kind::loguniform && !(p.a > 0.0)) throw UserError("prior '" + text + "': loguniform needs a positive low end");
  if ((p.kind == Kind::normal || p.kind == Kind::lognormal) && !(p.b > 0.0)) {
    throw UserError("prior '" + text + "': the standard deviation must be positive");
  }
  if (p.kind == Kind::loguniform) {
    p.a = std::log(p.a);
    p.b = std::log(p.b);
  }
  return p;
}

std::string Prior::text() const {
  std::ostringstream o;
  const std::string& u = unit;
  if (randint) {
    o << "randint(" << a + 0.5 << u << ", " << b - 0.5 << u << ")";
    return o.str();
  }
  if (integer) o << "integer(";
  const bool truncated = truncated_low > -kInf || truncated_high < kInf;
  if (truncated) o << "truncated(";
  switch (kind) {
    case Kind::uniform: o << "uniform(" << a << u << ", " << b << u << ")"; break;
    case Kind::loguniform: o << "loguniform(" << std::exp(a) << u << ", " << std::exp(b) << u << ")"; break;
    case Kind::normal: o << "normal(" << a << u << ", " << b << u << ")"; break;
    case Kind::lognormal: o << "lognormal(" << a << ", " << b << ")"; break;
  }
  if (truncated) o << ", " << truncated_low << u << ", " << truncated_high << u << ")";
  if (integer) o << ")";
  return o.str();
}

double Prior::to_work(double x) const { return log_scale() ? std::log(x) : x; }
double Prior::from_work(double u) const { return log_scale() ? std::exp(u) : u; }

std::pair<double, double> Prior::work_bounds() const {
  const auto work = [&](double x) {
    if (!std::isfinite(x)) return x;
    if (log_scale() && x <= 0.0) return -kInf;
    return to_work(x);
  };
  double lo = work(low), hi = work(high);
  if (kind == Kind::uniform || kind == Kind::loguniform) {
    lo = std::max(lo, a);
    hi = std::min(hi, b);
  }
  return {lo, hi};
}

double Prior::value(double u) const {
  const double x = from_work(u);
  if (!integer) return x;
  // Rounded, and kept inside the bounds' whole numbers.
  return std::clamp(std::round(x), std::ceil(low), std::floor(high));
}

double Prior::log_density(double u) const {
  if (!std::isfinite(u)) return -kInf;
  const double x = from_work(u);
  if (!(x >= low && x <= high)) return -kInf;
  if (integer) {
    const double r = std::round(x);
    if (!(r >= low && r <= high)) return -kInf;
  }
  switch (kind) {
    case Kind::uniform:
    case Kind::loguniform:
      return u >= a && u <= b ? 0.0 : -kInf;
    case Kind::normal:
    case Kind::lognormal:
      return -0.5 * ((u - a) / b) * ((u - a) / b);
  }
  return -kInf;
}

double Prior::sample_work(RandomStream& rng) const {
  for (int tries = 0; tries < 100000; ++tries) {
    const double u = kind == Kind::uniform || kind == Kind::loguniform ? rng.uniform(a, b) : rng.normal(a, b);
    if (log_density(u) > -kInf) return u;
  }
  std::ostringstream o;
  o << "prior " << text() << " puts (almost) no mass inside the parameter's range [" << low << ", " << high << "]";
  throw UserError(o.str());
}

ParameterSummary summarize_parameter(const std::vector<double>& values, const std::vector<double>& weights,
                                     const Prior& prior, std::uint64_t seed) {
  ParameterSummary s;
  s.median = weighted_quantile(values, weights, 0.5);
  s.q05 = weighted_quantile(values, weights, 0.05);
  s.q95 = weighted_quantile(values, weights, 0.95);
  double total = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    s.mean += weights[i] * values[i];
    total += weights[i];
  }
  s.mean /= total;
  for (std::size_t i = 0; i < values.size(); ++i) s.sd += weights[i] * (values[i] - s.mean) * (values[i] - s.mean);
  s.sd = std::sqrt(s.sd / total);
  RandomStream draw(derive_seed(seed, 0x707269), 0);
  std::vector<double> prior_draws;
  for (int i = 0; i < 4000; ++i) prior_draws.push_back(prior.to_work(prior.value(prior.sample_work(draw))));
  std::sort(prior_draws.begin(), prior_draws.end());
  const double prior_width = prior_draws[3800] - prior_draws[200];
  const double post_width = prior.to_work(s.q95) - prior.to_work(s.q05);
  s.width_vs_prior = prior_width > 0.0 ? post_width / prior_width : 0.0;
  s.identified = s.width_vs_prior < 0.8;
  return s;
}

}  // namespace simulacra::calibrate
