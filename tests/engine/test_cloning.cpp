#include <catch2/catch.hpp>

#include "simulacra/engine/phold.hpp"

using namespace simulacra;

TEST_CASE("a clone taken mid-run and the original both end as an uncloned run",
          "[engine][cloning]") {
  PholdParams p;
  p.lps = 300;
  p.start_events = 3;
  p.remote = 0.3;
  p.end = 40.0;
  p.seed = 9;
  p.threads = 2;

  Simulation plain = make_phold(p);
  plain.run_until(SimTime{p.end});

  Simulation original = make_phold(p);
  original.run_until(SimTime{17.5});
  Simulation copy = original;  // clone mid-run

  original.run_until(SimTime{p.end});
  copy.run_until(SimTime{p.end});
  CHECK(original.trace_hash() == plain.trace_hash());
  CHECK(copy.trace_hash() == plain.trace_hash());
  CHECK(copy.committed_events() == plain.committed_events());

  // The copy's state is its own: the population was deep-copied.
  const auto& a = dynamic_cast<const PholdPopulation&>(original.population(0));
  const auto& b = dynamic_cast<const PholdPopulation&>(copy.population(0));
  CHECK(&a != &b);
  CHECK(a.handled(5) == b.handled(5));
}

TEST_CASE("a clone may continue on another thread count and scheduler", "[engine][cloning]") {
  PholdParams p;
  p.lps = 128;
  p.start_events = 2;
  p.end = 30.0;
  p.threads = 1;

  Simulation plain = make_phold(p);
  plain.run_until(SimTime{p.end});

  Simulation original = make_phold(p);
  original.run_until(SimTime{10.0});
  Simulation copy = original;
  copy.set_threads(4);
  copy.run_until(SimTime{p.end});
  CHECK(copy.trace_hash() == plain.trace_hash());
}

TEST_CASE("a clone before the run starts is a full simulation", "[engine][cloning]") {
  PholdParams p;
  p.lps = 64;
  p.end = 20.0;
  Simulation a = make_phold(p);
  Simulation b = a;
  a.run_until(SimTime{p.end});
  b.run_until(SimTime{p.end});
  CHECK(a.trace_hash() == b.trace_hash());
}
