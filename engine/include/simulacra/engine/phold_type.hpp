// PHOLD as a scenario population type ("phold"), so engine benchmarks and
// dataset plumbing can be driven from scenario files like any domain.
#pragma once

#include "simulacra/engine/registry.hpp"

namespace simulacra {

void register_phold(Registry& registry);

}  // namespace simulacra
