#include "simulacra/agents/epidemic/params.hpp"

#include <cmath>
#include <string>

namespace simulacra::epidemic {

std::string_view state_name(State s) {
  static constexpr std::string_view names[kStates] = {"susceptible", "exposed",      "presymptomatic", "symptomatic",
                                                      "asymptomatic", "hospitalised", "icu",            "recovered",
                                                      "dead",         "vaccinated"};
  return names[static_cast<int>(s)];
}

std::string_view layer_name(Layer l) {
  static constexpr std::string_view names[] = {"household", "school", "work", "community", "importation", "seed"};
  return names[static_cast<int>(l)];
}

std::string_view age_band_name(std::size_t band) {
  static constexpr std::string_view names[] = {"0-9", "10-19", "20-29", "30-39", "40-49",
                                               "50-59", "60-69", "70-79", "80+"};
  return names[band];
}

std::string_view network_name(Network n) {
  static constexpr std::string_view names[] = {"clique", "random_regular", "erdos_renyi", "small_world", "mass_action"};
  return names[static_cast<int>(n)];
}

double Duration::sample(RandomStream& rng) const {
  if (mean <= 0.0) return 0.0;
  switch (kind) {
    case DurationKind::fixed:
      return mean;
    case DurationKind::exponential:
      return rng.exponential(mean);
    case DurationKind::gamma: {
      if (sd <= 0.0) return mean;
      const double cv2 = (sd * sd) / (mean * mean);
      return rng.gamma(1.0 / cv2, mean * cv2);
    }
    case DurationKind::lognormal: {
      if (sd <= 0.0) return mean;
      const double s2 = std::log1p((sd * sd) / (mean * mean));
      return rng.lognormal(std::log(mean) - 0.5 * s2, std::sqrt(s2));
    }
  }
  return mean;
}

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw ConfigError("epidemic: " + what);
}

void check_probabilities(const ByAge& v, const std::string& name) {
  for (double x : v) require(x >= 0.0 && x <= 1.0, name + " must hold probabilities in [0, 1]");
}

}  // namespace

void validate(const EpidemicParams& p) {
  require(p.persons >= 1, "persons must be at least 1");
  require(p.blocks >= 1 && p.blocks <= p.persons, "blocks must be in [1, persons]");
  require(p.initial_infected <= p.persons / 2 + 1, "initial_infected must be at most half the persons");
  double total = 0.0;
  for (double w : p.age_weights) {
    require(w >= 0.0, "age_weights must be non-negative");
    total += w;
  }
  require(total > 0.0, "age_weights must not all be zero");
  total = 0.0;
  for (double w : p.household_size_weights) {
    require(w >= 0.0, "household_size_weights must be non-negative");
    total += w;
  }
  require(total > 0.0 && !p.household_size_weights.empty(), "household_size_weights must not all be zero");
  require(p.school_size >= 1, "school_size must be at least 1");
  require(p.workplace_size_mean >= 1.0, "workplace_size_mean must be at least 1");
  require(p.workplace_size_sigma >= 0.0, "workplace_size_sigma must be non-negative");
  for (const LayerParams* l : {&p.school, &p.work}) {
    require(l->network != Network::mass_action, "only the community layer may be mass_action");
  }
  for (const LayerParams* l : {&p.household, &p.school, &p.work, &p.community}) {
    require(l->degree >= 0.0 && l->weight >= 0.0, "layer degree and weight must be non-negative");
  }
  require(p.beta >= 0.0, "beta must be non-negative");
  check_probabilities(p.hospital_by_age, "hospital_by_age");
  check_probabilities(p.icu_by_age, "icu_by_age");
  check_probabilities(p.death_by_age, "death_by_age");
  require(p.asymptomatic_fraction >= 0.0 && p.asymptomatic_fraction <= 1.0, "asymptomatic_fraction must be in [0, 1]");
  require(p.tracing_delay >= kDay, "tracing_delay must be at least 1 day");
  require(p.trigger_occupancy == 0 || p.release_occupancy < p.trigger_occupancy,
          "release_occupancy must be below trigger_occupancy");
}

}  // namespace simulacra::epidemic
