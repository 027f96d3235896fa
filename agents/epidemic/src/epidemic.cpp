// Blocks' daily step (settling the day's infection attempts, importations,
// vaccination, transmission), infection messages, tables and end-of-run rows.
// The disease course is in course.cpp, interventions and the authority LP in
// interventions.cpp, observables and checkpoints in experiment.cpp.
#include "simulacra/agents/epidemic/epidemic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "internal.hpp"

namespace simulacra::epidemic {

using namespace detail;

EpidemicPopulation::EpidemicPopulation(const EpidemicParams& p) : params_(p), town_(build_town(p)) {
  const Town& t = *town_;
  const std::uint32_t n = t.persons;
  state_.assign(n, static_cast<std::uint8_t>(State::susceptible));
  infected_at_.assign(n, -1.0);
  slot_.assign(n, 0);
  isolated_.assign(n, 0);
  quarantine_from_.assign(n, -1.0);
  quarantine_until_.assign(n, -1.0);
  vaccinated_.assign(n, 0);
  row_seq_.assign(n, 0);
  derive_streams(p.seed);
  Interventions iv;
  iv.testing = p.test_probability;
  iv.tracing = p.tracing_completion;
  iv.household_quarantine = p.household_quarantine;
  iv.importation_rate = p.importation_rate;
  blocks_.resize(p.blocks);
  for (std::uint32_t b = 0; b < p.blocks; ++b) {
    blocks_[b].iv = iv;
    for (std::uint32_t i = t.block_start[b]; i < t.block_start[b + 1]; ++i) {
      ++blocks_[b].counts[0][static_cast<std::size_t>(age_band(t.age[i]))];
    }
  }
  authority_.iv = iv;
}

std::unique_ptr<Population> EpidemicPopulation::clone() const { return std::make_unique<EpidemicPopulation>(*this); }

std::uint64_t EpidemicPopulation::ever_infected() const {
  std::uint64_t total = 0;
  for (const auto& b : blocks_) total += b.ever_infected;
  return total;
}

void EpidemicPopulation::init_lp(Context& ctx, std::uint32_t local) {
  // Timeline actions first: at equal times they precede the step (smaller
  // send counter), so an action "at 30d" governs day 30's contacts.
  for (std::size_t k = 0; k < params_.timeline.size(); ++k) {
    ctx.send_self(SimTime{params_.timeline[k].at}, kAction, {k, 0});
  }
  if (local == params_.blocks) {
    ctx.send_self(SimTime{kDay - 30.0}, kReport);
    return;
  }
  ctx.send_self(SimTime{0.0}, kSeed);
  ctx.send_self(SimTime{0.0}, kStep);
}

void EpidemicPopulation::handle(Context& ctx, std::uint32_t local, const Event& ev) {
  const auto person = static_cast<std::uint32_t>(ev.data[0]);
  if (local == params_.blocks) {  // the health authority
    switch (ev.kind) {
      case kCount: {
        const std::uint64_t slot = ev.data[0];
        authority_.acc[slot / kBands][slot % kBands] += static_cast<std::int64_t>(ev.data[1]);
        break;
      }
      case kReport:
        report(ctx);
        break;
      case kAction:
        apply(authority_.iv, params_.timeline[ev.data[0]]);
        break;
      case kTrigger:
        authority_.iv.lockdown = ev.data[0] != 0;
        break;
      default:
        break;
    }
    return;
  }
  Block& blk = blocks_[local];
  switch (ev.kind) {
    case kStep:
      step(ctx, local);
      break;
    case kSeed: {
      const Town& t = *town_;
      auto it = std::lower_bound(t.initial_infected.begin(), t.initial_infected.end(), t.block_start[local]);
      for (; it != t.initial_infected.end() && *it < t.block_start[local + 1]; ++it) {
        infect(ctx, local, *it, ctx.now().value, -1, Layer::seed, State::susceptible, -1.0);
      }
      break;
    }
    case kInfect:
      on_infect(ctx, local, ev);
      break;
    case kTransition:
      on_transition(ctx, local, ev);
      break;
    case kTestResult:
      on_test_result(ctx, local, person);
      break;
    case kQuarantine:
      quarantine(person, ctx.now().value);
      break;
    case kProtect:
      if (state(person) == State::susceptible) {
        set_state(ctx, local, person, State::vaccinated, ctx.now().value);
      }
      break;
    case kAction:
      apply(blk.iv, params_.timeline[ev.data[0]]);
      break;
    case kTrigger:
      blk.iv.lockdown = ev.data[0] != 0;
      break;
    default:
      break;
  }
}

void EpidemicPopulation::step(Context& ctx, std::uint32_t b) {
  Block& blk = blocks_[b];
  const double now = ctx.now().value;
  // Deaths older than a day no longer count for new_deaths_last_day (every
  // later observation is at a time after this step).
  const auto old = std::find_if(blk.deaths.begin(), blk.deaths.end(), [&](double t) { return t >= now - kDay; });
  blk.deaths.erase(blk.deaths.begin(), old);

  settle(ctx, b);
  // A rate of 0 draws nothing: a count of 0 for sure, as Poisson(0) would.
  const std::uint64_t imported = blk.iv.importation_rate > 0.0 ? import_cases(ctx, b) : 0;
  if (blk.iv.importation_live) {
    blk.imports_drawn += imported;
    ++blk.import_days;
  }
  if (blk.iv.vaccinating) vaccinate(ctx, b);
  // Where each layer's attempts are counted today (none for a layer spread()
  // skips). Reserved first, so that no entry added moves those pointed to.
  std::array<TransmissionTally*, kContactLayers> tally{};
  if (!blk.infectious.empty()) {
    const LayerParams* layers[kContactLayers] = {&params_.household, &params_.school, &params_.work, &params_.community};
    blk.tallies.reserve(blk.tallies.size() + kContactLayers);
    for (std::size_t l = 0; l < kContactLayers; ++l) {
      const double kept = contact_fraction(blk.iv, l);
      if (l != 0 && (kept <= 0.0 || layers[l]->degree <= 0.0)) continue;
      // Mass action thins the contacts instead: its attempts are made in full.
      tally[l] = &tally_for(blk, l, l != 0 && layers[l]->network == Network::mass_action ? 1.0 : kept);
    }
  }
  // spread() never changes the infectious list: infections it causes arrive
  // as attempts, settled at the next step.
  for (std::uint32_t i : blk.infectious) spread(ctx, b, i, tally);

  const LpId authority = lp(params_.blocks);
  const SimTime delay{kLookahead};
  for (std::size_t s = 0; s < kStates; ++s) {
    for (std::size_t a = 0; a < kBands; ++a) {
      const std::int64_t c = blk.counts[s][a];
      if (c != 0) ctx.send(authority, delay, kCount, {s * kBands + a, static_cast<std::uint64_t>(c)});
    }
  }
  for (std::size_t a = 0; a < kBands; ++a) {
    const std::int64_t c = blk.new_infections[a];
    if (c != 0) ctx.send(authority, delay, kCount, {kStates * kBands + a, static_cast<std::uint64_t>(c)});
  }
  blk.new_infections.fill(0);
  ctx.send_self(SimTime{kDay}, kStep);
}

void EpidemicPopulation::settle(Context& ctx, std::uint32_t b) {
  std::vector<Attempt>& attempts = blocks_[b].attempts;
  if (attempts.empty()) return;
  // Each person's attempts in priority order: the first wins whatever order
  // they arrived in (arrival order depends on which LPs hold the infectors).
  std::sort(attempts.begin(), attempts.end(), [](const Attempt& x, const Attempt& y) {
    if (x.person != y.person) return x.person < y.person;
    if (x.priority != y.priority) return x.priority < y.priority;
    if (x.infector != y.infector) return x.infector < y.infector;
    return x.layer < y.layer;
  });
  const double now = ctx.now().value;
  for (std::size_t k = 0; k < attempts.size(); ++k) {
    const Attempt& a = attempts[k];
    if (k > 0 && attempts[k - 1].person == a.person) continue;
    if (state(a.person) != State::susceptible) continue;  // e.g. vaccine protection since the attempt arrived
    // A person in isolation or quarantine had household contacts only.
    if (a.layer != static_cast<std::uint8_t>(Layer::household) && quarantined(a.person, now)) continue;
    infect(ctx, b, a.person, now, a.infector, static_cast<Layer>(a.layer), static_cast<State>(a.infector_state),
           static_cast<double>(a.infector_time));
  }
  attempts.clear();
}

EpidemicPopulation::TransmissionTally& EpidemicPopulation::tally_for(Block& blk, std::size_t layer, double kept) {
  for (TransmissionTally& t : blk.tallies) {
    if (t.layer == layer && t.kept == kept) return t;
  }
  TransmissionTally& t = blk.tallies.emplace_back();
  t.layer = static_cast<std::uint8_t>(layer);
  t.kept = kept;
  return t;
}

std::uint64_t EpidemicPopulation::import_cases(Context& ctx, std::uint32_t b) {
  // The day's importations are drawn town-wide from the day's own stream;
  // every block draws the same list and takes the persons it holds, so who is
  // imported does not depend on the blocks.
  const Town& t = *town_;
  const Block& blk = blocks_[b];
  const double now = ctx.now().value;
  const std::uint32_t first = t.block_start[b];
  const std::uint32_t end = t.block_start[b + 1];
  RandomStream draw(import_key_, static_cast<std::uint64_t>(std::llround(now / kDay)));
  const std::uint64_t k = poisson(draw, blk.iv.importation_rate);
  for (std::uint64_t i = 0; i < k; ++i) {
    const auto p = static_cast<std::uint32_t>(draw.below(t.persons));
    if (p < first || p >= end) continue;
    if (state(p) == State::susceptible) infect(ctx, b, p, now, -1, Layer::importation, State::susceptible, -1.0);
  }
  return k;
}

void EpidemicPopulation::spread(Context& ctx, std::uint32_t b, std::uint32_t i,
                                const std::array<TransmissionTally*, kContactLayers>& tally) {
  const Town& t = *town_;
  const EpidemicParams& p = params_;
  const Interventions& iv = blocks_[b].iv;
  const State s = state(i);
  const double rel = s == State::presymptomatic ? p.inf_presymptomatic
                     : s == State::symptomatic  ? p.inf_symptomatic
                                                : p.inf_asymptomatic;
  const double force = p.beta * rel * p.infectiousness_by_age[static_cast<std::size_t>(age_band(t.age[i]))];
  if (force <= 0.0) return;
  RandomStream& rng = rng_[i];
  const std::uint64_t tag = (static_cast<std::uint64_t>(infected_at_[i]) << 32) | static_cast<std::uint64_t>(s);
  const SimTime delay{kLookahead};
  // The attempt's tally bin, but for the infectee's age band (log_likelihood).
  const std::size_t state_class = s == State::presymptomatic ? 0 : s == State::symptomatic ? 1 : 2;
  const std::size_t bin_base =
      (state_class * kBands + static_cast<std::size_t>(age_band(t.age[i]))) * static_cast<std::size_t>(kBands);

  const auto attempt = [&](std::uint32_t j, Layer layer, double weight, double kept) {
    const auto band = static_cast<std::size_t>(age_band(t.age[j]));
    const double sus = p.susceptibility_by_age[band];
    const double prob = kept * -std::expm1(-force * weight * sus);
    const bool hit = rng.bernoulli(prob);
    TransmissionTally& tl = *tally[static_cast<std::size_t>(layer)];
    ++tl.trials[bin_base + band];
    tl.hits[bin_base + band] += hit ? 1 : 0;
    if (hit) {
      ctx.send(lp(t.block_of[j]), delay, kInfect,
               {std::uint64_t{j} | (std::uint64_t{i} << 32), tag | (static_cast<std::uint64_t>(layer) << 8)});
    }
  };

  const std::uint32_t hh = t.household[i];
  const double hh_kept = contact_fraction(iv, 0);
  for (std::uint32_t j = t.household_start[hh]; j < t.household_start[hh + 1]; ++j) {
    if (j != i) attempt(j, Layer::household, p.household.weight, hh_kept);
  }
  if (quarantined(i, ctx.now().value)) return;  // isolation and quarantine keep only household contacts
  const LayerParams* layers[kContactLayers] = {&p.household, &p.school, &p.work, &p.community};
  for (std::size_t l = 1; l < kContactLayers; ++l) {
    const double kept = contact_fraction(iv, l);
    if (kept <= 0.0 || layers[l]->degree <= 0.0) continue;
    const auto layer = static_cast<Layer>(l);
    if (layers[l]->network == Network::mass_action) {
      const std::uint64_t k = poisson(rng, layers[l]->degree * kept);
      for (std::uint64_t c = 0; c < k; ++c) {
        attempt(static_cast<std::uint32_t>(rng.below(t.persons)), layer, layers[l]->weight, 1.0);
      }
      continue;
    }
    auto [it, end] = boost::adjacent_vertices(i, t.layer[l]);
    for (; it != end; ++it) attempt(static_cast<std::uint32_t>(*it), layer, layers[l]->weight, kept);
  }
}

void EpidemicPopulation::on_infect(Context& ctx, std::uint32_t b, const Event& ev) {
  const auto person = static_cast<std::uint32_t>(ev.data[0] & 0xffffffffu);
  const auto infector = static_cast<std::uint32_t>(ev.data[0] >> 32);
  const auto layer = static_cast<std::uint8_t>((ev.data[1] >> 8) & 0xffu);
  // Dropped here only if not susceptible (to keep the list short); isolation
  // and quarantine are looked at when settling, at the step: a self-event,
  // so its order against test results does not depend on the LPs.
  if (state(person) != State::susceptible) return;
  // A hash of (infectee, contact day, infector, layer) under the run's
  // streams: uniform among a person's attempts, and the same in any layout.
  const auto day = static_cast<std::uint64_t>(ctx.now().value / kDay);
  const std::uint64_t priority =
      mix64(mix64(tie_key_ ^ ((std::uint64_t{person} << 32) | day)) ^ ((std::uint64_t{infector} << 8) | layer));
  blocks_[b].attempts.push_back(Attempt{priority, person, infector, static_cast<std::uint32_t>(ev.data[1] >> 32), layer,
                                        static_cast<std::uint8_t>(ev.data[1] & 0xffu), 0});
}

void EpidemicPopulation::infect(Context& ctx, std::uint32_t b, std::uint32_t person, double when,
                                std::int64_t infector, Layer layer, State infector_state, double infector_time) {
  Block& blk = blocks_[b];
  if (infected_at_[person] < 0.0) ++blk.first_infections;
  set_state(ctx, b, person, State::exposed, when);
  infected_at_[person] = when;
  ++blk.ever_infected;
  ++blk.new_infections[static_cast<std::size_t>(age_band(town_->age[person]))];
  // Infections take effect at steps (whole days): one counter per day.
  const auto day = static_cast<std::int64_t>(std::llround(when / kDay));
  if (day > blk.last_day) {
    for (std::int64_t d = std::max(blk.last_day + 1, day - kHistory + 1); d <= day; ++d) {
      blk.infections_by_day[static_cast<std::size_t>(d % kHistory)] = 0;
    }
    blk.last_day = day;
  }
  ++blk.infections_by_day[static_cast<std::size_t>(day % kHistory)];
  const bool has_infector = infector >= 0;
  const double generation = has_infector ? when - infector_time : std::numeric_limits<double>::quiet_NaN();
  if (has_infector) {
    blk.generation_sum += std::llround(generation);
    ++blk.transmissions;
  }
  ctx.emit_ordered(person, next_row(person), kInfections, when, static_cast<std::int64_t>(person), infector,
                   layer_name(layer), has_infector ? state_name(infector_state) : std::string_view{}, generation);
  enter(ctx, b, person, State::exposed, when);
}

void EpidemicPopulation::vaccinate(Context& ctx, std::uint32_t b) {
  const Town& t = *town_;
  Block& blk = blocks_[b];
  const Interventions& iv = blk.iv;
  const std::uint32_t first = t.block_start[b];
  const std::uint32_t size = t.block_start[b + 1] - first;
  // The day's capacity calls the next persons of the town-wide priority order
  // (oldest first); the fractional remainder carries over. Every block keeps
  // the same count of positions called and serves the called persons it
  // holds, so who is vaccinated does not depend on the blocks. A called
  // person who is dead or in hospital lets the dose go unused (no block
  // knows another block's persons to pass it on).
  blk.vacc_carry += iv.doses_per_day;
  const double whole = std::floor(blk.vacc_carry);
  blk.vacc_carry -= whole;
  const auto min_age = static_cast<std::size_t>(std::clamp(std::ceil(iv.min_age), 0.0, 256.0));
  const double eligible = t.aged_at_least[min_age];
  const double called = std::min(eligible, static_cast<double>(blk.vacc_called) + whole);
  blk.vacc_called = std::max(blk.vacc_called, static_cast<std::uint64_t>(called));
  while (blk.vacc_next < size) {
    const std::uint32_t k = t.by_age_desc[first + blk.vacc_next];
    if (t.priority_rank[k] >= blk.vacc_called) break;
    ++blk.vacc_next;
    const State s = state(k);
    if (vaccinated_[k] != 0 || s == State::dead || s == State::hospitalised || s == State::icu) continue;
    vaccinated_[k] = 1;
    if (rng_[k].bernoulli(iv.efficacy)) ctx.send_self(SimTime{iv.protection_delay}, kProtect, {k, 0});
  }
}

std::vector<TableSchema> EpidemicPopulation::tables() const {
  using T = ColumnType;
  // Every value each string column can hold (HDF5 stores them fixed-width).
  std::vector<std::string> states, layers, bands;
  for (int s = 0; s < kStates; ++s) states.emplace_back(state_name(static_cast<State>(s)));
  for (int l = 0; l < kLayers; ++l) layers.emplace_back(layer_name(static_cast<Layer>(l)));
  for (std::size_t b = 0; b < kBands; ++b) bands.emplace_back(age_band_name(b));
  std::vector<std::string> infector_states = states;
  infector_states.emplace_back();
  std::vector<TableSchema> out;
  out.push_back({"infections",
                 "one infection: a transmission, an importation or an initial case",
                 {{"time", T::float64, "s", "when the infection takes effect (start of the day after the contact)"},
                  {"infectee", T::int64, "", "person id"},
                  {"infector", T::int64, "", "person id, -1 for an importation or initial case"},
                  {"layer", T::string, "", "household, school, work, community, importation or seed", layers},
                  {"infector_state", T::string, "", "infector's state at the contact (empty without infector)",
                   infector_states},
                  {"generation_interval", T::float64, "s", "time since the infector's infection, NaN without infector"}}});
  out.push_back({"transitions",
                 "one change of a person's disease state",
                 {{"time", T::float64, "s", "when the state changed"},
                  {"person", T::int64, "", "person id"},
                  {"from", T::string, "", "state before", states},
                  {"to", T::string, "", "state after", states}}});
  out.push_back({"persons",
                 "one person, at the end of the run",
                 {{"id", T::int64, "", "person id"},
                  {"age", T::int64, "years", "age"},
                  {"household", T::int64, "", "household id"},
                  {"school", T::int64, "", "school id, -1 if none"},
                  {"workplace", T::int64, "", "workplace id, -1 if none"},
                  {"final_state", T::string, "", "disease state at the end of the run", states}}});
  TableSchema daily{"daily", "one age band on one day: counts by state at the day's step", {}};
  daily.columns = {{"day", T::int64, "d", "day number, from 0"},
                   {"time", T::float64, "s", "start of the day"},
                   {"age_band", T::string, "", "ten-year age band, 0-9 ... 80+", bands}};
  for (int s = 0; s < kStates; ++s) {
    daily.columns.push_back({std::string(state_name(static_cast<State>(s))), T::int64, "", "persons in this state"});
  }
  daily.columns.push_back({"new_infections", T::int64, "", "infections taking effect since the previous day's step"});
  daily.columns.push_back({"school_contacts", T::float64, "", "fraction of school contacts kept"});
  daily.columns.push_back({"work_contacts", T::float64, "", "fraction of work contacts kept"});
  daily.columns.push_back({"community_contacts", T::float64, "", "fraction of community contacts kept"});
  daily.columns.push_back({"testing", T::float64, "", "probability a symptomatic case is tested"});
  daily.columns.push_back({"tracing", T::float64, "", "contact-tracing completion"});
  daily.columns.push_back({"household_quarantine", T::boolean, "", "households of positive cases quarantine"});
  daily.columns.push_back({"vaccination", T::boolean, "", "a vaccination campaign is running"});
  daily.columns.push_back({"lockdown", T::boolean, "", "the hospital-occupancy trigger is active"});
  out.push_back(std::move(daily));
  return out;
}

void EpidemicPopulation::finish(Context& ctx) {
  const Town& t = *town_;
  for (std::uint32_t i = 0; i < t.persons; ++i) {
    ctx.emit(kPersons, static_cast<std::int64_t>(i), static_cast<std::int64_t>(t.age[i]),
             static_cast<std::int64_t>(t.household[i]), static_cast<std::int64_t>(t.school[i]),
             static_cast<std::int64_t>(t.workplace[i]), state_name(state(i)));
  }
}

Simulation make_epidemic(const EpidemicParams& p, unsigned threads, SchedulerKind scheduler) {
  EngineConfig cfg;
  cfg.scheduler = scheduler;
  cfg.threads = threads;
  cfg.lookahead = SimTime{EpidemicPopulation::kLookahead};
  Simulation sim(cfg, p.seed);
  sim.add_population(std::make_unique<EpidemicPopulation>(p));
  return sim;
}

}  // namespace simulacra::epidemic
