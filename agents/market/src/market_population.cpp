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
    case AgentKind::stop_loss: return "stop_loss";
    case AgentKind::igniter: return "momentum_igniter";
    case AgentKind::stuffer: return "quote_stuffer";
    case AgentKind::colluder: return "colluder";
  }
  return "?";
}

const char* to_string(Label l) {
  switch (l) {
    case Label::normal: return "normal";
    case Label::spoof: return "spoof";
    case Label::layering: return "layering";
    case Label::wash: return "wash";
    case Label::momentum_ignition: return "momentum_ignition";
    case Label::quote_stuffing: return "quote_stuffing";
    case Label::collusion: return "collusion";
  }
  return "?";
}

const char* to_string(OrderType t) {
  switch (t) {
    case OrderType::limit: return "limit";
    case OrderType::market: return "market";
    case OrderType::ioc: return "ioc";
    case OrderType::fok: return "fok";
    case OrderType::post_only: return "post_only";
    case OrderType::post_only_slide: return "post_only_slide";
    case OrderType::iceberg: return "iceberg";
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
  require(p.feed_interval > 0.0 && p.bar_interval > 0.0, "feed and bar intervals must be positive");
  require(p.snapshot_interval >= 0.0, "snapshot_interval must be >= 0 (0: no snapshots)");
  require(p.trader_lps >= 1, "trader_lps must be at least 1");
  require(p.fundamental.initial_price / p.tick_size >= 10.0, "initial_price must be at least 10 ticks");
  require(p.fundamental.initial_price / p.tick_size <= 2.5e8, "initial_price is too many ticks");
  require(p.value_interval_min > 0.0 && p.value_interval_max >= p.value_interval_min,
          "need 0 < value_interval_min <= value_interval_max");
  require(p.value_horizon_min >= 0.0 && p.value_horizon_max >= p.value_horizon_min,
          "need 0 <= value_horizon_min <= value_horizon_max");
  for (double v : {p.zi_interval, p.noise_interval, p.momentum_interval, p.maker_interval, p.spoof_interval,
                   p.layer_interval, p.wash_interval, p.stop_loss_reentry, p.maker_vol_window, p.luld_window,
                   p.luld_pause, p.ignition_interval, p.ignition_gap, p.ignition_hold, p.stuffing_interval,
                   p.stuffing_life, p.collusion_interval, p.collusion_hold}) {
    require(v > 0.0, "agent intervals must be positive");
  }
  require(p.momentum_slow > p.momentum_fast && p.momentum_fast > 0.0, "need 0 < momentum_fast < momentum_slow");
  require(p.active_rate_ratio >= 1.0, "active_rate_ratio must be >= 1");
  require(p.intraday_ratio >= 1.0 && p.intraday_ratio <= 100.0, "intraday_ratio must be in [1, 100]");
  const std::uint64_t qty_max = kMaxQty / p.lot_size;
  for (std::uint32_t lots : {p.zi_max_lots, p.noise_max_lots, p.value_max_lots, p.momentum_max_lots,
                             p.maker_level_lots, p.spoof_lots, p.spoof_trade_lots, p.layer_lots,
                             p.layer_trade_lots, p.wash_lots, p.stop_loss_lots, p.ignition_lots, p.stuffing_lots,
                             p.collusion_lots}) {
    require(lots >= 1 && lots <= qty_max, "order sizes must be in [1, 16777215 shares / lot_size] lots");
  }
  // The ignition's exit order sells (buys) back the whole burst.
  require(p.ignition_orders >= 1 && p.ignition_orders <= 0xffff &&
              static_cast<std::uint64_t>(p.ignition_orders) * p.ignition_lots <= qty_max,
          "ignition_orders x ignition_lots must be at most 16777215 shares / lot_size (and ignition_orders at least 1)");
  require(p.stuffing_batches >= 1 && p.stuffing_batches <= 0xffff && p.stuffing_orders >= 1 &&
              p.stuffing_orders <= 100000,
          "stuffing_batches must be in [1, 65535] and stuffing_orders in [1, 100000]");
  require(p.collusion_patience >= 0.0, "collusion_patience must be >= 0");
  require(p.stop_loss_min > 0.0 && p.stop_loss_max >= p.stop_loss_min && p.stop_loss_max < 1.0,
          "need 0 < stop_loss_min <= stop_loss_max < 1");
  require(p.maker_widen_vol >= 0.0 && p.maker_withdraw_vol >= 0.0, "maker volatility thresholds must be >= 0");
  require(p.maker_unwind >= 0.0 && p.maker_unwind <= 1.0, "maker_unwind must be in [0, 1]");
  require(p.maker_size_spread >= 0.0 && p.maker_size_spread <= 1.0, "maker_size_spread must be in [0, 1]");
  require(p.luld_band >= 0.0 && p.luld_band < 1.0, "luld_band must be in [0, 1)");
  require(p.iceberg_display_lots <= qty_max, "iceberg_display_lots must be at most 16777215 shares / lot_size");
  for (const NewsJump& n : p.news) require(n.symbol < p.symbols, "news names a symbol that does not exist");
  for (const MarketShock& s : p.shocks) {
    require(s.symbol < p.symbols, "a shock names a symbol that does not exist");
    require(s.kind == MarketShock::Kind::sell_program || s.quantity <= kMaxQty, "market_sell quantity above 16777215");
    require(s.kind != MarketShock::Kind::sell_program || (s.slice > 0.0 && s.participation >= 0.0 &&
                                                          s.participation < 1.0 && (s.participation > 0.0 || s.duration > 0.0)),
            "a sell_program needs slice > 0 and a participation in (0, 1) or a duration > 0");
  }
}

MarketPopulation::MarketPopulation(const MarketParams& p, std::uint64_t seed, double duration)
    : params_(p), seed_(seed), duration_(duration) {
  validate(p);
  price_levels_ = static_cast<Ticks>(std::ceil(4.0 * p.fundamental.initial_price / p.tick_size));
  params_.fundamental.intraday_ratio = p.intraday_ratio;
  params_.fundamental.session_open = p.session_open;
  params_.fundamental.session_close = p.session_close;
  built_fundamental_ = params_.fundamental;
  path_seed_ = derive_seed(seed, kPathSalt);
  auto paths = std::make_shared<std::vector<FundamentalPath>>();
  for (std::uint32_t s = 0; s < p.symbols; ++s) paths->emplace_back(params_.fundamental, duration, path_seed_, s, p.news);
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
  add(AgentKind::igniter, p.momentum_igniters, p.ignition_interval);
  add(AgentKind::stuffer, p.quote_stuffers, p.stuffing_interval);
  colluder_first_ = static_cast<std::uint32_t>(kind_.size());
  add(AgentKind::colluder, 2 * p.colluding_pairs, p.collusion_interval);
  // The two accounts of a pair trade the same symbol (the leader's).
  for (std::uint32_t a = colluder_first_ + 1; a < kind_.size(); a += 2) symbol_[a] = symbol_[a - 1];
  stop_first_ = static_cast<std::uint32_t>(kind_.size());
  add(AgentKind::stop_loss, p.stop_loss_traders, p.stop_loss_reentry);
  stop_end_ = static_cast<std::uint32_t>(kind_.size());
  require(kind_.size() < (std::uint64_t{1} << 31) - 2, "too many agents");
  const std::size_t n = kind_.size();
  max_lots_.assign(n, 0);
  for (std::size_t a = 0; a < n; ++a) {
    switch (kind_[a]) {
      case AgentKind::zi: max_lots_[a] = p.zi_max_lots; break;
      case AgentKind::noise: max_lots_[a] = p.noise_max_lots; break;
      case AgentKind::value: max_lots_[a] = p.value_max_lots; break;
      case AgentKind::momentum: max_lots_[a] = p.momentum_max_lots; break;
      case AgentKind::spoofer:
      case AgentKind::layerer:
      case AgentKind::wash:
      case AgentKind::igniter:
      case AgentKind::stuffer:
      case AgentKind::colluder: max_lots_[a] = p.value_max_lots; break;  // their honest (value) orders
      default: break;
    }
  }
  if (p.trader_model.sampler) attributes_from_model(p.trader_model);
  // Stop distances log-uniform, from their own stream (the other kinds' traits do not move).
  stop_distance_.assign(n, 0.0);
  RandomStream stop_rng(derive_seed(seed, 0x73746f70ULL), 0);  // "stop"
  for (std::uint32_t a = stop_first_; a < stop_end_; ++a) {
    stop_distance_[a] = p.stop_loss_min * std::pow(p.stop_loss_max / p.stop_loss_min, stop_rng.uniform());
  }
  // Manipulators trade honestly as value traders: an interval and horizon
  // drawn as theirs, from a stream of their own (other agents' traits stay).
  honest_interval_.assign(n, 0.0);
  RandomStream honest_rng(derive_seed(seed, 0x686f6e73ULL), 0);  // "hons"
  for (std::size_t a = 0; a < n; ++a) {
    if (label_of_kind(kind_[a]) == Label::normal) continue;
    honest_interval_[a] = p.value_interval_min * std::pow(p.value_interval_max / p.value_interval_min, honest_rng.uniform());
    horizon_[a] = p.value_horizon_min > 0.0
                      ? p.value_horizon_min * std::pow(p.value_horizon_max / p.value_horizon_min, honest_rng.uniform())
                      : p.value_horizon_max * honest_rng.uniform();
  }
  // The ids the tables show: a permutation, so that an id does not tell the
  // agent's kind (agents are built kind by kind).
  public_id_.resize(n);
  for (std::size_t a = 0; a < n; ++a) public_id_[a] = static_cast<std::uint32_t>(a);
  RandomStream id_rng(derive_seed(seed, 0x61636374ULL), 0);  // "acct"
  for (std::size_t a = n; a > 1; --a) std::swap(public_id_[a - 1], public_id_[id_rng.below(a)]);
  honest_first_.assign(n, 0);
  honest_count_.assign(n, 0);
  episode_start_.assign(n, -1.0);
  episode_first_.assign(n, 0);
  episodes_.assign(n, {});
  stop_peak_.assign(n, 0.0);
  stop_phase_.assign(n, kStopFlat);
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
  for (auto& x : exchanges_) {
    x.book = LimitOrderBook(price_levels_, p.lot_size);
    if (p.luld_band > 0.0) x.luld.resize(kLuldBuckets);
  }
  for (const MarketShock& s : p.shocks) {
    if (s.kind != MarketShock::Kind::sell_program) continue;
    Program pr;
    pr.left = s.quantity / p.lot_size * p.lot_size;
    pr.participation = s.participation;
    pr.slice = s.slice;
    pr.per_slice = s.participation > 0.0 ? 0.0 : static_cast<double>(s.quantity) * s.slice / s.duration;
    exchanges_[s.symbol].programs.push_back(pr);
  }
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
  // Every value each string column can hold (HDF5 stores them fixed-width).
  const std::vector<std::string> sides{"buy", "sell"};
  std::vector<std::string> types, resting_types, labels, kinds;
  for (auto t = static_cast<int>(OrderType::limit); t <= static_cast<int>(OrderType::iceberg); ++t) {
    types.emplace_back(to_string(static_cast<OrderType>(t)));
  }
  resting_types = types;
  types.emplace_back("cancel");
  for (auto l = static_cast<int>(Label::normal); l <= static_cast<int>(Label::collusion); ++l) {
    labels.emplace_back(to_string(static_cast<Label>(l)));
  }
  for (auto k = static_cast<int>(AgentKind::zi); k <= static_cast<int>(AgentKind::colluder); ++k) {
    kinds.emplace_back(to_string(static_cast<AgentKind>(k)));
  }
  const std::vector<std::string> statuses{"accepted", "rejected", "would_cross", "closed",
                                          "halted",   "unfilled", "killed",      "self_trade"};
  return {
      {"orders", "one order message processed by the exchange (cancels: one row per order cancelled)",
       {{"time", CT::float64, tu, "arrival at the exchange"},
        {"symbol", CT::int64, "", "symbol index"},
        {"order_id", CT::int64, "", "(agent_id + 1) * 2^32 + agent's order counter"},
        {"agent_id", CT::int64, "", "sending agent (ids are shuffled: they do not tell an agent's kind)"},
        {"side", CT::string, "", "buy or sell", sides},
        {"price", CT::float64, "", "limit price (NaN for market orders)"},
        {"quantity", CT::int64, "", "shares ordered (cancel: shares removed or left unfilled)"},
        {"type", CT::string, "",
         "the order's type: limit, market, ioc, fok, post_only, post_only_slide, iceberg; or cancel", types},
        {"status", CT::string, "",
         "accepted, rejected, would_cross (a post-only order that would take liquidity), closed (outside the "
         "session), halted (in a limit up-limit down pause); on cancel rows: accepted (by the agent), unfilled "
         "(a market or IOC order's unfilled part), killed (a FOK order), self_trade (removed by self-trade "
         "prevention, incoming or resting)",
         statuses},
        {"display", CT::int64, "", "shares shown in the book at a time: an iceberg's peak, else the quantity (0 "
                                   "on cancel rows)"}}},
      {"trades", "one execution",
       {{"time", CT::float64, tu, "execution time"},
        {"symbol", CT::int64, "", "symbol index"},
        {"price", CT::float64, "", "execution price (the resting order's)"},
        {"quantity", CT::int64, "", "shares"},
        {"aggressor_side", CT::string, "", "side of the incoming order", sides},
        {"buyer", CT::int64, "", "buying agent"},
        {"seller", CT::int64, "", "selling agent"},
        {"buy_order_id", CT::int64, "", "buyer's order"},
        {"sell_order_id", CT::int64, "", "seller's order"},
        {"aggressor_type", CT::string, "", "type of the incoming order (as in orders)", resting_types},
        {"resting_type", CT::string, "",
         "type of the resting order: limit, post_only, post_only_slide or iceberg (a fill of an iceberg's "
         "displayed part, its reserve unseen)",
         resting_types}}},
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
        {"agent_type", CT::string, "", "kind (manipulators: value, the way they trade between episodes)", kinds},
        {"symbol", CT::int64, "", "symbol traded"},
        {"position", CT::int64, "", "shares held (starting from 0)"},
        {"cash", CT::float64, "", "cash from trading (starting from 0)"},
        {"orders", CT::int64, "", "order messages sent"}}},
      {"halts", "one limit up-limit down trading pause",
       {{"time", CT::float64, tu, "start of the pause"},
        {"symbol", CT::int64, "", "symbol index"},
        {"end", CT::float64, tu, "end of the pause"},
        {"reference", CT::float64, "", "reference price of the band"},
        {"lower", CT::float64, "", "lowest price the band allowed"},
        {"upper", CT::float64, "", "highest price the band allowed"},
        {"side", CT::string, "", "side of the order that reached the band's edge", sides}}},
      {"labels", "one manipulative order (ground truth; its orders rows share its order_id)",
       {{"time", CT::float64, tu, "arrival of the order at the exchange"},
        {"symbol", CT::int64, "", "symbol index"},
        {"order_id", CT::int64, "", "the order, as in orders and trades"},
        {"agent_id", CT::int64, "", "sending agent"},
        {"label", CT::string, "", "spoof, layering, wash, momentum_ignition, quote_stuffing or collusion", labels}}},
      {"episodes", "one manipulative episode (ground truth), at the end of the run",
       {{"agent_id", CT::int64, "", "manipulating agent"},
        {"symbol", CT::int64, "", "symbol index"},
        {"label", CT::string, "", "spoof, layering, wash, momentum_ignition, quote_stuffing or collusion", labels},
        {"start", CT::float64, tu, "the agent sends the episode's first order"},
        {"end", CT::float64, tu, "the agent sends its last order or cancel"},
        {"first_order_id", CT::int64, "", "the episode's first order"},
        {"last_order_id", CT::int64, "", "its last order (its own orders between are the episode's, or honest)"},
        {"partner_id", CT::int64, "", "collusion: the other account of the wash trade (-1 for other labels)"}}},
      {"agent_labels", "one agent at the end of the run (ground truth)",
       {{"agent_id", CT::int64, "", "agent, as in positions"},
        {"label", CT::string, "", "normal, or the manipulation it takes part in: spoof, layering, wash, "
                                  "momentum_ignition, quote_stuffing or collusion",
         labels},
        {"episodes", CT::int64, "", "its manipulative episodes"}}},
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

void MarketPopulation::finish(Context& ctx) {
  std::vector<std::uint32_t> by_public(agent_count());
  for (std::uint32_t a = 0; a < agent_count(); ++a) by_public[public_id_[a]] = a;
  for (const std::uint32_t a : by_public) {
    const bool manipulator = label_of_kind(kind_[a]) != Label::normal;
    ctx.emit(kPositions, static_cast<std::int64_t>(public_id_[a]), manipulator ? to_string(AgentKind::value) : to_string(kind_[a]),
             static_cast<std::int64_t>(symbol_[a]), position_[a], cash_[a], static_cast<std::int64_t>(orders_sent_[a]));
  }
  for (const std::uint32_t a : by_public) {
    ctx.emit(kAgentLabels, static_cast<std::int64_t>(public_id_[a]), to_string(label_of_kind(kind_[a])),
             static_cast<std::int64_t>(episodes_[a].size()));
  }
  // Episodes in the order they started (then by agent).
  std::vector<std::pair<std::uint32_t, const Episode*>> episodes;
  for (const std::uint32_t a : by_public) {
    for (const Episode& e : episodes_[a]) episodes.emplace_back(public_id_[a], &e);
  }
  std::stable_sort(episodes.begin(), episodes.end(), [](const auto& x, const auto& y) { return x.second->start < y.second->start; });
  for (const auto& [id, e] : episodes) {
    ctx.emit(kEpisodes, static_cast<std::int64_t>(id), static_cast<std::int64_t>(e->symbol), to_string(e->label),
             e->start, e->end, static_cast<std::int64_t>(public_order(e->first)),
             static_cast<std::int64_t>(public_order(e->last)),
             e->partner == kNoPartner ? std::int64_t{-1} : static_cast<std::int64_t>(public_id_[e->partner]));
  }
  for (std::uint32_t s = 0; s < params_.symbols; ++s) {
    const Exchange& x = exchanges_[s];
    ctx.emit(kPositions, static_cast<std::int64_t>(agent_count() + s), "shock", static_cast<std::int64_t>(s),
             x.shock_position, x.shock_cash, static_cast<std::int64_t>(x.shock_seq));
  }
}

}  // namespace simulacra::market
