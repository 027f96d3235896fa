// Observables: the named scalars a population computes from its state on
// demand, between windows. They are the only view experiments (stop
// conditions, calibration, rare-event sampling, Python) have of a running
// simulation; nothing reads a population's private state.
#pragma once

#include <string>
#include <vector>

namespace simulacra {

/// One observable a population type declares: its name (unqualified, e.g.
/// "attack_rate"), unit ("" for a count or a ratio, "s", "m/s", "USD" ...)
/// and a one-line doc. `simulacra types` lists them.
struct ObservableSpec {
  std::string name;
  std::string unit;
  std::string doc;
};

using ObservableSpecs = std::vector<ObservableSpec>;

}  // namespace simulacra
