// The experiment layer on PHOLD: observables, stop_when, branching, live
// changes, session state and checkpoints.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/engine/checkpoint.hpp"
#include "simulacra/engine/expression.hpp"
#include "simulacra/engine/phold_type.hpp"
#include "simulacra/engine/run_session.hpp"
#include "support/memory_sink.hpp"

using namespace simulacra;
using simulacra::testing::MemoryDataset;
using simulacra::testing::memory_sinks;
using simulacra::testing::same_tables;

namespace {

namespace fs = std::filesystem;

Registry phold_registry() {
  Registry r;
  register_phold(r);
  return r;
}

std::string scenario_text(const std::string& extra = "") {
  return R"(name: demo
seed: 42
duration: 50s
engine: {threads: 1}
populations:
  - name: ph
    type: phold
    params: {lps: 64, record: true, remote: 0.5}
)" + extra;
}

RunSession session(const Registry& reg, const std::string& extra = "", unsigned threads = 1) {
  const Scenario s = parse_scenario(scenario_text(extra), "demo.yaml", {}, reg);
  return RunSession(s, reg, plan_runs(s).front(), threads);
}

// Runs a session to its end into memory and returns the dataset.
std::shared_ptr<MemoryDataset> run_whole(RunSession s) {
  auto out = std::make_shared<MemoryDataset>();
  s.attach(memory_sinks(out));
  s.advance(s.end());
  s.finish({});
  return out;
}

double value_of(const RunSession& s, const std::vector<double>& v, const std::string& name) {
  const auto& names = s.observable_names();
  const auto it = std::find(names.begin(), names.end(), name);
  REQUIRE(it != names.end());
  return v[static_cast<std::size_t>(it - names.begin())];
}

fs::path temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("simulacra_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

}  // namespace

TEST_CASE("expressions: arithmetic, comparisons, logic, time units and functions", "[engine][expression]") {
  const NameResolver r = observable_resolver({"town.attack_rate", "town.dead", "road.dead"});
  const std::vector<double> v{0.25, 3.0, 5.0};
  CHECK(Expression::parse("town.attack_rate > 0.2", r).holds(v, 0.0));
  CHECK_FALSE(Expression::parse("attack_rate > 0.3", r).holds(v, 0.0));  // unqualified: unique
  CHECK(Expression::parse("1 + 2 * 3 - 4 / 2", r).evaluate(v, 0.0) == 5.0);
  CHECK(Expression::parse("-(1 + 2) * 2", r).evaluate(v, 0.0) == -6.0);
  CHECK(Expression::parse("t >= 2d", r).holds(v, 2 * 86400.0));
  CHECK_FALSE(Expression::parse("t >= 2d", r).holds(v, 2 * 86400.0 - 1));
  CHECK(Expression::parse("t == 90min and not (town.dead > 4)", r).holds(v, 5400.0));
  CHECK(Expression::parse("town.dead > 4 || road.dead > 4", r).holds(v, 0.0));
  CHECK(Expression::parse("max(town.dead, road.dead) + min(1, 2) + abs(-1)", r).evaluate(v, 0.0) == 7.0);
  CHECK(Expression::parse("sqrt(16) == 4 && exp(0) == 1 && log(1) == 0", r).holds(v, 0.0));
  CHECK(Expression::parse("1 != 2", r).holds(v, 0.0));
  CHECK_FALSE(Expression::parse("0 / 0", r).holds(v, 0.0));  // NaN is false
  CHECK(Expression::parse("town.dead", r).uses() == std::vector<std::size_t>{1});
}

TEST_CASE("expressions: errors name the column and the likely intended name", "[engine][expression]") {
  const NameResolver r = observable_resolver({"town.attack_rate", "town.dead", "road.dead"});
  auto error = [&](const std::string& text) {
    try {
      (void)Expression::parse(text, r);
    } catch (const ExpressionError& e) {
      return std::pair<std::size_t, std::string>{e.column(), e.what()};
    }
    FAIL("no error for " << text);
    return std::pair<std::size_t, std::string>{};
  };
  auto [col, msg] = error("town.atack_rate > 0.2");
  CHECK(col == 1);
  CHECK_THAT(msg, Catch::Contains("did you mean 'town.attack_rate'"));
  std::tie(col, msg) = error("dead > 1");
  CHECK_THAT(msg, Catch::Contains("town.dead, road.dead"));
  std::tie(col, msg) = error("(1 + 2");
  CHECK(col == 1);
  CHECK_THAT(msg, Catch::Contains("never closed"));
  std::tie(col, msg) = error("1 < 2 < 3");
  CHECK(col == 7);
  std::tie(col, msg) = error("3 furlongs");
  CHECK_THAT(msg, Catch::Contains("unknown unit 'furlongs'"));
  std::tie(col, msg) = error("town.dead >");
  CHECK_THAT(msg, Catch::Contains("got the end"));
  std::tie(col, msg) = error("cosh(1)");
  CHECK_THAT(msg, Catch::Contains("unknown function"));
  std::tie(col, msg) = error("");
  CHECK_THAT(msg, Catch::Contains("nothing"));
}

TEST_CASE("scenario: observe and stop_when are checked with positions", "[engine][experiment]") {
  const Registry reg = phold_registry();
  auto fails_with = [&](const std::string& extra, const std::string& what) {
    try {
      (void)parse_scenario(scenario_text(extra), "demo.yaml", {}, reg);
      FAIL("accepted: " << extra);
    } catch (const ScenarioError& e) {
      CHECK_THAT(std::string(e.what()), Catch::Contains(what));
    }
  };
  fails_with("stop_when: \"ph.comitted_events > 10\"\n", "demo.yaml:9:12: stop_when");
  fails_with("stop_when: \"ph.comitted_events > 10\"\n", "did you mean 'ph.committed_events'");
  fails_with("observe: {every: 1s, names: [ph.events]}\n", "unknown observable");
  fails_with("observe: {names: [ph.committed_events]}\n", "every");
  fails_with("observe: {every: 3}\n", "unit");
  fails_with("stop_when: {every: 1s}\n", "condition");
  const Scenario ok = parse_scenario(scenario_text("observe: {every: 5s}\nstop_when: committed_events > 10\n"),
                                     "demo.yaml", {}, reg);
  CHECK(ok.observe.every == 5.0);
  CHECK(ok.stop.condition == "committed_events > 10");
  CHECK(observable_names(ok, reg) == std::vector<std::string>{"ph.committed_events"});
}

TEST_CASE("phold: committed_events equals the engine's count and the events table", "[engine][experiment]") {
  const Registry reg = phold_registry();
  RunSession s = session(reg, "observe: {every: 10s}\n");
  auto out = std::make_shared<MemoryDataset>();
  s.attach(memory_sinks(out));
  for (double t : {0.0, 7.5, 20.0, 50.0}) {
    s.advance(SimTime{t});
    const auto v = s.observe();
    CHECK(value_of(s, v, "ph.committed_events") == static_cast<double>(s.simulation().committed_events()));
  }
  s.finish({});
  const TableChunk* obs = out->table("observables");
  REQUIRE(obs != nullptr);
  REQUIRE(obs->rows() == 6);  // t = 0, 10, ..., 50
  const auto& times = std::get<std::vector<double>>(obs->column(0));
  const auto& values = std::get<std::vector<double>>(obs->column(2));
  const auto& events_time = std::get<std::vector<double>>(out->table("ph.events")->column(0));
  for (std::size_t i = 0; i < 6; ++i) {
    CHECK(times[i] == 10.0 * static_cast<double>(i));
    // Observed at t: every event before t is committed.
    const auto before = std::lower_bound(events_time.begin(), events_time.end(), times[i]) - events_time.begin();
    CHECK(values[i] == static_cast<double>(before));
  }
}

TEST_CASE("stop_when stops at the first check where it holds, for any thread count", "[engine][experiment]") {
  const Registry reg = phold_registry();
  std::vector<double> ends;
  for (unsigned threads : {1u, 2u, 4u}) {
    RunSession s = session(reg, "observe: {every: 1s}\nstop_when: \"ph.committed_events >= 700\"\n", threads);
    auto out = run_whole(std::move(s));
    ends.push_back(std::stod(out->provenance.at("end_s")));
    CHECK_THAT(out->provenance.at("stop_reason"), Catch::Contains("held at t="));
    const TableChunk* obs = out->table("observables");
    const auto& values = std::get<std::vector<double>>(obs->column(2));
    REQUIRE(values.size() >= 2);
    CHECK(values.back() >= 700.0);
    CHECK(values[values.size() - 2] < 700.0);
  }
  CHECK(ends[0] < 50.0);
  CHECK(ends[0] == ends[1]);
  CHECK(ends[0] == ends[2]);
}

TEST_CASE("branches: differ from each other, repeat themselves, and the empty path is the plain run", "[engine][experiment]") {
  const Registry reg = phold_registry();
  const auto plain = run_whole(session(reg));
  RunSession parent = session(reg);
  parent.advance(SimTime{20.0});
  const auto b1 = run_whole(parent.branch(1));
  const auto b1_again = run_whole(parent.branch(1));
  const auto b2 = run_whole(parent.branch(2));
  const auto copy = run_whole(RunSession(parent));
  CHECK(b1->provenance.at("trace_hash") == b1_again->provenance.at("trace_hash"));
  CHECK(same_tables(*b1, *b1_again));
  CHECK(b1->provenance.at("trace_hash") != b2->provenance.at("trace_hash"));
  CHECK_FALSE(same_tables(*b1, *b2));
  CHECK(b1->provenance.at("branch_path") == "1");
  // A copy without a branch is the plain run's continuation.
  CHECK(copy->provenance.at("trace_hash") == plain->provenance.at("trace_hash"));
  // A branch's dataset holds what happened after the branch point.
  const auto& times = std::get<std::vector<double>>(b1->table("ph.events")->column(0));
  REQUIRE_FALSE(times.empty());
  CHECK(times.front() >= 20.0);
  // Branch of a branch: a longer path, still repeatable.
  const RunSession b3 = parent.branch(1).branch(3);
  CHECK(b3.simulation().branch_path() == std::vector<std::uint64_t>{1, 3});
  CHECK(run_whole(b3)->provenance.at("trace_hash") == run_whole(parent.branch(1).branch(3))->provenance.at("trace_hash"));
}

TEST_CASE("session state round trip: resumed runs end as the uninterrupted run", "[engine][experiment]") {
  const Registry reg = phold_registry();
  const auto plain = run_whole(session(reg, "observe: {every: 5s}\n"));
  for (unsigned resume_threads : {1u, 2u}) {
    RunSession s = session(reg, "observe: {every: 5s}\n");
    s.advance(SimTime{23.0});
    StateArchive ar;
    s.save_state(ar);
    const std::string bytes = ar.take();
    StateArchive in(bytes);
    RunSession resumed = RunSession::load_state(in, reg, resume_threads);
    CHECK(resumed.now().value == 23.0);
    const auto v1 = s.observe();
    CHECK(resumed.observe() == v1);
    const auto a = run_whole(std::move(s));
    const auto b = run_whole(std::move(resumed));
    CHECK(a->provenance.at("trace_hash") == plain->provenance.at("trace_hash"));
    CHECK(b->provenance.at("trace_hash") == plain->provenance.at("trace_hash"));
  }
}

TEST_CASE("damaged session states are CheckpointErrors, never crashes", "[engine][experiment]") {
  const Registry reg = phold_registry();
  RunSession s = session(reg);
  s.advance(SimTime{10.0});
  StateArchive ar;
  s.save_state(ar);
  const std::string bytes = ar.take();
  for (std::size_t cut : {std::size_t{0}, std::size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    StateArchive in(std::string_view(bytes).substr(0, cut));
    CHECK_THROWS_AS(RunSession::load_state(in, reg, 1), UserError);
  }
  // Flipped bytes in the header and engine part: refused or loaded whole, never a crash.
  for (std::size_t at = 0; at < std::min<std::size_t>(bytes.size(), 400); at += 7) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    StateArchive in(damaged);
    try {
      (void)RunSession::load_state(in, reg, 1);
    } catch (const UserError&) {
    }
  }
}

TEST_CASE("checkpoint folders: resume equals the uninterrupted run, other versions and damage are refused", "[engine][experiment]") {
  const Registry reg = phold_registry();
  const fs::path dir = temp_dir("ckpt");
  const auto plain = run_whole(session(reg));
  RunSession s = session(reg);
  s.advance(SimTime{31.0});
  const std::uint64_t bytes = save_checkpoint(s, (dir / "c1").string(), "1.0", {{"formats", "none"}});
  CHECK(bytes > 64 * 8);
  // A second save replaces the first.
  save_checkpoint(s, (dir / "c1").string(), "1.0", {{"formats", "none"}});
  LoadedCheckpoint c = load_checkpoint((dir / "c1").string(), reg, "1.0", 2);
  CHECK(c.meta.at("formats") == "none");
  CHECK(run_whole(std::move(c.session))->provenance.at("trace_hash") == plain->provenance.at("trace_hash"));

  CHECK_THROWS_WITH(load_checkpoint((dir / "c1").string(), reg, "2.0", 1), Catch::Contains("1.0"));
  CHECK_THROWS_AS(load_checkpoint((dir / "none").string(), reg, "1.0", 1), CheckpointError);
  const fs::path state = dir / "c1" / "state.bin";
  std::string text;
  {
    std::ifstream in(state, std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  text[text.size() / 2] = static_cast<char>(text[text.size() / 2] ^ 1);
  {
    std::ofstream out(state, std::ios::binary);
    out << text;
  }
  CHECK_THROWS_WITH(load_checkpoint((dir / "c1").string(), reg, "1.0", 1), Catch::Contains("checksum"));
  {
    std::ofstream out(state, std::ios::binary);
    out << text.substr(0, text.size() / 3);
  }
  CHECK_THROWS_AS(load_checkpoint((dir / "c1").string(), reg, "1.0", 1), CheckpointError);
  fs::remove_all(dir);
}

TEST_CASE("live parameters: validated as in the scenario file, and they change the run", "[engine][experiment]") {
  const Registry reg = phold_registry();
  RunSession s = session(reg);
  s.advance(SimTime{10.0});
  CHECK_THROWS_WITH(s.set_live("ph", "remote", "1.5"), Catch::Contains("populations.ph.params.remote"));
  CHECK_THROWS_WITH(s.set_live("ph", "lps", "10"), Catch::Contains("not a live parameter") && Catch::Contains("remote"));
  CHECK_THROWS_WITH(s.set_live("pj", "remote", "0.1"), Catch::Contains("no population named 'pj'"));
  // No remote events after the change: every event from then on stays on its LP.
  s.set_live("ph", "remote", "0%");
  auto out = std::make_shared<MemoryDataset>();
  RunSession copy(s);
  copy.attach(memory_sinks(out));
  copy.advance(copy.end());
  copy.finish({});
  const TableChunk* events = out->table("ph.events");
  const auto& remote = std::get<std::vector<std::uint8_t>>(events->column(5));
  REQUIRE(remote.size() > 100);
  for (auto r : remote) CHECK(r == 0);
  // The change survives a checkpoint.
  StateArchive ar;
  s.save_state(ar);
  const std::string bytes = ar.take();
  StateArchive in(bytes);
  const auto resumed = run_whole(RunSession::load_state(in, reg, 1));
  CHECK(resumed->provenance.at("trace_hash") == out->provenance.at("trace_hash"));
}

TEST_CASE("expressions: a one-comparison condition gives a score that grows toward it", "[engine][expression]") {
  const NameResolver r = observable_resolver({"town.attack_rate", "town.dead", "road.dead"});
  const std::vector<double> v{0.25, 3.0, 5.0};
  auto score = [&](const std::string& text) { return Expression::parse(text, r).distance_score(); };
  REQUIRE(score("town.dead >= 10"));
  CHECK(score("town.dead >= 10")->evaluate(v, 0.0) == -7.0);
  CHECK(score("2 * town.dead > road.dead - 1")->evaluate(v, 0.0) == 2.0);
  CHECK(score("town.attack_rate <= -(0.05)")->evaluate(v, 0.0) == Approx(-0.3));
  CHECK(score("max(town.dead, 1) < 1")->evaluate(v, 0.0) == -2.0);
  CHECK_FALSE(score("town.dead >= 10 and t > 5"));
  CHECK_FALSE(score("town.dead == 10"));
}
