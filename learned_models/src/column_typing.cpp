// A CSV column's kind from its text: numbers (with empty cells as missing),
// integer keys, dates and times, personal data, near-unique keys, categories.
#include "column_typing.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "simulacra/learned/datetime.hpp"

namespace simulacra::learned::detail {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// "id", "customer_id", "order-id", "customerId", "user ID", "uuid", "key".
bool key_name(const std::string& name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "id" || lower == "key" || ends_with(lower, "_id") || ends_with(lower, "-id") ||
         ends_with(lower, " id") || ends_with(lower, "uuid") || ends_with(lower, "_key") ||
         (name.size() > 2 && (ends_with(name, "Id") || ends_with(name, "ID")));
}

// Whole numbers >= 0, all distinct, no empty cell, named like a key or dense
// (an integer measurement with all values distinct is rarely dense).
bool integer_key(const std::string& name, const std::vector<double>& v, std::size_t empty) {
  if (empty > 0 || v.size() < kMinIdRows) return false;
  for (double x : v)
    if (x < 0 || x != std::round(x)) return false;
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  if (std::adjacent_find(s.begin(), s.end()) != s.end()) return false;
  return key_name(name) || s.back() - s.front() + 1 <= 2.0 * static_cast<double>(v.size());
}

bool email_like(const std::string& t) {
  const auto at = t.find('@');
  if (at == std::string::npos || at == 0 || t.find('@', at + 1) != std::string::npos) return false;
  if (t.find_first_of(" \t,;") != std::string::npos) return false;
  const auto dot = t.find('.', at + 2);
  return dot != std::string::npos && dot + 1 < t.size();
}

bool phone_like(const std::string& t) {
  std::size_t digits = 0, marks = 0;
  for (char c : t) {
    if (c >= '0' && c <= '9') ++digits;
    else if (c == ' ' || c == '+' || c == '-' || c == '(' || c == ')' || c == '.') ++marks;
    else return false;
  }
  return digits >= 7 && digits <= 15 && marks > 0;
}

}  // namespace

std::string where(const std::string& source, std::size_t line, std::size_t column) {
  return source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

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

std::string personal_data_kind(const std::vector<const Field*>& cells) {
  std::size_t n = 0, email = 0, phone = 0;
  for (const Field* f : cells) {
    if (blank(f->text)) continue;
    ++n;
    email += email_like(f->text) ? 1 : 0;
    phone += phone_like(f->text) ? 1 : 0;
  }
  if (n == 0) return "";
  if (static_cast<double>(email) >= 0.9 * static_cast<double>(n)) return "e-mail";
  if (static_cast<double>(phone) >= 0.9 * static_cast<double>(n)) return "phone number";
  return "";
}

void type_column(DataColumn& col, const std::vector<const Field*>& cells, std::optional<ColumnKind> forced,
                 const std::string& source, bool allow_missing) {
  const std::size_t n = cells.size();
  std::vector<double> numbers(n, std::numeric_limits<double>::quiet_NaN());
  std::size_t empty = 0;
  const Field* not_number = nullptr;
  const Field* first_empty = nullptr;
  for (std::size_t r = 0; r < n; ++r) {
    if (blank(cells[r]->text)) {
      if (empty++ == 0) first_empty = cells[r];
    } else if (!parse_double(cells[r]->text, numbers[r]) && not_number == nullptr) {
      not_number = cells[r];
    }
  }
  std::vector<const std::string*> texts;
  for (const Field* f : cells) texts.push_back(&f->text);
  const bool all_empty = empty == n;
  std::string date_format;
  std::string personal;
  ColumnKind kind = ColumnKind::categorical;
  if (forced) {
    kind = *forced;
  } else if (!all_empty && not_number == nullptr) {
    kind = integer_key(col.name, numbers, empty) ? ColumnKind::id : ColumnKind::numeric;
  } else if (!all_empty && !(date_format = detect_datetime_format(texts)).empty()) {
    kind = ColumnKind::datetime;
  } else if (!all_empty && !(personal = personal_data_kind(cells)).empty()) {
    kind = ColumnKind::id;
  } else if (empty == 0 && n >= kMinIdRows) {
    std::set<std::string> seen;
    for (const std::string* t : texts) seen.insert(*t);
    if (static_cast<double>(seen.size()) >= 0.95 * static_cast<double>(n)) kind = ColumnKind::id;
  }
  col.kind = kind;
  if (kind == ColumnKind::numeric && first_empty != nullptr && !allow_missing)
    throw DataError(where(source, first_empty->line, first_empty->column) + "column '" + col.name +
                    "' is numeric but the value is missing");
  if ((kind == ColumnKind::numeric || kind == ColumnKind::datetime) && all_empty)
    throw DataError(source + ": column '" + col.name + "' is " + to_string(kind) + " but every value is missing");
  if (kind == ColumnKind::numeric) {
    if (not_number != nullptr)
      throw DataError(where(source, not_number->line, not_number->column) + "column '" + col.name +
                      "' is numeric but '" + not_number->text + "' is not a number");
    col.values = std::move(numbers);
    col.missing = empty;
    col.integral = true;
    col.decimals = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const double v = col.values[r];
      if (std::isnan(v)) continue;
      if (v != std::round(v)) col.integral = false;
      const int d = decimals_of(cells[r]->text);
      col.decimals = d < 0 || col.decimals < 0 ? -1 : std::max(col.decimals, d);
    }
    return;
  }
  if (kind == ColumnKind::datetime) {
    if (date_format.empty()) {
      // Forced: the first value fixes the format; report the first that fails it.
      const Field* first = nullptr;
      for (const Field* f : cells)
        if (!blank(f->text)) {
          first = f;
          break;
        }
      for (const std::string& f : datetime_formats())
        if (parse_datetime(first->text, f)) {
          date_format = f;
          break;
        }
      if (date_format.empty()) {
        std::string list;
        for (const std::string& f : datetime_formats()) list += (list.empty() ? "" : ", ") + f;
        throw DataError(where(source, first->line, first->column) + "column '" + col.name + "' is datetime but '" +
                        first->text + "' is in none of the formats " + list);
      }
    }
    col.format = date_format;
    col.values.assign(n, std::numeric_limits<double>::quiet_NaN());
    col.missing = empty;
    for (std::size_t r = 0; r < n; ++r) {
      if (blank(cells[r]->text)) continue;
      const auto t = parse_datetime(cells[r]->text, date_format);
      if (!t)
        throw DataError(where(source, cells[r]->line, cells[r]->column) + "column '" + col.name + "' is datetime (" +
                        date_format + ", as its first value) but '" + cells[r]->text + "' is not");
      col.values[r] = *t;
    }
    return;
  }
  // Categorical and id: texts as levels, in byte order.
  if (kind == ColumnKind::id) col.personal = personal.empty() ? personal_data_kind(cells) : personal;
  std::set<std::string> levels;
  for (const std::string* t : texts) levels.insert(*t);
  col.levels.assign(levels.begin(), levels.end());
  col.values.resize(n);
  for (std::size_t r = 0; r < n; ++r) {
    const auto it = std::lower_bound(col.levels.begin(), col.levels.end(), *texts[r]);
    col.values[r] = static_cast<double>(it - col.levels.begin());
  }
}

}  // namespace simulacra::learned::detail
