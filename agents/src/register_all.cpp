#include "simulacra/agents/register_all.hpp"

#include "simulacra/engine/phold_type.hpp"

namespace simulacra {

void register_all(Registry& registry) {
  register_phold(registry);
}

}  // namespace simulacra
