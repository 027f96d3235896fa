// Registration of the epidemic population type ("epidemic") with the engine's
// registry, and the conversion of scenario values into EpidemicParams.
#pragma once

#include "simulacra/agents/epidemic/params.hpp"
#include "simulacra/engine/registry.hpp"

namespace simulacra {

/// Declares the "epidemic" type. Throws std::logic_error if already registered.
void register_epidemic(Registry& registry);

/// The parameters of a validated "epidemic" population spec (the run's seed
/// from `info`); opens the `attributes` model file once, if given. Throws
/// UserError naming the file for a model that cannot be read or lacks a
/// named column or `age`; std::logic_error for a timeline action the type
/// does not declare (validation refuses those, so a programmer error).
epidemic::EpidemicParams epidemic_params(const PopulationSpec& spec, const BuildInfo& info);

}  // namespace simulacra
