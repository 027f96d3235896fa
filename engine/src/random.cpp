#include "simulacra/engine/random.hpp"

namespace simulacra {

namespace {
__extension__ using u128 = unsigned __int128;
}  // namespace

RandomStream::RandomStream(std::uint64_t seed, std::uint64_t stream_id) {
  const std::uint64_t hi = mix64(seed ^ mix64(stream_id));
  const std::uint64_t lo = mix64(hi ^ 0xda942042e4dd58b5ULL);
  const pcg_extras::pcg128_t state = (static_cast<pcg_extras::pcg128_t>(hi) << 64) | lo;
  engine_ = pcg64(state, static_cast<pcg_extras::pcg128_t>(stream_id));
}

std::uint64_t RandomStream::below(std::uint64_t n) {
  // Multiply-shift maps 64 bits onto [0, n); rejecting the low band removes bias.
  u128 m = static_cast<u128>(engine_()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(engine_()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double RandomStream::normal() {
  for (;;) {
    const double u = 2.0 * uniform() - 1.0;
    const double v = 2.0 * uniform() - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

double RandomStream::gamma(double shape, double scale) {
  if (shape < 1.0) {
    // G(k) = G(k + 1) * U^(1/k)
    const double g = gamma(shape + 1.0, 1.0);
    return scale * g * std::pow(uniform_pos(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform_pos();
    if (u < 1.0 - 0.0331 * x * x * x * x) return scale * d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return scale * d * v;
  }
}

}  // namespace simulacra
