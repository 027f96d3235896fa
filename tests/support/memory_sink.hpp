// A dataset sink for tests: keeps every table's rows and the provenance in
// memory, shared with the test through a handle that outlives the sink.
#pragma once

#include <cstring>
#include <memory>
#include <vector>

#include "simulacra/engine/table_sink.hpp"

namespace simulacra::testing {

struct MemoryDataset {
  std::vector<TableSchema> tables;
  std::vector<TableChunk> rows;
  Provenance provenance;
  bool committed = false;
  bool aborted = false;

  /// The rows of the table called `name`, or nullptr.
  const TableChunk* table(const std::string& name) const {
    for (std::size_t i = 0; i < tables.size(); ++i) {
      if (tables[i].name == name) return &rows[i];
    }
    return nullptr;
  }
};

class MemorySink final : public TableSink {
 public:
  explicit MemorySink(std::shared_ptr<MemoryDataset> out) : out_(std::move(out)) {}
  void open(const std::vector<TableSchema>& tables) override {
    out_->tables = tables;
    out_->rows.clear();
    for (const auto& t : tables) out_->rows.emplace_back(t);
  }
  void write(std::size_t table, const TableChunk& rows) override {
    for (std::size_t r = 0; r < rows.rows(); ++r) out_->rows[table].append_row_from(rows, r);
  }
  void commit(const Provenance& provenance) override {
    out_->provenance = provenance;
    out_->committed = true;
  }
  void abort() noexcept override { out_->aborted = !out_->committed; }

 private:
  std::shared_ptr<MemoryDataset> out_;
};

/// One MemorySink in a vector, as RunSession::attach takes it.
inline std::vector<std::unique_ptr<TableSink>> memory_sinks(const std::shared_ptr<MemoryDataset>& out) {
  std::vector<std::unique_ptr<TableSink>> v;
  v.push_back(std::make_unique<MemorySink>(out));
  return v;
}

/// Every column of every table equal, value for value (doubles bit for bit,
/// so NaN equals NaN).
inline bool same_tables(const MemoryDataset& a, const MemoryDataset& b) {
  if (a.rows.size() != b.rows.size()) return false;
  for (std::size_t t = 0; t < a.rows.size(); ++t) {
    if (a.rows[t].rows() != b.rows[t].rows()) return false;
    for (std::size_t c = 0; c < a.rows[t].column_count(); ++c) {
      const auto& x = a.rows[t].column(c);
      const auto& y = b.rows[t].column(c);
      if (x.index() != y.index()) return false;
      if (const auto* dx = std::get_if<std::vector<double>>(&x)) {
        const auto& dy = std::get<std::vector<double>>(y);
        if (dx->size() != dy.size() || std::memcmp(dx->data(), dy.data(), dx->size() * sizeof(double)) != 0) return false;
      } else if (x != y) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace simulacra::testing
