#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <sstream>

#include "simulacra/engine/errors.hpp"
#include "simulacra/experiments/calibrate.hpp"

namespace simulacra::calibrate {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double parse_number(const std::string& s, const std::string& whole) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end == s.c_str() || *end != '\0' || !std::isfinite(v)) {
    throw UserError("prior '" + whole + "': '" + s + "' is not a number");
  }
  return v;
}

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

Prior Prior::parse(const std::string& text) {
  const auto open = text.find('('), close = text.rfind(')'), comma = text.find(',');
  if (open == std::string::npos || close != text.size() - 1 || comma == std::string::npos || comma > close) {
    throw UserError("prior '" + text + "': expected uniform(a, b), loguniform(a, b), normal(mean, sd) or lognormal(mean, sd)");
  }
  const std::string name = trim(text.substr(0, open));
  Prior p;
  if (name == "uniform") {
    p.kind = Kind::uniform;
  } else if (name == "loguniform") {
    p.kind = Kind::loguniform;
  } else if (name == "normal") {
    p.kind = Kind::normal;
  } else if (name == "lognormal") {
    p.kind = Kind::lognormal;
  } else {
    throw UserError("prior '" + text + "': unknown distribution '" + name + "' (uniform, loguniform, normal, lognormal)");
  }
  p.a = parse_number(trim(text.substr(open + 1, comma - open - 1)), text);
  p.b = parse_number(trim(text.substr(comma + 1, close - comma - 1)), text);
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
  switch (kind) {
    case Kind::uniform: o << "uniform(" << a << ", " << b << ")"; break;
    case Kind::loguniform: o << "loguniform(" << std::exp(a) << ", " << std::exp(b) << ")"; break;
    case Kind::normal: o << "normal(" << a << ", " << b << ")"; break;
    case Kind::lognormal: o << "lognormal(" << a << ", " << b << ")"; break;
  }
  return o.str();
}

double Prior::to_work(double x) const { return log_scale() ? std::log(x) : x; }
double Prior::from_work(double u) const { return log_scale() ? std::exp(u) : u; }

double Prior::log_density(double u) const {
  const double x = from_work(u);
  if (!(x >= low && x <= high) || !std::isfinite(u)) return -kInf;
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
  throw UserError("prior " + text() + " puts (almost) no mass inside the parameter's range [" + std::to_string(low) + ", " +
                  std::to_string(high) + "]");
}

double weighted_quantile(std::vector<double> values, const std::vector<double>& weights, double q) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return values[x] < values[y]; });
  double total = 0.0;
  for (double w : weights) total += w;
  double acc = 0.0;
  for (std::size_t i : order) {
    acc += weights[i];
    if (acc >= q * total) return values[i];
  }
  return values[order.back()];
}

AbcResult run_abc_smc(const std::vector<Prior>& priors, const Distance& distance, const AbcOptions& o,
                      const AbcProgress& progress) {
  if (priors.empty()) throw UserError("calibrate: nothing to fit");
  if (o.population < 10) throw UserError("calibrate: a population of at least 10 particles is needed");
  if (o.budget < 2 * o.population) throw UserError("calibrate: the budget must allow at least two generations' worth of runs");
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t d = priors.size();
  RandomStream rng(derive_seed(o.seed, 0x616263), 0);  // "abc": proposals, in a fixed order
  AbcResult r;
  std::uint64_t sim_index = 0;
  EnsembleOptions ens = o.ensemble;
  ens.threads_per_job = 1;

  // Simulates a batch of proposals (work coordinates) in parallel.
  auto simulate = [&](const std::vector<std::vector<double>>& work) {
    std::vector<double> dist(work.size());
    const std::uint64_t first = sim_index;
    run_ensemble(work.size(), ens, [&](std::size_t i, unsigned) {
      std::vector<double> theta(d);
      for (std::size_t k = 0; k < d; ++k) theta[k] = priors[k].from_work(work[i][k]);
      const double v = distance(theta, derive_seed(o.seed, first + i));
      dist[i] = std::isnan(v) ? kInf : v;
    }).rethrow_first_error();
    sim_index += work.size();
    r.simulations += work.size();
    return dist;
  };

  // Generation 0: the prior; keep the best `population` of population / quantile draws.
  const auto first_count = std::min<std::size_t>(o.budget / 2, static_cast<std::size_t>(std::ceil(static_cast<double>(o.population) / o.quantile)));
  std::vector<std::vector<double>> work(first_count, std::vector<double>(d));
  for (auto& w : work) {
    for (std::size_t k = 0; k < d; ++k) w[k] = priors[k].sample_work(rng);
  }
  std::vector<double> dist = simulate(work);
  std::vector<std::size_t> order(work.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return dist[x] < dist[y]; });
  order.resize(o.population);
  std::vector<std::vector<double>> particles;
  std::vector<double> weights(o.population, 1.0 / static_cast<double>(o.population)), distances;
  for (std::size_t i : order) {
    particles.push_back(work[i]);
    distances.push_back(dist[i]);
  }
  r.generations.push_back(Generation{distances.back(), first_count, o.population, static_cast<double>(o.population)});
  if (progress) progress(r.generations.back(), r.simulations);

  while (r.simulations < o.budget) {
    const double eps = weighted_quantile(distances, std::vector<double>(distances.size(), 1.0), o.quantile);
    // Kernel: Gaussian, per coordinate, twice the weighted variance.
    std::vector<double> sd(d);
    for (std::size_t k = 0; k < d; ++k) {
      double m = 0.0, v = 0.0;
      for (std::size_t i = 0; i < particles.size(); ++i) m += weights[i] * particles[i][k];
      for (std::size_t i = 0; i < particles.size(); ++i) v += weights[i] * (particles[i][k] - m) * (particles[i][k] - m);
      sd[k] = std::sqrt(std::max(2.0 * v, 1e-24));
    }
    std::vector<double> cumulative(weights.size());
    std::partial_sum(weights.begin(), weights.end(), cumulative.begin());
    std::vector<std::vector<double>> next;
    std::vector<double> next_dist;
    std::size_t proposed = 0;
    while (next.size() < o.population && r.simulations < o.budget) {
      const std::size_t batch = std::min(o.batch, o.budget - r.simulations);
      std::vector<std::vector<double>> props;
      while (props.size() < batch) {
        const double u = rng.uniform() * cumulative.back();
        const auto j = static_cast<std::size_t>(std::lower_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin());
        std::vector<double> p(d);
        bool inside = true;
        for (std::size_t k = 0; k < d; ++k) {
          p[k] = particles[std::min(j, particles.size() - 1)][k] + sd[k] * rng.normal();
          inside = inside && priors[k].log_density(p[k]) > -kInf;
        }
        if (inside) props.push_back(std::move(p));
      }
      const std::vector<double> dd = simulate(props);
      proposed += props.size();
      for (std::size_t i = 0; i < props.size() && next.size() < o.population; ++i) {
        if (dd[i] <= eps) {
          next.push_back(props[i]);
          next_dist.push_back(dd[i]);
        }
      }
    }
    const double acceptance = static_cast<double>(next.size()) / static_cast<double>(std::max<std::size_t>(proposed, 1));
    if (next.size() < o.population) break;  // budget spent mid-generation: keep the last full one
    // Importance weights: prior / mixture of kernels around the previous particles.
    std::vector<double> w(next.size());
    for (std::size_t i = 0; i < next.size(); ++i) {
      double prior = 0.0;
      for (std::size_t k = 0; k < d; ++k) prior += priors[k].log_density(next[i][k]);
      double mix = 0.0;
      for (std::size_t j = 0; j < particles.size(); ++j) {
        double lk = 0.0;
        for (std::size_t k = 0; k < d; ++k) {
          const double z = (next[i][k] - particles[j][k]) / sd[k];
          lk += -0.5 * z * z;
        }
        mix += weights[j] * std::exp(lk);
      }
      w[i] = std::exp(prior) / mix;
    }
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    double ess_den = 0.0;
    for (auto& x : w) {
      x /= total;
      ess_den += x * x;
    }
    particles = std::move(next);
    distances = std::move(next_dist);
    weights = std::move(w);
    r.generations.push_back(Generation{eps, proposed, particles.size(), 1.0 / ess_den});
    if (progress) progress(r.generations.back(), r.simulations);
    if (acceptance < o.min_acceptance) break;
  }
  for (const auto& p : particles) {
    std::vector<double> theta(d);
    for (std::size_t k = 0; k < d; ++k) theta[k] = priors[k].from_work(p[k]);
    r.particles.push_back(std::move(theta));
  }
  r.weights = weights;
  r.distances = distances;
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace simulacra::calibrate
