// The "epidemic" population type: every parameter's key, type, unit, default,
// range and doc, the timeline actions, and the conversion of validated
// scenario values into EpidemicParams.
#include "simulacra/agents/epidemic/register.hpp"

#include <memory>
#include <string>

#include "attributes_block.hpp"
#include "simulacra/agents/epidemic/epidemic.hpp"

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
const std::vector<std::string> kDistributions = {"fixed", "exponential", "gamma", "lognormal"};
const std::vector<std::string> kLayers = {"household", "school", "work", "community"};

std::string yaml_list(const ByAge& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) s += ", ";
    std::string x = std::to_string(v[i]);
    while (x.size() > 1 && x.back() == '0') x.pop_back();
    if (x.back() == '.') x.pop_back();
    s += x;
  }
  return s + "]";
}

std::string number(double v) {
  std::string x = std::to_string(v);
  while (x.size() > 1 && x.back() == '0') x.pop_back();
  if (x.back() == '.') x.pop_back();
  return x;
}

std::string days(double seconds) { return number(seconds / epidemic::kDay) + "d"; }

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

Network network_of(const std::string& s) {
  const std::vector<std::string> all = {"clique", "random_regular", "erdos_renyi", "small_world", "mass_action"};
  return static_cast<Network>(index_of(all, s));
}

std::vector<ParamSpec> param_specs() {
  const EpidemicParams d;
  const auto T = Dimension::time;
  const auto F = Dimension::fraction;
  const auto N = Dimension::none;
  std::vector<ParamSpec> s = {
      {"persons", ParamType::integer, N, std::to_string(d.persons), 1.0, 4.0e9, {}, "number of persons"},
      {"blocks", ParamType::integer, N, std::to_string(d.blocks), 1.0, 65536.0, {},
       "LPs the persons are split into (at household boundaries), for parallelism only: the output depends neither on it nor on threads"},
      {"initial_infected", ParamType::integer, N, std::to_string(d.initial_infected), 0.0, {}, {},
       "persons infected at time 0, drawn uniformly"},
      {"household_size_weights", ParamType::real_list, N, "[0.29, 0.35, 0.16, 0.13, 0.05, 0.02]", 0.0, {}, {},
       "relative frequency of household sizes 1, 2, 3, ..."},
      {"school_size", ParamType::integer, N, std::to_string(d.school_size), 1.0, {}, {},
       "pupils per school; ages 5-11 and 12-17 attend separate schools"},
      {"employment_rate", ParamType::quantity, F, "75%", 0.0, 1.0, {}, "fraction of ages 18-64 with a workplace"},
      {"workplace_size_mean", ParamType::real, N, "15", 1.0, {}, {}, "mean workplace size (lognormal)"},
      {"workplace_size_sigma", ParamType::real, N, "0.8", 0.0, {}, {}, "sigma of log workplace size"},
      {"rewire", ParamType::quantity, F, "0.1", 0.0, 1.0, {}, "small-world rewiring probability"},
      {"attributes", ParamType::node, N, "null", {}, {}, {},
       "persons from a model file instead of age_weights: {model: FILE, columns: [age, household_size], "
       "where: {COLUMN: VALUE}}; household_size (if present) replaces household_size_weights"},
      {"household_weight", ParamType::real, N, "2", 0.0, {}, {}, "relative transmission per household contact"},
      {"beta", ParamType::real, N, "0.03", 0.0, {}, {},
       "transmission hazard per contact-day: P(infect) = 1 - exp(-beta w inf sus)"},
      {"inf_presymptomatic", ParamType::real, N, "1", 0.0, {}, {}, "relative infectiousness, presymptomatic"},
      {"inf_symptomatic", ParamType::real, N, "1", 0.0, {}, {}, "relative infectiousness, symptomatic"},
      {"inf_asymptomatic", ParamType::real, N, "0.5", 0.0, {}, {}, "relative infectiousness, asymptomatic"},
      {"asymptomatic_fraction", ParamType::quantity, F, "30%", 0.0, 1.0, {}, "fraction of infections never symptomatic"},
      {"immunity_mean", ParamType::quantity, T, "0d", 0.0, {}, {},
       "mean (exponential) duration of immunity after recovery; 0: lifelong"},
      {"test_probability", ParamType::quantity, F, "0", 0.0, 1.0, {},
       "probability a symptomatic case is tested (then isolates); also action set_testing"},
      {"test_delay", ParamType::quantity, T, days(d.test_delay), 0.0, {}, {}, "symptom onset to positive result"},
      {"household_quarantine", ParamType::boolean, N, "false", {}, {}, {},
       "households of positive cases quarantine (no contacts outside the household)"},
      {"tracing_completion", ParamType::quantity, F, "0", 0.0, 1.0, {},
       "probability each network contact of a positive case is traced and quarantined"},
      {"tracing_delay", ParamType::quantity, T, days(d.tracing_delay), epidemic::kDay, {}, {},
       "positive result to traced contact's quarantine"},
      {"quarantine_duration", ParamType::quantity, T, days(d.quarantine_duration), 0.0, {}, {},
       "length of household and tracing quarantine"},
      {"importation_rate", ParamType::real, N, "0", 0.0, {}, {}, "importations per day, whole population"},
      {"trigger_occupancy", ParamType::integer, N, "0", 0.0, {}, {},
       "lockdown when hospital+ICU occupancy reaches this (0: no trigger)"},
      {"release_occupancy", ParamType::integer, N, "0", 0.0, {}, {}, "lockdown ends when occupancy falls to this"},
      {"trigger_contacts", ParamType::quantity, F, "30%", 0.0, 1.0, {},
       "fraction of school, work and community contacts kept during lockdown"},
  };
  for (const auto& k : kByAge) {
    s.push_back({k.key, ParamType::real_list, N, yaml_list(d.*k.member), 0.0, {}, {}, std::string(k.doc) + " (9 values)"});
  }
  for (const auto& k : kLayerKeys) {
    const LayerParams& l = d.*k.member;
    const std::string key = k.key;
    s.push_back({key + "_network", ParamType::choice, N, std::string(epidemic::network_name(l.network)), {}, {},
                 *k.networks, "graph of the " + key + " layer"});
    s.push_back({key + "_degree", ParamType::real, N, number(l.degree), 0.0, {}, {},
                 key + " contacts per person per day (graph degree or mass-action mean); 0: off"});
    s.push_back({key + "_weight", ParamType::real, N, "1", 0.0, {}, {}, "relative transmission per " + key + " contact"});
  }
  for (const auto& k : kDurations) {
    const Duration& du = d.*k.member;
    const std::string key = k.key;
    s.push_back({key + "_dist", ParamType::choice, N, kDistributions[static_cast<std::size_t>(du.kind)], {}, {},
                 kDistributions, std::string(k.doc) + ": distribution"});
    s.push_back({key + "_mean", ParamType::quantity, T, days(du.mean), 0.0, {}, {}, std::string(k.doc) + ": mean"});
    s.push_back({key + "_sd", ParamType::quantity, T, days(du.sd), 0.0, {}, {},
                 std::string(k.doc) + ": standard deviation (gamma, lognormal)"});
  }
  return s;
}

std::vector<ActionSpec> action_specs() {
  const auto F = Dimension::fraction;
  const auto N = Dimension::none;
  return {
      {"set_contacts", "keep a fraction of one layer's contacts (school closure, lockdown)",
       {{"layer", ParamType::choice, N, "", {}, {}, kLayers, "contact layer"},
        {"fraction", ParamType::quantity, F, "", 0.0, 1.0, {}, "fraction of normal contacts kept"}}},
      {"close_schools", "school contacts to zero", {}},
      {"reopen_schools", "school contacts back to normal", {}},
      {"set_testing", "test symptomatic cases; positives isolate",
       {{"probability", ParamType::quantity, F, "", 0.0, 1.0, {}, "probability a symptomatic case is tested"}}},
      {"set_tracing", "trace network contacts of positive cases",
       {{"completion", ParamType::quantity, F, "", 0.0, 1.0, {}, "probability each contact is traced"}}},
      {"set_household_quarantine", "quarantine households of positive cases",
       {{"enabled", ParamType::boolean, N, "true", {}, {}, {}, "on or off"}}},
      {"vaccinate", "start a vaccination campaign, oldest first",
       {{"doses_per_day", ParamType::real, N, "", 0.0, {}, {}, "daily capacity, whole population"},
        {"min_age", ParamType::integer, N, "0", 0.0, 120.0, {}, "youngest age vaccinated"},
        {"efficacy", ParamType::quantity, F, "90%", 0.0, 1.0, {}, "probability a dose protects (all-or-nothing)"},
        {"delay", ParamType::quantity, Dimension::time, "14d", 0.0, {}, {}, "dose to protection"}}},
      {"stop_vaccination", "end the vaccination campaign", {}},
      {"set_importation", "change the importation rate",
       {{"rate", ParamType::real, N, "", 0.0, {}, {}, "importations per day, whole population"}}},
  };
}

epidemic::TimelineStep to_step(const TimelineAction& a) {
  using K = epidemic::TimelineStep::Kind;
  epidemic::TimelineStep s;
  s.at = a.at;
  const auto& p = a.params;
  if (a.action == "set_contacts") {
    s.kind = K::set_contacts;
    s.layer = static_cast<epidemic::Layer>(index_of(kLayers, p.string("layer")));
    s.value = p.real("fraction");
  } else if (a.action == "close_schools") {
    s.kind = K::close_schools;
  } else if (a.action == "reopen_schools") {
    s.kind = K::reopen_schools;
  } else if (a.action == "set_testing") {
    s.kind = K::set_testing;
    s.value = p.real("probability");
  } else if (a.action == "set_tracing") {
    s.kind = K::set_tracing;
    s.value = p.real("completion");
  } else if (a.action == "set_household_quarantine") {
    s.kind = K::set_household_quarantine;
    s.flag = p.boolean("enabled");
  } else if (a.action == "vaccinate") {
    s.kind = K::vaccinate;
    s.value = p.real("doses_per_day");
    s.min_age = static_cast<double>(p.integer("min_age"));
    s.efficacy = p.real("efficacy");
    s.delay = p.real("delay");
  } else if (a.action == "stop_vaccination") {
    s.kind = K::stop_vaccination;
  } else if (a.action == "set_importation") {
    s.kind = K::set_importation;
    s.value = p.real("rate");
  } else {
    throw UserError("epidemic: unknown timeline action '" + a.action + "'");
  }
  return s;
}

}  // namespace

epidemic::EpidemicParams epidemic_params(const PopulationSpec& spec, const BuildInfo& info) {
  const ParamValues& v = spec.params;
  EpidemicParams p;
  p.seed = info.seed;
  p.persons = static_cast<std::uint32_t>(v.integer("persons"));
  p.blocks = static_cast<std::uint32_t>(v.integer("blocks"));
  p.initial_infected = static_cast<std::uint32_t>(v.integer("initial_infected"));
  p.household_size_weights = v.reals("household_size_weights");
  p.school_size = static_cast<std::uint32_t>(v.integer("school_size"));
  p.employment_rate = v.real("employment_rate");
  p.workplace_size_mean = v.real("workplace_size_mean");
  p.workplace_size_sigma = v.real("workplace_size_sigma");
  p.rewire = v.real("rewire");
  p.person_model = epidemic::detail::open_person_model(v.at("attributes"), spec.path + ".params.attributes", info);
  p.household.weight = v.real("household_weight");
  p.beta = v.real("beta");
  p.inf_presymptomatic = v.real("inf_presymptomatic");
  p.inf_symptomatic = v.real("inf_symptomatic");
  p.inf_asymptomatic = v.real("inf_asymptomatic");
  p.asymptomatic_fraction = v.real("asymptomatic_fraction");
  p.immunity_mean = v.real("immunity_mean");
  p.test_probability = v.real("test_probability");
  p.test_delay = v.real("test_delay");
  p.household_quarantine = v.boolean("household_quarantine");
  p.tracing_completion = v.real("tracing_completion");
  p.tracing_delay = v.real("tracing_delay");
  p.quarantine_duration = v.real("quarantine_duration");
  p.importation_rate = v.real("importation_rate");
  p.trigger_occupancy = static_cast<std::uint32_t>(v.integer("trigger_occupancy"));
  p.release_occupancy = static_cast<std::uint32_t>(v.integer("release_occupancy"));
  p.trigger_contacts = v.real("trigger_contacts");
  for (const auto& k : kByAge) {
    const auto& list = v.reals(k.key);
    ByAge& dst = p.*k.member;
    for (std::size_t i = 0; i < dst.size() && i < list.size(); ++i) dst[i] = list[i];
  }
  for (const auto& k : kLayerKeys) {
    LayerParams& l = p.*k.member;
    const std::string key = k.key;
    l.network = network_of(v.string(key + "_network"));
    l.degree = v.real(key + "_degree");
    l.weight = v.real(key + "_weight");
  }
  for (const auto& k : kDurations) {
    Duration& du = p.*k.member;
    const std::string key = k.key;
    du.kind = static_cast<DurationKind>(index_of(kDistributions, v.string(key + "_dist")));
    du.mean = v.real(key + "_mean");
    du.sd = v.real(key + "_sd");
  }
  for (const auto& a : spec.timeline) p.timeline.push_back(to_step(a));
  return p;
}

void register_epidemic(Registry& registry) {
  PopulationType t;
  t.name = "epidemic";
  t.doc = "synthetic town on household/school/work/community contact layers; SEIR-type disease with interventions";
  t.params = param_specs();
  t.actions = action_specs();
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
