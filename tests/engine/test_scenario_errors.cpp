// Broken scenario files: the exact message and position for every file in
// scenario_corpus/, and the limits on nesting, aliases, size and encoding.
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

TEST_CASE("broken files: exact messages", "[scenario][corpus]") {
  struct Case {
    const char* file;
    const char* message;
  };
  const Case cases[] = {
      {"wrong_types.yaml",
       "wrong_types.yaml:2:7: seed = forty-two: expected a non-negative integer\n"
       "wrong_types.yaml:5:12: engine.threads: expected an integer in [0, 1024], got a sequence\n"
       "wrong_types.yaml:6:14: engine.scheduler = fastest: expected one of sequential, parallel\n"
       "wrong_types.yaml:11:13: populations[0].params.beta = \"0.3\": expected a number in [0, 1], got a string\n"
       "wrong_types.yaml:12:19: populations[0].params.households = 2.5: expected an integer >= 1\n"
       "wrong_types.yaml:13:13: populations[0].params.mode: expected one of fast, exact, got a mapping\n"
       "wrong_types.yaml:14:17: populations[0].params.ages[1] = two: expected a number in [0, 120]\n"
       "wrong_types.yaml:15:17: populations[0].params.seasonal = yes: expected true or false\n"
       "wrong_types.yaml:16:13: replicates = 0: expected an integer in [1, 100000]"},
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
      {"absurd_sizes.yaml",
       "absurd_sizes.yaml:1:7: name = ../escape: starts with '.'; the name becomes file names under the output folder, "
       "so it must not hold '/', '\\', control characters or start with '.' (such as town-outbreak)\n"
       "absurd_sizes.yaml:2:11: duration = 99999999999999999999999999999999d: expected a duration <= 1000000000000 s\n"
       "absurd_sizes.yaml:3:19: engine.threads = 4294967295: expected an integer in [0, 1024]\n"
       "absurd_sizes.yaml:3:43: engine.partitions = 4294967295: expected an integer in [0, 65536]\n"
       "absurd_sizes.yaml:8:13: replicates = 1000000000: expected an integer in [1, 100000]"},
      {"big_sweep.yaml",
       "big_sweep.yaml:8:1: sweep: expands to 1.05e+05 runs (sweep points x replicates), more than the limit of "
       "100000; split it over several scenario files"},
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
       "several_problems.yaml:5:12: engine.threads = -1: expected an integer in [0, 1024]\n"
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
