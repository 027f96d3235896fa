// Routes a run's rows to its sinks: drops unselected tables, converts time
// columns to the scenario's unit, batches rows into chunk_rows, and carries
// the session's own `observables` table. Internal to the engine.
#pragma once

#include <memory>
#include <variant>
#include <vector>

#include "simulacra/engine/row_buffer.hpp"
#include "simulacra/engine/table_sink.hpp"

namespace simulacra {

// Routes the engine's rows to the sinks: drops unselected tables, converts
// time columns to the scenario's unit, and batches rows into chunk_rows.
class SinkFanout final : public RowConsumer {
 public:
  SinkFanout(const std::vector<TableSchema>& engine_tables, const std::vector<int>& route,
             std::vector<TableSchema> out_tables, double time_scale, std::size_t chunk_rows,
             std::vector<std::unique_ptr<TableSink>> sinks)
      : route_(route), out_tables_(std::move(out_tables)), scale_(time_scale), chunk_rows_(chunk_rows),
        sinks_(std::move(sinks)) {
    for (std::size_t t = 0; t < engine_tables.size(); ++t) {
      std::vector<bool> is_time;
      for (const auto& c : engine_tables[t].columns) is_time.push_back(c.type == ColumnType::float64 && c.unit == "s");
      time_cols_.push_back(std::move(is_time));
    }
    for (const auto& t : out_tables_) pending_.emplace_back(t);
    rows_.assign(out_tables_.size(), 0);
  }

  void consume(std::size_t table, const TableChunk& rows) override {
    const int out = route_[table];
    if (out < 0) return;
    if (sinks_.empty()) {  // a run without a dataset (--format none) only counts its rows
      rows_[static_cast<std::size_t>(out)] += rows.rows();
      return;
    }
    TableChunk& dst = pending_[static_cast<std::size_t>(out)];
    for (std::size_t c = 0; c < rows.column_count(); ++c) {
      const bool convert = time_cols_[table][c] && scale_ != 1.0;
      std::visit(
          [&](auto& d) {
            using V = std::decay_t<decltype(d)>;
            const V& s = std::get<V>(rows.column(c));
            if constexpr (std::is_same_v<V, std::vector<double>>) {
              if (convert) {
                for (double x : s) d.push_back(x / scale_);
                return;
              }
            }
            d.insert(d.end(), s.begin(), s.end());
          },
          dst.column(c));
    }
    for (std::size_t r = 0; r < rows.rows(); ++r) dst.end_row();
    rows_[static_cast<std::size_t>(out)] += rows.rows();
    if (dst.rows() >= chunk_rows_) flush(static_cast<std::size_t>(out));
  }

  /// Appends rows of output table `out` that do not come from the engine.
  void append(std::size_t out, const TableChunk& rows) {
    rows_[out] += rows.rows();
    if (sinks_.empty()) return;
    TableChunk& dst = pending_[out];
    for (std::size_t r = 0; r < rows.rows(); ++r) dst.append_row_from(rows, r);
    if (dst.rows() >= chunk_rows_) flush(out);
  }

  void flush_all() {
    for (std::size_t t = 0; t < pending_.size(); ++t) flush(t);
  }

  const std::vector<std::uint64_t>& rows() const { return rows_; }
  void set_rows(const std::vector<std::uint64_t>& rows) { rows_ = rows; }
  const std::vector<TableSchema>& tables() const { return out_tables_; }
  std::vector<std::unique_ptr<TableSink>>& sinks() { return sinks_; }

 private:
  void flush(std::size_t t) {
    if (pending_[t].rows() == 0) return;
    for (auto& s : sinks_) s->write(t, pending_[t]);
    pending_[t].clear();
  }

  std::vector<int> route_;
  std::vector<TableSchema> out_tables_;
  std::vector<std::vector<bool>> time_cols_;
  double scale_;
  std::size_t chunk_rows_;
  std::vector<std::unique_ptr<TableSink>> sinks_;
  std::vector<TableChunk> pending_;
  std::vector<std::uint64_t> rows_;
};

}  // namespace simulacra
