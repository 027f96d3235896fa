// Per-LP random streams and portable distributions.
//
// Every LP owns one stream derived from (seed, LP id), so what an LP draws does
// not depend on which thread runs it. The generator is PCG64 (libpcg-cpp); the
// distributions are our own, written from their textbook definitions, because
// std::*_distribution algorithms differ between standard libraries and would
// make datasets differ between machines.
#pragma once

#include <cmath>
#include <cstdint>

#include <pcg_random.hpp>

namespace simulacra {

/// SplitMix64 finaliser: a bijective 64-bit mix used to derive seeds.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Derives an independent child seed, e.g. replicate r of a scenario seed.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t index) {
  return mix64(mix64(seed) ^ mix64(index ^ 0x5851f42d4c957f2dULL));
}

class RandomStream {
 public:
  RandomStream() = default;
  /// The stream of LP `stream_id` under run seed `seed`.
  RandomStream(std::uint64_t seed, std::uint64_t stream_id);

  /// 64 uniformly distributed bits.
  std::uint64_t next_u64() { return engine_(); }

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  /// Uniform on (0, 1]: safe to take the logarithm of.
  double uniform_pos() { return static_cast<double>((engine_() >> 11) + 1) * 0x1.0p-53; }

  /// Uniform on [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  /// Uniform integer in [0, n) without modulo bias (Lemire's method). n > 0.
  std::uint64_t below(std::uint64_t n);

  bool bernoulli(double p) { return uniform() < p; }

  /// Exponential with the given mean (inverse transform).
  double exponential(double mean) { return -mean * std::log(uniform_pos()); }

  /// Standard normal by the Marsaglia polar method (no cached spare, so the
  /// stream's state is just the generator's).
  double normal();
  double normal(double mean, double sd) { return mean + sd * normal(); }

  /// Gamma(shape k, scale theta) by Marsaglia–Tsang, with the k < 1 boost.
  double gamma(double shape, double scale);

  /// Lognormal with the given parameters of the underlying normal.
  double lognormal(double mu, double sigma) { return std::exp(normal(mu, sigma)); }

  bool operator==(const RandomStream&) const = default;

 private:
  pcg64 engine_;
};

}  // namespace simulacra
