// Where a population's agent attributes can come from besides its parameters:
// a sampler of attribute rows (e.g. a generator fitted to a real table). The
// engine and agents see only this interface; learned_models/ implements it,
// and the CLI hands a loader to the build, so agents never depend on
// learned_models.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "simulacra/engine/random.hpp"
#include "simulacra/engine/table.hpp"

namespace simulacra {

/// Draws rows of agent attributes. Implementations are immutable after
/// construction, so one sampler may serve several populations and threads,
/// each with its own RandomStream.
class AttributeSampler {
 public:
  virtual ~AttributeSampler() = default;

  /// The columns sample() returns, in order, with their types (int64 for
  /// whole-number columns, float64, string for categories).
  virtual const TableSchema& schema() const = 0;

  /// n rows; deterministic for a given stream state. Throws DataError if the
  /// model cannot produce rows (e.g. its constraints exclude every value).
  virtual TableChunk sample(std::size_t n, RandomStream& rng) const = 0;

  /// n rows with the given columns fixed to values (as text, e.g.
  /// {"age_group", "80+"}); the other columns follow the model's conditional
  /// distribution. Throws DataError for an unknown column or a value the
  /// column cannot take.
  virtual TableChunk sample_where(std::size_t n,
                                  const std::vector<std::pair<std::string, std::string>>& fixed,
                                  RandomStream& rng) const = 0;
};

/// Opens a model file and returns a sampler of the named columns (all columns
/// when `columns` is empty). Throws a UserError subclass naming the file for
/// an unreadable model or an unknown column.
using AttributeLoader = std::function<std::unique_ptr<AttributeSampler>(
    const std::string& model_path, const std::vector<std::string>& columns)>;

}  // namespace simulacra
