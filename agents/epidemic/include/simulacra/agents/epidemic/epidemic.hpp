// The epidemic population: persons of a synthetic town split into `blocks`
// LPs that step once a day, plus one health-authority LP that gathers daily
// counts, writes the daily table and fires condition triggers.
//
// Timing rule (why the number of blocks does not change the epidemiology):
// every contact made on day d is evaluated at the day's step (t = d days) and
// an infection it causes takes effect at the start of day d+1, whether the
// infectee lives in the same block or another; the message travels with delay
// 1 day - 60 s, which is the population's lookahead. Disease-course
// transitions are self-events at their exact (continuous) times.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
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
};

class EpidemicPopulation final : public Population {
 public:
  /// Builds the town. Throws ConfigError for invalid parameters.
  explicit EpidemicPopulation(const EpidemicParams& p);

  std::string type_name() const override { return "epidemic"; }
  std::uint32_t lp_count() const override { return params_.blocks + 1; }
  void init_lp(Context& ctx, std::uint32_t local) override;
  void handle(Context& ctx, std::uint32_t local, const Event& ev) override;
  std::vector<TableSchema> tables() const override;
  void finish(Context& ctx) override;
  SimTime lookahead_hint() const override { return SimTime{kLookahead}; }
  std::unique_ptr<Population> clone() const override;

  static constexpr double kLookahead = kDay - 60.0;
  static constexpr std::uint32_t kInfections = 0, kTransitions = 1, kPersons = 2, kDaily = 3;

  const Town& town() const { return *town_; }
  const EpidemicParams& params() const { return params_; }
  State state(std::uint32_t person) const { return static_cast<State>(state_[person]); }
  /// Persons ever infected (seeds, importations and transmissions).
  std::uint64_t ever_infected() const;

 private:
  struct Block {
    Interventions iv;
    std::vector<std::uint32_t> infectious;  ///< person ids, in order of becoming infectious
    std::array<std::array<std::int64_t, kBands>, kStates> counts{};
    std::array<std::int64_t, kBands> new_infections{};
    std::uint64_t ever_infected = 0;
    std::uint32_t vacc_next = 0;  ///< position in the block's priority order
    double vacc_carry = 0.0;
  };
  struct Authority {
    Interventions iv;
    std::array<std::array<std::int64_t, kBands>, kStates + 1> acc{};  ///< last row: new infections
    std::int64_t day = 0;
    bool lockdown_ordered = false;  ///< decided; takes effect one lookahead later
  };

  // Block behaviour (epidemic.cpp).
  void step(Context& ctx, std::uint32_t b);
  void spread(Context& ctx, std::uint32_t b, std::uint32_t i);
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

  bool quarantined(std::uint32_t person, double now) const {
    return isolated_[person] != 0 || quarantine_until_[person] > now;
  }

  EpidemicParams params_;
  std::shared_ptr<const Town> town_;  ///< immutable, shared by clones
  std::vector<Block> blocks_;
  Authority authority_;
  // Per-person state (struct of arrays); block b writes only its own persons.
  std::vector<std::uint8_t> state_;
  std::vector<double> infected_at_;
  std::vector<std::uint32_t> slot_;  ///< position in its block's infectious list
  std::vector<std::uint8_t> isolated_;
  std::vector<double> quarantine_until_;
  std::vector<std::uint8_t> vaccinated_;
};

/// A ready-to-run simulation of one epidemic population (lookahead from the
/// population). Throws ConfigError for invalid parameters.
Simulation make_epidemic(const EpidemicParams& p, unsigned threads = 1,
                         SchedulerKind scheduler = SchedulerKind::parallel);

}  // namespace simulacra::epidemic
