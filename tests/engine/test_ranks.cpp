// One simulation partitioned over ranks (Simulation::set_ranks), with the
// ranks as threads of this process: rows, trace hash, event count and
// observables equal the single-process run's, and errors reach every rank.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/engine/phold.hpp"
#include "support/collect_rows.hpp"
#include "support/thread_ranks.hpp"

using namespace simulacra;
using Catch::Matchers::Contains;
using simulacra::testing::CollectRows;

namespace {

PholdParams recorded(unsigned threads, unsigned partitions = 0) {
  PholdParams p;
  p.lps = 150;
  p.start_events = 3;
  p.remote = 0.4;
  p.end = 30.0;
  p.seed = 9;
  p.record = true;
  p.threads = threads;
  p.partitions = partitions;
  return p;
}

struct Outcome {
  std::vector<TableChunk> rows;
  std::uint64_t hash = 0;
  std::uint64_t events = 0;
  std::vector<double> observed;
};

Outcome alone(const PholdParams& p) {
  Simulation sim = make_phold(p);
  CollectRows out(sim.tables());
  sim.set_row_consumer(&out);
  sim.run_until(SimTime{p.end / 2});
  Outcome o;
  o.observed = sim.observe();
  sim.run_until(SimTime{p.end});
  sim.finish();
  o.rows = out.all;
  o.hash = sim.trace_hash();
  o.events = sim.committed_events();
  return o;
}

// Every rank's outcome; rows only on rank 0 (the others' consumers must stay empty).
std::vector<Outcome> over_ranks(const PholdParams& p, int ranks) {
  std::vector<Outcome> all(static_cast<std::size_t>(ranks));
  testing::run_ranks(ranks, [&](RankExchange& ex) {
    Simulation sim = make_phold(p);
    sim.set_ranks(&ex);
    CollectRows out(sim.tables());
    sim.set_row_consumer(&out);
    sim.run_until(SimTime{p.end / 2});
    Outcome& o = all[static_cast<std::size_t>(ex.rank())];
    o.observed = sim.observe();
    sim.run_until(SimTime{p.end});
    sim.finish();
    o.rows = out.all;
    o.hash = sim.trace_hash();
    o.events = sim.committed_events();
  });
  return all;
}

// LP `from` sends one event to LP `to` with `delay` at t = 1.
class Sender final : public Population {
 public:
  Sender(std::uint32_t from, std::uint32_t to, double delay, bool sliced)
      : from_(from), to_(to), delay_(delay), sliced_(sliced) {}
  std::string type_name() const override { return sliced_ ? "test.sender" : "test.unsliced"; }
  std::uint32_t lp_count() const override { return 8; }
  void init_lp(Context& ctx, std::uint32_t local) override {
    if (local == from_) ctx.send_self(SimTime{1.0}, 0);
  }
  void handle(Context& ctx, std::uint32_t, const Event& ev) override {
    if (ev.kind == 0) ctx.send(lp(to_), SimTime{delay_}, 1);
  }
  std::unique_ptr<Population> clone() const override { return std::make_unique<Sender>(*this); }
  bool lp_state_supported() const override { return sliced_; }
  void lp_state(StateArchive&, std::uint32_t, std::uint32_t) override {}

 private:
  std::uint32_t from_, to_;
  double delay_;
  bool sliced_;
};

Simulation make_sender(std::uint32_t from, std::uint32_t to, double delay, bool sliced) {
  EngineConfig cfg;
  cfg.threads = 1;
  cfg.lookahead = SimTime{0.5};
  Simulation sim(cfg, 1);
  sim.add_population(std::make_unique<Sender>(from, to, delay, sliced));
  return sim;
}

}  // namespace

TEST_CASE("a run over 1, 2 and 3 ranks gives one process's rows, trace hash, events and observables",
          "[engine][ranks]") {
  for (unsigned threads : {1u, 2u}) {
    for (unsigned partitions : {0u, 5u}) {
      const PholdParams p = recorded(threads, partitions);
      const Outcome want = alone(p);
      REQUIRE(want.rows.size() == 2);
      REQUIRE(want.rows[0].rows() == want.events);
      REQUIRE(want.rows[1].rows() == 150);
      for (int ranks : {1, 2, 3}) {
        INFO("threads " << threads << ", partitions " << partitions << ", ranks " << ranks);
        const std::vector<Outcome> got = over_ranks(p, ranks);
        for (int r = 0; r < ranks; ++r) {
          const Outcome& o = got[static_cast<std::size_t>(r)];
          CHECK(o.hash == want.hash);
          CHECK(o.events == want.events);
          CHECK(o.observed == want.observed);
          for (std::size_t t = 0; t < want.rows.size(); ++t) {
            if (r != 0) {
              CHECK(o.rows[t].rows() == 0);
              continue;
            }
            REQUIRE(o.rows[t].rows() == want.rows[t].rows());
            for (std::size_t c = 0; c < want.rows[t].column_count(); ++c) CHECK(o.rows[t].column(c) == want.rows[t].column(c));
          }
        }
      }
    }
  }
}

TEST_CASE("a lookahead violation on one rank stops every rank with its message", "[engine][ranks]") {
  // Two ranks over four partitions of two LPs: LP 5 is rank 1's, LP 0 rank 0's.
  std::mutex m;
  std::vector<std::string> messages;
  testing::run_ranks(2, [&](RankExchange& ex) {
    Simulation sim = make_sender(5, 0, 0.25, true);
    sim.set_ranks(&ex);
    try {
      sim.run_until(SimTime{10.0});
    } catch (const LookaheadError& e) {
      std::lock_guard<std::mutex> lock(m);
      messages.emplace_back(e.what());
    }
  });
  REQUIRE(messages.size() == 2);
  for (const auto& msg : messages) {
    CHECK_THAT(msg, Contains("LP 5 at t=1 sent an event to LP 0 for t=1.25") && Contains("delay 0.25 < lookahead 0.5"));
  }
}

TEST_CASE("a population type that cannot hand over its LPs' state is refused by name", "[engine][ranks]") {
  testing::ThreadHub hub(1);
  testing::ThreadExchange ex(hub, 0);
  Simulation sim = make_sender(5, 0, 1.0, false);
  REQUIRE_THROWS_AS(sim.set_ranks(&ex), UserError);
  REQUIRE_THROWS_WITH(sim.set_ranks(&ex), Contains("population type 'test.unsliced' cannot run partitioned over ranks"));
  Simulation fine = make_sender(5, 0, 1.0, true);
  REQUIRE_NOTHROW(fine.set_ranks(&ex));
  REQUIRE_THROWS_AS(Simulation(fine), std::logic_error);
}

TEST_CASE("an event crossing ranks is delivered at its time", "[engine][ranks]") {
  std::vector<std::uint64_t> events(2), hashes(2);
  testing::run_ranks(2, [&](RankExchange& ex) {
    Simulation sim = make_sender(6, 1, 0.5, true);
    sim.set_ranks(&ex);
    sim.run_until(SimTime{10.0});
    sim.collect_state();
    events[static_cast<std::size_t>(ex.rank())] = sim.committed_events();
    hashes[static_cast<std::size_t>(ex.rank())] = sim.trace_hash();
  });
  Simulation sim = make_sender(6, 1, 0.5, true);
  sim.run_until(SimTime{10.0});
  CHECK(events[0] == 2);
  CHECK(events[1] == 2);
  CHECK(hashes[0] == sim.trace_hash());
  CHECK(hashes[1] == sim.trace_hash());
}

TEST_CASE("ranks without a partition take part, and rank 0 still emits the end rows", "[engine][ranks]") {
  // Five LPs in three partitions of two over four ranks: one rank runs none.
  PholdParams p = recorded(1);
  p.lps = 5;
  const Outcome want = alone(p);
  REQUIRE(want.rows[1].rows() == 5);
  const std::vector<Outcome> got = over_ranks(p, 4);
  for (const Outcome& o : got) {
    CHECK(o.hash == want.hash);
    CHECK(o.events == want.events);
  }
  for (std::size_t t = 0; t < want.rows.size(); ++t) {
    REQUIRE(got[0].rows[t].rows() == want.rows[t].rows());
    for (std::size_t c = 0; c < want.rows[t].column_count(); ++c) CHECK(got[0].rows[t].column(c) == want.rows[t].column(c));
  }
}
