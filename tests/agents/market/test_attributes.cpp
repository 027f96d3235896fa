// Trader attributes from a model file: a Chow-Liu Bayesian network fitted to
// a generated table of traders (kind, order_size, interval) sets each noise
// and value trader's order size and activity (a network, not a copula: given
// a category, the copula's conditionals blur two such different kinds); runs stay identical across thread
// counts; bad `attributes` blocks are reported with their position, bad files
// with their name.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "market_run.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"
#include "support/scenario_probe.hpp"
#include "simulacra/learned/bayes_net.hpp"
#include "simulacra/learned/copula.hpp"
#include "simulacra/learned/model_attributes.hpp"

using namespace simulacra;
using namespace simulacra::market;
namespace fs = std::filesystem;

namespace {

// Noise traders: orders of 50-250 shares, every 600-1200 s; value traders:
// 500-1500 shares, every 30-90 s. Means 150 / 900 s and 1000 / 60 s.
std::string trader_csv() {
  RandomStream rng(5, 0);
  std::string csv = "kind,order_size,interval\n";
  for (int i = 0; i < 1500; ++i) {
    const bool noise = i % 3 != 0;
    const auto size = noise ? 50 + rng.below(201) : 500 + rng.below(1001);
    const double interval = noise ? rng.uniform(600.0, 1200.0) : rng.uniform(30.0, 90.0);
    csv += std::string(noise ? "noise" : "value") + "," + std::to_string(size) + "," + std::to_string(interval) + "\n";
  }
  return csv;
}


const testing::ScratchDir& dir() {
  static const testing::ScratchDir d("simulacra-market-attr");
  static const bool fitted = [] {
    learned::BayesNet::fit(learned::parse_csv(trader_csv(), "traders.csv"))
        ->save((d.path / "models" / "traders.h5").string());
    return true;
  }();
  (void)fitted;
  return d;
}

Registry registry(bool with_loader = true) {
  Registry reg;
  register_market(reg);
  if (with_loader) reg.set_attribute_loader(learned::model_attribute_loader());
  return reg;
}

std::string scenario(const std::string& attributes, int noise = 400, int value = 100) {
  return "name: attrs\nseed: 11\nduration: 10min\npopulations:\n  - name: market\n    type: market\n    params:\n"
         "      noise_traders: " + std::to_string(noise) + "\n      value_traders: " + std::to_string(value) +
         "\n      session_close: 10min\n      attributes: " + attributes + "\n";
}

Scenario load(const std::string& text, const Registry& reg) {
  return testing::load_text_as(dir().path / "day.yaml", text, reg);
}

const MarketPopulation& market_of(const Simulation& sim) {
  return dynamic_cast<const MarketPopulation&>(sim.population(0));
}

struct KindStats {
  double mean_lots = 0.0;  ///< mean over agents of their mean order, (max + 1) / 2
  double mean_interval = 0.0;
  std::size_t agents = 0;
};

KindStats stats(const MarketPopulation& m, AgentKind k) {
  KindStats s;
  for (std::uint32_t a = 0; a < m.agent_count(); ++a) {
    if (m.kind(a) != k) continue;
    s.mean_lots += 0.5 * (m.max_lots(a) + 1.0);
    s.mean_interval += m.mean_interval(a);
    ++s.agents;
  }
  s.mean_lots /= static_cast<double>(s.agents);
  s.mean_interval /= static_cast<double>(s.agents);
  return s;
}

std::vector<std::string> issues_of(const std::string& attributes) {
  return testing::issues_of(dir().path / "day.yaml", scenario(attributes), registry());
}

std::string build_error(const std::string& attributes, bool with_loader = true) {
  return testing::build_error(dir().path / "day.yaml", scenario(attributes), registry(with_loader));
}

using testing::contains;

}  // namespace

// The model's own conditional means per kind, from a large direct sample.
static KindStats reference(const std::string& kind) {
  const auto sampler =
      learned::model_attribute_loader()((dir().path / "models" / "traders.h5").string(), {"order_size", "interval"});
  RandomStream rng(17, 0);
  const TableChunk rows = sampler->sample_where(100000, {{"kind", kind}}, rng);
  KindStats s;
  const auto& size = std::get<std::vector<std::int64_t>>(rows.column(0));
  const auto& interval = std::get<std::vector<double>>(rows.column(1));
  for (std::size_t r = 0; r < rows.rows(); ++r) {
    s.mean_lots += std::max(1.0, std::round(static_cast<double>(size[r])));
    s.mean_interval += interval[r];
  }
  s.agents = rows.rows();
  s.mean_lots /= static_cast<double>(s.agents);
  s.mean_interval /= static_cast<double>(s.agents);
  return s;
}

TEST_CASE("market: order sizes and intervals per kind follow the trader model", "[market][attributes]") {
  const Registry reg = registry();
  const Scenario sc =
      load(scenario("{model: models/traders.h5, columns: [order_size, interval, kind], kinds: [noise, value]}",
                    4000, 1000),
           reg);
  Simulation sim = build_simulation(sc, reg, sc.seed, 1);
  const MarketPopulation& m = market_of(sim);
  const KindStats noise = stats(m, AgentKind::noise), value = stats(m, AgentKind::value);
  const KindStats noise_model = reference("noise"), value_model = reference("value");
  INFO("noise " << noise.mean_lots << " lots / " << noise.mean_interval << " s (model " << noise_model.mean_lots
                << " / " << noise_model.mean_interval << "); value " << value.mean_lots << " lots / "
                << value.mean_interval << " s (model " << value_model.mean_lots << " / " << value_model.mean_interval
                << ")");
  CHECK(std::abs(noise.mean_lots / noise_model.mean_lots - 1.0) < 0.04);
  CHECK(std::abs(value.mean_lots / value_model.mean_lots - 1.0) < 0.04);
  CHECK(std::abs(noise.mean_interval / noise_model.mean_interval - 1.0) < 0.04);
  CHECK(std::abs(value.mean_interval / value_model.mean_interval - 1.0) < 0.06);
  // The data's kinds differ tenfold; conditioning on kind keeps them apart
  // (noise: 50-250 shares every 600-1200 s; value: 500-1500 every 30-90 s).
  CHECK(std::abs(noise.mean_lots - 150.0) < 10.0);
  CHECK(std::abs(noise.mean_interval - 900.0) < 40.0);
  CHECK(value.mean_lots > 700.0);
  CHECK(value.mean_interval < 120.0);
  // Momentum traders and makers keep their parameters.
  for (std::uint32_t a = 0; a < m.agent_count(); ++a) {
    if (m.kind(a) == AgentKind::momentum) CHECK(m.max_lots(a) == 10);
    if (m.kind(a) == AgentKind::maker) CHECK(m.mean_interval(a) == 2.0);
  }
}

TEST_CASE("market: orders sent follow the agents' sizes and runs are thread-independent",
          "[market][attributes][determinism]") {
  const KindStats noise_model = reference("noise"), value_model = reference("value");
  const Registry reg = registry();
  const Scenario sc = load(scenario("{model: models/traders.h5, kinds: [noise, value]}"), reg);
  std::uint64_t hash[2] = {0, 0};
  for (unsigned threads : {1u, 2u}) {
    Simulation sim = build_simulation(sc, reg, sc.seed, threads);
    market_test::Collect out(sim.tables());
    sim.set_row_consumer(&out);
    sim.run_until(SimTime{sc.duration});
    sim.finish();
    hash[threads - 1] = sim.trace_hash();
    const TableChunk& orders = out.all[MarketPopulation::kOrders];
    const std::vector<std::string> kind = market_test::sender_types(out.all);
    const auto& qty = market_test::col<std::int64_t>(orders, 6);
    const auto& type = market_test::col<std::string>(orders, 7);
    double noise_sum = 0.0, value_sum = 0.0;
    std::size_t noise_n = 0, value_n = 0;
    for (std::size_t r = 0; r < orders.rows(); ++r) {
      if (kind[r] == "noise" && type[r] == "market") {
        noise_sum += static_cast<double>(qty[r]);
        ++noise_n;
      } else if (kind[r] == "value" && type[r] == "limit") {
        value_sum += static_cast<double>(qty[r]);
        ++value_n;
      }
    }
    INFO("noise orders " << noise_n << " mean " << noise_sum / static_cast<double>(noise_n) << "; value orders "
                         << value_n << " mean " << value_sum / static_cast<double>(value_n) << "; model means "
                         << noise_model.mean_lots << ", " << value_model.mean_lots << "; agents' means "
                         << stats(market_of(sim), AgentKind::noise).mean_lots << ", "
                         << stats(market_of(sim), AgentKind::value).mean_lots);
    REQUIRE(noise_n > 100);
    REQUIRE(value_n > 500);
    // Orders are uniform in 1..2m-1 lots around each agent's mean m (the
    // agents' means themselves are checked against the model above; 100
    // value agents are too few for a tight comparison with the model).
    const double noise_agents = stats(market_of(sim), AgentKind::noise).mean_lots;
    const double value_agents = stats(market_of(sim), AgentKind::value).mean_lots;
    CHECK(std::abs(noise_sum / static_cast<double>(noise_n) / noise_agents - 1.0) < 0.12);
    CHECK(std::abs(value_sum / static_cast<double>(value_n) / value_agents - 1.0) < 0.08);
    CHECK(std::abs(noise_agents / noise_model.mean_lots - 1.0) < 0.1);
    CHECK(std::abs(value_agents / value_model.mean_lots - 1.0) < 0.15);
  }
  CHECK(hash[0] == hash[1]);
  // A different seed draws other agents.
  Simulation a = build_simulation(sc, reg, sc.seed, 1), b = build_simulation(sc, reg, sc.seed + 1, 1);
  CHECK(market_of(a).mean_interval(10) != market_of(b).mean_interval(10));
}

TEST_CASE("market: kinds limits which agents draw from the model", "[market][attributes]") {
  const Registry reg = registry();
  const Scenario sc = load(scenario("{model: models/traders.h5, columns: [order_size, kind], kinds: [value]}"), reg);
  Simulation sim = build_simulation(sc, reg, sc.seed, 1);
  const MarketPopulation& m = market_of(sim);
  CHECK(std::abs(stats(m, AgentKind::value).mean_lots - 1000.0) < 50.0);
  for (std::uint32_t a = 0; a < m.agent_count(); ++a) {
    if (m.kind(a) == AgentKind::noise) {
      CHECK(m.max_lots(a) == 10);           // noise_max_lots
      CHECK(m.mean_interval(a) == 1800.0);  // noise_interval
    }
  }
  // Value intervals stay log-uniform in [30 s, 10 min]: no interval column.
  CHECK(stats(m, AgentKind::value).mean_interval > 120.0);
}

TEST_CASE("market: attributes blocks are checked with positions", "[market][attributes][validation]") {
  auto one = [](const std::string& attributes, const std::string& part) {
    const auto issues = issues_of(attributes);
    INFO(attributes);
    REQUIRE(issues.size() == 1);
    INFO(issues.front());
    CHECK(contains(issues.front(), part));
  };
  one("{model: models/traders.h5, kind: [noise]}",
      "day.yaml:11:46: populations[0].params.attributes.kind: unknown key 'kind' (did you mean 'kinds'?)");
  one("{columns: [interval]}", "day.yaml:11:19: populations[0].params.attributes: missing required key 'model'");
  one("{model: m.h5, columns: interval}",
      "day.yaml:11:42: populations[0].params.attributes.columns: expected a list of column names");
  one("{model: m.h5, columns: [order_sise, interval]}",
      "populations[0].params.attributes.columns[0]: unknown column 'order_sise' (did you mean 'order_size'?)");
  one("{model: m.h5, columns: [order_size, order_size]}", "column 'order_size' is named twice");
  one("{model: m.h5, columns: [kind]}", "populations[0].params.attributes.columns: must include order_size or interval");
  one("{model: m.h5, kinds: [market_maker]}",
      "populations[0].params.attributes.kinds[0]: expected one of zero_intelligence, noise, value, momentum");
  one("{model: m.h5, where: {kind: noise}}", "populations[0].params.attributes.where.kind: kind is fixed per agent");
  CHECK(issues_of("{model: models/traders.h5, kinds: [noise, value], where: {interval: 60}}").empty());
}

TEST_CASE("market: unreadable models and unknown columns are build errors naming the file",
          "[market][attributes][validation]") {
  const std::string model = (dir().path / "models" / "traders.h5").string();
  std::string e = build_error("{model: models/missing.h5}");
  CHECK(contains(e, "populations[0].params.attributes: "));
  CHECK(contains(e, "models/missing.h5: no such model file"));
  e = build_error("{model: models/traders.h5, columns: [interval, order_size, kind], where: {venue: lit}}");
  CHECK(contains(e, model + ": unknown column 'venue'"));
  e = build_error("{model: " + model + "}", false);
  CHECK(contains(e, "cannot read model file " + model + ": this program was built without learned models"));
  // The default kinds include momentum traders, which this model's kind column does not describe.
  e = build_error("{model: models/traders.h5}");
  CHECK(contains(e, model + ": column 'kind' has no value 'momentum' (values: noise, value)"));
  CHECK(contains(e, "list in attributes.kinds only the kinds it describes"));
  const fs::path other = dir().path / "models" / "other.h5";
  learned::GaussianCopula::fit(learned::parse_csv("age,income\n20,10\n30,20\n40,30\n50,25\n", "other.csv"))
      ->save(other.string());
  e = build_error("{model: models/other.h5}");
  CHECK(contains(e, other.string() + ": the model has neither 'order_size' nor 'interval' (columns: age, income)"));
}

TEST_CASE("market: a million trader attributes in seconds", "[market][attributes][.bench]") {
  const Registry reg = registry();
  const Scenario sc = load(scenario("{model: models/traders.h5, kinds: [noise, value]}", 900000, 100000), reg);
  const auto t0 = std::chrono::steady_clock::now();
  Simulation sim = build_simulation(sc, reg, sc.seed, 1);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("built a market of " << market_of(sim).agent_count() << " agents (1,000,000 noise and value traders from the model) in " << s << " s");
  CHECK(s < 10.0);
}
