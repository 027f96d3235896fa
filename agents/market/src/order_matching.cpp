// The matching half of LimitOrderBook: each order type's entry into the book,
// the walk against the opposite side with iceberg refreshes and self-trade
// prevention, the fill-or-kill check that decides before any fill, and modify.
// Storage (levels, the order pool, ids), queries and checkpoints are in
// order_book.cpp.
#include "simulacra/agents/market/order_book.hpp"

namespace simulacra::market {

namespace {
constexpr std::uint64_t kReservedId = ~std::uint64_t{0};

bool rests(OrderType t) {
  return t == OrderType::limit || t == OrderType::post_only || t == OrderType::post_only_slide ||
         t == OrderType::iceberg;
}
}  // namespace

std::uint32_t LimitOrderBook::match(const OrderRequest& o, Ticks limit, std::uint32_t qty, std::vector<Fill>& fills,
                                    std::uint32_t& prevented) {
  const Side side = o.side;
  std::vector<Level>& book = side_levels(opposite(side));
  std::uint32_t left = qty, filled = 0;
  while (left > 0) {
    const Ticks best = side == Side::buy ? best_ask_ : best_bid_;
    if (best == kNoPrice) break;
    if (side == Side::buy ? best > limit : best < limit) break;
    Level& level = book[static_cast<std::size_t>(best)];
    while (left > 0 && level.head >= 0) {
      const std::int32_t slot = level.head;
      Node& n = nodes_[static_cast<std::size_t>(slot)];
      if (o.stp != SelfTrade::none && n.owner == o.owner) {
        const std::uint32_t resting = n.qty + n.hidden;
        std::uint32_t removed = 0, stopped = 0;
        switch (o.stp) {
          case SelfTrade::cancel_newest: stopped = left; break;
          case SelfTrade::cancel_oldest: removed = resting; break;
          case SelfTrade::cancel_both: removed = resting; stopped = left; break;
          case SelfTrade::decrement: removed = stopped = resting < left ? resting : left; break;
          case SelfTrade::none: break;
        }
        if (removed > 0) self_trade_remove(slot, removed);
        prevented += stopped;
        left -= stopped;
        continue;
      }
      // One priority turn takes only what is displayed.
      const std::uint32_t q = n.qty < left ? n.qty : left;
      n.qty -= q;
      level.qty -= q;
      left -= q;
      filled += q;
      fills.push_back(Fill{n.id, o.id, n.owner, o.owner, best, q, side, n.qty == 0 && n.hidden == 0, n.type});
      if (n.qty == 0) {
        if (n.hidden > 0) refresh(slot); else unlink(slot);  // `level` stays valid (no resize)
      }
    }
  }
  return filled;
}

void LimitOrderBook::self_trade_remove(std::int32_t slot, std::uint32_t qty) {
  Node& n = nodes_[static_cast<std::size_t>(slot)];
  const bool gone = qty == n.qty + n.hidden;
  stp_.push_back(SelfTradeCancel{n.id, n.owner, n.price, qty, n.side, gone, n.tag});
  if (gone) {
    unlink(slot);
    return;
  }
  // The reserve goes first, so what is displayed keeps its place.
  Level& level = side_levels(n.side)[static_cast<std::size_t>(n.price)];
  const std::uint32_t h = qty < n.hidden ? qty : n.hidden;
  n.hidden -= h;
  level.hidden -= h;
  n.qty -= qty - h;
  level.qty -= qty - h;
}

// Levels are taken strictly in price order, so a FOK order reaches exactly
// the levels up to the one where the quantity it may take covers it. Within
// that last level iceberg refreshes reorder the queue, so an own order
// anywhere in a reached level counts as met: under cancel-newest, cancel-both
// and decrement meeting one would cut the order short, so it is killed.
bool LimitOrderBook::fok_fills(const OrderRequest& o) const {
  const bool buy = o.side == Side::buy;
  const std::vector<Level>& book = buy ? asks_ : bids_;
  std::uint64_t available = 0;
  for (Ticks p = buy ? best_ask_ : best_bid_; p != kNoPrice && (buy ? p <= o.price : p >= o.price);
       p = buy ? next_ask_from(p + 1) : next_bid_from(p - 1)) {
    const Level& level = book[static_cast<std::size_t>(p)];
    if (o.stp == SelfTrade::none) {
      available += level.qty + level.hidden;
    } else {
      bool own = false;
      for (std::int32_t slot = level.head; slot >= 0;) {
        const Node& n = nodes_[static_cast<std::size_t>(slot)];
        if (n.owner == o.owner) own = true; else available += n.qty + n.hidden;
        slot = n.next;
      }
      if (own && o.stp != SelfTrade::cancel_oldest) return false;
    }
    if (available >= o.qty) return true;
  }
  return false;
}

OrderResult LimitOrderBook::submit(const OrderRequest& o, std::vector<Fill>& fills) {
  stp_.clear();
  OrderResult r;
  const bool market = o.type == OrderType::market;
  if (market) {
    if (o.qty == 0 || o.qty % lot_ != 0) r.status = OrderStatus::bad_quantity;
  } else {
    r.status = check(o.price, o.qty);
    if (r.status == OrderStatus::accepted && (o.id == kReservedId || index_.find(o.id) != OrderIdIndex::kMissing)) {
      r.status = OrderStatus::duplicate_id;
    }
  }
  if (r.status == OrderStatus::accepted && o.type == OrderType::iceberg &&
      (o.display == 0 || o.display % lot_ != 0 || o.display > o.qty)) {
    r.status = OrderStatus::bad_display;
  }
  if (r.status != OrderStatus::accepted) return r;
  const bool buy = o.side == Side::buy;
  if (o.type == OrderType::post_only || o.type == OrderType::post_only_slide) {
    // Never takes liquidity: refused, or re-priced one tick inside the opposite best.
    Ticks price = o.price;
    const Ticks opposite_best = buy ? best_ask_ : best_bid_;
    if (opposite_best != kNoPrice && (buy ? price >= opposite_best : price <= opposite_best)) {
      price = buy ? opposite_best - 1 : opposite_best + 1;
      if (o.type == OrderType::post_only || price < 1 || price >= price_levels_) {
        r.status = OrderStatus::would_cross;
        return r;
      }
    }
    rest(o.id, o.owner, o.side, price, o.qty, 0, o.type, o.tag);
    r.rested = o.qty;
    r.price = price;
    return r;
  }
  if (o.type == OrderType::fok && !fok_fills(o)) {
    r.cancelled = o.qty;  // killed before any fill: the book is as it was
    return r;
  }
  const Ticks limit = !market ? o.price : o.price != kNoPrice ? o.price : buy ? price_levels_ : 0;
  r.filled = match(o, limit, o.qty, fills, r.prevented);
  const std::uint32_t left = o.qty - r.filled - r.prevented;
  if (left == 0) return r;
  if (!rests(o.type)) {
    r.cancelled = left;
    return r;
  }
  rest(o.id, o.owner, o.side, o.price, left, o.type == OrderType::iceberg ? o.display : 0, o.type, o.tag);
  r.rested = left;
  r.price = o.price;
  return r;
}

OrderResult LimitOrderBook::limit(std::uint64_t id, std::uint32_t owner, Side side, Ticks price, std::uint32_t qty,
                                  std::vector<Fill>& fills) {
  return submit(OrderRequest{id, owner, side, OrderType::limit, price, qty, 0, SelfTrade::none, 0}, fills);
}

OrderResult LimitOrderBook::market(std::uint64_t id, std::uint32_t owner, Side side, std::uint32_t qty,
                                   std::vector<Fill>& fills, Ticks collar) {
  return submit(OrderRequest{id, owner, side, OrderType::market, collar, qty, 0, SelfTrade::none, 0}, fills);
}

OrderResult LimitOrderBook::modify(std::uint64_t id, Ticks price, std::uint32_t qty, std::vector<Fill>& fills,
                                   SelfTrade stp) {
  stp_.clear();
  OrderResult r;
  const std::uint32_t slot = index_.find(id);
  if (slot == OrderIdIndex::kMissing) {
    r.status = OrderStatus::unknown_order;
    return r;
  }
  r.status = check(price, qty);
  if (r.status != OrderStatus::accepted) return r;
  Node& n = nodes_[slot];
  if (price == n.price && qty <= n.qty + n.hidden) {
    // Smaller at the same price: keeps its place; the reserve shrinks first.
    Level& level = side_levels(n.side)[static_cast<std::size_t>(price)];
    const std::uint32_t cut = n.qty + n.hidden - qty;
    const std::uint32_t h = cut < n.hidden ? cut : n.hidden;
    n.hidden -= h;
    level.hidden -= h;
    n.qty -= cut - h;
    level.qty -= cut - h;
    r.rested = qty;
    r.price = price;
    return r;
  }
  if (n.type == OrderType::post_only || n.type == OrderType::post_only_slide) {
    // Refused before the order leaves the book, so it stays as it was.
    const bool buy = n.side == Side::buy;
    const Ticks opposite_best = buy ? best_ask_ : best_bid_;
    const Ticks slid = buy ? opposite_best - 1 : opposite_best + 1;
    if (opposite_best != kNoPrice && (buy ? price >= opposite_best : price <= opposite_best) &&
        (n.type == OrderType::post_only || slid < 1 || slid >= price_levels_)) {
      r.status = OrderStatus::would_cross;
      return r;
    }
  }
  const OrderRequest o{id, n.owner, n.side, n.type, price, qty, n.peak < qty ? n.peak : qty, stp, n.tag};
  unlink(static_cast<std::int32_t>(slot));
  return submit(o, fills);
}

}  // namespace simulacra::market
