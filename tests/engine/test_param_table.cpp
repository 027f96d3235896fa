// ParamTable: one declaration per parameter gives the registry's spec (the
// default read from the struct), the binding, and the drift check.
#include <catch2/catch.hpp>

#include "simulacra/engine/param_table.hpp"
#include "simulacra/engine/scenario.hpp"

using namespace simulacra;

namespace {

enum class Shape : std::uint8_t { round, square, star };

struct Inner {
  double mean = 3 * 86400.0;
  Shape shape = Shape::square;
};

struct Params {
  std::uint32_t count = 100;
  double beta = 0.03;
  double share = 0.75;
  double close = 23400.0;
  double limit = 50.0 * (1000.0 / 3600.0);
  bool on = false;
  std::string mode = "fast";
  std::string file;
  std::vector<double> weights{0.5, 0.25};
  std::array<double, 3> bands{1, 2, 3};
  Inner a;
  Inner b{86400.0, Shape::star};
  std::vector<std::pair<int, int>> pairs;  // bound by hand
};

ParamTable<Params> table() {
  ParamTable<Params> t("test");
  t.param("count", &Params::count).range(1, 1e6).doc("how many");
  t.param("beta", &Params::beta).min(0).doc("hazard");
  t.param("share", &Params::share).dimension(Dimension::fraction).range(0, 1).doc("a fraction");
  t.param("close", &Params::close).dimension(Dimension::time).min(0).doc("closing time");
  t.param("limit", &Params::limit).dimension(Dimension::speed).min(0).doc("speed limit");
  t.param("on", &Params::on).doc("switch");
  t.param("mode", &Params::mode).choices({"fast", "exact"}).doc("solver");
  t.param("file", &Params::file).doc("a path");
  t.param("weights", &Params::weights).min(0).doc("weights");
  t.param("bands", &Params::bands).doc("three values");
  t.param("a_mean", &Params::a, &Inner::mean).dimension(Dimension::time).min(0).doc("nested");
  t.param("a_shape", &Params::a, &Inner::shape)
      .choices({{"round", Shape::round}, {"square", Shape::square}, {"star", Shape::star}})
      .doc("an enum");
  t.unbound("model", ParamType::node, "null").doc("read by hand");
  t.custom(
       "pairs", ParamType::real_list,
       [](const ParamValues::Value& v, Params& p) {
         p.pairs.clear();
         for (std::size_t i = 0; i + 1 < v.list.size(); i += 2) {
           p.pairs.emplace_back(static_cast<int>(v.list[i]), static_cast<int>(v.list[i + 1]));
         }
       },
       [](const Params& p) {
         std::vector<double> flat;
         for (const auto& [x, y] : p.pairs) flat.insert(flat.end(), {double(x), double(y)});
         return param_text::list(flat.data(), flat.size());
       })
      .doc("pairs");
  return t;
}

const ParamSpec& find(const std::vector<ParamSpec>& specs, const std::string& key) {
  for (const ParamSpec& s : specs) {
    if (s.key == key) return s;
  }
  FAIL("no spec " << key);
  return specs.front();
}

Registry registry_of(const ParamTable<Params>& t) {
  Registry r;
  PopulationType type;
  type.name = "test";
  t.declare(type);
  type.make = [](const PopulationSpec&, const BuildInfo&) -> std::unique_ptr<Population> { return nullptr; };
  r.add(std::move(type));
  return r;
}

ParamValues defaults_of(const Registry& r, const std::string& type) {
  const std::string text = "name: t\nduration: 1s\npopulations:\n  - name: p\n    type: " + type + "\n";
  const Scenario sc = parse_scenario(text, "t.yaml", {}, r);
  return sc.populations.at(0).params;
}

}  // namespace

TEST_CASE("param_text writes values as a person would, and they read back exactly", "[registry][params]") {
  CHECK(param_text::number(15) == "15");
  CHECK(param_text::number(0.8) == "0.8");
  CHECK(param_text::number(1e-5) == "1e-5");
  CHECK(param_text::number(0.1 + 0.2) == "0.30000000000000004");
  CHECK(param_text::quantity(23400, Dimension::time) == "6.5h");
  CHECK(param_text::quantity(60, Dimension::time) == "1min");
  CHECK(param_text::quantity(0.5, Dimension::time) == "0.5s");
  CHECK(param_text::quantity(0.01, Dimension::time) == "10ms");
  CHECK(param_text::quantity(14 * 86400.0, Dimension::time) == "14d");
  CHECK(param_text::quantity(0, Dimension::time) == "0s");
  CHECK(param_text::quantity(200, Dimension::length) == "200m");
  CHECK(param_text::quantity(2000, Dimension::length) == "2km");
  CHECK(param_text::quantity(50.0 * (1000.0 / 3600.0), Dimension::speed) == "50km/h");
  CHECK(param_text::quantity(0.3, Dimension::fraction) == "30%");
  CHECK(param_text::quantity(0, Dimension::fraction) == "0");
  CHECK(param_text::string("") == "\"\"");
  CHECK(param_text::string("grid") == "grid");
  for (const double v : {1.0 / 3.0, 13.89, 1e-9, 123456.789, 0.1}) {
    for (const Dimension d : {Dimension::time, Dimension::length, Dimension::speed, Dimension::fraction}) {
      INFO(v << " " << to_string(d) << " " << param_text::quantity(v, d));
      CHECK(parse_quantity(param_text::quantity(v, d), d, nullptr) == v);
    }
  }
}

TEST_CASE("a parameter table declares each key once, with the struct's default", "[registry][params]") {
  const ParamTable<Params> t = table();
  const std::vector<ParamSpec> specs = t.specs();
  REQUIRE(specs.size() == 14);
  CHECK(specs[0].key == "count");  // declaration order
  CHECK(find(specs, "count").type == ParamType::integer);
  CHECK(find(specs, "count").default_yaml == "100");
  CHECK(find(specs, "count").min == 1.0);
  CHECK(find(specs, "beta").type == ParamType::real);
  CHECK(find(specs, "beta").default_yaml == "0.03");
  CHECK(find(specs, "share").type == ParamType::quantity);
  CHECK(find(specs, "share").default_yaml == "75%");
  CHECK(find(specs, "close").default_yaml == "6.5h");
  CHECK(find(specs, "limit").default_yaml == "50km/h");
  CHECK(find(specs, "on").default_yaml == "false");
  CHECK(find(specs, "mode").type == ParamType::choice);
  CHECK(find(specs, "mode").choices == std::vector<std::string>{"fast", "exact"});
  CHECK(find(specs, "file").default_yaml == "\"\"");
  CHECK(find(specs, "weights").default_yaml == "[0.5, 0.25]");
  CHECK(find(specs, "bands").default_yaml == "[1, 2, 3]");
  CHECK(find(specs, "a_mean").default_yaml == "3d");
  CHECK(find(specs, "a_shape").default_yaml == "square");
  CHECK(find(specs, "model").default_yaml == "null");
  CHECK(find(specs, "pairs").default_yaml == "[]");
  CHECK(find(specs, "beta").doc == "hazard");
}

TEST_CASE("a parameter table binds validated values to the struct", "[registry][params]") {
  const ParamTable<Params> t = table();
  const Registry r = registry_of(t);
  const Scenario sc = parse_scenario(
      "name: t\nduration: 1s\npopulations:\n  - name: p\n    type: test\n    params: {count: 7, share: 10%, close: 2h, "
      "limit: 36km/h, on: true, mode: exact, file: a.net.xml, weights: [1], bands: [4, 5, 6], a_mean: 12h, "
      "a_shape: star, pairs: [1, 2, 3, 4]}\n",
      "t.yaml", {}, r);
  const Params p = t.bind(sc.populations.at(0).params);
  CHECK(p.count == 7);
  CHECK(p.share == 0.1);
  CHECK(p.close == 7200.0);
  CHECK(p.limit == 10.0);
  CHECK(p.on);
  CHECK(p.mode == "exact");
  CHECK(p.file == "a.net.xml");
  CHECK(p.weights == std::vector<double>{1.0});
  CHECK(p.bands == std::array<double, 3>{4, 5, 6});
  CHECK(p.a.mean == 43200.0);
  CHECK(p.a.shape == Shape::star);
  CHECK(p.b.shape == Shape::star);  // no key: untouched
  CHECK(p.pairs == std::vector<std::pair<int, int>>{{1, 2}, {3, 4}});
  CHECK(p.beta == 0.03);  // not given: the default
  CHECK(t.drift(sc.populations.at(0).params).size() == 12);  // every key set away from its default
}

TEST_CASE("the drift check: every default reads back as the struct's own", "[registry][params]") {
  const ParamTable<Params> t = table();
  const Registry r = registry_of(t);
  const ParamValues v = defaults_of(r, "test");
  CHECK(t.drift(v).empty());
  CHECK(r.find("test")->default_drift(v).empty());

  // A key writing two fields whose defaults disagree is drift (and the
  // other key of the field it overwrites no longer reads back either).
  ParamTable<Params> two = table();
  two.param("b_mean", &Params::b, &Inner::mean).also(&Params::a, &Inner::mean).dimension(Dimension::time).doc("two");
  const Registry r2 = registry_of(two);
  CHECK(two.drift(defaults_of(r2, "test")) == std::vector<std::string>{"a_mean", "b_mean"});

  // A hand-written binder that writes what it was not given is drift too.
  ParamTable<Params> wrong("wrong");
  wrong.custom("beta", ParamType::real, [](const ParamValues::Value& x, Params& p) { p.beta = x.number * 2; },
               [](const Params& p) { return param_text::number(p.beta); });
  const Registry r3 = registry_of(wrong);
  CHECK(wrong.drift(defaults_of(r3, "test")) == std::vector<std::string>{"beta"});
}

TEST_CASE("a parameter table refuses a declaration it cannot honour", "[registry][params]") {
  ParamTable<Params> t("test");
  t.param("count", &Params::count);
  CHECK_THROWS_AS(t.param("count", &Params::count), std::logic_error);
  CHECK_THROWS_AS(t.param("on", &Params::on).dimension(Dimension::time), std::logic_error);
  ParamTable<Params> no_choices("test");
  no_choices.param("a_shape", &Params::a, &Inner::shape);  // an enum needs its names
  CHECK_THROWS_AS(no_choices.specs(), std::logic_error);
}

namespace {

struct Shock {
  enum class Kind : std::uint8_t { sell, pause } kind = Kind::sell;
  double at = 0.0;
  double size = 0.0;
  double age = 0.0;
  double duration = 60.0;
};

}  // namespace

TEST_CASE("an action table declares timeline actions once, defaults from each prototype", "[registry][params]") {
  ActionTable<Shock> t("test");
  Shock sell;
  sell.size = 100;
  auto& s = t.action("sell", "a sell order", sell);
  s.param("size", &Shock::size).min(1).doc("shares");
  s.param("age", &Shock::age).integer().range(0, 120).doc("a whole number in a double");
  Shock pause;
  pause.kind = Shock::Kind::pause;
  t.action("pause", "trading stops", pause).param("duration", &Shock::duration).dimension(Dimension::time)
      .required().doc("how long");
  CHECK_THROWS_AS(t.action("sell", "again", sell), std::logic_error);

  const std::vector<ActionSpec> specs = t.specs();
  REQUIRE(specs.size() == 2);
  CHECK(specs[0].name == "sell");
  CHECK(specs[0].params.at(0).default_yaml == "100");  // the prototype's, not Shock{}'s 0
  CHECK(specs[0].params.at(1).type == ParamType::integer);
  CHECK(specs[0].params.at(1).default_yaml == "0");
  CHECK(specs[1].params.at(0).default_yaml.empty());  // required

  Registry r;
  PopulationType type;
  type.name = "test";
  type.actions = specs;
  type.make = [](const PopulationSpec&, const BuildInfo&) -> std::unique_ptr<Population> { return nullptr; };
  r.add(std::move(type));
  const Scenario sc = parse_scenario(
      "name: t\nduration: 1h\npopulations:\n  - name: p\n    type: test\ntimeline:\n"
      "  - {at: 1min, population: p, action: sell, params: {age: 30}}\n"
      "  - {at: 2min, population: p, action: pause, params: {duration: 5min}}\n",
      "t.yaml", {}, r);
  const auto& timeline = sc.populations.at(0).timeline;
  REQUIRE(timeline.size() == 2);
  const Shock a = t.bind(timeline[0]);
  CHECK(a.kind == Shock::Kind::sell);
  CHECK(a.size == 100);
  CHECK(a.age == 30);
  const Shock b = t.bind(timeline[1]);
  CHECK(b.kind == Shock::Kind::pause);
  CHECK(b.duration == 300);
  CHECK(t.has("pause"));
  CHECK(!t.has("resume"));
}

TEST_CASE("set_number sets a numeric key by name, within its range", "[registry][params]") {
  const ParamTable<Params> t = table();
  Params p;
  CHECK(t.set_number(p, "count", 7));
  CHECK(p.count == 7);
  CHECK(t.set_number(p, "close", 60));  // base units
  CHECK(p.close == 60.0);
  CHECK(t.set_number(p, "a_mean", 3600));
  CHECK(p.a.mean == 3600.0);
  CHECK(!t.set_number(p, "count", 2.5));  // an integer
  CHECK(!t.set_number(p, "count", 0));    // below its range
  CHECK(!t.set_number(p, "share", 1.5));
  CHECK(!t.set_number(p, "mode", 1));     // not a number
  CHECK(!t.set_number(p, "nope", 1));
  CHECK(p.count == 7);
}

TEST_CASE("an integer field's own limits bound its key: a value it cannot hold is refused, not wrapped",
          "[registry][params]") {
  struct Small {
    std::uint32_t lanes = 2;
    std::uint32_t agents = 10;
    std::int64_t offset = 0;
  };
  ParamTable<Small> t("small");
  t.param("lanes", &Small::lanes).doc("no range declared");
  t.param("agents", &Small::agents).range(1, 1e12).doc("a range wider than the field");
  t.param("offset", &Small::offset).doc("signed, 64 bits");
  const std::vector<ParamSpec> specs = t.specs();
  CHECK(specs[0].min == 0.0);
  CHECK(specs[0].max == 4294967295.0);
  CHECK(specs[1].min == 1.0);
  CHECK(specs[1].max == 4294967295.0);
  CHECK(specs[2].min == -9223372036854775808.0);

  Registry r;
  PopulationType type;
  type.name = "small";
  t.declare(type);
  type.make = [](const PopulationSpec&, const BuildInfo&) -> std::unique_ptr<Population> { return nullptr; };
  r.add(std::move(type));
  auto parse = [&](const std::string& params) {
    return parse_scenario("name: t\nduration: 1s\npopulations:\n  - name: p\n    type: small\n    params: {" + params + "}\n",
                          "t.yaml", {}, r);
  };
  // 2^32 + 5 would become 5 in the field.
  try {
    (void)parse("lanes: 4294967301");
    FAIL("2^32 + 5 lanes accepted");
  } catch (const ScenarioError& e) {
    CHECK_THAT(e.what(), Catch::Contains("lanes") && Catch::Contains("4294967295"));
  }
  CHECK_THROWS_AS(parse("agents: 5000000000"), ScenarioError);
  CHECK_THROWS_AS(parse("lanes: -1"), ScenarioError);
  CHECK(t.bind(parse("lanes: 4294967295, agents: 7").populations.at(0).params).lanes == 4294967295u);
}
