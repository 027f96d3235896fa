// Registration of the epidemic population type ("epidemic") with the engine's
// registry, and the conversion of scenario values into EpidemicParams.
#pragma once

#include "simulacra/agents/epidemic/params.hpp"
#include "simulacra/engine/registry.hpp"

namespace simulacra {

/// Declares the "epidemic" type. Throws std::logic_error if already registered.
void register_epidemic(Registry& registry);

/// The parameters of a validated "epidemic" population spec (the run's seed
/// from `info`). Throws UserError for an unknown timeline action.
epidemic::EpidemicParams epidemic_params(const PopulationSpec& spec, const BuildInfo& info);

}  // namespace simulacra
