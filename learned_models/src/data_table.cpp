// CSV reading with positions in every message, type detection, and writing.
#include "simulacra/learned/data_table.hpp"

#include "column_typing.hpp"
#include "simulacra/learned/datetime.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

namespace simulacra::learned {

const char* to_string(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::numeric: return "numeric";
    case ColumnKind::categorical: return "categorical";
    case ColumnKind::id: return "id";
    case ColumnKind::datetime: return "datetime";
  }
  return "?";
}

std::optional<ColumnKind> kind_named(const std::string& text) {
  for (ColumnKind k : {ColumnKind::numeric, ColumnKind::categorical, ColumnKind::id, ColumnKind::datetime})
    if (text == to_string(k)) return k;
  return std::nullopt;
}

std::size_t DataTable::index(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return i;
  std::string list;
  for (const auto& c : columns) list += (list.empty() ? "" : ", ") + c.name;
  throw DataError("unknown column '" + name + "' (columns: " + list + ")");
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

std::string DataTable::cell_text(std::size_t column, std::size_t row) const {
  const DataColumn& c = columns[column];
  const double v = c.values[row];
  if (c.kind == ColumnKind::categorical || c.kind == ColumnKind::id) return c.levels[static_cast<std::size_t>(v)];
  if (std::isnan(v)) return "";
  if (c.kind == ColumnKind::datetime) return format_datetime(v, c.format);
  return format_number(v);
}

namespace {

using detail::Field;
using detail::where;

// Splits CSV text into records of fields, remembering where each field starts,
// so every later message can point at the offending cell.
std::vector<std::vector<Field>> split_records(const std::string& text, const std::string& source) {
  std::vector<std::vector<Field>> records;
  std::vector<Field> record;
  std::size_t line = 1;
  std::size_t col = 1;
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto at_line_end = [&](std::size_t k) {
    return k >= n || text[k] == '\n' || (text[k] == '\r' && k + 1 < n && text[k + 1] == '\n') ||
           (text[k] == '\r' && k + 1 == n);
  };
  while (i < n) {
    Field f;
    f.line = line;
    f.column = col;
    if (text[i] == '"') {
      ++i;
      ++col;
      bool closed = false;
      while (i < n) {
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            f.text += '"';
            i += 2;
            col += 2;
            continue;
          }
          ++i;
          ++col;
          closed = true;
          break;
        }
        if (text[i] == '\n') {
          ++line;
          col = 1;
        } else {
          ++col;
        }
        f.text += text[i++];
      }
      if (!closed)
        throw DataError(where(source, f.line, f.column) + "unterminated quoted field");
      if (i < n && text[i] != ',' && !at_line_end(i))
        throw DataError(where(source, line, col) + "unexpected '" + std::string(1, text[i]) +
                        "' after a closing quote (expected ',' or end of line)");
    } else {
      while (i < n && text[i] != ',' && !at_line_end(i)) {
        if (text[i] == '"')
          throw DataError(where(source, line, col) +
                          "quote inside an unquoted field (quote the whole field and double the quote)");
        f.text += text[i++];
        ++col;
      }
    }
    record.push_back(std::move(f));
    if (i < n && text[i] == ',') {
      ++i;
      ++col;
      if (i >= n || at_line_end(i)) record.push_back(Field{"", line, col});  // trailing empty field
      else continue;
    }
    // At a line end (or the end of the text): close the record.
    if (i < n) i += text[i] == '\r' ? 2 : 1;
    const bool blank = record.size() == 1 && record[0].text.empty() && record[0].column == 1;
    if (!blank) records.push_back(std::move(record));
    record.clear();
    ++line;
    col = 1;
  }
  return records;
}

}  // namespace

std::pair<std::string, ColumnKind> parse_type_override(const std::string& text) {
  const auto eq = text.find('=');
  const std::string name = text.substr(0, eq);
  const std::string kind = eq == std::string::npos ? "" : text.substr(eq + 1);
  const auto k = kind_named(kind);
  if (eq == std::string::npos || name.empty() || !k)
    throw DataError("--type '" + text + "': expected COLUMN=numeric, categorical, id or datetime");
  return {name, *k};
}

DataTable parse_csv(const std::string& text, const std::string& source,
                    const TypeOverrides& overrides, bool allow_missing) {
  const auto records = split_records(text, source);
  if (records.empty()) throw DataError(source + ": empty file (expected a header row naming the columns)");
  const auto& header = records[0];
  DataTable table;
  std::set<std::string> seen;
  for (const Field& f : header) {
    if (f.text.empty()) throw DataError(where(source, f.line, f.column) + "empty column name");
    if (!seen.insert(f.text).second)
      throw DataError(where(source, f.line, f.column) + "duplicate column name '" + f.text + "'");
    DataColumn c;
    c.name = f.text;
    table.columns.push_back(std::move(c));
  }
  for (const auto& [name, kind] : overrides) {
    if (seen.count(name) == 0) {
      std::string list;
      for (const auto& c : table.columns) list += (list.empty() ? "" : ", ") + c.name;
      throw DataError(source + ": --type names unknown column '" + name + "' (columns: " + list + ")");
    }
  }
  if (records.size() < 2) throw DataError(source + ": no data rows (the table is empty)");
  const std::size_t ncol = header.size();
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    if (rec.size() != ncol) {
      const Field& at = rec.size() > ncol ? rec[ncol] : rec.back();
      const std::size_t col = rec.size() > ncol ? at.column : at.column + at.text.size();
      throw DataError(where(source, at.line, col) + "expected " + std::to_string(ncol) +
                      " fields (as in the header), found " + std::to_string(rec.size()));
    }
  }
  table.rows = records.size() - 1;
  std::vector<const Field*> cells(table.rows);
  for (std::size_t c = 0; c < ncol; ++c) {
    DataColumn& col = table.columns[c];
    for (std::size_t r = 0; r < table.rows; ++r) cells[r] = &records[r + 1][c];
    const auto forced = overrides.find(col.name);
    detail::type_column(col, cells,
                        forced == overrides.end() ? std::nullopt : std::optional<ColumnKind>(forced->second), source,
                        allow_missing);
  }
  return table;
}

DataTable read_csv(const std::string& path, const TypeOverrides& overrides, bool allow_missing) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open file for reading");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw DataError(path + ": read error");
  return parse_csv(text.str(), path, overrides, allow_missing);
}

namespace {

std::string csv_field(const std::string& s) {
  if (!s.empty() && s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) {
    if (ch == '"') q += '"';
    q += ch;
  }
  return q + "\"";
}

}  // namespace

int decimals_of(const std::string& text) {
  if (text.find_first_of("eE") != std::string::npos) {
    // "-3e2" is a whole number; "1.5e-3" says nothing about a precision.
    double v = 0.0;
    return detail::parse_double(text, v) && v == std::round(v) ? 0 : -1;
  }
  const std::size_t dot = text.find('.');
  if (dot == std::string::npos) return 0;
  std::size_t end = text.size();
  while (end > dot + 1 && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  const auto places = static_cast<int>(end - dot - 1);
  return places > kMaxDecimals ? -1 : places;
}

namespace {

// `v` with exactly `places` decimals ("83799.50"), or the shortest form when
// that would not be exact enough to read back as a value of that precision.
std::string fixed_number(double v, int places) {
  if (!std::isfinite(v)) return format_number(v);
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, places);
  if (r.ec != std::errc()) return format_number(v);
  std::string s(buf, r.ptr);
  if (s == "-0" || s.rfind("-0.", 0) == 0) {
    if (s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);  // no "-0.00"
  }
  return s;
}

}  // namespace

std::string to_csv(const DataTable& table) {
  std::string out;
  for (std::size_t c = 0; c < table.columns.size(); ++c)
  {
    if (c) out += ',';
    out += csv_field(table.columns[c].name);
  }
  out += '\n';
  for (std::size_t r = 0; r < table.rows; ++r) {
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      if (c) out += ',';
      const DataColumn& col = table.columns[c];
      if (col.kind != ColumnKind::numeric) {
        // An empty datetime or id is written bare, as an empty number is.
        const std::string text = table.cell_text(c, r);
        const bool bare = text.empty() && col.kind != ColumnKind::categorical && table.columns.size() > 1;
        if (!bare) out += csv_field(text);
      } else if (std::isnan(col.values[r])) {
        if (table.columns.size() == 1) out += "\"\"";  // a bare empty cell would be a blank line, skipped
      } else if (col.decimals > 0) {
        out += fixed_number(col.values[r], col.decimals);
      } else {
        out += format_number(col.values[r]);
      }
    }
    out += '\n';
  }
  return out;
}

void write_csv(const DataTable& table, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp-" + std::to_string(::getpid());
  const fs::path tmp = target.parent_path() / name;
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw DataError(path + ": cannot create file");
    out << to_csv(table);
    if (!out.flush()) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw DataError(path + ": cannot write file");
    }
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw DataError(path + ": cannot write file: " + ec.message());
  }
}

}  // namespace simulacra::learned
