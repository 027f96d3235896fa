// The book against a slow reference written apart from it (one flat list of
// orders, the best found by a scan): a long random sequence of every order
// type, cancels and modifies, by a few owners under every self-trade policy,
// must give the same results, fills, self-trade cancels and book after each
// step; every order's quantity must add up (filled + resting + cancelled +
// prevented); and a book rebuilt from a checkpoint with icebergs part-used
// must go on exactly as the original.
#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/agents/market/order_book.hpp"

using namespace simulacra::market;

namespace {

constexpr Ticks kLevels = 60;
constexpr std::uint32_t kLot = 10;

struct RefOrder {
  std::uint64_t id;
  std::uint32_t owner;
  Side side;
  Ticks price;
  std::uint32_t shown, hidden, peak;
  std::uint64_t seq;  // time priority: lower first
  OrderType type;
  std::uint8_t tag;
};

struct RefOut {
  OrderResult r;
  std::vector<Fill> fills;
  std::vector<SelfTradeCancel> stp;
};

// A deliberately simple book: a vector of orders, scanned in full each time.
class RefBook {
 public:
  std::vector<RefOrder> orders;

  Ticks best(Side side) const {
    Ticks b = kNoPrice;
    for (const RefOrder& o : orders) {
      if (o.side == side && (b == kNoPrice || (side == Side::buy ? o.price > b : o.price < b))) b = o.price;
    }
    return b;
  }

  RefOut submit(const OrderRequest& q) {
    RefOut out;
    const bool buy = q.side == Side::buy;
    const bool is_market = q.type == OrderType::market;
    if (!is_market && (q.price < 1 || q.price >= kLevels)) return bad(out, OrderStatus::bad_price);
    if (q.qty == 0 || q.qty % kLot != 0) return bad(out, OrderStatus::bad_quantity);
    if (!is_market && find(q.id) >= 0) return bad(out, OrderStatus::duplicate_id);
    if (q.type == OrderType::iceberg && (q.display == 0 || q.display % kLot != 0 || q.display > q.qty)) {
      return bad(out, OrderStatus::bad_display);
    }
    const Ticks opp = best(buy ? Side::sell : Side::buy);
    if (q.type == OrderType::post_only || q.type == OrderType::post_only_slide) {
      Ticks p = q.price;
      if (opp != kNoPrice && (buy ? p >= opp : p <= opp)) {
        if (q.type == OrderType::post_only) return bad(out, OrderStatus::would_cross);
        p = buy ? opp - 1 : opp + 1;
        if (p < 1 || p >= kLevels) return bad(out, OrderStatus::would_cross);
      }
      add(q.id, q.owner, q.side, p, q.qty, 0, q.type, q.tag);
      out.r.rested = q.qty;
      out.r.price = p;
      return out;
    }
    const Ticks limit = is_market ? (q.price != kNoPrice ? q.price : buy ? kLevels : 0) : q.price;
    if (q.type == OrderType::fok && !fok_ok(q)) {
      out.r.cancelled = q.qty;
      return out;
    }
    std::uint32_t left = q.qty;
    for (;;) {
      if (left == 0) break;
      const int i = next_match(q.side, limit);
      if (i < 0) break;
      RefOrder& o = orders[static_cast<std::size_t>(i)];
      if (q.stp != SelfTrade::none && o.owner == q.owner) {
        const std::uint32_t total = o.shown + o.hidden;
        if (q.stp == SelfTrade::cancel_newest) {
          out.r.prevented += left;
          left = 0;
        } else if (q.stp == SelfTrade::cancel_oldest || q.stp == SelfTrade::cancel_both) {
          out.stp.push_back(SelfTradeCancel{o.id, o.owner, o.price, total, o.side, true, o.tag});
          orders.erase(orders.begin() + i);
          if (q.stp == SelfTrade::cancel_both) {
            out.r.prevented += left;
            left = 0;
          }
        } else {  // decrement
          const std::uint32_t d = std::min(total, left);
          out.r.prevented += d;
          left -= d;
          out.stp.push_back(SelfTradeCancel{o.id, o.owner, o.price, d, o.side, d == total, o.tag});
          if (d == total) {
            orders.erase(orders.begin() + i);
          } else {
            const std::uint32_t h = std::min(d, o.hidden);
            o.hidden -= h;
            o.shown -= d - h;
          }
        }
        continue;
      }
      const std::uint32_t take = std::min(o.shown, left);
      o.shown -= take;
      left -= take;
      out.r.filled += take;
      out.fills.push_back(
          Fill{o.id, q.id, o.owner, q.owner, o.price, take, q.side, o.shown == 0 && o.hidden == 0, o.type});
      if (o.shown == 0) {
        if (o.hidden == 0) {
          orders.erase(orders.begin() + i);
        } else {  // a new peak, at the back of the queue
          o.shown = std::min(o.peak, o.hidden);
          o.hidden -= o.shown;
          o.seq = seq_++;
        }
      }
    }
    if (left > 0) {
      if (q.type == OrderType::limit || q.type == OrderType::iceberg) {
        add(q.id, q.owner, q.side, q.price, left, q.type == OrderType::iceberg ? q.display : 0, q.type, q.tag);
        out.r.rested = left;
        out.r.price = q.price;
      } else {
        out.r.cancelled = left;
      }
    }
    return out;
  }

  std::uint32_t cancel(std::uint64_t id) {
    const int i = find(id);
    if (i < 0) return 0;
    const std::uint32_t q = orders[static_cast<std::size_t>(i)].shown + orders[static_cast<std::size_t>(i)].hidden;
    orders.erase(orders.begin() + i);
    return q;
  }

  RefOut modify(std::uint64_t id, Ticks price, std::uint32_t qty, SelfTrade stp) {
    RefOut out;
    const int i = find(id);
    if (i < 0) return bad(out, OrderStatus::unknown_order);
    if (price < 1 || price >= kLevels) return bad(out, OrderStatus::bad_price);
    if (qty == 0 || qty % kLot != 0) return bad(out, OrderStatus::bad_quantity);
    RefOrder& o = orders[static_cast<std::size_t>(i)];
    if (price == o.price && qty <= o.shown + o.hidden) {
      const std::uint32_t cut = o.shown + o.hidden - qty;
      const std::uint32_t h = std::min(cut, o.hidden);
      o.hidden -= h;
      o.shown -= cut - h;
      out.r.rested = qty;
      out.r.price = price;
      return out;
    }
    const bool buy = o.side == Side::buy;
    const Ticks opp = best(buy ? Side::sell : Side::buy);
    const bool crosses = opp != kNoPrice && (buy ? price >= opp : price <= opp);
    const Ticks slid = buy ? opp - 1 : opp + 1;
    if (crosses && (o.type == OrderType::post_only ||
                    (o.type == OrderType::post_only_slide && (slid < 1 || slid >= kLevels)))) {
      return bad(out, OrderStatus::would_cross);
    }
    const OrderRequest q{id, o.owner, o.side, o.type, price, qty, std::min(o.peak, qty), stp, o.tag};
    orders.erase(orders.begin() + i);
    return submit(q);
  }

  int find(std::uint64_t id) const {
    for (std::size_t i = 0; i < orders.size(); ++i) {
      if (orders[i].id == id) return static_cast<int>(i);
    }
    return -1;
  }

  // Priority order: bids from the best down, asks from the best up, by time within a price.
  std::vector<RestingOrder> image() const {
    std::vector<RefOrder> sorted = orders;
    std::sort(sorted.begin(), sorted.end(), [](const RefOrder& a, const RefOrder& b) {
      if (a.side != b.side) return a.side == Side::buy;
      if (a.price != b.price) return a.side == Side::buy ? a.price > b.price : a.price < b.price;
      return a.seq < b.seq;
    });
    std::vector<RestingOrder> out;
    for (const RefOrder& o : sorted) {
      out.push_back(RestingOrder{o.id, o.owner, o.price, o.shown, static_cast<std::uint16_t>(o.side == Side::buy ? 0 : 1),
                                 static_cast<std::uint8_t>(o.type), o.tag, o.hidden, o.peak});
    }
    return out;
  }

 private:
  static RefOut& bad(RefOut& out, OrderStatus s) {
    out.r.status = s;
    return out;
  }

  void add(std::uint64_t id, std::uint32_t owner, Side side, Ticks price, std::uint32_t qty, std::uint32_t peak,
           OrderType type, std::uint8_t tag) {
    const std::uint32_t shown = peak > 0 ? std::min(peak, qty) : qty;
    orders.push_back(RefOrder{id, owner, side, price, shown, qty - shown, peak, seq_++, type, tag});
  }

  // The opposite order first in priority within the limit, or -1.
  int next_match(Side incoming, Ticks limit) const {
    int pick = -1;
    for (std::size_t i = 0; i < orders.size(); ++i) {
      const RefOrder& o = orders[i];
      if (o.side == incoming) continue;
      if (incoming == Side::buy ? o.price > limit : o.price < limit) continue;
      if (pick < 0) {
        pick = static_cast<int>(i);
        continue;
      }
      const RefOrder& p = orders[static_cast<std::size_t>(pick)];
      const bool better = o.price != p.price ? (incoming == Side::buy ? o.price < p.price : o.price > p.price)
                                             : o.seq < p.seq;
      if (better) pick = static_cast<int>(i);
    }
    return pick;
  }

  // The documented rule: others' shares (reserves included) at the prices
  // reached must cover it, and under a policy that stops the order no own
  // order may sit at a price reached.
  bool fok_ok(const OrderRequest& q) const {
    const bool buy = q.side == Side::buy;
    std::map<Ticks, std::pair<std::uint64_t, bool>> by_price;  // price -> (others' shares, own order there)
    for (const RefOrder& o : orders) {
      if (o.side == q.side || (buy ? o.price > q.price : o.price < q.price)) continue;
      auto& e = by_price[o.price];
      if (q.stp != SelfTrade::none && o.owner == q.owner) e.second = true; else e.first += o.shown + o.hidden;
    }
    std::uint64_t got = 0;
    auto step = [&](const std::pair<std::uint64_t, bool>& e) {
      if (e.second && q.stp != SelfTrade::cancel_oldest) return -1;
      got += e.first;
      return got >= q.qty ? 1 : 0;
    };
    if (buy) {
      for (auto it = by_price.begin(); it != by_price.end(); ++it) {
        if (const int s = step(it->second); s != 0) return s > 0;
      }
    } else {
      for (auto it = by_price.rbegin(); it != by_price.rend(); ++it) {
        if (const int s = step(it->second); s != 0) return s > 0;
      }
    }
    return false;
  }

  std::uint64_t seq_ = 0;
};

bool same(const OrderResult& a, const OrderResult& b) {
  return a.status == b.status && a.filled == b.filled && a.rested == b.rested && a.cancelled == b.cancelled &&
         a.prevented == b.prevented && (a.status != OrderStatus::accepted || a.price == b.price);
}

bool same(const std::vector<Fill>& a, const std::vector<Fill>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].resting_id != b[i].resting_id || a[i].aggressor_id != b[i].aggressor_id || a[i].price != b[i].price ||
        a[i].qty != b[i].qty || a[i].resting_done != b[i].resting_done || a[i].resting_owner != b[i].resting_owner ||
        a[i].aggressor_side != b[i].aggressor_side || a[i].resting_type != b[i].resting_type) {
      return false;
    }
  }
  return true;
}

bool same(const std::vector<SelfTradeCancel>& a, const std::vector<SelfTradeCancel>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].resting_id != b[i].resting_id || a[i].qty != b[i].qty || a[i].resting_done != b[i].resting_done ||
        a[i].price != b[i].price || a[i].side != b[i].side || a[i].resting_tag != b[i].resting_tag) {
      return false;
    }
  }
  return true;
}

bool same(const std::vector<RestingOrder>& a, const std::vector<RestingOrder>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(RestingOrder)) == 0);
}

// One random operation, applied to both books.
struct Step {
  int op = 0;  // 0 new order, 1 cancel, 2 modify
  OrderRequest order;
};

class Driver {
 public:
  explicit Driver(std::uint64_t seed) : rng_(seed) {}

  Step next() {
    Step s;
    const auto u = draw(100);
    if (u < 12 && next_id_ > 1) {
      s.op = 1;
      s.order.id = 1 + draw(next_id_ - 1);
      return s;
    }
    if (u < 22 && next_id_ > 1) {
      s.op = 2;
      s.order.id = 1 + draw(next_id_ - 1);
      s.order.price = static_cast<Ticks>(24 + draw(12));
      s.order.qty = kLot * static_cast<std::uint32_t>(1 + draw(8));
      s.order.stp = static_cast<SelfTrade>(draw(5));
      return s;
    }
    OrderRequest& o = s.order;
    o.id = next_id_++;
    o.owner = static_cast<std::uint32_t>(draw(3));
    o.side = draw(2) == 0 ? Side::buy : Side::sell;
    o.type = static_cast<OrderType>(draw(7));
    // Around a mid of 30, crossing often.
    o.price = static_cast<Ticks>(24 + draw(13));
    if (o.type == OrderType::market) o.price = draw(3) == 0 ? o.price : kNoPrice;
    o.qty = kLot * static_cast<std::uint32_t>(1 + draw(12));
    if (draw(50) == 0) o.qty += 5;  // now and then a bad lot
    if (o.type == OrderType::iceberg) o.display = kLot * static_cast<std::uint32_t>(draw(4));  // 0: bad display
    if (o.type == OrderType::iceberg && o.display > o.qty && draw(2) == 0) o.display = kLot;
    o.stp = draw(3) == 0 ? SelfTrade::none : static_cast<SelfTrade>(draw(5));
    o.tag = static_cast<std::uint8_t>(draw(4));
    return s;
  }

 private:
  std::uint64_t draw(std::uint64_t n) { return rng_() % n; }
  std::mt19937_64 rng_;
  std::uint64_t next_id_ = 1;
};

// Per order: what was submitted and where it went.
struct Account {
  std::int64_t submitted = 0, filled = 0, cancelled = 0, prevented = 0;
};

}  // namespace

TEST_CASE("the book matches a slow reference over a long random sequence of every order type, and no quantity is "
          "lost", "[market][book][reference]") {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    INFO("seed " << seed);
    LimitOrderBook book(kLevels, kLot);
    RefBook ref;
    Driver d(seed);
    std::map<std::uint64_t, Account> acct;
    std::vector<Fill> fills;
    std::vector<RestingOrder> got;
    std::size_t mismatches = 0, stp_events = 0, refreshes = 0, kills = 0, slides = 0;
    const int steps = 20000;
    for (int i = 0; i < steps && mismatches == 0; ++i) {
      const Step s = d.next();
      fills.clear();
      RefOut want;
      OrderResult r;
      if (s.op == 1) {
        const std::uint32_t a = book.cancel(s.order.id);
        const std::uint32_t b = ref.cancel(s.order.id);
        if (a != b) ++mismatches;
        acct[s.order.id].cancelled += a;
        continue;
      }
      const std::uint32_t before = book.remaining(s.order.id);
      if (s.op == 2) {
        r = book.modify(s.order.id, s.order.price, s.order.qty, fills, s.order.stp);
        want = ref.modify(s.order.id, s.order.price, s.order.qty, s.order.stp);
        if (r.status == OrderStatus::accepted) {
          // A modify cancels what the order had and submits the new quantity.
          acct[s.order.id].cancelled += before;
          acct[s.order.id].submitted += s.order.qty;
        }
      } else {
        r = book.submit(s.order, fills);
        want = ref.submit(s.order);
        if (r.status == OrderStatus::accepted) acct[s.order.id].submitted += s.order.qty;
        if (s.order.type == OrderType::fok && r.cancelled > 0) ++kills;
        if (s.order.type == OrderType::post_only_slide && r.status == OrderStatus::accepted && r.price != s.order.price) {
          ++slides;
        }
      }
      if (!same(r, want.r) || !same(fills, want.fills) || !same(book.self_trade_cancels(), want.stp)) ++mismatches;
      if (r.status != OrderStatus::accepted) continue;
      // Post-only orders never take liquidity; FOK orders fill in full or not at all.
      if ((s.order.type == OrderType::post_only || s.order.type == OrderType::post_only_slide) && s.op == 0) {
        CHECK(fills.empty());
      }
      if (s.order.type == OrderType::fok && s.op == 0) CHECK((r.filled == 0 || r.filled + r.prevented == s.order.qty));
      Account& a = acct[s.order.id];
      a.cancelled += r.cancelled;
      a.prevented += r.prevented;
      for (const Fill& f : fills) {
        acct[f.resting_id].filled += f.qty;
        a.filled += f.qty;
        refreshes += !f.resting_done && book.remaining(f.resting_id) > 0 && book.displayed(f.resting_id) > 0 &&
                     book.remaining(f.resting_id) > book.displayed(f.resting_id);
      }
      for (const SelfTradeCancel& c : book.self_trade_cancels()) {
        acct[c.resting_id].prevented += c.qty;
        ++stp_events;
      }
      book.resting(got);
      if (!same(got, ref.image()) || book.best_bid() != ref.best(Side::buy) || book.best_ask() != ref.best(Side::sell)) {
        ++mismatches;
      }
      if (mismatches > 0) INFO("step " << i << ", order " << s.order.id);
    }
    CHECK(mismatches == 0);
    // Depth shows displayed shares only; the reserve is apart.
    for (Ticks p = 1; p < kLevels; ++p) {
      for (const Side side : {Side::buy, Side::sell}) {
        std::uint64_t shown = 0, hidden = 0;
        for (const RefOrder& o : ref.orders) {
          if (o.side == side && o.price == p) {
            shown += o.shown;
            hidden += o.hidden;
          }
        }
        CHECK(book.depth_at(side, p) == shown);
        CHECK(book.hidden_at(side, p) == hidden);
      }
    }
    // Conservation, order by order.
    std::size_t broken = 0;
    std::int64_t submitted = 0, prevented = 0;
    for (const auto& [id, a] : acct) {
      const std::int64_t resting = book.remaining(id);
      if (a.submitted != a.filled + a.cancelled + a.prevented + resting) ++broken;
      submitted += a.submitted;
      prevented += a.prevented;
    }
    CHECK(broken == 0);
    // The sequence exercised what it is meant to.
    INFO(stp_events << " self-trade cancels, " << kills << " FOK kills, " << slides << " slides, " << refreshes
                    << " fills leaving a reserve");
    CHECK(stp_events > 100);
    CHECK(kills > 100);
    CHECK(slides > 100);
    CHECK(prevented > 0);
    CHECK(submitted > 100000);
  }
}

TEST_CASE("a book with part-used icebergs rebuilt from its resting orders goes on exactly as the original",
          "[market][book][reference][checkpoint]") {
  LimitOrderBook a(kLevels, kLot);
  Driver d(7);
  std::vector<Fill> fa, fb;
  // At least 3,000 steps, then on until an iceberg rests part-used (a
  // display below its peak and a reserve behind it).
  std::vector<RestingOrder> saved;
  std::size_t part_used = 0;
  for (int i = 0; i < 50000 && (i < 3000 || part_used == 0); ++i) {
    const Step s = d.next();
    if (s.op == 1) a.cancel(s.order.id);
    if (s.op == 2) a.modify(s.order.id, s.order.price, s.order.qty, fa, s.order.stp);
    if (s.op == 0) a.submit(s.order, fa);
    a.resting(saved);
    part_used = 0;
    for (const RestingOrder& o : saved) part_used += o.hidden > 0 && o.qty < o.peak;
  }
  REQUIRE(part_used > 0);
  LimitOrderBook b(kLevels, kLot);
  for (const RestingOrder& o : saved) REQUIRE(b.restore(o));
  std::vector<RestingOrder> again;
  b.resting(again);
  CHECK(same(again, saved));
  std::size_t differ = 0;
  for (int i = 0; i < 3000; ++i) {
    const Step s = d.next();
    fa.clear();
    fb.clear();
    if (s.op == 1) differ += a.cancel(s.order.id) != b.cancel(s.order.id);
    if (s.op == 2) {
      differ += !same(a.modify(s.order.id, s.order.price, s.order.qty, fa, s.order.stp),
                      b.modify(s.order.id, s.order.price, s.order.qty, fb, s.order.stp));
    }
    if (s.op == 0) differ += !same(a.submit(s.order, fa), b.submit(s.order, fb));
    differ += !same(fa, fb) || !same(a.self_trade_cancels(), b.self_trade_cancels());
  }
  CHECK(differ == 0);
  a.resting(saved);
  b.resting(again);
  CHECK(same(again, saved));
  // A saved iceberg that is inconsistent is refused.
  LimitOrderBook c(kLevels, kLot);
  RestingOrder bad{1, 1, 30, 20, 0, static_cast<std::uint8_t>(OrderType::iceberg), 0, 40, 10};  // shows more than its peak
  CHECK_FALSE(c.restore(bad));
  bad.type = static_cast<std::uint8_t>(OrderType::limit);  // a reserve without being an iceberg
  CHECK_FALSE(c.restore(bad));
  bad.type = static_cast<std::uint8_t>(OrderType::fok);  // never rests
  bad.hidden = 0;
  bad.peak = 0;
  CHECK_FALSE(c.restore(bad));
  CHECK(c.live_orders() == 0);
}
