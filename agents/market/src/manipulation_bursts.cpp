// Manipulation in bursts and between accounts: momentum ignition (orders
// that take liquidity one way, to set off momentum and stop-loss traders,
// then a limit order the other way into the move), quote stuffing (batches of small
// orders cancelled within a fraction of a second) and cross-account wash
// trades (two colluding accounts meet inside the spread). Each episode's
// orders carry its label to the exchange and the episode is kept for the
// episodes table; between episodes the same agents trade honestly as value
// traders (traders.cpp, kStepHonest).
#include <algorithm>

#include "market_internal.hpp"
#include "simulacra/agents/market/market.hpp"

namespace simulacra::market {

using namespace detail;

namespace {

// The steps of an episode after its start (step 0, a regular wake): bit 0
// set, so never kStepFirst or kStepHonest; the side in bit 8, the number of
// the step in bits 16-31, shares so far in bits 32-55.
constexpr std::uint64_t kBurstStep = 0x1;
constexpr std::uint64_t kCleanupStep = 0x3;  // a colluder pulls its leg; the order's counter in bits 32-63
constexpr std::uint64_t kSellBit = 0x100;

std::uint64_t burst_step(Side s, std::uint32_t index, std::uint64_t shares) {
  return kBurstStep | (s == Side::sell ? kSellBit : 0u) | std::uint64_t{index} << 16 | shares << 32;
}
Side step_side(std::uint64_t step) { return (step & kSellBit) != 0 ? Side::sell : Side::buy; }
std::uint32_t step_index(std::uint64_t step) { return static_cast<std::uint32_t>(step >> 16) & 0xffffu; }
std::uint64_t step_shares(std::uint64_t step) { return (step >> 32) & 0xffffffu; }

}  // namespace

void MarketPopulation::ignite(Context& ctx, std::uint32_t a, std::uint64_t step, const View& v) {
  const double t = ctx.now().value;
  const Label l = Label::momentum_ignition;
  RandomStream& rng = rng_[a];
  const std::uint32_t n = params_.ignition_orders;
  Side side;
  std::uint32_t index;
  std::uint64_t shares;
  if (step == 0) {
    // One episode at a time, from a two-sided book.
    if (episode_start_[a] >= 0.0 || v.bid == kNoPrice || v.ask == kNoPrice) return;
    cancel_open(ctx, a, l);  // what is left of the last episode's order into the move
    episode_start_[a] = t;
    episode_first_[a] = order_id(a, next_seq_[a]);
    side = coin(rng);
    index = 0;
    shares = 0;
  } else {
    side = step_side(step);
    index = step_index(step);
    shares = step_shares(step);
  }
  if (index < n) {
    // Limit orders at the opposite touch, a second or so apart, as a value
    // trader's aggressive orders are (of their sizes, by default):
    // each takes the touch and its remainder rests there as the new best, a
    // trend for the momentum traders' moving averages and a fall (or rise)
    // towards the stop-loss traders' stops. The agent trades nothing else
    // meanwhile, so the burst's ids follow each other.
    const Ticks touch = side == Side::buy ? v.ask : v.bid;
    if (touch != kNoPrice) {
      const std::uint32_t q = lots(rng, params_.ignition_lots, params_.lot_size);
      send_limit(ctx, a, side, touch, q, l);
      shares += q;
    }
    const bool last = index + 1 == n;
    const double wait = (last ? params_.ignition_hold : params_.ignition_gap) * rng.uniform(0.5, 1.5);
    ctx.send_self(SimTime{wait}, kWake, {a, burst_step(side, index + 1, shares)});
    return;
  }
  // Pull what rests of the burst, then into the move: the burst's shares the
  // other way in as many orders, resting at that side's touch for the
  // followers to take (what is left is cancelled at the next episode).
  if (episode_start_[a] >= 0.0) send_cancel(ctx, a, episode_first_[a], n, l);  // ids not sent are skipped
  const Side exit = opposite(side);
  const Ticks touch = exit == Side::sell ? v.ask : v.bid;
  const std::uint64_t lot = params_.lot_size;
  if (touch != kNoPrice && shares > 0) {
    const std::uint64_t lots_left = shares / lot;
    const std::uint64_t parts = std::min<std::uint64_t>(n, lots_left);
    open_first_[a] = order_id(a, next_seq_[a]);
    open_count_[a] = static_cast<std::uint32_t>(parts);
    for (std::uint64_t i = 0; i < parts; ++i) {
      const std::uint64_t part = lots_left / parts + (i < lots_left % parts ? 1 : 0);
      send_limit(ctx, a, exit, touch, static_cast<std::uint32_t>(part * lot), l);
    }
  }
  if (episode_start_[a] >= 0.0) {
    episodes_[a].push_back(
        Episode{episode_start_[a], t, episode_first_[a], order_id(a, next_seq_[a] - 1), symbol_[a], l});
    episode_start_[a] = -1.0;
  }
}

void MarketPopulation::stuff(Context& ctx, std::uint32_t a, std::uint64_t step, const View& v) {
  const double t = ctx.now().value;
  const Label l = Label::quote_stuffing;
  RandomStream& rng = rng_[a];
  const bool two_sided = v.bid != kNoPrice && v.ask != kNoPrice;
  std::uint32_t batch = 0;
  if (step == 0) {
    if (episode_start_[a] >= 0.0 || !two_sided) return;
    cancel_open(ctx, a, l);
    episode_start_[a] = t;
    episode_first_[a] = order_id(a, next_seq_[a]);
  } else {
    cancel_open(ctx, a, l);  // the last batch, whatever of it has not traded
    batch = step_index(step);
  }
  if (batch < params_.stuffing_batches && two_sided) {
    // Small orders at or just behind either touch, where the book's
    // watchers must process them; each batch is pulled before the next.
    const std::uint64_t first = order_id(a, next_seq_[a]);
    for (std::uint32_t i = 0; i < params_.stuffing_orders; ++i) {
      const Side s = coin(rng);
      const auto behind = static_cast<Ticks>(rng.below(3));
      send_limit(ctx, a, s, s == Side::buy ? v.bid - behind : v.ask + behind,
                 lots(rng, params_.stuffing_lots, params_.lot_size), l);
    }
    open_first_[a] = first;
    open_count_[a] = params_.stuffing_orders;
    ctx.send_self(SimTime{params_.stuffing_life * rng.uniform(0.5, 1.5)}, kWake, {a, burst_step(Side::buy, batch + 1, 0)});
    return;
  }
  if (episode_start_[a] >= 0.0) {
    episodes_[a].push_back(
        Episode{episode_start_[a], t, episode_first_[a], order_id(a, next_seq_[a] - 1), symbol_[a], l});
    episode_start_[a] = -1.0;
  }
}

void MarketPopulation::collude(Context& ctx, std::uint32_t a, std::uint64_t step, const View& v) {
  const double t = ctx.now().value;
  const Label l = Label::collusion;
  RandomStream& rng = rng_[a];
  if ((step & kCleanupStep) == kCleanupStep) {
    // What is left of the leg (a third party may have met it instead).
    const std::uint64_t id = order_id(a, static_cast<std::uint32_t>(step >> 32));
    send_cancel(ctx, a, id, 1, l);
    if (open_count_[a] > 0 && open_first_[a] == id) open_count_[a] = 0;
    return;
  }
  const bool leader = (a - colluder_first_) % 2 == 0;
  if (!leader) return;  // the partner acts on its leader's word (collude_follow)
  std::uint32_t tries = 0;
  if (step == 0) {
    if (episode_start_[a] >= 0.0) return;  // already waiting for a spread
    episode_start_[a] = t;
  } else {
    tries = step_index(step);
  }
  // Two accounts can meet only inside the spread: the leader waits, checking
  // about every second (0.5-1.5 s), for a spread of two ticks or more.
  if (v.bid == kNoPrice || v.ask == kNoPrice || v.ask - v.bid < 2) {
    if (tries + 1 <= params_.collusion_patience) {
      ctx.send_self(SimTime{rng.uniform(0.5, 1.5)}, kWake, {a, burst_step(Side::buy, tries + 1, 0)});
    } else {
      episode_start_[a] = -1.0;
    }
    return;
  }
  episode_start_[a] = -1.0;
  const Ticks p = v.bid + 1 + static_cast<Ticks>(rng.below(static_cast<std::uint64_t>(v.ask - v.bid - 1)));
  const std::uint32_t q = lots(rng, params_.collusion_lots, params_.lot_size);
  const Side s = coin(rng);
  const std::uint32_t b = partner_of(a);
  const std::uint64_t id = send_limit(ctx, a, s, p, q, l);
  open_first_[a] = id;
  open_count_[a] = 1;
  ctx.send_self(SimTime{params_.collusion_hold * rng.uniform(0.5, 1.5)}, kWake, {a, kCleanupStep | (id & 0xffffffffu) << 32});
  // The partner hears of it a latency later (it may sit on another trader LP).
  ctx.send(lp(b % params_.trader_lps), SimTime{params_.latency}, kCollude, {b, pack(p, q, opposite(s), l)});
  episodes_[a].push_back(Episode{t, t, id, id, symbol_[a], l, b});
}

void MarketPopulation::collude_follow(Context& ctx, std::uint32_t b, std::uint64_t packed) {
  const double t = ctx.now().value;
  if (t < params_.session_open || t >= params_.session_close) return;
  const Label l = Label::collusion;
  cancel_open(ctx, b, l);
  const std::uint64_t id = send_limit(ctx, b, side_of(packed), price_of(packed), qty_of(packed), l);
  open_first_[b] = id;
  open_count_[b] = 1;
  ctx.send_self(SimTime{params_.collusion_hold * rng_[b].uniform(0.5, 1.5)}, kWake, {b, kCleanupStep | (id & 0xffffffffu) << 32});
  episodes_[b].push_back(Episode{t, t, id, id, symbol_[b], l, partner_of(b)});
}

}  // namespace simulacra::market
