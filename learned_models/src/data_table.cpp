// CSV reading with positions in every message, type detection, and writing.
#include "simulacra/learned/data_table.hpp"

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
  return kind == ColumnKind::numeric ? "numeric" : "categorical";
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
  if (c.kind == ColumnKind::categorical) return c.levels[static_cast<std::size_t>(v)];
  return format_number(v);
}

namespace {

struct Field {
  std::string text;
  std::size_t line = 0;
  std::size_t column = 0;
};

std::string where(const std::string& source, std::size_t line, std::size_t column) {
  return source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

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

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  if (b == e) return false;
  const char* first = s.data() + b;
  if (*first == '+') ++first;
  const auto res = std::from_chars(first, s.data() + e, out);
  return res.ec == std::errc() && res.ptr == s.data() + e && std::isfinite(out);
}

}  // namespace

std::pair<std::string, ColumnKind> parse_type_override(const std::string& text) {
  const auto eq = text.find('=');
  const std::string name = text.substr(0, eq);
  const std::string kind = eq == std::string::npos ? "" : text.substr(eq + 1);
  if (eq == std::string::npos || name.empty() || (kind != "numeric" && kind != "categorical"))
    throw DataError("--type '" + text + "': expected COLUMN=numeric or COLUMN=categorical");
  return {name, kind == "numeric" ? ColumnKind::numeric : ColumnKind::categorical};
}

DataTable parse_csv(const std::string& text, const std::string& source,
                    const TypeOverrides& overrides) {
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
  for (std::size_t c = 0; c < ncol; ++c) {
    DataColumn& col = table.columns[c];
    const auto forced = overrides.find(col.name);
    std::vector<double> numbers(table.rows);
    bool numeric = true;
    std::size_t first_bad = 0;
    for (std::size_t r = 0; r < table.rows && numeric; ++r) {
      if (!parse_double(records[r + 1][c].text, numbers[r])) {
        numeric = false;
        first_bad = r;
      }
    }
    if (forced != overrides.end() && forced->second == ColumnKind::numeric && !numeric) {
      const Field& f = records[first_bad + 1][c];
      throw DataError(where(source, f.line, f.column) + "column '" + col.name + "' is numeric but " +
                      (f.text.empty() ? std::string("the value is missing")
                                      : "'" + f.text + "' is not a number"));
    }
    const bool categorical =
        forced != overrides.end() ? forced->second == ColumnKind::categorical : !numeric;
    if (!categorical) {
      col.kind = ColumnKind::numeric;
      col.values = std::move(numbers);
      col.integral = std::all_of(col.values.begin(), col.values.end(),
                                 [](double v) { return v == std::round(v); });
      for (std::size_t r = 0; r < table.rows; ++r) {
        const int d = decimals_of(records[r + 1][c].text);
        if (d < 0) {
          col.decimals = -1;
          break;
        }
        col.decimals = std::max(col.decimals, d);
      }
      continue;
    }
    col.kind = ColumnKind::categorical;
    std::set<std::string> levels;
    for (std::size_t r = 0; r < table.rows; ++r) levels.insert(records[r + 1][c].text);
    col.levels.assign(levels.begin(), levels.end());
    col.values.resize(table.rows);
    for (std::size_t r = 0; r < table.rows; ++r) {
      const auto it = std::lower_bound(col.levels.begin(), col.levels.end(), records[r + 1][c].text);
      col.values[r] = static_cast<double>(it - col.levels.begin());
    }
  }
  return table;
}

DataTable read_csv(const std::string& path, const TypeOverrides& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open file for reading");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw DataError(path + ": read error");
  return parse_csv(text.str(), path, overrides);
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
    return parse_double(text, v) && v == std::round(v) ? 0 : -1;
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
      if (col.kind == ColumnKind::categorical) out += csv_field(table.cell_text(c, r));
      else if (col.decimals > 0) out += fixed_number(col.values[r], col.decimals);
      else out += format_number(col.values[r]);
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
