// Event kinds and small helpers shared by the epidemic population's sources.
#pragma once

#include <cmath>
#include <cstdint>

#include "simulacra/engine/random.hpp"

namespace simulacra::epidemic::detail {

enum Kind : std::uint32_t {
  kStep = 0,        ///< a block's daily step
  kSeed = 1,        ///< initial infections, at t = 0
  kInfect = 2,      ///< an infection attempt on a person of the destination block
  kTransition = 3,  ///< disease course: data[1] = from << 8 | to
  kTestResult = 4,  ///< a positive test result of a person
  kQuarantine = 5,  ///< a traced contact is told to quarantine
  kProtect = 6,     ///< vaccine protection starts
  kAction = 7,      ///< timeline step data[0]
  kCount = 8,       ///< to the authority: data[0] = slot, data[1] = count
  kReport = 9,      ///< the authority's daily report
  kTrigger = 10,    ///< lockdown on (data[0] = 1) or off
};

/// Poisson by multiplication of uniforms (Knuth), in pieces of mean <= 16 so
/// exp(-mean) never underflows; portable because it uses uniform() only.
inline std::uint64_t poisson(RandomStream& rng, double mean) {
  std::uint64_t k = 0;
  while (mean > 0.0) {
    const double piece = mean > 16.0 ? 16.0 : mean;
    mean -= piece;
    const double limit = std::exp(-piece);
    double prod = rng.uniform_pos();
    while (prod > limit) {
      ++k;
      prod *= rng.uniform_pos();
    }
  }
  return k;
}

}  // namespace simulacra::epidemic::detail
