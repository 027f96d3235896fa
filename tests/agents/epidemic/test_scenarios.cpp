// Every scenario under scenarios/epidemic loads through the registry and
// runs at test scale; the town scenario's trace hash (interventions off) does
// not depend on the thread count, and its interventions lower the epidemic.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "simulacra/agents/epidemic/epidemic.hpp"
#include "simulacra/agents/epidemic/register.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"

using namespace simulacra;

namespace {

const std::string kDir = EPIDEMIC_SCENARIOS;

struct Result {
  std::uint64_t hash = 0;
  std::uint64_t infected = 0;
};

Result run(const std::string& file, std::vector<Override> overrides, unsigned threads) {
  Registry reg;
  register_epidemic(reg);
  const Scenario sc = load_scenario(kDir + "/" + file, overrides, reg);
  Simulation sim = build_simulation(sc, reg, sc.seed, threads);
  sim.run_until(SimTime{sc.duration});
  sim.finish();
  const auto& pop = dynamic_cast<const epidemic::EpidemicPopulation&>(sim.population(0));
  return {sim.trace_hash(), pop.ever_infected()};
}

std::vector<Override> small(const std::string& persons, const std::string& days) {
  return {{"populations[0].params.persons", persons}, {"populations[0].params.blocks", "4"}, {"duration", days}};
}

}  // namespace

TEST_CASE("every epidemic scenario loads and runs at small scale", "[epidemic][scenario]") {
  // Durations cover each file's timeline (actions past the end are errors).
  const std::pair<const char*, const char*> files[] = {
      {"town.yaml", "80d"}, {"city.yaml", "130d"}, {"validation_mass_action.yaml", "40d"}, {"validation_regular4.yaml", "40d"}};
  for (const auto& [f, days] : files) {
    INFO(f);
    const Result r = run(f, small("4000", days), 2);
    CHECK(r.infected > 0);
  }
}

TEST_CASE("town scenario: thread-independent trace hash without interventions and closure and vaccination help",
          "[epidemic][scenario][determinism]") {
  // No timeline (the scenario's actions are dropped) and no testing.
  std::vector<Override> off = small("10000", "90d");
  off.push_back({"timeline", "[]"});
  off.push_back({"populations[0].params.test_probability", "0"});
  off.push_back({"populations[0].params.household_quarantine", "false"});
  const Result one = run("town.yaml", off, 1);
  CHECK(run("town.yaml", off, 2).hash == one.hash);
  CHECK(run("town.yaml", off, 4).hash == one.hash);

  std::vector<Override> on = small("10000", "90d");
  on.push_back({"populations[0].params.test_probability", "0"});
  on.push_back({"populations[0].params.household_quarantine", "false"});
  const Result with = run("town.yaml", on, 2);
  INFO("without " << one.infected << " with " << with.infected);
  CHECK(with.infected < one.infected);
}
