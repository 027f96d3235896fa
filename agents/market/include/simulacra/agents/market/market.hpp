// The market population (registered type "market"): trader agents grouped
// into `trader_lps` trader LPs, then one exchange LP per symbol, each running
// a LimitOrderBook. Agents reach the exchange with latency = fixed +
// exponential jitter (the fixed part is the lookahead), receive a market-data
// feed and their fills back, and act by kind: zero-intelligence, noise,
// value, momentum, market maker, stop-loss, and the manipulators: spoofer,
// layerer, wash trader, momentum igniter, quote stuffer, colluding pairs. Every agent
// has its own random stream and the exchange matches the orders of one
// instant in agent order, so the output does not depend on trader_lps.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "simulacra/agents/market/fundamental.hpp"
#include "simulacra/agents/market/order_book.hpp"
#include "simulacra/engine/attribute_block.hpp"
#include "simulacra/engine/population.hpp"
#include "simulacra/engine/random.hpp"
#include "simulacra/engine/registry.hpp"

namespace simulacra {
template <class P>
class ParamTable;
}  // namespace simulacra

namespace simulacra::market {

/// Market makers' quotes: plain limit orders, or post-only orders that are
/// refused (reject) or re-priced one tick inside the opposite best (slide)
/// when they would take liquidity.
enum class PostOnlyMode : std::uint8_t { off, reject, slide };
/// How momentum traders take liquidity: market orders, or IOC / FOK orders
/// limited to momentum_limit_ticks beyond the touch they saw on the feed.
enum class TakeOrder : std::uint8_t { market, ioc, fok };

enum class AgentKind : std::uint8_t {
  zi, noise, value, momentum, maker, spoofer, layerer, wash, shock, stop_loss, igniter, stuffer, colluder
};
/// What an order or an agent is, in the ground truth (3 bits in a message).
enum class Label : std::uint8_t { normal, spoof, layering, wash, momentum_ignition, quote_stuffing, collusion };
const char* to_string(AgentKind k);
const char* to_string(Label l);
/// limit, market, ioc, fok, post_only, post_only_slide, iceberg: as the orders table writes them.
const char* to_string(OrderType t);

/// A timeline shock other than news (news is baked into the fundamental).
struct MarketShock {
  enum class Kind : std::uint8_t { market_sell, maker_withdrawal, sell_program };
  Kind kind = Kind::market_sell;
  double at = 0.0;
  std::uint32_t symbol = 0;
  std::uint32_t quantity = 0;  ///< market_sell, sell_program: shares
  double duration = 0.0;       ///< maker_withdrawal: seconds without quotes; sell_program: time-sliced over it (0: by volume)
  double participation = 0.0;  ///< sell_program by volume: target share of the market's volume
  double slice = 10.0;         ///< sell_program: seconds between child orders
};

/// Per-agent order sizes and activity drawn from a model of traders instead
/// of the kinds' parameters (see the README's "Attributes from a model"). The
/// sampler's rows have `order_size` (shares, the agent's mean order) and/or
/// `interval` (s, the agent's mean time between actions, calm regime), and
/// optionally `kind` (then each kind draws from the model given its name).
/// A null sampler means parameters only.
struct TraderModel : AttributeModel {
  /// Kinds whose agents draw from the model (zi, noise, value, momentum only).
  std::vector<AgentKind> kinds{AgentKind::zi, AgentKind::noise, AgentKind::value, AgentKind::momentum};
};

struct MarketParams {
  // Exchange
  std::uint32_t symbols = 1;
  double tick_size = 0.01;
  std::uint32_t lot_size = 1;
  double session_open = 0.0;       ///< s from the run's start
  double session_close = 23400.0;  ///< s (6.5 h)
  double feed_interval = 1.0;      ///< s between market-data updates to trader LPs
  double bar_interval = 60.0;
  double snapshot_interval = 0.0;  ///< s between book snapshots (the L2 feed); 0: none
  std::uint32_t snapshot_levels = 5;
  // Latency agent -> exchange: latency + Exp(latency_jitter); exchange -> agent: latency.
  double latency = 0.01;
  double latency_jitter = 0.01;
  std::uint32_t trader_lps = 8;  ///< agents are dealt to LPs round-robin
  double active_rate_ratio = 3.0;  ///< agents' activity multiplier in the active regime
  double intraday_ratio = 1.0;     ///< activity and variance at the open and close over midday (U shape; 1: flat)
  FundamentalParams fundamental;

  // Agent counts
  std::uint32_t zi_traders = 0, noise_traders = 1000, value_traders = 102, momentum_traders = 12;
  std::uint32_t market_makers = 2, spoofers = 0, layerers = 0, wash_traders = 0, stop_loss_traders = 0;
  std::uint32_t momentum_igniters = 0, quote_stuffers = 0, colluding_pairs = 0;

  // Zero-intelligence: random passive limit orders within a band, random cancels.
  double zi_interval = 60.0;
  std::uint32_t zi_max_lots = 5;
  std::uint32_t zi_range_ticks = 20;
  double zi_cancel_prob = 0.8;
  // Noise: market orders of random side and size.
  double noise_interval = 1800.0;
  std::uint32_t noise_max_lots = 10;
  // Value: noisy view of the fundamental, expected over a personal horizon.
  double value_interval_min = 30.0, value_interval_max = 600.0;
  double value_horizon_min = 60.0, value_horizon_max = 7200.0;
  double value_obs_noise = 0.001;  ///< s.d. of the log observation error
  double value_aggression = 1.0;   ///< probability of a marketable order
  std::uint32_t value_max_lots = 100;
  std::uint32_t value_edge_ticks = 5;
  double value_size_elasticity = 0.0;  ///< order size grows by this many times per 1 % gap between estimate and mid
  // Momentum: EMA crossover of the mid seen on the feed.
  double momentum_interval = 20.0;
  double momentum_fast = 60.0, momentum_slow = 600.0;
  double momentum_threshold = 5.0e-4;
  std::uint32_t momentum_max_lots = 10;
  // Market makers: ladders around the mid, skewed by inventory.
  double maker_interval = 2.0;
  std::uint32_t maker_levels = 5;
  std::uint32_t maker_half_spread_ticks = 1;
  std::uint32_t maker_level_lots = 20;
  double maker_size_spread = 0.0;  ///< each level's lots uniform in maker_level_lots * (1 +- spread)
  std::int64_t maker_inventory_limit = 2000;  ///< shares
  // Makers under stress: the realized volatility of the mid they see on the
  // feed (per minute, exponentially weighted over maker_vol_window) widens
  // their spread and, above maker_withdraw_vol, makes them quote nothing;
  // beyond the inventory limit they unwind part of it by market order.
  double maker_vol_window = 60.0;   ///< s
  double maker_widen_vol = 0.0;     ///< 1-min volatility that doubles the half spread (0: never widen)
  double maker_withdraw_vol = 0.0;  ///< 1-min volatility above which makers quote nothing (0: never)
  double maker_unwind = 0.0;        ///< share of the inventory sold/bought back per refresh beyond the limit
  // Stop-loss traders: hold a long position, sell it all by market order when
  // the mid falls a trailing distance (log-uniform per agent) below its peak
  // since entry, and buy it back after an exponential wait.
  std::uint32_t stop_loss_lots = 100;
  double stop_loss_min = 0.01, stop_loss_max = 0.05;  ///< trailing stop distance, fraction
  double stop_loss_reentry = 1800.0;                  ///< s, mean wait before re-entry
  // Limit up-limit down: executions outside a band around the reference
  // price (the volume-weighted price of the last luld_window) are refused and
  // trading pauses for luld_pause (0 band: off).
  double luld_band = 0.0;
  double luld_window = 300.0, luld_pause = 300.0;
  // Order types and self-trade prevention. Honest agents' orders carry
  // `self_trade_prevention` (manipulators' labelled orders do not: a wash
  // trade is a self-trade).
  SelfTrade self_trade_prevention = SelfTrade::none;
  PostOnlyMode maker_post_only = PostOnlyMode::off;
  std::uint32_t iceberg_display_lots = 0;  ///< value orders above this many lots are icebergs showing it (0: none)
  TakeOrder momentum_order = TakeOrder::market;
  std::uint32_t momentum_limit_ticks = 2;  ///< IOC/FOK momentum orders: limit beyond the touch seen
  // Manipulators
  double spoof_interval = 300.0, spoof_hold = 2.0;
  // Manipulators also trade honestly, as value traders. A spoof order is the
  // larger of two uniform draws in 1..spoof_lots (each layer likewise in
  // 1..layer_lots), so it is larger on average than an honest value order
  // (uniform in 1..value_max_lots) and overlaps it; the real trade is uniform
  // in 1..*_trade_lots. Fake orders rest 1-3 ticks behind the touch for
  // hold x U(0.5, 1.5).
  std::uint32_t spoof_lots = 100, spoof_trade_lots = 20;
  double layer_interval = 300.0, layer_hold = 2.0;
  std::uint32_t layer_levels = 5, layer_lots = 100, layer_trade_lots = 20;
  double wash_interval = 120.0;
  std::uint32_t wash_lots = 50;
  // Momentum ignition: a burst of ignition_orders limit orders one way at
  // the opposite touch (taking liquidity, the remainder resting),
  // ignition_gap x U(0.5, 1.5) apart, each the larger of two draws in
  // 1..ignition_lots lots (a value trader's range by default), to set off
  // momentum and stop-loss traders; after ignition_hold x U(0.5, 1.5) the
  // burst's remainders are cancelled and its shares rest on the other side
  // at that side's touch (as many orders as the burst's), into the move.
  double ignition_interval = 600.0, ignition_gap = 1.0, ignition_hold = 20.0;
  std::uint32_t ignition_orders = 5, ignition_lots = 100;
  // Quote stuffing: stuffing_batches batches of stuffing_orders small limit
  // orders (1..stuffing_lots lots, 0-2 ticks behind either touch), each
  // batch cancelled after stuffing_life x U(0.5, 1.5) and followed by the next.
  double stuffing_interval = 600.0, stuffing_life = 0.5;
  std::uint32_t stuffing_batches = 5, stuffing_orders = 10, stuffing_lots = 5;
  // Cross-account wash trades: the leader of a pair of colluding accounts
  // waits up to collusion_patience for a spread of two ticks or more, posts
  // one leg inside it and tells its partner, who takes the other side a
  // latency later; each pulls what is left of its leg after collusion_hold
  // x U(0.5, 1.5).
  double collusion_interval = 300.0, collusion_patience = 60.0, collusion_hold = 2.0;
  std::uint32_t collusion_lots = 50;

  TraderModel trader_model;  ///< when set, per-agent sizes and intervals of `trader_model.kinds`

  std::vector<NewsJump> news;
  std::vector<MarketShock> shocks;
};

/// Throws ConfigError naming the first invalid parameter.
void validate(const MarketParams& p);

class MarketPopulation final : public Population {
 public:
  /// Throws ConfigError for invalid parameters, DataError naming the model
  /// file when `p.trader_model` cannot produce the agents' attributes.
  MarketPopulation(const MarketParams& p, std::uint64_t seed, double duration);

  std::string type_name() const override { return "market"; }
  std::uint32_t lp_count() const override { return params_.trader_lps + params_.symbols; }
  void init_lp(Context& ctx, std::uint32_t local) override;
  void handle(Context& ctx, std::uint32_t local, const Event& ev) override;
  std::vector<TableSchema> tables() const override;
  void finish(Context& ctx) override;
  SimTime lookahead_hint() const override { return SimTime{params_.latency}; }
  std::unique_ptr<Population> clone() const override;

  // Experiments (market_experiment.cpp).
  ObservableSpecs observables() const override { return observable_specs(); }
  void observe(SimTime now, double* out) const override;
  /// Throws CheckpointError when the archive is damaged or of another market.
  void state(StateArchive& ar) override;
  /// Keys of live_params(). Throws ConfigError for a value out of range,
  /// std::logic_error for another key.
  void set_live(const std::string& key, double value) override;
  /// New streams for every agent and a new draw of each fundamental from the
  /// first second no event has read yet.
  void reseed(std::uint64_t stream_seed) override;
  /// For importance sampling: the log-likelihood, were `key` equal to
  /// `value`, of the draws it governs, up to a constant (see
  /// Population::log_likelihood). Exact for every live key:
  /// - jump_interval τ: each one-second step of a fundamental draws its jumps
  ///   as a Poisson process of rate 1/τ over the second, so over the S steps
  ///   that made the seconds events have read (every symbol; the latest draw
  ///   or redraw of each step, the one the run used; later seconds are drawn
  ///   ahead but nothing depends on them yet) with J jumps,
  ///   ℓ = −J log τ − S/τ (τ = 0: 0 without jumps, else −∞);
  /// - jump_sd σ: those J jumps are normal log-returns y of s.d. σ, so
  ///   ℓ = −J log σ − Σy²/(2σ²);
  /// - noise_interval v: every noise trader's waits are exponential of mean
  ///   v / R, R = busiest_rate() (the regime and the time of day thin them
  ///   afterwards, by draws that do not depend on v), so over the N waits
  ///   drawn, of total D, ℓ = −N log v − R·D/v; 0 when a trader model gives the
  ///   noise traders' intervals (v then governs nothing).
  /// The counts restart at a live change of the key (draws made before it do
  /// not depend on the new value): the seconds redrawn from then on, the
  /// waits drawn from then on. So the ratio weights a run exactly for a tilt
  /// set at any time (`rare --method is` sets it at time 0). nullopt for any
  /// other key.
  std::optional<double> log_likelihood(const std::string& key, double value) const override;

  /// mid_price, spread, return_since_open, drawdown, last_trade_price (of
  /// symbol 0), volume, manipulative_orders (all symbols): see the README.
  static ObservableSpecs observable_specs();
  /// noise_interval, jump_interval, jump_sd.
  static std::vector<std::string> live_params();

  std::uint32_t agent_count() const { return static_cast<std::uint32_t>(kind_.size()); }
  AgentKind kind(std::uint32_t agent) const { return kind_[agent]; }
  /// Mean time between the agent's actions in the calm regime, s.
  double mean_interval(std::uint32_t agent) const { return interval_[agent]; }
  /// Largest order of a zi/noise/value/momentum agent, lots (orders are uniform in 1..max).
  std::uint32_t max_lots(std::uint32_t agent) const { return max_lots_[agent]; }
  const FundamentalPath& fundamental(std::uint32_t symbol) const { return (*paths_)[symbol]; }
  /// Local LP of symbol `symbol`'s exchange: exchanges follow the trader LPs,
  /// so an exchange's own events at a time come after every order that
  /// arrives at that time (see exchange_handle).
  std::uint32_t exchange_lp(std::uint32_t symbol) const { return params_.trader_lps + symbol; }

  /// Symbol `symbol`'s book as it stands (after a run: the orders resting at the close).
  const LimitOrderBook& book(std::uint32_t symbol) const { return exchanges_.at(symbol).book; }
  /// Trailing stop distance of a stop-loss agent (fraction), 0 for other kinds.
  double stop_distance(std::uint32_t agent) const { return stop_distance_[agent]; }

  enum Table : std::uint32_t { kOrders, kTrades, kQuotes, kBook, kBars, kPositions, kHalts, kLabels, kEpisodes, kAgentLabels };

  /// The id an agent has in the tables: a permutation of the internal ids
  /// drawn from the seed, so an id says nothing of the agent's kind (shock
  /// agents, after the traders, keep theirs).
  std::uint32_t public_id(std::uint32_t agent) const { return agent < agent_count() ? public_id_[agent] : agent; }
  /// The label the agent's manipulative orders carry (normal for honest agents).
  static Label label_of_kind(AgentKind k);

 private:
  // An agent's message waiting at the exchange for the others of its time.
  struct Arrival {
    std::uint64_t w0 = 0, w1 = 0;  // the event's data
    std::uint32_t kind = 0;
    std::uint32_t agent = 0;
  };
  // A sell program's progress.
  struct Program {
    std::uint64_t left = 0;           // shares still to sell
    std::uint64_t others_volume = 0;  // the others' volume at the last child order
    double participation = 0.0, slice = 0.0, per_slice = 0.0;
    bool started = false;
  };
  struct LuldBucket {
    std::int64_t stamp = -1;  // bucket number (time / width); -1: empty
    double value = 0.0;       // sum of price * shares, ticks
    double shares = 0.0;
  };
  static constexpr std::uint32_t kLuldBuckets = 30;
  // One symbol's exchange LP. Aligned so that LPs on different threads never
  // write to one cache line.
  struct alignas(64) Exchange {
    LimitOrderBook book{2, 1};
    std::vector<Fill> fills;       // scratch, empty between events
    std::vector<Arrival> arrivals;  // messages of the current time, matched at its end
    Ticks last_trade = kNoPrice;
    Ticks quoted_bid = kNoPrice, quoted_ask = kNoPrice;
    std::uint64_t quoted_bid_size = 0, quoted_ask_size = 0;
    bool feed_dirty = true;
    // Current bar.
    Ticks bar_open = kNoPrice, bar_high = kNoPrice, bar_low = kNoPrice, bar_close = kNoPrice;
    std::int64_t bar_volume = 0, bar_trades = 0;
    // The shock agent (timeline market sells) trades through the exchange.
    std::int64_t shock_position = 0;
    double shock_cash = 0.0;
    std::uint32_t shock_seq = 0;
    // Kept for the observables: the last two-sided book, the day's first and
    // highest mid, running totals.
    Ticks two_sided_bid = kNoPrice, two_sided_ask = kNoPrice;
    double open_mid = 0.0, high_mid = 0.0;
    std::uint64_t volume = 0, manipulative_orders = 0;
    double last_time = -1.0;  // latest event handled (see read_horizon)
    // Sell programs of the timeline (run by the shock agent).
    std::vector<Program> programs;
    std::uint64_t shock_volume = 0;  // shares the shock agent has traded
    // Limit up-limit down: volume-weighted prices of the last window in
    // kLuldBuckets buckets, and the end of a trading pause.
    std::vector<LuldBucket> luld;
    double halted_until = -1.0;
    bool reopening = false;  // after a pause: the first two-sided book's mid is the reference
    Ticks reopen_ref = kNoPrice;
  };
  // What a trader LP knows of one symbol from the feed.
  struct View {
    Ticks bid = kNoPrice, ask = kNoPrice, last = kNoPrice;
    double fast = 0.0, slow = 0.0, ema_time = -1.0;
    double mid = 0.0;  // at ema_time
    double rv = 0.0;   // squared log mid changes, exponentially weighted (maker_vol_window), at ema_time
  };
  // One trader LP ("desk"): the feed's view of each symbol and the timeline's
  // maker withdrawal. Identical on every desk, so no agent's behaviour depends
  // on which desk holds it.
  struct alignas(64) Desk {
    std::vector<View> views;  // per symbol
    double withdrawn_until = -1.0;
    double last_time = -1.0;  // latest event handled (see read_horizon)
  };
  // A redraw of the fundamentals (live jump change or branch), replayed on load.
  static constexpr std::uint32_t kNoPartner = 0xffffffffu;
  // One manipulative episode of an agent: the times its first and last
  // orders were sent and their ids (internal).
  struct Episode {
    double start = 0.0, end = 0.0;
    std::uint64_t first = 0, last = 0;
    std::uint32_t symbol = 0;
    Label label = Label::normal;
    std::uint32_t partner = kNoPartner;  // the other account of a cross-account wash trade (internal id)
  };
  struct PathRedraw {
    std::uint64_t from = 0;
    double jump_interval = 0.0, jump_sd = 0.0;
    std::uint64_t seed = 0;
  };
  // Per-agent order sizes and intervals from the trader model (construction).
  void attributes_from_model(const TraderModel& m);
  void exchange_init(Context& ctx, std::uint32_t sym);
  void exchange_handle(Context& ctx, std::uint32_t sym, const Event& ev);
  void exchange_order(Context& ctx, Exchange& x, std::uint32_t sym, const Arrival& m);
  void settle(Context& ctx, Exchange& x, std::uint32_t sym, OrderType aggressor = OrderType::limit);
  // Matches one order of any type and records it: its orders row, the
  // trades, resting orders self-trade prevention removed, and the parts
  // neither filled nor resting (self_trade, unfilled, killed) as cancel rows.
  OrderResult submit(Context& ctx, Exchange& x, std::uint32_t sym, std::uint64_t id, std::uint32_t agent,
                     OrderType type, Side side, Ticks price, std::uint32_t qty, Label l);
  void program_slice(Context& ctx, Exchange& x, std::uint32_t sym, std::uint32_t index);
  // Limit up-limit down (exchange.cpp).
  bool halted(const Exchange& x, double t) const { return t < x.halted_until; }
  double luld_reference(const Exchange& x, double t) const;
  void luld_record(Exchange& x, double t, Ticks price, std::uint32_t qty) const;
  void check_stops(Context& ctx, std::uint32_t g, std::uint32_t sym);
  double view_vol(const View& v, double t) const;
  void trader_init(Context& ctx, std::uint32_t g);
  void trader_handle(Context& ctx, std::uint32_t g, const Event& ev);
  void wake(Context& ctx, std::uint32_t g, std::uint32_t a, std::uint64_t step);
  void schedule_wake(Context& ctx, std::uint32_t a, double mean_interval);
  // Agents' activity: arrivals are drawn at the busiest rate (active regime,
  // open or close), then thinned to the rate of the regime and time of day.
  double busiest_rate() const { return params_.active_rate_ratio * intraday_peak(params_.intraday_ratio); }
  bool thinned(RandomStream& rng, std::uint32_t sym, double t) const;
  // Order flow from agent a (sent with latency, FIFO per agent).
  std::uint64_t send_limit(Context& ctx, std::uint32_t a, Side s, Ticks price, std::uint32_t qty, Label l,
                           OrderType type = OrderType::limit);
  void send_market(Context& ctx, std::uint32_t a, Side s, std::uint32_t qty, Label l);
  void send_cancel(Context& ctx, std::uint32_t a, std::uint64_t first, std::uint32_t count, Label l);
  void send_to_exchange(Context& ctx, std::uint32_t a, std::uint32_t kind, EventData data);
  void cancel_open(Context& ctx, std::uint32_t a, Label l);
  // A value trader's order (value agents, and manipulators trading
  // honestly: then into the honest_* slot of open orders).
  void value_order(Context& ctx, std::uint32_t a, const View& v, double mid, std::uint64_t& open_first,
                   std::uint32_t& open_count);
  // Spoofing and layering episodes, wash trades (manipulators.cpp).
  void manipulate(Context& ctx, std::uint32_t a, std::uint64_t step, const View& v);
  // Momentum ignition, quote stuffing, cross-account wash trades (manipulation_bursts.cpp).
  void ignite(Context& ctx, std::uint32_t a, std::uint64_t step, const View& v);
  void stuff(Context& ctx, std::uint32_t a, std::uint64_t step, const View& v);
  void collude(Context& ctx, std::uint32_t a, std::uint64_t step, const View& v);
  // A colluder's partner receives its leg (kCollude) and sends it.
  void collude_follow(Context& ctx, std::uint32_t b, std::uint64_t packed);
  std::uint32_t partner_of(std::uint32_t a) const { return colluder_first_ + ((a - colluder_first_) ^ 1u); }
  // An order id as the tables show it (the agent's public id).
  std::uint64_t public_order(std::uint64_t id) const;
  Ticks to_ticks(double price) const;
  double to_price(Ticks t) const { return static_cast<double>(t) * params_.tick_size; }
  // Experiments (market_experiment.cpp).
  void seed_agent_streams(std::uint64_t stream_seed);
  void apply_noise_interval();
  std::size_t read_horizon() const;
  void redraw_paths(const PathRedraw& r);
  void state_exchange(StateArchive& ar, Exchange& x);

  MarketParams params_;
  std::uint64_t seed_ = 0;
  double duration_ = 0.0;
  Ticks price_levels_ = 0;
  // Shared, read-only between redraws (a redraw makes a new copy).
  std::shared_ptr<const std::vector<FundamentalPath>> paths_;
  FundamentalParams built_fundamental_;  // as the scenario gave them (live ones may change)
  std::uint64_t path_seed_ = 0;
  std::vector<PathRedraw> redraws_;
  // The first grid second whose step log_likelihood counts for jump_interval
  // and for jump_sd: where the latest live change of each redrew from.
  std::uint64_t jump_interval_since_ = 0, jump_sd_since_ = 0;
  // Per-agent traits, fixed at construction (interval_ also by a live
  // noise_interval for agents whose interval is the parameter).
  std::vector<AgentKind> kind_;
  std::vector<std::uint32_t> symbol_;
  std::vector<double> interval_;  ///< mean time between an agent's actions
  std::vector<double> horizon_;   ///< value traders' horizon
  std::vector<std::uint32_t> max_lots_;  ///< largest order of zi/noise/value/momentum agents, lots
  std::vector<double> stop_distance_;    ///< stop-loss agents' trailing distance
  std::uint32_t stop_first_ = 0, stop_end_ = 0;  ///< stop-loss agents' ids (contiguous)
  std::uint32_t colluder_first_ = 0;             ///< colluders' ids: pairs (first + 2k, first + 2k + 1)
  std::vector<std::uint32_t> public_id_;      ///< see public_id()
  std::vector<double> honest_interval_;       ///< manipulators' honest (value) trading, mean interval
  bool noise_interval_from_model_ = false;
  // Per-agent state, written only by the agent's own trader LP. Each agent
  // draws from its own stream, so nothing it does depends on trader_lps.
  std::vector<RandomStream> rng_;
  std::vector<std::uint32_t> next_seq_;
  std::vector<std::uint64_t> open_first_;
  std::vector<std::uint32_t> open_count_;
  std::vector<double> last_arrival_;
  std::vector<std::int64_t> position_;
  std::vector<double> cash_;
  std::vector<std::uint64_t> orders_sent_;
  // Waits between actions each agent has drawn and their sum, s (for the
  // likelihood of noise_interval).
  std::vector<std::uint64_t> wait_count_;
  std::vector<double> wait_total_;
  // Stop-loss agents: the peak mid since entry (ticks) and the phase.
  enum StopPhase : std::uint8_t { kStopFlat = 0, kStopHolding = 1 };
  std::vector<double> stop_peak_;
  std::vector<std::uint8_t> stop_phase_;
  // Manipulators: their honest order (one, as a value trader's), the
  // episode under way (start time, -1: none; first order id) and the
  // finished ones, emitted at the end in the episodes table.
  std::vector<std::uint64_t> honest_first_;
  std::vector<std::uint32_t> honest_count_;
  std::vector<double> episode_start_;
  std::vector<std::uint64_t> episode_first_;
  std::vector<std::vector<Episode>> episodes_;
  // Per-LP state.
  std::vector<Exchange> exchanges_;
  std::vector<Desk> desks_;
};

/// Declares population type "market" with every parameter and action.
void register_market(Registry& registry);

/// Every "market" key bound to its MarketParams field (defaults from
/// MarketParams{}), for tools that set parameters by name (bench_market's
/// --set); `attributes` is declared there and read by market_params_from.
const ParamTable<MarketParams>& market_param_table();

/// Parameters from validated scenario values (the registry's make()); opens
/// the `attributes` model file, if any, with `info`'s loader (relative to
/// `info.scenario_dir`). Throws UserError naming the file when there is no
/// loader, the file cannot be read, or a column is unknown to the model.
MarketParams market_params_from(const PopulationSpec& spec, const BuildInfo& info);

}  // namespace simulacra::market

namespace simulacra {
using market::register_market;
}
