// The market population's construction, tables and exchange LPs. The trader
// LPs' behaviour lives in traders.cpp.
#include <algorithm>
#include <cmath>
#include <string>

#include "market_internal.hpp"
#include "simulacra/agents/market/market.hpp"
#include "simulacra/engine/attribute_block.hpp"
#include "simulacra/engine/errors.hpp"

namespace simulacra::market {

using namespace detail;

const char* to_string(AgentKind k) {
  switch (k) {
    case AgentKind::zi: return "zero_intelligence";
    case AgentKind::noise: return "noise";
    case AgentKind::value: return "value";
    case AgentKind::momentum: return "momentum";
    case AgentKind::maker: return "market_maker";
    case AgentKind::spoofer: return "spoofer";
    case AgentKind::layerer: return "layerer";
    case AgentKind::wash: return "wash_trader";
    case AgentKind::shock: return "shock";
  }
  return "?";
}

const char* to_string(Label l) {
  switch (l) {
    case Label::normal: return "normal";
    case Label::spoof: return "spoof";
    case Label::layering: return "layering";
    case Label::wash: return "wash";
  }
  return "?";
}

namespace {
void require(bool ok, const std::string& what) {
  if (!ok) throw ConfigError("market: " + what);
}
}  // namespace

// The smallest mean interval a model may give an agent: a zero or negative
// value from a smoothed marginal would otherwise stall the run.
constexpr double kMinModelInterval = 1e-3;

void MarketPopulation::attributes_from_model(const TraderModel& m) {
  RandomStream rng(derive_seed(seed_, 0x61747472ULL), 0);  // "attr": apart from the agents' streams
  const TableSchema& schema = m.sampler->schema();
  const bool by_kind = has_column(schema, "kind");
  const std::uint32_t qty_max = kMaxQty / params_.lot_size;
  // Agents of one kind are contiguous (added kind by kind), in id order.
  std::vector<std::vector<std::uint32_t>> groups;
  for (const AgentKind k : m.kinds) {
    std::vector<std::uint32_t> agents;
    for (std::uint32_t a = 0; a < agent_count(); ++a) {
      if (kind_[a] == k) agents.push_back(a);
    }
    if (agents.empty()) continue;
    if (by_kind || groups.empty()) groups.emplace_back();
    groups.back().insert(groups.back().end(), agents.begin(), agents.end());
  }
  for (const auto& agents : groups) {
    auto where = m.where;
    if (by_kind) where.emplace_back("kind", to_string(kind_[agents.front()]));
    TableChunk rows;
    try {
      rows = where.empty() ? m.sampler->sample(agents.size(), rng) : m.sampler->sample_where(agents.size(), where, rng);
    } catch (const UserError& e) {
      throw DataError(m.file + ": " + e.what() +
                      (by_kind ? std::string("; the model's kind column decides each listed kind's agents: list in "
                                             "attributes.kinds only the kinds it describes")
                               : std::string()));
    }
    if (rows.rows() != agents.size()) throw DataError(m.file + ": the model returned too few rows");
    if (has_column(schema, "order_size")) {
      const auto size = attribute_numbers(rows, schema, "order_size", m.file);
      for (std::size_t i = 0; i < agents.size(); ++i) {
        // Orders are uniform in 1..2m-1 lots: their mean is the agent's m.
        const double mean_lots = std::max(1.0, std::round(size[i] / params_.lot_size));
        max_lots_[agents[i]] = static_cast<std::uint32_t>(std::min(2.0 * mean_lots - 1.0, static_cast<double>(qty_max)));
      }
    }
    if (has_column(schema, "interval")) {
      const auto iv = attribute_numbers(rows, schema, "interval", m.file);
      for (std::size_t i = 0; i < agents.size(); ++i) interval_[agents[i]] = std::max(iv[i], kMinModelInterval);
      for (const std::uint32_t a : agents) noise_interval_from_model_ |= kind_[a] == AgentKind::noise;
    }
  }
}

void validate(const MarketParams& p) {
  require(p.symbols >= 1 && p.symbols <= 256, "symbols must be in [1, 256]");
  require(p.tick_size > 0.0, "tick_size must be positive");
  require(p.lot_size >= 1, "lot_size must be at least 1");
  require(p.session_close > p.session_open && p.session_open >= 0.0, "need 0 <= session_open < session_close");
  require(p.latency > 0.0, "latency must be positive (it is the lookahead)");
  require(p.latency_jitter >= 0.0, "latency_jitter must be >= 0");
  require(p.feed_interval > 0.0 && p.bar_interval > 0.0 && p.snapshot_interval > 0.0,
          "feed, bar and snapshot intervals must be positive");
  require(p.trader_lps >= 1, "trader_lps must be at least 1");
  require(p.fundamental.initial_price / p.tick_size >= 10.0, "initial_price must be at least 10 ticks");
  require(p.fundamental.initial_price / p.tick_size <= 2.5e8, "initial_price is too many ticks");
  require(p.value_interval_min > 0.0 && p.value_interval_max >= p.value_interval_min,
          "need 0 < value_interval_min <= value_interval_max");
  require(p.value_horizon_min >= 0.0 && p.value_horizon_max >= p.value_horizon_min,
          "need 0 <= value_horizon_min <= value_horizon_max");
  for (double v : {p.zi_interval, p.noise_interval, p.momentum_interval, p.maker_interval, p.spoof_interval,
                   p.layer_interval, p.wash_interval}) {
    require(v > 0.0, "agent intervals must be positive");
  }
  require(p.momentum_slow > p.momentum_fast && p.momentum_fast > 0.0, "need 0 < momentum_fast < momentum_slow");
  require(p.active_rate_ratio >= 1.0, "active_rate_ratio must be >= 1");
  const std::uint64_t qty_max = kMaxQty / p.lot_size;
  for (std::uint32_t lots : {p.zi_max_lots, p.noise_max_lots, p.value_max_lots, p.momentum_max_lots,
                             p.maker_level_lots, p.spoof_lots, p.spoof_trade_lots, p.layer_lots,
                             p.layer_trade_lots, p.wash_lots}) {
    require(lots >= 1 && lots <= qty_max, "order sizes must be in [1, 16777215 shares / lot_size] lots");
  }
  for (const NewsJump& n : p.news) require(n.symbol < p.symbols, "news names a symbol that does not exist");
  for (const MarketShock& s : p.shocks) {
    require(s.symbol < p.symbols, "a shock names a symbol that does not exist");
    require(s.quantity <= kMaxQty, "market_sell quantity above 16777215");
  }
}

MarketPopulation::MarketPopulation(const MarketParams& p, std::uint64_t seed, double duration)
    : params_(p), seed_(seed), duration_(duration) {
  validate(p);
  price_levels_ = static_cast<Ticks>(std::ceil(4.0 * p.fundamental.initial_price / p.tick_size));
  built_fundamental_ = p.fundamental;
  path_seed_ = derive_seed(seed, kPathSalt);
  auto paths = std::make_shared<std::vector<FundamentalPath>>();
  for (std::uint32_t s = 0; s < p.symbols; ++s) paths->emplace_back(p.fundamental, duration, path_seed_, s, p.news);
  paths_ = std::move(paths);

  // Agents in a fixed kind order; per-agent traits from a construction stream
  // so they depend on the seed only.
  RandomStream rng(derive_seed(seed, 0x61676e74ULL), 0);
  auto add = [&](AgentKind k, std::uint32_t n, double interval) {
    for (std::uint32_t i = 0; i < n; ++i) {
      const auto id = static_cast<std::uint32_t>(kind_.size());
      kind_.push_back(k);
      symbol_.push_back(id % p.symbols);
      double iv = interval;
      double h = 0.0;
      if (k == AgentKind::value) {
        // Log-uniform heterogeneity in how often and how far ahead they look.
        iv = p.value_interval_min * std::pow(p.value_interval_max / p.value_interval_min, rng.uniform());
        h = p.value_horizon_min > 0.0
                ? p.value_horizon_min * std::pow(p.value_horizon_max / p.value_horizon_min, rng.uniform())
                : p.value_horizon_max * rng.uniform();
      }
      interval_.push_back(iv);
      horizon_.push_back(h);
    }
  };
  add(AgentKind::zi, p.zi_traders, p.zi_interval);
  add(AgentKind::noise, p.noise_traders, p.noise_interval);
  add(AgentKind::value, p.value_traders, 0.0);
  add(AgentKind::momentum, p.momentum_traders, p.momentum_interval);
  add(AgentKind::maker, p.market_makers, p.maker_interval);
  add(AgentKind::spoofer, p.spoofers, p.spoof_interval);
  add(AgentKind::layerer, p.layerers, p.layer_interval);
  add(AgentKind::wash, p.wash_traders, p.wash_interval);
  require(kind_.size() < (std::uint64_t{1} << 31) - 2, "too many agents");
  const std::size_t n = kind_.size();
  max_lots_.assign(n, 0);
  for (std::size_t a = 0; a < n; ++a) {
    switch (kind_[a]) {
      case AgentKind::zi: max_lots_[a] = p.zi_max_lots; break;
      case AgentKind::noise: max_lots_[a] = p.noise_max_lots; break;
      case AgentKind::value: max_lots_[a] = p.value_max_lots; break;
      case AgentKind::momentum: max_lots_[a] = p.momentum_max_lots; break;
      default: break;
    }
  }
  if (p.trader_model.sampler) attributes_from_model(p.trader_model);
  seed_agent_streams(seed);
  next_seq_.assign(n, 0);
  open_first_.assign(n, 0);
  open_count_.assign(n, 0);
  last_arrival_.assign(n, 0.0);
  position_.assign(n, 0);
  cash_.assign(n, 0.0);
  orders_sent_.assign(n, 0);
  wait_count_.assign(n, 0);
  wait_total_.assign(n, 0.0);
  exchanges_.resize(p.symbols);
  for (auto& x : exchanges_) x.book = LimitOrderBook(price_levels_, p.lot_size);
  desks_.resize(p.trader_lps);
  for (auto& d : desks_) d.views.resize(p.symbols);
}

std::unique_ptr<Population> MarketPopulation::clone() const { return std::make_unique<MarketPopulation>(*this); }

Ticks MarketPopulation::to_ticks(double price) const {
  const double t = std::round(price / params_.tick_size);
  return static_cast<Ticks>(std::clamp(t, 1.0, static_cast<double>(price_levels_ - 1)));
}

std::vector<TableSchema> MarketPopulation::tables() const {
  using CT = ColumnType;
  const std::string tu = "s";
  return {
      {"orders", "one order message processed by the exchange (cancels: one row per order cancelled)",
       {{"time", CT::float64, tu, "arrival at the exchange"},
        {"symbol", CT::int64, "", "symbol index"},
        {"order_id", CT::int64, "", "(agent_id + 1) * 2^32 + agent's order counter"},
        {"agent_id", CT::int64, "", "sending agent"},
        {"agent_type", CT::string, "", "kind of the sending agent"},
        {"side", CT::string, "", "buy or sell"},
        {"price", CT::float64, "", "limit price (NaN for market orders)"},
        {"quantity", CT::int64, "", "shares ordered (cancel: shares removed)"},
        {"type", CT::string, "", "limit, market or cancel"},
        {"label", CT::string, "", "normal, spoof, layering or wash (ground truth)"},
        {"status", CT::string, "", "accepted, rejected or closed (outside the session)"}}},
      {"trades", "one execution",
       {{"time", CT::float64, tu, "execution time"},
        {"symbol", CT::int64, "", "symbol index"},
        {"price", CT::float64, "", "execution price (the resting order's)"},
        {"quantity", CT::int64, "", "shares"},
        {"aggressor_side", CT::string, "", "side of the incoming order"},
        {"buyer", CT::int64, "", "buying agent"},
        {"seller", CT::int64, "", "selling agent"},
        {"buy_order_id", CT::int64, "", "buyer's order"},
        {"sell_order_id", CT::int64, "", "seller's order"}}},
      {"quotes", "one change of the best bid or ask (price or size)",
       {{"time", CT::float64, tu, "time of the change"},
        {"symbol", CT::int64, "", "symbol index"},
        {"bid_price", CT::float64, "", "best bid (NaN if none)"},
        {"bid_size", CT::int64, "", "shares at the best bid"},
        {"ask_price", CT::float64, "", "best ask (NaN if none)"},
        {"ask_size", CT::int64, "", "shares at the best ask"}}},
      {"book_snapshots", "one price level of a periodic book snapshot",
       {{"time", CT::float64, tu, "snapshot time"},
        {"symbol", CT::int64, "", "symbol index"},
        {"level", CT::int64, "", "0 = best"},
        {"bid_price", CT::float64, "", "NaN if the bid side has fewer levels"},
        {"bid_size", CT::int64, "", "shares"},
        {"ask_price", CT::float64, "", "NaN if the ask side has fewer levels"},
        {"ask_size", CT::int64, "", "shares"}}},
      {"bars", "one bar (OHLCV of trades) per symbol per bar interval",
       {{"time", CT::float64, tu, "end of the bar"},
        {"symbol", CT::int64, "", "symbol index"},
        {"open", CT::float64, "", "first trade price (NaN if no trade yet today)"},
        {"high", CT::float64, "", "highest trade price"},
        {"low", CT::float64, "", "lowest trade price"},
        {"close", CT::float64, "", "last trade price"},
        {"volume", CT::int64, "", "shares traded in the bar"},
        {"trades", CT::int64, "", "executions in the bar"},
        {"mid", CT::float64, "", "mid price at the bar's end (NaN if one side is empty)"},
        {"fundamental", CT::float64, "", "fundamental value at the bar's end (ground truth)"}}},
      {"positions", "one agent at the end of the run",
       {{"agent_id", CT::int64, "", "agent (shock agents: one per symbol, after the traders)"},
        {"agent_type", CT::string, "", "kind"},
        {"symbol", CT::int64, "", "symbol traded"},
        {"position", CT::int64, "", "shares held (starting from 0)"},
        {"cash", CT::float64, "", "cash from trading (starting from 0)"},
        {"orders", CT::int64, "", "order messages sent"}}},
  };
}

void MarketPopulation::init_lp(Context& ctx, std::uint32_t local) {
  if (local < params_.trader_lps) {
    trader_init(ctx, local);
  } else {
    exchange_init(ctx, local - params_.trader_lps);
  }
}

void MarketPopulation::handle(Context& ctx, std::uint32_t local, const Event& ev) {
  if (local < params_.trader_lps) {
    desks_[local].last_time = ctx.now().value;
    trader_handle(ctx, local, ev);
  } else {
    const std::uint32_t sym = local - params_.trader_lps;
    exchanges_[sym].last_time = ctx.now().value;
    exchange_handle(ctx, sym, ev);
  }
}

void MarketPopulation::exchange_init(Context& ctx, std::uint32_t sym) {
  const double open = params_.session_open;
  ctx.send_self(SimTime{open}, kPublish);
  ctx.send_self(SimTime{open + params_.bar_interval}, kBar);
  ctx.send_self(SimTime{open + params_.snapshot_interval}, kSnapshot);
  for (const MarketShock& s : params_.shocks) {
    if (s.kind == MarketShock::Kind::market_sell && s.symbol == sym) {
      ctx.send_self(SimTime{s.at}, kShockSell, {0, s.quantity});
    }
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
      const std::uint32_t agent = agent_count() + sym;
      const std::uint32_t qty = static_cast<std::uint32_t>(ev.data[1]) / params_.lot_size * params_.lot_size;
      const std::uint64_t id = order_id(agent, x.shock_seq++);
      const bool open = t >= params_.session_open && t < params_.session_close;
      OrderResult r;
      if (open && qty > 0) r = x.book.market(id, agent, Side::sell, qty, x.fills);
      ctx.emit(kOrders, t, s, static_cast<std::int64_t>(id), static_cast<std::int64_t>(agent), "shock", "sell", nan,
               static_cast<std::int64_t>(qty), "market", "normal",
               !open ? "closed" : (qty > 0 && r.status == OrderStatus::accepted ? "accepted" : "rejected"));
      settle(ctx, x, sym);
      return;
    }
    default:
      return;
  }
}

void MarketPopulation::exchange_order(Context& ctx, Exchange& x, std::uint32_t sym, const Arrival& m) {
  const double t = ctx.now().value;
  const auto s = static_cast<std::int64_t>(sym);
  const std::uint64_t id = m.w0;
  const std::uint32_t agent = m.agent;
  const char* type = to_string(kind_[agent]);
  const bool open = t >= params_.session_open && t < params_.session_close;
  if (m.kind == kCancel) {
    const auto count = static_cast<std::uint32_t>(m.w1);
    const auto l = static_cast<Label>(m.w1 >> 32);
    const char* label = to_string(l);
    for (std::uint32_t k = 0; k < count; ++k) {
      Side side;
      Ticks price;
      std::uint32_t qty;
      if (!x.book.peek(id + k, side, price, qty)) continue;  // already filled or cancelled
      x.book.cancel(id + k);
      if (l != Label::normal) ++x.manipulative_orders;
      ctx.emit(kOrders, t, s, static_cast<std::int64_t>(id + k), static_cast<std::int64_t>(agent), type,
               side == Side::buy ? "buy" : "sell", to_price(price), static_cast<std::int64_t>(qty), "cancel", label,
               "accepted");
    }
    settle(ctx, x, sym);
    return;
  }
  const std::uint64_t w = m.w1;
  const Side side = side_of(w);
  const std::uint32_t qty = qty_of(w);
  OrderResult r;
  r.status = OrderStatus::bad_price;
  if (open) {
    r = m.kind == kLimit ? x.book.limit(id, agent, side, price_of(w), qty, x.fills)
                         : x.book.market(id, agent, side, qty, x.fills);
  }
  if (label_of(w) != Label::normal) ++x.manipulative_orders;
  ctx.emit(kOrders, t, s, static_cast<std::int64_t>(id), static_cast<std::int64_t>(agent), type,
           side == Side::buy ? "buy" : "sell", m.kind == kLimit ? to_price(price_of(w)) : std::nan(""),
           static_cast<std::int64_t>(qty), m.kind == kLimit ? "limit" : "market", to_string(label_of(w)),
           !open ? "closed" : (r.status == OrderStatus::accepted ? "accepted" : "rejected"));
  settle(ctx, x, sym);
}

// Reports the fills of the last order (trades rows, fill messages, bar) and a
// change of the top of the book (quotes row).
void MarketPopulation::settle(Context& ctx, Exchange& x, std::uint32_t sym) {
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
             static_cast<std::int64_t>(buyer), static_cast<std::int64_t>(seller), static_cast<std::int64_t>(buy_id),
             static_cast<std::int64_t>(sell_id));
    for (int leg = 0; leg < 2; ++leg) {
      const std::uint32_t who = leg == 0 ? buyer : seller;
      const Side side = leg == 0 ? Side::buy : Side::sell;
      if (who >= traders) {
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

void MarketPopulation::finish(Context& ctx) {
  for (std::uint32_t a = 0; a < agent_count(); ++a) {
    ctx.emit(kPositions, static_cast<std::int64_t>(a), to_string(kind_[a]), static_cast<std::int64_t>(symbol_[a]),
             position_[a], cash_[a], static_cast<std::int64_t>(orders_sent_[a]));
  }
  for (std::uint32_t s = 0; s < params_.symbols; ++s) {
    const Exchange& x = exchanges_[s];
    ctx.emit(kPositions, static_cast<std::int64_t>(agent_count() + s), "shock", static_cast<std::int64_t>(s),
             x.shock_position, x.shock_cash, static_cast<std::int64_t>(x.shock_seq));
  }
}

}  // namespace simulacra::market
