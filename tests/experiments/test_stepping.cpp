// What splitting relies on: a run advanced check by check, observed at each
// check, is the same run as one advanced at once, for every population type
// (observe() must not change the dynamics), and branches diverge.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/agents/register_all.hpp"
#include "simulacra/engine/run_session.hpp"

using namespace simulacra;

namespace {

RunSession session_of(const Registry& reg, const std::string& file, const std::vector<Override>& sets) {
  const Scenario s = load_scenario(std::string(SIMULACRA_SCENARIOS) + "/" + file, sets, reg);
  return RunSession(s, reg, plan_runs(s).front(), 1);
}

}  // namespace

TEST_CASE("a run advanced and observed check by check is the run advanced at once", "[experiments][stepping]") {
  Registry reg;
  register_all(reg);
  struct Case {
    std::string file;
    std::vector<Override> sets;
    double step;
  };
  const std::vector<Case> cases = {
      {"epidemic/town.yaml", {{"populations[0].params.persons", "5000"}, {"duration", "80d"}}, 86400.0},
      {"traffic/highway_merge_distracted.yaml", {{"duration", "3min"}}, 1.0},
      {"market/reference_day.yaml", {{"populations[0].params.session_close", "20min"}, {"duration", "21min"}}, 10.0},
      {"engine/birth_death.yaml", {}, 1.0},
  };
  for (const auto& c : cases) {
    INFO(c.file);
    RunSession stepped = session_of(reg, c.file, c.sets);
    RunSession once = session_of(reg, c.file, c.sets);
    const double end = stepped.end().value;
    std::vector<double> last;
    for (double t = c.step; t < end; t += c.step) {
      stepped.advance(SimTime{t});
      last = stepped.observe();
      if (stepped.over()) break;
    }
    const double at = stepped.now().value;
    once.advance(SimTime{at});
    CHECK(once.observe() == stepped.observe());
    CHECK(once.simulation().trace_hash() == stepped.simulation().trace_hash());
    // And on to the end.
    stepped.advance(stepped.end());
    once.advance(once.end());
    CHECK(once.simulation().trace_hash() == stepped.simulation().trace_hash());
  }
}

TEST_CASE("branches of a running outbreak have different futures", "[experiments][stepping]") {
  Registry reg;
  register_all(reg);
  RunSession s = session_of(reg, "epidemic/outbreak_watch.yaml", {});
  // Find a run whose outbreak is still going at day 10.
  std::uint64_t key = 0;
  for (;; ++key) {
    RunSession b = s;
    b.simulation().branch(key);
    b.advance(SimTime{10 * 86400.0});
    if (!b.over()) {
      s = std::move(b);
      break;
    }
    REQUIRE(key < 200);
  }
  const auto names = s.observable_names();
  const auto at = std::find(names.begin(), names.end(), "town.cumulative_infections") - names.begin();
  std::set<double> finals;
  for (std::uint64_t k = 0; k < 20; ++k) {
    RunSession b = s.branch(k);
    b.advance(b.end());
    finals.insert(b.observe()[static_cast<std::size_t>(at)]);
  }
  INFO("distinct final sizes among 20 branches: " << finals.size());
  CHECK(finals.size() >= 5);
}
