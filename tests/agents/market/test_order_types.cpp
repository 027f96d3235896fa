// Order types and self-trade prevention against hand-worked books: IOC, FOK
// (and the book untouched when it is killed), post-only (refused or
// re-priced), icebergs (display, hidden reserve, queue position after each
// refresh, cancel and modify), and each self-trade policy.
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/agents/market/order_book.hpp"

using namespace simulacra::market;

namespace {

LimitOrderBook book() { return LimitOrderBook(1000, 10); }

OrderRequest req(std::uint64_t id, std::uint32_t owner, Side side, OrderType type, Ticks price, std::uint32_t qty,
                 std::uint32_t display = 0, SelfTrade stp = SelfTrade::none) {
  return OrderRequest{id, owner, side, type, price, qty, display, stp, 0};
}

// Every resting order, reserve and type included, as bytes.
std::vector<unsigned char> image(const LimitOrderBook& b) {
  std::vector<RestingOrder> r;
  b.resting(r);
  std::vector<unsigned char> out(r.size() * sizeof(RestingOrder));
  if (!r.empty()) std::memcpy(out.data(), r.data(), out.size());
  return out;
}

bool adds_up(const OrderResult& r, std::uint32_t qty) {
  return r.filled + r.rested + r.cancelled + r.prevented == qty;
}

}  // namespace

TEST_CASE("IOC fills what crosses now and cancels the rest", "[market][book][types]") {
  auto b = book();
  std::vector<Fill> f;
  b.limit(1, 1, Side::sell, 100, 30, f);
  b.limit(2, 1, Side::sell, 101, 20, f);
  b.limit(3, 1, Side::sell, 103, 50, f);
  const auto r = b.submit(req(9, 2, Side::buy, OrderType::ioc, 101, 80), f);
  CHECK(r.status == OrderStatus::accepted);
  CHECK(r.filled == 50);
  CHECK(r.cancelled == 30);
  CHECK(r.rested == 0);
  CHECK(adds_up(r, 80));
  REQUIRE(f.size() == 2);
  CHECK((f[0].resting_id == 1 && f[0].price == 100 && f[0].qty == 30));
  CHECK((f[1].resting_id == 2 && f[1].price == 101 && f[1].qty == 20));
  CHECK(b.best_bid() == kNoPrice);  // nothing rests
  CHECK(b.best_ask() == 103);
  CHECK(b.remaining(9) == 0);
  f.clear();
  const auto none = b.submit(req(10, 2, Side::buy, OrderType::ioc, 102, 10), f);  // nothing crosses
  CHECK(none.filled == 0);
  CHECK(none.cancelled == 10);
  CHECK(f.empty());
  CHECK(b.live_orders() == 1);
}

TEST_CASE("FOK fills in full or is killed with the book byte-identical", "[market][book][types]") {
  auto b = book();
  std::vector<Fill> f;
  b.limit(1, 1, Side::sell, 100, 30, f);
  b.submit(req(2, 3, Side::sell, OrderType::iceberg, 101, 60, 20), f);  // 20 shown, 40 hidden
  b.limit(3, 1, Side::sell, 102, 50, f);
  b.limit(4, 4, Side::buy, 98, 10, f);
  const auto before = image(b);
  // 30 + 60 = 90 up to 101: 100 is too much, and the book must not move.
  const auto killed = b.submit(req(9, 2, Side::buy, OrderType::fok, 101, 100), f);
  CHECK(killed.status == OrderStatus::accepted);
  CHECK(killed.filled == 0);
  CHECK(killed.cancelled == 100);
  CHECK(f.empty());
  CHECK(image(b) == before);
  CHECK(b.depth_at(Side::sell, 101) == 20);
  CHECK(b.hidden_at(Side::sell, 101) == 40);
  // 90 fills, reaching into the iceberg's reserve (three priority turns of 20).
  const auto full = b.submit(req(10, 2, Side::buy, OrderType::fok, 101, 90), f);
  CHECK(full.filled == 90);
  CHECK(full.cancelled == 0);
  REQUIRE(f.size() == 4);
  CHECK((f[0].resting_id == 1 && f[0].qty == 30));
  for (std::size_t i = 1; i < 4; ++i) CHECK((f[i].resting_id == 2 && f[i].qty == 20 && f[i].price == 101));
  CHECK(f[3].resting_done);
  CHECK_FALSE(f[2].resting_done);
  CHECK(b.best_ask() == 102);
  // A FOK of a wrong size is refused, not killed.
  CHECK(b.submit(req(11, 2, Side::buy, OrderType::fok, 102, 15), f).status == OrderStatus::bad_quantity);
}

TEST_CASE("FOK under self-trade prevention: own orders do not count and may kill it", "[market][book][types][stp]") {
  std::vector<Fill> f;
  auto setup = [&] {
    auto b = book();
    b.limit(1, 5, Side::sell, 100, 30, f);  // owner 5's own order, first in line
    b.limit(2, 1, Side::sell, 100, 30, f);
    b.limit(3, 1, Side::sell, 101, 30, f);
    return b;
  };
  {
    auto b = setup();
    const auto before = image(b);
    // cancel-newest would stop at its own order: killed, untouched.
    const auto r = b.submit(req(9, 5, Side::buy, OrderType::fok, 101, 20, 0, SelfTrade::cancel_newest), f);
    CHECK(r.cancelled == 20);
    CHECK(image(b) == before);
    CHECK(b.self_trade_cancels().empty());
  }
  {
    auto b = setup();
    // cancel-oldest: its own 30 is cancelled and does not count: 60 others' is enough for 60, not 61.
    const auto before = image(b);
    CHECK(b.submit(req(9, 5, Side::buy, OrderType::fok, 101, 70, 0, SelfTrade::cancel_oldest), f).cancelled == 70);
    CHECK(image(b) == before);
    const auto r = b.submit(req(10, 5, Side::buy, OrderType::fok, 101, 60, 0, SelfTrade::cancel_oldest), f);
    CHECK(r.filled == 60);
    REQUIRE(b.self_trade_cancels().size() == 1);
    CHECK(b.self_trade_cancels()[0].resting_id == 1);
    CHECK(b.self_trade_cancels()[0].qty == 30);
    CHECK(b.live_orders() == 0);
  }
  {
    auto b = setup();
    // Without prevention its own order counts, and trades.
    const auto r = b.submit(req(9, 5, Side::buy, OrderType::fok, 100, 60), f);
    CHECK(r.filled == 60);
  }
}

TEST_CASE("post-only never takes liquidity: refused, or re-priced one tick away", "[market][book][types]") {
  auto b = book();
  std::vector<Fill> f;
  b.limit(1, 1, Side::buy, 99, 10, f);
  b.limit(2, 1, Side::sell, 102, 10, f);
  const auto before = image(b);
  const auto refused = b.submit(req(3, 2, Side::buy, OrderType::post_only, 102, 20), f);
  CHECK(refused.status == OrderStatus::would_cross);
  CHECK(image(b) == before);
  CHECK(f.empty());
  const auto rests = b.submit(req(4, 2, Side::buy, OrderType::post_only, 101, 20), f);
  CHECK(rests.rested == 20);
  CHECK(rests.price == 101);
  CHECK(b.best_bid() == 101);
  // Sliding: a buy through the ask rests one tick below it, a sell one tick above the bid.
  const auto slid = b.submit(req(5, 2, Side::buy, OrderType::post_only_slide, 110, 30), f);
  CHECK(slid.status == OrderStatus::accepted);
  CHECK(slid.price == 101);
  CHECK(slid.rested == 30);
  CHECK(b.depth_at(Side::buy, 101) == 50);
  const auto slid_sell = b.submit(req(6, 3, Side::sell, OrderType::post_only_slide, 95, 10), f);
  CHECK(slid_sell.price == 102);
  CHECK(f.empty());
  // Resting post-only orders are taken like any other.
  b.market(7, 9, Side::sell, 30, f);
  REQUIRE(f.size() == 2);
  CHECK((f[0].resting_id == 4 && f[0].qty == 20));
  CHECK((f[1].resting_id == 5 && f[1].qty == 10));
  // A modify that would cross is refused and leaves the order where it was.
  f.clear();
  CHECK(b.modify(4, 102, 10, f).status == OrderStatus::unknown_order);  // 4 was filled
  const auto moved = b.modify(5, 105, 20, f);  // sliding: re-priced below the ask again
  CHECK(moved.price == 101);
  CHECK(moved.rested == 20);
  REQUIRE(b.submit(req(8, 2, Side::buy, OrderType::post_only, 100, 10), f).rested == 10);
  CHECK(b.modify(8, 102, 10, f).status == OrderStatus::would_cross);
  CHECK(b.remaining(8) == 10);
  CHECK(b.depth_at(Side::buy, 100) == 10);
  CHECK(b.best_ask() == 102);
  CHECK(f.empty());
  // No slide below tick 1.
  auto c = LimitOrderBook(100, 1);
  c.limit(1, 1, Side::sell, 1, 5, f);
  CHECK(c.submit(req(2, 2, Side::buy, OrderType::post_only_slide, 3, 5), f).status == OrderStatus::would_cross);
}

TEST_CASE("an iceberg shows its peak, refreshes from its reserve and loses priority at each refresh",
          "[market][book][types][iceberg]") {
  auto b = LimitOrderBook(1000, 5);
  std::vector<Fill> f;
  REQUIRE(b.submit(req(1, 1, Side::sell, OrderType::iceberg, 100, 50, 10), f).rested == 50);
  b.limit(2, 2, Side::sell, 100, 20, f);
  CHECK(b.depth_at(Side::sell, 100) == 30);  // 10 shown + 20
  CHECK(b.hidden_at(Side::sell, 100) == 40);
  CHECK(b.displayed(1) == 10);
  CHECK(b.remaining(1) == 50);
  std::vector<std::pair<Ticks, std::uint64_t>> lv;
  b.levels(Side::sell, 5, lv);
  REQUIRE(lv.size() == 1);
  CHECK(lv[0].second == 30);  // L2 shows what is displayed
  // 25: the iceberg's 10 shown, then it refreshes behind order 2, which gives 15.
  b.limit(3, 3, Side::buy, 100, 25, f);
  REQUIRE(f.size() == 2);
  CHECK((f[0].resting_id == 1 && f[0].qty == 10 && !f[0].resting_done));
  CHECK((f[1].resting_id == 2 && f[1].qty == 15));
  CHECK(b.displayed(1) == 10);
  CHECK(b.remaining(1) == 40);
  CHECK(b.depth_at(Side::sell, 100) == 15);
  CHECK(b.hidden_at(Side::sell, 100) == 30);
  std::vector<RestingOrder> q;
  b.resting(q);
  REQUIRE(q.size() == 2);
  CHECK(q[0].id == 2);  // order 2 is now first
  CHECK((q[1].id == 1 && q[1].qty == 10 && q[1].hidden == 30 && q[1].peak == 10));
  // 20: order 2's 5, the iceberg's 10, then alone at the level it refreshes in place and gives 5.
  f.clear();
  b.limit(4, 3, Side::buy, 100, 20, f);
  REQUIRE(f.size() == 3);
  CHECK((f[0].resting_id == 2 && f[0].qty == 5 && f[0].resting_done));
  CHECK((f[1].resting_id == 1 && f[1].qty == 10));
  CHECK((f[2].resting_id == 1 && f[2].qty == 5));
  CHECK(b.displayed(1) == 5);
  CHECK(b.remaining(1) == 25);
  // A newcomer queues behind the iceberg's current peak but ahead of its next one.
  b.limit(5, 4, Side::sell, 100, 10, f);
  f.clear();
  b.market(6, 3, Side::buy, 20, f);
  REQUIRE(f.size() == 3);
  CHECK((f[0].resting_id == 1 && f[0].qty == 5));
  CHECK((f[1].resting_id == 5 && f[1].qty == 10));
  CHECK((f[2].resting_id == 1 && f[2].qty == 5));
  CHECK(b.remaining(1) == 15);
  // Cancel returns the reserve too.
  CHECK(b.cancel(1) == 15);
  CHECK(b.best_ask() == kNoPrice);
  CHECK(b.hidden_at(Side::sell, 100) == 0);
}

TEST_CASE("an incoming iceberg trades in full first, then shows only its peak, then modify and bad displays",
          "[market][book][types][iceberg]") {
  auto b = book();
  std::vector<Fill> f;
  b.limit(1, 1, Side::sell, 100, 30, f);
  const auto r = b.submit(req(2, 2, Side::buy, OrderType::iceberg, 100, 100, 20), f);
  CHECK(r.filled == 30);
  CHECK(r.rested == 70);
  CHECK(b.depth_at(Side::buy, 100) == 20);
  CHECK(b.hidden_at(Side::buy, 100) == 50);
  b.limit(3, 3, Side::buy, 100, 10, f);
  // Smaller at the same price keeps its place: the reserve shrinks first.
  CHECK(b.modify(2, 100, 30, f).rested == 30);
  CHECK(b.displayed(2) == 20);
  CHECK(b.remaining(2) == 30);
  CHECK(b.hidden_at(Side::buy, 100) == 10);
  CHECK(b.modify(2, 100, 10, f).rested == 10);  // into the display
  CHECK(b.displayed(2) == 10);
  CHECK(b.hidden_at(Side::buy, 100) == 0);
  // Larger re-enters as an iceberg with its peak, behind order 3.
  CHECK(b.modify(2, 100, 60, f).rested == 60);
  CHECK(b.displayed(2) == 20);
  std::vector<RestingOrder> q;
  b.resting(q);
  REQUIRE(q.size() == 2);
  CHECK(q[0].id == 3);
  CHECK((q[1].id == 2 && q[1].hidden == 40 && q[1].type == static_cast<std::uint8_t>(OrderType::iceberg)));
  CHECK(b.submit(req(4, 2, Side::buy, OrderType::iceberg, 99, 50, 0), f).status == OrderStatus::bad_display);
  CHECK(b.submit(req(4, 2, Side::buy, OrderType::iceberg, 99, 50, 15), f).status == OrderStatus::bad_display);
  CHECK(b.submit(req(4, 2, Side::buy, OrderType::iceberg, 99, 50, 60), f).status == OrderStatus::bad_display);
  CHECK(b.live_orders() == 2);
}

TEST_CASE("self-trade prevention: each policy against one book", "[market][book][stp]") {
  // Owner 7 buys 30 up to 101 against: owner 8's 10 @100, its own 10 @100, owner 8's 10 @101.
  std::vector<Fill> f;
  auto setup = [&](std::uint32_t own_qty) {
    auto b = book();
    b.limit(1, 8, Side::sell, 100, 10, f);
    b.limit(2, 7, Side::sell, 100, own_qty, f);
    b.limit(3, 8, Side::sell, 101, 10, f);
    f.clear();
    return b;
  };
  SECTION("none: it trades with itself") {
    auto b = setup(10);
    const auto r = b.submit(req(9, 7, Side::buy, OrderType::limit, 101, 30), f);
    CHECK(r.filled == 30);
    REQUIRE(f.size() == 3);
    CHECK(f[1].resting_owner == f[1].aggressor_owner);
  }
  SECTION("cancel newest: the incoming remainder is prevented, its own order stays") {
    auto b = setup(10);
    const auto r = b.submit(req(9, 7, Side::buy, OrderType::limit, 101, 30, 0, SelfTrade::cancel_newest), f);
    CHECK(r.filled == 10);
    CHECK(r.prevented == 20);
    CHECK(r.rested == 0);
    CHECK(adds_up(r, 30));
    CHECK(b.remaining(2) == 10);
    CHECK(b.remaining(3) == 10);
    CHECK(b.self_trade_cancels().empty());
  }
  SECTION("cancel oldest: its resting order goes, the incoming one matches on and rests") {
    auto b = setup(10);
    const auto r = b.submit(req(9, 7, Side::buy, OrderType::limit, 101, 30, 0, SelfTrade::cancel_oldest), f);
    CHECK(r.filled == 20);
    CHECK(r.rested == 10);
    CHECK(r.prevented == 0);
    CHECK(adds_up(r, 30));
    REQUIRE(b.self_trade_cancels().size() == 1);
    const SelfTradeCancel& c = b.self_trade_cancels()[0];
    CHECK((c.resting_id == 2 && c.qty == 10 && c.resting_done && c.resting_owner == 7 && c.price == 100));
    CHECK(b.best_bid() == 101);
    CHECK(b.best_ask() == kNoPrice);
  }
  SECTION("cancel both") {
    auto b = setup(10);
    const auto r = b.submit(req(9, 7, Side::buy, OrderType::limit, 101, 30, 0, SelfTrade::cancel_both), f);
    CHECK(r.filled == 10);
    CHECK(r.prevented == 20);
    REQUIRE(b.self_trade_cancels().size() == 1);
    CHECK(b.self_trade_cancels()[0].qty == 10);
    CHECK(b.remaining(2) == 0);
    CHECK(b.remaining(3) == 10);
    CHECK(b.best_bid() == kNoPrice);
  }
  SECTION("decrement: the smaller side is gone, the larger shrinks by it") {
    auto b = setup(10);
    const auto r = b.submit(req(9, 7, Side::buy, OrderType::limit, 101, 30, 0, SelfTrade::decrement), f);
    CHECK(r.filled == 20);  // 10 before its own order, 10 after
    CHECK(r.prevented == 10);
    REQUIRE(b.self_trade_cancels().size() == 1);
    CHECK(b.self_trade_cancels()[0].resting_done);
    auto c = setup(50);
    const auto s = c.submit(req(9, 7, Side::buy, OrderType::limit, 101, 30, 0, SelfTrade::decrement), f);
    CHECK(s.filled == 10);
    CHECK(s.prevented == 20);
    REQUIRE(c.self_trade_cancels().size() == 1);
    CHECK((c.self_trade_cancels()[0].qty == 20 && !c.self_trade_cancels()[0].resting_done));
    CHECK(c.remaining(2) == 30);
    CHECK(c.depth_at(Side::sell, 100) == 30);
  }
  SECTION("a market order and an iceberg's reserve are prevented alike") {
    auto b = book();
    b.submit(req(1, 7, Side::sell, OrderType::iceberg, 100, 40, 10), f);
    b.limit(2, 8, Side::sell, 100, 10, f);
    const auto r = b.submit(req(9, 7, Side::buy, OrderType::market, kNoPrice, 30, 0, SelfTrade::cancel_oldest), f);
    CHECK(r.filled == 10);
    CHECK(r.cancelled == 20);
    REQUIRE(b.self_trade_cancels().size() == 1);
    CHECK(b.self_trade_cancels()[0].qty == 40);  // display and reserve
    CHECK(b.hidden_at(Side::sell, 100) == 0);
  }
}
