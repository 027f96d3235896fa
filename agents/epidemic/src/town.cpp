#include "simulacra/agents/epidemic/town.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>

#include "simulacra/engine/attribute_block.hpp"

namespace simulacra::epidemic {

namespace {

template <class Weights>
std::size_t categorical(const Weights& w, double total, RandomStream& rng) {
  double u = rng.uniform() * total;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (u < w[i]) return i;
    u -= w[i];
  }
  return w.size() - 1;
}

std::uint8_t draw_age(const ByAge& weights, int min_band, RandomStream& rng) {
  ByAge w = weights;
  for (int b = 0; b < min_band; ++b) w[static_cast<std::size_t>(b)] = 0.0;
  double total = std::accumulate(w.begin(), w.end(), 0.0);
  if (total <= 0.0) {  // no adults in the distribution: fall back to all ages
    w = weights;
    total = std::accumulate(w.begin(), w.end(), 0.0);
  }
  const auto band = categorical(w, total, rng);
  return static_cast<std::uint8_t>(band * 10 + rng.below(10));
}

void shuffle(std::vector<std::uint32_t>& v, RandomStream& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

// Splits `pool` (shuffled) into groups of the given sizes, records each
// person's group id and adds the group's contact edges.
template <class NextSize>
void form_groups(std::vector<std::uint32_t>& pool, NextSize next_size, std::int32_t& next_id,
                 std::vector<std::int32_t>& group_of, const LayerParams& layer, double rewire, RandomStream& rng,
                 EdgeList& edges) {
  shuffle(pool, rng);
  std::size_t at = 0;
  std::vector<std::uint32_t> members;
  while (at < pool.size()) {
    const std::size_t size = std::min<std::size_t>(std::max<std::size_t>(1, next_size()), pool.size() - at);
    members.assign(pool.begin() + static_cast<std::ptrdiff_t>(at), pool.begin() + static_cast<std::ptrdiff_t>(at + size));
    for (auto m : members) group_of[m] = next_id;
    if (layer.degree > 0.0) add_group_edges(members, layer.network, layer.degree, rewire, rng, edges);
    ++next_id;
    at += size;
  }
}

// Households from a model of persons. Each sampled row is a person; with a
// household_size column, persons of size s are dealt into households of s
// (sampling persons weights a size by how many live in such households, so
// this reproduces the model's household sizes); otherwise sizes come from
// household_size_weights. Each household is headed by an adult (18+) while
// the group has adults left; the other members are drawn at random from the
// group. Households are then shuffled so that sizes are mixed along the ids.
void households_from_model(const EpidemicParams& p, RandomStream& rng, Town& t) {
  const PersonModel& m = p.person_model;
  const std::uint32_t n = p.persons;
  TableChunk rows;
  try {
    rows = m.where.empty() ? m.sampler->sample(n, rng) : m.sampler->sample_where(n, m.where, rng);
  } catch (const UserError& e) {
    throw DataError(m.file + ": " + e.what());
  }
  const TableSchema& schema = m.sampler->schema();
  if (rows.rows() != n) throw DataError(m.file + ": the model returned " + std::to_string(rows.rows()) + " rows");
  std::vector<std::uint8_t> age(n);
  {
    const std::vector<double> a = attribute_numbers(rows, schema, "age", m.file);
    for (std::uint32_t i = 0; i < n; ++i) age[i] = static_cast<std::uint8_t>(std::clamp(std::lround(a[i]), 0L, 120L));
  }
  const bool sized = has_column(schema, "household_size");

  // Groups of persons and the sizes of the households they form.
  std::map<std::uint32_t, std::vector<std::uint32_t>> groups;  // by household size (0: from the weights)
  if (sized) {
    const std::vector<double> hs = attribute_numbers(rows, schema, "household_size", m.file);
    for (std::uint32_t i = 0; i < n; ++i) {
      groups[static_cast<std::uint32_t>(std::clamp(std::lround(hs[i]), 1L, static_cast<long>(n)))].push_back(i);
    }
  } else {
    auto& all = groups[0];
    all.resize(n);
    std::iota(all.begin(), all.end(), 0u);
  }
  const double hh_total = std::accumulate(p.household_size_weights.begin(), p.household_size_weights.end(), 0.0);
  std::vector<std::uint32_t> members;  // sampled rows, household after household
  std::vector<std::uint32_t> start;    // first position of each household in `members`
  members.reserve(n);
  for (auto& [size, group] : groups) {
    std::vector<std::uint32_t> sizes;
    for (std::size_t left = group.size(); left > 0;) {
      const std::size_t s = size != 0 ? size : categorical(p.household_size_weights, hh_total, rng) + 1;
      sizes.push_back(static_cast<std::uint32_t>(std::min(s, left)));
      left -= sizes.back();
    }
    std::vector<std::uint32_t> heads, pool;
    for (auto i : group) (age[i] >= 18 && heads.size() < sizes.size() ? heads : pool).push_back(i);
    shuffle(pool, rng);
    std::size_t next = 0;
    for (std::size_t h = 0; h < sizes.size(); ++h) {
      start.push_back(static_cast<std::uint32_t>(members.size()));
      std::uint32_t k = 0;
      if (h < heads.size()) {
        members.push_back(heads[h]);
        ++k;
      }
      for (; k < sizes[h]; ++k) members.push_back(pool[next++]);
    }
  }
  start.push_back(n);

  std::vector<std::uint32_t> order(start.size() - 1);
  std::iota(order.begin(), order.end(), 0u);
  shuffle(order, rng);
  std::uint32_t next = 0;
  for (const std::uint32_t h : order) {
    const auto id = static_cast<std::uint32_t>(t.household_start.size());
    t.household_start.push_back(next);
    for (std::uint32_t k = start[h]; k < start[h + 1]; ++k, ++next) {
      t.age[next] = age[members[k]];
      t.household[next] = id;
    }
  }
}

}  // namespace

std::shared_ptr<const Town> build_town(const EpidemicParams& p) {
  validate(p);
  RandomStream rng(derive_seed(p.seed, 0x746f776eULL), 0);  // "town": apart from every LP's stream
  auto town = std::make_shared<Town>();
  Town& t = *town;
  const std::uint32_t n = p.persons;
  t.persons = n;
  t.age.resize(n);
  t.household.resize(n);
  t.school.assign(n, -1);
  t.workplace.assign(n, -1);

  if (p.person_model.sampler) {
    // Its own stream, so the rest of the town draws as it always did.
    RandomStream attr_rng(derive_seed(p.seed, 0x61747472ULL), 0);  // "attr"
    households_from_model(p, attr_rng, t);
  }
  // Parametric households: a first member who is an adult (20+), the rest of
  // any age.
  const double hh_total = std::accumulate(p.household_size_weights.begin(), p.household_size_weights.end(), 0.0);
  std::uint32_t next = p.person_model.sampler ? n : 0;
  while (next < n) {
    const auto size = std::min<std::uint32_t>(static_cast<std::uint32_t>(categorical(p.household_size_weights, hh_total, rng)) + 1, n - next);
    const auto id = static_cast<std::uint32_t>(t.household_start.size());
    t.household_start.push_back(next);
    for (std::uint32_t k = 0; k < size; ++k) {
      t.age[next + k] = draw_age(p.age_weights, k == 0 ? 2 : 0, rng);
      t.household[next + k] = id;
    }
    next += size;
  }
  t.household_start.push_back(n);

  // Blocks: about persons/blocks each, cut at household boundaries so that a
  // household (and so household quarantine) never spans two LPs.
  t.block_start.assign(p.blocks + 1, n);
  t.block_start[0] = 0;
  for (std::uint32_t b = 1; b < p.blocks; ++b) {
    const auto target = static_cast<std::uint32_t>(std::uint64_t{n} * b / p.blocks);
    t.block_start[b] = *std::lower_bound(t.household_start.begin(), t.household_start.end(), target);
  }
  t.block_of.resize(n);
  for (std::uint32_t b = 0; b < p.blocks; ++b) {
    for (std::uint32_t i = t.block_start[b]; i < t.block_start[b + 1]; ++i) t.block_of[i] = b;
  }

  // Schools (primary 5-11 and secondary 12-17 apart) and workplaces (18-64).
  std::array<EdgeList, kContactLayers> edges;
  std::vector<std::uint32_t> primary, secondary, workers;
  for (std::uint32_t i = 0; i < n; ++i) {
    const int a = t.age[i];
    if (a >= 5 && a <= 11) primary.push_back(i);
    else if (a >= 12 && a <= 17) secondary.push_back(i);
    else if (a >= 18 && a <= 64 && rng.bernoulli(p.employment_rate)) workers.push_back(i);
  }
  std::int32_t school_id = 0, work_id = 0;
  const auto school_size = [&] { return std::size_t{p.school_size}; };
  const auto school_layer = static_cast<std::size_t>(Layer::school);
  form_groups(primary, school_size, school_id, t.school, p.school, p.rewire, rng, edges[school_layer]);
  form_groups(secondary, school_size, school_id, t.school, p.school, p.rewire, rng, edges[school_layer]);
  const double sigma = p.workplace_size_sigma;
  const double mu = std::log(p.workplace_size_mean) - 0.5 * sigma * sigma;
  const auto work_size = [&] { return static_cast<std::size_t>(std::lround(rng.lognormal(mu, sigma))); };
  form_groups(workers, work_size, work_id, t.workplace, p.work, p.rewire, rng,
              edges[static_cast<std::size_t>(Layer::work)]);

  if (p.community.network != Network::mass_action && p.community.degree > 0.0) {
    std::vector<std::uint32_t> all(n);
    std::iota(all.begin(), all.end(), 0u);
    add_group_edges(all, p.community.network, p.community.degree, p.rewire, rng,
                    edges[static_cast<std::size_t>(Layer::community)]);
  }
  for (std::size_t l = 0; l < kContactLayers; ++l) {
    if (l != static_cast<std::size_t>(Layer::household)) t.layer[l] = make_graph(n, edges[l]);
    else t.layer[l] = make_graph(0, {});
  }

  t.by_age_desc.resize(n);
  std::iota(t.by_age_desc.begin(), t.by_age_desc.end(), 0u);
  for (std::uint32_t b = 0; b < p.blocks; ++b) {
    std::stable_sort(t.by_age_desc.begin() + t.block_start[b], t.by_age_desc.begin() + t.block_start[b + 1],
                     [&](std::uint32_t x, std::uint32_t y) { return t.age[x] > t.age[y]; });
  }

  // Town-wide priority by counting sort on age: ids ascending within an age.
  std::array<std::uint32_t, 257> next_rank{};
  for (std::uint32_t i = 0; i < n; ++i) ++t.aged_at_least[t.age[i]];
  for (int a = 255; a >= 0; --a) t.aged_at_least[static_cast<std::size_t>(a)] += t.aged_at_least[static_cast<std::size_t>(a) + 1];
  for (std::size_t a = 0; a < 256; ++a) next_rank[a] = t.aged_at_least[a + 1];
  t.priority_rank.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) t.priority_rank[i] = next_rank[t.age[i]]++;

  const std::uint32_t seeds = std::min(p.initial_infected, n);
  while (t.initial_infected.size() < seeds) {
    const auto c = static_cast<std::uint32_t>(rng.below(n));
    if (std::find(t.initial_infected.begin(), t.initial_infected.end(), c) == t.initial_infected.end()) {
      t.initial_infected.push_back(c);
    }
  }
  std::sort(t.initial_infected.begin(), t.initial_infected.end());
  return town;
}

}  // namespace simulacra::epidemic
