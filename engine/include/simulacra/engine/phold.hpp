// PHOLD, the standard benchmark of parallel discrete-event engines, with the
// parameter meaning of ROSS so figures compare: N LPs each start S events; an
// event at an LP schedules one new event at now + lookahead + Exp(mean -
// lookahead), on an LP drawn uniformly from all LPs with probability `remote`,
// otherwise on itself.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "simulacra/engine/population.hpp"
#include "simulacra/engine/simulation.hpp"

namespace simulacra {

struct PholdParams {
  std::uint32_t lps = 1024;
  std::uint32_t start_events = 1;
  double remote = 0.25;     ///< probability that a new event goes to a random LP
  double lookahead = 0.1;   ///< least delay of every event
  double mean = 1.0;        ///< mean delay, lookahead included
  double end = 1000.0;      ///< events with time < end are committed
  std::uint64_t seed = 1;
  unsigned threads = 1;
  unsigned partitions = 0;
  SchedulerKind scheduler = SchedulerKind::parallel;
  std::uint32_t serial_window_events = 256;  ///< EngineConfig::serial_window_events
  bool record = false;      ///< emit one row per committed event (table "events")
};

/// Throws ConfigError naming the first invalid parameter.
void validate(const PholdParams& p);

class PholdPopulation final : public Population {
 public:
  explicit PholdPopulation(const PholdParams& p);

  std::string type_name() const override { return "phold"; }
  std::uint32_t lp_count() const override { return params_.lps; }
  void init_lp(Context& ctx, std::uint32_t local) override;
  void handle(Context& ctx, std::uint32_t local, const Event& ev) override;
  std::unique_ptr<Population> clone() const override;
  std::vector<TableSchema> tables() const override;
  void finish(Context& ctx) override;
  SimTime lookahead_hint() const override { return SimTime{params_.lookahead}; }
  ObservableSpecs observables() const override { return observable_specs(); }
  void observe(SimTime now, double* out) const override;
  void state(StateArchive& ar) override;
  bool lp_state_supported() const override { return true; }
  void lp_state(StateArchive& ar, std::uint32_t lo, std::uint32_t hi) override;
  /// Live: `remote` (the probability that an event's successor goes to a random LP).
  void set_live(const std::string& key, double value) override;

  /// committed_events: events handled by the population's LPs so far.
  static ObservableSpecs observable_specs();

  /// Events handled per LP: PHOLD's only state, kept so that clones and
  /// checkpoints have something real to carry.
  std::uint64_t handled(std::uint32_t local) const { return handled_[local]; }

 private:
  static constexpr std::uint32_t kEventsTable = 0;
  static constexpr std::uint32_t kLpsTable = 1;
  SimTime next_delay(Context& ctx) const;

  PholdParams params_;
  std::vector<std::uint64_t> handled_;
};

/// A ready-to-run PHOLD simulation. Throws ConfigError for invalid parameters.
Simulation make_phold(const PholdParams& p);

}  // namespace simulacra
