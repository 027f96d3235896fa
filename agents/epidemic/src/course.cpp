// The disease course: S -> E -> (A | P -> I) -> (R | H -> (C) -> R | D),
// optional waning R -> S, with stochastic durations and age-dependent
// severity. Each transition is a self-event at its exact time, so only
// persons whose state changes cost anything.
#include <algorithm>

#include "internal.hpp"
#include "simulacra/agents/epidemic/epidemic.hpp"

namespace simulacra::epidemic {

using namespace detail;

void EpidemicPopulation::set_state(Context& ctx, std::uint32_t b, std::uint32_t person, State to, double when) {
  Block& blk = blocks_[b];
  const State from = state(person);
  const auto band = static_cast<std::size_t>(age_band(town_->age[person]));
  --blk.counts[static_cast<std::size_t>(from)][band];
  ++blk.counts[static_cast<std::size_t>(to)][band];
  state_[person] = static_cast<std::uint8_t>(to);
  if (infectious(from) && !infectious(to)) {
    // Swap-remove keeps the list dense; the order stays a function of the
    // block's own event history.
    const std::uint32_t pos = slot_[person];
    const std::uint32_t last = blk.infectious.back();
    blk.infectious[pos] = last;
    slot_[last] = pos;
    blk.infectious.pop_back();
  } else if (!infectious(from) && infectious(to)) {
    slot_[person] = static_cast<std::uint32_t>(blk.infectious.size());
    blk.infectious.push_back(person);
  }
  if (to == State::dead) blk.deaths.push_back(when);
  ctx.emit_ordered(person, next_row(person), kTransitions, when, static_cast<std::int64_t>(person), state_name(from),
                   state_name(to));
}

void EpidemicPopulation::schedule(Context& ctx, std::uint32_t person, State from, State to, double at) {
  const double delay = std::max(0.0, at - ctx.now().value);
  ctx.send_self(SimTime{delay}, kTransition,
                {person, (static_cast<std::uint64_t>(from) << 8) | static_cast<std::uint64_t>(to)});
}

void EpidemicPopulation::enter(Context& ctx, std::uint32_t b, std::uint32_t person, State s, double when) {
  const EpidemicParams& p = params_;
  RandomStream& rng = rng_[person];
  const auto band = static_cast<std::size_t>(age_band(town_->age[person]));
  switch (s) {
    case State::exposed:
      if (rng.bernoulli(p.asymptomatic_fraction)) {
        schedule(ctx, person, s, State::asymptomatic, when + p.latent.sample(rng));
      } else {
        schedule(ctx, person, s, State::presymptomatic, when + p.latent.sample(rng));
      }
      break;
    case State::asymptomatic:
      schedule(ctx, person, s, State::recovered, when + p.asymptomatic.sample(rng));
      break;
    case State::presymptomatic:
      schedule(ctx, person, s, State::symptomatic, when + p.presymptomatic.sample(rng));
      break;
    case State::symptomatic:
      if (blocks_[b].iv.testing > 0.0 && rng.bernoulli(blocks_[b].iv.testing)) {
        ctx.send_self(SimTime{std::max(0.0, when + p.test_delay - ctx.now().value)}, kTestResult, {person, 0});
      }
      if (rng.bernoulli(p.hospital_by_age[band])) {
        schedule(ctx, person, s, State::hospitalised, when + p.onset_to_hospital.sample(rng));
      } else {
        schedule(ctx, person, s, State::recovered, when + p.symptomatic.sample(rng));
      }
      break;
    case State::hospitalised:
      if (rng.bernoulli(p.icu_by_age[band])) {
        schedule(ctx, person, s, State::icu, when + p.hospital_to_icu.sample(rng));
      } else {
        schedule(ctx, person, s, State::recovered, when + p.hospital_stay.sample(rng));
      }
      break;
    case State::icu:
      // ICU survivors are counted recovered on leaving ICU.
      schedule(ctx, person, s, rng.bernoulli(p.death_by_age[band]) ? State::dead : State::recovered,
               when + p.icu_stay.sample(rng));
      break;
    case State::recovered:
      isolated_[person] = 0;
      if (p.immunity_mean > 0.0) schedule(ctx, person, s, State::susceptible, when + rng.exponential(p.immunity_mean));
      break;
    default:
      break;
  }
}

void EpidemicPopulation::on_transition(Context& ctx, std::uint32_t b, const Event& ev) {
  const auto person = static_cast<std::uint32_t>(ev.data[0]);
  const auto from = static_cast<State>((ev.data[1] >> 8) & 0xffu);
  const auto to = static_cast<State>(ev.data[1] & 0xffu);
  if (state(person) != from) return;  // superseded (defensive: no path makes one today)
  set_state(ctx, b, person, to, ctx.now().value);
  enter(ctx, b, person, to, ctx.now().value);
}

}  // namespace simulacra::epidemic
