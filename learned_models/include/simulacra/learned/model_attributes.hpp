// The engine's AttributeSampler backed by a learned generator.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "simulacra/engine/attribute_source.hpp"
#include "simulacra/learned/generator.hpp"

namespace simulacra::learned {

/// Samples the chosen columns of a generator as typed engine rows: whole-number
/// numeric columns (integer constraint) as int64, other numeric as float64,
/// categorical as string. The generator samples all its columns jointly, so the
/// chosen ones keep their dependence.
class ModelAttributeSampler final : public AttributeSampler {
 public:
  /// Throws DataError for an unknown column or a column named twice.
  ModelAttributeSampler(std::shared_ptr<const Generator> generator, const std::vector<std::string>& columns);

  const TableSchema& schema() const override { return schema_; }
  TableChunk sample(std::size_t n, RandomStream& rng) const override;
  TableChunk sample_where(std::size_t n, const std::vector<std::pair<std::string, std::string>>& fixed,
                          RandomStream& rng) const override;

 private:
  std::shared_ptr<const Generator> generator_;
  std::vector<std::size_t> picked_;
  TableSchema schema_;
};

/// An AttributeLoader for the engine's build: loads a model file with
/// load_generator (ModelFileError if unreadable) and wraps it.
AttributeLoader model_attribute_loader();

}  // namespace simulacra::learned
