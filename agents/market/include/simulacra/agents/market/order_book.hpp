// A limit order book for one symbol: a continuous double auction with
// price-time priority, prices in integer ticks and quantities in shares that
// must be whole lots. Limit, market, immediate-or-cancel, fill-or-kill,
// post-only and iceberg orders, cancel and modify; partial fills; self-trade
// prevention chosen by the incoming order.
//
// Hot-path storage is flat: price levels are arrays indexed by tick with a
// bitmap of non-empty levels per side, orders live in a pool linked into
// per-level FIFO lists by index, and order ids map to pool slots through an
// open-addressing table. After warm-up no operation allocates.
#pragma once

#include <cstdint>
#include <vector>

namespace simulacra::market {

using Ticks = std::int32_t;
inline constexpr Ticks kNoPrice = -1;

enum class Side : std::uint8_t { buy = 0, sell = 1 };
inline Side opposite(Side s) { return s == Side::buy ? Side::sell : Side::buy; }

/// How an order executes and rests. Only limit, post-only and iceberg orders
/// ever rest.
enum class OrderType : std::uint8_t {
  limit,            ///< executes while it crosses, the remainder rests
  market,           ///< executes at any price (or up to a collar), the remainder is cancelled
  ioc,              ///< immediate-or-cancel: executes up to its limit, the remainder is cancelled
  fok,              ///< fill-or-kill: executes in full up to its limit, or not at all (book untouched)
  post_only,        ///< rests without executing; refused (would_cross) if it would take liquidity
  post_only_slide,  ///< rests without executing; if it would cross, re-priced one tick inside the opposite best
  iceberg,          ///< a limit order that shows `display` shares and refreshes them from a hidden reserve
};

/// What happens when an incoming order would execute against a resting
/// order of the same owner (the incoming order's instruction decides).
enum class SelfTrade : std::uint8_t {
  none,           ///< they trade (a wash trade)
  cancel_newest,  ///< the incoming order's remainder is cancelled
  cancel_oldest,  ///< the resting order is cancelled; the incoming order goes on matching
  cancel_both,    ///< both
  decrement,      ///< both shrink by the smaller's quantity; the smaller one is gone (CME's decrement-and-cancel)
};

/// One execution between a resting order and an incoming (aggressor) order.
struct Fill {
  std::uint64_t resting_id = 0;
  std::uint64_t aggressor_id = 0;
  std::uint32_t resting_owner = 0;
  std::uint32_t aggressor_owner = 0;
  Ticks price = 0;  ///< the resting order's price
  std::uint32_t qty = 0;
  Side aggressor_side = Side::buy;
  bool resting_done = false;  ///< the resting order is now fully filled (reserve included)
  OrderType resting_type = OrderType::limit;
};

/// Quantity of a resting order removed by self-trade prevention.
struct SelfTradeCancel {
  std::uint64_t resting_id = 0;
  std::uint32_t resting_owner = 0;
  Ticks price = 0;
  std::uint32_t qty = 0;       ///< removed from the resting order (displayed and reserve)
  Side side = Side::buy;       ///< the resting order's side
  bool resting_done = false;   ///< the resting order is gone from the book
  std::uint8_t resting_tag = 0;  ///< the resting order's OrderRequest::tag
};

enum class OrderStatus : std::uint8_t {
  accepted,
  bad_price,      ///< outside [1, price_levels) ticks
  bad_quantity,   ///< zero or not a whole number of lots
  duplicate_id,   ///< the id is already live in the book
  unknown_order,  ///< cancel/modify of an id that is not live (filled, cancelled, never seen)
  would_cross,    ///< a post-only order that would take liquidity (or cannot be re-priced)
  bad_display,    ///< an iceberg's display is zero, not whole lots, or above its quantity
};

/// An order as the book takes it.
struct OrderRequest {
  std::uint64_t id = 0;  ///< ~0 is reserved
  std::uint32_t owner = 0;
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  Ticks price = kNoPrice;     ///< limit price; for a market order its collar (kNoPrice: none)
  std::uint32_t qty = 0;      ///< shares, whole lots
  std::uint32_t display = 0;  ///< iceberg: shares shown at a time, whole lots, at most qty
  SelfTrade stp = SelfTrade::none;
  std::uint8_t tag = 0;  ///< the caller's, kept with a resting order (the exchange: its label)
};

/// A resting order as a checkpoint keeps it. Field sizes leave no padding,
/// so the bytes written are the values alone.
struct RestingOrder {
  std::uint64_t id = 0;
  std::uint32_t owner = 0;
  Ticks price = 0;
  std::uint32_t qty = 0;    ///< displayed shares
  std::uint16_t side = 0;   ///< Side as 0 (buy) or 1 (sell)
  std::uint8_t type = 0;    ///< OrderType: limit, post_only, post_only_slide or iceberg
  std::uint8_t tag = 0;     ///< OrderRequest::tag
  std::uint32_t hidden = 0;  ///< iceberg: the reserve not yet shown
  std::uint32_t peak = 0;    ///< iceberg: shares shown at each refresh
};
static_assert(sizeof(RestingOrder) == 32, "a checkpoint writes RestingOrder's bytes: no padding");

struct OrderResult {
  OrderStatus status = OrderStatus::accepted;
  std::uint32_t filled = 0;  ///< executed immediately
  std::uint32_t rested = 0;  ///< left resting in the book (an iceberg's reserve included)
  /// Neither filled nor resting: the remainder of a market or IOC order once
  /// the book (or its limit) ran out, or all of a killed FOK order.
  std::uint32_t cancelled = 0;
  /// The incoming order's quantity removed by self-trade prevention.
  /// filled + rested + cancelled + prevented = quantity (accepted orders).
  std::uint32_t prevented = 0;
  Ticks price = kNoPrice;  ///< where the order rests (a sliding post-only order: its new price)
};

/// Maps 64-bit order ids to 32-bit slots: linear probing with backward-shift
/// deletion, so no tombstones build up over a long day of cancels.
class OrderIdIndex {
 public:
  static constexpr std::uint32_t kMissing = 0xffffffffu;
  OrderIdIndex();
  std::uint32_t find(std::uint64_t id) const;
  /// False if the id is already present.
  bool insert(std::uint64_t id, std::uint32_t slot);
  void erase(std::uint64_t id);
  std::size_t size() const { return size_; }

 private:
  void grow();
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

class LimitOrderBook {
 public:
  /// Prices are valid in [1, price_levels) ticks. Throws std::invalid_argument
  /// if price_levels < 2 or lot_size == 0.
  LimitOrderBook(Ticks price_levels, std::uint32_t lot_size);

  /// Any order type (see OrderType). Fills are appended to `fills`; resting
  /// orders that self-trade prevention removed or shrank are in
  /// self_trade_cancels() until the next order. A refused order (status not
  /// accepted) leaves the book unchanged, and so does a killed FOK order.
  /// An incoming iceberg executes its whole quantity before showing only its
  /// display.
  OrderResult submit(const OrderRequest& o, std::vector<Fill>& fills);
  /// A limit order: executes against the opposite side while it crosses, the
  /// remainder rests at `price` behind earlier orders at that price. Fills are
  /// appended to `fills`. Id ~0 is reserved.
  OrderResult limit(std::uint64_t id, std::uint32_t owner, Side side, Ticks price, std::uint32_t qty,
                    std::vector<Fill>& fills);
  /// A market order: executes at the best prices until filled, the opposite
  /// side is empty, or the next price lies beyond `collar` (a buy stops above
  /// it, a sell below it; kNoPrice: no collar). The remainder never rests:
  /// it is returned as `cancelled`, for the caller to record.
  OrderResult market(std::uint64_t id, std::uint32_t owner, Side side, std::uint32_t qty,
                     std::vector<Fill>& fills, Ticks collar = kNoPrice);
  /// Removes a live order; returns the quantity it still had, reserve
  /// included (0: not live).
  std::uint32_t cancel(std::uint64_t id);
  /// Changes a live order's price and/or total quantity (reserve included).
  /// Reducing the quantity at the same price keeps time priority (an
  /// iceberg's reserve shrinks first, then its display); any other change
  /// loses it: the order re-enters as new with its type (an iceberg keeps
  /// its peak), executes if it now crosses, under self-trade policy `stp`.
  /// A post-only order that would now cross is refused (would_cross) and
  /// stays as it was; a sliding one is re-priced.
  OrderResult modify(std::uint64_t id, Ticks price, std::uint32_t qty, std::vector<Fill>& fills,
                     SelfTrade stp = SelfTrade::none);
  /// Resting orders removed or shrunk by self-trade prevention in the last
  /// submit/limit/modify call.
  const std::vector<SelfTradeCancel>& self_trade_cancels() const { return stp_; }

  Ticks best_bid() const { return best_bid_; }  ///< kNoPrice when empty
  Ticks best_ask() const { return best_ask_; }  ///< kNoPrice when empty
  /// Displayed shares at a price (icebergs' reserves are not shown).
  std::uint64_t depth_at(Side side, Ticks price) const;
  /// Icebergs' hidden reserve at a price.
  std::uint64_t hidden_at(Side side, Ticks price) const;
  /// Up to n non-empty levels from the best outward, as (price, displayed quantity).
  void levels(Side side, std::size_t n, std::vector<std::pair<Ticks, std::uint64_t>>& out) const;
  std::uint32_t remaining(std::uint64_t id) const;  ///< reserve included; 0 if not live
  std::uint32_t displayed(std::uint64_t id) const;  ///< shown part; 0 if not live
  /// Side, price and remaining quantity (reserve included) of a live order; false if not live.
  bool peek(std::uint64_t id, Side& side, Ticks& price, std::uint32_t& qty) const;
  std::size_t live_orders() const { return index_.size(); }
  /// Every live order in priority order: bids from the best price down, then
  /// asks from the best up, each level first-come first. Rebuilding a book
  /// with restore() in this order gives one that behaves identically.
  void resting(std::vector<RestingOrder>& out) const;
  /// Rests `o` behind the orders already at its price, without matching (for
  /// rebuilding a saved book). False, and the book unchanged, if its price,
  /// quantity, reserve or type is invalid, its id is live already, or it
  /// would cross the book.
  bool restore(const RestingOrder& o);
  Ticks price_levels() const { return price_levels_; }
  std::uint32_t lot_size() const { return lot_; }

 private:
  struct Node {
    std::uint64_t id;
    std::uint32_t owner;
    Ticks price;
    std::uint32_t qty;     // displayed
    std::int32_t prev;
    std::int32_t next;
    std::uint32_t hidden;  // iceberg reserve
    std::uint32_t peak;    // iceberg display at a refresh (0: not an iceberg)
    Side side;
    OrderType type;
    std::uint8_t tag;
  };
  struct Level {
    std::int32_t head = -1;
    std::int32_t tail = -1;
    std::uint64_t qty = 0;     // displayed
    std::uint64_t hidden = 0;  // icebergs' reserves
  };

  OrderStatus check(Ticks price, std::uint32_t qty) const;
  // Executes up to `qty` against the opposite side within `limit`; returns
  // the shares filled and adds the incoming shares self-trade prevention
  // removed to `prevented`.
  std::uint32_t match(const OrderRequest& o, Ticks limit, std::uint32_t qty, std::vector<Fill>& fills,
                      std::uint32_t& prevented);
  // Whether a FOK order would fill in full (matching()'s walk, without changing anything).
  bool fok_fills(const OrderRequest& o) const;
  // Removes `qty` of a resting order for self-trade prevention (all of it: gone).
  void self_trade_remove(std::int32_t slot, std::uint32_t qty);
  // An iceberg whose display is used up shows its next peak at the back of its level.
  void refresh(std::int32_t slot);
  // Rests shares at `price`: `qty` shown at most `peak` at a time (peak 0: all shown).
  void rest(std::uint64_t id, std::uint32_t owner, Side side, Ticks price, std::uint32_t qty, std::uint32_t peak,
            OrderType type, std::uint8_t tag);
  void append(std::int32_t slot);  // links a node at the back of its level
  void detach(std::int32_t slot);  // unlinks a node from its level, keeping it
  void unlink(std::int32_t slot);
  Ticks next_ask_from(Ticks p) const;  ///< lowest non-empty ask level >= p
  Ticks next_bid_from(Ticks p) const;  ///< highest non-empty bid level <= p
  std::vector<Level>& side_levels(Side s) { return s == Side::buy ? bids_ : asks_; }
  std::vector<std::uint64_t>& side_bits(Side s) { return s == Side::buy ? bid_bits_ : ask_bits_; }

  Ticks price_levels_;
  std::uint32_t lot_;
  std::vector<Level> bids_, asks_;
  std::vector<std::uint64_t> bid_bits_, ask_bits_;
  std::vector<Node> nodes_;
  std::int32_t free_ = -1;
  OrderIdIndex index_;
  Ticks best_bid_ = kNoPrice;
  Ticks best_ask_ = kNoPrice;
  std::vector<SelfTradeCancel> stp_;  // scratch, reused: see self_trade_cancels()
};

}  // namespace simulacra::market
