// A population: a set of logical processes of one type and the behaviour they
// share. The engine owns the event machinery; a population owns agent state,
// stored by local index (0 .. lp_count()-1), and changes the world only through
// the Context it is handed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "simulacra/engine/context.hpp"
#include "simulacra/engine/event.hpp"
#include "simulacra/engine/table.hpp"

namespace simulacra {

class Population {
 public:
  virtual ~Population() = default;

  /// The registered type name, e.g. "phold" or "epidemic.town".
  virtual std::string type_name() const = 0;

  /// Number of LPs this population occupies; fixed once added to a Simulation.
  virtual std::uint32_t lp_count() const = 0;

  /// Called once per LP, in LP order, at time 0: schedule its first events.
  virtual void init_lp(Context& ctx, std::uint32_t local) = 0;

  /// Handles one event addressed to LP `local`. The engine may call this
  /// concurrently for LPs in different partitions, so it may touch only the
  /// state of `local` and read-only shared parameters.
  virtual void handle(Context& ctx, std::uint32_t local, const Event& ev) = 0;

  /// The tables this population emits rows of, indexed as in Context::emit.
  /// Names are unqualified ("infections"); a run prefixes the population name.
  virtual std::vector<TableSchema> tables() const { return {}; }

  /// Called once, on one thread, when the run ends (see
  /// Simulation::finish): emit end-of-run rows such as final agent states.
  virtual void finish(Context& /*ctx*/) {}

  /// The least delay this population's LPs use between two different LPs; a
  /// run without an explicit lookahead uses the minimum over populations.
  virtual SimTime lookahead_hint() const { return SimTime::infinity(); }

  /// A deep copy of the population's whole state (for Simulation cloning).
  virtual std::unique_ptr<Population> clone() const = 0;

  /// The global id of local LP `local` (valid once added to a Simulation).
  LpId lp(std::uint32_t local) const { return LpId{first_.value + local}; }
  LpId first_lp() const { return first_; }

 private:
  friend class Simulation;
  LpId first_;
};

}  // namespace simulacra
