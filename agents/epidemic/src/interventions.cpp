// Interventions: timeline steps, testing with isolation, household
// quarantine, contact tracing, and the health-authority LP that gathers the
// blocks' daily counts, writes the daily table and fires the occupancy trigger.
#include <algorithm>

#include "internal.hpp"
#include "simulacra/agents/epidemic/epidemic.hpp"

namespace simulacra::epidemic {

using namespace detail;

void EpidemicPopulation::apply(Interventions& iv, const TimelineStep& s) const {
  using K = TimelineStep::Kind;
  switch (s.kind) {
    case K::set_contacts:
      iv.contacts[static_cast<std::size_t>(s.layer)] = s.value;
      break;
    case K::close_schools:
      iv.contacts[static_cast<std::size_t>(Layer::school)] = 0.0;
      break;
    case K::reopen_schools:
      iv.contacts[static_cast<std::size_t>(Layer::school)] = 1.0;
      break;
    case K::set_testing:
      iv.testing = s.value;
      break;
    case K::set_tracing:
      iv.tracing = s.value;
      break;
    case K::set_household_quarantine:
      iv.household_quarantine = s.flag;
      break;
    case K::vaccinate:
      iv.vaccinating = true;
      iv.doses_per_day = s.value;
      iv.min_age = s.min_age;
      iv.efficacy = s.efficacy;
      iv.protection_delay = s.delay;
      break;
    case K::stop_vaccination:
      iv.vaccinating = false;
      break;
    case K::set_importation:
      iv.importation_rate = s.value;
      iv.importation_live = false;  // the live parameter no longer governs the draws
      break;
  }
}

double EpidemicPopulation::contact_fraction(const Interventions& iv, std::size_t layer) const {
  const double f = iv.contacts[layer];
  if (iv.lockdown && layer != static_cast<std::size_t>(Layer::household)) return std::min(f, params_.trigger_contacts);
  return f;
}

void EpidemicPopulation::on_test_result(Context& ctx, std::uint32_t b, std::uint32_t person) {
  const State s = state(person);
  if (s == State::dead) return;
  const Town& t = *town_;
  const Interventions& iv = blocks_[b].iv;
  const double now = ctx.now().value;
  if (infectious(s)) isolated_[person] = 1;  // until recovery (course.cpp)
  if (iv.household_quarantine) {
    // Households never span blocks, so this touches only this LP's persons.
    const std::uint32_t hh = t.household[person];
    for (std::uint32_t k = t.household_start[hh]; k < t.household_start[hh + 1]; ++k) {
      if (k != person) quarantine(k, now);
    }
  }
  if (iv.tracing > 0.0) {
    // Traced contacts may live in other blocks: a message with the tracing
    // delay (>= 1 day, so above the lookahead) for every contact found.
    // Mass-action community contacts are anonymous and never traced.
    for (std::size_t l = 1; l < kContactLayers; ++l) {
      auto [it, end] = boost::adjacent_vertices(person, t.layer[l]);
      for (; it != end; ++it) {
        if (!rng_[person].bernoulli(iv.tracing)) continue;
        const auto k = static_cast<std::uint32_t>(*it);
        ctx.send(lp(t.block_of[k]), SimTime{params_.tracing_delay}, kQuarantine, {k, 0});
      }
    }
  }
}

void EpidemicPopulation::report(Context& ctx) {
  Authority& a = authority_;
  const Interventions& iv = a.iv;
  const auto kept = [&](Layer l) { return contact_fraction(iv, static_cast<std::size_t>(l)); };
  std::int64_t occupancy = 0;
  for (std::size_t band = 0; band < kBands; ++band) {
    const auto& c = a.acc;
    occupancy += c[static_cast<std::size_t>(State::hospitalised)][band] + c[static_cast<std::size_t>(State::icu)][band];
    ctx.emit(kDaily, a.day, static_cast<double>(a.day) * kDay, age_band_name(band), c[0][band], c[1][band], c[2][band],
             c[3][band], c[4][band], c[5][band], c[6][band], c[7][band], c[8][band], c[9][band], c[kStates][band],
             kept(Layer::school), kept(Layer::work), kept(Layer::community), iv.testing, iv.tracing,
             iv.household_quarantine, iv.vaccinating, iv.lockdown);
  }
  // Hysteresis: lock down at the trigger level, release at the lower level.
  if (params_.trigger_occupancy > 0) {
    const bool order_on = !a.lockdown_ordered && occupancy >= static_cast<std::int64_t>(params_.trigger_occupancy);
    const bool order_off = a.lockdown_ordered && occupancy <= static_cast<std::int64_t>(params_.release_occupancy);
    if (order_on || order_off) {
      a.lockdown_ordered = order_on;
      const std::uint64_t on = order_on ? 1 : 0;
      for (std::uint32_t b = 0; b < params_.blocks; ++b) ctx.send(lp(b), SimTime{kLookahead}, kTrigger, {on, 0});
      // The blocks act on it from the step of day d+2 (this reports day d);
      // the authority's own flag follows so that day's row shows it.
      ctx.send_self(SimTime{kLookahead + kDay}, kTrigger, {on, 0});
    }
  }
  for (auto& row : a.acc) row.fill(0);
  ++a.day;
  ctx.send_self(SimTime{kDay}, kReport);
}

}  // namespace simulacra::epidemic
