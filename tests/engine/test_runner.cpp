#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/engine/phold_type.hpp"
#include "simulacra/engine/random.hpp"
#include "simulacra/engine/runner.hpp"

using namespace simulacra;

namespace {

Registry phold_registry() {
  Registry r;
  register_phold(r);
  return r;
}

const char* kScenario = R"(name: demo
seed: 42
duration: 20s
engine: {threads: 1}
populations:
  - name: ph
    type: phold
    params: {lps: 64, record: true}
replicates: 3
sweep:
  populations.ph.params.remote: [0.1, 0.5]
  populations.ph.params.start_events: [1, 2, 3]
)";

}  // namespace

TEST_CASE("runs are sweep points times replicates, with derived seeds and labels", "[engine][runner]") {
  const Registry reg = phold_registry();
  const Scenario s = parse_scenario(kScenario, "demo.yaml", {}, reg);
  const auto plans = plan_runs(s);
  REQUIRE(plans.size() == 2 * 3 * 3);
  // Last axis fastest; replicates innermost.
  CHECK(plans[0].label == "demo_p000_r00");
  CHECK(plans[1].label == "demo_p000_r01");
  CHECK(plans[3].label == "demo_p001_r00");
  CHECK(plans[3].point_overrides[0].value == "0.1");
  CHECK(plans[3].point_overrides[1].value == "2");
  CHECK(plans[9].point_overrides[0].value == "0.5");
  CHECK(plans[9].point_overrides[1].value == "1");
  std::set<std::uint64_t> seeds;
  for (const auto& p : plans) {
    CHECK(p.seed == derive_seed(42, p.replicate));
    seeds.insert(p.seed);
  }
  CHECK(seeds.size() == 3);  // common random numbers across sweep points
}

TEST_CASE("a sweep point's scenario carries its values", "[engine][runner]") {
  const Registry reg = phold_registry();
  const Scenario s = parse_scenario(kScenario, "demo.yaml", {}, reg);
  const auto plans = plan_runs(s);
  const Scenario p = scenario_for(s, {}, plans[10], reg);
  CHECK(p.populations[0].params.real("remote") == 0.5);
  CHECK(p.populations[0].params.integer("start_events") == 1);
  CHECK(p.effective_yaml.find("0.5") != std::string::npos);
}

TEST_CASE("a single run is labelled by the scenario name and uses the derived seed", "[engine][runner]") {
  const Registry reg = phold_registry();
  const Scenario s = parse_scenario("name: one\nduration: 5s\npopulations: [{name: a, type: phold}]\n", "one.yaml",
                                    {}, reg);
  const auto plans = plan_runs(s);
  REQUIRE(plans.size() == 1);
  CHECK(plans[0].label == "one");
  CHECK(plans[0].seed == derive_seed(1, 0));
}

TEST_CASE("the lookahead comes from the populations unless the scenario sets it", "[engine][runner]") {
  const Registry reg = phold_registry();
  const Scenario s = parse_scenario(kScenario, "demo.yaml", {}, reg);
  Simulation sim = build_simulation(s, reg, 1, 2);
  CHECK(sim.config().lookahead.value == Approx(0.1));
  CHECK(sim.config().threads == 2);
  const Scenario t = parse_scenario(kScenario, "demo.yaml", {{"engine.lookahead", "50ms"}}, reg);
  CHECK(build_simulation(t, reg, 1, 1).config().lookahead.value == Approx(0.05));
  CHECK(table_names(s, sim) == std::vector<std::string>{"ph.events", "ph.lps"});
}

TEST_CASE("selecting a table nobody emits is a scenario error", "[engine][runner]") {
  const Registry reg = phold_registry();
  const Scenario s = parse_scenario(kScenario, "demo.yaml", {{"outputs.tables", "[ph.events, ph.evnts]"}}, reg);
  Simulation sim = build_simulation(s, reg, 1, 1);
  REQUIRE_THROWS_WITH(check_output_tables(s, table_names(s, sim)),
                      Catch::Matchers::Contains("no population emits table 'ph.evnts'"));
}
