// Id columns: the format of their texts (a prefix and a number, an e-mail,
// or a character shape) and fresh values in it that no real row had.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "simulacra/learned/table_metadata.hpp"

namespace simulacra::learned {

namespace {

std::string shape_of(const std::string& t) {
  std::string s;
  for (char c : t) {
    if (c >= '0' && c <= '9') s += '9';
    else if (c >= 'a' && c <= 'z') s += 'a';
    else if (c >= 'A' && c <= 'Z') s += 'A';
    else {
      s += '\\';
      s += c;
    }
  }
  return s;
}

// The most frequent shape (the first in byte order among equals).
std::string common_shape(const std::vector<std::string>& texts) {
  std::map<std::string, std::size_t> count;
  for (const auto& t : texts) ++count[shape_of(t)];
  std::string best;
  std::size_t most = 0;
  for (const auto& [s, k] : count)
    if (k > most) {
      best = s;
      most = k;
    }
  return best;
}

std::string draw_shape(const std::string& shape, RandomStream& rng) {
  std::string out;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const char c = shape[i];
    if (c == '\\' && i + 1 < shape.size()) out += shape[++i];
    else if (c == '9') out += static_cast<char>('0' + rng.below(10));
    else if (c == 'a') out += static_cast<char>('a' + rng.below(26));
    else if (c == 'A') out += static_cast<char>('A' + rng.below(26));
    else out += c;
  }
  return out;
}

std::string padded(double number, int width) {
  std::string digits = std::to_string(static_cast<unsigned long long>(number));
  if (static_cast<int>(digits.size()) < width) digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
  return digits;
}

std::string readable_shape(const std::string& shape) {
  std::string out;
  for (std::size_t i = 0; i < shape.size(); ++i) out += shape[i] == '\\' && i + 1 < shape.size() ? shape[++i] : shape[i];
  return out;
}

}  // namespace

std::string IdFormat::describe() const {
  std::string out;
  if (style == Style::number) {
    out = prefix.empty() ? "numbers" : "\"" + prefix + "\" + numbers";
    if (width > 0) out += " of " + std::to_string(width) + " digits";
    out += " from " + padded(next, 0);
  } else if (style == Style::email) {
    out = "e-mails " + readable_shape(shape) + "@example.com";
  } else {
    out = "shape " + readable_shape(shape);
  }
  if (missing_share > 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, ", %.1f%% empty", 100.0 * missing_share);
    out += buf;
  }
  return out;
}

IdFormat id_format_of(const DataColumn& column) {
  std::vector<std::string> texts;
  std::size_t empty = 0;
  for (double v : column.values) {
    const std::string& t = column.levels[static_cast<std::size_t>(v)];
    if (t.find_first_not_of(" \t") == std::string::npos) ++empty;
    else texts.push_back(t);
  }
  IdFormat f;
  f.missing_share = column.values.empty() ? 0.0 : static_cast<double>(empty) / static_cast<double>(column.values.size());
  if (texts.empty()) return f;
  if (column.personal == "e-mail") {
    std::vector<std::string> local;
    for (const auto& t : texts) local.push_back(t.substr(0, t.find('@')));
    f.style = IdFormat::Style::email;
    f.shape = common_shape(local);
    return f;
  }
  if (column.personal.empty()) {
    // A common prefix, then a number of at most 15 digits ("C000123", "42").
    bool number = true;
    bool same_width = true;
    double largest = -1;
    std::string prefix;
    std::size_t width = 0;
    for (std::size_t i = 0; i < texts.size() && number; ++i) {
      const std::string& t = texts[i];
      std::size_t d = t.size();
      while (d > 0 && t[d - 1] >= '0' && t[d - 1] <= '9') --d;
      const std::size_t digits = t.size() - d;
      if (digits == 0 || digits > 15 || (i > 0 && t.compare(0, d, prefix) != 0) || (i > 0 && d != prefix.size())) {
        number = false;
        break;
      }
      if (i == 0) {
        prefix = t.substr(0, d);
        width = digits;
      }
      same_width = same_width && digits == width;
      largest = std::max(largest, std::stod(t.substr(d)));
    }
    if (number) {
      f.style = IdFormat::Style::number;
      f.prefix = prefix;
      f.width = same_width ? static_cast<int>(width) : 0;
      f.next = largest + 1;
      return f;
    }
  }
  f.style = IdFormat::Style::shaped;
  f.shape = common_shape(texts);
  return f;
}

std::vector<std::string> fresh_ids(const IdFormat& f, std::size_t n, RandomStream& rng) {
  std::vector<std::string> out(n);
  std::set<std::string> used;
  std::size_t serial = 0;
  for (std::size_t r = 0; r < n; ++r) {
    if (f.missing_share > 0 && rng.uniform() < f.missing_share) continue;  // an empty cell
    if (f.style == IdFormat::Style::number) {
      out[r] = f.prefix + padded(f.next + static_cast<double>(serial++), f.width);
      continue;
    }
    // Random characters of the shape; a repeat is drawn again, and a shape
    // too small for n distinct values gets a serial number appended.
    std::string id;
    for (int attempt = 0; attempt < 20 && (id.empty() || used.count(id)); ++attempt) {
      id = draw_shape(f.shape, rng);
      if (f.style == IdFormat::Style::email) id += "@example.com";
    }
    if (used.count(id)) {
      const auto at = f.style == IdFormat::Style::email ? id.find('@') : id.size();
      std::string suffix = "-";  // in steps: GCC 12 warns falsely (-Wrestrict) on "literal" + string
      suffix += std::to_string(++serial);
      id.insert(at, suffix);
    }
    used.insert(id);
    out[r] = id;
  }
  return out;
}

}  // namespace simulacra::learned
