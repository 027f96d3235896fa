// The engine's `attributes` block, without any domain or learned model: a
// made-up population type checks its block through the scenario reader
// (positions from the file and from --set), and a fake loader stands in for
// model files (paths, error wording, required columns, numbers).
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "simulacra/engine/attribute_block.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/scenario.hpp"

using namespace simulacra;
namespace fs = std::filesystem;

namespace {

AttributeBlockSpec spec_of(std::vector<std::string> required) {
  return AttributeBlockSpec{"shop", {"price", "basket", "visits"}, std::move(required), {"mood"},
                            "[price, basket]", "{town: north}"};
}

// A type "test.shop" whose `attributes` block requires price or basket and
// has its own key `mood` (which must be "calm": a rule of the population).
Registry shop_registry() {
  Registry registry;
  PopulationType t;
  t.name = "test.shop";
  t.doc = "shoppers, for tests";
  t.params = {{"attributes", ParamType::node, Dimension::none, "null", {}, {}, {}, "shoppers from a model"}};
  t.check = [](const PopulationSpec& spec, const std::string& path, Issues& issues) {
    const ParamValues::Value& v = spec.params.at("attributes");
    const std::string at = path + ".params.attributes";
    if (!check_attribute_block(v, at, spec_of({"price", "basket"}), issues)) return;
    if (const YAML::Node mood = v.node["mood"]; mood && (!mood.IsScalar() || mood.Scalar() != "calm")) {
      issues.add(attribute_block_position(mood, v, issues), at + ".mood",
                 "expected calm" + did_you_mean(mood.IsScalar() ? mood.Scalar() : "", {"calm"}));
    }
  };
  registry.add(std::move(t));
  return registry;
}

struct TempFile {
  fs::path path = fs::temp_directory_path() / ("simulacra-attr-block-" + std::to_string(::getpid()) + ".yaml");
  ~TempFile() { fs::remove(path); }
};

std::vector<std::string> issues_of(const std::string& attributes, const std::vector<Override>& overrides = {}) {
  static const TempFile file;
  std::ofstream(file.path) << "name: shop\nseed: 1\nduration: 1h\npopulations:\n  - name: shop\n    type: test.shop\n"
                              "    params:\n      attributes: "
                           << attributes << "\n";
  try {
    load_scenario(file.path.string(), overrides, shop_registry());
  } catch (const ScenarioError& e) {
    std::vector<std::string> out;
    for (const auto& i : e.issues()) out.push_back(i.text());
    return out;
  }
  return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Rows of fixed values: columns as named, every value from `cells`.
class FakeSampler final : public AttributeSampler {
 public:
  FakeSampler(std::vector<Column> columns, std::vector<std::vector<std::string>> cells) : cells_(std::move(cells)) {
    schema_.name = "fake";
    schema_.columns = std::move(columns);
  }
  const TableSchema& schema() const override { return schema_; }
  TableChunk sample(std::size_t n, RandomStream&) const override {
    TableChunk rows(schema_);
    for (std::size_t r = 0; r < n; ++r) {
      const auto& row = cells_[r % cells_.size()];
      for (std::size_t c = 0; c < schema_.columns.size(); ++c) {
        switch (schema_.columns[c].type) {
          case ColumnType::int64: rows.append(c, static_cast<std::int64_t>(std::stoll(row[c]))); break;
          case ColumnType::float64: rows.append(c, std::stod(row[c])); break;
          case ColumnType::string: rows.append(c, std::string_view(row[c])); break;
          case ColumnType::boolean: rows.append(c, row[c] == "1"); break;
        }
      }
      rows.end_row();
    }
    return rows;
  }
  TableChunk sample_where(std::size_t n, const std::vector<std::pair<std::string, std::string>>&,
                          RandomStream& rng) const override {
    return sample(n, rng);
  }

 private:
  TableSchema schema_;
  std::vector<std::vector<std::string>> cells_;
};

ParamValues::Value block(const std::string& yaml) {
  ParamValues::Value v;
  v.node = YAML::Load(yaml);
  v.at = SourcePos{"shop.yaml", 3, 7};
  return v;
}

}  // namespace

TEST_CASE("attribute blocks: every problem with its position and a likely intended key", "[engine][attributes]") {
  auto one = [](const std::string& attributes, const std::string& part) {
    const auto issues = issues_of(attributes);
    INFO(attributes);
    REQUIRE(issues.size() == 1);
    INFO(issues.front());
    CHECK(contains(issues.front(), part));
  };
  one("{model: m.h5, colums: [price]}",
      ":8:33: populations[0].params.attributes.colums: unknown key 'colums' (did you mean 'columns'?); "
      "keys: model, columns, mood, where");
  // The scenario reader's distance: a swap of neighbours is one edit.
  one("{model: m.h5, wehre: {}}", "attributes.wehre: unknown key 'wehre' (did you mean 'where'?)");
  one("{columns: [price]}", ":8:19: populations[0].params.attributes: missing required key 'model'");
  one("{model: [a, b]}", "attributes.model: expected a file name");
  one("{model: m.h5, columns: price}", ":8:42: populations[0].params.attributes.columns: expected a list of "
                                       "column names, e.g. [price, basket]");
  one("{model: m.h5, columns: [prise, basket]}",
      "attributes.columns[0]: unknown column 'prise' (did you mean 'price'?); the shop population uses: price, "
      "basket, visits");
  one("{model: m.h5, columns: [price, price]}", "attributes.columns[1]: column 'price' is named twice");
  one("{model: m.h5, columns: [visits]}", "attributes.columns: must include price or basket");
  one("{model: m.h5, columns: [[price], basket]}", "attributes.columns[0]: expected a column name");
  one("{model: m.h5, where: [town]}", "attributes.where: expected a mapping of column to value, e.g. {town: north}");
  one("{model: m.h5, where: {town: [a, b]}}", "attributes.where.town: expected one value");
  one("m.h5", ":8:19: populations[0].params.attributes: expected a mapping {model: FILE, columns: [price, "
              "basket, visits]}");
  // The population's own key, checked by the population at its own position.
  one("{model: m.h5, mood: clam}", ":8:39: populations[0].params.attributes.mood: expected calm (did you mean 'calm'?)");
  CHECK(issues_of("{model: m.h5, colums: [price], wher: {}, mood: sad}").size() == 3);
  CHECK(issues_of("{model: m.h5, columns: [basket, visits], where: {town: north}, mood: calm}").empty());
  CHECK(issues_of("null").empty());
}

TEST_CASE("attribute blocks given with --set are reported at the --set", "[engine][attributes]") {
  const auto issues = issues_of("null", {parse_override("populations[0].params.attributes={model: m.h5, colums: [x]}")});
  REQUIRE(issues.size() == 1);
  INFO(issues.front());
  CHECK(contains(issues.front(), "--set populations[0].params.attributes"));
  CHECK(contains(issues.front(), "attributes.colums: unknown key 'colums' (did you mean 'columns'?)"));
}

TEST_CASE("attribute blocks: model paths, loader errors and required columns", "[engine][attributes]") {
  const AttributeBlockSpec spec = spec_of({"price", "basket"});
  const std::string path = "populations[0].params.attributes";
  std::vector<std::string> asked_columns;
  std::string asked_file;
  BuildInfo info;
  info.scenario_dir = "/data/scenarios";
  info.attribute_loader = [&](const std::string& file, const std::vector<std::string>& columns) {
    asked_file = file;
    asked_columns = columns;
    if (file.find("missing") != std::string::npos) throw UserError(file + ": no such model file");
    if (file.find("odd") != std::string::npos) throw DataError("unknown column 'town'");
    std::vector<Column> cols;
    if (file.find("wrong") != std::string::npos) {
      cols = {{"age", ColumnType::int64, "", ""}, {"income", ColumnType::float64, "", ""}};
    } else {
      cols = {{"price", ColumnType::float64, "", ""}};
    }
    return std::make_unique<FakeSampler>(cols, std::vector<std::vector<std::string>>{{"1"}});
  };

  SECTION("relative to the scenario's folder, absolute as given, columns and where passed on") {
    AttributeModel m = open_attribute_block(block("{model: models/shop.h5, columns: [price, visits], "
                                                  "where: {town: north, day: 3}}"),
                                            path, spec, info);
    CHECK(asked_file == "/data/scenarios/models/shop.h5");
    CHECK(m.file == asked_file);
    CHECK(asked_columns == std::vector<std::string>{"price", "visits"});
    REQUIRE(m.where.size() == 2);
    CHECK(m.where[0] == std::pair<std::string, std::string>{"town", "north"});
    CHECK(m.where[1] == std::pair<std::string, std::string>{"day", "3"});
    REQUIRE(m.sampler);
    CHECK(m.sampler->schema().columns.at(0).name == "price");
    open_attribute_block(block("{model: /abs/shop.h5}"), path, spec, info);
    CHECK(asked_file == "/abs/shop.h5");
    CHECK(asked_columns.empty());
    info.scenario_dir.clear();
    open_attribute_block(block("{model: shop.h5}"), path, spec, info);
    CHECK(asked_file == "./shop.h5");
  }
  SECTION("no block: no model, no loader call") {
    const AttributeModel m = open_attribute_block(block("~"), path, spec, info);
    CHECK(!m.sampler);
    CHECK(asked_file.empty());
  }
  auto error = [&](const std::string& yaml, const BuildInfo& with) {
    try {
      open_attribute_block(block(yaml), path, spec, with);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  SECTION("errors start with the key path and name the file") {
    CHECK(error("{model: missing.h5}", info) ==
          path + ": /data/scenarios/missing.h5: no such model file");
    CHECK(error("{model: odd.h5}", info) == path + ": /data/scenarios/odd.h5: unknown column 'town'");
    CHECK(error("{model: wrong.h5}", info) ==
          path + ": /data/scenarios/wrong.h5: the model has neither 'price' nor 'basket' (columns: age, income)");
    BuildInfo bare;
    bare.scenario_dir = "/data/scenarios";
    CHECK(error("{model: shop.h5}", bare) ==
          path + ": cannot read model file /data/scenarios/shop.h5: this program was built without learned models "
                 "(no attribute loader)");
  }
  SECTION("the wording of a missing required column follows how many there are") {
    const auto with = [&](std::vector<std::string> required) {
      try {
        open_attribute_block(block("{model: wrong.h5}"), path, spec_of(std::move(required)), info);
      } catch (const UserError& e) {
        return std::string(e.what());
      }
      return std::string("no error");
    };
    CHECK(contains(with({"price"}), "the model has no column 'price' (columns: age, income)"));
    CHECK(contains(with({"a", "b", "c"}), "the model has none of 'a', 'b', 'c' (columns: age, income)"));
    CHECK(with({}) == "no error");
    CHECK(with({"income", "price"}) == "no error");
  }
}

TEST_CASE("attribute blocks: sampled columns as numbers", "[engine][attributes]") {
  FakeSampler s({{"n", ColumnType::int64, "", ""},
                 {"x", ColumnType::float64, "", ""},
                 {"zone", ColumnType::string, "", ""},
                 {"flag", ColumnType::boolean, "", ""}},
                {{"3", "0.5", "17", "1"}, {"-2", "1e3", "4.25", "0"}});
  RandomStream rng(1, 0);
  const TableChunk rows = s.sample(2, rng);
  CHECK(has_column(s.schema(), "zone"));
  CHECK(!has_column(s.schema(), "zones"));
  CHECK(attribute_numbers(rows, s.schema(), "n", "f.h5") == std::vector<double>{3.0, -2.0});
  CHECK(attribute_numbers(rows, s.schema(), "x", "f.h5") == std::vector<double>{0.5, 1000.0});
  CHECK(attribute_numbers(rows, s.schema(), "zone", "f.h5") == std::vector<double>{17.0, 4.25});
  CHECK(attribute_numbers(rows, s.schema(), "flag", "f.h5") == std::vector<double>{1.0, 0.0});
  FakeSampler bad({{"zone", ColumnType::string, "", ""}}, {{"12"}, {"north"}});
  const TableChunk bad_rows = bad.sample(2, rng);
  CHECK_THROWS_WITH(attribute_numbers(bad_rows, bad.schema(), "zone", "f.h5"),
                    "f.h5: column 'zone' must hold numbers, found 'north'");
  FakeSampler inf({{"x", ColumnType::float64, "", ""}}, {{"inf"}});
  CHECK_THROWS_AS(attribute_numbers(inf.sample(1, rng), inf.schema(), "x", "f.h5"), DataError);
}
