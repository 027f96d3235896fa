// Persons from a model file: a Gaussian copula fitted to a generated table of
// persons (age, household_size) drives the town's ages and household sizes;
// runs stay identical across thread counts; bad `attributes` blocks are
// reported with their position, bad files with their name.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "simulacra/agents/epidemic/epidemic.hpp"
#include "simulacra/agents/epidemic/register.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"
#include "support/scenario_probe.hpp"
#include "simulacra/learned/copula.hpp"
#include "simulacra/learned/model_attributes.hpp"

using namespace simulacra;
namespace fs = std::filesystem;

namespace {

// A young town: households of 1-5; singles are adults of 20-89, larger
// households have one or two adults of 22-59 and children of 0-17.
struct PersonTable {
  std::string csv = "age,household_size\n";
  std::vector<double> ages;
  std::map<int, double> share_by_size;  ///< fraction of persons living in households of each size
};

PersonTable generate_persons(std::size_t households) {
  RandomStream rng(99, 0);
  PersonTable t;
  const double w[] = {0.20, 0.25, 0.20, 0.25, 0.10};
  std::map<int, std::size_t> count;
  for (std::size_t h = 0; h < households; ++h) {
    double u = rng.uniform();
    int size = 1;
    while (size < 5 && u >= w[size - 1]) u -= w[size++ - 1];
    const int adults = size == 1 ? 1 : 1 + static_cast<int>(rng.below(2));
    for (int k = 0; k < size; ++k) {
      const int age = size == 1   ? 20 + static_cast<int>(rng.below(70))
                      : k < adults ? 22 + static_cast<int>(rng.below(38))
                                   : static_cast<int>(rng.below(18));
      t.csv += std::to_string(age) + "," + std::to_string(size) + "\n";
      t.ages.push_back(age);
      ++count[size];
    }
  }
  for (const auto& [s, c] : count) t.share_by_size[s] = static_cast<double>(c) / static_cast<double>(t.ages.size());
  return t;
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

double mean(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}


// One model file for the whole test program.
const PersonTable& persons() {
  static const PersonTable t = generate_persons(3000);
  return t;
}
const testing::ScratchDir& dir() {
  static const testing::ScratchDir d("simulacra-epi-attr");
  static const bool fitted = [] {
    learned::GaussianCopula::fit(learned::parse_csv(persons().csv, "persons.csv"))
        ->save((d.path / "models" / "persons.h5").string());
    return true;
  }();
  (void)fitted;
  return d;
}

Registry registry(bool with_loader = true) {
  Registry reg;
  register_epidemic(reg);
  if (with_loader) reg.set_attribute_loader(learned::model_attribute_loader());
  return reg;
}

std::string scenario(const std::string& attributes, int persons = 20000) {
  return "name: attrs\nseed: 7\nduration: 20d\npopulations:\n  - name: town\n    type: epidemic\n    params:\n"
         "      persons: " + std::to_string(persons) + "\n      blocks: 4\n      initial_infected: 20\n"
         "      attributes: " + attributes + "\n";
}

// Writes the scenario next to the model folder, so relative paths resolve.
Scenario load(const std::string& text, const Registry& reg) {
  return testing::load_text_as(dir().path / "town.yaml", text, reg);
}

const epidemic::EpidemicPopulation& town_of(const Simulation& sim) {
  return dynamic_cast<const epidemic::EpidemicPopulation&>(sim.population(0));
}

std::vector<std::string> issues_of(const std::string& attributes) {
  return testing::issues_of(dir().path / "town.yaml", scenario(attributes), registry());
}

std::string build_error(const std::string& attributes, bool with_loader = true) {
  return testing::build_error(dir().path / "town.yaml", scenario(attributes), registry(with_loader));
}

using testing::contains;

}  // namespace

TEST_CASE("epidemic: ages and household sizes follow the person model", "[epidemic][attributes]") {
  const Registry reg = registry();
  const Scenario sc = load(scenario("{model: models/persons.h5, columns: [age, household_size]}"), reg);
  Simulation sim = build_simulation(sc, reg, sc.seed, 1);
  const epidemic::Town& t = town_of(sim).town();
  REQUIRE(t.persons == 20000);
  std::vector<double> ages(t.age.begin(), t.age.end());

  const PersonTable& data = persons();
  INFO("town mean age " << mean(ages) << ", data " << mean(data.ages));
  CHECK(std::abs(mean(ages) - mean(data.ages)) < 1.0);
  for (double q : {0.1, 0.25, 0.5, 0.75, 0.9}) {
    INFO("quantile " << q);
    CHECK(std::abs(quantile(ages, q) - quantile(data.ages, q)) <= 2.0);
  }
  // The parametric town (age_weights) would be much older: the check can fail.
  CHECK(mean(ages) < 32.0);

  // Household sizes: the share of persons living in households of each size.
  std::map<int, double> share;
  for (std::size_t h = 0; h + 1 < t.household_start.size(); ++h) {
    const std::uint32_t first = t.household_start[h];
    const auto size = static_cast<int>(t.household_start[h + 1] - first);
    share[size] += size;
  }
  for (const auto& [size, expected] : data.share_by_size) {
    INFO("household size " << size);
    CHECK(std::abs(share[size] / t.persons - expected) < 0.02);
  }
  // Heads are adults while a size's adults last: per size, households with
  // an adult first = min(households, adults) (up to the one smaller
  // remainder household each size leaves).
  std::map<int, std::size_t> count, adults;
  std::map<int, double> age_sum;
  for (std::size_t h = 0; h + 1 < t.household_start.size(); ++h) {
    const auto size = static_cast<int>(t.household_start[h + 1] - t.household_start[h]);
    ++count[size];
    for (std::uint32_t i = t.household_start[h]; i < t.household_start[h + 1]; ++i) {
      adults[size] += t.age[i] >= 18;
      age_sum[size] += t.age[i];
    }
  }
  std::map<int, std::size_t> headed;
  for (std::size_t h = 0; h + 1 < t.household_start.size(); ++h) {
    headed[static_cast<int>(t.household_start[h + 1] - t.household_start[h])] += t.age[t.household_start[h]] >= 18;
  }
  for (const auto& [size, n] : count) {
    INFO("households of " << size << ": " << n << ", adults " << adults[size] << ", adult heads " << headed[size]);
    CHECK(std::abs(static_cast<double>(headed[size]) - static_cast<double>(std::min(n, adults[size]))) <= 5.0);
  }
  // Persons keep their own household_size: the mean age by household size is
  // the model's (from a fresh sample of the same model).
  const auto sampler = learned::model_attribute_loader()((dir().path / "models" / "persons.h5").string(),
                                                         {"age", "household_size"});
  RandomStream rng(3, 0);
  const TableChunk rows = sampler->sample(200000, rng);
  const auto& age = std::get<std::vector<std::int64_t>>(rows.column(0));
  const auto& size = std::get<std::vector<std::int64_t>>(rows.column(1));
  std::map<int, double> model_sum, model_n;
  for (std::size_t r = 0; r < rows.rows(); ++r) {
    model_sum[static_cast<int>(size[r])] += static_cast<double>(age[r]);
    ++model_n[static_cast<int>(size[r])];
  }
  for (int s = 1; s <= 5; ++s) {
    const double town_mean = age_sum[s] / (static_cast<double>(count[s]) * s);
    const double model_mean = model_sum[s] / model_n[s];
    INFO("size " << s << ": town " << town_mean << ", model " << model_mean);
    CHECK(std::abs(town_mean - model_mean) < 1.5);
  }
}

TEST_CASE("epidemic: household sizes from the weights when the model has only age", "[epidemic][attributes]") {
  const Registry reg = registry();
  const Scenario sc = load(scenario("{model: models/persons.h5, columns: [age]}"), reg);
  Simulation sim = build_simulation(sc, reg, sc.seed, 1);
  const epidemic::Town& t = town_of(sim).town();
  std::vector<double> ages(t.age.begin(), t.age.end());
  CHECK(std::abs(mean(ages) - mean(persons().ages)) < 1.0);
  // Default household_size_weights: 29% of households are single.
  std::size_t singles = 0;
  for (std::size_t h = 0; h + 1 < t.household_start.size(); ++h) singles += t.household_start[h + 1] - t.household_start[h] == 1;
  CHECK(std::abs(static_cast<double>(singles) / static_cast<double>(t.household_start.size() - 1) - 0.29) < 0.02);
}

TEST_CASE("epidemic: a town from a model is the same for any thread count and depends on the seed",
          "[epidemic][attributes][determinism]") {
  const Registry reg = registry();
  const Scenario sc = load(scenario("{model: models/persons.h5}", 10000), reg);
  std::uint64_t hash[2] = {0, 0};
  std::vector<std::uint8_t> ages[2];
  for (unsigned threads : {1u, 2u}) {
    Simulation sim = build_simulation(sc, reg, sc.seed, threads);
    sim.run_until(SimTime{sc.duration});
    sim.finish();
    hash[threads - 1] = sim.trace_hash();
    ages[threads - 1] = town_of(sim).town().age;
    CHECK(town_of(sim).ever_infected() > 20);
  }
  CHECK(hash[0] == hash[1]);
  CHECK(ages[0] == ages[1]);
  Simulation other = build_simulation(sc, reg, sc.seed + 1, 1);
  CHECK(town_of(other).town().age != ages[0]);
}

TEST_CASE("epidemic: attributes blocks are checked with positions", "[epidemic][attributes][validation]") {
  auto one = [](const std::string& attributes, const std::string& part) {
    const auto issues = issues_of(attributes);
    INFO(attributes);
    REQUIRE(issues.size() == 1);
    INFO(issues.front());
    CHECK(contains(issues.front(), part));
  };
  one("{model: models/persons.h5, colums: [age]}",
      "town.yaml:11:46: populations[0].params.attributes.colums: unknown key 'colums' (did you mean 'columns'?)");
  one("{columns: [age]}", "town.yaml:11:19: populations[0].params.attributes: missing required key 'model'");
  one("{model: models/persons.h5, columns: age}",
      "town.yaml:11:55: populations[0].params.attributes.columns: expected a list of column names");
  one("{model: m.h5, columns: [age, housold_size]}",
      "populations[0].params.attributes.columns[1]: unknown column 'housold_size' (did you mean 'household_size'?)");
  one("{model: m.h5, columns: [household_size]}", "populations[0].params.attributes.columns: must include age");
  one("{model: m.h5, where: [region]}", "populations[0].params.attributes.where: expected a mapping");
  one("models/persons.h5", "populations[0].params.attributes: expected a mapping {model: FILE");
  CHECK(issues_of("{model: m.h5, colums: [age], wher: {}}").size() == 2);  // every problem, not just the first
  CHECK(issues_of("{model: models/persons.h5, columns: [age, household_size], where: {household_size: 2}}").empty());
}

TEST_CASE("epidemic: unreadable models and unknown columns are build errors naming the file",
          "[epidemic][attributes][validation]") {
  const std::string model = (dir().path / "models" / "persons.h5").string();
  std::string e = build_error("{model: models/nothing.h5}");
  CHECK(contains(e, "populations[0].params.attributes: "));
  CHECK(contains(e, "models/nothing.h5: no such model file"));
  e = build_error("{model: models/persons.h5, where: {region: north}}");
  CHECK(contains(e, model + ": unknown column 'region'"));
  e = build_error("{model: " + model + "}", false);  // absolute path; no loader in this program
  CHECK(contains(e, "cannot read model file " + model + ": this program was built without learned models"));
  // A model without an age column.
  const fs::path other = dir().path / "models" / "sizes.h5";
  learned::GaussianCopula::fit(learned::parse_csv("household_size,income\n1,10\n2,20\n3,30\n2,25\n", "sizes.csv"))
      ->save(other.string());
  e = build_error("{model: models/sizes.h5}");
  CHECK(contains(e, other.string() + ": the model has no column 'age' (columns: household_size, income)"));
}

TEST_CASE("epidemic: a million persons from a model in seconds", "[epidemic][attributes][.bench]") {
  const Registry reg = registry();
  const Scenario sc = load(scenario("{model: models/persons.h5, columns: [age, household_size]}", 1000000), reg);
  const epidemic::PersonModel m =
      epidemic_params(sc.populations[0], BuildInfo{sc.seed, sc.duration, dir().path.string(), reg.attribute_loader()})
          .person_model;
  RandomStream rng(1, 0);
  const auto t0 = std::chrono::steady_clock::now();
  const TableChunk rows = m.sampler->sample(1000000, rng);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("sampled " << rows.rows() << " persons in " << s << " s");
  CHECK(s < 10.0);
  // The whole town (households, schools, workplaces, graphs) with and without the model.
  epidemic::EpidemicParams p;
  p.persons = 1000000;
  p.blocks = 64;
  double town_s[2] = {0, 0};
  for (int with_model = 0; with_model < 2; ++with_model) {
    if (with_model == 1) p.person_model = m;
    const auto t1 = std::chrono::steady_clock::now();
    const auto town = epidemic::build_town(p);
    town_s[with_model] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    CHECK(town->persons == 1000000);
  }
  WARN("town of 1,000,000: " << town_s[0] << " s parametric, " << town_s[1] << " s with persons from the model");
  CHECK(town_s[1] < town_s[0] + 10.0);
}
