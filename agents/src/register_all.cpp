#include "simulacra/agents/register_all.hpp"

#include "simulacra/agents/epidemic/register.hpp"
#include "simulacra/agents/market/market.hpp"
#include "simulacra/agents/traffic/register.hpp"
#include "simulacra/engine/birth_death.hpp"
#include "simulacra/engine/phold_type.hpp"

namespace simulacra {

void register_all(Registry& registry) {
  register_phold(registry);
  register_birth_death(registry);
  register_epidemic(registry);
  register_market(registry);
  register_traffic(registry);
}

}  // namespace simulacra
