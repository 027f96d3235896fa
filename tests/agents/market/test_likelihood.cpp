// The market population's likelihood of the draws its live parameters govern
// (MarketPopulation::log_likelihood), which weights importance-sampled runs:
// weights average to 1 under a tilt, weighted means under a tilt are the
// nominal means, the figures are exact on a path checked by hand, and they
// restart at a live change and survive checkpoints and branches.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "market_run.hpp"
#include "simulacra/engine/state_archive.hpp"

using namespace market_test;

namespace {

constexpr double kClose = 600.0;
constexpr double kEnd = 601.0;
constexpr std::size_t kRuns = 200;

// Ten minutes, one symbol, few agents; two random jumps in the session on average.
MarketParams small_market() {
  MarketParams p;
  p.session_close = kClose;
  p.trader_lps = 2;
  p.noise_traders = 40;
  p.value_traders = 10;
  p.momentum_traders = 2;
  p.market_makers = 2;
  p.fundamental.jump_interval = 300.0;
  p.fundamental.jump_sd = 0.01;
  return p;
}

Simulation make_sim(const MarketParams& p, std::uint64_t seed = 11, double end = kEnd) {
  EngineConfig cfg;
  cfg.threads = 1;
  cfg.lookahead = SimTime{p.latency};
  Simulation sim(cfg, seed);
  sim.add_population(std::make_unique<MarketPopulation>(p, seed, end));
  return sim;
}

const MarketPopulation& market_of(const Simulation& sim) {
  return dynamic_cast<const MarketPopulation&>(sim.population(0));
}

double ll(const Simulation& sim, const std::string& key, double value) {
  const std::optional<double> l = sim.log_likelihood(0, key, value);
  REQUIRE(l.has_value());
  return *l;
}

// One run of `root` branched with key k, `key` set to `value` at time 0.
struct Run {
  double log_weight = 0.0;  // ℓ(nominal) − ℓ(value)
  double jumps = 0.0;       // random jumps of the fundamental in the session's 600 s
  double day_return = 0.0;  // return_since_open at the end
};

Run run_tilted(const Simulation& root, std::uint64_t k, const std::string& key, double nominal, double value) {
  Simulation sim = root;
  sim.branch(k);
  if (value != nominal) sim.set_live(0, key, value);
  sim.run_until(SimTime{kEnd});
  Run r;
  r.log_weight = ll(sim, key, nominal) - ll(sim, key, value);
  r.jumps = static_cast<double>(market_of(sim).fundamental(0).jump_draws(static_cast<std::size_t>(kClose)).count);
  r.day_return = sim.observe()[2];
  return r;
}

struct Mean {
  double mean = 0.0, se = 0.0;
};

Mean mean_of(const std::vector<double>& x) {
  const auto n = static_cast<double>(x.size());
  double s = 0.0, s2 = 0.0;
  for (const double v : x) {
    s += v;
    s2 += v * v;
  }
  const double m = s / n;
  return {m, std::sqrt(std::max(0.0, s2 / n - m * m) / (n - 1.0))};
}

}  // namespace

TEST_CASE("market likelihood: weights of tilted runs average to 1", "[market][likelihood]") {
  struct Case {
    const char* key;
    double nominal, tilt;
  };
  const Case c = GENERATE(Case{"jump_interval", 300.0, 100.0}, Case{"jump_sd", 0.01, 0.013},
                          Case{"noise_interval", 1800.0, 1600.0});
  INFO(c.key << ": " << c.nominal << " -> " << c.tilt);
  MarketParams p = small_market();
  if (std::string(c.key) == "jump_sd") p.fundamental.jump_interval = 60.0;  // ten jumps to weigh
  Simulation root = make_sim(p);
  REQUIRE(ll(root, c.key, c.nominal) == 0.0);  // nothing drawn yet
  std::vector<double> w;
  for (std::size_t k = 0; k < kRuns; ++k) {
    w.push_back(std::exp(run_tilted(root, k, c.key, c.nominal, c.tilt).log_weight));
  }
  const Mean m = mean_of(w);
  INFO("mean weight " << m.mean << " +- " << m.se);
  CHECK(m.se > 0.0);
  CHECK(m.se < 0.5);
  CHECK(std::abs(m.mean - 1.0) < 4.0 * m.se);
}

TEST_CASE("market likelihood: weighted means under a tilted jump_interval are the nominal means",
          "[market][likelihood]") {
  Simulation root = make_sim(small_market());
  std::vector<double> nominal_jumps, nominal_sq, tilted_jumps, weighted_jumps, weighted_sq;
  for (std::size_t k = 0; k < kRuns; ++k) {
    const Run n = run_tilted(root, 1000 + k, "jump_interval", 300.0, 300.0);
    CHECK(n.log_weight == 0.0);
    nominal_jumps.push_back(n.jumps);
    nominal_sq.push_back(n.day_return * n.day_return);
    const Run t = run_tilted(root, k, "jump_interval", 300.0, 100.0);
    const double w = std::exp(t.log_weight);
    tilted_jumps.push_back(t.jumps);
    weighted_jumps.push_back(w * t.jumps);
    weighted_sq.push_back(w * t.day_return * t.day_return);
  }
  const Mean nj = mean_of(nominal_jumps), tj = mean_of(tilted_jumps), wj = mean_of(weighted_jumps);
  const Mean nq = mean_of(nominal_sq), wq = mean_of(weighted_sq);
  INFO("jumps: nominal " << nj.mean << " +- " << nj.se << ", tilted " << tj.mean << " +- " << tj.se << ", weighted "
                         << wj.mean << " +- " << wj.se);
  INFO("squared day's return: nominal " << nq.mean << " +- " << nq.se << ", weighted " << wq.mean << " +- " << wq.se);
  // The tilt triples the jumps; the weights take it back, to the nominal runs'
  // mean and to the exact one (600 seconds read, a jump per 300 s).
  CHECK(tj.mean - nj.mean > 4.0 * std::hypot(tj.se, nj.se));
  CHECK(std::abs(wj.mean - nj.mean) < 4.0 * std::hypot(wj.se, nj.se));
  CHECK(std::abs(wj.mean - 2.0) < 4.0 * wj.se);
  CHECK(std::abs(wq.mean - nq.mean) < 4.0 * std::hypot(wq.se, nq.se));
}

namespace {

// The random jumps in seconds first .. last of a path that moves only by them
// (no diffusion, no mean reversion, no news), counted by hand: a second's
// change of the log-fundamental is its jump when it has at most one.
struct HandCount {
  double jumps = 0.0, squares = 0.0;
  std::size_t doubles = 0;  // seconds with more than one jump: the count would be wrong
};

HandCount count_by_hand(const FundamentalPath& f, std::size_t first, std::size_t last) {
  HandCount h;
  for (std::size_t k = first; k <= last; ++k) {
    const double change = f.log_value(static_cast<double>(k)) - f.log_value(static_cast<double>(k - 1));
    const std::uint64_t drawn = f.jump_draws(k).count - f.jump_draws(k - 1).count;
    CHECK((change != 0.0) == (drawn != 0));
    h.doubles += drawn > 1 ? 1 : 0;
    if (change != 0.0) {
      h.jumps += 1.0;
      h.squares += change * change;
    }
  }
  return h;
}

std::size_t noise_orders_after(const MarketPopulation& m, const TableChunk& orders, double t) {
  std::set<std::int64_t> noise;  // the noise traders' ids in the tables
  for (std::uint32_t a = 0; a < m.agent_count(); ++a) {
    if (m.kind(a) == AgentKind::noise) noise.insert(m.public_id(a));
  }
  std::size_t n = 0;
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    n += noise.count(col<std::int64_t>(orders, 3)[r]) != 0 && col<double>(orders, 0)[r] > t ? 1 : 0;
  }
  return n;
}

}  // namespace

TEST_CASE("market likelihood: exact on a path checked by hand, restarted at a live change", "[market][likelihood]") {
  MarketParams p = small_market();
  p.fundamental.sigma = 0.0;
  p.fundamental.kappa = 0.0;
  p.fundamental.jump_interval = 50.0;
  p.fundamental.jump_sd = 0.02;
  p.active_rate_ratio = 1.0;  // noise traders' waits are not thinned: an order per wake
  p.latency_jitter = 0.0;     // an order reaches the exchange `latency` after its wake
  Simulation sim = make_sim(p);
  Collect rows(sim.tables());
  sim.set_row_consumer(&rows);
  sim.run_until(SimTime{300.5});
  const FundamentalPath& f = market_of(sim).fundamental(0);
  // Events have read seconds 0 .. 300, made by 300 steps.
  const HandCount h = count_by_hand(f, 1, 300);
  REQUIRE(h.doubles == 0);  // this seed
  REQUIRE(h.jumps >= 3.0);
  CHECK(f.jump_draws(300).seconds == 300);
  for (const double tau : {10.0, 50.0, 300.0}) {
    INFO("jump_interval " << tau);
    CHECK(ll(sim, "jump_interval", tau) == Approx(-h.jumps * std::log(tau) - 300.0 / tau).epsilon(1e-12));
  }
  for (const double sd : {0.005, 0.02, 0.1}) {
    INFO("jump_sd " << sd);
    CHECK(ll(sim, "jump_sd", sd) == Approx(-h.jumps * std::log(sd) - h.squares / (2.0 * sd * sd)).epsilon(1e-9));
  }
  // jump_interval 0 is no jumps at all, which this path has.
  CHECK(ll(sim, "jump_interval", 0.0) == -std::numeric_limits<double>::infinity());

  // A live change restarts the key's counts: the seconds from 301 on are
  // redrawn under it, and so are the noise traders' waits from now on.
  sim.set_live(0, "jump_interval", 40.0);
  sim.set_live(0, "noise_interval", 300.0);
  CHECK(ll(sim, "jump_interval", 40.0) == 0.0);
  CHECK(ll(sim, "noise_interval", 300.0) == 0.0);
  CHECK(ll(sim, "jump_sd", 0.02) != 0.0);
  sim.run_until(SimTime{kEnd});
  // Events have read seconds up to 600.
  const FundamentalPath& g = market_of(sim).fundamental(0);
  const HandCount after = count_by_hand(g, 301, 600), all = count_by_hand(g, 1, 600);
  REQUIRE(after.doubles == 0);
  REQUIRE(all.doubles == 0);
  REQUIRE(after.jumps >= 3.0);
  for (const double tau : {10.0, 40.0, 300.0}) {
    INFO("jump_interval " << tau << " after the change");
    CHECK(ll(sim, "jump_interval", tau) == Approx(-after.jumps * std::log(tau) - 300.0 / tau).epsilon(1e-12));
  }
  // jump_sd did not change: its count covers every second read.
  CHECK(ll(sim, "jump_sd", 0.02) ==
        Approx(-all.jumps * std::log(0.02) - all.squares / (2.0 * 0.02 * 0.02)).epsilon(1e-9));

  // noise_interval v: ℓ(v) = −N log v − D/v (active_rate_ratio 1), so ℓ(1) =
  // −D and ℓ(e) = −N − D/e. Since the change each noise trader drew a wait at
  // each wake, that is at each order it sent; the waits reach past the close.
  const double d = -ll(sim, "noise_interval", 1.0);
  const double n = -ll(sim, "noise_interval", std::exp(1.0)) - d / std::exp(1.0);
  const std::size_t orders = noise_orders_after(market_of(sim), rows.all[MarketPopulation::kOrders], 300.5 + p.latency);
  REQUIRE(orders >= 5);  // few: the waits drawn at the old rate run out first
  CHECK(n == Approx(static_cast<double>(orders)).epsilon(1e-9));
  CHECK(d > 0.0);

  // Other keys give none.
  CHECK_FALSE(sim.log_likelihood(0, "tick_size", 0.05).has_value());
  CHECK_FALSE(sim.log_likelihood(0, "value_obs_noise", 0.01).has_value());
}

TEST_CASE("market likelihood: the same after a checkpoint, and unmoved by branches",
          "[market][likelihood][checkpoint]") {
  MarketParams p = small_market();
  p.fundamental.jump_interval = 60.0;
  const std::vector<std::pair<std::string, double>> probes = {
      {"jump_interval", 30.0}, {"jump_interval", 300.0}, {"jump_sd", 0.005},
      {"jump_sd", 0.02},       {"noise_interval", 900.0}, {"noise_interval", 1800.0}};
  const auto lls = [&](const Simulation& s) {
    std::vector<double> out;
    for (const auto& [key, value] : probes) out.push_back(ll(s, key, value));
    return out;
  };
  Simulation whole = make_sim(p);
  whole.branch(3);
  whole.set_live(0, "jump_interval", 40.0);
  whole.set_live(0, "noise_interval", 1200.0);
  whole.run_until(SimTime{200.5});
  // A branch redraws only seconds no event has read, and no wait drawn.
  const std::vector<double> at_200 = lls(whole);
  whole.branch(5);
  CHECK(lls(whole) == at_200);
  // A live change restarts its key only.
  whole.set_live(0, "jump_sd", 0.015);
  const std::vector<double> changed = lls(whole);
  CHECK(changed[0] == at_200[0]);
  CHECK(changed[2] == 0.0);
  CHECK(changed[4] == at_200[4]);
  whole.run_until(SimTime{350.25});
  const std::vector<double> at_save = lls(whole);
  for (std::size_t i = 0; i < probes.size(); ++i) CHECK(at_save[i] != changed[i]);
  StateArchive out;
  whole.save_state(out);
  const std::string bytes = out.take();
  whole.run_until(SimTime{kEnd});

  Simulation resumed = make_sim(p);
  StateArchive in(bytes);
  resumed.load_state(in);
  CHECK(lls(resumed) == at_save);
  resumed.run_until(SimTime{kEnd});
  CHECK(lls(resumed) == lls(whole));
  CHECK(resumed.trace_hash() == whole.trace_hash());
}

TEST_CASE("market likelihood: with an intraday U, noise waits are drawn at the busiest rate", "[market][likelihood]") {
  // ℓ(v) = −N log v − R·D/v with R = active_rate_ratio × the U's peak
  // (3 × 4 / (1 + 3/3) = 6): the mean wait D/N is v/R.
  MarketParams p = small_market();
  p.noise_traders = 1000;
  p.noise_interval = 60.0;
  p.intraday_ratio = 4.0;
  Simulation sim = make_sim(p);
  sim.run_until(SimTime{kEnd});
  const double rate = 3.0 * intraday_peak(4.0);
  REQUIRE(rate == Approx(6.0));
  const double rd = -ll(sim, "noise_interval", 1.0);                        // R·D
  const double n = -ll(sim, "noise_interval", std::exp(1.0)) - rd / std::exp(1.0);  // N
  REQUIRE(n > 50000.0);
  CHECK(rd / rate / n == Approx(60.0 / rate).epsilon(0.02));
}
