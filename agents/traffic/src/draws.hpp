// Portable draws of driver parameters shared by generated and imported
// demand.
#pragma once

#include <algorithm>

#include "simulacra/engine/random.hpp"

namespace simulacra::traffic {

/// A normal draw within [lo, hi] (rejection; the mean clamped after 100 misses).
inline double truncated_normal(RandomStream& rng, double mean, double sd, double lo, double hi) {
  if (sd <= 0.0) return std::clamp(mean, lo, hi);
  for (int i = 0; i < 100; ++i) {
    const double x = rng.normal(mean, sd);
    if (x >= lo && x <= hi) return x;
  }
  return std::clamp(mean, lo, hi);
}

}  // namespace simulacra::traffic
