// Parameters of the epidemic population as a plain value struct with defaults
// (the registry converts scenario values into it), plus the small enums the
// model and its tables share. Times are in seconds.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simulacra/engine/attribute_block.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::epidemic {

inline constexpr double kDay = 86400.0;
inline constexpr int kBands = 9;  ///< ten-year age bands: 0-9, ..., 70-79, 80+
using ByAge = std::array<double, kBands>;

/// Disease states. Order matters: it is the column order of the daily table.
enum class State : std::uint8_t {
  susceptible,
  exposed,
  presymptomatic,
  symptomatic,
  asymptomatic,
  hospitalised,
  icu,
  recovered,
  dead,
  vaccinated,  ///< protected by a vaccine (all-or-nothing)
};
inline constexpr int kStates = 10;
std::string_view state_name(State s);
inline bool infectious(State s) {
  return s == State::presymptomatic || s == State::symptomatic || s == State::asymptomatic;
}

/// Contact layers, plus the two non-contact sources of an infection.
enum class Layer : std::uint8_t { household, school, work, community, importation, seed };
inline constexpr int kContactLayers = 4;
std::string_view layer_name(Layer l);
inline constexpr int kLayers = 6;
/// "0-9", "10-19", ..., "80+" for bands 0..kBands-1.
std::string_view age_band_name(std::size_t band);

/// How a layer's contacts are generated.
enum class Network : std::uint8_t {
  clique,          ///< everyone in the group meets everyone
  random_regular,  ///< every member has exactly `degree` contacts (configuration model)
  erdos_renyi,     ///< G(n, p) with mean degree `degree`
  small_world,     ///< Watts-Strogatz ring of `degree`, edges rewired with probability `rewire`
  mass_action,     ///< Poisson(`degree`) fresh uniformly random contacts every day (community only)
};
std::string_view network_name(Network n);

enum class DurationKind : std::uint8_t { fixed, exponential, gamma, lognormal };

/// A stochastic duration: distribution, mean and standard deviation (s).
struct Duration {
  DurationKind kind = DurationKind::gamma;
  double mean = kDay;
  double sd = 0.0;
  /// A draw from `rng` (portable: RandomStream's own distributions only).
  double sample(RandomStream& rng) const;
};

struct LayerParams {
  Network network = Network::small_world;
  double degree = 0.0;  ///< contacts per person per day (0: layer off)
  double weight = 1.0;  ///< relative transmission per contact
};

/// One scheduled intervention (a scenario timeline action).
struct TimelineStep {
  enum class Kind : std::uint8_t {
    set_contacts,              ///< layer, value = fraction of normal contacts kept
    close_schools,             ///< school contacts to 0
    reopen_schools,            ///< school contacts to 1
    set_testing,               ///< value = probability a symptomatic case is tested
    set_tracing,               ///< value = completion of contact tracing
    set_household_quarantine,  ///< flag
    vaccinate,                 ///< value = doses per day; min_age, efficacy, delay
    stop_vaccination,
    set_importation,           ///< value = importations per day (whole population)
  };
  double at = 0.0;  ///< seconds
  Kind kind = Kind::set_contacts;
  Layer layer = Layer::community;
  double value = 0.0;
  bool flag = false;
  double min_age = 0.0;
  double efficacy = 1.0;
  double delay = 0.0;  ///< s, vaccination: time to protection
};

/// Persons' ages (and household sizes) drawn from a model of persons instead
/// of `age_weights` (and `household_size_weights`); see the README's
/// "Attributes from a model". The sampler's rows need an `age` column and may
/// have `household_size` (persons in the person's household). A null sampler
/// means the parametric town.
using PersonModel = AttributeModel;

struct EpidemicParams {
  // Town.
  std::uint32_t persons = 100000;
  std::uint32_t blocks = 16;  ///< LPs holding persons (households are never split)
  std::uint32_t initial_infected = 10;
  ByAge age_weights{0.12, 0.11, 0.13, 0.13, 0.13, 0.13, 0.11, 0.08, 0.06};
  std::vector<double> household_size_weights{0.29, 0.35, 0.16, 0.13, 0.05, 0.02};  ///< sizes 1, 2, ...
  std::uint32_t school_size = 300;      ///< pupils per school (ages 5-11 and 12-17 apart)
  double employment_rate = 0.75;        ///< fraction of ages 18-64 with a workplace
  double workplace_size_mean = 15.0;    ///< lognormal workplace sizes
  double workplace_size_sigma = 0.8;
  double rewire = 0.1;                  ///< small-world rewiring probability
  PersonModel person_model;             ///< when set, replaces age_weights (see PersonModel)

  // Layers.
  LayerParams household{Network::clique, 0.0, 2.0};
  LayerParams school{Network::small_world, 10.0, 1.0};
  LayerParams work{Network::small_world, 8.0, 1.0};
  LayerParams community{Network::mass_action, 4.0, 1.0};

  // Transmission: a contact of an infectious person i with susceptible j on
  // one day infects with probability 1 - exp(-beta w_layer inf_state inf_age(i) sus_age(j)).
  double beta = 0.03;
  double inf_presymptomatic = 1.0;
  double inf_symptomatic = 1.0;
  double inf_asymptomatic = 0.5;
  ByAge susceptibility_by_age{1, 1, 1, 1, 1, 1, 1, 1, 1};
  ByAge infectiousness_by_age{1, 1, 1, 1, 1, 1, 1, 1, 1};

  // Disease course.
  double asymptomatic_fraction = 0.3;
  ByAge hospital_by_age{0.001, 0.003, 0.012, 0.032, 0.049, 0.102, 0.166, 0.243, 0.273};
  ByAge icu_by_age{0.05, 0.05, 0.05, 0.05, 0.063, 0.122, 0.274, 0.432, 0.709};
  ByAge death_by_age{0.3, 0.3, 0.3, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7};
  Duration latent{DurationKind::gamma, 3 * kDay, 1 * kDay};
  Duration presymptomatic{DurationKind::gamma, 2 * kDay, 1 * kDay};
  Duration symptomatic{DurationKind::gamma, 5 * kDay, 2 * kDay};
  Duration asymptomatic{DurationKind::gamma, 6 * kDay, 2 * kDay};
  Duration onset_to_hospital{DurationKind::gamma, 5 * kDay, 2 * kDay};
  Duration hospital_to_icu{DurationKind::gamma, 2 * kDay, 1 * kDay};
  Duration hospital_stay{DurationKind::lognormal, 8 * kDay, 4 * kDay};
  Duration icu_stay{DurationKind::lognormal, 10 * kDay, 5 * kDay};
  double immunity_mean = 0.0;  ///< s; mean exponential duration of immunity, 0: lifelong

  // Interventions in force from the start (the timeline changes them).
  double test_probability = 0.0;
  double test_delay = 2 * kDay;
  bool household_quarantine = false;
  double tracing_completion = 0.0;
  double tracing_delay = 2 * kDay;  ///< >= 1 day: traced contacts may live in other LPs
  double quarantine_duration = 14 * kDay;
  double importation_rate = 0.0;    ///< per day, whole population
  // Condition trigger: lockdown while hospital + ICU occupancy is high.
  std::uint32_t trigger_occupancy = 0;  ///< 0: no trigger
  std::uint32_t release_occupancy = 0;
  double trigger_contacts = 0.3;  ///< fraction of school/work/community contacts kept in lockdown

  std::vector<TimelineStep> timeline;
  std::uint64_t seed = 1;
};

/// Throws ConfigError naming the first inconsistent parameter.
void validate(const EpidemicParams& p);

/// Age band (0..8) of an age in years.
inline int age_band(int age) { return age >= 80 ? 8 : age / 10; }

}  // namespace simulacra::epidemic
