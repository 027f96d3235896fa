// What experiments see and change of an epidemic run: its observables, its
// checkpoint state, its random streams (re-derived for a branch) and its live
// parameters, with the likelihood of the draws they govern.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "internal.hpp"
#include "simulacra/agents/epidemic/epidemic.hpp"

namespace simulacra::epidemic {

using namespace detail;

namespace {

// Salts of the population's own streams: apart from each other, from the
// town's ("town", "attr") and from the engine's per-LP streams.
constexpr std::uint64_t kPersonSalt = 0x706572736f6eULL;  // "person"
constexpr std::uint64_t kImportSalt = 0x696d706f7274ULL;  // "import"
constexpr std::uint64_t kTieSalt = 0x746965ULL;           // "tie"

// Indices into observe()'s output after the per-state counts.
constexpr std::size_t kCumulative = kStates, kAttackRate = kStates + 1, kNewInfections = kStates + 2,
                      kNewDeaths = kStates + 3, kReproduction = kStates + 4, kObservables = kStates + 5;

// The lag of the reproduction-number ratio is capped so that both weeks lie
// within the days a block keeps.
constexpr std::int64_t kMaxLag = EpidemicPopulation::kHistory - 8;

void io_flag(StateArchive& ar, bool& v) {
  std::uint8_t x = v ? 1 : 0;
  ar.io(x);
  if (x > 1) throw CheckpointError("checkpoint is damaged: a flag is neither 0 nor 1");
  v = x != 0;
}

// Field by field: the struct has padding, whose bytes are indeterminate.
void io_interventions(StateArchive& ar, Interventions& iv) {
  ar.io(iv.contacts);
  ar.io(iv.testing);
  ar.io(iv.tracing);
  io_flag(ar, iv.household_quarantine);
  io_flag(ar, iv.lockdown);
  io_flag(ar, iv.vaccinating);
  ar.io(iv.doses_per_day);
  ar.io(iv.min_age);
  ar.io(iv.efficacy);
  ar.io(iv.protection_delay);
  ar.io(iv.importation_rate);
  io_flag(ar, iv.importation_live);
}

[[noreturn]] void damaged(const std::string& what) { throw CheckpointError("checkpoint is damaged: epidemic " + what); }

}  // namespace

void EpidemicPopulation::derive_streams(std::uint64_t seed) {
  const std::uint64_t persons = derive_seed(seed, kPersonSalt);
  rng_.resize(town_->persons);
  for (std::uint32_t i = 0; i < town_->persons; ++i) rng_[i] = RandomStream(persons, i);
  import_key_ = derive_seed(seed, kImportSalt);
  tie_key_ = derive_seed(seed, kTieSalt);
}

void EpidemicPopulation::reseed(std::uint64_t stream_seed) { derive_streams(stream_seed); }

void EpidemicPopulation::set_live(const std::string& key, double value) {
  // Blocks read both at their next step; between windows no step is running.
  // A new value starts afresh the draws log_likelihood counts: those made so
  // far were governed by the old one.
  if (key == "beta") {
    if (value != params_.beta) {
      for (Block& blk : blocks_) blk.tallies.clear();
    }
    params_.beta = value;
  } else if (key == "importation_rate") {
    if (value != params_.importation_rate) {
      for (Block& blk : blocks_) blk.imports_drawn = blk.import_days = 0;
    }
    params_.importation_rate = value;
    for (Block& blk : blocks_) {
      blk.iv.importation_rate = value;
      blk.iv.importation_live = true;
    }
    authority_.iv.importation_rate = value;
    authority_.iv.importation_live = true;
  } else {
    Population::set_live(key, value);
  }
}

std::optional<double> EpidemicPopulation::log_likelihood(const std::string& key, double value) const {
  if (key == "importation_rate") {
    // Every block draws the same counts; block 0 speaks for the town.
    const Block& blk = blocks_.front();
    const auto days = static_cast<double>(blk.import_days);
    if (blk.imports_drawn == 0) return -days * value;
    return static_cast<double>(blk.imports_drawn) * std::log(value) - days * value;
  }
  if (key != "beta") return std::nullopt;
  // Every block's attempts, merged by (layer, kept): the bins' probabilities
  // are the same in every block.
  std::vector<TransmissionTally> merged;
  for (const Block& blk : blocks_) {
    for (const TransmissionTally& t : blk.tallies) {
      auto it = std::find_if(merged.begin(), merged.end(),
                             [&](const TransmissionTally& m) { return m.layer == t.layer && m.kept == t.kept; });
      if (it == merged.end()) {
        merged.push_back(t);
        continue;
      }
      for (std::size_t k = 0; k < kTallyBins; ++k) {
        it->trials[k] += t.trials[k];
        it->hits[k] += t.hits[k];
      }
    }
  }
  const EpidemicParams& p = params_;
  const LayerParams* layers[kContactLayers] = {&p.household, &p.school, &p.work, &p.community};
  const std::array<double, 3> rel{p.inf_presymptomatic, p.inf_symptomatic, p.inf_asymptomatic};
  double ll = 0.0;
  for (const TransmissionTally& t : merged) {
    const double weight = layers[t.layer]->weight;
    for (std::size_t k = 0; k < kTallyBins; ++k) {
      if (t.trials[k] == 0) continue;
      const std::size_t infectee = k % kBands, infector = (k / kBands) % kBands, state_class = k / kBands / kBands;
      // As spread() computes it, operation for operation.
      const double force = value * rel[state_class] * p.infectiousness_by_age[infector];
      const double prob = t.kept * -std::expm1(-force * weight * p.susceptibility_by_age[infectee]);
      const auto hits = static_cast<double>(t.hits[k]);
      const auto misses = static_cast<double>(t.trials[k] - t.hits[k]);
      if (hits > 0.0) ll += hits * std::log(prob);
      if (misses > 0.0) ll += misses * std::log1p(-prob);
    }
  }
  return ll;
}

ObservableSpecs EpidemicPopulation::observable_specs() {
  ObservableSpecs out;
  for (int s = 0; s < kStates; ++s) {
    const std::string name(state_name(static_cast<State>(s)));
    out.push_back({name, "", "persons now in state " + name});
  }
  out.push_back({"cumulative_infections", "",
                 "infections so far (seeds, importations, transmissions; a reinfection counts again): rows of "
                 "the infections table"});
  out.push_back({"attack_rate", "", "persons infected at least once so far / persons"});
  out.push_back({"new_infections_last_day", "", "infections taking effect in [now - 1 d, now)"});
  out.push_back({"new_deaths_last_day", "", "deaths in [now - 1 d, now)"});
  out.push_back({"reproduction_number_last_week", "",
                 "infections in the last 7 days / infections in the 7 days one mean generation interval earlier "
                 "(RKI's 7-day R with the run's measured generation interval); NaN if that week had none"});
  return out;
}

void EpidemicPopulation::observe(SimTime now, double* out) const {
  std::array<std::int64_t, kStates> in_state{};
  std::uint64_t infections = 0, first = 0, transmissions = 0;
  std::int64_t generation_sum = 0;
  std::int64_t deaths = 0;
  for (const Block& blk : blocks_) {
    for (std::size_t s = 0; s < kStates; ++s) {
      for (std::int64_t c : blk.counts[s]) in_state[s] += c;
    }
    infections += blk.ever_infected;
    first += blk.first_infections;
    transmissions += blk.transmissions;
    generation_sum += blk.generation_sum;
    for (double t : blk.deaths) deaths += t >= now.value - kDay && t < now.value;
  }
  for (std::size_t s = 0; s < kStates; ++s) out[s] = static_cast<double>(in_state[s]);
  out[kCumulative] = static_cast<double>(infections);
  out[kAttackRate] = static_cast<double>(first) / static_cast<double>(town_->persons);
  out[kNewDeaths] = static_cast<double>(deaths);

  // Infections take effect at whole days; the last one before now is day
  // `last` (committed events are those before now).
  const auto last = static_cast<std::int64_t>(std::ceil(now.value / kDay)) - 1;
  const auto on_day = [&](std::int64_t d) {
    std::uint64_t n = 0;
    if (d < 0) return n;
    for (const Block& blk : blocks_) {
      if (d <= blk.last_day && d > blk.last_day - kHistory) n += blk.infections_by_day[static_cast<std::size_t>(d % kHistory)];
    }
    return n;
  };
  out[kNewInfections] = static_cast<double>(on_day(last));
  double r = std::numeric_limits<double>::quiet_NaN();
  if (transmissions != 0) {
    const double mean_days = static_cast<double>(generation_sum) / static_cast<double>(transmissions) / kDay;
    const std::int64_t lag = std::clamp<std::int64_t>(std::llround(mean_days), 1, kMaxLag);
    std::uint64_t recent = 0, earlier = 0;
    for (std::int64_t k = 0; k < 7; ++k) {
      recent += on_day(last - k);
      earlier += on_day(last - lag - k);
    }
    if (earlier != 0) r = static_cast<double>(recent) / static_cast<double>(earlier);
  }
  out[kReproduction] = r;
  static_assert(kObservables == kStates + 5);
}

void EpidemicPopulation::state(StateArchive& ar) {
  const Town& t = *town_;
  const std::uint32_t n = t.persons;
  ar.tag("epidemic.live");
  ar.io(params_.beta);
  ar.io(params_.importation_rate);

  ar.tag("epidemic.streams");
  ar.io(import_key_);
  ar.io(tie_key_);
  ar.io(rng_);
  if (rng_.size() != n) damaged("person streams: " + std::to_string(rng_.size()) + " for " + std::to_string(n) + " persons");

  ar.tag("epidemic.persons");
  ar.io(state_);
  ar.io(infected_at_);
  ar.io(slot_);
  ar.io(isolated_);
  ar.io(quarantine_from_);
  ar.io(quarantine_until_);
  ar.io(vaccinated_);
  ar.io(row_seq_);
  for (const std::size_t size : {state_.size(), infected_at_.size(), slot_.size(), isolated_.size(),
                                 quarantine_from_.size(), quarantine_until_.size(), vaccinated_.size(),
                                 row_seq_.size()}) {
    if (size != n) damaged("persons: " + std::to_string(size) + " saved, this town has " + std::to_string(n));
  }

  ar.tag("epidemic.blocks");
  std::uint64_t blocks = blocks_.size();
  ar.io(blocks);
  if (blocks != blocks_.size()) damaged("blocks: " + std::to_string(blocks) + " saved, this run has " + std::to_string(blocks_.size()));
  for (Block& blk : blocks_) io_block(ar, blk);

  ar.tag("epidemic.authority");
  io_interventions(ar, authority_.iv);
  ar.io(authority_.acc);
  ar.io(authority_.day);
  io_flag(ar, authority_.lockdown_ordered);
  if (ar.loading()) check_loaded();
}

void EpidemicPopulation::io_block(StateArchive& ar, Block& blk) {
  io_interventions(ar, blk.iv);
  ar.io(blk.infectious);
  ar.io(blk.attempts);
  ar.io(blk.counts);
  ar.io(blk.new_infections);
  ar.io(blk.ever_infected);
  ar.io(blk.first_infections);
  ar.io(blk.generation_sum);
  ar.io(blk.transmissions);
  ar.io(blk.infections_by_day);
  ar.io(blk.last_day);
  ar.io(blk.deaths);
  ar.io(blk.vacc_next);
  ar.io(blk.vacc_called);
  ar.io(blk.vacc_carry);
  ar.io(blk.imports_drawn);
  ar.io(blk.import_days);
  ar.io_each(blk.tallies, [](StateArchive& a, TransmissionTally& tally) {
    a.io(tally.layer);  // field by field: the struct has padding
    a.io(tally.kept);
    a.io(tally.trials);
    a.io(tally.hits);
  });
}

void EpidemicPopulation::lp_state(StateArchive& ar, std::uint32_t lo, std::uint32_t hi) {
  const Town& t = *town_;
  for (std::uint32_t b = lo; b < hi && b < params_.blocks; ++b) {
    io_block(ar, blocks_[b]);
    for (std::uint32_t i = t.block_start[b]; i < t.block_start[b + 1]; ++i) {
      ar.io(rng_[i]);
      ar.io(state_[i]);
      ar.io(infected_at_[i]);
      ar.io(slot_[i]);
      ar.io(isolated_[i]);
      ar.io(quarantine_from_[i]);
      ar.io(quarantine_until_[i]);
      ar.io(vaccinated_[i]);
      ar.io(row_seq_[i]);
    }
  }
  if (lo <= params_.blocks && params_.blocks < hi) {
    io_interventions(ar, authority_.iv);
    ar.io(authority_.acc);
    ar.io(authority_.day);
    io_flag(ar, authority_.lockdown_ordered);
  }
}

// What the handlers index with must be in range; the counts must be those of
// the persons' states. Damage elsewhere (a time, a flag) cannot crash a run.
void EpidemicPopulation::check_loaded() const {
  const Town& t = *town_;
  for (std::uint32_t b = 0; b < blocks_.size(); ++b) {
    const Block& blk = blocks_[b];
    const std::uint32_t first = t.block_start[b], end = t.block_start[b + 1];
    std::array<std::array<std::int64_t, kBands>, kStates> counts{};
    std::size_t infectious_persons = 0;
    for (std::uint32_t i = first; i < end; ++i) {
      if (state_[i] >= kStates) damaged("state of person " + std::to_string(i));
      ++counts[state_[i]][static_cast<std::size_t>(age_band(t.age[i]))];
      infectious_persons += infectious(state(i));
    }
    if (counts != blk.counts) damaged("counts of block " + std::to_string(b) + " do not match its persons");
    if (blk.infectious.size() != infectious_persons) damaged("infectious list of block " + std::to_string(b));
    for (std::size_t k = 0; k < blk.infectious.size(); ++k) {
      const std::uint32_t i = blk.infectious[k];
      if (i < first || i >= end || !infectious(state(i)) || slot_[i] != k) {
        damaged("infectious list of block " + std::to_string(b));
      }
    }
    for (const Attempt& a : blk.attempts) {
      if (a.person < first || a.person >= end || a.infector >= t.persons || a.layer >= kContactLayers ||
          a.infector_state >= kStates) {
        damaged("infection attempt in block " + std::to_string(b));
      }
    }
    if (blk.vacc_next > end - first) damaged("vaccination position of block " + std::to_string(b));
    if (blk.imports_drawn != blocks_.front().imports_drawn || blk.import_days != blocks_.front().import_days) {
      damaged("importation counts of block " + std::to_string(b));
    }
    for (const TransmissionTally& tl : blk.tallies) {
      bool fits = tl.layer < kContactLayers && tl.kept >= 0.0 && tl.kept <= 1.0;
      for (std::size_t k = 0; k < kTallyBins; ++k) fits = fits && tl.hits[k] <= tl.trials[k];
      if (!fits) damaged("infection-attempt tally of block " + std::to_string(b));
    }
  }
}

}  // namespace simulacra::epidemic
