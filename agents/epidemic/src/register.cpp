// The "epidemic" population type: every parameter's key, type, unit, default,
// range and doc, and every timeline action's, each declared once bound to its
// field (of EpidemicParams, of TimelineStep); the conversion of validated
// scenario values into EpidemicParams.
#include "simulacra/agents/epidemic/register.hpp"

#include <memory>
#include <string>

#include "attributes_block.hpp"
#include "simulacra/agents/epidemic/epidemic.hpp"
#include "simulacra/engine/param_table.hpp"

namespace simulacra {

namespace {

using epidemic::ByAge;
using epidemic::Duration;
using epidemic::DurationKind;
using epidemic::EpidemicParams;
using epidemic::LayerParams;
using epidemic::Network;

const std::vector<std::string> kNetworks = {"clique", "random_regular", "erdos_renyi", "small_world"};
const std::vector<std::string> kCommunityNetworks = {"random_regular", "erdos_renyi", "small_world", "mass_action"};

template <class List>
std::size_t index_of(const List& list, const std::string& s) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i] == s) return i;
  }
  return 0;
}

struct DurationKey {
  const char* key;
  Duration EpidemicParams::*member;
  const char* doc;
};
const DurationKey kDurations[] = {
    {"latent", &EpidemicParams::latent, "infection to infectiousness"},
    {"presymptomatic", &EpidemicParams::presymptomatic, "infectiousness to symptom onset"},
    {"symptomatic", &EpidemicParams::symptomatic, "symptom onset to recovery (not hospitalised)"},
    {"asymptomatic", &EpidemicParams::asymptomatic, "asymptomatic infectious period"},
    {"onset_to_hospital", &EpidemicParams::onset_to_hospital, "symptom onset to hospital admission"},
    {"hospital_to_icu", &EpidemicParams::hospital_to_icu, "hospital admission to ICU"},
    {"hospital_stay", &EpidemicParams::hospital_stay, "hospital admission to discharge (no ICU)"},
    {"icu_stay", &EpidemicParams::icu_stay, "ICU admission to death or discharge"},
};

struct AgeKey {
  const char* key;
  ByAge EpidemicParams::*member;
  const char* doc;
};
const AgeKey kByAge[] = {
    {"age_weights", &EpidemicParams::age_weights, "relative frequency of ages 0-9, 10-19, ..., 80+"},
    {"susceptibility_by_age", &EpidemicParams::susceptibility_by_age, "relative susceptibility per age band"},
    {"infectiousness_by_age", &EpidemicParams::infectiousness_by_age, "relative infectiousness per age band"},
    {"hospital_by_age", &EpidemicParams::hospital_by_age, "probability a symptomatic case is hospitalised"},
    {"icu_by_age", &EpidemicParams::icu_by_age, "probability a hospitalised case needs ICU"},
    {"death_by_age", &EpidemicParams::death_by_age, "probability an ICU case dies"},
};

struct LayerKey {
  const char* key;
  LayerParams EpidemicParams::*member;
  const std::vector<std::string>* networks;
};
const LayerKey kLayerKeys[] = {
    {"school", &EpidemicParams::school, &kNetworks},
    {"work", &EpidemicParams::work, &kNetworks},
    {"community", &EpidemicParams::community, &kCommunityNetworks},
};

std::vector<std::pair<std::string, Network>> named(const std::vector<std::string>& names) {
  const std::vector<std::string> all = {"clique", "random_regular", "erdos_renyi", "small_world", "mass_action"};
  std::vector<std::pair<std::string, Network>> out;
  for (const std::string& n : names) out.emplace_back(n, static_cast<Network>(index_of(all, n)));
  return out;
}

const ParamTable<EpidemicParams>& epidemic_table() {
  static const ParamTable<EpidemicParams> table = [] {
    ParamTable<EpidemicParams> t("epidemic");
    using P = EpidemicParams;
    const auto kTime = Dimension::time;
    const auto kFraction = Dimension::fraction;
    t.param("persons", &P::persons).range(1, 4.0e9).doc("number of persons");
    t.param("blocks", &P::blocks).range(1, 65536)
        .doc("LPs the persons are split into (at household boundaries), for parallelism only: the output depends "
             "neither on it nor on threads");
    t.param("initial_infected", &P::initial_infected).min(0).doc("persons infected at time 0, drawn uniformly");
    t.param("household_size_weights", &P::household_size_weights).min(0)
        .doc("relative frequency of household sizes 1, 2, 3, ...");
    t.param("school_size", &P::school_size).min(1)
        .doc("pupils per school; ages 5-11 and 12-17 attend separate schools");
    t.param("employment_rate", &P::employment_rate).dimension(kFraction).range(0, 1)
        .doc("fraction of ages 18-64 with a workplace");
    t.param("workplace_size_mean", &P::workplace_size_mean).min(1).doc("mean workplace size (lognormal)");
    t.param("workplace_size_sigma", &P::workplace_size_sigma).min(0).doc("sigma of log workplace size");
    t.param("rewire", &P::rewire).dimension(kFraction).range(0, 1).doc("small-world rewiring probability");
    // Opened at build time (epidemic_params), so no field of the struct.
    t.unbound("attributes", ParamType::node, "null")
        .doc("persons from a model file instead of age_weights: {model: FILE, columns: [age, household_size], "
             "where: {COLUMN: VALUE}}; household_size (if present) replaces household_size_weights");
    t.param("household_weight", &P::household, &LayerParams::weight).min(0)
        .doc("relative transmission per household contact");
    t.param("beta", &P::beta).min(0)
        .doc("transmission hazard per contact-day: P(infect) = 1 - exp(-beta w inf sus)");
    t.param("inf_presymptomatic", &P::inf_presymptomatic).min(0).doc("relative infectiousness, presymptomatic");
    t.param("inf_symptomatic", &P::inf_symptomatic).min(0).doc("relative infectiousness, symptomatic");
    t.param("inf_asymptomatic", &P::inf_asymptomatic).min(0).doc("relative infectiousness, asymptomatic");
    t.param("asymptomatic_fraction", &P::asymptomatic_fraction).dimension(kFraction).range(0, 1)
        .doc("fraction of infections never symptomatic");
    t.param("immunity_mean", &P::immunity_mean).dimension(kTime).min(0)
        .doc("mean (exponential) duration of immunity after recovery; 0: lifelong");
    t.param("test_probability", &P::test_probability).dimension(kFraction).range(0, 1)
        .doc("probability a symptomatic case is tested (then isolates); also action set_testing");
    t.param("test_delay", &P::test_delay).dimension(kTime).min(0).doc("symptom onset to positive result");
    t.param("household_quarantine", &P::household_quarantine)
        .doc("households of positive cases quarantine (no contacts outside the household)");
    t.param("tracing_completion", &P::tracing_completion).dimension(kFraction).range(0, 1)
        .doc("probability each network contact of a positive case is traced and quarantined");
    t.param("tracing_delay", &P::tracing_delay).dimension(kTime).min(epidemic::kDay)
        .doc("positive result to traced contact's quarantine");
    t.param("quarantine_duration", &P::quarantine_duration).dimension(kTime).min(0)
        .doc("length of household and tracing quarantine");
    t.param("importation_rate", &P::importation_rate).min(0).doc("importations per day, whole population");
    t.param("trigger_occupancy", &P::trigger_occupancy).min(0)
        .doc("lockdown when hospital+ICU occupancy reaches this (0: no trigger)");
    t.param("release_occupancy", &P::release_occupancy).min(0).doc("lockdown ends when occupancy falls to this");
    t.param("trigger_contacts", &P::trigger_contacts).dimension(kFraction).range(0, 1)
        .doc("fraction of school, work and community contacts kept during lockdown");
    for (const auto& k : kByAge) t.param(k.key, k.member).min(0).doc(std::string(k.doc) + " (9 values)");
    for (const auto& k : kLayerKeys) {
      const std::string key = k.key;
      t.param(key + "_network", k.member, &LayerParams::network).choices(named(*k.networks))
          .doc("graph of the " + key + " layer");
      t.param(key + "_degree", k.member, &LayerParams::degree).min(0)
          .doc(key + " contacts per person per day (graph degree or mass-action mean); 0: off");
      t.param(key + "_weight", k.member, &LayerParams::weight).min(0)
          .doc("relative transmission per " + key + " contact");
    }
    for (const auto& k : kDurations) {
      const std::string key = k.key;
      t.param(key + "_dist", k.member, &Duration::kind)
          .choices({{"fixed", DurationKind::fixed}, {"exponential", DurationKind::exponential},
                    {"gamma", DurationKind::gamma}, {"lognormal", DurationKind::lognormal}})
          .doc(std::string(k.doc) + ": distribution");
      t.param(key + "_mean", k.member, &Duration::mean).dimension(kTime).min(0).doc(std::string(k.doc) + ": mean");
      t.param(key + "_sd", k.member, &Duration::sd).dimension(kTime).min(0)
          .doc(std::string(k.doc) + ": standard deviation (gamma, lognormal)");
    }
    return t;
  }();
  return table;
}

// Each action's record starts as this step; its keys fill it in.
epidemic::TimelineStep step(epidemic::TimelineStep::Kind kind) {
  epidemic::TimelineStep s;
  s.kind = kind;
  return s;
}

const ActionTable<epidemic::TimelineStep>& epidemic_actions() {
  static const ActionTable<epidemic::TimelineStep> table = [] {
    using S = epidemic::TimelineStep;
    using K = S::Kind;
    using epidemic::Layer;
    const auto kFraction = Dimension::fraction;
    ActionTable<S> t("epidemic");
    auto& contacts = t.action("set_contacts", "keep a fraction of one layer's contacts (school closure, lockdown)",
                              step(K::set_contacts));
    contacts.param("layer", &S::layer)
        .choices({{"household", Layer::household}, {"school", Layer::school}, {"work", Layer::work},
                  {"community", Layer::community}})
        .required()
        .doc("contact layer");
    contacts.param("fraction", &S::value).dimension(kFraction).range(0, 1).required()
        .doc("fraction of normal contacts kept");
    t.action("close_schools", "school contacts to zero", step(K::close_schools));
    t.action("reopen_schools", "school contacts back to normal", step(K::reopen_schools));
    t.action("set_testing", "test symptomatic cases; positives isolate", step(K::set_testing))
        .param("probability", &S::value).dimension(kFraction).range(0, 1).required()
        .doc("probability a symptomatic case is tested");
    t.action("set_tracing", "trace network contacts of positive cases", step(K::set_tracing))
        .param("completion", &S::value).dimension(kFraction).range(0, 1).required()
        .doc("probability each contact is traced");
    S quarantine = step(K::set_household_quarantine);
    quarantine.flag = true;
    t.action("set_household_quarantine", "quarantine households of positive cases", quarantine)
        .param("enabled", &S::flag).doc("on or off");
    S campaign = step(K::vaccinate);
    campaign.efficacy = 0.9;
    campaign.delay = 14 * epidemic::kDay;
    auto& vaccinate = t.action("vaccinate", "start a vaccination campaign, oldest first", campaign);
    vaccinate.param("doses_per_day", &S::value).min(0).required().doc("daily capacity, whole population");
    vaccinate.param("min_age", &S::min_age).integer().range(0, 120).doc("youngest age vaccinated");
    vaccinate.param("efficacy", &S::efficacy).dimension(kFraction).range(0, 1)
        .doc("probability a dose protects (all-or-nothing)");
    vaccinate.param("delay", &S::delay).dimension(Dimension::time).min(0).doc("dose to protection");
    t.action("stop_vaccination", "end the vaccination campaign", step(K::stop_vaccination));
    t.action("set_importation", "change the importation rate", step(K::set_importation))
        .param("rate", &S::value).min(0).required().doc("importations per day, whole population");
    return t;
  }();
  return table;
}

}  // namespace

epidemic::EpidemicParams epidemic_params(const PopulationSpec& spec, const BuildInfo& info) {
  const ParamValues& v = spec.params;
  EpidemicParams p = epidemic_table().bind(v);
  p.seed = info.seed;
  p.person_model = epidemic::detail::open_person_model(v.at("attributes"), spec.path + ".params.attributes", info);
  for (const TimelineAction& a : spec.timeline) {
    p.timeline.push_back(epidemic_actions().bind(a));
    p.timeline.back().at = a.at;
  }
  return p;
}

void register_epidemic(Registry& registry) {
  PopulationType t;
  t.name = "epidemic";
  t.doc = "synthetic town on household/school/work/community contact layers; SEIR-type disease with interventions";
  epidemic_table().declare(t);
  t.actions = epidemic_actions().specs();
  t.observables = epidemic::EpidemicPopulation::observable_specs();
  // Read by the blocks at each step, so a change acts from the next day on.
  t.live = {"beta", "importation_rate"};
  t.check = [](const PopulationSpec& spec, const std::string& path, Issues& issues) {
    for (const auto& k : kByAge) {
      if (spec.params.reals(k.key).size() != static_cast<std::size_t>(epidemic::kBands)) {
        issues.add(spec.params.at(k.key).at, path + ".params." + k.key,
                   "expected 9 values, one per ten-year age band (0-9 ... 80+)");
      }
    }
    epidemic::detail::check_attributes(spec.params.at("attributes"), path + ".params.attributes", issues);
    if (spec.params.reals("household_size_weights").empty()) {
      issues.add(spec.params.at("household_size_weights").at, path + ".params.household_size_weights",
                 "expected at least one weight (household size 1)");
    }
    if (spec.params.integer("blocks") > spec.params.integer("persons")) {
      issues.add(spec.params.at("blocks").at, path + ".params.blocks", "blocks must not exceed persons");
    }
    const auto occ = spec.params.integer("trigger_occupancy");
    if (occ > 0 && spec.params.integer("release_occupancy") >= occ) {
      issues.add(spec.params.at("release_occupancy").at, path + ".params.release_occupancy",
                 "must be below trigger_occupancy");
    }
  };
  t.make = [](const PopulationSpec& spec, const BuildInfo& info) -> std::unique_ptr<Population> {
    return std::make_unique<epidemic::EpidemicPopulation>(epidemic_params(spec, info));
  };
  registry.add(std::move(t));
}

}  // namespace simulacra
