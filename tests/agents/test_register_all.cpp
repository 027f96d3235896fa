// Declare once: for every registered population type, a population block that
// sets no parameter binds to exactly the default-constructed parameter struct
// (each declared default reads back as the struct field's value), and the
// README's parameter tables show the registry's defaults.
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "simulacra/agents/register_all.hpp"
#include "simulacra/engine/scenario.hpp"

using namespace simulacra;

namespace {

std::string join(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

}  // namespace

TEST_CASE("every type's declared defaults are its parameter struct's defaults", "[registry][params][declare-once]") {
  Registry registry;
  register_all(registry);
  REQUIRE(registry.names().size() >= 5);
  for (const std::string& name : registry.names()) {
    INFO("population type " << name);
    const PopulationType& type = *registry.find(name);
    // Declared through a ParamTable: the spec list and the binding come from one place.
    REQUIRE(type.default_drift);
    for (const ParamSpec& spec : type.params) {
      INFO(spec.key);
      CHECK(!spec.default_yaml.empty());  // population parameters all have defaults
      CHECK(!spec.doc.empty());
    }
    // Read as a scenario reads it: every default parsed against its declaration.
    const std::string text = "name: defaults\nduration: 1h\npopulations:\n  - name: p\n    type: " + name + "\n";
    const Scenario sc = parse_scenario(text, "defaults.yaml", {}, registry);
    REQUIRE(sc.populations.size() == 1);
    const std::vector<std::string> drift = type.default_drift(sc.populations[0].params);
    INFO("keys whose default does not bind to the struct's: " << join(drift));
    CHECK(drift.empty());
  }
}

TEST_CASE("the READMEs' parameter tables show the registry's defaults", "[registry][params][docs]") {
  Registry registry;
  register_all(registry);
  for (const std::string& name : {std::string("epidemic"), std::string("market")}) {
    INFO(name);
    std::ifstream in(std::string(SIMULACRA_AGENTS_DIR) + "/" + name + "/README.md");
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    for (const ParamSpec& spec : registry.find(name)->params) {
      INFO(spec.key);
      // A row: | `key` | type | `default` | ...
      const std::string head = "| `" + spec.key + "` | ";
      const std::size_t row = text.str().find(head);
      REQUIRE(row != std::string::npos);
      const std::size_t cell = text.str().find(" | `", row + head.size());
      REQUIRE(cell != std::string::npos);
      const std::size_t end = text.str().find("` |", cell + 4);
      CHECK(text.str().substr(cell + 4, end - cell - 4) == spec.default_yaml);
    }
  }
}
