// What experiments do with a market population between windows: read its
// observables, save and load its state, change live parameters, re-derive
// its random streams for a branch, and give the likelihood of the draws a
// live parameter governs (importance sampling).
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "market_internal.hpp"
#include "simulacra/agents/market/market.hpp"
#include "simulacra/engine/errors.hpp"

namespace simulacra::market {

using namespace detail;

namespace {

enum Observable : std::size_t { kMid, kSpread, kReturn, kDrawdown, kLastTrade, kVolume, kManipulative, kCount };

[[noreturn]] void damaged(const std::string& what) {
  throw CheckpointError("checkpoint is damaged: market " + what);
}

}  // namespace

ObservableSpecs MarketPopulation::observable_specs() {
  // Index order is Observable's. Prices are in initial_price's unit, as in
  // the tables (whose price columns have no unit either).
  return {
      {"mid_price", "", "symbol 0's mid price of the last two-sided book (initial_price before the first)"},
      {"spread", "", "symbol 0's best ask minus best bid of the last two-sided book, a price (0 before the first)"},
      {"return_since_open", "", "symbol 0's mid over the session's first two-sided mid, minus 1 (0 before it)"},
      {"drawdown", "", "symbol 0's fall of the mid from its highest since the open, a fraction >= 0 (0 before it)"},
      {"last_trade_price", "", "symbol 0's last execution price (initial_price before the first trade)"},
      {"volume", "shares", "shares traded so far, every symbol (shock agents' trades included)"},
      {"manipulative_orders", "", "orders-table rows of orders labelled spoof, layering or wash so far, every symbol"},
  };
}

std::vector<std::string> MarketPopulation::live_params() { return {"noise_interval", "jump_interval", "jump_sd"}; }

void MarketPopulation::observe(SimTime /*now*/, double* out) const {
  const Exchange& x = exchanges_[0];
  const double initial = params_.fundamental.initial_price;
  const bool quoted = x.two_sided_bid != kNoPrice;
  const double mid = quoted ? 0.5 * (to_price(x.two_sided_bid) + to_price(x.two_sided_ask)) : initial;
  out[kMid] = mid;
  out[kSpread] = quoted ? to_price(x.two_sided_ask) - to_price(x.two_sided_bid) : 0.0;
  out[kReturn] = quoted ? mid / x.open_mid - 1.0 : 0.0;
  out[kDrawdown] = quoted ? 1.0 - mid / x.high_mid : 0.0;
  out[kLastTrade] = x.last_trade != kNoPrice ? to_price(x.last_trade) : initial;
  std::uint64_t volume = 0, manipulative = 0;
  for (const Exchange& e : exchanges_) {
    volume += e.volume;
    manipulative += e.manipulative_orders;
  }
  out[kVolume] = static_cast<double>(volume);
  out[kManipulative] = static_cast<double>(manipulative);
  static_assert(kCount == 7, "observable_specs lists every Observable");
}

void MarketPopulation::seed_agent_streams(std::uint64_t stream_seed) {
  const std::uint64_t base = derive_seed(stream_seed, kAgentSalt);
  rng_.resize(kind_.size());
  for (std::size_t a = 0; a < rng_.size(); ++a) rng_[a] = RandomStream(base, a);
}

// Noise traders' intervals are the parameter unless a model gave them.
void MarketPopulation::apply_noise_interval() {
  if (noise_interval_from_model_) return;
  for (std::size_t a = 0; a < kind_.size(); ++a) {
    if (kind_[a] == AgentKind::noise) interval_[a] = params_.noise_interval;
  }
}

// The first grid second of the fundamentals that no event has read: events
// read the second they happen in, and every event handled so far is at or
// before the latest time an LP has handled. The same for any layout.
std::size_t MarketPopulation::read_horizon() const {
  double latest = -1.0;
  for (const Desk& d : desks_) latest = std::max(latest, d.last_time);
  for (const Exchange& x : exchanges_) latest = std::max(latest, x.last_time);
  return latest < 0.0 ? 0 : static_cast<std::size_t>(latest) + 1;
}

void MarketPopulation::redraw_paths(const PathRedraw& r) {
  FundamentalParams p = params_.fundamental;
  p.jump_interval = r.jump_interval;
  p.jump_sd = r.jump_sd;
  // Clones share the old paths; this population takes a changed copy.
  auto paths = std::make_shared<std::vector<FundamentalPath>>(*paths_);
  for (auto& path : *paths) path.redraw(static_cast<std::size_t>(r.from), p, r.seed, params_.news);
  paths_ = std::move(paths);
  redraws_.push_back(r);
}

void MarketPopulation::set_live(const std::string& key, double value) {
  if (key == "noise_interval") {
    if (!(value >= 1e-6) || !std::isfinite(value)) throw ConfigError("market: noise_interval must be at least 1e-6 s");
    if (value == params_.noise_interval) return;
    params_.noise_interval = value;
    apply_noise_interval();
    // The waits drawn so far were governed by the old value.
    std::fill(wait_count_.begin(), wait_count_.end(), 0);
    std::fill(wait_total_.begin(), wait_total_.end(), 0.0);
    return;
  }
  if (key == "jump_interval" || key == "jump_sd") {
    FundamentalParams& f = params_.fundamental;
    const bool interval = key == "jump_interval";
    if (interval ? !(value >= 0.0) || !std::isfinite(value) : !(value >= 0.0 && value <= 1.0)) {
      throw ConfigError("market: " + key + (interval ? " must be a time >= 0" : " must be in [0, 1]"));
    }
    // The same value again (a session re-applying its changes after a
    // load) must not redraw: the path is already the one it gave.
    if (value == (interval ? f.jump_interval : f.jump_sd)) return;
    (interval ? f.jump_interval : f.jump_sd) = value;
    const std::size_t from = read_horizon();
    redraw_paths({from, f.jump_interval, f.jump_sd, path_seed_});
    // The seconds read so far were drawn under the old value.
    (interval ? jump_interval_since_ : jump_sd_since_) = from;
    return;
  }
  Population::set_live(key, value);
}

void MarketPopulation::reseed(std::uint64_t stream_seed) {
  seed_agent_streams(stream_seed);
  path_seed_ = derive_seed(stream_seed, kPathSalt);
  redraw_paths({read_horizon(), params_.fundamental.jump_interval, params_.fundamental.jump_sd, path_seed_});
}

std::optional<double> MarketPopulation::log_likelihood(const std::string& key, double value) const {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (key == "noise_interval") {
    if (noise_interval_from_model_) return 0.0;
    std::uint64_t n = 0;
    double total = 0.0;
    for (std::size_t a = 0; a < kind_.size(); ++a) {
      if (kind_[a] != AgentKind::noise) continue;
      n += wait_count_[a];
      total += wait_total_[a];
    }
    if (n == 0) return 0.0;
    if (!(value > 0.0)) return -kInf;
    return -static_cast<double>(n) * std::log(value) - busiest_rate() * total / value;
  }
  if (key != "jump_interval" && key != "jump_sd") return std::nullopt;
  // The steps into seconds since .. last, where last is the last second an
  // event has read (the path the run used; later seconds are drawn ahead of
  // time, but nothing depends on them yet) and since the second the key's
  // last live change redrew from.
  const std::size_t read = read_horizon();
  const std::size_t last = read > 0 ? read - 1 : 0;
  const std::size_t since = static_cast<std::size_t>(key == "jump_interval" ? jump_interval_since_ : jump_sd_since_);
  JumpDraws d;
  for (const FundamentalPath& path : *paths_) {
    if (since > last) break;
    const JumpDraws to = path.jump_draws(last);
    const JumpDraws before = path.jump_draws(since > 0 ? since - 1 : 0);
    d.seconds += to.seconds - before.seconds;
    d.count += to.count - before.count;
    d.sum_squares += to.sum_squares - before.sum_squares;
  }
  const auto jumps = static_cast<double>(d.count);
  if (key == "jump_interval") {
    if (!(value > 0.0)) return d.count == 0 ? 0.0 : -kInf;  // no jumps at all
    return -jumps * std::log(value) - static_cast<double>(d.seconds) / value;
  }
  if (d.count == 0) return 0.0;
  // s.d. 0 has no density: the limit, +inf when every jump was 0, else -inf.
  if (!(value > 0.0)) return d.sum_squares > 0.0 ? -kInf : kInf;
  return -jumps * std::log(value) - d.sum_squares / (2.0 * value * value);
}

void MarketPopulation::state_exchange(StateArchive& ar, Exchange& x) {
  for (Ticks* t : {&x.last_trade, &x.quoted_bid, &x.quoted_ask, &x.bar_open, &x.bar_high, &x.bar_low, &x.bar_close,
                   &x.two_sided_bid, &x.two_sided_ask}) {
    ar.io(*t);
  }
  ar.io(x.quoted_bid_size);
  ar.io(x.quoted_ask_size);
  ar.io(x.feed_dirty);
  ar.io(x.bar_volume);
  ar.io(x.bar_trades);
  ar.io(x.shock_position);
  ar.io(x.shock_cash);
  ar.io(x.shock_seq);
  ar.io(x.open_mid);
  ar.io(x.high_mid);
  ar.io(x.volume);
  ar.io(x.manipulative_orders);
  ar.io(x.last_time);
  ar.io(x.shock_volume);
  ar.io(x.halted_until);
  ar.io(x.reopening);
  ar.io(x.reopen_ref);
  const std::size_t programs = x.programs.size(), buckets = x.luld.size();
  ar.io_each(x.programs, [](StateArchive& a, Program& p) {
    a.io(p.left);
    a.io(p.others_volume);
    a.io(p.participation);
    a.io(p.slice);
    a.io(p.per_slice);
    a.io(p.started);
  });
  ar.io_each(x.luld, [](StateArchive& a, LuldBucket& b) {
    a.io(b.stamp);
    a.io(b.value);
    a.io(b.shares);
  });
  if (x.programs.size() != programs || x.luld.size() != buckets) damaged("sell programs or price bands");
  // Orders waiting for kMatch (none between windows, kept for safety).
  ar.io_each(x.arrivals, [](StateArchive& a, Arrival& m) {
    a.io(m.w0);
    a.io(m.w1);
    a.io(m.kind);
    a.io(m.agent);
  });
  for (const Arrival& m : x.arrivals) {
    if (m.agent >= agent_count() || agent_of(m.w0) != m.agent || (m.kind != kLimit && m.kind != kMarket && m.kind != kCancel)) {
      damaged("order message");
    }
  }
  // The book as its resting orders in priority order; rebuilt on load.
  std::vector<RestingOrder> orders;
  if (!ar.loading()) x.book.resting(orders);
  ar.io(orders);
  if (ar.loading()) {
    x.book = LimitOrderBook(price_levels_, params_.lot_size);
    for (const RestingOrder& o : orders) {
      if (o.owner >= agent_count() || agent_of(o.id) != o.owner || !x.book.restore(o)) damaged("order book");
    }
  }
}

void MarketPopulation::state(StateArchive& ar) {
  ar.tag("market");
  std::uint64_t agents = agent_count(), symbols = params_.symbols, desks = params_.trader_lps;
  ar.io(agents);
  ar.io(symbols);
  ar.io(desks);
  if (agents != agent_count() || symbols != params_.symbols || desks != params_.trader_lps) {
    throw CheckpointError("checkpoint is of another market (" + std::to_string(agents) + " agents, " +
                          std::to_string(symbols) + " symbols, " + std::to_string(desks) +
                          " trader LPs; this one: " + std::to_string(agent_count()) + ", " +
                          std::to_string(params_.symbols) + ", " + std::to_string(params_.trader_lps) + ")");
  }

  ar.tag("market.live");
  double noise_interval = params_.noise_interval;
  double jump_interval = params_.fundamental.jump_interval, jump_sd = params_.fundamental.jump_sd;
  ar.io(noise_interval);
  ar.io(jump_interval);
  ar.io(jump_sd);
  ar.io(path_seed_);
  // The fundamentals: built from the scenario, then every redraw again.
  std::vector<PathRedraw> redraws = redraws_;
  ar.io(redraws);
  std::uint64_t interval_since = jump_interval_since_, sd_since = jump_sd_since_;
  ar.io(interval_since);
  ar.io(sd_since);
  if (ar.loading()) {
    const auto bad_jumps = [](double interval, double sd) {
      return !(interval >= 0.0) || !std::isfinite(interval) || !(sd >= 0.0 && sd <= 1.0);
    };
    if (!(noise_interval >= 1e-6) || !std::isfinite(noise_interval) || bad_jumps(jump_interval, jump_sd)) {
      damaged("live parameters");
    }
    params_.noise_interval = noise_interval;
    apply_noise_interval();
    params_.fundamental.jump_interval = jump_interval;
    params_.fundamental.jump_sd = jump_sd;
    if (!redraws_.empty()) {
      // Redrawn before the load: back to the paths as built.
      auto paths = std::make_shared<std::vector<FundamentalPath>>();
      for (std::uint32_t s = 0; s < params_.symbols; ++s) {
        paths->emplace_back(built_fundamental_, duration_, derive_seed(seed_, kPathSalt), s, params_.news);
      }
      paths_ = std::move(paths);
      redraws_.clear();
    }
    for (const PathRedraw& r : redraws) {
      if (bad_jumps(r.jump_interval, r.jump_sd)) damaged("redraw of the fundamentals");
      redraw_paths(r);
    }
    const auto since_a_redraw = [&](std::uint64_t since) {
      return since == 0 ||
             std::any_of(redraws.begin(), redraws.end(), [&](const PathRedraw& r) { return r.from == since; });
    };
    if (!since_a_redraw(interval_since) || !since_a_redraw(sd_since)) damaged("likelihood counts");
    jump_interval_since_ = interval_since;
    jump_sd_since_ = sd_since;
  }

  ar.tag("market.agents");
  const std::size_t n = kind_.size();
  ar.io(rng_);
  ar.io(next_seq_);
  ar.io(open_first_);
  ar.io(open_count_);
  ar.io(last_arrival_);
  ar.io(position_);
  ar.io(cash_);
  ar.io(orders_sent_);
  ar.io(wait_count_);
  ar.io(wait_total_);
  ar.io(stop_peak_);
  ar.io(stop_phase_);
  ar.io(honest_first_);
  ar.io(honest_count_);
  ar.io(episode_start_);
  ar.io(episode_first_);
  for (std::size_t size : {rng_.size(), next_seq_.size(), open_first_.size(), open_count_.size(), last_arrival_.size(),
                           position_.size(), cash_.size(), orders_sent_.size(), wait_count_.size(),
                           wait_total_.size(), stop_peak_.size(), stop_phase_.size(), honest_first_.size(),
                           honest_count_.size(), episode_start_.size(), episode_first_.size()}) {
    if (size != n) damaged("agent state of the wrong size");
  }
  // Finished episodes, sparsely: the agents that have some, then their lists.
  std::vector<std::uint32_t> with_episodes;
  if (!ar.loading()) {
    for (std::uint32_t a = 0; a < n; ++a) {
      if (!episodes_[a].empty()) with_episodes.push_back(a);
    }
  }
  ar.io(with_episodes);
  if (ar.loading()) episodes_.assign(n, {});
  for (const std::uint32_t a : with_episodes) {
    if (a >= n) damaged("episodes");
    ar.io_each(episodes_[a], [](StateArchive& s, Episode& e) {
      s.io(e.start);
      s.io(e.end);
      s.io(e.first);
      s.io(e.last);
      s.io(e.symbol);
      s.io(e.label);
      s.io(e.partner);
    });
  }

  ar.tag("market.desks");
  for (Desk& d : desks_) {
    ar.io(d.withdrawn_until);
    ar.io(d.last_time);
    for (View& v : d.views) {
      ar.io(v.bid);
      ar.io(v.ask);
      ar.io(v.last);
      ar.io(v.fast);
      ar.io(v.slow);
      ar.io(v.ema_time);
      ar.io(v.mid);
      ar.io(v.rv);
    }
  }

  ar.tag("market.exchanges");
  for (Exchange& x : exchanges_) state_exchange(ar, x);
  ar.tag("market.end");
}

}  // namespace simulacra::market
