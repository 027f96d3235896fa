// The book_snapshots table (the L2 feed at snapshot_interval, off by
// default) shows what the book held: rebuilt from the orders and trades
// tables alone, every snapshot's top levels match, level 0 matches the last
// quotes row before it, and with the default no snapshot is written.
#include <cmath>
#include <map>

#include <catch2/catch.hpp>

#include "market_run.hpp"

using namespace market_test;

namespace {

// Forty minutes, two symbols, a busy book: makers' sliding post-only quotes,
// IOC momentum orders, self-trade prevention, stop-loss traders, every kind
// of manipulator, a maker withdrawal and a market sell between snapshots.
// No icebergs: a snapshot shows an iceberg's displayed peak, which the
// tables do not say after a refresh.
MarketParams snapshot_params() {
  MarketParams p;
  p.symbols = 2;
  p.session_close = 2400.0;
  p.trader_lps = 3;
  p.zi_traders = 40;
  p.noise_traders = 200;
  p.value_traders = 40;
  p.momentum_traders = 6;
  p.market_makers = 2;
  p.stop_loss_traders = 10;
  p.spoofers = 2;
  p.layerers = 2;
  p.wash_traders = 2;
  p.momentum_igniters = 2;
  p.quote_stuffers = 1;
  p.colluding_pairs = 1;
  p.maker_size_spread = 0.5;
  p.maker_post_only = PostOnlyMode::slide;
  p.momentum_order = TakeOrder::ioc;
  p.self_trade_prevention = SelfTrade::cancel_oldest;
  p.shocks.push_back({MarketShock::Kind::maker_withdrawal, 1201.5, 0, 0, 60.0});
  p.shocks.push_back({MarketShock::Kind::market_sell, 1203.5, 0, 3000, 0.0});
  p.snapshot_interval = 7.0;
  p.snapshot_levels = 4;
  return p;
}

constexpr double kEnd = 2401.0;
constexpr double kTick = 0.01;

std::int64_t ticks(double price) { return std::llround(price / kTick); }

// A row of either table, in time order.
struct Change {
  double time;
  std::size_t table, row;
};

}  // namespace

TEST_CASE("book snapshots show the book the orders and trades tables make, level by level", "[market][snapshots]") {
  const MarketParams p = snapshot_params();
  const RunOut out = run_market(p, 5, kEnd);
  const TableChunk& orders = out.tables[MarketPopulation::kOrders];
  const TableChunk& trades = out.tables[MarketPopulation::kTrades];
  const TableChunk& quotes = out.tables[MarketPopulation::kQuotes];
  const TableChunk& snaps = out.tables[MarketPopulation::kBook];
  REQUIRE(snaps.rows() > 1000);

  // The book the tables make: each resting order's shares left, by id, and
  // the shares at each price of each side, per symbol.
  struct Resting {
    std::int64_t symbol = 0, price = 0, left = 0;
    bool buy = false;
  };
  std::map<std::int64_t, Resting> resting;
  std::map<std::int64_t, std::int64_t> bids[2], asks[2];  // price (ticks) -> shares
  auto take = [&](std::int64_t id, std::int64_t q) {
    const auto it = resting.find(id);
    if (it == resting.end()) return;  // a market, IOC or refused order
    Resting& o = it->second;
    auto& side = o.buy ? bids[o.symbol] : asks[o.symbol];
    o.left -= q;
    side[o.price] -= q;
    if (side[o.price] == 0) side.erase(o.price);
    if (o.left == 0) resting.erase(it);
  };
  std::vector<Change> changes;
  for (std::size_t r = 0; r < orders.rows(); ++r) changes.push_back({col<double>(orders, 0)[r], 0, r});
  for (std::size_t r = 0; r < trades.rows(); ++r) changes.push_back({col<double>(trades, 0)[r], 1, r});
  std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.time < b.time; });

  std::size_t next = 0, q = 0, snapshots = 0, levels = 0, crossed_checks = 0;
  double last_bid[2] = {std::nan(""), std::nan("")}, last_ask[2] = {std::nan(""), std::nan("")};
  std::int64_t last_bid_size[2] = {0, 0}, last_ask_size[2] = {0, 0};
  for (std::size_t s = 0; s < snaps.rows();) {
    // A snapshot at time t sees every order, trade and cancel before t (the
    // orders of its own instant are matched after it).
    const double t = col<double>(snaps, 0)[s];
    for (; next < changes.size() && changes[next].time < t; ++next) {
      const Change& c = changes[next];
      if (c.table == 1) {
        const auto qty = col<std::int64_t>(trades, 3)[c.row];
        take(col<std::int64_t>(trades, 7)[c.row], qty);
        take(col<std::int64_t>(trades, 8)[c.row], qty);
        continue;
      }
      const std::string& type = col<std::string>(orders, 7)[c.row];
      const auto id = col<std::int64_t>(orders, 2)[c.row];
      if (type == "cancel") {
        take(id, col<std::int64_t>(orders, 6)[c.row]);
        continue;
      }
      const bool rests = type == "limit" || type == "post_only" || type == "post_only_slide";
      if (!rests || col<std::string>(orders, 8)[c.row] != "accepted") continue;
      REQUIRE(type != "iceberg");
      Resting o;
      o.symbol = col<std::int64_t>(orders, 1)[c.row];
      o.price = ticks(col<double>(orders, 5)[c.row]);
      o.left = col<std::int64_t>(orders, 6)[c.row];
      o.buy = col<std::string>(orders, 4)[c.row] == "buy";
      resting[id] = o;
      (o.buy ? bids[o.symbol] : asks[o.symbol])[o.price] += o.left;
    }
    for (; q < quotes.rows() && col<double>(quotes, 0)[q] < t; ++q) {
      const auto sym = col<std::int64_t>(quotes, 1)[q];
      last_bid[sym] = col<double>(quotes, 2)[q];
      last_bid_size[sym] = col<std::int64_t>(quotes, 3)[q];
      last_ask[sym] = col<double>(quotes, 4)[q];
      last_ask_size[sym] = col<std::int64_t>(quotes, 5)[q];
    }
    // This instant's snapshot rows, symbol by symbol.
    for (; s < snaps.rows() && col<double>(snaps, 0)[s] == t;) {
      const auto sym = col<std::int64_t>(snaps, 1)[s];
      INFO("snapshot at " << t << ", symbol " << sym);
      ++snapshots;
      auto bid = bids[sym].rbegin();
      auto ask = asks[sym].begin();
      std::int64_t level = 0;
      for (; s < snaps.rows() && col<double>(snaps, 0)[s] == t && col<std::int64_t>(snaps, 1)[s] == sym; ++s, ++level) {
        INFO("level " << level);
        CHECK(col<std::int64_t>(snaps, 2)[s] == level);
        const double bp = col<double>(snaps, 3)[s], ap = col<double>(snaps, 5)[s];
        if (bid != bids[sym].rend()) {
          CHECK(ticks(bp) == bid->first);
          CHECK(col<std::int64_t>(snaps, 4)[s] == bid->second);
          ++bid;
        } else {
          CHECK(std::isnan(bp));
        }
        if (ask != asks[sym].end()) {
          CHECK(ticks(ap) == ask->first);
          CHECK(col<std::int64_t>(snaps, 6)[s] == ask->second);
          ++ask;
        } else {
          CHECK(std::isnan(ap));
        }
        ++levels;
        if (level == 0) {
          // Level 0 is the last quote (L1).
          CHECK((std::isnan(bp) ? std::isnan(last_bid[sym]) : bp == last_bid[sym]));
          CHECK((std::isnan(ap) ? std::isnan(last_ask[sym]) : ap == last_ask[sym]));
          if (!std::isnan(bp)) CHECK(col<std::int64_t>(snaps, 4)[s] == last_bid_size[sym]);
          if (!std::isnan(ap)) CHECK(col<std::int64_t>(snaps, 6)[s] == last_ask_size[sym]);
          if (!std::isnan(bp) && !std::isnan(ap)) {
            CHECK(bp < ap);
            ++crossed_checks;
          }
        }
      }
      // As many levels as the fuller side has, up to snapshot_levels.
      const auto want = std::min<std::size_t>(p.snapshot_levels, std::max(bids[sym].size(), asks[sym].size()));
      CHECK(static_cast<std::size_t>(level) == want);
    }
  }
  // Every interval of the session, both symbols.
  CHECK(snapshots == 2 * static_cast<std::size_t>(p.session_close / p.snapshot_interval));
  CHECK(levels > snapshots * 3);
  CHECK(crossed_checks > snapshots * 9 / 10);
}

TEST_CASE("book snapshots are off by default and the same for any trader_lps and thread count", "[market][snapshots]") {
  MarketParams p = snapshot_params();
  const RunOut want = run_market(p, 5, kEnd, SchedulerKind::sequential, 1);
  for (const std::uint32_t lps : {1u, 8u}) {
    p.trader_lps = lps;
    CHECK(same_tables(run_market(p, 5, kEnd, SchedulerKind::parallel, 2).tables, want.tables));
  }
  MarketParams off = snapshot_params();
  off.snapshot_interval = MarketParams{}.snapshot_interval;
  CHECK(off.snapshot_interval == 0.0);
  const RunOut none = run_market(off, 5, kEnd);
  CHECK(none.tables[MarketPopulation::kBook].rows() == 0);
  // Snapshots only read the book: every other table is the same without them.
  for (const auto t : {MarketPopulation::kOrders, MarketPopulation::kTrades, MarketPopulation::kQuotes}) {
    CHECK(same_tables({none.tables[t]}, {want.tables[t]}));
  }
}
