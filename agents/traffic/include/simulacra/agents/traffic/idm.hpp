// The Intelligent Driver Model (Treiber, Hennecke, Helbing 2000) with δ = 4,
// and its steady state, as small pure functions the population and the tests
// share.
#pragma once

#include <algorithm>
#include <cmath>

namespace simulacra::traffic {

struct Driver {
  double v0 = 33.33;  ///< desired speed, m/s
  double T = 1.5;     ///< time headway, s
  double s0 = 2.0;    ///< minimum gap, m
  double a = 1.0;     ///< maximum acceleration, m/s²
  double b = 1.5;     ///< comfortable deceleration, m/s²
};

/// Free-road term 1 - (v/v0)^4 (δ = 4 written as two squares: no pow).
inline double idm_free(const Driver& d, double v) {
  const double r = v / d.v0;
  const double r2 = r * r;
  return d.a * (1.0 - r2 * r2);
}

/// IDM acceleration at speed v, bumper-to-bumper gap s to a leader at speed vl.
inline double idm_accel(const Driver& d, double v, double s, double vl) {
  const double dv = v - vl;
  const double star = d.s0 + std::max(0.0, v * d.T + v * dv / (2.0 * std::sqrt(d.a * d.b)));
  const double gap = std::max(s, 0.01);
  const double q = star / gap;
  return idm_free(d, v) - d.a * q * q;
}

/// Equilibrium gap at speed v < v0: s_e(v) = (s0 + vT) / sqrt(1 - (v/v0)^4).
inline double idm_equilibrium_gap(const Driver& d, double v) {
  const double r = v / d.v0;
  return (d.s0 + v * d.T) / std::sqrt(1.0 - r * r * r * r);
}

/// Equilibrium speed at gap s (inverse of the above, by bisection).
inline double idm_equilibrium_speed(const Driver& d, double s) {
  if (s <= d.s0) return 0.0;
  double lo = 0.0, hi = d.v0;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (idm_equilibrium_gap(d, mid) < s ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace simulacra::traffic
