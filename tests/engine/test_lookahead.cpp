#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "simulacra/engine/simulation.hpp"

using namespace simulacra;
using Catch::Matchers::Contains;

namespace {

// LP 0 sends one event to LP `to` with the given delay at t = 1.
class Sender final : public Population {
 public:
  Sender(std::uint32_t lps, std::uint32_t to, double delay) : lps_(lps), to_(to), delay_(delay) {}
  std::string type_name() const override { return "test.sender"; }
  std::uint32_t lp_count() const override { return lps_; }
  void init_lp(Context& ctx, std::uint32_t local) override {
    if (local == 0) ctx.send_self(SimTime{1.0}, 0);
  }
  void handle(Context& ctx, std::uint32_t, const Event& ev) override {
    if (ev.kind == 0) ctx.send(lp(to_), SimTime{delay_}, 1);
  }
  std::unique_ptr<Population> clone() const override { return std::make_unique<Sender>(*this); }

 private:
  std::uint32_t lps_, to_;
  double delay_;
};

Simulation make(SchedulerKind kind, unsigned threads, std::uint32_t to, double delay) {
  EngineConfig cfg;
  cfg.scheduler = kind;
  cfg.threads = threads;
  cfg.lookahead = SimTime{0.5};
  Simulation sim(cfg, 1);
  sim.add_population(std::make_unique<Sender>(8, to, delay));
  return sim;
}

}  // namespace

TEST_CASE("an event to another LP sooner than the lookahead is an error naming LPs and times",
          "[engine][lookahead]") {
  for (auto kind : {SchedulerKind::sequential, SchedulerKind::parallel}) {
    for (unsigned threads : {1u, 2u}) {
      Simulation sim = make(kind, threads, 7, 0.25);
      REQUIRE_THROWS_WITH(sim.run_until(SimTime{10.0}),
                          Contains("LP 0 at t=1 sent an event to LP 7 for t=1.25") &&
                              Contains("delay 0.25 < lookahead 0.5"));
      REQUIRE_THROWS_AS(sim.run_until(SimTime{20.0}), std::logic_error);
    }
  }
}

TEST_CASE("a violation is caught even when both LPs share a partition", "[engine][lookahead]") {
  // LPs 0 and 1 land in the same partition; output must still not depend on
  // partitioning, so the lookahead binds every pair of distinct LPs.
  Simulation sim = make(SchedulerKind::parallel, 1, 1, 0.1);
  REQUIRE_THROWS_AS(sim.run_until(SimTime{10.0}), LookaheadError);
}

TEST_CASE("delays at or above the lookahead, and self events of any delay, are accepted",
          "[engine][lookahead]") {
  Simulation sim = make(SchedulerKind::parallel, 2, 7, 0.5);
  REQUIRE_NOTHROW(sim.run_until(SimTime{10.0}));
  REQUIRE(sim.committed_events() == 2);
}

TEST_CASE("negative or non-finite delays are rejected", "[engine][lookahead]") {
  Simulation neg = make(SchedulerKind::sequential, 1, 0, -1.0);
  REQUIRE_THROWS_WITH(neg.run_until(SimTime{10.0}), Contains("not a finite non-negative delay"));
}

TEST_CASE("sending to an LP that does not exist is an error", "[engine][lookahead]") {
  Simulation sim = make(SchedulerKind::sequential, 1, 99, 1.0);
  REQUIRE_THROWS_AS(sim.run_until(SimTime{10.0}), std::out_of_range);
}

TEST_CASE("engine settings that cannot work are refused", "[engine][config]") {
  EngineConfig cfg;
  cfg.scheduler = SchedulerKind::parallel;
  cfg.lookahead = SimTime{0.0};
  REQUIRE_THROWS_AS(Simulation(cfg, 1), ConfigError);
  cfg.lookahead = SimTime{0.1};
  cfg.threads = 0;
  REQUIRE_THROWS_AS(Simulation(cfg, 1), ConfigError);
}
