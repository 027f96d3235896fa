// A limit order book for one symbol: a continuous double auction with
// price-time priority, prices in integer ticks and quantities in shares that
// must be whole lots. Limit, market, cancel and modify orders; partial fills.
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

/// One execution between a resting order and an incoming (aggressor) order.
struct Fill {
  std::uint64_t resting_id = 0;
  std::uint64_t aggressor_id = 0;
  std::uint32_t resting_owner = 0;
  std::uint32_t aggressor_owner = 0;
  Ticks price = 0;  ///< the resting order's price
  std::uint32_t qty = 0;
  Side aggressor_side = Side::buy;
  bool resting_done = false;  ///< the resting order is now fully filled
};

enum class OrderStatus : std::uint8_t {
  accepted,
  bad_price,      ///< outside [1, price_levels) ticks
  bad_quantity,   ///< zero or not a whole number of lots
  duplicate_id,   ///< the id is already live in the book
  unknown_order,  ///< cancel/modify of an id that is not live (filled, cancelled, never seen)
};

/// A resting order as a checkpoint keeps it. Field sizes leave no padding,
/// so the bytes written are the values alone.
struct RestingOrder {
  std::uint64_t id = 0;
  std::uint32_t owner = 0;
  Ticks price = 0;
  std::uint32_t qty = 0;
  std::uint32_t side = 0;  ///< Side as 0 (buy) or 1 (sell)
};

struct OrderResult {
  OrderStatus status = OrderStatus::accepted;
  std::uint32_t filled = 0;  ///< executed immediately
  std::uint32_t rested = 0;  ///< left resting in the book
  /// Neither filled nor resting: a market order's remainder once the book
  /// (or its price collar) ran out. filled + rested + cancelled = quantity.
  std::uint32_t cancelled = 0;
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
  /// Removes a live order; returns the quantity it still had (0: not live).
  std::uint32_t cancel(std::uint64_t id);
  /// Changes a live order's price and/or quantity. Reducing the quantity at
  /// the same price keeps time priority; any other change loses it (the order
  /// re-enters as new, and executes if it now crosses).
  OrderResult modify(std::uint64_t id, Ticks price, std::uint32_t qty, std::vector<Fill>& fills);

  Ticks best_bid() const { return best_bid_; }  ///< kNoPrice when empty
  Ticks best_ask() const { return best_ask_; }  ///< kNoPrice when empty
  std::uint64_t depth_at(Side side, Ticks price) const;
  /// Up to n non-empty levels from the best outward, as (price, quantity).
  void levels(Side side, std::size_t n, std::vector<std::pair<Ticks, std::uint64_t>>& out) const;
  std::uint32_t remaining(std::uint64_t id) const;  ///< 0 if not live
  /// Side, price and remaining quantity of a live order; false if not live.
  bool peek(std::uint64_t id, Side& side, Ticks& price, std::uint32_t& qty) const;
  std::size_t live_orders() const { return index_.size(); }
  /// Every live order in priority order: bids from the best price down, then
  /// asks from the best up, each level first-come first. Rebuilding a book
  /// with restore() in this order gives one that behaves identically.
  void resting(std::vector<RestingOrder>& out) const;
  /// Rests `o` behind the orders already at its price, without matching (for
  /// rebuilding a saved book). False, and the book unchanged, if its price or
  /// quantity is invalid, its id is live already, or it would cross the book.
  bool restore(const RestingOrder& o);
  Ticks price_levels() const { return price_levels_; }
  std::uint32_t lot_size() const { return lot_; }

 private:
  struct Node {
    std::uint64_t id;
    std::uint32_t owner;
    Ticks price;
    std::uint32_t qty;
    std::int32_t prev;
    std::int32_t next;
    Side side;
  };
  struct Level {
    std::int32_t head = -1;
    std::int32_t tail = -1;
    std::uint64_t qty = 0;
  };

  OrderStatus check(Ticks price, std::uint32_t qty) const;
  std::uint32_t match(std::uint64_t id, std::uint32_t owner, Side side, Ticks limit, std::uint32_t qty,
                      std::vector<Fill>& fills);
  void rest(std::uint64_t id, std::uint32_t owner, Side side, Ticks price, std::uint32_t qty);
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
};

}  // namespace simulacra::market
