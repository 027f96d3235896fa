// The synthetic town: persons with ages, households, schools and workplaces,
// their contact layers, and the split of persons into blocks (the LPs). Built
// once from the parameters and a seed, then shared read-only by every LP and
// every clone of a run.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "simulacra/agents/epidemic/contact_graph.hpp"
#include "simulacra/agents/epidemic/params.hpp"

namespace simulacra::epidemic {

struct Town {
  std::uint32_t persons = 0;
  std::vector<std::uint8_t> age;          ///< years
  std::vector<std::uint32_t> household;   ///< household id; members are contiguous ids
  std::vector<std::uint32_t> household_start;  ///< first member of each household (+ end)
  std::vector<std::int32_t> school;       ///< school id or -1
  std::vector<std::int32_t> workplace;    ///< workplace id or -1
  /// Static graphs of the school, work and community layers (the household
  /// layer is the contiguous id range of a household; a mass-action community
  /// has an empty graph).
  std::array<ContactGraph, kContactLayers> layer;
  std::vector<std::uint32_t> block_start;  ///< persons of block b: [block_start[b], block_start[b+1])
  std::vector<std::uint32_t> block_of;     ///< person -> block
  /// Each block's persons, oldest first (ties by id): vaccination priority.
  std::vector<std::uint32_t> by_age_desc;
  /// Place of each person in the town-wide vaccination priority (oldest
  /// first, ties by id); increasing along each block's by_age_desc.
  std::vector<std::uint32_t> priority_rank;
  /// Persons aged at least a, for a = 0 ... 256.
  std::array<std::uint32_t, 257> aged_at_least{};
  std::vector<std::uint32_t> initial_infected;  ///< sorted person ids

  std::uint32_t blocks() const { return static_cast<std::uint32_t>(block_start.size() - 1); }
  std::uint32_t household_of(std::uint32_t p) const { return household[p]; }
};

/// Builds the town. Throws ConfigError for parameters validate() rejects.
std::shared_ptr<const Town> build_town(const EpidemicParams& p);

}  // namespace simulacra::epidemic
