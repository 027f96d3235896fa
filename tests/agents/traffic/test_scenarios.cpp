// Every scenario under scenarios/traffic/ loads through the registry, runs at
// its test scale (its "# test-overrides:" line) and gives the same trace hash
// with 1, 2 and 4 threads; and the registry declares every parameter the
// README documents.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "simulacra/agents/traffic/register.hpp"
#include "simulacra/agents/traffic/traffic.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"
#include "simulacra/learned/model_attributes.hpp"

using namespace simulacra;

namespace {

std::vector<Override> test_overrides(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<Override> out;
  while (std::getline(in, line)) {
    const std::string tag = "# test-overrides:";
    if (line.rfind(tag, 0) != 0) continue;
    std::istringstream words(line.substr(tag.size()));
    std::string w;
    while (words >> w) {
      if (w != "--set") out.push_back(parse_override(w));
    }
  }
  return out;
}

std::vector<std::string> scenario_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(SIMULACRA_TRAFFIC_SCENARIOS)) {
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("traffic scenarios run at test scale with the same trace hash on 1, 2 and 4 threads",
          "[traffic][scenario][determinism]") {
  Registry registry;
  register_traffic(registry);
  registry.set_attribute_loader(learned::model_attribute_loader());  // trips_from_model.yaml
  const auto files = scenario_files();
  REQUIRE(files.size() >= 4);
  for (const auto& file : files) {
    INFO(file);
    const Scenario sc = load_scenario(file, test_overrides(file), registry);
    std::uint64_t hash = 0;
    for (unsigned threads : {1u, 2u, 4u}) {
      Simulation sim = build_simulation(sc, registry, sc.seed, threads);
      sim.run_until(SimTime{sc.duration});
      const auto& pop = dynamic_cast<const traffic::TrafficPopulation&>(sim.population(0));
      CHECK(pop.vehicle_steps() > 1000);
      if (threads == 1) hash = sim.trace_hash();
      CHECK(sim.trace_hash() == hash);
      // Driver error is switched on only in the highway scenario.
      if (file.find("distracted") == std::string::npos) CHECK(pop.count(traffic::kCollisions) == 0);
    }
  }
}

TEST_CASE("the README documents every declared traffic parameter", "[traffic][docs]") {
  std::ifstream in(std::string(SIMULACRA_TRAFFIC_SCENARIOS) + "/../../agents/traffic/README.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& spec : traffic::traffic_param_specs()) {
    INFO(spec.key);
    CHECK(text.str().find("`" + spec.key + "`") != std::string::npos);
  }
}
