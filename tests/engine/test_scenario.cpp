// Scenario files: a good file read field by field, defaults, overrides,
// sweeps, and the exact messages for the broken files in scenario_corpus/.
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

using namespace simulacra;

namespace {

const std::string kCorpus = SIMULACRA_TEST_DATA;

// A registry of two made-up types: the reader knows no domain, so a test needs
// none. Building is not tested here, so `make` returns nothing.
Registry test_registry() {
  Registry registry;
  PopulationType sir;
  sir.name = "test.sir";
  sir.doc = "A compartmental epidemic, for tests.";
  sir.params = {
      {"beta", ParamType::real, Dimension::none, "", 0.0, 1.0, {}, "infection probability per contact"},
      {"incubation_period", ParamType::quantity, Dimension::time, "5d", 0.0, {}, {}, "infection to infectious"},
      {"households", ParamType::integer, Dimension::none, "100", 1.0, {}, {}, "number of households"},
      {"mode", ParamType::choice, Dimension::none, "fast", {}, {}, {"fast", "exact"}, "solver"},
      {"ages", ParamType::real_list, Dimension::none, "[]", 0.0, 120.0, {}, "ages of the first cases"},
      {"seasonal", ParamType::boolean, Dimension::none, "false", {}, {}, {}, "seasonal forcing"},
      {"label", ParamType::string, Dimension::none, "unnamed", {}, {}, {}, "free text"},
  };
  sir.actions = {
      {"lockdown",
       "cuts contacts",
       {{"reduction", ParamType::quantity, Dimension::fraction, "", 0.0, 1.0, {}, "share of contacts removed"}}},
      {"reopen", "restores contacts", {}},
  };
  sir.make = [](const PopulationSpec&, const BuildInfo&) -> std::unique_ptr<Population> { return nullptr; };
  registry.add(sir);

  PopulationType walkers;
  walkers.name = "test.walkers";
  walkers.doc = "Pedestrians on a route, for tests.";
  walkers.params = {
      {"speed", ParamType::quantity, Dimension::speed, "", 0.0, {}, {}, "walking speed"},
      {"max_speed", ParamType::quantity, Dimension::speed, "50km/h", 0.0, {}, {}, "speed limit"},
      {"route", ParamType::node, Dimension::none, "{legs: []}", {}, {}, {}, "legs of the route"},
  };
  // Checks across parameters, and inside a `node` parameter by its positions.
  walkers.check = [](const PopulationSpec& spec, const std::string& path, Issues& issues) {
    if (spec.params.real("speed") > spec.params.real("max_speed")) {
      issues.add(spec.params.at("speed").at, path + ".params.speed", "faster than max_speed");
    }
    const YAML::Node& route = spec.params.node("route");
    const YAML::Node legs = route.IsMap() ? route["legs"] : YAML::Node();
    if (!legs.IsDefined() || !legs.IsSequence()) {
      issues.add(route, path + ".params.route", "expected a mapping with a sequence of legs");
      return;
    }
    for (std::size_t i = 0; i < legs.size(); ++i) {
      const YAML::Node length = legs[i].IsMap() ? legs[i]["length"] : YAML::Node();
      const auto metres = length.IsDefined() && length.IsScalar() ? parse_quantity(length.Scalar(), Dimension::length, nullptr) : std::nullopt;
      if (!metres || *metres <= 0) {
        issues.add(length.IsDefined() ? length : legs[i], path + ".params.route.legs[" + std::to_string(i) + "].length",
                   "expected a positive length");
      }
    }
  };
  walkers.make = sir.make;
  registry.add(walkers);
  return registry;
}

const Registry& registry() {
  static const Registry r = test_registry();
  return r;
}

std::string corpus(const std::string& name) { return kCorpus + "/" + name; }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Scenario load(const std::string& name, const std::vector<Override>& overrides = {}) {
  return load_scenario(corpus(name), overrides, registry());
}

std::vector<Override> sets(const std::vector<std::string>& texts) {
  std::vector<Override> out;
  for (const auto& t : texts) out.push_back(parse_override(t));
  return out;
}

// The message for a corpus file, with the corpus directory cut from paths so
// expectations read as the file names they are about.
std::string error_of(const std::string& name, const std::vector<std::string>& overrides = {}) {
  try {
    load(name, sets(overrides));
  } catch (const ScenarioError& e) {
    std::string what = e.what();
    const std::string dir = kCorpus + "/";
    for (std::size_t at = what.find(dir); at != std::string::npos; at = what.find(dir, at)) what.erase(at, dir.size());
    return what;
  }
  return "(no error)";
}

std::string error_of_text(const std::string& text, const std::string& display = "text.yaml",
                          const std::vector<std::string>& overrides = {}) {
  try {
    parse_scenario(text, display, sets(overrides), registry());
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

// A scratch file under the system's temporary directory, removed afterwards.
struct TempFile {
  explicit TempFile(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             ("simulacra_test_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) +
              "_" + name)) {}
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  std::filesystem::path path;
};

}  // namespace

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
  CHECK(s.outputs.chunk_rows == 65536);
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

TEST_CASE("broken files: exact messages", "[scenario][corpus]") {
  struct Case {
    const char* file;
    const char* message;
  };
  const Case cases[] = {
      {"wrong_types.yaml",
       "wrong_types.yaml:2:7: seed = forty-two: expected a non-negative integer\n"
       "wrong_types.yaml:5:12: engine.threads: expected an integer in [0, 4294967295], got a sequence\n"
       "wrong_types.yaml:6:14: engine.scheduler = fastest: expected one of sequential, parallel\n"
       "wrong_types.yaml:11:13: populations[0].params.beta = \"0.3\": expected a number in [0, 1], got a string\n"
       "wrong_types.yaml:12:19: populations[0].params.households = 2.5: expected an integer >= 1\n"
       "wrong_types.yaml:13:13: populations[0].params.mode: expected one of fast, exact, got a mapping\n"
       "wrong_types.yaml:14:17: populations[0].params.ages[1] = two: expected a number in [0, 120]\n"
       "wrong_types.yaml:15:17: populations[0].params.seasonal = yes: expected true or false\n"
       "wrong_types.yaml:16:13: replicates = 0: expected an integer in [1, 4294967295]"},
      {"unknown_key.yaml",
       "unknown_key.yaml:8:7: populations[0].params: unknown key 'incubaton_period' (did you mean "
       "'incubation_period'?)\n"
       "unknown_key.yaml:9:7: populations[0].params: unknown key 'colour'; expected one of beta, incubation_period, "
       "households, mode, ages, seasonal, label"},
      {"missing_unit.yaml",
       "missing_unit.yaml:2:11: duration: '90' has no unit; a duration needs one of ms, s, min, h, d, w\n"
       "missing_unit.yaml:8:26: populations[0].params.incubation_period: '5' has no unit; a duration needs one of "
       "ms, s, min, h, d, w"},
      {"unknown_unit.yaml",
       "unknown_unit.yaml:2:11: duration: '90 days' has an unknown unit 'days'; a duration needs one of ms, s, min, "
       "h, d, w\n"
       "unknown_unit.yaml:8:26: populations[0].params.incubation_period: '5km' has unit 'km', which is a length; a "
       "duration needs one of ms, s, min, h, d, w"},
      {"negative_duration.yaml", "negative_duration.yaml:2:11: duration = -5d: expected a positive duration"},
      {"unknown_type.yaml",
       "unknown_type.yaml:5:11: populations[0].type: unknown population type 'test.sri' (did you mean "
       "'test.sir'?); known types: test.sir, test.walkers\n"
       "unknown_type.yaml:8:11: populations[1].type: unknown population type 'market.zi'; known types: test.sir, "
       "test.walkers"},
      {"duplicate_keys.yaml",
       "duplicate_keys.yaml:10:7: populations[0].params: duplicate key 'beta' (first at line 8)\n"
       "duplicate_keys.yaml:11:1: duplicate key 'seed' (first at line 3)"},
      {"empty.yaml", "empty.yaml: the file is empty; a scenario needs at least name, duration and populations"},
      {"comments_only.yaml",
       "comments_only.yaml: the file is empty; a scenario needs at least name, duration and populations"},
      {"not_yaml.yaml", "not_yaml.yaml:1:38: not valid YAML: illegal flow end"},
      {"top_not_mapping.yaml",
       "top_not_mapping.yaml:1:1: expected a mapping of scenario keys (name, duration, populations, ...) at the top "
       "level, got a sequence"},
      {"several_problems.yaml",
       "several_problems.yaml:3:1: unknown key 'sedd' (did you mean 'seed'?)\n"
       "several_problems.yaml:5:12: engine.threads = -1: expected an integer in [0, 4294967295]\n"
       "several_problems.yaml:10:13: populations[0].params.beta = 1.3: expected a number in [0, 1]\n"
       "several_problems.yaml:11:19: populations[0].params.households = 0: expected an integer >= 1\n"
       "several_problems.yaml:12:11: populations[1].name = town: already the name of populations[0] (line 7)\n"
       "several_problems.yaml:13:11: populations[1].type: unknown population type 'test.sri' (did you mean "
       "'test.sir'?); known types: test.sir, test.walkers\n"
       "several_problems.yaml:16:17: timeline[0].population: unknown population 'twon' (did you mean 'town'?); "
       "populations: town\n"
       "several_problems.yaml:19:19: outputs.formats[1] = xlsx: expected one of hdf5, csv"},
      {"unknown_action.yaml",
       "unknown_action.yaml:7:5: populations[1].params: missing required key 'speed' (a speed >= 0 m/s)\n"
       "unknown_action.yaml:12:13: timeline[0].action: unknown action 'lockdwn' for population type test.sir (did "
       "you mean 'lockdown'?); actions: lockdown, reopen\n"
       "unknown_action.yaml:16:13: timeline[1].action: unknown action 'lockdown': population type test.walkers has "
       "no timeline actions"},
      {"timeline_beyond_duration.yaml",
       "timeline_beyond_duration.yaml:8:9: timeline[0].at = 31d: expected a time within the run, in [0, 2592000] s\n"
       "timeline_beyond_duration.yaml:12:9: timeline[1].at = -1h: expected a time within the run, in [0, 2592000] "
       "s\n"
       "timeline_beyond_duration.yaml:15:25: timeline[1].params.reduction = 150%: expected a fraction in [0, 1]"},
      {"missing_param.yaml",
       "missing_param.yaml:7:7: populations[0].params: missing required key 'beta' (a number in [0, 1])\n"
       "missing_param.yaml:8:5: populations[1].params: missing required key 'beta' (a number in [0, 1])\n"
       "missing_param.yaml:11:5: timeline[0].params: missing required key 'reduction' (a fraction in [0, 1])"},
      {"missing_required.yaml",
       "missing_required.yaml:1:1: missing required key 'name' (a string)\n"
       "missing_required.yaml:1:1: missing required key 'duration' (a duration such as 90d)\n"
       "missing_required.yaml:1:1: missing required key 'populations' (a non-empty sequence of populations)"},
      {"bad_names.yaml",
       "bad_names.yaml:4:11: populations[0].name = 2town: expected a name of letters, digits and _ that does not "
       "start with a digit\n"
       "bad_names.yaml:10:5: populations[2]: missing required key 'name' (a name such as town)\n"
       "bad_names.yaml:12:11: populations[3].name = town: already the name of populations[1] (line 7)"},
      {"alias_cycle.yaml", "alias_cycle.yaml:4:5: alias *p refers to a node that contains it"},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    CHECK(error_of(c.file) == c.message);
  }
}

TEST_CASE("every issue is listed with its position", "[scenario][corpus]") {
  try {
    load("several_problems.yaml");
    FAIL("no error");
  } catch (const ScenarioError& e) {
    REQUIRE(e.issues().size() == 8);
    const Issue& beta = e.issues()[2];
    CHECK(beta.at.file == corpus("several_problems.yaml"));
    CHECK(beta.at.line == 10);
    CHECK(beta.at.column == 13);
    CHECK(beta.path == "populations[0].params.beta");
    CHECK(beta.message == "= 1.3: expected a number in [0, 1]");
    CHECK(dynamic_cast<const UserError*>(&e) != nullptr);
  }
}

TEST_CASE("deeply nested input is refused without deep recursion", "[scenario][limits]") {
  CHECK(error_of_text(std::string(100000, '[') + std::string(100000, ']')) ==
        "text.yaml:1:65: nested deeper than 64 levels");
  // Unclosed, each '[' may still open a single-pair mapping too ([[a]: b]), so
  // yaml-cpp reports two levels per bracket.
  CHECK(error_of_text(std::string(100000, '[')) == "text.yaml:1:33: nested deeper than 64 levels");
  std::string blocks;
  for (int i = 0; i < 100; ++i) blocks += std::string(static_cast<std::size_t>(2 * i), ' ') + "a:\n";
  CHECK(error_of_text(blocks) == "text.yaml:65:129: nested deeper than 64 levels");
  std::string dashes;
  for (int i = 0; i < 100000; ++i) dashes += "- ";
  CHECK(error_of_text(dashes + "x\n") == "text.yaml:1:129: nested deeper than 64 levels");
  // 64 levels are fine as far as nesting goes.
  CHECK(error_of_text("name: n\nduration: 1s\npopulations: [{name: a, type: test.sir, params: {beta: 0.1}}]\n"
                      "description: " + std::string(63, '[') + std::string(63, ']') + "\n") ==
        "text.yaml:4:14: description: expected a string, got a sequence");
}

TEST_CASE("aliases cannot multiply the input without bound", "[scenario][limits]") {
  std::string text = "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
  for (int i = 1; i < 9; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) text += (j ? ", " : "") + prev;
    text += "]\n";
  }
  CHECK(error_of_text(text).rfind("text.yaml:", 0) == 0);
  CHECK(error_of_text(text).find(": more than 1000000 values (counting every use of an alias); a scenario is a small "
                                 "file, data belongs in files it names") != std::string::npos);
}

TEST_CASE("huge input is refused before parsing", "[scenario][limits]") {
  const std::string huge = "description: \"" + std::string(17u << 20, 'x') + "\"\n";
  CHECK(error_of_text(huge, "huge.yaml") ==
        "huge.yaml: the scenario is larger than 16 MiB; a scenario is a small text file (data belongs in files it "
        "names)");
  TempFile file("huge.yaml");
  {
    std::ofstream out(file.path, std::ios::binary);
    out << huge;
  }
  CHECK_THROWS_WITH(load_scenario(file.path.string(), {}, registry()),
                    file.path.string() +
                        ": the file is larger than 16 MiB; a scenario is a small text file (data belongs in files it "
                        "names)");
}

TEST_CASE("binary input and second documents", "[scenario][limits]") {
  CHECK(error_of_text(std::string("name: x\nduration: 1\0s\n", 22)) == "text.yaml:2:12: a NUL byte: this is not a text file");
  CHECK(error_of_text("name: a\n---\nname: b\n") ==
        "text.yaml:2:1: a scenario is one YAML document, but a second one starts here");
  CHECK(error_of_text("just words") ==
        "text.yaml:1:1: expected a mapping of scenario keys (name, duration, populations, ...) at the top level, got a "
        "scalar");
  CHECK(error_of_text("~") ==
        "text.yaml:1:1: expected a mapping of scenario keys (name, duration, populations, ...) at the top level, got "
        "an empty value");
}

TEST_CASE("a file that cannot be read says why", "[scenario]") {
  const std::string missing = corpus("no_such_file.yaml");
  CHECK_THROWS_WITH(load_scenario(missing, {}, registry()), missing + ": cannot read the file: No such file or directory");
  CHECK_THROWS_WITH(load_scenario(kCorpus, {}, registry()), kCorpus + ": cannot read the file: Is a directory");
}

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
