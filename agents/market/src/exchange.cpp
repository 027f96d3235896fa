// The exchange LPs of the market population: one per symbol, holding the
// orders of each instant and matching them in agent order, publishing the
// feed, bars and snapshots, running the timeline's shock sells and sell
// programs, and (optionally) limit-up-limit-down bands with trading pauses.
// Every order's quantity is accounted for in the orders and trades tables:
// filled (trades), cancelled (a cancel row, by its agent or by the exchange
// for a market order's unfilled part) or resting at the end.
#include <algorithm>
#include <cmath>

#include "market_internal.hpp"
#include "simulacra/agents/market/market.hpp"

namespace simulacra::market {

using namespace detail;

void MarketPopulation::exchange_init(Context& ctx, std::uint32_t sym) {
  const double open = params_.session_open;
  ctx.send_self(SimTime{open}, kPublish);
  ctx.send_self(SimTime{open + params_.bar_interval}, kBar);
  if (params_.snapshot_interval > 0.0) ctx.send_self(SimTime{open + params_.snapshot_interval}, kSnapshot);
  std::uint32_t program = 0;
  for (const MarketShock& s : params_.shocks) {
    if (s.symbol != sym) continue;
    if (s.kind == MarketShock::Kind::market_sell) ctx.send_self(SimTime{s.at}, kShockSell, {0, s.quantity});
    if (s.kind == MarketShock::Kind::sell_program) ctx.send_self(SimTime{s.at}, kProgram, {program++, 0});
  }
}

void MarketPopulation::exchange_handle(Context& ctx, std::uint32_t sym, const Event& ev) {
  Exchange& x = exchanges_[sym];
  const double t = ctx.now().value;
  const double nan = std::nan("");
  const auto s = static_cast<std::int64_t>(sym);
  switch (ev.kind) {
    case kLimit:
    case kMarket:
    case kCancel:
      // Orders of one instant may come from several trader LPs, in an order
      // that depends on which LP holds which agent. They wait for kMatch,
      // which comes after all of them: its sender, this exchange, follows
      // every trader LP in the engine's order.
      if (x.arrivals.empty()) ctx.send_self(SimTime{0.0}, kMatch);
      x.arrivals.push_back(Arrival{ev.data[0], ev.data[1], ev.kind, agent_of(ev.data[0])});
      return;
    case kMatch:
      // In agent order; one agent's messages keep the order it sent them in.
      if (x.arrivals.size() > 1) {
        std::stable_sort(x.arrivals.begin(), x.arrivals.end(),
                         [](const Arrival& a, const Arrival& b) { return a.agent < b.agent; });
      }
      for (const Arrival& m : x.arrivals) exchange_order(ctx, x, sym, m);
      x.arrivals.clear();
      return;
    case kPublish: {
      if (x.feed_dirty) {
        x.feed_dirty = false;
        const EventData d{static_cast<std::uint32_t>(x.book.best_bid()) |
                              static_cast<std::uint64_t>(static_cast<std::uint32_t>(x.book.best_ask())) << 32,
                          sym | static_cast<std::uint64_t>(static_cast<std::uint32_t>(x.last_trade)) << 32};
        for (std::uint32_t g = 0; g < params_.trader_lps; ++g) ctx.send(lp(g), SimTime{params_.latency}, kFeed, d);
      }
      if (t + params_.feed_interval <= params_.session_close) ctx.send_self(SimTime{params_.feed_interval}, kPublish);
      return;
    }
    case kBar: {
      const Ticks bb = x.book.best_bid(), ba = x.book.best_ask();
      const double mid = bb != kNoPrice && ba != kNoPrice ? 0.5 * (to_price(bb) + to_price(ba)) : nan;
      auto px = [&](Ticks p) { return p == kNoPrice ? nan : to_price(p); };
      if (x.bar_trades == 0) x.bar_open = x.bar_high = x.bar_low = x.bar_close = x.last_trade;
      ctx.emit(kBars, t, s, px(x.bar_open), px(x.bar_high), px(x.bar_low), px(x.bar_close), x.bar_volume,
               x.bar_trades, mid, (*paths_)[sym].value(t));
      x.bar_volume = x.bar_trades = 0;
      if (t + params_.bar_interval <= params_.session_close + 1e-9) ctx.send_self(SimTime{params_.bar_interval}, kBar);
      return;
    }
    case kSnapshot: {
      std::vector<std::pair<Ticks, std::uint64_t>> bids, asks;
      x.book.levels(Side::buy, params_.snapshot_levels, bids);
      x.book.levels(Side::sell, params_.snapshot_levels, asks);
      for (std::size_t k = 0; k < std::max(bids.size(), asks.size()); ++k) {
        const bool hb = k < bids.size(), ha = k < asks.size();
        ctx.emit(kBook, t, s, static_cast<std::int64_t>(k), hb ? to_price(bids[k].first) : nan,
                 hb ? static_cast<std::int64_t>(bids[k].second) : std::int64_t{0}, ha ? to_price(asks[k].first) : nan,
                 ha ? static_cast<std::int64_t>(asks[k].second) : std::int64_t{0});
      }
      if (t + params_.snapshot_interval <= params_.session_close + 1e-9) {
        ctx.send_self(SimTime{params_.snapshot_interval}, kSnapshot);
      }
      return;
    }
    case kShockSell: {
      // The shock agent sits at the exchange: its sell needs no latency.
      const std::uint32_t qty = static_cast<std::uint32_t>(ev.data[1]) / params_.lot_size * params_.lot_size;
      submit(ctx, x, sym, order_id(agent_count() + sym, x.shock_seq++), agent_count() + sym, OrderType::market,
             Side::sell, kNoPrice, qty, Label::normal);
      return;
    }
    case kProgram:
      program_slice(ctx, x, sym, static_cast<std::uint32_t>(ev.data[0]));
      return;
    default:
      return;
  }
}

void MarketPopulation::exchange_order(Context& ctx, Exchange& x, std::uint32_t sym, const Arrival& m) {
  const double t = ctx.now().value;
  const auto s = static_cast<std::int64_t>(sym);
  const std::uint64_t id = m.w0;
  const std::uint32_t agent = m.agent;
  if (m.kind == kCancel) {
    const auto count = static_cast<std::uint32_t>(m.w1);
    const auto l = static_cast<Label>(m.w1 >> 32);
    for (std::uint32_t k = 0; k < count; ++k) {
      Side side;
      Ticks price;
      std::uint32_t qty;
      if (!x.book.peek(id + k, side, price, qty)) continue;  // already filled or cancelled
      x.book.cancel(id + k);
      if (l != Label::normal) ++x.manipulative_orders;
      ctx.emit(kOrders, t, s, static_cast<std::int64_t>(public_order(id + k)), static_cast<std::int64_t>(public_id(agent)),
               side == Side::buy ? "buy" : "sell", to_price(price), static_cast<std::int64_t>(qty), "cancel", "accepted",
               std::int64_t{0});
    }
    settle(ctx, x, sym);
    return;
  }
  const std::uint64_t w = m.w1;
  submit(ctx, x, sym, id, agent, m.kind == kMarket ? OrderType::market : type_of(w), side_of(w), price_of(w), qty_of(w),
         label_of(w));
}

OrderResult MarketPopulation::submit(Context& ctx, Exchange& x, std::uint32_t sym, std::uint64_t id,
                                     std::uint32_t agent, OrderType type, Side side, Ticks price,
                                     std::uint32_t qty, Label l) {
  const double t = ctx.now().value;
  const auto s = static_cast<std::int64_t>(sym);
  const bool open = t >= params_.session_open && t < params_.session_close;
  const bool pause = open && halted(x, t);
  const bool priced = type != OrderType::market;
  OrderResult r;
  r.status = OrderStatus::bad_price;
  bool cut = false;
  double ref_used = 0.0;
  Ticks band_lo = 0, band_hi = 0;
  // Honest traders' orders carry the scenario's self-trade prevention; a
  // manipulator's labelled order (a wash trade is a self-trade) and the
  // shock agent's do not. An iceberg shows iceberg_display_lots.
  OrderRequest o{id, agent, side, type, price, qty, 0, SelfTrade::none, static_cast<std::uint8_t>(l)};
  if (l == Label::normal && agent < agent_count()) o.stp = params_.self_trade_prevention;
  if (type == OrderType::iceberg) o.display = std::min(qty, params_.iceberg_display_lots * params_.lot_size);
  if (open && !pause) {
    // Limit up-limit down: no execution outside the band. An order priced
    // through it is repriced to its edge; a market order stops there.
    Ticks lo = kNoPrice, hi = kNoPrice;
    double ref = 0.0;
    if (params_.luld_band > 0.0) {
      if (x.reopening && x.book.best_bid() != kNoPrice && x.book.best_ask() != kNoPrice) {
        // Trading resumes around the book as it stands, not the price that set off the pause.
        x.reopening = false;
        x.reopen_ref = static_cast<Ticks>(std::lround(0.5 * (x.book.best_bid() + x.book.best_ask())));
      }
      ref = luld_reference(x, t);
      if (ref > 0.0) {
        lo = std::max<Ticks>(1, static_cast<Ticks>(std::ceil(ref * (1.0 - params_.luld_band) - 1e-9)));
        hi = std::min<Ticks>(price_levels_ - 1, static_cast<Ticks>(std::floor(ref * (1.0 + params_.luld_band) + 1e-9)));
        if (priced) o.price = price = side == Side::buy ? std::min(price, hi) : std::max(price, lo);
        ref_used = ref;
        band_lo = lo;
        band_hi = hi;
      }
    }
    if (!priced) o.price = side == Side::buy ? hi : lo;  // the collar (kNoPrice without a band)
    r = x.book.submit(o, x.fills);
    if (r.status == OrderStatus::accepted && r.price != kNoPrice) price = r.price;  // a sliding post-only order's
    if (lo != kNoPrice && r.status == OrderStatus::accepted) {
      // The band was reached: an execution at its edge, or an order stopped
      // by it with liquidity beyond. Trading pauses.
      const Ticks edge = side == Side::buy ? hi : lo;
      for (const Fill& f : x.fills) cut |= f.price == edge;
      const Ticks beyond = side == Side::buy ? x.book.best_ask() : x.book.best_bid();
      cut |= !priced && r.cancelled > 0 && beyond != kNoPrice;
    }
  }
  const auto out_id = static_cast<std::int64_t>(public_order(id));
  const auto out_agent = static_cast<std::int64_t>(public_id(agent));
  const char* side_name = side == Side::buy ? "buy" : "sell";
  const char* status = !open                                     ? "closed"
                       : pause                                   ? "halted"
                       : r.status == OrderStatus::accepted       ? "accepted"
                       : r.status == OrderStatus::would_cross    ? "would_cross"
                                                                 : "rejected";
  ctx.emit(kOrders, t, s, out_id, out_agent, side_name, priced ? to_price(price) : std::nan(""),
           static_cast<std::int64_t>(qty), to_string(type), status,
           static_cast<std::int64_t>(type == OrderType::iceberg ? o.display : qty));
  if (l != Label::normal) {
    // The ground truth, apart from the orders: it names the order, and the
    // order's later rows (cancels, an unfilled part) share its id. The book
    // keeps the label with a resting order (its tag) for a self-trade cancel.
    ++x.manipulative_orders;
    ctx.emit(kLabels, t, s, out_id, out_agent, to_string(l));
  }
  // Resting orders self-trade prevention removed, each with its cancel row.
  for (const SelfTradeCancel& c : x.book.self_trade_cancels()) {
    if (static_cast<Label>(c.resting_tag) != Label::normal) ++x.manipulative_orders;
    ctx.emit(kOrders, t, s, static_cast<std::int64_t>(public_order(c.resting_id)),
             static_cast<std::int64_t>(public_id(c.resting_owner)), c.side == Side::buy ? "buy" : "sell",
             to_price(c.price), static_cast<std::int64_t>(c.qty), "cancel", "self_trade", std::int64_t{0});
  }
  settle(ctx, x, sym, type);
  // Nothing disappears: each part neither filled nor resting has its cancel row.
  auto cancel_row = [&](std::uint32_t q, const char* why) {
    if (q == 0) return;
    if (l != Label::normal) ++x.manipulative_orders;
    ctx.emit(kOrders, t, s, out_id, out_agent, side_name, std::nan(""), static_cast<std::int64_t>(q), "cancel", why,
             std::int64_t{0});
  };
  cancel_row(r.prevented, "self_trade");
  cancel_row(r.cancelled, type == OrderType::fok ? "killed" : "unfilled");
  if (cut) {
    x.halted_until = t + params_.luld_pause;
    for (LuldBucket& b : x.luld) b = LuldBucket{};  // the reference restarts after the pause
    x.reopening = true;
    x.reopen_ref = kNoPrice;
    ctx.emit(kHalts, t, s, x.halted_until, ref_used * params_.tick_size,
             to_price(band_lo), to_price(band_hi), side_name);
  }
  return r;
}

// The band's reference: the volume-weighted price of the trades of the last
// luld_window (in kLuldBuckets buckets), else the last trade; 0 before any.
double MarketPopulation::luld_reference(const Exchange& x, double t) const {
  const double width = params_.luld_window / kLuldBuckets;
  const auto now = static_cast<std::int64_t>(std::floor(t / width));
  double value = 0.0, shares = 0.0;
  for (const LuldBucket& b : x.luld) {
    if (b.stamp > now - static_cast<std::int64_t>(kLuldBuckets)) {
      value += b.value;
      shares += b.shares;
    }
  }
  if (shares > 0.0) return value / shares;
  if (x.reopen_ref != kNoPrice) return static_cast<double>(x.reopen_ref);
  return x.last_trade == kNoPrice ? 0.0 : static_cast<double>(x.last_trade);
}

void MarketPopulation::luld_record(Exchange& x, double t, Ticks price, std::uint32_t qty) const {
  const double width = params_.luld_window / kLuldBuckets;
  const auto now = static_cast<std::int64_t>(std::floor(t / width));
  x.reopen_ref = kNoPrice;  // trades make the reference from here
  LuldBucket& b = x.luld[static_cast<std::size_t>(now % kLuldBuckets)];
  if (b.stamp != now) b = LuldBucket{now, 0.0, 0.0};
  b.value += static_cast<double>(price) * qty;
  b.shares += qty;
}

// One child order of a sell program: by volume, participation / (1 -
// participation) times the others' volume since the last child (one lot for
// the first); time-sliced, an equal share per slice. What the book cannot
// fill stays in the program.
void MarketPopulation::program_slice(Context& ctx, Exchange& x, std::uint32_t sym, std::uint32_t index) {
  const double t = ctx.now().value;
  Program& pr = x.programs.at(index);
  if (pr.left == 0 || t >= params_.session_close) return;
  const std::uint32_t lot = params_.lot_size;
  const std::uint64_t others = x.volume - x.shock_volume;
  double want = pr.per_slice;
  if (pr.participation > 0.0) {
    want = pr.started ? pr.participation / (1.0 - pr.participation) * static_cast<double>(others - pr.others_volume) : 0.0;
  }
  pr.started = true;
  pr.others_volume = others;
  const double cap = static_cast<double>(std::min<std::uint64_t>(pr.left, kMaxQty / lot * lot));
  const auto qty = static_cast<std::uint32_t>(std::clamp(std::round(want / lot) * lot, static_cast<double>(lot), cap));
  const OrderResult r = submit(ctx, x, sym, order_id(agent_count() + sym, x.shock_seq++), agent_count() + sym,
                               OrderType::market, Side::sell, kNoPrice, qty, Label::normal);
  pr.left -= r.filled;
  if (pr.left > 0 && t + pr.slice < params_.session_close) ctx.send_self(SimTime{pr.slice}, kProgram, {index, 0});
}

// Reports the fills of the last order (trades rows, fill messages, bar) and a
// change of the top of the book (quotes row).
void MarketPopulation::settle(Context& ctx, Exchange& x, std::uint32_t sym, OrderType aggressor) {
  const double t = ctx.now().value;
  const auto s = static_cast<std::int64_t>(sym);
  const std::uint32_t traders = agent_count();
  for (const Fill& f : x.fills) {
    const bool agg_buys = f.aggressor_side == Side::buy;
    const std::uint32_t buyer = agg_buys ? f.aggressor_owner : f.resting_owner;
    const std::uint32_t seller = agg_buys ? f.resting_owner : f.aggressor_owner;
    const std::uint64_t buy_id = agg_buys ? f.aggressor_id : f.resting_id;
    const std::uint64_t sell_id = agg_buys ? f.resting_id : f.aggressor_id;
    ctx.emit(kTrades, t, s, to_price(f.price), static_cast<std::int64_t>(f.qty), agg_buys ? "buy" : "sell",
             static_cast<std::int64_t>(public_id(buyer)), static_cast<std::int64_t>(public_id(seller)),
             static_cast<std::int64_t>(public_order(buy_id)), static_cast<std::int64_t>(public_order(sell_id)),
             to_string(aggressor), to_string(f.resting_type));
    for (int leg = 0; leg < 2; ++leg) {
      const std::uint32_t who = leg == 0 ? buyer : seller;
      const Side side = leg == 0 ? Side::buy : Side::sell;
      if (who >= traders) {
        x.shock_volume += f.qty;
        const double sign = side == Side::buy ? 1.0 : -1.0;
        x.shock_position += static_cast<std::int64_t>(sign) * f.qty;
        x.shock_cash -= sign * f.qty * to_price(f.price);
        continue;
      }
      ctx.send(lp(who % params_.trader_lps), SimTime{params_.latency}, kFill,
               {leg == 0 ? buy_id : sell_id, pack(f.price, f.qty, side, Label::normal)});
    }
    if (x.bar_trades == 0) x.bar_open = x.bar_high = x.bar_low = f.price;
    x.bar_high = std::max(x.bar_high, f.price);
    x.bar_low = std::min(x.bar_low, f.price);
    x.bar_close = f.price;
    x.bar_volume += f.qty;
    x.volume += f.qty;
    ++x.bar_trades;
    x.last_trade = f.price;
    x.feed_dirty = true;
    if (params_.luld_band > 0.0) luld_record(x, t, f.price, f.qty);
  }
  x.fills.clear();
  const Ticks bb = x.book.best_bid(), ba = x.book.best_ask();
  const std::uint64_t bs = bb == kNoPrice ? 0 : x.book.depth_at(Side::buy, bb);
  const std::uint64_t as = ba == kNoPrice ? 0 : x.book.depth_at(Side::sell, ba);
  if (bb != x.quoted_bid || ba != x.quoted_ask || bs != x.quoted_bid_size || as != x.quoted_ask_size) {
    if (bb != x.quoted_bid || ba != x.quoted_ask) x.feed_dirty = true;
    x.quoted_bid = bb;
    x.quoted_ask = ba;
    x.quoted_bid_size = bs;
    x.quoted_ask_size = as;
    if (bb != kNoPrice && ba != kNoPrice) {
      // As the quotes row gives it, so the observables agree with the table.
      const double mid = 0.5 * (to_price(bb) + to_price(ba));
      if (x.two_sided_bid == kNoPrice) x.open_mid = x.high_mid = mid;
      x.high_mid = std::max(x.high_mid, mid);
      x.two_sided_bid = bb;
      x.two_sided_ask = ba;
    }
    const double nan = std::nan("");
    ctx.emit(kQuotes, t, s, bb == kNoPrice ? nan : to_price(bb), static_cast<std::int64_t>(bs),
             ba == kNoPrice ? nan : to_price(ba), static_cast<std::int64_t>(as));
  }
}

}  // namespace simulacra::market
