// Routes a run's rows to its sinks: drops unselected tables, rows and columns
// (outputs.tables, outputs.where, outputs.columns), converts time columns to
// the scenario's unit, and cuts rows into chunks of exactly chunk_rows, so a
// sink never holds more than that per table. Carries the session's own
// tables (observables, rare-event samples) too. Internal to the engine.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "output_selection.hpp"
#include "simulacra/engine/row_buffer.hpp"
#include "simulacra/engine/table_sink.hpp"

namespace simulacra {

class SinkFanout final : public RowConsumer {
 public:
  /// `selection` covers the engine's tables; `out_tables` is its tables
  /// followed by the session's own.
  SinkFanout(const std::vector<TableSchema>& engine_tables, OutputTables selection,
             std::vector<TableSchema> out_tables, double time_scale, std::size_t chunk_rows,
             std::vector<std::unique_ptr<TableSink>> sinks)
      : route_(std::move(selection.route)), columns_(std::move(selection.columns)), where_(std::move(selection.where)),
        out_tables_(std::move(out_tables)), scale_(time_scale), chunk_rows_(std::max<std::size_t>(chunk_rows, 1)),
        sinks_(std::move(sinks)) {
    for (const auto& table : engine_tables) {
      std::vector<bool> is_time;
      for (const auto& c : table.columns) is_time.push_back(c.type == ColumnType::float64 && c.unit == "s");
      time_cols_.push_back(std::move(is_time));
    }
    // Reserved whole: a chunk never reallocates (no copies, no capacity
    // overshoot), and pages are only touched as rows arrive.
    for (const auto& t : out_tables_) pending_.emplace_back(t).reserve(sinks_.empty() ? 0 : chunk_rows_);
    rows_.assign(out_tables_.size(), 0);
    dropped_.assign(out_tables_.size(), 0);
  }

  void consume(std::size_t table, const TableChunk& rows) override {
    const int route = route_[table];
    if (route < 0 || rows.rows() == 0) return;
    const auto out = static_cast<std::size_t>(route);
    const std::uint32_t* index = nullptr;
    std::size_t n = rows.rows();
    if (where_[table]) {
      const std::size_t kept = where_[table]->select(rows, keep_);
      dropped_[out] += n - kept;
      if (kept != n) {
        index_.clear();
        for (std::size_t r = 0; r < n; ++r) {
          if (keep_[r] != 0) index_.push_back(static_cast<std::uint32_t>(r));
        }
        index = index_.data();
        n = kept;
      }
    }
    rows_[out] += n;
    if (sinks_.empty()) return;  // a run without a dataset (--format none) only counts its rows
    copy(out, rows, columns_[table], &time_cols_[table], index, n);
  }

  /// Appends rows of output table `out` that do not come from the engine.
  void append(std::size_t out, const TableChunk& rows) {
    rows_[out] += rows.rows();
    if (sinks_.empty()) return;
    std::vector<std::size_t> all(rows.column_count());
    for (std::size_t c = 0; c < all.size(); ++c) all[c] = c;
    copy(out, rows, all, nullptr, nullptr, rows.rows());
  }

  void flush_all() {
    for (std::size_t t = 0; t < pending_.size(); ++t) flush(t);
  }

  const std::vector<std::uint64_t>& rows() const { return rows_; }
  const std::vector<std::uint64_t>& dropped() const { return dropped_; }
  void set_counts(const std::vector<std::uint64_t>& rows, const std::vector<std::uint64_t>& dropped) {
    rows_ = rows;
    dropped_ = dropped;
  }
  const std::vector<TableSchema>& tables() const { return out_tables_; }
  std::vector<std::unique_ptr<TableSink>>& sinks() { return sinks_; }

 private:
  // Appends `n` rows of `src` (rows index[0..n) when `index` is given, else
  // rows 0..n) to output table `out`, columns `cols` of src in order, one
  // typed loop per column and piece; hands each full chunk to the sinks.
  void copy(std::size_t out, const TableChunk& src, const std::vector<std::size_t>& cols,
            const std::vector<bool>* time_cols, const std::uint32_t* index, std::size_t n) {
    TableChunk& dst = pending_[out];
    for (std::size_t from = 0; from < n;) {
      const std::size_t to = std::min(n, from + (chunk_rows_ - dst.rows()));
      for (std::size_t k = 0; k < cols.size(); ++k) {
        const std::size_t c = cols[k];
        const bool convert = time_cols != nullptr && (*time_cols)[c] && scale_ != 1.0;
        std::visit(
            [&](auto& d) {
              using V = std::decay_t<decltype(d)>;
              const V& s = std::get<V>(src.column(c));
              if constexpr (std::is_same_v<V, std::vector<double>>) {
                if (convert) {
                  if (index != nullptr) {
                    for (std::size_t i = from; i < to; ++i) d.push_back(s[index[i]] / scale_);
                  } else {
                    for (std::size_t i = from; i < to; ++i) d.push_back(s[i] / scale_);
                  }
                  return;
                }
              }
              if (index != nullptr) {
                for (std::size_t i = from; i < to; ++i) d.push_back(s[index[i]]);
              } else {
                d.insert(d.end(), s.begin() + static_cast<std::ptrdiff_t>(from), s.begin() + static_cast<std::ptrdiff_t>(to));
              }
            },
            dst.column(k));
      }
      dst.end_rows(to - from);
      from = to;
      if (dst.rows() >= chunk_rows_) flush(out);
    }
  }

  void flush(std::size_t t) {
    if (pending_[t].rows() == 0) return;
    for (auto& s : sinks_) s->write(t, pending_[t]);
    pending_[t].clear();
  }

  std::vector<int> route_;
  std::vector<std::vector<std::size_t>> columns_;
  std::vector<std::optional<RowCondition>> where_;
  std::vector<TableSchema> out_tables_;
  std::vector<std::vector<bool>> time_cols_;
  double scale_;
  std::size_t chunk_rows_;
  std::vector<std::unique_ptr<TableSink>> sinks_;
  std::vector<TableChunk> pending_;
  std::vector<std::uint64_t> rows_;
  std::vector<std::uint64_t> dropped_;
  std::vector<std::uint8_t> keep_;     // scratch for where_
  std::vector<std::uint32_t> index_;   // scratch: kept rows
};

}  // namespace simulacra
