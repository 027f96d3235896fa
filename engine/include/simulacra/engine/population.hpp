// A population: a set of logical processes of one type and the behaviour they
// share. The engine owns the event machinery; a population owns agent state,
// stored by local index (0 .. lp_count()-1), and changes the world only through
// the Context it is handed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "simulacra/engine/context.hpp"
#include "simulacra/engine/event.hpp"
#include "simulacra/engine/observable.hpp"
#include "simulacra/engine/state_archive.hpp"
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

  /// The observables this population computes, in the order observe() fills
  /// them. Fixed for a population type (the registry lists the same).
  virtual ObservableSpecs observables() const { return {}; }

  /// Computes every observable at `now`. Called between windows only (no
  /// event is being handled), on one thread; `out` has observables().size()
  /// entries. Never on the hot path: anything it needs "over the last step"
  /// the population keeps as it runs.
  virtual void observe(SimTime /*now*/, double* /*out*/) const {}

  /// Writes (ar.loading() false) or reads (true) every part of the state that
  /// changes while the run goes. When reading, the population was built from
  /// the same scenario and seed, so what construction makes needs no saving.
  /// Throws CheckpointError when the archive does not fit; the default throws
  /// it for a type without checkpoints.
  virtual void state(StateArchive& ar);

  /// Whether lp_state is implemented, so that the population can run
  /// partitioned over ranks (Simulation::set_ranks refuses it otherwise).
  virtual bool lp_state_supported() const { return false; }

  /// For a run partitioned over ranks: writes (ar.loading() false) or reads
  /// (true) the state of local LPs [lo, hi), everything init_lp and handle
  /// change for them, so that rank 0 can hold the state of every LP for
  /// finish(), observe() and checkpoints. State not owned by one LP is not
  /// allowed in a type that supports it. Throws CheckpointError when the
  /// archive does not fit; the default throws std::logic_error.
  virtual void lp_state(StateArchive& ar, std::uint32_t lo, std::uint32_t hi);

  /// Changes live parameter `key` (one the registry lists in
  /// PopulationType::live, already validated against its ParamSpec; base
  /// units) between windows, as if the scenario had said so from now on.
  /// The default throws std::logic_error: the type declared no live parameter.
  virtual void set_live(const std::string& key, double value);

  /// For importance sampling over live parameter `key`: the log-likelihood,
  /// were `key` equal to `value`, of the random draws `key` governs that the
  /// run has made so far, up to a constant that does not depend on `value`.
  /// The difference at two values is the log likelihood ratio that weights a
  /// run simulated under one as a sample of the other. nullopt (the default):
  /// the population cannot give it for this key.
  virtual std::optional<double> log_likelihood(const std::string& /*key*/, double /*value*/) const {
    return std::nullopt;
  }

  /// Re-derives every random stream the population keeps itself (per agent,
  /// per block ...) from `stream_seed` instead of the run seed, so that a
  /// branch continues differently from its parent. Pending events and state
  /// are untouched. A population that draws only from ctx.rng() needs nothing.
  virtual void reseed(std::uint64_t /*stream_seed*/) {}

  /// The global id of local LP `local` (valid once added to a Simulation).
  LpId lp(std::uint32_t local) const { return LpId{first_.value + local}; }
  LpId first_lp() const { return first_; }

 private:
  friend class Simulation;
  LpId first_;
};

}  // namespace simulacra
