#include "simulacra/agents/market/fundamental.hpp"

#include <algorithm>
#include <cmath>

#include "simulacra/engine/random.hpp"

namespace simulacra::market {

namespace {

struct State {
  double x;     // log value
  double m;     // log long-run mean
  bool active;  // regime
};

struct StepJumps {
  std::uint64_t count = 0;
  double squares = 0.0;
};

}  // namespace

double intraday_factor(double ratio, double open, double close, double t) {
  const double tau = std::clamp((t - open) / (close - open), 0.0, 1.0);
  const double a = ratio - 1.0;
  return (1.0 + a * (2.0 * tau - 1.0) * (2.0 * tau - 1.0)) / (1.0 + a / 3.0);
}

namespace {

// One second, from grid second k to k + 1: regime switches within the second
// (exact for the two-state chain, by memorylessness), the exact OU transition
// under the regime it ends in, then the random jumps of the second. Each
// second has its own stream; the jumps draw last, so their parameters change
// nothing else. Returns the jumps drawn, for the likelihood of their parameters.
StepJumps step(State& s, const FundamentalParams& p, std::uint64_t seed, std::size_t k, std::uint32_t symbol) {
  RandomStream rng(derive_seed(seed, k), symbol);
  for (double left = 1.0;;) {
    const double d = rng.exponential(s.active ? p.active_duration : p.calm_duration);
    if (d > left) break;
    left -= d;
    s.active = !s.active;
  }
  const double decay = std::exp(-p.kappa);
  const double unit_var = p.kappa > 0.0 ? (1.0 - decay * decay) / (2.0 * p.kappa) : 1.0;
  const double u = p.intraday_ratio == 1.0 ? 1.0 : intraday_factor(p.intraday_ratio, p.session_open, p.session_close, static_cast<double>(k) + 0.5);
  const double sd = p.sigma * (s.active ? p.active_vol_ratio : 1.0) * std::sqrt(unit_var * u);
  s.x = s.m + (s.x - s.m) * decay + sd * rng.normal();
  StepJumps j;
  if (p.jump_interval > 0.0) {
    for (double at = rng.exponential(p.jump_interval); at <= 1.0; at += rng.exponential(p.jump_interval)) {
      const double jump = rng.normal(0.0, p.jump_sd);
      s.x += jump;
      ++j.count;
      j.squares += jump * jump;
    }
  }
  return j;
}

}  // namespace

FundamentalPath::FundamentalPath(const FundamentalParams& p, double duration, std::uint64_t seed,
                                 std::uint32_t symbol, const std::vector<NewsJump>& news)
    : symbol_(symbol), initial_log_(std::log(p.initial_price)) {
  const auto n = static_cast<std::size_t>(std::ceil(duration > 0.0 ? duration : 0.0)) + 2;
  log_value_.resize(n);
  log_mean_.resize(n);
  active_.resize(n);
  jump_count_.resize(n);
  jump_squares_.resize(n);
  draw(0, p, seed, news);
}

void FundamentalPath::redraw(std::size_t from, const FundamentalParams& p, std::uint64_t seed,
                             const std::vector<NewsJump>& news) {
  if (from < log_value_.size()) draw(from, p, seed, news);
}

void FundamentalPath::draw(std::size_t from, const FundamentalParams& p, std::uint64_t seed,
                           const std::vector<NewsJump>& news) {
  State s{initial_log_, initial_log_, false};
  StepJumps total;  // through the current second
  const auto add = [&total](const StepJumps& j) {
    total.count += j.count;
    total.squares += j.squares;
  };
  if (from > 0) {
    s = State{log_value_[from - 1], log_mean_[from - 1], active_[from - 1] != 0};
    total = StepJumps{jump_count_[from - 1], jump_squares_[from - 1]};
    add(step(s, p, seed, from - 1, symbol_));
  }
  for (std::size_t k = from; k < log_value_.size(); ++k) {
    const auto t = static_cast<double>(k);
    for (const NewsJump& j : news) {
      if (j.symbol == symbol_ && j.at > t - 1.0 && j.at <= t) {
        s.x += j.jump;
        s.m += j.jump;
      }
    }
    log_value_[k] = s.x;
    log_mean_[k] = s.m;
    active_[k] = s.active ? 1 : 0;
    jump_count_[k] = total.count;
    jump_squares_[k] = total.squares;
    if (k + 1 < log_value_.size()) add(step(s, p, seed, k, symbol_));
  }
}

JumpDraws FundamentalPath::jump_draws(std::size_t k) const {
  if (log_value_.empty()) return {};
  k = std::min(k, log_value_.size() - 1);
  return {k, jump_count_[k], jump_squares_[k]};
}

double FundamentalPath::value(double t) const { return std::exp(log_value(t)); }
double FundamentalPath::mean(double t) const { return std::exp(log_mean(t)); }

}  // namespace simulacra::market
