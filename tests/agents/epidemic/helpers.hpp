// Shared helpers for the epidemic tests: run a simulation to a day and keep
// every row it emits; compare tables bit for bit.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
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

template <class T>
const std::vector<T>& col(const simulacra::TableChunk& t, std::size_t c) {
  return std::get<std::vector<T>>(t.column(c));
}

/// Equal values, NaN matching NaN (generation intervals without infector):
/// doubles are compared by their bits.
inline bool same(const simulacra::ColumnData& a, const simulacra::ColumnData& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<std::vector<double>>(&a)) {
    const auto& y = std::get<std::vector<double>>(b);
    if (x->size() != y.size()) return false;
    for (std::size_t i = 0; i < x->size(); ++i) {
      if (std::bit_cast<std::uint64_t>((*x)[i]) != std::bit_cast<std::uint64_t>(y[i])) return false;
    }
    return true;
  }
  return a == b;
}

/// Empty when the two datasets hold the same rows in the same order, bit for
/// bit; otherwise the first table and column that differ.
inline std::string difference(const std::vector<simulacra::TableChunk>& a, const std::vector<simulacra::TableChunk>& b) {
  if (a.size() != b.size()) return "table count";
  for (std::size_t t = 0; t < a.size(); ++t) {
    if (a[t].rows() != b[t].rows()) {
      return "table " + std::to_string(t) + ": " + std::to_string(a[t].rows()) + " vs " + std::to_string(b[t].rows()) + " rows";
    }
    for (std::size_t c = 0; c < a[t].column_count(); ++c) {
      if (!same(a[t].column(c), b[t].column(c))) return "table " + std::to_string(t) + " column " + std::to_string(c);
    }
  }
  return {};
}

/// Appends every row of `more` to `rows` (a run continued elsewhere).
inline void append(std::vector<simulacra::TableChunk>& rows, const std::vector<simulacra::TableChunk>& more) {
  for (std::size_t t = 0; t < rows.size(); ++t) {
    for (std::size_t r = 0; r < more[t].rows(); ++r) rows[t].append_row_from(more[t], r);
  }
}

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
