#include "simulacra/agents/market/fundamental.hpp"

#include <cmath>

#include "simulacra/engine/random.hpp"

namespace simulacra::market {

FundamentalPath::FundamentalPath(const FundamentalParams& p, double duration, std::uint64_t seed,
                                 std::uint32_t symbol, const std::vector<NewsJump>& news) {
  const auto n = static_cast<std::size_t>(std::ceil(duration > 0.0 ? duration : 0.0)) + 2;
  value_.resize(n);
  mean_.resize(n);
  active_.resize(n);
  RandomStream rng(derive_seed(seed, 0x66756e64ULL), symbol);
  // Exact OU transition over one second, so the path does not depend on a
  // discretisation error.
  const double decay = std::exp(-p.kappa);
  const double unit_var = p.kappa > 0.0 ? (1.0 - decay * decay) / (2.0 * p.kappa) : 1.0;
  double m = std::log(p.initial_price);
  double x = m;
  bool active = false;
  double switch_at = rng.exponential(p.calm_duration);
  double next_jump = p.jump_interval > 0.0 ? rng.exponential(p.jump_interval) : INFINITY;
  for (std::size_t k = 0; k < n; ++k) {
    const auto t = static_cast<double>(k);
    for (const NewsJump& j : news) {
      if (j.symbol == symbol && j.at > t - 1.0 && j.at <= t) {
        x += j.jump;
        m += j.jump;
      }
    }
    value_[k] = std::exp(x);
    mean_[k] = std::exp(m);
    active_[k] = active ? 1 : 0;
    while (switch_at <= t + 1.0) {
      active = !active;
      switch_at += rng.exponential(active ? p.active_duration : p.calm_duration);
    }
    const double sd = p.sigma * (active ? p.active_vol_ratio : 1.0) * std::sqrt(unit_var);
    x = m + (x - m) * decay + sd * rng.normal();
    while (next_jump <= t + 1.0) {
      x += rng.normal(0.0, p.jump_sd);
      next_jump += rng.exponential(p.jump_interval);
    }
  }
}

}  // namespace simulacra::market
