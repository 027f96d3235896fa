// The fundamental value of each symbol: a mean-reverting (Ornstein-Uhlenbeck)
// log-price whose volatility and the traders' activity switch between a calm
// and an active regime (a two-state Markov chain), with Poisson jumps and the
// timeline's news jumps. Precomputed on a one-second grid when the population
// is built, then shared read-only by every LP: it is exogenous, so no LP
// needs to own it, and a clone can share it.
//
// Each one-second step draws from its own stream, keyed by (seed, second,
// symbol), so the path from any second on is a function of the state at that
// second, the parameters and the seed alone: redrawing it from a later second
// (a live change of the jump parameters, a branch's new seed) gives the same
// values however often, and in whatever order, the run was saved and resumed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace simulacra::market {

struct FundamentalParams {
  double initial_price = 100.0;
  double kappa = 1.0e-5;         ///< mean-reversion rate of the log-price, 1/s
  double sigma = 8.0e-5;         ///< calm-regime volatility of the log-price, 1/sqrt(s)
  double active_vol_ratio = 4.0; ///< volatility multiplier in the active regime
  double calm_duration = 3600.0;   ///< mean sojourn in the calm regime, s
  double active_duration = 1800.0;  ///< mean sojourn in the active regime, s
  double jump_interval = 0.0;    ///< mean time between random jumps, s (0: none)
  double jump_sd = 0.003;        ///< s.d. of a random jump in the log-price
  // The intraday U: variance (and the agents' activity) is intraday_ratio
  // times higher at the session's open and close than at its middle, with
  // mean 1 over the session (1: flat). Set from MarketParams.
  double intraday_ratio = 1.0;
  double session_open = 0.0, session_close = 23400.0;  ///< s
};

/// The intraday U-shaped multiplier at time t: (1 + a (2τ - 1)²) / (1 + a/3)
/// with a = ratio - 1 and τ the fraction of the session [open, close] gone
/// (clamped to [0, 1]); its mean over the session is 1. Its largest value,
/// at the open and close, is intraday_peak(ratio).
double intraday_factor(double ratio, double open, double close, double t);
inline double intraday_peak(double ratio) { return ratio / (1.0 + (ratio - 1.0) / 3.0); }

/// The random jumps (news excluded) drawn in a run of one-second steps: what
/// the likelihood of jump_interval and jump_sd needs. Each step draws its
/// jumps as a Poisson process of rate 1/jump_interval over the second (none
/// when jump_interval is 0), each a normal log-return of s.d. jump_sd.
struct JumpDraws {
  std::uint64_t seconds = 0;  ///< steps
  std::uint64_t count = 0;    ///< jumps in them
  double sum_squares = 0.0;   ///< sum of the jumps' squared log-returns
};

/// A news shock: at `at` the log-fundamental and its long-run mean move by `jump`.
struct NewsJump {
  double at = 0.0;
  std::uint32_t symbol = 0;
  double jump = 0.0;
};

class FundamentalPath {
 public:
  FundamentalPath() = default;
  /// Draws the path of one symbol over [0, duration] from stream seed `seed`.
  FundamentalPath(const FundamentalParams& p, double duration, std::uint64_t seed, std::uint32_t symbol,
                  const std::vector<NewsJump>& news);

  /// Redraws the path from grid second `from` on (earlier seconds keep their
  /// values) with parameters `p` and stream seed `seed`, as if they had held
  /// since second from - 1. Redrawing with the parameters and seed the path
  /// was drawn with changes nothing.
  void redraw(std::size_t from, const FundamentalParams& p, std::uint64_t seed, const std::vector<NewsJump>& news);

  /// The fundamental price at time t (held constant within each second).
  double value(double t) const;
  double log_value(double t) const { return log_value_[index(t)]; }
  /// The long-run mean price the fundamental reverts to at time t.
  double mean(double t) const;
  double log_mean(double t) const { return log_mean_[index(t)]; }
  bool active(double t) const { return active_[index(t)] != 0; }
  /// The random jumps of the steps that made the values of grid seconds 1 ..
  /// k (k is clamped to the last second held), as drawn by the path's latest
  /// draw or redraw of each.
  JumpDraws jump_draws(std::size_t k) const;
  /// Grid seconds held (the duration, rounded up, plus two).
  std::size_t seconds() const { return log_value_.size(); }

 private:
  std::size_t index(double t) const {
    if (!(t > 0.0)) return 0;
    const auto k = static_cast<std::size_t>(t);
    return k < log_value_.size() ? k : log_value_.size() - 1;
  }
  void draw(std::size_t from, const FundamentalParams& p, std::uint64_t seed, const std::vector<NewsJump>& news);

  std::uint32_t symbol_ = 0;
  double initial_log_ = 0.0;
  std::vector<double> log_value_;
  std::vector<double> log_mean_;
  std::vector<std::uint8_t> active_;
  // Totals over the steps into seconds 1 .. k of the jumps' count and squares.
  std::vector<std::uint64_t> jump_count_;
  std::vector<double> jump_squares_;
};

}  // namespace simulacra::market
