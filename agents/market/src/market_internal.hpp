// Event kinds and message packing shared by the exchange and trader halves of
// the market population. Messages fit the engine's two data words.
#pragma once

#include <cstdint>

#include "simulacra/agents/market/market.hpp"

namespace simulacra::market::detail {

enum Kind : std::uint32_t {
  kLimit = 1,   // agent -> exchange: w0 order id, w1 packed order
  kMarket,      // agent -> exchange
  kCancel,      // agent -> exchange: w0 first order id, w1 count | label << 32
  kPublish,     // exchange self: market-data publication
  kBar,         // exchange self: close a bar
  kSnapshot,    // exchange self: book snapshot
  kShockSell,   // exchange self: timeline market sell, w1 quantity
  kFeed,        // exchange -> trader LP: w0 bid | ask << 32, w1 symbol | last << 32
  kFill,        // exchange -> trader LP: w0 order id, w1 packed fill
  kWake,        // trader self: w0 agent, w1 step of a multi-step action
  kWithdraw,    // trader self: makers withdraw, w1 duration (bits)
  kMatch,       // exchange self, at the time of the orders it holds: match them in agent order
  kProgram,     // exchange self: the next child order of sell program w0
  kCollude,     // colluder -> its partner's trader LP: w0 partner, w1 packed leg to send
};

// Steps of a trader's wake besides 0 (its regular action).
inline constexpr std::uint64_t kStepFirst = 0xff;        // start of the session: first draw, no action
inline constexpr std::uint64_t kStepStopEntry = 0x200;   // a stop-loss trader (re-)enters its position
inline constexpr std::uint64_t kStepHonest = 0x400;      // a manipulator trades honestly (as a value trader)

// Salts of the population's streams, derived from the run's (or a branch's) seed.
inline constexpr std::uint64_t kPathSalt = 0x66756e64ULL;    // "fund": each symbol's fundamental
inline constexpr std::uint64_t kAgentSalt = 0x74726472ULL;   // "trdr": one stream per agent

inline std::uint64_t order_id(std::uint32_t agent, std::uint32_t seq) {
  return (static_cast<std::uint64_t>(agent) + 1) << 32 | seq;
}
inline std::uint32_t agent_of(std::uint64_t id) { return static_cast<std::uint32_t>(id >> 32) - 1; }

// price (32 bits) | qty (24 bits) << 32 | side << 56 | label << 57 | order type << 60
inline std::uint64_t pack(Ticks price, std::uint32_t qty, Side s, Label l, OrderType t = OrderType::limit) {
  return static_cast<std::uint64_t>(static_cast<std::uint32_t>(price)) |
         (static_cast<std::uint64_t>(qty & 0xffffffu) << 32) |
         (static_cast<std::uint64_t>(s == Side::sell ? 1 : 0) << 56) |
         (static_cast<std::uint64_t>(static_cast<std::uint8_t>(l)) << 57) |
         (static_cast<std::uint64_t>(static_cast<std::uint8_t>(t)) << 60);
}
inline OrderType type_of(std::uint64_t w) { return static_cast<OrderType>((w >> 60) & 7u); }
inline Ticks price_of(std::uint64_t w) { return static_cast<Ticks>(static_cast<std::uint32_t>(w)); }
inline std::uint32_t qty_of(std::uint64_t w) { return static_cast<std::uint32_t>((w >> 32) & 0xffffffu); }
inline Side side_of(std::uint64_t w) { return ((w >> 56) & 1u) != 0 ? Side::sell : Side::buy; }
inline Label label_of(std::uint64_t w) { return static_cast<Label>((w >> 57) & 7u); }

inline constexpr std::uint32_t kMaxQty = 0xffffffu;

// An order size uniform in 1..max_lots lots, in shares.
inline std::uint32_t lots(RandomStream& rng, std::uint32_t max_lots, std::uint32_t lot) {
  return lot * (1 + static_cast<std::uint32_t>(rng.below(max_lots)));
}
inline Side coin(RandomStream& rng) { return rng.bernoulli(0.5) ? Side::buy : Side::sell; }

}  // namespace simulacra::market::detail
