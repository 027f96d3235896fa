// The manipulators' episodes: spoofing and layering (fake orders behind the
// touch on one side, pulled after a hold, then a real order on the other
// side) and wash trades (a sell and a buy of one size at one price inside
// the spread). Each episode is recorded for the episodes table; the orders
// carry their label to the exchange, which writes it to the labels table.
// Between episodes the same agents trade honestly as value traders
// (traders.cpp, kStepHonest), so an account is not manipulative as a whole.
#include <algorithm>

#include "market_internal.hpp"
#include "simulacra/agents/market/market.hpp"

namespace simulacra::market {

using namespace detail;

Label MarketPopulation::label_of_kind(AgentKind k) {
  switch (k) {
    case AgentKind::spoofer: return Label::spoof;
    case AgentKind::layerer: return Label::layering;
    case AgentKind::wash: return Label::wash;
    case AgentKind::igniter: return Label::momentum_ignition;
    case AgentKind::stuffer: return Label::quote_stuffing;
    case AgentKind::colluder: return Label::collusion;
    default: return Label::normal;
  }
}

std::uint64_t MarketPopulation::public_order(std::uint64_t id) const {
  const std::uint32_t a = agent_of(id);
  return a < agent_count() ? order_id(public_id_[a], static_cast<std::uint32_t>(id)) : id;
}

void MarketPopulation::manipulate(Context& ctx, std::uint32_t a, std::uint64_t step, const View& v) {
  const double t = ctx.now().value;
  const AgentKind k = kind_[a];
  const Label l = label_of_kind(k);
  RandomStream& rng = rng_[a];
  const std::uint32_t lot = params_.lot_size;
  const bool two_sided = v.bid != kNoPrice && v.ask != kNoPrice;
  if (k == AgentKind::wash) {
    cancel_open(ctx, a, l);
    if (!two_sided || v.ask - v.bid < 2) return;  // needs a price inside the spread
    const Ticks p = v.bid + 1 + static_cast<Ticks>(rng.below(static_cast<std::uint64_t>(v.ask - v.bid - 1)));
    const std::uint32_t q = lots(rng, params_.wash_lots, lot);
    open_first_[a] = send_limit(ctx, a, Side::sell, p, q, l);
    send_limit(ctx, a, Side::buy, p, q, l);
    open_count_[a] = 2;
    episodes_[a].push_back(Episode{t, t, open_first_[a], open_first_[a] + 1, symbol_[a], l});
    return;
  }
  const bool spoof = k == AgentKind::spoofer;
  if ((step & 0xff) == 0) {
    if (!two_sided) return;
    cancel_open(ctx, a, l);  // what is left of the last episode's real order
    // Fake interest on one side, to trade on the other once the price moves:
    // sizes larger than an honest order on average, but from its range.
    const Side fake = coin(rng);
    const std::uint32_t layers = spoof ? 1 : params_.layer_levels;
    const std::uint32_t max_lots = spoof ? params_.spoof_lots : params_.layer_lots;
    const auto behind = static_cast<Ticks>(1 + rng.below(3));
    const std::uint64_t first = order_id(a, next_seq_[a]);
    for (std::uint32_t i = 0; i < layers; ++i) {
      const std::uint32_t q = std::max(lots(rng, max_lots, lot), lots(rng, max_lots, lot));
      const Ticks d = behind + static_cast<Ticks>(i);
      send_limit(ctx, a, fake, fake == Side::buy ? v.bid - d : v.ask + d, q, l);
    }
    open_first_[a] = first;
    open_count_[a] = layers;
    episode_start_[a] = t;
    episode_first_[a] = first;
    const std::uint64_t next = 1 | (fake == Side::buy ? 0u : 0x100u);
    const double hold = (spoof ? params_.spoof_hold : params_.layer_hold) * rng.uniform(0.5, 1.5);
    ctx.send_self(SimTime{hold}, kWake, {a, next});
    return;
  }
  // Pull the fake orders, then trade at the touch on the other side. The
  // cancel reaches the exchange first (messages of one agent stay in order),
  // so the real order cannot execute against the agent's own fakes, which a
  // stale view of the book could otherwise allow.
  const Side fake = (step & 0x100) != 0 ? Side::sell : Side::buy;
  const Side real = opposite(fake);
  const Ticks touch = real == Side::sell ? v.bid : v.ask;
  cancel_open(ctx, a, l);
  if (touch != kNoPrice) {
    open_first_[a] = send_limit(ctx, a, real, touch, lots(rng, spoof ? params_.spoof_trade_lots : params_.layer_trade_lots, lot), l);
    open_count_[a] = 1;  // a remainder is cancelled at the next episode
  }
  if (episode_start_[a] >= 0.0) {
    episodes_[a].push_back(Episode{episode_start_[a], t, episode_first_[a], order_id(a, next_seq_[a] - 1), symbol_[a], l});
    episode_start_[a] = -1.0;
  }
}

}  // namespace simulacra::market
