#include "csv_format.hpp"

#include <libdeflate.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <memory>
#include <new>

namespace simulacra::csv {

namespace {

/// Text growing at the end, with room for a number written in place.
class Text {
 public:
  explicit Text(std::string& s) : s_(s), used_(s.size()) {}
  ~Text() { s_.resize(used_); }
  Text(const Text&) = delete;
  Text& operator=(const Text&) = delete;

  char* room(std::size_t n) {
    if (used_ + n > s_.size()) s_.resize(std::max(2 * s_.size(), used_ + n + 4096));
    return s_.data() + used_;
  }
  void advance(std::size_t n) { used_ += n; }
  void put(char c) { *room(1) = c, ++used_; }
  void write(std::string_view t) {
    std::copy(t.begin(), t.end(), room(t.size()));
    used_ += t.size();
  }
  template <typename Number>
  void number(Number v) {
    // 32 bytes hold any int64 and the shortest round-trip form of any double.
    char* begin = room(32);
    advance(static_cast<std::size_t>(std::to_chars(begin, begin + 32, v).ptr - begin));
  }

 private:
  std::string& s_;
  std::size_t used_;
};

/// One field as RFC 4180 wants it: quoted when it holds a separator, quote or
/// line break, with quotes doubled. Empty strings are quoted too, so a table
/// with one string column never has a blank line that readers would skip.
void text_field(Text& out, const std::string& text) {
  if (text.empty()) {
    out.write("\"\"");
    return;
  }
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    out.write(text);
    return;
  }
  out.put('"');
  std::size_t from = 0;
  for (std::size_t quote = text.find('"'); quote != std::string::npos; quote = text.find('"', from)) {
    out.write(std::string_view(text).substr(from, quote + 1 - from));
    out.put('"');
    from = quote + 1;
  }
  out.write(std::string_view(text).substr(from));
  out.put('"');
}

/// Where one column's values start, typed, so the row loop needs no visit.
struct ColumnView {
  ColumnType type = ColumnType::int64;
  const std::int64_t* ints = nullptr;
  const double* doubles = nullptr;
  const std::string* strings = nullptr;
  const std::uint8_t* bools = nullptr;
};

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

}  // namespace

std::string header_line(const TableSchema& schema) {
  std::string s;
  {
    Text out(s);
    for (std::size_t c = 0; c < schema.columns.size(); ++c) {
      if (c > 0) out.put(',');
      text_field(out, schema.columns[c].name);
    }
    out.put('\n');
  }
  return s;
}

void append_rows(const TableSchema& schema, const TableChunk& rows, std::string& s) {
  std::vector<ColumnView> views(schema.columns.size());
  for (std::size_t c = 0; c < views.size(); ++c) {
    ColumnView& view = views[c];
    view.type = schema.columns[c].type;
    switch (view.type) {
      case ColumnType::int64: view.ints = std::get<0>(rows.column(c)).data(); break;
      case ColumnType::float64: view.doubles = std::get<1>(rows.column(c)).data(); break;
      case ColumnType::string: view.strings = std::get<2>(rows.column(c)).data(); break;
      case ColumnType::boolean: view.bools = std::get<3>(rows.column(c)).data(); break;
    }
  }
  Text out(s);
  for (std::size_t r = 0; r < rows.rows(); ++r) {
    for (std::size_t c = 0; c < views.size(); ++c) {
      if (c > 0) out.put(',');
      const ColumnView& view = views[c];
      switch (view.type) {
        case ColumnType::int64: out.number(view.ints[r]); break;
        case ColumnType::float64: out.number(view.doubles[r]); break;
        case ColumnType::string: text_field(out, view.strings[r]); break;
        case ColumnType::boolean: out.write(view.bools[r] != 0 ? "true" : "false"); break;
      }
    }
    out.put('\n');
  }
}

void gzip_member(const std::string& text, int level, std::vector<unsigned char>& out) {
  // One compressor per thread and level, kept for the thread's life.
  thread_local std::array<std::unique_ptr<libdeflate_compressor, CompressorDeleter>, 13> compressors;
  if (level < 1 || level > 12) level = 1;
  auto& c = compressors[static_cast<std::size_t>(level)];
  if (!c) c.reset(libdeflate_alloc_compressor(level));
  if (!c) throw std::bad_alloc();
  out.resize(libdeflate_gzip_compress_bound(c.get(), text.size()));
  const std::size_t n = libdeflate_gzip_compress(c.get(), text.data(), text.size(), out.data(), out.size());
  if (n == 0) throw std::bad_alloc();  // cannot happen: the bound always fits
  out.resize(n);
}

}  // namespace simulacra::csv
