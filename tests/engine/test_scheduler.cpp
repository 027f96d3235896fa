#include <algorithm>
#include <cstdint>
#include <queue>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/engine/phold.hpp"

using namespace simulacra;

namespace {

PholdParams small_phold() {
  PholdParams p;
  p.lps = 200;
  p.start_events = 4;
  p.remote = 0.5;
  p.lookahead = 0.1;
  p.mean = 1.0;
  p.end = 50.0;
  p.seed = 42;
  return p;
}

std::uint64_t run_hash(PholdParams p, SchedulerKind kind, unsigned threads, unsigned parts = 0) {
  p.scheduler = kind;
  p.threads = threads;
  p.partitions = parts;
  Simulation sim = make_phold(p);
  sim.run_until(SimTime{p.end});
  return sim.trace_hash();
}

// An independent, deliberately naive PHOLD: one global std::priority_queue in
// (time, source, counter) order, each LP's handled-event count as the result.
std::vector<std::uint64_t> reference_phold_counts(const PholdParams& p) {
  struct Ev {
    double t;
    std::uint32_t src, dst;
    std::uint64_t seq;
    bool operator>(const Ev& o) const {
      if (t != o.t) return t > o.t;
      if (src != o.src) return src > o.src;
      return seq > o.seq;
    }
  };
  std::priority_queue<Ev, std::vector<Ev>, std::greater<>> q;
  std::vector<RandomStream> rng;
  std::vector<std::uint64_t> seq(p.lps, 0), handled(p.lps, 0);
  for (std::uint32_t i = 0; i < p.lps; ++i) rng.emplace_back(p.seed, i);
  auto delay = [&](std::uint32_t lp) { return p.lookahead + rng[lp].exponential(p.mean - p.lookahead); };
  for (std::uint32_t i = 0; i < p.lps; ++i) {
    for (std::uint32_t s = 0; s < p.start_events; ++s) q.push({delay(i), i, i, seq[i]++});
  }
  while (!q.empty() && q.top().t < p.end) {
    const Ev e = q.top();
    q.pop();
    ++handled[e.dst];
    std::uint32_t dst = e.dst;
    if (rng[e.dst].uniform() < p.remote) dst = static_cast<std::uint32_t>(rng[e.dst].below(p.lps));
    q.push({e.t + delay(e.dst), e.dst, dst, seq[e.dst]++});
  }
  return handled;
}

}  // namespace

TEST_CASE("PHOLD trace hash is the same for the sequential and parallel schedulers",
          "[engine][determinism]") {
  const PholdParams p = small_phold();
  const std::uint64_t seq = run_hash(p, SchedulerKind::sequential, 1);
  CHECK(run_hash(p, SchedulerKind::parallel, 1) == seq);
  CHECK(run_hash(p, SchedulerKind::parallel, 2) == seq);
  CHECK(run_hash(p, SchedulerKind::parallel, 4) == seq);
  // Partitioning is not thread count: any grouping of LPs gives the same run.
  CHECK(run_hash(p, SchedulerKind::parallel, 2, 3) == seq);
  CHECK(run_hash(p, SchedulerKind::parallel, 4, 200) == seq);
}

TEST_CASE("a different seed gives a different trace", "[engine][determinism]") {
  PholdParams p = small_phold();
  const std::uint64_t a = run_hash(p, SchedulerKind::sequential, 1);
  p.seed = 43;
  CHECK(run_hash(p, SchedulerKind::sequential, 1) != a);
}

TEST_CASE("schedulers commit exactly the events a naive global-order simulator commits",
          "[engine][determinism]") {
  const PholdParams p = small_phold();
  const std::vector<std::uint64_t> want = reference_phold_counts(p);
  // serial_window_events: 0 hands every window to the threads, 1e9 runs
  // every window on the calling thread, 256 switches as windows fill up.
  for (auto [kind, threads, serial] :
       {std::tuple{SchedulerKind::sequential, 1u, 256u}, std::tuple{SchedulerKind::parallel, 2u, 0u},
        std::tuple{SchedulerKind::parallel, 2u, 256u}, std::tuple{SchedulerKind::parallel, 2u, 1000000000u},
        std::tuple{SchedulerKind::parallel, 4u, 0u}}) {
    PholdParams q = p;
    q.scheduler = kind;
    q.threads = threads;
    q.serial_window_events = serial;
    Simulation sim = make_phold(q);
    sim.run_until(SimTime{q.end});
    const auto& pop = dynamic_cast<const PholdPopulation&>(sim.population(0));
    std::uint64_t total = 0;
    for (std::uint32_t i = 0; i < q.lps; ++i) {
      REQUIRE(pop.handled(i) == want[i]);
      total += want[i];
    }
    CHECK(sim.committed_events() == total);
  }
}

TEST_CASE("PHOLD conserves its event population", "[engine][phold]") {
  // Each event schedules exactly one: pending events stay N x S.
  PholdParams p = small_phold();
  p.threads = 2;
  Simulation sim = make_phold(p);
  sim.run_until(SimTime{p.end});
  CHECK(sim.pending_events() == std::size_t{p.lps} * p.start_events);
  // Each LP commits about S * end / mean events; the total is close to that.
  const double expect = static_cast<double>(p.lps) * p.start_events * p.end / p.mean;
  CHECK(static_cast<double>(sim.committed_events()) == Approx(expect).epsilon(0.05));
}

TEST_CASE("running in several steps equals running at once", "[engine][determinism]") {
  PholdParams p = small_phold();
  p.threads = 2;
  Simulation once = make_phold(p);
  once.run_until(SimTime{p.end});
  Simulation steps = make_phold(p);
  for (double t : {3.0, 3.0, 17.25, 40.0, 50.0}) steps.run_until(SimTime{t});
  CHECK(steps.trace_hash() == once.trace_hash());
  CHECK(steps.committed_events() == once.committed_events());
}

TEST_CASE("windows run on the calling thread or on threads give the same trace", "[engine][determinism]") {
  // Few LPs, short lookahead: windows of a handful of events, as a market's.
  PholdParams p = small_phold();
  p.lps = 6;
  p.lookahead = 0.01;
  p.mean = 0.5;
  p.threads = 2;
  p.partitions = 3;
  std::vector<std::uint64_t> hashes;
  for (std::uint32_t serial : {0u, 4u, 256u, 1000000000u}) {
    p.serial_window_events = serial;
    Simulation sim = make_phold(p);
    sim.run_until(SimTime{p.end});
    hashes.push_back(sim.trace_hash());
  }
  CHECK(hashes[0] == hashes[1]);
  CHECK(hashes[0] == hashes[2]);
  CHECK(hashes[0] == hashes[3]);
  CHECK(hashes[0] == run_hash(p, SchedulerKind::sequential, 1));
}

TEST_CASE("PHOLD parameters are validated with the offending value", "[engine][phold]") {
  PholdParams p = small_phold();
  p.remote = 1.5;
  REQUIRE_THROWS_WITH(make_phold(p), Catch::Matchers::Contains("--remote 1.5"));
  p = small_phold();
  p.mean = 0.05;
  REQUIRE_THROWS_AS(make_phold(p), ConfigError);
}
