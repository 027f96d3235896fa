// Scenario files: a good file read field by field, defaults, overrides and
// sweeps.
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

TEST_CASE("a good scenario is read field by field", "[scenario]") {
  const Scenario s = load("good.yaml");
  CHECK(s.path == corpus("good.yaml"));
  CHECK(s.name == "town-outbreak");
  CHECK(s.description == "A small town.");
  CHECK(s.seed == 42);
  CHECK(s.duration == 90.0 * 86400.0);
  CHECK(s.time_unit == "d");
  CHECK(s.time_unit_seconds == 86400.0);
  CHECK(s.engine.threads == 2);
  CHECK(s.engine.partitions == 8);
  CHECK(s.engine.scheduler == SchedulerKind::sequential);
  CHECK(s.engine.lookahead == 3600.0);
  CHECK(s.outputs.hdf5);
  CHECK(s.outputs.csv);
  CHECK(s.outputs.tables == std::vector<std::string>{"town.infections"});
  CHECK(s.outputs.chunk_rows == 1024);
  CHECK(s.replicates == 4);

  REQUIRE(s.populations.size() == 2);
  const PopulationSpec& town = s.populations[0];
  CHECK(town.name == "town");
  CHECK(town.type == "test.sir");
  CHECK(town.path == "populations[0]");
  CHECK(town.at.text() == corpus("good.yaml") + ":13:5");
  CHECK(town.params.real("beta") == 0.3);
  CHECK(town.params.at("beta").at.text() == corpus("good.yaml") + ":16:13");
  CHECK(town.params.real("incubation_period") == 36.0 * 3600.0);
  CHECK(town.params.string("mode") == "exact");
  CHECK(town.params.reals("ages") == std::vector<double>{5.0, 35.5, 70.0});
  CHECK(town.params.integer("households") == 100);  // default
  CHECK_FALSE(town.params.boolean("seasonal"));

  // Timeline actions by time; equal times keep the file's order.
  REQUIRE(town.timeline.size() == 3);
  CHECK(town.timeline[0].at == 10.0 * 86400.0);
  CHECK(town.timeline[0].params.real("reduction") == 0.1);
  CHECK(town.timeline[1].at == 30.0 * 86400.0);
  CHECK(town.timeline[1].action == "lockdown");
  CHECK(town.timeline[1].params.real("reduction") == 0.4);
  CHECK(town.timeline[2].at == 30.0 * 86400.0);
  CHECK(town.timeline[2].params.real("reduction") == 0.2);

  const PopulationSpec& city = s.populations[1];
  CHECK(city.name == "city");
  CHECK(city.params.real("beta") == 0.1);
  CHECK(city.timeline.empty());

  REQUIRE(s.sweep.size() == 2);
  CHECK(s.sweep[0].path == "populations.town.params.beta");
  CHECK(s.sweep[0].values == std::vector<std::string>{"0.1", "0.2"});
  CHECK(s.sweep[0].at.text() == corpus("good.yaml") + ":42:3");
  CHECK(s.sweep[1].path == "seed");
  CHECK(s.sweep[1].values == std::vector<std::string>{"1", "2", "3"});
}

TEST_CASE("absent settings take their defaults", "[scenario]") {
  const Scenario s = load("minimal.yaml");
  CHECK(s.description.empty());
  CHECK(s.seed == 1);
  CHECK(s.duration == 3600.0);
  CHECK(s.time_unit == "s");
  CHECK(s.time_unit_seconds == 1.0);
  CHECK(s.engine.threads == 1);
  CHECK(s.engine.partitions == 0);
  CHECK(s.engine.scheduler == SchedulerKind::parallel);
  CHECK(s.engine.lookahead == 0.0);
  CHECK(s.outputs.hdf5);
  CHECK_FALSE(s.outputs.csv);
  CHECK(s.outputs.tables.empty());
  CHECK(s.outputs.chunk_rows == 16384);
  CHECK(s.replicates == 1);
  CHECK(s.sweep.empty());

  const ParamValues& p = s.populations.at(0).params;
  CHECK(p.real("beta") == 0.5);
  CHECK(p.real("incubation_period") == 5.0 * 86400.0);
  CHECK(p.integer("households") == 100);
  CHECK(p.string("mode") == "fast");
  CHECK(p.reals("ages").empty());
  CHECK_FALSE(p.boolean("seasonal"));
  CHECK(p.string("label") == "unnamed");
  // A default was not written anywhere: its position is the file alone.
  CHECK(p.at("households").at.text() == corpus("minimal.yaml"));
  CHECK(p.at("households").at.line == 0);
}

TEST_CASE("threads: 0 means all cores", "[scenario]") {
  const Scenario s = load("minimal.yaml", sets({"engine.threads=0"}));
  CHECK(s.engine.threads == std::max(1u, std::thread::hardware_concurrency()));
}

TEST_CASE("the population's check hook sees node parameters with their positions", "[scenario]") {
  CHECK(error_of("check_hook.yaml") ==
        "check_hook.yaml:7:14: populations[0].params.speed: faster than max_speed\n"
        "check_hook.yaml:12:22: populations[0].params.route.legs[1].length: expected a positive length");
  // Once an override changes the node, the hook gets the changed copy.
  const Scenario s = load("check_hook.yaml", {parse_override("populations[0].params.max_speed=30km/h"),
                                              parse_override("populations[0].params.route.legs[1].length=2km")});
  const YAML::Node legs = s.populations[0].params.node("route")["legs"];
  REQUIRE(legs.size() == 2);
  CHECK(legs[1]["length"].as<std::string>() == "2km");
  CHECK(s.populations[0].params.real("max_speed") == Approx(30.0 / 3.6));
}

TEST_CASE("overrides by index and by name, in order", "[scenario][override]") {
  const Scenario s = load("good.yaml", sets({"populations[0].params.beta=0.7", "populations.city.params.beta=0.05",
                                             "seed=7", "duration=30d", "populations[0].params.beta=0.8"}));
  CHECK(s.populations[0].params.real("beta") == 0.8);  // the later one wins
  CHECK(s.populations[1].params.real("beta") == 0.05);
  CHECK(s.seed == 7);
  CHECK(s.duration == 30.0 * 86400.0);
  CHECK(s.populations[0].params.at("beta").at.text() == "--set populations[0].params.beta=0.8");
  CHECK(s.populations[0].params.at("beta").at.line == 0);
}

TEST_CASE("overrides create keys left at their defaults", "[scenario][override]") {
  const Scenario s =
      load("minimal.yaml", sets({"populations.only.params.households=12", "engine.scheduler=sequential",
                                 "outputs.formats=[csv]", "populations[0].params.ages=[1, 2]", "description=a b c"}));
  const ParamValues& p = s.populations[0].params;
  CHECK(p.integer("households") == 12);
  CHECK(p.reals("ages") == std::vector<double>{1.0, 2.0});
  CHECK(s.engine.scheduler == SchedulerKind::sequential);
  CHECK(s.outputs.csv);
  CHECK_FALSE(s.outputs.hdf5);
  CHECK(s.description == "a b c");
}

TEST_CASE("effective_yaml is the scenario after overrides", "[scenario][override]") {
  const Scenario s =
      load("minimal.yaml", sets({"populations.only.params.households=12", "seed=9", "populations[0].params.beta=0.25",
                                 "description=\"yes\""}));
  CHECK(s.effective_yaml ==
        "name: minimal\n"
        "duration: 1h\n"
        "populations:\n"
        "  - name: only\n"
        "    type: test.sir\n"
        "    params:\n"
        "      beta: 0.25\n"
        "      households: 12\n"
        "seed: 9\n"
        "description: \"yes\"\n");
  // It reads back as the same scenario.
  const Scenario again = parse_scenario(s.effective_yaml, "effective.yaml", {}, registry());
  CHECK(again.seed == 9);
  CHECK(again.description == "yes");
  CHECK(again.populations[0].params.integer("households") == 12);
  CHECK(again.populations[0].params.real("beta") == 0.25);

  const Scenario good = load("good.yaml");
  const Scenario good_again = parse_scenario(good.effective_yaml, "effective.yaml", {}, registry());
  CHECK(good_again.populations[0].timeline.size() == 3);
  CHECK(good_again.effective_yaml == good.effective_yaml);
}

TEST_CASE("an override of an aliased value changes that use only", "[scenario][override]") {
  const Scenario s = load("aliases.yaml", sets({"populations.city.params.beta=0.5"}));
  CHECK(s.populations[0].params.real("beta") == 0.25);
  CHECK(s.populations[1].params.real("beta") == 0.5);
  CHECK(s.populations[1].params.integer("households") == 40);
}

TEST_CASE("overrides that cannot apply name the --set", "[scenario][override]") {
  CHECK(error_of("minimal.yaml", {"populations[3].params.beta=0.7"}) ==
        "--set populations[3].params.beta=0.7: index 3 is out of range: populations has 1 entry");
  CHECK(error_of("good.yaml", {"populations.twon.params.beta=0.7"}) ==
        "--set populations.twon.params.beta=0.7: populations has no entry named 'twon' (did you mean 'town'?)");
  CHECK(error_of("minimal.yaml", {"seed.x=1"}) ==
        "--set seed.x=1: seed: expected a non-negative integer, got a mapping");
  CHECK(error_of("good.yaml", {"seed.x=1"}) == "--set seed.x=1: seed is a scalar, not a mapping, so it has no key 'x'");
  CHECK(error_of("minimal.yaml", {"name[0]=x"}) ==
        "--set name[0]=x: name is a scalar, not a sequence, so [0] does not apply");
  CHECK(error_of("minimal.yaml", {"outputs.tables[0]=x.y"}) ==
        "--set outputs.tables[0]=x.y: index 0 is out of range: outputs.tables is not set");
  CHECK(error_of("minimal.yaml", {"engine..threads=1"}) == "--set engine..threads=1: malformed path 'engine..threads': empty key");
  CHECK(error_of("minimal.yaml", {"engine.threads[=1"}) ==
        "--set engine.threads[=1: malformed path 'engine.threads[': '[' without ']'");
  CHECK(error_of("minimal.yaml", {"populations[x]=1"}) ==
        "--set populations[x]=1: malformed path 'populations[x]': expected an index such as [0], got [x]");
  CHECK(error_of("minimal.yaml", {"duration=[1"}) ==
        "--set duration=[1: not valid YAML: end of sequence flow not found");
}

TEST_CASE("problems in overridden values name the --set, in the order given", "[scenario][override]") {
  CHECK(error_of("minimal.yaml", {"populations[0].params.beta=1.3", "engine.treads=2", "duration=30",
                                  "populations.only.params.mode=fsat"}) ==
        "--set populations[0].params.beta=1.3: populations[0].params.beta = 1.3: expected a number in [0, 1]\n"
        "--set engine.treads=2: engine: unknown key 'treads' (did you mean 'threads'?)\n"
        "--set duration=30: duration: '30' has no unit; a duration needs one of ms, s, min, h, d, w\n"
        "--set populations.only.params.mode=fsat: populations[0].params.mode = fsat: expected one of fast, exact "
        "(did you mean 'fast'?)");
  // File problems come first, in file order.
  CHECK(error_of("minimal.yaml", {"description="}) ==
        "--set description=: description: expected a string, got an empty value");
  CHECK(error_of("minimal.yaml", {"populations[0].params.beta=25%"}) ==
        "--set populations[0].params.beta=25%: populations[0].params.beta = 25%: expected a number in [0, 1] (write "
        "0.25; percentages are for fractions)");
  CHECK(error_of("negative_duration.yaml", {"seed=-1"}) ==
        "negative_duration.yaml:2:11: duration = -5d: expected a positive duration\n"
        "--set seed=-1: seed = -1: expected a non-negative integer");
}

TEST_CASE("parse_override splits at the first '='", "[scenario][override]") {
  const Override o = parse_override("populations[0].params.label=a=b");
  CHECK(o.path == "populations[0].params.label");
  CHECK(o.value == "a=b");
  CHECK(parse_override("description=").value.empty());
  CHECK_THROWS_WITH(parse_override("seed"), "--set seed: expected path=value, such as --set seed=7");
  CHECK_THROWS_WITH(parse_override("=7"), "--set =7: expected a key path before '=', such as --set seed=7");
  CHECK_THROWS_AS(parse_override("seed"), ScenarioError);
}

TEST_CASE("a sweep point is the scenario with one more override", "[scenario][sweep]") {
  const std::string text = read_text(corpus("good.yaml"));
  const Scenario s = parse_scenario(text, "good.yaml", {}, registry());
  for (const SweepAxis& axis : s.sweep) {
    for (const std::string& value : axis.values) {
      // What the runner does for each point.
      const Scenario point = parse_scenario(text, "good.yaml", {Override{axis.path, value}}, registry());
      if (axis.path == "seed") {
        CHECK(std::to_string(point.seed) == value);
      } else {
        CHECK(point.populations[0].params.real("beta") == std::stod(value));
        CHECK(point.effective_yaml.find("      beta: " + value + "\n") != std::string::npos);
      }
    }
  }
}

TEST_CASE("sweep values keep their YAML type", "[scenario][sweep]") {
  const Scenario s = parse_scenario(
      "name: s\nduration: 1h\npopulations:\n  - {name: a, type: test.sir, params: {beta: 0.1}}\n"
      "sweep:\n  populations.a.params.label: [\"true\", plain, '5']\n  populations[0].params.seasonal: [true, false]\n",
      "s.yaml", {}, registry());
  REQUIRE(s.sweep.size() == 2);
  CHECK(s.sweep[0].values == std::vector<std::string>{"\"true\"", "plain", "\"5\""});
  CHECK(s.sweep[1].values == std::vector<std::string>{"true", "false"});
}

TEST_CASE("each sweep value must give a valid scenario", "[scenario][sweep]") {
  CHECK(error_of("bad_sweep.yaml") ==
        "bad_sweep.yaml:8:39: sweep.populations.town.params.beta[1] = 1.5: expected a number in [0, 1]\n"
        "bad_sweep.yaml:9:3: sweep.populations.twn.params.beta: populations has no entry named 'twn' (did you mean "
        "'town'?)\n"
        "bad_sweep.yaml:10:19: sweep.engine.threads: expected a non-empty list of values, got an empty sequence\n"
        "bad_sweep.yaml:13:9: timeline[0].at = 15d: expected a time within the run, in [0, 864000] s (with duration "
        "= 10d from the sweep)");
  CHECK(error_of_text("name: s\nduration: 1h\npopulations: [{name: a, type: test.sir, params: {beta: 0.1}}]\n"
                      "sweep:\n  sweep.seed: [1]\n  seed: [[1]]\n  '[': [1]\n") ==
        "text.yaml:5:3: sweep: a sweep cannot change the sweep itself ('sweep.seed')\n"
        "text.yaml:6:10: sweep.seed[0]: expected a scalar value, got a sequence\n"
        "text.yaml:7:3: sweep: malformed path '[': '[' without ']'");
}
