// Every scenario under scenarios/market/ loads through the registry and runs
// at the scale of its "# test-overrides:" line, producing trades and bars.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "market_run.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"

using namespace market_test;

namespace {

std::vector<Override> test_overrides(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<Override> out;
  while (std::getline(in, line)) {
    if (line.rfind("# test-overrides:", 0) != 0) continue;
    std::istringstream words(line.substr(17));
    std::string w;
    while (words >> w) {
      if (w != "--set") out.push_back(parse_override(w));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("market scenarios load and run at test scale", "[market][scenarios]") {
  Registry registry;
  register_market(registry);
  for (const char* file : {"reference_day.yaml", "flash_crash.yaml", "spoofing_day.yaml", "multi_symbol.yaml",
                           "manipulation_day.yaml"}) {
    const std::string path = std::string(MARKET_SCENARIOS) + "/" + file;
    INFO(path);
    const Scenario s = load_scenario(path, test_overrides(path), registry);
    Simulation sim = build_simulation(s, registry, s.seed, 2);
    Collect out(sim.tables());
    sim.set_row_consumer(&out);
    sim.run_until(SimTime{s.duration});
    sim.finish();
    CHECK(out.all[MarketPopulation::kTrades].rows() > 100);
    CHECK(out.all[MarketPopulation::kBars].rows() >= 30);
  }
}
