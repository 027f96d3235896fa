// The one place where every population type joins the registry (explicit
// registration: nothing depends on static initialisers a linker may drop).
#pragma once

#include "simulacra/engine/registry.hpp"

namespace simulacra {

/// Registers every built-in population type: the engine's PHOLD and each domain.
void register_all(Registry& registry);

}  // namespace simulacra
