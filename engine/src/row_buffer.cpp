#include "simulacra/engine/row_buffer.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <utility>

namespace simulacra {

void RowBuffer::reset(const std::vector<TableSchema>& tables) {
  chunks.clear();
  for (const auto& t : tables) chunks.emplace_back(t);
  keys.assign(tables.size(), {});
  rows = 0;
}

void RowBuffer::clear() {
  for (auto& c : chunks) c.clear();
  for (auto& k : keys) k.clear();
  rows = 0;
}

void RowMerger::merge(std::vector<RowBuffer*>& buffers, const std::vector<TableSchema>& tables, RowConsumer& out) {
  if (merged_.size() != tables.size()) {
    merged_.clear();
    for (const auto& schema : tables) merged_.emplace_back(schema);
  }
  for (std::size_t t = 0; t < tables.size(); ++t) {
    sources_.clear();
    for (RowBuffer* b : buffers) {
      const std::size_t rows = b->chunks[t].rows();
      if (rows == 0) continue;
      const auto& keys = b->keys[t];
      const std::uint32_t* perm = nullptr;
      if (!std::is_sorted(keys.begin(), keys.end())) {
        // Stable: equal keys keep their emission order (the index breaks ties).
        if (perms_.size() <= sources_.size()) perms_.resize(sources_.size() + 1);
        auto& p = perms_[sources_.size()];
        p.resize(rows);
        std::iota(p.begin(), p.end(), 0u);
        std::sort(p.begin(), p.end(), [&](std::uint32_t x, std::uint32_t y) {
          if (keys[x] < keys[y]) return true;
          if (keys[y] < keys[x]) return false;
          return x < y;
        });
        perm = p.data();
      }
      sources_.push_back({b, perm, rows});
    }
    if (sources_.empty()) continue;
    if (sources_.size() == 1 && sources_[0].perm == nullptr) {
      out.consume(t, sources_[0].buffer->chunks[t]);  // already in order: no copy
      continue;
    }
    order_rows(t);
    gather(t, tables[t], out);
  }
  for (RowBuffer* b : buffers) b->clear();
}

void RowMerger::order_rows(std::size_t t) {
  order_.clear();
  if (sources_.size() == 1) {
    for (std::size_t i = 0; i < sources_[0].rows; ++i) order_.emplace_back(0u, row_at(sources_[0], i));
    return;
  }
  // Keys never tie across partitions (an event is committed by exactly one
  // partition); on a tie the earlier source goes first all the same.
  if (sources_.size() == 2) {
    const Source& a = sources_[0];
    const Source& b = sources_[1];
    const auto& ka = a.buffer->keys[t];
    const auto& kb = b.buffer->keys[t];
    std::size_t i = 0, j = 0;
    while (i < a.rows && j < b.rows) {
      const std::uint32_t ra = row_at(a, i), rb = row_at(b, j);
      if (kb[rb] < ka[ra]) {
        order_.emplace_back(1u, rb);
        ++j;
      } else {
        order_.emplace_back(0u, ra);
        ++i;
      }
    }
    for (; i < a.rows; ++i) order_.emplace_back(0u, row_at(a, i));
    for (; j < b.rows; ++j) order_.emplace_back(1u, row_at(b, j));
    return;
  }
  using Head = std::pair<RowKey, std::uint32_t>;  // key, source
  const auto later = [](const Head& x, const Head& y) {
    if (y.first < x.first) return true;
    if (x.first < y.first) return false;
    return x.second > y.second;
  };
  heap_.clear();
  std::vector<std::size_t> pos(sources_.size(), 0);
  for (std::uint32_t s = 0; s < sources_.size(); ++s) heap_.emplace_back(sources_[s].buffer->keys[t][row_at(sources_[s], 0)], s);
  std::make_heap(heap_.begin(), heap_.end(), later);
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    const std::uint32_t s = heap_.back().second;
    heap_.pop_back();
    const Source& src = sources_[s];
    order_.emplace_back(s, row_at(src, pos[s]));
    if (++pos[s] < src.rows) {
      heap_.emplace_back(src.buffer->keys[t][row_at(src, pos[s])], s);
      std::push_heap(heap_.begin(), heap_.end(), later);
    }
  }
}

void RowMerger::gather(std::size_t t, const TableSchema& schema, RowConsumer& out) {
  TableChunk& merged = merged_[t];
  if (!merged.consistent_with(schema)) merged = TableChunk(schema);
  merged.clear();
  for (std::size_t c = 0; c < merged.column_count(); ++c) {
    std::visit(
        [&](auto& dst) {
          using V = std::decay_t<decltype(dst)>;
          // The sources are cleared after the merge, so their values move.
          std::array<V*, 8> few{};
          std::vector<V*> many;
          V** src = few.data();
          if (sources_.size() > few.size()) {
            many.resize(sources_.size());
            src = many.data();
          }
          for (std::size_t s = 0; s < sources_.size(); ++s) src[s] = &std::get<V>(sources_[s].buffer->chunks[t].column(c));
          dst.reserve(order_.size());
          for (const auto& [s, r] : order_) dst.push_back(std::move((*src[s])[r]));
        },
        merged.column(c));
  }
  merged.end_rows(order_.size());
  out.consume(t, merged);
  merged.clear();
}

void merge_rows(std::vector<RowBuffer*>& buffers, const std::vector<TableSchema>& tables,
                RowConsumer& out) {
  RowMerger merger;
  merger.merge(buffers, tables, out);
}

}  // namespace simulacra
