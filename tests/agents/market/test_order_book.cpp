// The matching engine against hand-worked books: price-time priority, partial
// fills, cancels of partly filled orders, crossing limit orders, modify rules,
// and a book rebuilt from its resting orders (checkpoints).
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/agents/market/order_book.hpp"

using namespace simulacra::market;

namespace {
LimitOrderBook book() { return LimitOrderBook(1000, 10); }
}  // namespace

TEST_CASE("resting orders set the best prices and depth", "[market][book]") {
  auto b = book();
  std::vector<Fill> f;
  CHECK(b.best_bid() == kNoPrice);
  CHECK(b.limit(1, 7, Side::buy, 100, 50, f).rested == 50);
  CHECK(b.limit(2, 7, Side::buy, 101, 20, f).rested == 20);
  CHECK(b.limit(3, 8, Side::sell, 105, 30, f).rested == 30);
  CHECK(b.limit(4, 8, Side::sell, 103, 40, f).rested == 40);
  CHECK(f.empty());
  CHECK(b.best_bid() == 101);
  CHECK(b.best_ask() == 103);
  CHECK(b.depth_at(Side::buy, 100) == 50);
  std::vector<std::pair<Ticks, std::uint64_t>> lv;
  b.levels(Side::sell, 5, lv);
  REQUIRE(lv.size() == 2);
  CHECK(lv[0] == std::pair<Ticks, std::uint64_t>{103, 40});
  CHECK(lv[1] == std::pair<Ticks, std::uint64_t>{105, 30});
}

TEST_CASE("price-time priority with partial fills across levels", "[market][book]") {
  auto b = book();
  std::vector<Fill> f;
  b.limit(1, 1, Side::sell, 101, 30, f);  // first at 101
  b.limit(2, 2, Side::sell, 100, 20, f);  // better price, later
  b.limit(3, 3, Side::sell, 101, 40, f);  // second at 101
  // A buy of 70 at 101: 20 @100 (id 2), then 30 @101 (id 1, earlier), then 20 of id 3.
  const auto r = b.limit(9, 9, Side::buy, 101, 70, f);
  CHECK(r.filled == 70);
  CHECK(r.rested == 0);
  REQUIRE(f.size() == 3);
  CHECK((f[0].resting_id == 2 && f[0].price == 100 && f[0].qty == 20 && f[0].resting_done));
  CHECK((f[1].resting_id == 1 && f[1].price == 101 && f[1].qty == 30 && f[1].resting_done));
  CHECK((f[2].resting_id == 3 && f[2].price == 101 && f[2].qty == 20 && !f[2].resting_done));
  CHECK(f[2].aggressor_side == Side::buy);
  CHECK(f[2].aggressor_owner == 9);
  CHECK(b.remaining(3) == 20);
  CHECK(b.best_ask() == 101);
  CHECK(b.live_orders() == 1);
}

TEST_CASE("a crossing limit order fills what it can and rests the remainder", "[market][book]") {
  auto b = book();
  std::vector<Fill> f;
  b.limit(1, 1, Side::buy, 99, 30, f);
  b.limit(2, 1, Side::buy, 98, 30, f);
  const auto r = b.limit(3, 2, Side::sell, 99, 50, f);  // takes 30 @99, rests 20 @99
  CHECK(r.filled == 30);
  CHECK(r.rested == 20);
  REQUIRE(f.size() == 1);
  CHECK(f[0].price == 99);
  CHECK(b.best_bid() == 98);
  CHECK(b.best_ask() == 99);
  CHECK(b.depth_at(Side::sell, 99) == 20);
}

TEST_CASE("cancelling a partly filled order removes only what is left", "[market][book]") {
  auto b = book();
  std::vector<Fill> f;
  b.limit(1, 1, Side::sell, 100, 50, f);
  b.market(2, 2, Side::buy, 20, f);
  CHECK(b.remaining(1) == 30);
  CHECK(b.cancel(1) == 30);
  CHECK(b.cancel(1) == 0);  // no longer live
  CHECK(b.best_ask() == kNoPrice);
  CHECK(b.depth_at(Side::sell, 100) == 0);
  CHECK(b.live_orders() == 0);
}

TEST_CASE("a market order sweeps levels and returns what the book cannot fill as cancelled", "[market][book]") {
  auto b = book();
  std::vector<Fill> f;
  b.limit(1, 1, Side::buy, 100, 10, f);
  b.limit(2, 1, Side::buy, 97, 20, f);
  const auto r = b.market(3, 2, Side::sell, 50, f);
  CHECK(r.filled == 30);
  CHECK(r.rested == 0);
  CHECK(r.cancelled == 20);
  REQUIRE(f.size() == 2);
  CHECK(f[1].price == 97);
  CHECK(b.best_bid() == kNoPrice);
  CHECK(b.live_orders() == 0);
  // A limit order's remainder rests instead: nothing is cancelled.
  const auto l = b.limit(4, 2, Side::buy, 90, 30, f);
  CHECK(l.rested == 30);
  CHECK(l.cancelled == 0);
}

TEST_CASE("a collared market order stops at its collar price", "[market][book]") {
  auto b = book();
  std::vector<Fill> f;
  b.limit(1, 1, Side::buy, 100, 10, f);
  b.limit(2, 1, Side::buy, 98, 20, f);
  b.limit(3, 1, Side::buy, 97, 20, f);
  const auto r = b.market(4, 2, Side::sell, 60, f, 98);
  CHECK(r.filled == 30);  // 100 and 98, not 97
  CHECK(r.cancelled == 30);
  CHECK(b.best_bid() == 97);
  CHECK(b.depth_at(Side::buy, 97) == 20);
  const auto buy = b.market(5, 2, Side::buy, 10, f, 120);  // no asks at all
  CHECK(buy.filled == 0);
  CHECK(buy.cancelled == 10);
}

TEST_CASE("modify keeps priority only when reducing quantity at the same price", "[market][book]") {
  auto b = book();
  std::vector<Fill> f;
  b.limit(1, 1, Side::buy, 100, 40, f);
  b.limit(2, 2, Side::buy, 100, 40, f);
  CHECK(b.modify(1, 100, 20, f).rested == 20);  // still first
  b.market(3, 3, Side::sell, 10, f);
  REQUIRE(f.size() == 1);
  CHECK(f[0].resting_id == 1);
  f.clear();
  b.modify(1, 100, 30, f);  // size up: goes behind order 2
  b.market(4, 3, Side::sell, 50, f);
  REQUIRE(f.size() == 2);
  CHECK((f[0].resting_id == 2 && f[0].qty == 40));
  CHECK((f[1].resting_id == 1 && f[1].qty == 10));
  f.clear();
  // Repricing across the spread executes like a new crossing order.
  b.limit(5, 5, Side::sell, 103, 10, f);
  const auto r = b.modify(1, 104, 20, f);
  CHECK(r.filled == 10);
  CHECK(r.rested == 10);
  CHECK(b.best_bid() == 104);
  CHECK(b.modify(77, 100, 10, f).status == OrderStatus::unknown_order);
}

TEST_CASE("tick range, lot size and duplicate ids are enforced", "[market][book]") {
  auto b = book();
  std::vector<Fill> f;
  CHECK(b.limit(1, 1, Side::buy, 0, 10, f).status == OrderStatus::bad_price);
  CHECK(b.limit(1, 1, Side::buy, 1000, 10, f).status == OrderStatus::bad_price);
  CHECK(b.limit(1, 1, Side::buy, 100, 15, f).status == OrderStatus::bad_quantity);
  CHECK(b.limit(1, 1, Side::buy, 100, 10, f).status == OrderStatus::accepted);
  CHECK(b.limit(1, 1, Side::buy, 101, 10, f).status == OrderStatus::duplicate_id);
  CHECK(b.market(2, 1, Side::sell, 5, f).status == OrderStatus::bad_quantity);
}

TEST_CASE("a self-cross executes (wash trades are possible) and ids survive heavy churn", "[market][book]") {
  auto b = LimitOrderBook(5000, 1);
  std::vector<Fill> f;
  b.limit(1, 4, Side::sell, 200, 5, f);
  b.limit(2, 4, Side::buy, 200, 5, f);
  REQUIRE(f.size() == 1);
  CHECK(f[0].resting_owner == f[0].aggressor_owner);
  // Many orders in and out: the id index must find every live order and
  // conservation of resting quantity must hold at each price.
  std::uint64_t total = 0;
  for (std::uint64_t i = 10; i < 20000; ++i) {
    b.limit(i, 1, Side::buy, static_cast<Ticks>(100 + i % 50), 3, f);
    total += 3;
    if (i % 3 == 0) total -= b.cancel(i - 7);
  }
  std::uint64_t depth = 0;
  for (Ticks p = 100; p < 150; ++p) depth += b.depth_at(Side::buy, p);
  CHECK(depth == total);
  std::uint64_t live = 0;
  for (std::uint64_t i = 10; i < 20000; ++i) live += b.remaining(i);
  CHECK(live == total);
  CHECK(b.best_bid() == 149);
}

TEST_CASE("a book rebuilt from its resting orders behaves as the original", "[market][book][checkpoint]") {
  auto b = book();
  std::vector<Fill> f;
  b.limit(1, 1, Side::sell, 101, 30, f);
  b.limit(2, 2, Side::sell, 100, 20, f);
  b.limit(3, 3, Side::sell, 101, 40, f);
  b.limit(4, 4, Side::buy, 98, 50, f);
  b.limit(5, 5, Side::buy, 99, 10, f);
  b.limit(6, 6, Side::buy, 98, 60, f);
  b.cancel(5);
  b.market(7, 7, Side::buy, 30, f);  // 20 of id 2, 10 of id 1
  std::vector<RestingOrder> saved;
  b.resting(saved);
  REQUIRE(saved.size() == 4);
  // Bids best first, then asks best first; first come first within a level.
  CHECK(saved[0].id == 4);
  CHECK(saved[1].id == 6);
  CHECK(saved[2].id == 1);
  CHECK(saved[2].qty == 20);
  CHECK(saved[3].id == 3);
  auto r = book();
  for (const RestingOrder& o : saved) REQUIRE(r.restore(o));
  std::vector<RestingOrder> again;
  r.resting(again);
  CHECK(again.size() == saved.size());
  CHECK(r.best_bid() == b.best_bid());
  CHECK(r.best_ask() == b.best_ask());
  // The same sweeps give the same fills on both.
  std::vector<Fill> fa, fb;
  b.market(8, 8, Side::buy, 50, fa);
  r.market(8, 8, Side::buy, 50, fb);
  b.market(9, 9, Side::sell, 100, fa);
  r.market(9, 9, Side::sell, 100, fb);
  REQUIRE(fa.size() == fb.size());
  for (std::size_t i = 0; i < fa.size(); ++i) {
    CHECK(fa[i].resting_id == fb[i].resting_id);
    CHECK(fa[i].price == fb[i].price);
    CHECK(fa[i].qty == fb[i].qty);
  }
  // Refused: a live id, a crossing price, a bad quantity or side.
  auto c = book();
  REQUIRE(c.restore({1, 1, 100, 10, 0}));
  CHECK_FALSE(c.restore({1, 1, 99, 10, 0}));
  CHECK_FALSE(c.restore({2, 2, 100, 10, 1}));
  CHECK_FALSE(c.restore({3, 3, 105, 15, 1}));
  CHECK_FALSE(c.restore({4, 4, 105, 10, 2}));
  CHECK(c.live_orders() == 1);
}
