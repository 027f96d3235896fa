// Dates and times as seconds since 1970 (proleptic Gregorian calendar, UTC),
// with the civil-date arithmetic of H. Hinnant's "chrono-compatible
// low-level date algorithms".
#include "simulacra/learned/datetime.hpp"

#include <cmath>
#include <cstdio>

namespace simulacra::learned {

namespace {

long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

void civil_from_days(long long z, long long& y, unsigned& m, unsigned& d) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<long long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2 ? 1 : 0;
}

bool leap(long long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(long long y, unsigned m) {
  static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// Reads exactly `width` digits at text[i].
bool digits(const std::string& text, std::size_t& i, std::size_t width, long long& out) {
  if (i + width > text.size()) return false;
  out = 0;
  for (std::size_t k = 0; k < width; ++k) {
    const char c = text[i + k];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  i += width;
  return true;
}

}  // namespace

const std::vector<std::string>& datetime_formats() {
  static const std::vector<std::string> formats = {
      "%Y-%m-%d",       "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ",
      "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",    "%Y/%m/%d"};
  return formats;
}

std::optional<double> parse_datetime(const std::string& raw, const std::string& format) {
  std::size_t b = 0, e = raw.size();
  while (b < e && (raw[b] == ' ' || raw[b] == '\t')) ++b;
  while (e > b && (raw[e - 1] == ' ' || raw[e - 1] == '\t')) --e;
  const std::string text = raw.substr(b, e - b);
  long long y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0;
  std::size_t i = 0;
  for (std::size_t f = 0; f < format.size(); ++f) {
    if (format[f] != '%' || f + 1 == format.size()) {
      if (i >= text.size() || text[i] != format[f]) return std::nullopt;
      ++i;
      continue;
    }
    const char field = format[++f];
    bool ok = false;
    switch (field) {
      case 'Y': ok = digits(text, i, 4, y); break;
      case 'm': ok = digits(text, i, 2, mo); break;
      case 'd': ok = digits(text, i, 2, d); break;
      case 'H': ok = digits(text, i, 2, h); break;
      case 'M': ok = digits(text, i, 2, mi); break;
      case 'S': ok = digits(text, i, 2, s); break;
      default: ok = false;
    }
    if (!ok) return std::nullopt;
  }
  if (i != text.size() || mo < 1 || mo > 12 || d < 1 ||
      d > static_cast<long long>(days_in_month(y, static_cast<unsigned>(mo))) || h > 23 || mi > 59 || s > 59)
    return std::nullopt;
  const long long days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return static_cast<double>(days * 86400 + h * 3600 + mi * 60 + s);
}

std::string format_datetime(double seconds, const std::string& format) {
  const auto t = static_cast<long long>(std::floor(seconds));
  long long days = t / 86400;
  long long rest = t % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  long long y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  std::string out;
  char buf[16];
  for (std::size_t f = 0; f < format.size(); ++f) {
    if (format[f] != '%' || f + 1 == format.size()) {
      out += format[f];
      continue;
    }
    switch (format[++f]) {
      case 'Y': std::snprintf(buf, sizeof buf, "%04lld", y); break;
      case 'm': std::snprintf(buf, sizeof buf, "%02u", m); break;
      case 'd': std::snprintf(buf, sizeof buf, "%02u", d); break;
      case 'H': std::snprintf(buf, sizeof buf, "%02lld", rest / 3600); break;
      case 'M': std::snprintf(buf, sizeof buf, "%02lld", rest / 60 % 60); break;
      case 'S': std::snprintf(buf, sizeof buf, "%02lld", rest % 60); break;
      default: buf[0] = '\0';
    }
    out += buf;
  }
  return out;
}

double datetime_step(const std::string& format) {
  if (format.find("%S") != std::string::npos) return 1.0;
  if (format.find("%M") != std::string::npos) return 60.0;
  return 86400.0;
}

std::string detect_datetime_format(const std::vector<const std::string*>& texts) {
  const std::string* first = nullptr;
  for (const std::string* t : texts)
    if (!t->empty()) {
      first = t;
      break;
    }
  if (first == nullptr) return "";
  for (const std::string& f : datetime_formats()) {
    if (!parse_datetime(*first, f)) continue;
    bool all = true;
    for (const std::string* t : texts)
      if (!t->empty() && !parse_datetime(*t, f)) {
        all = false;
        break;
      }
    if (all) return f;
  }
  return "";
}

}  // namespace simulacra::learned
