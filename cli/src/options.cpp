#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace simulacra::cli {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

Options::Options(std::string command, std::string summary, std::vector<OptionSpec> specs,
                 std::vector<std::string> positional)
    : command_(std::move(command)),
      summary_(std::move(summary)),
      specs_(std::move(specs)),
      positional_names_(std::move(positional)) {}

const OptionSpec* Options::find(const std::string& name) const {
  for (const auto& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool Options::parse(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") return false;
    std::string name;
    if (a.size() == 2 && a[0] == '-' && a[1] != '-') {
      for (const auto& s : specs_) {
        if (s.short_name == a[1]) name = s.name;
      }
      if (name.empty()) throw UsageError(command_ + ": unknown option " + a + "; see '" + command_ + " --help'");
    } else if (a.rfind("--", 0) != 0 || a.size() == 2) {
      positional_values_.push_back(a);
      continue;
    } else {
      name = a.substr(2);
    }
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = find(name);
    if (spec == nullptr) {
      std::string msg = command_ + ": unknown option --" + name;
      std::size_t best = 3;
      std::string guess;
      for (const auto& s : specs_) {
        const std::size_t d = edit_distance(name, s.name);
        if (d < best) {
          best = d;
          guess = s.name;
        }
      }
      if (!guess.empty()) msg += " (did you mean --" + guess + "?)";
      throw UsageError(msg + "; see '" + command_ + " --help'");
    }
    if (spec->value_name.empty()) {
      if (value) throw UsageError(command_ + ": --" + name + " takes no value");
      value = "true";
    } else if (!value) {
      if (i + 1 >= args.size()) {
        throw UsageError(command_ + ": --" + name + " needs a value (" + spec->value_name + ")");
      }
      value = args[++i];
    }
    auto& slot = values_[name];
    if (!slot.empty() && !spec->repeatable) {
      throw UsageError(command_ + ": --" + name + " given twice");
    }
    slot.push_back(*value);
  }
  if (positional_values_.size() != positional_names_.size()) {
    std::string names;
    for (const auto& n : positional_names_) names += " " + n;
    if (positional_values_.size() > positional_names_.size()) {
      throw UsageError(command_ + ": unexpected argument '" +
                       positional_values_[positional_names_.size()] + "' (usage: " + command_ +
                       names + " [options])");
    }
    throw UsageError(command_ + ": missing " + positional_names_[positional_values_.size()] +
                     " (usage: " + command_ + names + " [options])");
  }
  return true;
}

std::string Options::help() const {
  std::ostringstream out;
  out << "usage: " << command_;
  for (const auto& n : positional_names_) out << ' ' << n;
  out << " [options]\n\n" << summary_ << "\n\noptions:\n";
  for (const auto& s : specs_) {
    std::string lhs = std::string("  ") + (s.short_name != 0 ? std::string("-") + s.short_name + ", " : "") + "--" +
                      s.name + (s.value_name.empty() ? "" : " " + s.value_name);
    out << lhs;
    out << std::string(lhs.size() < 28 ? 28 - lhs.size() : 1, ' ') << s.doc;
    if (!s.default_value.empty()) out << " (default " << s.default_value << ")";
    if (s.repeatable) out << " (repeatable)";
    out << '\n';
  }
  out << "  --help                    show this help\n";
  return out.str();
}

bool Options::has(const std::string& name) const { return values_.count(name) != 0; }

std::string Options::get(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second.back();
  const OptionSpec* spec = find(name);
  return spec != nullptr ? spec->default_value : std::string{};
}

std::vector<std::string> Options::get_all(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  return {};
}

std::uint64_t Options::get_u64(const std::string& name) const {
  const std::string text = get(name);
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty()) {
    throw UsageError(command_ + ": --" + name + " '" + text + "': expected a non-negative integer");
  }
  return v;
}

std::uint32_t Options::get_u32(const std::string& name) const {
  const std::uint64_t v = get_u64(name);
  if (v > 0xffffffffULL) {
    throw UsageError(command_ + ": --" + name + " '" + get(name) + "': too large (at most 4294967295)");
  }
  return static_cast<std::uint32_t>(v);
}

double Options::get_double(const std::string& name) const {
  const std::string text = get(name);
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty() || !std::isfinite(v)) {
    throw UsageError(command_ + ": --" + name + " '" + text + "': expected a finite number");
  }
  return v;
}

}  // namespace simulacra::cli
