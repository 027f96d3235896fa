#include <algorithm>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/engine/event_queue.hpp"
#include "simulacra/engine/random.hpp"

using namespace simulacra;

TEST_CASE("EventQueue pops events in the engine's total order", "[engine][queue]") {
  RandomStream rng(7, 0);
  EventQueue q;
  std::vector<Event> all;
  for (int i = 0; i < 5000; ++i) {
    Event e;
    // Few distinct times, so ties on time and on source are common.
    e.time = SimTime{static_cast<double>(rng.below(20))};
    e.src = LpId{static_cast<std::uint32_t>(rng.below(5))};
    e.seq = static_cast<std::uint64_t>(i);
    all.push_back(e);
    q.push(e);
  }
  std::sort(all.begin(), all.end(), event_before);
  REQUIRE(q.size() == all.size());
  for (const Event& want : all) {
    const Event got = q.pop();
    REQUIRE(got.time == want.time);
    REQUIRE(got.src == want.src);
    REQUIRE(got.seq == want.seq);
  }
  REQUIRE(q.empty());
}

TEST_CASE("EventQueue interleaved pushes and pops stay ordered", "[engine][queue]") {
  RandomStream rng(11, 3);
  EventQueue q;
  double last = -1.0;
  std::uint64_t seq = 0;
  for (int i = 0; i < 100; ++i) q.push(Event{SimTime{rng.uniform()}, seq++, LpId{0}, LpId{0}, 0, {}});
  for (int i = 0; i < 20000; ++i) {
    const Event e = q.pop();
    REQUIRE(e.time.value >= last);
    last = e.time.value;
    q.push(Event{SimTime{e.time.value + rng.exponential(1.0)}, seq++, LpId{0}, LpId{0}, 0, {}});
  }
  REQUIRE(q.size() == 100);
}
