#include "simulacra/agents/market/order_book.hpp"

#include <bit>
#include <stdexcept>

namespace simulacra::market {

namespace {

constexpr std::uint64_t kEmpty = ~std::uint64_t{0};

std::size_t hash_id(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return static_cast<std::size_t>(x);
}

}  // namespace

OrderIdIndex::OrderIdIndex() : keys_(1024, kEmpty), slots_(1024, 0), mask_(1023) {}

std::uint32_t OrderIdIndex::find(std::uint64_t id) const {
  for (std::size_t i = hash_id(id) & mask_;; i = (i + 1) & mask_) {
    if (keys_[i] == id) return slots_[i];
    if (keys_[i] == kEmpty) return kMissing;
  }
}

bool OrderIdIndex::insert(std::uint64_t id, std::uint32_t slot) {
  if (2 * (size_ + 1) > keys_.size()) grow();
  std::size_t i = hash_id(id) & mask_;
  for (; keys_[i] != kEmpty; i = (i + 1) & mask_) {
    if (keys_[i] == id) return false;
  }
  keys_[i] = id;
  slots_[i] = slot;
  ++size_;
  return true;
}

void OrderIdIndex::erase(std::uint64_t id) {
  std::size_t i = hash_id(id) & mask_;
  for (; keys_[i] != id; i = (i + 1) & mask_) {
    if (keys_[i] == kEmpty) return;
  }
  // Backward-shift: move later members of the probe run into the hole when
  // their home slot does not lie cyclically in (hole, their position].
  std::size_t j = i;
  for (;;) {
    j = (j + 1) & mask_;
    if (keys_[j] == kEmpty) break;
    const std::size_t home = hash_id(keys_[j]) & mask_;
    const bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    keys_[i] = keys_[j];
    slots_[i] = slots_[j];
    i = j;
  }
  keys_[i] = kEmpty;
  --size_;
}

void OrderIdIndex::grow() {
  std::vector<std::uint64_t> keys(keys_.size() * 2, kEmpty);
  std::vector<std::uint32_t> slots(keys.size(), 0);
  keys.swap(keys_);
  slots.swap(slots_);
  mask_ = keys_.size() - 1;
  size_ = 0;
  for (std::size_t k = 0; k < keys.size(); ++k) {
    if (keys[k] != kEmpty) insert(keys[k], slots[k]);
  }
}

LimitOrderBook::LimitOrderBook(Ticks price_levels, std::uint32_t lot_size)
    : price_levels_(price_levels), lot_(lot_size) {
  if (price_levels < 2) throw std::invalid_argument("order book: price_levels must be at least 2");
  if (lot_size == 0) throw std::invalid_argument("order book: lot size must be positive");
  const auto n = static_cast<std::size_t>(price_levels);
  bids_.resize(n);
  asks_.resize(n);
  bid_bits_.assign((n + 63) / 64, 0);
  ask_bits_.assign((n + 63) / 64, 0);
}

OrderStatus LimitOrderBook::check(Ticks price, std::uint32_t qty) const {
  if (price < 1 || price >= price_levels_) return OrderStatus::bad_price;
  if (qty == 0 || qty % lot_ != 0) return OrderStatus::bad_quantity;
  return OrderStatus::accepted;
}

Ticks LimitOrderBook::next_ask_from(Ticks p) const {
  if (p >= price_levels_) return kNoPrice;
  auto w = static_cast<std::size_t>(p) / 64;
  std::uint64_t bits = ask_bits_[w] & (~std::uint64_t{0} << (static_cast<unsigned>(p) % 64));
  while (bits == 0) {
    if (++w == ask_bits_.size()) return kNoPrice;
    bits = ask_bits_[w];
  }
  return static_cast<Ticks>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits)));
}

Ticks LimitOrderBook::next_bid_from(Ticks p) const {
  if (p < 0) return kNoPrice;
  auto w = static_cast<std::size_t>(p) / 64;
  const unsigned b = static_cast<unsigned>(p) % 64;
  std::uint64_t bits = bid_bits_[w] & (b == 63 ? ~std::uint64_t{0} : ((std::uint64_t{1} << (b + 1)) - 1));
  while (bits == 0) {
    if (w == 0) return kNoPrice;
    bits = bid_bits_[--w];
  }
  return static_cast<Ticks>(w * 64 + 63 - static_cast<std::size_t>(std::countl_zero(bits)));
}

void LimitOrderBook::rest(std::uint64_t id, std::uint32_t owner, Side side, Ticks price, std::uint32_t qty,
                          std::uint32_t peak, OrderType type, std::uint8_t tag) {
  std::int32_t slot;
  if (free_ >= 0) {
    slot = free_;
    free_ = nodes_[static_cast<std::size_t>(slot)].next;
  } else {
    slot = static_cast<std::int32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  const std::uint32_t shown = peak > 0 && peak < qty ? peak : qty;
  nodes_[static_cast<std::size_t>(slot)] = Node{id, owner, price, shown, -1, -1, qty - shown, peak, side, type, tag};
  append(slot);
  index_.insert(id, static_cast<std::uint32_t>(slot));
}

void LimitOrderBook::append(std::int32_t slot) {
  Node& n = nodes_[static_cast<std::size_t>(slot)];
  const auto p = static_cast<std::size_t>(n.price);
  Level& level = side_levels(n.side)[p];
  n.prev = level.tail;
  n.next = -1;
  if (level.tail >= 0) {
    nodes_[static_cast<std::size_t>(level.tail)].next = slot;
  } else {
    level.head = slot;
    side_bits(n.side)[p / 64] |= std::uint64_t{1} << (p % 64);
  }
  level.tail = slot;
  level.qty += n.qty;
  level.hidden += n.hidden;
  if (n.side == Side::buy) {
    if (best_bid_ == kNoPrice || n.price > best_bid_) best_bid_ = n.price;
  } else {
    if (best_ask_ == kNoPrice || n.price < best_ask_) best_ask_ = n.price;
  }
}

void LimitOrderBook::detach(std::int32_t slot) {
  Node& n = nodes_[static_cast<std::size_t>(slot)];
  const auto p = static_cast<std::size_t>(n.price);
  Level& level = side_levels(n.side)[p];
  level.qty -= n.qty;
  level.hidden -= n.hidden;
  if (n.prev >= 0) nodes_[static_cast<std::size_t>(n.prev)].next = n.next; else level.head = n.next;
  if (n.next >= 0) nodes_[static_cast<std::size_t>(n.next)].prev = n.prev; else level.tail = n.prev;
  if (level.head < 0) {
    side_bits(n.side)[p / 64] &= ~(std::uint64_t{1} << (p % 64));
    if (n.side == Side::buy && n.price == best_bid_) best_bid_ = next_bid_from(n.price - 1);
    if (n.side == Side::sell && n.price == best_ask_) best_ask_ = next_ask_from(n.price + 1);
  }
}

void LimitOrderBook::unlink(std::int32_t slot) {
  detach(slot);
  Node& n = nodes_[static_cast<std::size_t>(slot)];
  index_.erase(n.id);
  n.next = free_;
  free_ = slot;
}

void LimitOrderBook::refresh(std::int32_t slot) {
  // To the back of the level, as a new order would (the level stays non-empty
  // while the node is out, so best prices and the level's bit do not move).
  Node& n = nodes_[static_cast<std::size_t>(slot)];
  Level& level = side_levels(n.side)[static_cast<std::size_t>(n.price)];
  const std::uint32_t shown = n.peak < n.hidden ? n.peak : n.hidden;
  if (level.head == slot && level.tail == slot) {  // alone: it stays where it is
    n.qty += shown;
    n.hidden -= shown;
    level.qty += shown;
    level.hidden -= shown;
    return;
  }
  detach(slot);
  n.qty += shown;
  n.hidden -= shown;
  append(slot);
}

std::uint32_t LimitOrderBook::cancel(std::uint64_t id) {
  const std::uint32_t slot = index_.find(id);
  if (slot == OrderIdIndex::kMissing) return 0;
  const std::uint32_t q = nodes_[slot].qty + nodes_[slot].hidden;
  unlink(static_cast<std::int32_t>(slot));
  return q;
}

std::uint64_t LimitOrderBook::depth_at(Side side, Ticks price) const {
  if (price < 1 || price >= price_levels_) return 0;
  return (side == Side::buy ? bids_ : asks_)[static_cast<std::size_t>(price)].qty;
}

std::uint64_t LimitOrderBook::hidden_at(Side side, Ticks price) const {
  if (price < 1 || price >= price_levels_) return 0;
  return (side == Side::buy ? bids_ : asks_)[static_cast<std::size_t>(price)].hidden;
}

void LimitOrderBook::levels(Side side, std::size_t n, std::vector<std::pair<Ticks, std::uint64_t>>& out) const {
  out.clear();
  Ticks p = side == Side::buy ? best_bid_ : best_ask_;
  while (p != kNoPrice && out.size() < n) {
    out.emplace_back(p, depth_at(side, p));
    p = side == Side::buy ? next_bid_from(p - 1) : next_ask_from(p + 1);
  }
}

void LimitOrderBook::resting(std::vector<RestingOrder>& out) const {
  out.clear();
  out.reserve(index_.size());
  for (const Side side : {Side::buy, Side::sell}) {
    const std::vector<Level>& book = side == Side::buy ? bids_ : asks_;
    for (Ticks p = side == Side::buy ? best_bid_ : best_ask_; p != kNoPrice;
         p = side == Side::buy ? next_bid_from(p - 1) : next_ask_from(p + 1)) {
      for (std::int32_t slot = book[static_cast<std::size_t>(p)].head; slot >= 0;) {
        const Node& n = nodes_[static_cast<std::size_t>(slot)];
        out.push_back(RestingOrder{n.id, n.owner, n.price, n.qty, static_cast<std::uint16_t>(side == Side::buy ? 0 : 1),
                                   static_cast<std::uint8_t>(n.type), n.tag, n.hidden, n.peak});
        slot = n.next;
      }
    }
  }
}

bool LimitOrderBook::restore(const RestingOrder& o) {
  if (o.side > 1 || check(o.price, o.qty) != OrderStatus::accepted || o.id == kEmpty) return false;
  if (index_.find(o.id) != OrderIdIndex::kMissing) return false;
  const auto type = static_cast<OrderType>(o.type);
  const bool rests = type == OrderType::limit || type == OrderType::post_only ||
                     type == OrderType::post_only_slide || type == OrderType::iceberg;
  if (o.type > static_cast<std::uint8_t>(OrderType::iceberg) || !rests) return false;
  if (type == OrderType::iceberg ? o.peak == 0 || o.peak % lot_ != 0 || o.qty > o.peak || o.hidden % lot_ != 0
                                 : o.peak != 0 || o.hidden != 0) {
    return false;
  }
  const Side side = o.side == 0 ? Side::buy : Side::sell;
  if (side == Side::buy ? best_ask_ != kNoPrice && o.price >= best_ask_ : best_bid_ != kNoPrice && o.price <= best_bid_) {
    return false;
  }
  rest(o.id, o.owner, side, o.price, o.qty, 0, type, o.tag);
  Node& n = nodes_[index_.find(o.id)];
  // The saved display and reserve as they were (rest() would show a full peak).
  n.hidden = o.hidden;
  n.peak = o.peak;
  side_levels(side)[static_cast<std::size_t>(o.price)].hidden += o.hidden;
  return true;
}

std::uint32_t LimitOrderBook::remaining(std::uint64_t id) const {
  const std::uint32_t slot = index_.find(id);
  return slot == OrderIdIndex::kMissing ? 0 : nodes_[slot].qty + nodes_[slot].hidden;
}

std::uint32_t LimitOrderBook::displayed(std::uint64_t id) const {
  const std::uint32_t slot = index_.find(id);
  return slot == OrderIdIndex::kMissing ? 0 : nodes_[slot].qty;
}

bool LimitOrderBook::peek(std::uint64_t id, Side& side, Ticks& price, std::uint32_t& qty) const {
  const std::uint32_t slot = index_.find(id);
  if (slot == OrderIdIndex::kMissing) return false;
  side = nodes_[slot].side;
  price = nodes_[slot].price;
  qty = nodes_[slot].qty + nodes_[slot].hidden;
  return true;
}

}  // namespace simulacra::market
