#include "simulacra/engine/row_buffer.hpp"

#include <algorithm>
#include <numeric>
#include <queue>
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

namespace {

// Puts table t of `b` in key order (stable), for rows emitted out of order.
void sort_table(RowBuffer& b, std::size_t t) {
  auto& keys = b.keys[t];
  if (std::is_sorted(keys.begin(), keys.end())) return;
  std::vector<std::uint32_t> perm(keys.size());
  std::iota(perm.begin(), perm.end(), 0u);
  std::stable_sort(perm.begin(), perm.end(), [&](std::uint32_t x, std::uint32_t y) { return keys[x] < keys[y]; });
  TableChunk& chunk = b.chunks[t];
  for (std::size_t c = 0; c < chunk.column_count(); ++c) {
    std::visit(
        [&](auto& col) {
          std::decay_t<decltype(col)> sorted;
          sorted.reserve(col.size());
          for (std::uint32_t r : perm) sorted.push_back(std::move(col[r]));
          col = std::move(sorted);
        },
        chunk.column(c));
  }
  std::vector<RowKey> sorted_keys;
  sorted_keys.reserve(keys.size());
  for (std::uint32_t r : perm) sorted_keys.push_back(keys[r]);
  keys = std::move(sorted_keys);
}

}  // namespace

void merge_rows(std::vector<RowBuffer*>& buffers, const std::vector<TableSchema>& tables,
                RowConsumer& out) {
  for (RowBuffer* b : buffers) {
    for (std::size_t t = 0; t < tables.size(); ++t) sort_table(*b, t);
  }
  for (std::size_t t = 0; t < tables.size(); ++t) {
    std::vector<RowBuffer*> live;
    for (RowBuffer* b : buffers) {
      if (b->chunks[t].rows() != 0) live.push_back(b);
    }
    if (live.empty()) continue;
    if (live.size() == 1) {
      out.consume(t, live[0]->chunks[t]);
      continue;
    }
    // k-way merge; keys never tie across partitions (an event is committed by
    // exactly one partition), and within a buffer rows keep their order.
    using Head = std::pair<RowKey, std::size_t>;  // key, index into live
    auto later = [](const Head& a, const Head& b) {
      if (b.first < a.first) return true;
      if (a.first < b.first) return false;
      return a.second > b.second;
    };
    std::priority_queue<Head, std::vector<Head>, decltype(later)> heap(later);
    std::vector<std::size_t> pos(live.size(), 0);
    std::size_t total = 0;
    for (std::size_t i = 0; i < live.size(); ++i) {
      heap.emplace(live[i]->keys[t][0], i);
      total += live[i]->chunks[t].rows();
    }
    // First the order (which buffer, which row), then each column copied in
    // one typed loop: far cheaper than visiting every cell's variant.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> order;
    order.reserve(total);
    while (!heap.empty()) {
      const std::size_t i = heap.top().second;
      heap.pop();
      order.emplace_back(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(pos[i]));
      if (++pos[i] < live[i]->chunks[t].rows()) heap.emplace(live[i]->keys[t][pos[i]], i);
    }
    TableChunk merged(tables[t]);
    for (std::size_t c = 0; c < merged.column_count(); ++c) {
      std::visit(
          [&](auto& dst) {
            using V = std::decay_t<decltype(dst)>;
            std::vector<const V*> src;
            for (RowBuffer* b : live) src.push_back(&std::get<V>(b->chunks[t].column(c)));
            dst.reserve(total);
            for (const auto& [b, r] : order) dst.push_back((*src[b])[r]);
          },
          merged.column(c));
    }
    merged.end_rows(total);
    out.consume(t, merged);
  }
  for (RowBuffer* b : buffers) b->clear();
}

}  // namespace simulacra
