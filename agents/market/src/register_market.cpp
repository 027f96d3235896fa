// Registration of population type "market": every parameter's key, type,
// unit, default, range and doc, the timeline actions, and the conversion from
// validated scenario values to MarketParams.
#include <memory>

#include "attributes_block.hpp"
#include "simulacra/agents/market/market.hpp"

namespace simulacra::market {

namespace {

ParamSpec integer(std::string key, std::string def, double lo, double hi, std::string doc) {
  return {std::move(key), ParamType::integer, Dimension::none, std::move(def), lo, hi, {}, std::move(doc)};
}
ParamSpec real(std::string key, std::string def, double lo, std::optional<double> hi, std::string doc) {
  return {std::move(key), ParamType::real, Dimension::none, std::move(def), lo, hi, {}, std::move(doc)};
}
ParamSpec duration(std::string key, std::string def, double lo, std::string doc) {
  return {std::move(key), ParamType::quantity, Dimension::time, std::move(def), lo, {}, {}, std::move(doc)};
}
ParamSpec fraction(std::string key, std::string def, std::string doc) {
  return {std::move(key), ParamType::quantity, Dimension::fraction, std::move(def), 0.0, 1.0, {}, std::move(doc)};
}

constexpr double kMaxCount = 1.0e8;
constexpr double kMaxLots = 16777215.0;

std::vector<ParamSpec> market_param_specs() {
  return {
      integer("symbols", "1", 1, 256, "number of symbols, each with its own exchange LP and fundamental"),
      real("tick_size", "0.01", 1e-9, {}, "price increment"),
      integer("lot_size", "1", 1, kMaxLots, "shares per lot; every order is a whole number of lots"),
      real("initial_price", "100", 1e-9, {}, "opening fundamental and reference price (the book spans 4x)"),
      duration("session_open", "0s", 0.0, "exchange opening time from the run's start"),
      duration("session_close", "6.5h", 1e-9, "exchange closing time from the run's start"),
      duration("feed_interval", "1s", 1e-6, "interval of market-data updates (best bid/ask, last) to traders"),
      duration("bar_interval", "1min", 1e-6, "length of an OHLCV bar"),
      duration("snapshot_interval", "1min", 1e-6, "interval of book snapshots"),
      integer("snapshot_levels", "5", 1, 1000, "levels per side in a book snapshot"),
      duration("latency", "10ms", 1e-9, "fixed agent-exchange latency; the engine's lookahead"),
      duration("latency_jitter", "10ms", 0.0, "mean of the exponential extra latency of each order"),
      integer("trader_lps", "8", 1, 1e6,
              "LPs the agents are dealt to (round-robin), for parallelism only: the output depends neither on it "
              "nor on threads"),
      real("active_rate_ratio", "3", 1.0, 1e3, "how much more often agents act in the active regime"),
      real("intraday_ratio", "1", 1.0, 100.0, "activity and variance at the session's open and close over midday (intraday U; 1: flat)"),
      real("fundamental_kappa", "1e-5", 0.0, 1.0, "mean-reversion rate of the log-fundamental, per second"),
      real("fundamental_sigma", "8e-5", 0.0, 1.0, "calm-regime volatility of the log-fundamental, per sqrt(second)"),
      real("active_vol_ratio", "4", 1.0, 1e3, "volatility multiplier of the active regime"),
      duration("calm_duration", "1h", 1e-6, "mean duration of a calm regime"),
      duration("active_duration", "30min", 1e-6, "mean duration of an active regime"),
      duration("jump_interval", "0s", 0.0, "mean time between random fundamental jumps (0s: none)"),
      real("jump_sd", "0.003", 0.0, 1.0, "s.d. of a random jump of the log-fundamental"),
      integer("zi_traders", "0", 0, kMaxCount, "zero-intelligence traders"),
      integer("noise_traders", "1000", 0, kMaxCount, "noise traders"),
      integer("value_traders", "102", 0, kMaxCount, "value (fundamentalist) traders"),
      integer("momentum_traders", "12", 0, kMaxCount, "momentum (trend-following) traders"),
      integer("market_makers", "2", 0, kMaxCount, "market makers"),
      integer("spoofers", "0", 0, kMaxCount, "spoofing manipulators (orders labelled spoof)"),
      integer("layerers", "0", 0, kMaxCount, "layering manipulators (orders labelled layering)"),
      integer("wash_traders", "0", 0, kMaxCount, "wash traders (orders labelled wash)"),
      duration("zi_interval", "1min", 1e-6, "mean time between a zero-intelligence trader's orders (calm regime)"),
      integer("zi_max_lots", "5", 1, kMaxLots, "largest zero-intelligence order, lots (uniform 1..max)"),
      integer("zi_range_ticks", "20", 1, 1e6, "zero-intelligence limit prices lie 1..range ticks from the mid, passive"),
      fraction("zi_cancel_prob", "0.8", "probability a zero-intelligence trader cancels its last order first"),
      duration("noise_interval", "30min", 1e-6, "mean time between a noise trader's market orders (calm regime)"),
      integer("noise_max_lots", "10", 1, kMaxLots, "largest noise order, lots"),
      duration("value_interval_min", "30s", 1e-6, "value traders' mean intervals are log-uniform from this"),
      duration("value_interval_max", "10min", 1e-6, "... to this"),
      duration("value_horizon_min", "1min", 0.0, "value traders' forecast horizons are log-uniform from this"),
      duration("value_horizon_max", "2h", 0.0, "... to this"),
      real("value_obs_noise", "0.001", 0.0, 1.0, "s.d. of a value trader's log observation error of the fundamental"),
      fraction("value_aggression", "1", "probability a value trader's order is priced to take liquidity"),
      integer("value_max_lots", "100", 1, kMaxLots, "largest value order, lots"),
      integer("value_edge_ticks", "5", 0, 1e6, "passive value orders sit up to this many ticks inside their estimate"),
      real("value_size_elasticity", "0", 0.0, 1e3,
           "a value order grows by this many times its drawn size per 1 % between the trader's estimate and the mid"),
      duration("momentum_interval", "20s", 1e-6, "mean time between a momentum trader's decisions (calm regime)"),
      duration("momentum_fast", "1min", 1e-6, "time constant of the fast EMA of the mid"),
      duration("momentum_slow", "10min", 1e-6, "time constant of the slow EMA of the mid"),
      real("momentum_threshold", "5e-4", 0.0, 1.0, "relative EMA gap that triggers a market order"),
      integer("momentum_max_lots", "10", 1, kMaxLots, "largest momentum order, lots"),
      duration("maker_interval", "2s", 1e-6, "time between a market maker's ladder refreshes"),
      integer("maker_levels", "5", 1, 1000, "price levels quoted per side"),
      integer("maker_half_spread_ticks", "1", 1, 1e6, "quoted spread is 2*half-1 ticks around the (skewed) mid"),
      integer("maker_level_lots", "20", 1, kMaxLots, "lots quoted at each level"),
      fraction("maker_size_spread", "0", "each level's lots are uniform within this fraction either side of maker_level_lots"),
      integer("maker_inventory_limit", "2000", 0, 1e12, "shares; beyond it a maker stops quoting the side that adds"),
      duration("maker_vol_window", "1min", 1e-6, "time constant of the makers' realized volatility of the mid (from the feed)"),
      real("maker_widen_vol", "0", 0.0, 1.0, "1-minute volatility of the mid at which makers double their half spread (0: never widen)"),
      real("maker_withdraw_vol", "0", 0.0, 1.0, "1-minute volatility of the mid above which makers quote nothing (0: never)"),
      fraction("maker_unwind", "0", "share of its inventory a maker beyond maker_inventory_limit sells (buys) back by market order at each refresh"),
      duration("spoof_interval", "5min", 1e-6, "mean time between spoofing episodes (calm regime)"),
      duration("spoof_hold", "2s", 1e-6, "mean time a spoof order rests before the trade and its cancel (uniform 0.5-1.5 times)"),
      integer("spoof_lots", "100", 1, kMaxLots, "largest spoof order, lots (each is the larger of two uniform draws in 1..max)"),
      integer("spoof_trade_lots", "20", 1, kMaxLots, "largest real order of a spoofing episode, lots (uniform 1..max)"),
      duration("layer_interval", "5min", 1e-6, "mean time between layering episodes (calm regime)"),
      duration("layer_hold", "2s", 1e-6, "mean time the layers rest (uniform 0.5-1.5 times)"),
      integer("layer_levels", "5", 1, 1000, "levels layered"),
      integer("layer_lots", "100", 1, kMaxLots, "largest layer, lots (each is the larger of two uniform draws in 1..max)"),
      integer("layer_trade_lots", "20", 1, kMaxLots, "largest real order of a layering episode, lots (uniform 1..max)"),
      duration("wash_interval", "2min", 1e-6, "mean time between wash trades (calm regime)"),
      integer("wash_lots", "50", 1, kMaxLots, "largest wash trade, lots"),
      integer("stop_loss_traders", "0", 0, kMaxCount, "stop-loss traders (long, trailing stop)"),
      integer("stop_loss_lots", "100", 1, kMaxLots, "position a stop-loss trader holds, lots"),
      fraction("stop_loss_min", "1%", "stop-loss traders' trailing stop distances are log-uniform from this"),
      fraction("stop_loss_max", "5%", "... to this (below 100%)"),
      duration("stop_loss_reentry", "30min", 1e-6, "mean wait of a stopped-out trader before it buys back; first entries are uniform over it"),
      fraction("luld_band", "0", "limit up-limit down: no execution further than this from the reference price, a pause instead (0: off)"),
      duration("luld_window", "5min", 1e-6, "the reference price is the volume-weighted price of the trades of this window"),
      duration("luld_pause", "5min", 1e-6, "trading pause when the band is reached"),
      {"attributes", ParamType::node, Dimension::none, "null", {}, {}, {},
       "per-agent order sizes and intervals from a model file of traders: {model: FILE, columns: [order_size, "
       "interval, kind], kinds: [noise, value], where: {COLUMN: VALUE}}"},
  };
}

}  // namespace

MarketParams market_params_from(const PopulationSpec& spec, const BuildInfo& info) {
  const ParamValues& v = spec.params;
  auto u32 = [&](const char* k) { return static_cast<std::uint32_t>(v.integer(k)); };
  MarketParams p;
  p.symbols = u32("symbols");
  p.tick_size = v.real("tick_size");
  p.lot_size = u32("lot_size");
  p.fundamental.initial_price = v.real("initial_price");
  p.session_open = v.real("session_open");
  p.session_close = v.real("session_close");
  p.feed_interval = v.real("feed_interval");
  p.bar_interval = v.real("bar_interval");
  p.snapshot_interval = v.real("snapshot_interval");
  p.snapshot_levels = u32("snapshot_levels");
  p.latency = v.real("latency");
  p.latency_jitter = v.real("latency_jitter");
  p.trader_lps = u32("trader_lps");
  p.active_rate_ratio = v.real("active_rate_ratio");
  p.intraday_ratio = v.real("intraday_ratio");
  p.fundamental.kappa = v.real("fundamental_kappa");
  p.fundamental.sigma = v.real("fundamental_sigma");
  p.fundamental.active_vol_ratio = v.real("active_vol_ratio");
  p.fundamental.calm_duration = v.real("calm_duration");
  p.fundamental.active_duration = v.real("active_duration");
  p.fundamental.jump_interval = v.real("jump_interval");
  p.fundamental.jump_sd = v.real("jump_sd");
  p.zi_traders = u32("zi_traders");
  p.noise_traders = u32("noise_traders");
  p.value_traders = u32("value_traders");
  p.momentum_traders = u32("momentum_traders");
  p.market_makers = u32("market_makers");
  p.spoofers = u32("spoofers");
  p.layerers = u32("layerers");
  p.wash_traders = u32("wash_traders");
  p.zi_interval = v.real("zi_interval");
  p.zi_max_lots = u32("zi_max_lots");
  p.zi_range_ticks = u32("zi_range_ticks");
  p.zi_cancel_prob = v.real("zi_cancel_prob");
  p.noise_interval = v.real("noise_interval");
  p.noise_max_lots = u32("noise_max_lots");
  p.value_interval_min = v.real("value_interval_min");
  p.value_interval_max = v.real("value_interval_max");
  p.value_horizon_min = v.real("value_horizon_min");
  p.value_horizon_max = v.real("value_horizon_max");
  p.value_obs_noise = v.real("value_obs_noise");
  p.value_aggression = v.real("value_aggression");
  p.value_max_lots = u32("value_max_lots");
  p.value_edge_ticks = u32("value_edge_ticks");
  p.value_size_elasticity = v.real("value_size_elasticity");
  p.momentum_interval = v.real("momentum_interval");
  p.momentum_fast = v.real("momentum_fast");
  p.momentum_slow = v.real("momentum_slow");
  p.momentum_threshold = v.real("momentum_threshold");
  p.momentum_max_lots = u32("momentum_max_lots");
  p.maker_interval = v.real("maker_interval");
  p.maker_levels = u32("maker_levels");
  p.maker_half_spread_ticks = u32("maker_half_spread_ticks");
  p.maker_level_lots = u32("maker_level_lots");
  p.maker_size_spread = v.real("maker_size_spread");
  p.maker_inventory_limit = v.integer("maker_inventory_limit");
  p.maker_vol_window = v.real("maker_vol_window");
  p.maker_widen_vol = v.real("maker_widen_vol");
  p.maker_withdraw_vol = v.real("maker_withdraw_vol");
  p.maker_unwind = v.real("maker_unwind");
  p.stop_loss_traders = u32("stop_loss_traders");
  p.stop_loss_lots = u32("stop_loss_lots");
  p.stop_loss_min = v.real("stop_loss_min");
  p.stop_loss_max = v.real("stop_loss_max");
  p.stop_loss_reentry = v.real("stop_loss_reentry");
  p.luld_band = v.real("luld_band");
  p.luld_window = v.real("luld_window");
  p.luld_pause = v.real("luld_pause");
  p.spoof_interval = v.real("spoof_interval");
  p.spoof_hold = v.real("spoof_hold");
  p.spoof_lots = u32("spoof_lots");
  p.spoof_trade_lots = u32("spoof_trade_lots");
  p.layer_interval = v.real("layer_interval");
  p.layer_hold = v.real("layer_hold");
  p.layer_levels = u32("layer_levels");
  p.layer_lots = u32("layer_lots");
  p.layer_trade_lots = u32("layer_trade_lots");
  p.wash_interval = v.real("wash_interval");
  p.wash_lots = u32("wash_lots");
  p.trader_model = detail::open_trader_model(v.at("attributes"), spec.path + ".params.attributes", info);
  for (const TimelineAction& a : spec.timeline) {
    if (a.action == "news") {
      p.news.push_back({a.at, static_cast<std::uint32_t>(a.params.integer("symbol")), a.params.real("jump")});
    } else if (a.action == "market_sell") {
      MarketShock s;
      s.kind = MarketShock::Kind::market_sell;
      s.at = a.at;
      s.symbol = static_cast<std::uint32_t>(a.params.integer("symbol"));
      s.quantity = static_cast<std::uint32_t>(a.params.integer("quantity"));
      p.shocks.push_back(s);
    } else if (a.action == "sell_program") {
      MarketShock s;
      s.kind = MarketShock::Kind::sell_program;
      s.at = a.at;
      s.symbol = static_cast<std::uint32_t>(a.params.integer("symbol"));
      s.quantity = static_cast<std::uint32_t>(a.params.integer("quantity"));
      s.participation = a.params.real("participation");
      s.duration = a.params.real("duration");
      s.slice = a.params.real("slice");
      p.shocks.push_back(s);
    } else if (a.action == "maker_withdrawal") {
      MarketShock s;
      s.kind = MarketShock::Kind::maker_withdrawal;
      s.at = a.at;
      s.duration = a.params.real("duration");
      p.shocks.push_back(s);
    }
  }
  return p;
}

void register_market(Registry& registry) {
  PopulationType t;
  t.name = "market";
  t.doc = "an exchange (limit order books, one per symbol) and heterogeneous trader agents with latency; "
          "labelled manipulation; tables orders, trades, quotes, book_snapshots, bars, positions";
  t.params = market_param_specs();
  t.actions = {
      {"news", "the fundamental (and its long-run mean) jumps by a log-return",
       {integer("symbol", "0", 0, 255, "symbol index"),
        real("jump", "-0.03", -5.0, 5.0, "log-return of the jump, e.g. -0.03 for about -3%")}},
      {"market_sell", "a market sell order of the given size from a shock agent (flash-crash trigger)",
       {integer("symbol", "0", 0, 255, "symbol index"),
        integer("quantity", "100000", 1, kMaxLots, "shares")}},
      {"sell_program", "a large sell executed in child market orders by the shock agent: a share of the volume, or time-sliced",
       {integer("symbol", "0", 0, 255, "symbol index"),
        integer("quantity", "200000", 1, 4e9, "shares to sell in all"),
        fraction("participation", "9%", "by volume: the program's target share of the market's volume (0: time-sliced)"),
        duration("duration", "0s", 0.0, "time-sliced: sell the quantity evenly over this long (with participation 0)"),
        duration("slice", "10s", 1e-3, "time between child orders")}},
      {"maker_withdrawal", "every market maker cancels its quotes and stops quoting for a while",
       {duration("duration", "10min", 0.0, "how long makers stay out")}},
  };
  t.observables = MarketPopulation::observable_specs();
  t.live = MarketPopulation::live_params();
  t.check = [](const PopulationSpec& spec, const std::string& path, Issues& issues) {
    const ParamValues& v = spec.params;
    if (v.real("session_close") <= v.real("session_open")) {
      issues.add(v.at("session_close").at, path + ".params.session_close", "must be after session_open");
    }
    if (v.real("momentum_slow") <= v.real("momentum_fast")) {
      issues.add(v.at("momentum_slow").at, path + ".params.momentum_slow", "must be longer than momentum_fast");
    }
    if (v.real("value_interval_max") < v.real("value_interval_min")) {
      issues.add(v.at("value_interval_max").at, path + ".params.value_interval_max",
                 "must be at least value_interval_min");
    }
    if (v.real("stop_loss_max") < v.real("stop_loss_min") || v.real("stop_loss_max") >= 1.0 ||
        v.real("stop_loss_min") <= 0.0) {
      issues.add(v.at("stop_loss_max").at, path + ".params.stop_loss_max",
                 "need 0 < stop_loss_min <= stop_loss_max < 100%");
    }
    if (v.real("luld_band") >= 1.0) {
      issues.add(v.at("luld_band").at, path + ".params.luld_band", "must be below 100%");
    }
    if (v.real("value_horizon_max") < v.real("value_horizon_min")) {
      issues.add(v.at("value_horizon_max").at, path + ".params.value_horizon_max",
                 "must be at least value_horizon_min");
    }
    detail::check_attributes(v.at("attributes"), path + ".params.attributes", issues);
    const auto symbols = v.integer("symbols");
    for (std::size_t i = 0; i < spec.timeline.size(); ++i) {
      const TimelineAction& a = spec.timeline[i];
      if (a.action == "sell_program" && a.params.real("participation") >= 1.0) {
        issues.add(a.params.at("participation").at, path + ".timeline[" + std::to_string(i) + "].params.participation",
                   "must be below 100%");
      }
      if (a.action == "sell_program" && a.params.real("participation") == 0.0 && a.params.real("duration") <= 0.0) {
        issues.add(a.params.at("duration").at, path + ".timeline[" + std::to_string(i) + "].params.duration",
                   "a time-sliced program (participation 0) needs a duration");
      }
      if (a.params.has("symbol") && a.params.integer("symbol") >= symbols) {
        issues.add(a.params.at("symbol").at, path + ".timeline[" + std::to_string(i) + "].params.symbol",
                   "no such symbol (symbols = " + std::to_string(symbols) + ")");
      }
    }
  };
  t.make = [](const PopulationSpec& spec, const BuildInfo& info) -> std::unique_ptr<Population> {
    return std::make_unique<MarketPopulation>(market_params_from(spec, info), info.seed, info.duration);
  };
  registry.add(std::move(t));
}

}  // namespace simulacra::market
