// The market population in experiments: observables against its tables,
// checkpoints (save, load, resume), branches, live parameters, and output
// that does not depend on how agents are dealt to trader LPs.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "market_run.hpp"
#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/run_session.hpp"
#include "simulacra/engine/scenario.hpp"
#include "simulacra/engine/state_archive.hpp"

using namespace market_test;

namespace {

constexpr std::uint64_t kSeed = 7;
constexpr double kEnd = 2401.0;

// Forty minutes, two symbols, every agent kind, every shock and the order
// types (makers' sliding post-only quotes, icebergs, IOC momentum orders,
// self-trade prevention).
MarketParams experiment_params(std::uint32_t trader_lps = 3) {
  MarketParams p;
  p.symbols = 2;
  p.session_close = 2400.0;
  p.trader_lps = trader_lps;
  p.zi_traders = 30;
  p.noise_traders = 200;
  p.value_traders = 30;
  p.momentum_traders = 6;
  p.market_makers = 4;
  p.spoofers = 2;
  p.layerers = 2;
  p.wash_traders = 2;
  p.spoof_interval = 120.0;
  p.layer_interval = 120.0;
  p.wash_interval = 60.0;
  // Momentum ignition and quote stuffing (episodes of several steps under
  // way at a checkpoint) and colluding pairs (a leg told to a partner on
  // another trader LP).
  p.momentum_igniters = 2;
  p.ignition_interval = 120.0;
  p.quote_stuffers = 2;
  p.stuffing_interval = 120.0;
  p.colluding_pairs = 2;
  p.collusion_interval = 60.0;
  p.snapshot_interval = 60.0;  // the L2 feed (off by default)
  p.news.push_back({700.0, 0, -0.02});
  p.shocks.push_back({MarketShock::Kind::market_sell, 1300.0, 0, 3000, 0.0});
  p.shocks.push_back({MarketShock::Kind::maker_withdrawal, 1600.0, 0, 0, 120.0});
  // The flash-crash mechanics, so their state is saved, branched and dealt
  // to LPs like the rest: stop-loss traders, makers under stress, a sell
  // program by volume and limit up-limit down.
  p.stop_loss_traders = 20;
  p.maker_widen_vol = 0.002;
  p.maker_withdraw_vol = 0.01;
  p.maker_unwind = 0.1;
  p.value_size_elasticity = 0.25;
  p.luld_band = 0.03;
  MarketShock program;
  program.kind = MarketShock::Kind::sell_program;
  program.at = 1400.0;
  program.quantity = 20000;
  program.participation = 0.3;
  p.shocks.push_back(program);
  p.maker_post_only = PostOnlyMode::slide;
  p.iceberg_display_lots = 10;
  p.momentum_order = TakeOrder::ioc;
  p.self_trade_prevention = SelfTrade::cancel_oldest;
  return p;
}

// A simulation of one market population, built the same way every time.
Simulation make_sim(const MarketParams& p, unsigned threads, std::uint64_t seed = kSeed) {
  EngineConfig cfg;
  cfg.threads = threads;
  cfg.lookahead = SimTime{p.latency};
  Simulation sim(cfg, seed);
  sim.add_population(std::make_unique<MarketPopulation>(p, seed, kEnd));
  return sim;
}

// Runs `sim` from where it is to kEnd with a fresh collector; returns its rows.
std::vector<TableChunk> finish_run(Simulation& sim) {
  Collect out(sim.tables());
  sim.set_row_consumer(&out);
  sim.run_until(SimTime{kEnd});
  sim.finish();
  sim.set_row_consumer(nullptr);
  return out.all;
}

std::string save(Simulation& sim) {
  StateArchive ar;
  sim.save_state(ar);
  return ar.take();
}

void load(Simulation& sim, const std::string& bytes) {
  StateArchive in(bytes);
  sim.load_state(in);
}

double observable(const Simulation& sim, const std::vector<double>& v, const std::string& name) {
  const auto specs = sim.observable_specs();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].second.name == name) return v[i];
  }
  FAIL("no observable " << name);
  return 0.0;
}

std::size_t count_rows(const std::vector<TableChunk>& tables, const std::string& type, double from, double to) {
  const TableChunk& orders = tables[MarketPopulation::kOrders];
  const std::vector<std::string> sender = sender_types(tables);
  std::size_t n = 0;
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    const double t = col<double>(orders, 0)[r];
    if (t >= from && t < to && sender[r] == type) ++n;
  }
  return n;
}

// Sum of squared one-minute log changes of symbol `sym`'s fundamental (bars).
double fundamental_variation(const TableChunk& bars, std::int64_t sym, double from, double to) {
  double sum = 0.0, prev = 0.0;
  for (std::size_t r = 0; r < bars.rows(); ++r) {
    const double t = col<double>(bars, 0)[r];
    if (col<std::int64_t>(bars, 1)[r] != sym || t < from || t > to) continue;
    const double f = col<double>(bars, 9)[r];
    if (prev > 0.0) sum += std::pow(std::log(f / prev), 2);
    prev = f;
  }
  return sum;
}

}  // namespace

TEST_CASE("market observables agree with the tables at every point of a run", "[market][experiment]") {
  const MarketParams p = experiment_params();
  Simulation sim = make_sim(p, 2);
  Collect out(sim.tables());
  sim.set_row_consumer(&out);
  double max_drawdown = 0.0, max_manipulative = 0.0;
  for (const double t : {0.0, 0.5, 300.0, 650.0, 1000.0, 1300.0, 1300.5, 1800.0, 2400.0}) {
    sim.run_until(SimTime{t});
    INFO("t = " << t);
    const std::vector<double> v = sim.observe();
    REQUIRE(v.size() == MarketPopulation::observable_specs().size());
    // Every row before t has reached the collector.
    const TableChunk& trades = out.all[MarketPopulation::kTrades];
    const TableChunk& quotes = out.all[MarketPopulation::kQuotes];
    std::int64_t volume = 0;
    double last_trade = p.fundamental.initial_price;
    for (std::size_t r = 0; r < trades.rows(); ++r) {
      volume += col<std::int64_t>(trades, 3)[r];
      if (col<std::int64_t>(trades, 1)[r] == 0) last_trade = col<double>(trades, 2)[r];
    }
    std::size_t manipulative = 0;
    for (const std::string& l : order_labels(out.all)) manipulative += l != "normal";
    // The last two-sided quote of symbol 0, the first, and the highest mid.
    double mid = p.fundamental.initial_price, spread = 0.0, open = 0.0, high = 0.0;
    for (std::size_t r = 0; r < quotes.rows(); ++r) {
      const double bid = col<double>(quotes, 2)[r], ask = col<double>(quotes, 4)[r];
      if (col<std::int64_t>(quotes, 1)[r] != 0 || std::isnan(bid) || std::isnan(ask)) continue;
      mid = 0.5 * (bid + ask);
      spread = ask - bid;
      if (open == 0.0) open = mid;
      high = std::max(high, mid);
    }
    CHECK(observable(sim, v, "volume") == static_cast<double>(volume));
    CHECK(observable(sim, v, "manipulative_orders") == static_cast<double>(manipulative));
    CHECK(observable(sim, v, "mid_price") == mid);
    CHECK(observable(sim, v, "spread") == spread);
    CHECK(observable(sim, v, "last_trade_price") == last_trade);
    CHECK(observable(sim, v, "return_since_open") == (open == 0.0 ? 0.0 : mid / open - 1.0));
    CHECK(observable(sim, v, "drawdown") == (open == 0.0 ? 0.0 : 1.0 - mid / high));
    CHECK(observable(sim, v, "drawdown") >= 0.0);
    for (const double x : v) CHECK(std::isfinite(x));
    max_drawdown = std::max(max_drawdown, observable(sim, v, "drawdown"));
    max_manipulative = std::max(max_manipulative, observable(sim, v, "manipulative_orders"));
    if (t == 0.0) {
      // Before the first quote: the opening price, no spread, no move.
      CHECK(v == std::vector<double>{p.fundamental.initial_price, 0.0, 0.0, 0.0, p.fundamental.initial_price, 0.0, 0.0});
    }
  }
  // Not trivially zero: the news and the market sell move symbol 0's price.
  CHECK(max_drawdown > 0.005);
  CHECK(max_manipulative > 50.0);
}

TEST_CASE("market: the registry lists the population's observables and live parameters", "[market][experiment]") {
  Registry registry;
  register_market(registry);
  const PopulationType* type = registry.find("market");
  REQUIRE(type != nullptr);
  const MarketPopulation pop(experiment_params(), kSeed, kEnd);
  const ObservableSpecs own = pop.observables();
  REQUIRE(type->observables.size() == own.size());
  for (std::size_t i = 0; i < own.size(); ++i) {
    CHECK(type->observables[i].name == own[i].name);
    CHECK(type->observables[i].unit == own[i].unit);
    CHECK(type->observables[i].doc == own[i].doc);
    CHECK_FALSE(own[i].doc.empty());
  }
  CHECK(own.size() == 7);
  // Every live key is a declared parameter with a number for a value.
  REQUIRE_FALSE(type->live.empty());
  for (const std::string& key : type->live) {
    const auto it = std::find_if(type->params.begin(), type->params.end(), [&](const ParamSpec& s) { return s.key == key; });
    REQUIRE(it != type->params.end());
    CHECK((it->type == ParamType::real || it->type == ParamType::quantity));
  }
}

TEST_CASE("market: the README documents every parameter, observable and live parameter", "[market][docs]") {
  std::ifstream in(std::string(MARKET_SCENARIOS) + "/../../agents/market/README.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  Registry registry;
  register_market(registry);
  const PopulationType& type = *registry.find("market");
  for (const ParamSpec& spec : type.params) {
    INFO(spec.key);
    CHECK(text.str().find("| `" + spec.key + "` |") != std::string::npos);
  }
  for (const ObservableSpec& o : type.observables) {
    INFO(o.name);
    CHECK(text.str().find("| `" + o.name + "` |") != std::string::npos);
  }
  // Live keys say so at the end of their parameter row.
  for (const std::string& key : type.live) {
    INFO(key);
    const std::size_t row = text.str().find("| `" + key + "` |");
    REQUIRE(row != std::string::npos);
    const std::string line = text.str().substr(row, text.str().find('\n', row) - row);
    CHECK(line.ends_with("; live |"));
  }
}

TEST_CASE("market: tables are identical for any trader_lps and thread count", "[market][experiment][determinism]") {
  for (const double jitter : {0.01, 0.0}) {
    // Without jitter, orders sent at one instant (the makers' cancels at the
    // withdrawal) reach the exchange at one instant from different LPs.
    MarketParams p = experiment_params(1);
    p.latency_jitter = jitter;
    INFO("latency_jitter " << jitter);
    const RunOut want = run_market(p, kSeed, kEnd, SchedulerKind::sequential, 1);
    REQUIRE(want.tables[MarketPopulation::kTrades].rows() > 1000);
    for (const std::uint32_t lps : {1u, 3u, 8u}) {
      for (const unsigned threads : {1u, 2u}) {
        INFO("trader_lps " << lps << ", threads " << threads);
        p.trader_lps = lps;
        const RunOut got = run_market(p, kSeed, kEnd, SchedulerKind::parallel, threads);
        CHECK(same_tables(got.tables, want.tables));
      }
    }
  }
}

TEST_CASE("market: a run saved part-way and resumed ends exactly as the uninterrupted run", "[market][experiment][checkpoint]") {
  const MarketParams p = experiment_params();
  Simulation whole = make_sim(p, 1);
  const std::vector<TableChunk> want = finish_run(whole);
  for (const unsigned resume_threads : {1u, 2u}) {
    INFO("saved under 1 thread, resumed under " << resume_threads);
    Simulation first = make_sim(p, 1);
    Collect before(first.tables());
    first.set_row_consumer(&before);
    first.run_until(SimTime{1234.5});  // orders rest in the books, makers are mid-ladder
    {
      // Icebergs part-used, with a reserve the checkpoint must keep.
      std::vector<RestingOrder> resting;
      dynamic_cast<const MarketPopulation&>(first.population(0)).book(0).resting(resting);
      CHECK(std::any_of(resting.begin(), resting.end(), [](const RestingOrder& o) { return o.hidden > 0; }));
    }
    const std::string bytes = save(first);
    Simulation resumed = make_sim(p, resume_threads);
    load(resumed, bytes);
    CHECK(resumed.observe() == first.observe());
    // What was read writes back byte for byte.
    CHECK(save(resumed) == bytes);
    const std::vector<TableChunk> after = finish_run(resumed);
    CHECK(resumed.trace_hash() == whole.trace_hash());
    CHECK(resumed.committed_events() == whole.committed_events());
    CHECK(same_tables(concat(before.all, after), want));
  }
}

TEST_CASE("market: truncated, damaged or foreign checkpoints are CheckpointErrors", "[market][experiment][checkpoint]") {
  const MarketParams p = experiment_params();
  Simulation sim = make_sim(p, 1);
  sim.run_until(SimTime{900.0});
  const std::string bytes = save(sim);
  for (const std::size_t cut : {std::size_t{0}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 200, bytes.size() - 1}) {
    INFO("cut at " << cut << " of " << bytes.size());
    Simulation fresh = make_sim(p, 1);
    CHECK_THROWS_AS(load(fresh, bytes.substr(0, cut)), CheckpointError);
  }
  // Another composition of the same LPs: refused by the population.
  MarketParams other = p;
  other.noise_traders += 1;
  Simulation fresh = make_sim(other, 1);
  CHECK_THROWS_WITH(load(fresh, bytes), Catch::Contains("another market"));
  // Flipped bytes anywhere: refused or loaded, never a crash.
  std::size_t refused = 0;
  for (std::size_t at = 0; at < bytes.size(); at += bytes.size() / 97 + 1) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x41);
    Simulation target = make_sim(p, 1);
    try {
      load(target, damaged);
    } catch (const CheckpointError&) {
      ++refused;
    }
  }
  CHECK(refused > 0);
}

TEST_CASE("market branches differ from each other and repeat themselves", "[market][experiment][branch]") {
  const MarketParams p = experiment_params();
  Simulation parent = make_sim(p, 2);
  parent.run_until(SimTime{1000.0});
  auto run_branch = [&](std::uint64_t k) {
    Simulation b = parent;
    b.branch(k);
    RunOut out;
    out.tables = finish_run(b);
    out.hash = b.trace_hash();
    return out;
  };
  const RunOut b1 = run_branch(1), b1_again = run_branch(1), b2 = run_branch(2);
  CHECK(b1.hash == b1_again.hash);
  CHECK(same_tables(b1.tables, b1_again.tables));
  CHECK(b1.hash != b2.hash);
  CHECK_FALSE(same_tables(b1.tables, b2.tables));
  // The fundamentals are redrawn from the branch point on, not before.
  Simulation c1 = parent, c2 = parent;
  c1.branch(1);
  c2.branch(2);
  const auto& m0 = dynamic_cast<const MarketPopulation&>(parent.population(0));
  const auto& m1 = dynamic_cast<const MarketPopulation&>(c1.population(0));
  const auto& m2 = dynamic_cast<const MarketPopulation&>(c2.population(0));
  for (std::uint32_t sym : {0u, 1u}) {
    CHECK(m1.fundamental(sym).value(999.5) == m0.fundamental(sym).value(999.5));
    CHECK(m2.fundamental(sym).value(999.5) == m0.fundamental(sym).value(999.5));
    CHECK(m1.fundamental(sym).value(1800.0) != m2.fundamental(sym).value(1800.0));
    CHECK(m1.fundamental(sym).value(1800.0) != m0.fundamental(sym).value(1800.0));
  }
  // An unbranched copy is the plain run.
  Simulation copy = parent;
  finish_run(copy);
  Simulation plain = make_sim(p, 1);
  finish_run(plain);
  CHECK(copy.trace_hash() == plain.trace_hash());
}

TEST_CASE("market live parameters change the run from then on", "[market][experiment][live]") {
  const MarketParams p = experiment_params();
  Simulation plain = make_sim(p, 1);
  const std::vector<TableChunk> base = finish_run(plain);

  SECTION("noise_interval: noise traders act far more often") {
    Simulation sim = make_sim(p, 1);
    Collect before(sim.tables());
    sim.set_row_consumer(&before);
    sim.run_until(SimTime{1200.0});
    sim.set_live(0, "noise_interval", 60.0);  // from 30 min
    const auto all = concat(before.all, finish_run(sim));
    CHECK(count_rows(all, "noise", 0.0, 1200.0) == count_rows(base, "noise", 0.0, 1200.0));
    // The pending waits (at the old rate) run out first, then 30x the rate.
    CHECK(count_rows(all, "noise", 1800.0, 2400.0) > 5 * count_rows(base, "noise", 1800.0, 2400.0));
  }
  SECTION("jump_interval and jump_sd: the fundamental jumps from then on") {
    Simulation sim = make_sim(p, 1);
    Collect before(sim.tables());
    sim.set_row_consumer(&before);
    sim.run_until(SimTime{1200.0});
    sim.set_live(0, "jump_interval", 30.0);
    sim.set_live(0, "jump_sd", 0.01);
    const auto all = concat(before.all, finish_run(sim));
    const TableChunk& bars = all[MarketPopulation::kBars];
    const TableChunk& base_bars = base[MarketPopulation::kBars];
    CHECK(fundamental_variation(bars, 1, 0.0, 1200.0) == fundamental_variation(base_bars, 1, 0.0, 1200.0));
    // Two jumps a minute of s.d. 1%: about 2e-4 per minute against about 4e-7.
    CHECK(fundamental_variation(bars, 1, 1260.0, 2400.0) > 20 * fundamental_variation(base_bars, 1, 1260.0, 2400.0));
  }
  SECTION("the value it has already changes nothing") {
    Simulation sim = make_sim(p, 1);
    Collect before(sim.tables());
    sim.set_row_consumer(&before);
    sim.run_until(SimTime{1200.0});
    sim.set_live(0, "noise_interval", p.noise_interval);
    sim.set_live(0, "jump_sd", p.fundamental.jump_sd);
    CHECK(same_tables(concat(before.all, finish_run(sim)), base));
    CHECK(sim.trace_hash() == plain.trace_hash());
  }
  SECTION("other keys and bad values are refused") {
    Simulation sim = make_sim(p, 1);
    CHECK_THROWS_AS(sim.set_live(0, "tick_size", 0.05), std::logic_error);
    CHECK_THROWS_AS(sim.set_live(0, "noise_interval", 0.0), ConfigError);
    CHECK_THROWS_AS(sim.set_live(0, "jump_sd", -1.0), ConfigError);
  }
}

TEST_CASE("market: live changes survive a checkpoint, also when a session applies them again", "[market][experiment][checkpoint][live]") {
  const MarketParams p = experiment_params();
  auto changed_run = [&](Simulation& sim, double until) {
    sim.run_until(SimTime{600.0});
    sim.set_live(0, "jump_sd", 0.01);
    sim.set_live(0, "jump_interval", 60.0);
    sim.run_until(SimTime{900.0});
    sim.set_live(0, "jump_sd", 0.02);
    sim.set_live(0, "noise_interval", 300.0);
    sim.run_until(SimTime{until});
  };
  Simulation whole = make_sim(p, 1);
  Collect whole_rows(whole.tables());
  whole.set_row_consumer(&whole_rows);
  changed_run(whole, 1500.0);
  const std::vector<TableChunk> want = concat(whole_rows.all, finish_run(whole));

  Simulation first = make_sim(p, 2);
  Collect before(first.tables());
  first.set_row_consumer(&before);
  changed_run(first, 1500.0);
  const std::string bytes = save(first);
  for (const int variant : {0, 1, 2}) {
    INFO((variant == 0 ? "loaded only"
                       : variant == 1 ? "changes applied again after the load, in order" : "changed before the load"));
    Simulation resumed = make_sim(p, 1);
    if (variant == 2) {
      resumed.set_live(0, "jump_interval", 10.0);
      resumed.set_live(0, "jump_sd", 0.5);
      resumed.set_live(0, "noise_interval", 5.0);
    }
    load(resumed, bytes);
    if (variant == 1) {
      // What RunSession::load_state does with its list of live changes.
      resumed.set_live(0, "jump_sd", 0.01);
      resumed.set_live(0, "jump_interval", 60.0);
      resumed.set_live(0, "jump_sd", 0.02);
      resumed.set_live(0, "noise_interval", 300.0);
    }
    CHECK(same_tables(concat(before.all, finish_run(resumed)), want));
    CHECK(resumed.trace_hash() == whole.trace_hash());
  }
}

TEST_CASE("market: a session checkpoint through the registry resumes to the same dataset", "[market][experiment][checkpoint]") {
  Registry registry;
  register_market(registry);
  const std::string text = R"(name: market_session
seed: 5
duration: 30min
engine: {threads: 1}
populations:
  - name: m
    type: market
    params: {session_close: 30min, noise_traders: 200, value_traders: 30, market_makers: 2, spoofers: 1,
             spoof_interval: 2min, trader_lps: 3}
)";
  const Scenario sc = parse_scenario(text, "market_session.yaml", {}, registry);
  auto run_rest = [](RunSession& s, Collect& out) {
    s.simulation().set_row_consumer(&out);
    s.advance(s.end());
    s.simulation().finish();
  };
  RunSession whole(sc, registry, plan_runs(sc).front(), 1);
  whole.set_live("m", "jump_interval", "1min");
  Collect whole_rows(whole.simulation().tables());
  run_rest(whole, whole_rows);

  RunSession first(sc, registry, plan_runs(sc).front(), 1);
  first.set_live("m", "jump_interval", "1min");
  Collect before(first.simulation().tables());
  first.simulation().set_row_consumer(&before);
  first.advance(SimTime{700.0});
  const auto& names = first.observable_names();
  const auto volume = std::find(names.begin(), names.end(), "m.volume");
  REQUIRE(volume != names.end());
  CHECK(first.observe()[static_cast<std::size_t>(volume - names.begin())] > 0.0);
  StateArchive ar;
  first.save_state(ar);
  const std::string bytes = ar.take();
  StateArchive in(bytes);
  RunSession resumed = RunSession::load_state(in, registry, 2);
  Collect after(resumed.simulation().tables());
  run_rest(resumed, after);
  CHECK(resumed.simulation().trace_hash() == whole.simulation().trace_hash());
  CHECK(same_tables(concat(before.all, after.all), whole_rows.all));
}
