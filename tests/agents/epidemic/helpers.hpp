// Shared helpers for the epidemic tests: run a simulation to a day and keep
// every row it emits.
#pragma once

#include <vector>

#include "support/collect_rows.hpp"
#include "simulacra/agents/epidemic/epidemic.hpp"

namespace epi_test {

using Collect = simulacra::testing::CollectRows;

struct Outcome {
  std::uint64_t trace_hash = 0;
  std::uint64_t infected = 0;  ///< ever infected
  std::vector<simulacra::TableChunk> rows;
};

inline Outcome run(const simulacra::epidemic::EpidemicParams& p, double days, unsigned threads = 1,
                   bool keep_rows = false,
                   simulacra::SchedulerKind kind = simulacra::SchedulerKind::parallel) {
  simulacra::Simulation sim = simulacra::epidemic::make_epidemic(p, threads, kind);
  Collect out(sim.tables());
  if (keep_rows) sim.set_row_consumer(&out);
  sim.run_until(simulacra::SimTime{days * simulacra::epidemic::kDay});
  sim.finish();
  Outcome o;
  o.trace_hash = sim.trace_hash();
  o.infected = dynamic_cast<const simulacra::epidemic::EpidemicPopulation&>(sim.population(0)).ever_infected();
  if (keep_rows) o.rows = std::move(out.all);
  return o;
}

}  // namespace epi_test
