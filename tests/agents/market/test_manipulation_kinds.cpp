// Momentum ignition, quote stuffing and cross-account wash trades: each
// labelled on its orders (labels table), on its agents (agent_labels) and
// by episode (episodes, with the partner account of a collusion), doing
// what its name says in the orders, quotes and trades tables.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "market_run.hpp"

using namespace market_test;

namespace {

constexpr std::uint64_t kSeed = 23;
constexpr double kClose = 3600.0;
constexpr double kEnd = 3601.0;

// An hour, two symbols, honest traders with momentum and stop-loss traders to
// ignite, and the three kinds, frequent enough for many episodes.
MarketParams kinds_params() {
  MarketParams p;
  p.symbols = 2;
  p.session_close = kClose;
  p.trader_lps = 3;
  p.zi_traders = 40;
  p.noise_traders = 200;
  p.value_traders = 40;
  p.momentum_traders = 12;
  p.market_makers = 2;
  p.stop_loss_traders = 20;
  p.maker_size_spread = 0.95;
  p.momentum_igniters = 4;
  p.ignition_interval = 300.0;
  p.quote_stuffers = 2;
  p.stuffing_interval = 300.0;
  p.colluding_pairs = 3;
  p.collusion_interval = 120.0;
  return p;
}

struct Tables {
  RunOut out;
  const TableChunk& t(MarketPopulation::Table which) const { return out.tables[which]; }
};

const Tables& day() {
  static const Tables d{run_market(kinds_params(), kSeed, kEnd)};
  return d;
}

// The agent_labels table as a map from public id to label.
std::map<std::int64_t, std::string> agent_roles(const Tables& d) {
  const TableChunk& agents = d.t(MarketPopulation::kAgentLabels);
  std::map<std::int64_t, std::string> role;
  for (std::size_t r = 0; r < agents.rows(); ++r) role[col<std::int64_t>(agents, 0)[r]] = col<std::string>(agents, 1)[r];
  return role;
}

// The mid of symbol `sym` by the last quotes row before `t` (NaN if one-sided).
double mid_before(const TableChunk& quotes, std::int64_t sym, double t) {
  double mid = std::nan("");
  for (std::size_t r = 0; r < quotes.rows() && col<double>(quotes, 0)[r] < t; ++r) {
    if (col<std::int64_t>(quotes, 1)[r] == sym) mid = 0.5 * (col<double>(quotes, 2)[r] + col<double>(quotes, 4)[r]);
  }
  return mid;
}

}  // namespace

TEST_CASE("new manipulation kinds: labels on orders, agents and episodes, and the agents also trade honestly",
          "[market][labels][kinds]") {
  const Tables& d = day();
  const auto role = agent_roles(d);
  const TableChunk& orders = d.t(MarketPopulation::kOrders);
  const std::vector<std::string> label = order_labels(d.out.tables);
  std::map<std::string, std::int64_t> count, honest;
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    const std::string& who = role.at(col<std::int64_t>(orders, 3)[r]);
    if (label[r] != "normal") CHECK(who == label[r]);
    ++count[label[r]];
    if (label[r] == "normal" && who != "normal") ++honest[who];
  }
  for (const char* kind : {"momentum_ignition", "quote_stuffing", "collusion"}) {
    INFO(kind);
    CHECK(count[kind] > 50);
    CHECK(honest[kind] > 10);
  }
  // Every labelled order lies in an episode of its agent and label (but those
  // of an episode the close cut short).
  const TableChunk& episodes = d.t(MarketPopulation::kEpisodes);
  const TableChunk& labels = d.t(MarketPopulation::kLabels);
  std::size_t outside = 0, checked = 0;
  for (std::size_t r = 0; r < labels.rows(); ++r) {
    if (col<double>(labels, 0)[r] > kClose - 120.0) continue;
    const auto id = col<std::int64_t>(labels, 2)[r];
    bool in = false;
    for (std::size_t e = 0; e < episodes.rows() && !in; ++e) {
      in = col<std::int64_t>(episodes, 0)[e] == col<std::int64_t>(labels, 3)[r] &&
           col<std::string>(episodes, 2)[e] == col<std::string>(labels, 4)[r] &&
           col<std::int64_t>(episodes, 5)[e] <= id && id <= col<std::int64_t>(episodes, 6)[e];
    }
    ++checked;
    outside += in ? 0 : 1;
  }
  CHECK(checked > 300);
  CHECK(outside == 0);
  // The positions table calls them value traders, as they trade between episodes.
  const TableChunk& pos = d.t(MarketPopulation::kPositions);
  for (std::size_t r = 0; r < pos.rows(); ++r) {
    const std::string& type = col<std::string>(pos, 1)[r];
    CHECK(type != "momentum_igniter");
    CHECK(type != "quote_stuffer");
    CHECK(type != "colluder");
  }
}

TEST_CASE("momentum ignition: orders taking liquidity one way move the mid, then a limit order the other way for the same shares",
          "[market][labels][kinds]") {
  const Tables& d = day();
  const MarketParams p = kinds_params();
  const TableChunk& orders = d.t(MarketPopulation::kOrders);
  const TableChunk& episodes = d.t(MarketPopulation::kEpisodes);
  const TableChunk& quotes = d.t(MarketPopulation::kQuotes);
  // New orders by id.
  std::map<std::int64_t, std::size_t> row_of;
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    if (col<std::string>(orders, 7)[r] != "cancel") row_of[col<std::int64_t>(orders, 2)[r]] = r;
  }
  const std::vector<std::string> label = order_labels(d.out.tables);
  const std::vector<std::string> sender = sender_types(d.out.tables);
  const std::vector<double>& times = col<double>(orders, 0);
  int n_episodes = 0, moved_their_way = 0, with = 0, against = 0;
  double signed_move_ticks = 0.0, held_ticks = 0.0;
  for (std::size_t e = 0; e < episodes.rows(); ++e) {
    if (col<std::string>(episodes, 2)[e] != "momentum_ignition") continue;
    CHECK(col<std::int64_t>(episodes, 7)[e] == -1);
    // The burst (limit orders one way), then as many orders the other way (or none).
    std::vector<std::size_t> burst, exits;
    for (auto it = row_of.lower_bound(col<std::int64_t>(episodes, 5)[e]);
         it != row_of.end() && it->first <= col<std::int64_t>(episodes, 6)[e]; ++it) {
      CHECK(label[it->second] == "momentum_ignition");  // no honest order during an episode
      CHECK(col<std::string>(orders, 7)[it->second] == "limit");
      const bool first_side = burst.empty() || col<std::string>(orders, 4)[it->second] == col<std::string>(orders, 4)[burst.front()];
      (first_side && exits.empty() ? burst : exits).push_back(it->second);
    }
    REQUIRE(burst.size() == p.ignition_orders);
    std::int64_t shares = 0;
    const std::string side = col<std::string>(orders, 4)[burst.front()];
    for (const std::size_t r : burst) {
      CHECK(col<std::string>(orders, 4)[r] == side);
      CHECK(col<std::int64_t>(orders, 6)[r] <= std::int64_t{p.ignition_lots} * p.lot_size);
      shares += col<std::int64_t>(orders, 6)[r];
    }
    if (exits.empty()) continue;  // the book was one-sided at the exit
    CHECK(exits.size() == burst.size());
    std::int64_t back = 0;
    for (const std::size_t r : exits) {
      CHECK(col<std::string>(orders, 4)[r] != side);
      CHECK(col<double>(orders, 5)[r] == col<double>(orders, 5)[exits.front()]);
      back += col<std::int64_t>(orders, 6)[r];
    }
    CHECK(back == shares);
    const std::size_t x = exits.front();
    // The mid before the burst against the mid just after its last order
    // (its impact) and when the order the other way arrives (what is left of it).
    const std::int64_t sym = col<std::int64_t>(orders, 1)[x];
    const double sign = (side == "buy" ? 1.0 : -1.0) / p.tick_size;
    const double before = mid_before(quotes, sym, col<double>(orders, 0)[burst.front()]);
    const double impact = mid_before(quotes, sym, col<double>(orders, 0)[burst.back()] + 0.05);
    const double at_exit = mid_before(quotes, sym, col<double>(orders, 0)[x]);
    if (std::isnan(before) || std::isnan(impact) || std::isnan(at_exit)) continue;
    // The momentum traders' orders from the burst to a minute after it: with it or against it.
    const double from = col<double>(orders, 0)[burst.front()], to = col<double>(orders, 0)[x] + 60.0;
    for (auto it = std::lower_bound(times.begin(), times.end(), from); it != times.end() && *it < to; ++it) {
      const std::size_t r = static_cast<std::size_t>(it - times.begin());
      if (sender[r] != "momentum" || col<std::string>(orders, 7)[r] == "cancel" || col<std::int64_t>(orders, 1)[r] != sym) continue;
      (col<std::string>(orders, 4)[r] == side ? with : against) += 1;
    }
    ++n_episodes;
    signed_move_ticks += (impact - before) * sign;
    moved_their_way += (impact - before) * sign > 0.0 ? 1 : 0;
    held_ticks += (at_exit - before) * sign;
  }
  WARN("momentum ignition: " << n_episodes << " episodes, mean move the burst's way " << signed_move_ticks / n_episodes
                             << " ticks at its end (" << moved_their_way << " moved its way), "
                             << held_ticks / n_episodes << " ticks at the orders the other way; momentum traders' "
                             << "orders then " << with << " with the burst, " << against << " against it");
  REQUIRE(n_episodes >= 20);
  CHECK(signed_move_ticks / n_episodes > 1.0);
  CHECK(moved_their_way * 4 > n_episodes * 3);
  CHECK(held_ticks > 0.0);
  CHECK(with * 4 > against * 5);  // the followers: more with it than against
}

TEST_CASE("quote stuffing: batches of small orders near the touch, each pulled within about stuffing_life",
          "[market][labels][kinds]") {
  const Tables& d = day();
  const MarketParams p = kinds_params();
  const TableChunk& orders = d.t(MarketPopulation::kOrders);
  const std::vector<std::string> label = order_labels(d.out.tables);
  std::map<std::int64_t, double> sent, pulled;
  std::int64_t largest = 0;
  for (std::size_t r = 0; r < orders.rows(); ++r) {
    if (label[r] != "quote_stuffing") continue;
    const auto id = col<std::int64_t>(orders, 2)[r];
    const std::string& type = col<std::string>(orders, 7)[r];
    if (type == "cancel") {
      CHECK(col<std::string>(orders, 8)[r] == "accepted");
      pulled[id] = col<double>(orders, 0)[r];
    } else {
      CHECK(type == "limit");
      sent[id] = col<double>(orders, 0)[r];
      largest = std::max(largest, col<std::int64_t>(orders, 6)[r]);
    }
  }
  CHECK(largest <= std::int64_t{p.stuffing_lots} * p.lot_size);
  // Episodes of stuffing_batches x stuffing_orders orders.
  const TableChunk& episodes = d.t(MarketPopulation::kEpisodes);
  std::size_t full = 0, n = 0;
  for (std::size_t e = 0; e < episodes.rows(); ++e) {
    if (col<std::string>(episodes, 2)[e] != "quote_stuffing") continue;
    ++n;
    std::size_t in = 0;
    for (auto it = sent.lower_bound(col<std::int64_t>(episodes, 5)[e]);
         it != sent.end() && it->first <= col<std::int64_t>(episodes, 6)[e]; ++it) {
      ++in;
    }
    CHECK(in <= std::size_t{p.stuffing_batches} * p.stuffing_orders);
    full += in == std::size_t{p.stuffing_batches} * p.stuffing_orders ? 1 : 0;
  }
  CHECK(n >= 10);
  CHECK(full * 10 >= n * 9);
  // Lifetimes: pulled 0.5-1.5 x stuffing_life after they were sent, give or
  // take the latency jitter (what traded first has no cancel row).
  std::vector<double> life;
  for (const auto& [id, t] : pulled) life.push_back(t - sent.at(id));
  std::sort(life.begin(), life.end());
  REQUIRE(life.size() * 10 > sent.size() * 8);
  const double median = life[life.size() / 2], p95 = life[life.size() * 95 / 100];
  WARN("quote stuffing: " << sent.size() << " orders in " << n << " episodes, " << pulled.size()
                          << " pulled; lifetime median " << median << " s, 95th percentile " << p95 << " s");
  CHECK(median == Approx(p.stuffing_life).epsilon(0.25));
  CHECK(p95 < 1.5 * p.stuffing_life + 0.1);
}

TEST_CASE("cross-account wash trades: two colluding accounts trade with each other inside the spread",
          "[market][labels][kinds]") {
  const Tables& d = day();
  const auto role = agent_roles(d);
  const TableChunk& episodes = d.t(MarketPopulation::kEpisodes);
  // Each leader's episode has its partner's a latency later, each naming the other.
  std::set<std::pair<std::int64_t, std::int64_t>> pairs;
  std::map<std::int64_t, std::int64_t> partner;
  std::size_t n = 0;
  for (std::size_t e = 0; e < episodes.rows(); ++e) {
    if (col<std::string>(episodes, 2)[e] != "collusion") continue;
    ++n;
    const auto a = col<std::int64_t>(episodes, 0)[e], b = col<std::int64_t>(episodes, 7)[e];
    REQUIRE(b >= 0);
    CHECK(a != b);
    CHECK(role.at(b) == "collusion");
    CHECK(col<double>(episodes, 3)[e] == col<double>(episodes, 4)[e]);
    pairs.insert({std::min(a, b), std::max(a, b)});
    if (partner.count(a)) CHECK(partner[a] == b);  // an account always colludes with the same partner
    partner[a] = b;
  }
  CHECK(pairs.size() == kinds_params().colluding_pairs);
  CHECK(n % 2 == 0);
  // Their trades: buyer and seller the two accounts of a pair, both orders labelled.
  const TableChunk& trades = d.t(MarketPopulation::kTrades);
  const TableChunk& labels = d.t(MarketPopulation::kLabels);
  std::set<std::int64_t> labelled;
  for (std::size_t r = 0; r < labels.rows(); ++r) {
    if (col<std::string>(labels, 4)[r] == "collusion") labelled.insert(col<std::int64_t>(labels, 2)[r]);
  }
  std::int64_t crossed = 0, other_pairs = 0, with_others = 0, shares = 0, volume = 0;
  for (std::size_t r = 0; r < trades.rows(); ++r) {
    const auto buyer = col<std::int64_t>(trades, 5)[r], seller = col<std::int64_t>(trades, 6)[r];
    const bool b = labelled.count(col<std::int64_t>(trades, 7)[r]) > 0, s = labelled.count(col<std::int64_t>(trades, 8)[r]) > 0;
    volume += col<std::int64_t>(trades, 3)[r];
    if (b && s) {
      CHECK(buyer != seller);
      if (pairs.count({std::min(buyer, seller), std::max(buyer, seller)}) == 0) {
        ++other_pairs;  // two pairs on one symbol waiting for the same wide spread: their legs meet
        continue;
      }
      ++crossed;
      shares += col<std::int64_t>(trades, 3)[r];
    } else if (b || s) {
      ++with_others;  // a third party met a leg first
    }
  }
  WARN("collusion: " << n / 2 << " cross-account wash trades attempted, " << crossed << " trades between partners ("
                     << 100.0 * static_cast<double>(crossed) / static_cast<double>(trades.rows()) << " % of trades, "
                     << 100.0 * static_cast<double>(shares) / static_cast<double>(volume) << " % of volume), "
                     << other_pairs << " between two pairs' legs, " << with_others << " legs met by others");
  CHECK(crossed * 2 > static_cast<std::int64_t>(n / 2));
  CHECK(crossed >= 20);
  CHECK(other_pairs * 2 < crossed);
}
