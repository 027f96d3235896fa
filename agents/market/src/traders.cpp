// The trader LPs: each holds a round-robin share of the agents, keeps a view
// of each symbol from the exchange's feed, and wakes its agents to act by
// kind. Every order reaches the exchange after latency + jitter, in the order
// the agent sent it. Agents draw only from their own streams (rng_), never
// from the LP's, so what an agent does does not depend on its LP.
#include <algorithm>
#include <cmath>

#include "market_internal.hpp"
#include "simulacra/agents/market/market.hpp"

namespace simulacra::market {

using namespace detail;

void MarketPopulation::trader_init(Context& ctx, std::uint32_t g) {
  for (std::uint32_t a = g; a < agent_count(); a += params_.trader_lps) {
    if (kind_[a] == AgentKind::maker) {
      ctx.send_self(SimTime{params_.session_open + interval_[a] * rng_[a].uniform()}, kWake, {a, 0});
    } else if (kind_[a] == AgentKind::stop_loss) {
      // Entries spread over the first re-entry time, so they do not all buy at the open.
      ctx.send_self(SimTime{params_.session_open + interval_[a] * rng_[a].uniform()}, kWake, {a, kStepStopEntry});
    } else {
      ctx.send_self(SimTime{params_.session_open}, kWake, {a, kStepFirst});
    }
  }
  for (const MarketShock& s : params_.shocks) {
    if (s.kind == MarketShock::Kind::maker_withdrawal) ctx.send_self(SimTime{s.at}, kWithdraw, {0, to_bits(s.duration)});
  }
}

// Arrivals at the busiest rate; wake() thins them to the rate of the regime and
// the time of day, which samples the modulated Poisson process exactly.
void MarketPopulation::schedule_wake(Context& ctx, std::uint32_t a, double mean_interval) {
  const double wait = rng_[a].exponential(mean_interval / busiest_rate());
  ++wait_count_[a];
  wait_total_[a] += wait;
  ctx.send_self(SimTime{wait}, kWake, {a, 0});
}

bool MarketPopulation::thinned(RandomStream& rng, std::uint32_t sym, double t) const {
  double rate = (*paths_)[sym].active(t) ? params_.active_rate_ratio : 1.0;
  if (params_.intraday_ratio != 1.0) {
    rate *= intraday_factor(params_.intraday_ratio, params_.session_open, params_.session_close, t);
  }
  return !rng.bernoulli(rate / busiest_rate());
}

void MarketPopulation::send_to_exchange(Context& ctx, std::uint32_t a, std::uint32_t kind, EventData data) {
  const double now = ctx.now().value;
  double delay = params_.latency + (params_.latency_jitter > 0.0 ? rng_[a].exponential(params_.latency_jitter) : 0.0);
  // FIFO per agent: never overtake this agent's previous message; equal
  // times are ordered by the send counter.
  while (now + delay < last_arrival_[a]) delay = std::max(delay, last_arrival_[a] - now) * (1.0 + 1e-15) + 1e-300;
  last_arrival_[a] = now + delay;
  ++orders_sent_[a];
  ctx.send(lp(exchange_lp(symbol_[a])), SimTime{delay}, kind, data);
}

std::uint64_t MarketPopulation::send_limit(Context& ctx, std::uint32_t a, Side s, Ticks price, std::uint32_t qty,
                                           Label l, OrderType type) {
  const std::uint64_t id = order_id(a, next_seq_[a]++);
  price = std::clamp(price, Ticks{1}, static_cast<Ticks>(price_levels_ - 1));
  send_to_exchange(ctx, a, kLimit, {id, pack(price, qty, s, l, type)});
  return id;
}

void MarketPopulation::send_market(Context& ctx, std::uint32_t a, Side s, std::uint32_t qty, Label l) {
  const std::uint64_t id = order_id(a, next_seq_[a]++);
  send_to_exchange(ctx, a, kMarket, {id, pack(0, qty, s, l)});
}

void MarketPopulation::send_cancel(Context& ctx, std::uint32_t a, std::uint64_t first, std::uint32_t count, Label l) {
  send_to_exchange(ctx, a, kCancel, {first, count | static_cast<std::uint64_t>(static_cast<std::uint8_t>(l)) << 32});
}

// Cancels the agent's last batch of orders (those already filled are skipped
// by the exchange).
void MarketPopulation::cancel_open(Context& ctx, std::uint32_t a, Label l) {
  if (open_count_[a] == 0) return;
  send_cancel(ctx, a, open_first_[a], open_count_[a], l);
  open_count_[a] = 0;
}

void MarketPopulation::trader_handle(Context& ctx, std::uint32_t g, const Event& ev) {
  switch (ev.kind) {
    case kWake:
      wake(ctx, g, static_cast<std::uint32_t>(ev.data[0]), ev.data[1]);
      return;
    case kFill: {
      const std::uint32_t a = agent_of(ev.data[0]);
      const std::uint64_t w = ev.data[1];
      const auto q = static_cast<std::int64_t>(qty_of(w));
      const double px = to_price(price_of(w));
      const std::int64_t sign = side_of(w) == Side::buy ? 1 : -1;
      position_[a] += sign * q;
      cash_[a] -= static_cast<double>(sign * q) * px;
      return;
    }
    case kFeed: {
      View& v = desks_[g].views[ev.data[1] & 0xffffu];
      v.bid = static_cast<Ticks>(static_cast<std::uint32_t>(ev.data[0]));
      v.ask = static_cast<Ticks>(static_cast<std::uint32_t>(ev.data[0] >> 32));
      v.last = static_cast<Ticks>(static_cast<std::uint32_t>(ev.data[1] >> 32));
      if (v.bid == kNoPrice || v.ask == kNoPrice) return;
      const double mid = 0.5 * (v.bid + v.ask);
      const double t = ctx.now().value;
      if (v.ema_time < 0.0) {
        v.fast = v.slow = mid;
      } else {
        const double dt = t - v.ema_time;
        v.fast += (1.0 - std::exp(-dt / params_.momentum_fast)) * (mid - v.fast);
        v.slow += (1.0 - std::exp(-dt / params_.momentum_slow)) * (mid - v.slow);
        // Realized variance of the mid, decayed over maker_vol_window: only
        // makers that widen or withdraw on volatility read it.
        if (params_.maker_widen_vol > 0.0 || params_.maker_withdraw_vol > 0.0) {
          const double r = std::log(mid / v.mid);
          v.rv = v.rv * std::exp(-dt / params_.maker_vol_window) + r * r;
        }
      }
      v.mid = mid;
      v.ema_time = t;
      if (stop_end_ > stop_first_) check_stops(ctx, g, static_cast<std::uint32_t>(ev.data[1] & 0xffffu));
      return;
    }
    case kCollude:
      collude_follow(ctx, static_cast<std::uint32_t>(ev.data[0]), ev.data[1]);
      return;
    case kWithdraw:
      desks_[g].withdrawn_until = ctx.now().value + from_bits(ev.data[1]);
      for (std::uint32_t a = g; a < agent_count(); a += params_.trader_lps) {
        if (kind_[a] == AgentKind::maker) cancel_open(ctx, a, Label::normal);
      }
      return;
    default:
      return;
  }
}

void MarketPopulation::wake(Context& ctx, std::uint32_t g, std::uint32_t a, std::uint64_t step) {
  const double t = ctx.now().value;
  if (t >= params_.session_close) return;
  const AgentKind k = kind_[a];
  const std::uint32_t sym = symbol_[a];
  RandomStream& rng = rng_[a];
  if (step == kStepFirst) {  // start of the session: first arrival
    schedule_wake(ctx, a, interval_[a]);
    if (label_of_kind(k) != Label::normal) {  // a manipulator's honest trading runs beside its episodes
      ctx.send_self(SimTime{rng.exponential(honest_interval_[a] / busiest_rate())}, kWake, {a, kStepHonest});
    }
    return;
  }
  if (step == kStepHonest) {
    ctx.send_self(SimTime{rng.exponential(honest_interval_[a] / busiest_rate())}, kWake, {a, kStepHonest});
    if (thinned(rng, sym, t)) return;
    if (k == AgentKind::igniter && episode_start_[a] >= 0.0) return;  // its burst's ids stay together
    const View& v = desks_[g].views[sym];
    if (v.bid == kNoPrice || v.ask == kNoPrice) return;
    value_order(ctx, a, v, 0.5 * (v.bid + v.ask), honest_first_[a], honest_count_[a]);
    return;
  }
  if (k == AgentKind::stop_loss) {
    // (Re-)entry: bid for the rest of the target position at the best bid
    // (patiently: the entry adds liquidity), then trail the mid from here.
    const View& v = desks_[g].views[sym];
    const std::int64_t target = static_cast<std::int64_t>(params_.stop_loss_lots) * params_.lot_size;
    cancel_open(ctx, a, Label::normal);
    if (position_[a] < target && v.bid != kNoPrice) {
      open_first_[a] = send_limit(ctx, a, Side::buy, v.bid, static_cast<std::uint32_t>(target - position_[a]), Label::normal);
      open_count_[a] = 1;
    }
    stop_phase_[a] = kStopHolding;
    stop_peak_[a] = v.bid != kNoPrice && v.ask != kNoPrice ? 0.5 * (v.bid + v.ask) : 0.0;
    return;
  }
  if (step == 0) {
    if (k == AgentKind::maker) {
      ctx.send_self(SimTime{interval_[a] * rng.uniform(0.9, 1.1)}, kWake, {a, 0});
    } else {
      schedule_wake(ctx, a, interval_[a]);
      if (thinned(rng, sym, t)) return;
    }
  }
  const View& v = desks_[g].views[sym];
  const bool two_sided = v.bid != kNoPrice && v.ask != kNoPrice;
  const double mid = two_sided ? 0.5 * (v.bid + v.ask)
                     : v.last != kNoPrice ? static_cast<double>(v.last)
                                          : params_.fundamental.initial_price / params_.tick_size;
  const std::uint32_t lot = params_.lot_size;
  switch (k) {
    case AgentKind::zi: {
      if (rng.bernoulli(params_.zi_cancel_prob)) cancel_open(ctx, a, Label::normal);
      const Side s = coin(rng);
      const auto off = static_cast<Ticks>(1 + rng.below(params_.zi_range_ticks));
      const auto base = static_cast<Ticks>(std::lround(mid));
      open_first_[a] = send_limit(ctx, a, s, s == Side::buy ? base - off : base + off,
                                  lots(rng, max_lots_[a], lot), Label::normal);
      open_count_[a] = 1;
      return;
    }
    case AgentKind::noise:
      send_market(ctx, a, coin(rng), lots(rng, max_lots_[a], lot), Label::normal);
      return;
    case AgentKind::value:
      value_order(ctx, a, v, mid, open_first_[a], open_count_[a]);
      return;
    case AgentKind::momentum: {
      if (v.ema_time < 0.0) return;
      const double signal = (v.fast - v.slow) / v.slow;
      if (std::abs(signal) < params_.momentum_threshold) return;
      const Side s = signal > 0.0 ? Side::buy : Side::sell;
      const std::uint32_t q = lots(rng, max_lots_[a], lot);
      if (params_.momentum_order == TakeOrder::market) {
        send_market(ctx, a, s, q, Label::normal);
        return;
      }
      // IOC / FOK: limited to momentum_limit_ticks beyond the touch seen (none seen: no order).
      const Ticks touch = s == Side::buy ? v.ask : v.bid;
      if (touch == kNoPrice) return;
      const auto reach = static_cast<Ticks>(params_.momentum_limit_ticks);
      send_limit(ctx, a, s, s == Side::buy ? touch + reach : touch - reach, q, Label::normal,
                 params_.momentum_order == TakeOrder::ioc ? OrderType::ioc : OrderType::fok);
      return;
    }
    case AgentKind::maker: {
      cancel_open(ctx, a, Label::normal);
      if (t < desks_[g].withdrawn_until) return;
      const double limit = static_cast<double>(params_.maker_inventory_limit);
      // Beyond the limit, pass part of the inventory on (the "hot potato").
      if (params_.maker_unwind > 0.0 && std::abs(position_[a]) > params_.maker_inventory_limit) {
        const auto q = static_cast<std::uint32_t>(std::min<double>(
            std::ceil(params_.maker_unwind * static_cast<double>(std::abs(position_[a])) / lot) * lot, kMaxQty / lot * lot));
        send_market(ctx, a, position_[a] > 0 ? Side::sell : Side::buy, q, Label::normal);
      }
      const double vol = view_vol(v, t);
      if (params_.maker_withdraw_vol > 0.0 && vol > params_.maker_withdraw_vol) return;  // too risky to quote
      // Lean the ladder against inventory so it mean-reverts.
      const double skew = limit > 0.0 ? static_cast<double>(position_[a]) / limit * params_.maker_levels : 0.0;
      const double widen = params_.maker_widen_vol > 0.0 ? 1.0 + vol / params_.maker_widen_vol : 1.0;
      const auto h = static_cast<Ticks>(std::lround(params_.maker_half_spread_ticks * widen));
      const auto bid_top = static_cast<Ticks>(std::floor(mid - skew - 0.5)) - (h - 1);
      const Ticks ask_top = bid_top + 2 * h - 1;
      // Sizes vary around maker_level_lots when maker_size_spread > 0 (no draw otherwise).
      const auto size = [&] {
        if (params_.maker_size_spread <= 0.0) return params_.maker_level_lots * lot;
        const double m = params_.maker_level_lots * (1.0 + params_.maker_size_spread * rng.uniform(-1.0, 1.0));
        return static_cast<std::uint32_t>(std::clamp(std::round(m), 1.0, static_cast<double>(kMaxQty / lot))) * lot;
      };
      const std::uint64_t first = order_id(a, next_seq_[a]);
      const OrderType quote = params_.maker_post_only == PostOnlyMode::reject  ? OrderType::post_only
                              : params_.maker_post_only == PostOnlyMode::slide ? OrderType::post_only_slide
                                                                               : OrderType::limit;
      std::uint32_t n = 0;
      for (std::uint32_t level = 0; level < params_.maker_levels; ++level) {
        const auto k2 = static_cast<Ticks>(level);
        if (position_[a] < params_.maker_inventory_limit) {
          send_limit(ctx, a, Side::buy, bid_top - k2, size(), Label::normal, quote);
          ++n;
        }
        if (position_[a] > -params_.maker_inventory_limit) {
          send_limit(ctx, a, Side::sell, ask_top + k2, size(), Label::normal, quote);
          ++n;
        }
      }
      open_first_[a] = first;
      open_count_[a] = n;
      return;
    }
    case AgentKind::spoofer:
    case AgentKind::layerer:
    case AgentKind::wash:
      manipulate(ctx, a, step, v);
      return;
    case AgentKind::igniter:
      ignite(ctx, a, step, v);
      return;
    case AgentKind::stuffer:
      stuff(ctx, a, step, v);
      return;
    case AgentKind::colluder:
      collude(ctx, a, step, v);
      return;
    case AgentKind::shock:
    case AgentKind::stop_loss:
      return;
  }
}

// Observes the fundamental with noise, forecasts it over the agent's
// horizon, cancels the agent's last order (in the given slot) and sends one
// buying below or selling above the forecast.
void MarketPopulation::value_order(Context& ctx, std::uint32_t a, const View& v, double mid, std::uint64_t& open_first,
                                   std::uint32_t& open_count) {
  const double t = ctx.now().value;
  RandomStream& rng = rng_[a];
  const std::uint32_t lot = params_.lot_size;
  if (open_count > 0) send_cancel(ctx, a, open_first, open_count, Label::normal);
  open_count = 0;
  const FundamentalPath& f = (*paths_)[symbol_[a]];
  // Noisy observation, then the OU expectation over the agent's horizon.
  const double lm = f.log_mean(t);
  const double lobs = f.log_value(t) + rng.normal(0.0, params_.value_obs_noise);
  const double est = std::exp(lm + (lobs - lm) * std::exp(-params_.fundamental.kappa * horizon_[a])) /
                     params_.tick_size;
  const Side s = est > mid ? Side::buy : Side::sell;
  const bool aggressive = rng.bernoulli(params_.value_aggression);
  const auto edge = static_cast<Ticks>(rng.below(params_.value_edge_ticks + 1));
  Ticks px;
  if (s == Side::buy) {
    px = static_cast<Ticks>(std::floor(est)) - (aggressive ? 0 : edge);
    if (v.ask != kNoPrice) px = std::min(px, aggressive ? v.ask : v.ask - 1);
  } else {
    px = static_cast<Ticks>(std::ceil(est)) + (aggressive ? 0 : edge);
    if (v.bid != kNoPrice) px = std::max(px, aggressive ? v.bid : v.bid + 1);
  }
  std::uint32_t q = lots(rng, max_lots_[a], lot);
  if (params_.value_size_elasticity > 0.0) {
    // Deeper mispricing, larger orders: the buyers a deep discount brings in.
    const double gap = 100.0 * std::abs(est / mid - 1.0);
    q = static_cast<std::uint32_t>(std::min<double>(
        std::round(q * (1.0 + params_.value_size_elasticity * gap) / lot) * lot, kMaxQty / lot * lot));
  }
  // A large order rests as an iceberg, showing iceberg_display_lots at a time.
  const bool iceberg = params_.iceberg_display_lots > 0 && q > params_.iceberg_display_lots * lot;
  open_first = send_limit(ctx, a, s, px, q, Label::normal, iceberg ? OrderType::iceberg : OrderType::limit);
  open_count = 1;
}

// Volatility of the mid per minute, from the feed's exponentially weighted
// squared log changes, decayed to time t.
double MarketPopulation::view_vol(const View& v, double t) const {
  if (v.ema_time < 0.0) return 0.0;
  const double w = params_.maker_vol_window;
  return std::sqrt(v.rv * std::exp(-(t - v.ema_time) / w) * 60.0 / w);
}

// The desk's stop-loss traders on symbol `sym` see the new mid: each raises
// its peak, or sells its position when the mid has fallen its distance below it.
void MarketPopulation::check_stops(Context& ctx, std::uint32_t g, std::uint32_t sym) {
  const double t = ctx.now().value;
  if (t < params_.session_open || t >= params_.session_close) return;
  const View& v = desks_[g].views[sym];
  const std::uint32_t lps = params_.trader_lps;
  for (std::uint32_t a = stop_first_ + (g + lps - stop_first_ % lps) % lps; a < stop_end_; a += lps) {
    if (symbol_[a] != sym || stop_phase_[a] != kStopHolding) continue;
    if (v.mid > stop_peak_[a]) {
      stop_peak_[a] = v.mid;
      continue;
    }
    if (v.mid > stop_peak_[a] * (1.0 - stop_distance_[a])) continue;
    cancel_open(ctx, a, Label::normal);  // what is left of its entry bid
    if (position_[a] > 0) send_market(ctx, a, Side::sell, static_cast<std::uint32_t>(std::min<std::int64_t>(position_[a], kMaxQty / params_.lot_size * params_.lot_size)), Label::normal);
    stop_phase_[a] = kStopFlat;
    ctx.send_self(SimTime{rng_[a].exponential(interval_[a])}, kWake, {a, kStepStopEntry});
  }
}

}  // namespace simulacra::market
