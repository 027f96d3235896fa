#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/engine/phold.hpp"
#include "support/collect_rows.hpp"

using namespace simulacra;

namespace {

using Collect = simulacra::testing::CollectRows;

PholdParams recorded(SchedulerKind kind, unsigned threads) {
  PholdParams p;
  p.lps = 150;
  p.start_events = 3;
  p.remote = 0.4;
  p.end = 30.0;
  p.seed = 5;
  p.record = true;
  p.scheduler = kind;
  p.threads = threads;
  return p;
}

std::vector<TableChunk> collect(const PholdParams& p, std::uint64_t* events = nullptr) {
  Simulation sim = make_phold(p);
  Collect out(sim.tables());
  sim.set_row_consumer(&out);
  sim.run_until(SimTime{p.end});
  sim.finish();
  if (events != nullptr) *events = sim.committed_events();
  return out.all;
}

}  // namespace

TEST_CASE("rows arrive in commit order, identical for any scheduler and thread count", "[engine][rows]") {
  std::uint64_t events = 0;
  const auto want = collect(recorded(SchedulerKind::sequential, 1), &events);
  REQUIRE(want.size() == 2);
  REQUIRE(want[0].rows() == events);  // one row per committed event
  const auto& times = std::get<std::vector<double>>(want[0].column(0));
  CHECK(std::is_sorted(times.begin(), times.end()));
  for (unsigned threads : {1u, 2u, 4u}) {
    const auto got = collect(recorded(SchedulerKind::parallel, threads));
    for (std::size_t t = 0; t < want.size(); ++t) {
      REQUIRE(got[t].rows() == want[t].rows());
      for (std::size_t c = 0; c < want[t].column_count(); ++c) CHECK(got[t].column(c) == want[t].column(c));
    }
  }
}

TEST_CASE("end-of-run rows come from finish, one per LP", "[engine][rows]") {
  const auto rows = collect(recorded(SchedulerKind::parallel, 2));
  REQUIRE(rows[1].rows() == 150);
  const auto& handled = std::get<std::vector<std::int64_t>>(rows[1].column(1));
  std::int64_t total = 0;
  for (auto h : handled) total += h;
  CHECK(static_cast<std::uint64_t>(total) == rows[0].rows());
}

TEST_CASE("a long single-partition run streams rows in bounded batches", "[engine][rows]") {
  PholdParams p = recorded(SchedulerKind::sequential, 1);
  p.end = 1000.0;  // ~450k rows
  Simulation sim = make_phold(p);
  Collect out(sim.tables());
  sim.set_row_consumer(&out);
  sim.run_until(SimTime{p.end});
  CHECK(out.batches > 4);
}

namespace {
class BadEmitter final : public Population {
 public:
  std::string type_name() const override { return "test.bad"; }
  std::uint32_t lp_count() const override { return 1; }
  std::vector<TableSchema> tables() const override {
    return {TableSchema{"t", "a row", {{"x", ColumnType::int64, "", ""}}}};
  }
  void init_lp(Context& ctx, std::uint32_t) override { ctx.emit(0, 1.5); }
  void handle(Context&, std::uint32_t, const Event&) override {}
  std::unique_ptr<Population> clone() const override { return std::make_unique<BadEmitter>(*this); }
};
}  // namespace

TEST_CASE("a row that does not match its table's columns is a programmer error", "[engine][rows]") {
  Simulation sim(EngineConfig{SchedulerKind::sequential, 1, 0, SimTime{0.0}}, 1);
  sim.add_population(std::make_unique<BadEmitter>());
  REQUIRE_THROWS_AS(sim.run_until(SimTime{1.0}), std::logic_error);
}
