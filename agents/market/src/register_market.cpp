// Registration of population type "market": every parameter's key, type,
// unit, default, range and doc, and every timeline action's, each declared
// once bound to its field (of MarketParams, NewsJump, MarketShock); the
// conversion from validated scenario values to MarketParams.
#include <memory>

#include "attributes_block.hpp"
#include "simulacra/agents/market/market.hpp"
#include "simulacra/engine/param_table.hpp"

namespace simulacra::market {

namespace {

constexpr double kMaxCount = 1.0e8;
constexpr double kMaxLots = 16777215.0;

}  // namespace

const ParamTable<MarketParams>& market_param_table() {
  static const ParamTable<MarketParams> table = [] {
    ParamTable<MarketParams> t("market");
    using P = MarketParams;
    constexpr auto kTime = Dimension::time;
    constexpr auto kFraction = Dimension::fraction;
    t.param("symbols", &P::symbols).range(1, 256)
        .doc("number of symbols, each with its own exchange LP and fundamental");
    t.param("tick_size", &P::tick_size).min(1e-9).doc("price increment");
    t.param("lot_size", &P::lot_size).range(1, kMaxLots).doc("shares per lot; every order is a whole number of lots");
    t.param("initial_price", &P::fundamental, &FundamentalParams::initial_price).min(1e-9)
        .doc("opening fundamental and reference price (the book spans 4x)");
    t.param("session_open", &P::session_open).dimension(kTime).min(0).doc("exchange opening time from the run's start");
    t.param("session_close", &P::session_close).dimension(kTime).min(1e-9)
        .doc("exchange closing time from the run's start");
    t.param("feed_interval", &P::feed_interval).dimension(kTime).min(1e-6)
        .doc("interval of market-data updates (best bid/ask, last) to traders");
    t.param("bar_interval", &P::bar_interval).dimension(kTime).min(1e-6).doc("length of an OHLCV bar");
    t.param("snapshot_interval", &P::snapshot_interval).dimension(kTime).min(0)
        .doc("interval of book snapshots, the top snapshot_levels levels of each side (0s: none)");
    t.param("snapshot_levels", &P::snapshot_levels).range(1, 1000).doc("levels per side in a book snapshot");
    t.param("latency", &P::latency).dimension(kTime).min(1e-9)
        .doc("fixed agent-exchange latency; the engine's lookahead");
    t.param("latency_jitter", &P::latency_jitter).dimension(kTime).min(0)
        .doc("mean of the exponential extra latency of each order");
    t.param("trader_lps", &P::trader_lps).range(1, 1e6)
        .doc("LPs the agents are dealt to (round-robin), for parallelism only: the output depends neither on it "
             "nor on threads");
    t.param("active_rate_ratio", &P::active_rate_ratio).range(1, 1e3)
        .doc("how much more often agents act in the active regime");
    t.param("intraday_ratio", &P::intraday_ratio).range(1, 100)
        .doc("activity and variance at the session's open and close over midday (intraday U; 1: flat)");
    t.param("fundamental_kappa", &P::fundamental, &FundamentalParams::kappa).range(0, 1)
        .doc("mean-reversion rate of the log-fundamental, per second");
    t.param("fundamental_sigma", &P::fundamental, &FundamentalParams::sigma).range(0, 1)
        .doc("calm-regime volatility of the log-fundamental, per sqrt(second)");
    t.param("active_vol_ratio", &P::fundamental, &FundamentalParams::active_vol_ratio).range(1, 1e3)
        .doc("volatility multiplier of the active regime");
    t.param("calm_duration", &P::fundamental, &FundamentalParams::calm_duration).dimension(kTime).min(1e-6)
        .doc("mean duration of a calm regime");
    t.param("active_duration", &P::fundamental, &FundamentalParams::active_duration).dimension(kTime).min(1e-6)
        .doc("mean duration of an active regime");
    t.param("jump_interval", &P::fundamental, &FundamentalParams::jump_interval).dimension(kTime).min(0)
        .doc("mean time between random fundamental jumps (0s: none)");
    t.param("jump_sd", &P::fundamental, &FundamentalParams::jump_sd).range(0, 1)
        .doc("s.d. of a random jump of the log-fundamental");
    t.param("zi_traders", &P::zi_traders).range(0, kMaxCount).doc("zero-intelligence traders");
    t.param("noise_traders", &P::noise_traders).range(0, kMaxCount).doc("noise traders");
    t.param("value_traders", &P::value_traders).range(0, kMaxCount).doc("value (fundamentalist) traders");
    t.param("momentum_traders", &P::momentum_traders).range(0, kMaxCount).doc("momentum (trend-following) traders");
    t.param("market_makers", &P::market_makers).range(0, kMaxCount).doc("market makers");
    t.param("spoofers", &P::spoofers).range(0, kMaxCount).doc("spoofing manipulators (orders labelled spoof)");
    t.param("layerers", &P::layerers).range(0, kMaxCount).doc("layering manipulators (orders labelled layering)");
    t.param("wash_traders", &P::wash_traders).range(0, kMaxCount).doc("wash traders (orders labelled wash)");
    t.param("zi_interval", &P::zi_interval).dimension(kTime).min(1e-6)
        .doc("mean time between a zero-intelligence trader's orders (calm regime)");
    t.param("zi_max_lots", &P::zi_max_lots).range(1, kMaxLots)
        .doc("largest zero-intelligence order, lots (uniform 1..max)");
    t.param("zi_range_ticks", &P::zi_range_ticks).range(1, 1e6)
        .doc("zero-intelligence limit prices lie 1..range ticks from the mid, passive");
    t.param("zi_cancel_prob", &P::zi_cancel_prob).dimension(kFraction).range(0, 1)
        .doc("probability a zero-intelligence trader cancels its last order first");
    t.param("noise_interval", &P::noise_interval).dimension(kTime).min(1e-6)
        .doc("mean time between a noise trader's market orders (calm regime)");
    t.param("noise_max_lots", &P::noise_max_lots).range(1, kMaxLots).doc("largest noise order, lots");
    t.param("value_interval_min", &P::value_interval_min).dimension(kTime).min(1e-6)
        .doc("value traders' mean intervals are log-uniform from this");
    t.param("value_interval_max", &P::value_interval_max).dimension(kTime).min(1e-6).doc("... to this");
    t.param("value_horizon_min", &P::value_horizon_min).dimension(kTime).min(0)
        .doc("value traders' forecast horizons are log-uniform from this");
    t.param("value_horizon_max", &P::value_horizon_max).dimension(kTime).min(0).doc("... to this");
    t.param("value_obs_noise", &P::value_obs_noise).range(0, 1)
        .doc("s.d. of a value trader's log observation error of the fundamental");
    t.param("value_aggression", &P::value_aggression).dimension(kFraction).range(0, 1)
        .doc("probability a value trader's order is priced to take liquidity");
    t.param("value_max_lots", &P::value_max_lots).range(1, kMaxLots).doc("largest value order, lots");
    t.param("value_edge_ticks", &P::value_edge_ticks).range(0, 1e6)
        .doc("passive value orders sit up to this many ticks inside their estimate");
    t.param("value_size_elasticity", &P::value_size_elasticity).range(0, 1e3)
        .doc("a value order grows by this many times its drawn size per 1 % between the trader's estimate and "
             "the mid");
    t.param("momentum_interval", &P::momentum_interval).dimension(kTime).min(1e-6)
        .doc("mean time between a momentum trader's decisions (calm regime)");
    t.param("momentum_fast", &P::momentum_fast).dimension(kTime).min(1e-6)
        .doc("time constant of the fast EMA of the mid");
    t.param("momentum_slow", &P::momentum_slow).dimension(kTime).min(1e-6)
        .doc("time constant of the slow EMA of the mid");
    t.param("momentum_threshold", &P::momentum_threshold).range(0, 1)
        .doc("relative EMA gap that triggers a market order");
    t.param("momentum_max_lots", &P::momentum_max_lots).range(1, kMaxLots).doc("largest momentum order, lots");
    t.param("maker_interval", &P::maker_interval).dimension(kTime).min(1e-6)
        .doc("time between a market maker's ladder refreshes");
    t.param("maker_levels", &P::maker_levels).range(1, 1000).doc("price levels quoted per side");
    t.param("maker_half_spread_ticks", &P::maker_half_spread_ticks).range(1, 1e6)
        .doc("quoted spread is 2*half-1 ticks around the (skewed) mid");
    t.param("maker_level_lots", &P::maker_level_lots).range(1, kMaxLots).doc("lots quoted at each level");
    t.param("maker_size_spread", &P::maker_size_spread).dimension(kFraction).range(0, 1)
        .doc("each level's lots are uniform within this fraction either side of maker_level_lots");
    t.param("maker_inventory_limit", &P::maker_inventory_limit).range(0, 1e12)
        .doc("shares; beyond it a maker stops quoting the side that adds");
    t.param("maker_vol_window", &P::maker_vol_window).dimension(kTime).min(1e-6)
        .doc("time constant of the makers' realized volatility of the mid (from the feed)");
    t.param("maker_widen_vol", &P::maker_widen_vol).range(0, 1)
        .doc("1-minute volatility of the mid at which makers double their half spread (0: never widen)");
    t.param("maker_withdraw_vol", &P::maker_withdraw_vol).range(0, 1)
        .doc("1-minute volatility of the mid above which makers quote nothing (0: never)");
    t.param("maker_unwind", &P::maker_unwind).dimension(kFraction).range(0, 1)
        .doc("share of its inventory a maker beyond maker_inventory_limit sells (buys) back by market order at "
             "each refresh");
    t.param("spoof_interval", &P::spoof_interval).dimension(kTime).min(1e-6)
        .doc("mean time between spoofing episodes (calm regime)");
    t.param("spoof_hold", &P::spoof_hold).dimension(kTime).min(1e-6)
        .doc("mean time a spoof order rests before the trade and its cancel (uniform 0.5-1.5 times)");
    t.param("spoof_lots", &P::spoof_lots).range(1, kMaxLots).doc("largest spoof order, lots (each is the larger of two uniform draws in 1..max)");
    t.param("spoof_trade_lots", &P::spoof_trade_lots).range(1, kMaxLots)
        .doc("largest real order of a spoofing episode, lots (uniform 1..max)");
    t.param("layer_interval", &P::layer_interval).dimension(kTime).min(1e-6)
        .doc("mean time between layering episodes (calm regime)");
    t.param("layer_hold", &P::layer_hold).dimension(kTime).min(1e-6).doc("mean time the layers rest (uniform 0.5-1.5 times)");
    t.param("layer_levels", &P::layer_levels).range(1, 1000).doc("levels layered");
    t.param("layer_lots", &P::layer_lots).range(1, kMaxLots).doc("largest layer, lots (each is the larger of two uniform draws in 1..max)");
    t.param("layer_trade_lots", &P::layer_trade_lots).range(1, kMaxLots)
        .doc("largest real order of a layering episode, lots (uniform 1..max)");
    t.param("wash_interval", &P::wash_interval).dimension(kTime).min(1e-6)
        .doc("mean time between wash trades (calm regime)");
    t.param("wash_lots", &P::wash_lots).range(1, kMaxLots).doc("largest wash trade, lots");
    t.param("momentum_igniters", &P::momentum_igniters).range(0, kMaxCount)
        .doc("momentum-ignition manipulators (orders labelled momentum_ignition)");
    t.param("ignition_interval", &P::ignition_interval).dimension(kTime).min(1e-6)
        .doc("mean time between momentum-ignition episodes (calm regime)");
    t.param("ignition_orders", &P::ignition_orders).range(1, 65535)
        .doc("orders in an ignition burst, all one way, each a limit order at the opposite touch");
    t.param("ignition_lots", &P::ignition_lots).range(1, kMaxLots)
        .doc("largest ignition order, lots (each is the larger of two uniform draws in 1..max)");
    t.param("ignition_gap", &P::ignition_gap).dimension(kTime).min(1e-6)
        .doc("mean time between the burst's orders (uniform 0.5-1.5 times)");
    t.param("ignition_hold", &P::ignition_hold).dimension(kTime).min(1e-6)
        .doc("mean time from the burst's last order to the cancel of its remainders and the orders the other way, "
             "for the burst's shares at that side's touch (uniform 0.5-1.5 times)");
    t.param("quote_stuffers", &P::quote_stuffers).range(0, kMaxCount)
        .doc("quote-stuffing manipulators (orders labelled quote_stuffing)");
    t.param("stuffing_interval", &P::stuffing_interval).dimension(kTime).min(1e-6)
        .doc("mean time between quote-stuffing episodes (calm regime)");
    t.param("stuffing_batches", &P::stuffing_batches).range(1, 65535).doc("batches of orders in an episode");
    t.param("stuffing_orders", &P::stuffing_orders).range(1, 100000)
        .doc("limit orders per batch, each 0-2 ticks behind a random side's touch");
    t.param("stuffing_lots", &P::stuffing_lots).range(1, kMaxLots)
        .doc("largest quote-stuffing order, lots (uniform 1..max)");
    t.param("stuffing_life", &P::stuffing_life).dimension(kTime).min(1e-6)
        .doc("mean time a batch rests before it is cancelled and the next sent (uniform 0.5-1.5 times)");
    t.param("colluding_pairs", &P::colluding_pairs).range(0, kMaxCount)
        .doc("pairs of colluding accounts that wash trade with each other (orders labelled collusion)");
    t.param("collusion_interval", &P::collusion_interval).dimension(kTime).min(1e-6)
        .doc("mean time between a pair's cross-account wash trades (calm regime)");
    t.param("collusion_patience", &P::collusion_patience).dimension(kTime).min(0)
        .doc("how long the pair's leader waits, checking about every second, for a spread of two ticks or more");
    t.param("collusion_hold", &P::collusion_hold).dimension(kTime).min(1e-6)
        .doc("mean time after which each account cancels what is left of its leg (uniform 0.5-1.5 times)");
    t.param("collusion_lots", &P::collusion_lots).range(1, kMaxLots)
        .doc("largest cross-account wash trade, lots (uniform 1..max)");
    t.param("stop_loss_traders", &P::stop_loss_traders).range(0, kMaxCount)
        .doc("stop-loss traders (long, trailing stop)");
    t.param("stop_loss_lots", &P::stop_loss_lots).range(1, kMaxLots).doc("position a stop-loss trader holds, lots");
    t.param("stop_loss_min", &P::stop_loss_min).dimension(kFraction).range(0, 1)
        .doc("stop-loss traders' trailing stop distances are log-uniform from this");
    t.param("stop_loss_max", &P::stop_loss_max).dimension(kFraction).range(0, 1).doc("... to this (below 100%)");
    t.param("stop_loss_reentry", &P::stop_loss_reentry).dimension(kTime).min(1e-6)
        .doc("mean wait of a stopped-out trader before it buys back; first entries are uniform over it");
    t.param("luld_band", &P::luld_band).dimension(kFraction).range(0, 1)
        .doc("limit up-limit down: no execution further than this from the reference price, a pause instead (0: "
             "off)");
    t.param("luld_window", &P::luld_window).dimension(kTime).min(1e-6)
        .doc("the reference price is the volume-weighted price of the trades of this window");
    t.param("luld_pause", &P::luld_pause).dimension(kTime).min(1e-6).doc("trading pause when the band is reached");
    t.param("self_trade_prevention", &P::self_trade_prevention)
        .choices({{"none", SelfTrade::none}, {"cancel_newest", SelfTrade::cancel_newest},
                  {"cancel_oldest", SelfTrade::cancel_oldest}, {"cancel_both", SelfTrade::cancel_both},
                  {"decrement", SelfTrade::decrement}})
        .doc("what the exchange does when an honest agent's order would trade with its own resting order: none "
             "(they trade), cancel_newest, cancel_oldest, cancel_both, decrement (both shrink by the smaller)");
    t.param("maker_post_only", &P::maker_post_only)
        .choices({{"off", PostOnlyMode::off}, {"reject", PostOnlyMode::reject}, {"slide", PostOnlyMode::slide}})
        .doc("market makers' quotes as post-only orders: off (plain limit orders), reject (refused if they would "
             "take liquidity), slide (re-priced one tick inside the opposite best)");
    t.param("iceberg_display_lots", &P::iceberg_display_lots).range(0, kMaxLots)
        .doc("value orders larger than this many lots are icebergs showing this many lots at a time (0: none)");
    t.param("momentum_order", &P::momentum_order)
        .choices({{"market", TakeOrder::market}, {"ioc", TakeOrder::ioc}, {"fok", TakeOrder::fok}})
        .doc("momentum traders' orders: market, or immediate-or-cancel / fill-or-kill limited to "
             "momentum_limit_ticks beyond the touch they saw");
    t.param("momentum_limit_ticks", &P::momentum_limit_ticks).range(0, 1e6)
        .doc("IOC/FOK momentum orders: how far beyond the touch seen on the feed their limit lies, ticks");
    t.unbound("attributes", ParamType::node, "null")
        .doc("per-agent order sizes and intervals from a model file of traders: {model: FILE, columns: [order_size, "
             "interval, kind], kinds: [noise, value], where: {COLUMN: VALUE}}");
    return t;
  }();
  return table;
}

namespace {

// News becomes a jump of the fundamental, the others shocks at the exchange:
// two records, so two tables, declared in the order `types` lists them.
const ActionTable<NewsJump>& news_actions() {
  static const ActionTable<NewsJump> table = [] {
    ActionTable<NewsJump> t("market");
    NewsJump down;
    down.jump = -0.03;
    auto& news = t.action("news", "the fundamental (and its long-run mean) jumps by a log-return", down);
    news.param("symbol", &NewsJump::symbol).range(0, 255).doc("symbol index");
    news.param("jump", &NewsJump::jump).range(-5, 5).doc("log-return of the jump, e.g. -0.03 for about -3%");
    return t;
  }();
  return table;
}

const ActionTable<MarketShock>& shock_actions() {
  static const ActionTable<MarketShock> table = [] {
    using S = MarketShock;
    ActionTable<S> t("market");
    S sell;
    sell.kind = S::Kind::market_sell;
    sell.quantity = 100000;
    auto& market_sell = t.action(
        "market_sell", "a market sell order of the given size from a shock agent (flash-crash trigger)", sell);
    market_sell.param("symbol", &S::symbol).range(0, 255).doc("symbol index");
    market_sell.param("quantity", &S::quantity).range(1, kMaxLots).doc("shares");
    S program;
    program.kind = S::Kind::sell_program;
    program.quantity = 200000;
    program.participation = 0.09;
    program.slice = 10.0;
    auto& sell_program = t.action("sell_program",
                                  "a large sell executed in child market orders by the shock agent: a share of the "
                                  "volume, or time-sliced",
                                  program);
    sell_program.param("symbol", &S::symbol).range(0, 255).doc("symbol index");
    sell_program.param("quantity", &S::quantity).range(1, 4e9).doc("shares to sell in all");
    sell_program.param("participation", &S::participation).dimension(Dimension::fraction).range(0, 1)
        .doc("by volume: the program's target share of the market's volume (0: time-sliced)");
    sell_program.param("duration", &S::duration).dimension(Dimension::time).min(0)
        .doc("time-sliced: sell the quantity evenly over this long (with participation 0)");
    sell_program.param("slice", &S::slice).dimension(Dimension::time).min(1e-3).doc("time between child orders");
    S withdrawal;
    withdrawal.kind = S::Kind::maker_withdrawal;
    withdrawal.duration = 600.0;
    t.action("maker_withdrawal", "every market maker cancels its quotes and stops quoting for a while", withdrawal)
        .param("duration", &S::duration).dimension(Dimension::time).min(0).doc("how long makers stay out");
    return t;
  }();
  return table;
}

}  // namespace

MarketParams market_params_from(const PopulationSpec& spec, const BuildInfo& info) {
  const ParamValues& v = spec.params;
  MarketParams p = market_param_table().bind(v);
  p.trader_model = detail::open_trader_model(v.at("attributes"), spec.path + ".params.attributes", info);
  for (const TimelineAction& a : spec.timeline) {
    if (news_actions().has(a.action)) {
      p.news.push_back(news_actions().bind(a));
      p.news.back().at = a.at;
    } else {
      p.shocks.push_back(shock_actions().bind(a));
      p.shocks.back().at = a.at;
    }
  }
  return p;
}

void register_market(Registry& registry) {
  PopulationType t;
  t.name = "market";
  t.doc = "an exchange (limit order books, one per symbol) and heterogeneous trader agents with latency; "
          "labelled manipulation; tables orders, trades, quotes, book_snapshots, bars, positions, halts, and the ground "
          "truth apart in labels, episodes and agent_labels";
  market_param_table().declare(t);
  t.actions = news_actions().specs();
  for (ActionSpec& a : shock_actions().specs()) t.actions.push_back(std::move(a));
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
