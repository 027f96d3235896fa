// The population registry: lookups, describe(), positions and issue lines,
// and declaration mistakes.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/scenario.hpp"
#include "scenario_fixture.hpp"

using namespace simulacra;
using namespace scenario_test;

TEST_CASE("the registry", "[registry]") {
  const Registry& r = registry();
  CHECK(r.names() == std::vector<std::string>{"test.sir", "test.walkers"});
  REQUIRE(r.find("test.sir") != nullptr);
  CHECK(r.find("test.sir")->params.size() == 7);
  CHECK(r.find("nope") == nullptr);
  Registry copy = test_registry();
  PopulationType again;
  again.name = "test.sir";
  CHECK_THROWS_AS(copy.add(again), std::logic_error);
}

TEST_CASE("describe lists every type, parameter and action", "[registry]") {
  const std::string text = describe(registry());
  CHECK(text.rfind("test.sir\n  A compartmental epidemic, for tests.\n  parameters:\n", 0) == 0);
  CHECK(text.find("    beta: number in [0, 1], required\n        infection probability per contact\n") !=
        std::string::npos);
  CHECK(text.find("    incubation_period: duration (ms, s, min, h, d, w) >= 0 s, default 5d\n") != std::string::npos);
  CHECK(text.find("    mode: choice of fast|exact, default fast\n") != std::string::npos);
  CHECK(text.find("    ages: list of numbers in [0, 120], default []\n") != std::string::npos);
  CHECK(text.find("  timeline actions:\n    lockdown: cuts contacts\n"
                  "      reduction: fraction (0.25 or 25%) in [0, 1], required\n") != std::string::npos);
  CHECK(text.find("\ntest.walkers\n") != std::string::npos);
  CHECK(text.find("    max_speed: speed (m/s, km/h, mph) >= 0 m/s, default 50km/h\n") != std::string::npos);
  CHECK(text.find("    route: YAML value, default {legs: []}\n") != std::string::npos);
}

TEST_CASE("positions and issue lines", "[registry]") {
  SourcePos at{"town.yaml", 7, 27};
  CHECK(at.text() == "town.yaml:7:27");
  CHECK(SourcePos{"--set seed=1", 0, 0}.text() == "--set seed=1");
  CHECK(Issue{at, "populations[0].params.beta", "= 1.3: expected a number in [0, 1]"}.text() ==
        "town.yaml:7:27: populations[0].params.beta = 1.3: expected a number in [0, 1]");
  CHECK(Issue{at, "engine", "unknown key 'treads'"}.text() == "town.yaml:7:27: engine: unknown key 'treads'");
  CHECK(Issue{at, "", "not valid YAML: x"}.text() == "town.yaml:7:27: not valid YAML: x");

  Issues issues("town.yaml");
  const YAML::Node doc = YAML::Load("a: 1\nb:\n  c: 2\n");
  issues.add(doc["b"]["c"], "b.c", "too big");  // yaml-cpp's marks are 0-based
  issues.add(YAML::Node(5), "n", "no position");
  const YAML::Node& cdoc = doc;
  issues.add(cdoc["missing"], "missing", "invalid node");
  REQUIRE(issues.list().size() == 3);
  CHECK(issues.list()[0].text() == "town.yaml:3:6: b.c: too big");
  CHECK(issues.list()[1].text() == "town.yaml: n: no position");
  CHECK(issues.list()[2].text() == "town.yaml: missing: invalid node");
  CHECK(issues.file() == "town.yaml");
}

TEST_CASE("parameter getters name a key that was never declared", "[registry]") {
  const Scenario s = load("minimal.yaml");
  CHECK_THROWS_AS(s.populations[0].params.real("gamma"), std::out_of_range);
  CHECK_THROWS_WITH(s.populations[0].params.at("gamma"), Catch::Contains("'gamma'"));
  CHECK(s.populations[0].params.has("beta"));
  CHECK_FALSE(s.populations[0].params.has("gamma"));
}

TEST_CASE("a registered default that breaks its own declaration is a programmer error", "[registry]") {
  Registry r;
  PopulationType t;
  t.name = "bad.default";
  t.params = {{"n", ParamType::integer, Dimension::none, "0", 1.0, {}, {}, ""}};
  r.add(t);
  CHECK_THROWS_AS(parse_scenario("name: x\nduration: 1s\npopulations: [{name: a, type: bad.default}]\n", "x.yaml", {}, r),
                  std::logic_error);
}
