// CSV text of a table's rows (RFC 4180 quoting, shortest round-trip numbers
// by std::to_chars) and gzip members of it (libdeflate), as pure functions
// of their input: the CSV writer runs them on worker threads.
#pragma once

#include <string>
#include <vector>

#include "simulacra/engine/table.hpp"

namespace simulacra::csv {

/// A table's first line: its column names, quoted like any field, then '\n'.
std::string header_line(const TableSchema& schema);

/// Appends one line per row of `rows` (a chunk of `schema`) to `out`.
void append_rows(const TableSchema& schema, const TableChunk& rows, std::string& out);

/// `text` as one complete gzip member (RFC 1952) compressed at deflate
/// `level` (1..12, libdeflate's scale), into `out`. Concatenated members are
/// one gzip file, as zcat and Python's gzip read it. Throws std::bad_alloc.
void gzip_member(const std::string& text, int level, std::vector<unsigned char>& out);

}  // namespace simulacra::csv
