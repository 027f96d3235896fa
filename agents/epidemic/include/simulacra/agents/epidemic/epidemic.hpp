// The epidemic population: persons of a synthetic town split into `blocks`
// LPs that step once a day, plus one health-authority LP that gathers daily
// counts, writes the daily table and fires condition triggers.
//
// Timing rule: every contact made on day d is evaluated at the day's step
// (t = d days); an infection it causes travels to the infectee's block with
// delay 1 day - 60 s (the population's lookahead) and takes effect at the
// infectee block's step of day d+1. Disease-course transitions are self-events
// at their exact (continuous) times.
//
// Why the tables do not depend on `blocks` (nor on threads): every random
// draw comes from a stream of the person it concerns (or, for importations,
// of the day), never from an LP's stream; several infections reaching one
// person on one day are settled by a hashed priority, not by arrival order;
// vaccination follows one town-wide priority order; and rows are emitted with
// emit_ordered keyed by (person, that person's row counter).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "simulacra/agents/epidemic/params.hpp"
#include "simulacra/agents/epidemic/town.hpp"
#include "simulacra/engine/population.hpp"
#include "simulacra/engine/simulation.hpp"

namespace simulacra::epidemic {

/// Interventions in force, as one LP sees them.
struct Interventions {
  std::array<double, kContactLayers> contacts{1.0, 1.0, 1.0, 1.0};  ///< fraction of contacts kept
  double testing = 0.0;
  double tracing = 0.0;
  bool household_quarantine = false;
  bool lockdown = false;  ///< the occupancy trigger is active
  bool vaccinating = false;
  double doses_per_day = 0.0;
  double min_age = 0.0;
  double efficacy = 1.0;
  double protection_delay = 0.0;
  double importation_rate = 0.0;
  /// importation_rate is the live parameter's (the scenario's or set_live's),
  /// not a `set_importation` action's.
  bool importation_live = true;
};

class EpidemicPopulation final : public Population {
 public:
  /// Builds the town and the persons' random streams. Throws ConfigError for
  /// invalid parameters.
  explicit EpidemicPopulation(const EpidemicParams& p);

  std::string type_name() const override { return "epidemic"; }
  std::uint32_t lp_count() const override { return params_.blocks + 1; }
  void init_lp(Context& ctx, std::uint32_t local) override;
  void handle(Context& ctx, std::uint32_t local, const Event& ev) override;
  std::vector<TableSchema> tables() const override;
  void finish(Context& ctx) override;
  SimTime lookahead_hint() const override { return SimTime{kLookahead}; }
  std::unique_ptr<Population> clone() const override;

  // Experiments (experiment.cpp).
  ObservableSpecs observables() const override { return observable_specs(); }
  void observe(SimTime now, double* out) const override;
  /// Throws CheckpointError for an archive of another town (sizes differ) or
  /// with values no run can reach (a state out of range, counts that do not
  /// match the persons' states, a person outside its block).
  void state(StateArchive& ar) override;
  /// Block b's persons and counts (LP b), or the authority's (LP blocks):
  /// each LP writes only its own, so runs partition over ranks.
  bool lp_state_supported() const override { return true; }
  void lp_state(StateArchive& ar, std::uint32_t lo, std::uint32_t hi) override;
  /// "beta" and "importation_rate" (the registry's live keys); anything else
  /// throws std::logic_error.
  void set_live(const std::string& key, double value) override;
  /// The log-likelihood, were live parameter `key` now equal to `value`, of
  /// the draws it has governed since it last changed (construction or a
  /// set_live to another value; draws made under an earlier value do not
  /// depend on `value`, so they fall into the constant):
  ///  - "importation_rate" r: each day's step draws the town's count
  ///    k_d ~ Poisson(r) (one stream per day; who is imported is drawn apart,
  ///    uniformly, whatever r), so ℓ(r) = K log r − D r, K = Σ k_d over the
  ///    D days whose rate was the live one (a rate of 0 draws k_d = 0). Days
  ///    under a `set_importation` action's rate are not governed by it.
  ///  - "beta" b: each infection attempt is one Bernoulli trial with
  ///    p = kept (1 − exp(−b inf_state inf_age(i) w_layer sus_age(j))), kept
  ///    the contact fraction in force (1 for mass action, where it thins the
  ///    contacts instead); with the trials and successes counted per (layer,
  ///    kept, infector's state and age band, infectee's age band),
  ///    ℓ(b) = Σ s log p + (n − s) log(1 − p). Nothing else drawn depends on b.
  /// nullopt for any other key.
  std::optional<double> log_likelihood(const std::string& key, double value) const override;
  void reseed(std::uint64_t stream_seed) override;

  /// One count per disease state (named as the state), cumulative_infections,
  /// attack_rate, new_infections_last_day, new_deaths_last_day,
  /// reproduction_number_last_week; docs/epidemic.md defines each.
  static ObservableSpecs observable_specs();

  static constexpr double kLookahead = kDay - 60.0;
  static constexpr std::uint32_t kInfections = 0, kTransitions = 1, kPersons = 2, kDaily = 3;
  /// Days of infection counts each block keeps for the observables.
  static constexpr std::int64_t kHistory = 64;

  const Town& town() const { return *town_; }
  const EpidemicParams& params() const { return params_; }
  State state(std::uint32_t person) const { return static_cast<State>(state_[person]); }
  /// Infections so far (seeds, importations and transmissions; a person
  /// infected twice counts twice): the rows of the infections table.
  std::uint64_t ever_infected() const;

 private:
  /// An infection attempt that reached a susceptible person; the day's
  /// attempts are settled at the infectee block's next step. Fields are laid
  /// out without padding, so the checkpoint holds no indeterminate bytes.
  struct Attempt {
    std::uint64_t priority;       ///< tie-break among a person's attempts (a hash, not arrival order)
    std::uint32_t person;
    std::uint32_t infector;
    std::uint32_t infector_time;  ///< s, when the infector was infected
    std::uint8_t layer;
    std::uint8_t infector_state;
    std::uint16_t unused;
  };
  /// Bins of infection attempts of one layer under one contact fraction kept:
  /// by infector's state (presymptomatic, symptomatic, asymptomatic) and age
  /// band, and infectee's age band, which with the layer fix the attempt's
  /// probability as a function of beta (see log_likelihood).
  static constexpr std::size_t kTallyBins = std::size_t{3} * kBands * kBands;
  struct TransmissionTally {
    std::uint8_t layer = 0;
    double kept = 1.0;
    std::array<std::uint64_t, kTallyBins> trials{};
    std::array<std::uint64_t, kTallyBins> hits{};
  };
  struct Block {
    Interventions iv;
    std::vector<std::uint32_t> infectious;  ///< person ids, in order of becoming infectious
    std::vector<Attempt> attempts;          ///< arrived since the last step
    std::array<std::array<std::int64_t, kBands>, kStates> counts{};
    std::array<std::int64_t, kBands> new_infections{};
    std::uint64_t ever_infected = 0;
    std::uint64_t first_infections = 0;  ///< persons infected for the first time
    std::int64_t generation_sum = 0;     ///< s, over transmissions (integers: exact in any block layout)
    std::uint64_t transmissions = 0;
    std::array<std::uint32_t, kHistory> infections_by_day{};  ///< day d at d % kHistory
    std::int64_t last_day = -1;          ///< latest day infections_by_day holds
    std::vector<double> deaths;          ///< times of deaths within about the last day
    std::uint32_t vacc_next = 0;         ///< position in the block's priority order
    std::uint64_t vacc_called = 0;       ///< town-wide priority positions called (equal in every block)
    double vacc_carry = 0.0;             ///< fraction of a dose carried to the next day (equal in every block)
    // Draws the live parameters govern, since each last changed (log_likelihood).
    std::uint64_t imports_drawn = 0;  ///< Σ of the days' importation counts under the live rate (equal in every block)
    std::uint64_t import_days = 0;    ///< days stepped under the live rate (equal in every block)
    std::vector<TransmissionTally> tallies;  ///< this block's infectors' attempts, one per (layer, kept) met
  };
  struct Authority {
    Interventions iv;
    std::array<std::array<std::int64_t, kBands>, kStates + 1> acc{};  ///< last row: new infections
    std::int64_t day = 0;
    bool lockdown_ordered = false;  ///< decided; takes effect one lookahead later
  };

  // Block behaviour (epidemic.cpp).
  void step(Context& ctx, std::uint32_t b);
  void settle(Context& ctx, std::uint32_t b);
  std::uint64_t import_cases(Context& ctx, std::uint32_t b);
  void spread(Context& ctx, std::uint32_t b, std::uint32_t i,
              const std::array<TransmissionTally*, kContactLayers>& tally);
  TransmissionTally& tally_for(Block& blk, std::size_t layer, double kept);
  void on_infect(Context& ctx, std::uint32_t b, const Event& ev);
  void infect(Context& ctx, std::uint32_t b, std::uint32_t person, double when, std::int64_t infector, Layer layer,
              State infector_state, double infector_time);
  void vaccinate(Context& ctx, std::uint32_t b);
  // Disease course (course.cpp).
  void set_state(Context& ctx, std::uint32_t b, std::uint32_t person, State to, double when);
  void enter(Context& ctx, std::uint32_t b, std::uint32_t person, State s, double when);
  void schedule(Context& ctx, std::uint32_t person, State from, State to, double at);
  void on_transition(Context& ctx, std::uint32_t b, const Event& ev);
  void on_test_result(Context& ctx, std::uint32_t b, std::uint32_t person);
  // Interventions and the authority (interventions.cpp).
  void apply(Interventions& iv, const TimelineStep& s) const;
  void report(Context& ctx);
  double contact_fraction(const Interventions& iv, std::size_t layer) const;
  // Streams and checkpoints (experiment.cpp).
  void derive_streams(std::uint64_t seed);
  void io_block(StateArchive& ar, Block& blk);
  void check_loaded() const;

  /// Isolated, or in a quarantine that began before `now` (strictly: a
  /// quarantine beginning at a step's instant, perhaps told by another LP
  /// whose message the engine orders before or after the step by LP id,
  /// restricts contacts from the next step on, in any order).
  bool quarantined(std::uint32_t person, double now) const {
    return isolated_[person] != 0 || (quarantine_from_[person] < now && quarantine_until_[person] > now);
  }
  /// Quarantines `person` from `now` for quarantine_duration, extending one in
  /// progress. The result does not depend on the order of same-time calls.
  void quarantine(std::uint32_t person, double now) {
    if (quarantine_until_[person] <= now) quarantine_from_[person] = now;
    quarantine_until_[person] = std::max(quarantine_until_[person], now + params_.quarantine_duration);
  }
  /// The order key of the person's next row (see emit_ordered).
  std::uint64_t next_row(std::uint32_t person) { return row_seq_[person]++; }

  EpidemicParams params_;              ///< beta and importation_rate change live
  std::shared_ptr<const Town> town_;  ///< immutable, shared by clones
  std::vector<Block> blocks_;
  Authority authority_;
  // Per-person state (struct of arrays); block b writes only its own persons.
  std::vector<std::uint8_t> state_;
  std::vector<double> infected_at_;
  std::vector<std::uint32_t> slot_;  ///< position in its block's infectious list
  std::vector<std::uint8_t> isolated_;
  std::vector<double> quarantine_from_;   ///< start of the quarantine in progress (or the last)
  std::vector<double> quarantine_until_;
  std::vector<std::uint8_t> vaccinated_;
  std::vector<std::uint32_t> row_seq_;  ///< rows emitted about the person so far
  std::vector<RandomStream> rng_;       ///< one stream per person: draws about that person only
  std::uint64_t import_key_ = 0;        ///< importations of day d: RandomStream(import_key_, d)
  std::uint64_t tie_key_ = 0;           ///< keys the hashed priority of infection attempts
};

/// A ready-to-run simulation of one epidemic population (lookahead from the
/// population). Throws ConfigError for invalid parameters.
Simulation make_epidemic(const EpidemicParams& p, unsigned threads = 1,
                         SchedulerKind scheduler = SchedulerKind::parallel);

}  // namespace simulacra::epidemic
