#include "scenario_params.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "scenario_text.hpp"

namespace simulacra::scenario_detail {
namespace {

std::string_view without_plus(const std::string& text) {
  std::string_view s = text;
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
  return s;
}

bool in_range(double v, const ParamSpec& spec) {
  return (!spec.min || v >= *spec.min) && (!spec.max || v <= *spec.max);
}

std::string unit_of(const ParamSpec& spec) {
  return spec.type == ParamType::quantity ? std::string(base_unit(spec.dimension)) : std::string();
}

std::string range_of(const ParamSpec& spec) { return range_text(spec.min, spec.max, unit_of(spec)); }

std::string type_word(const ParamSpec& spec) {
  switch (spec.type) {
    case ParamType::integer: return "integer";
    case ParamType::real: return "number";
    case ParamType::quantity: return std::string(to_string(spec.dimension));
    case ParamType::boolean: return "boolean";
    case ParamType::string: return "string";
    case ParamType::choice: return "choice";
    case ParamType::real_list: return "list of numbers";
    case ParamType::node: return "YAML value";
  }
  return {};
}

// A number must be a plain scalar: a quoted "0.3" is a string in YAML, and
// saying so explains the rejection. A percentage is the other near miss.
void expected_number(Checker& check, const SourceNode& n, const std::string& path, const std::string& what) {
  if (n.is_scalar() && n.quoted) {
    check.expected(n, path, what + ", got a string");
    return;
  }
  if (n.is_scalar() && n.scalar.find('%') != std::string::npos) {
    if (const auto x = parse_quantity(n.scalar, Dimension::fraction, nullptr)) {
      check.expected(n, path, what + " (write " + format_number(*x) + "; percentages are for fractions)");
      return;
    }
  }
  check.expected(n, path, what);
}

}  // namespace

std::optional<std::int64_t> parse_integer(const std::string& text) {
  const std::string_view s = without_plus(text);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_real(const std::string& text) {
  const std::string_view s = without_plus(text);
  double v = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string expected_text(const ParamSpec& spec) {
  switch (spec.type) {
    case ParamType::integer: return "an integer" + range_of(spec);
    case ParamType::real: return "a number" + range_of(spec);
    case ParamType::quantity:
      if (spec.dimension == Dimension::none) return "a number" + range_of(spec);
      return "a " + std::string(to_string(spec.dimension)) + range_of(spec);
    case ParamType::boolean: return "true or false";
    case ParamType::string: return "a string";
    case ParamType::choice: return "one of " + join(spec.choices);
    case ParamType::real_list: {
      const std::string range = range_of(spec);
      return "a list of numbers" + (range.empty() ? "" : " each" + range);
    }
    case ParamType::node: return "a value";
  }
  return {};
}

std::string describe_param(const ParamSpec& spec) {
  std::string out = type_word(spec);
  if (spec.type == ParamType::quantity) {
    if (spec.dimension == Dimension::fraction) {
      out += " (0.25 or 25%)";
    } else if (spec.dimension != Dimension::none) {
      out += " (" + accepted_units(spec.dimension) + ")";
    }
  }
  if (spec.type == ParamType::choice) out += " of " + join(spec.choices, "|");
  out += range_of(spec);
  out += spec.default_yaml.empty() ? ", required" : ", default " + spec.default_yaml;
  return out;
}

std::optional<ParamValues::Value> read_param(const ParamSpec& spec, const SourceNode& n, const std::string& path,
                                             Checker& check) {
  ParamValues::Value v;
  v.at = check.at(n);
  const std::string what = expected_text(spec);
  switch (spec.type) {
    case ParamType::integer: {
      const auto i = n.is_scalar() && !n.quoted ? parse_integer(n.scalar) : std::nullopt;
      if (!i || !in_range(static_cast<double>(*i), spec)) {
        expected_number(check, n, path, what);
        return std::nullopt;
      }
      v.integer = *i;
      v.number = static_cast<double>(*i);
      return v;
    }
    case ParamType::real: {
      const auto x = n.is_scalar() && !n.quoted ? parse_real(n.scalar) : std::nullopt;
      if (!x || !in_range(*x, spec)) {
        expected_number(check, n, path, what);
        return std::nullopt;
      }
      v.number = *x;
      return v;
    }
    case ParamType::quantity: {
      if (!n.is_scalar()) {
        check.expected(n, path, what);
        return std::nullopt;
      }
      std::string why;
      const auto x = parse_quantity(n.scalar, spec.dimension, &why);
      if (!x) {
        check.add(n, path, why);
        return std::nullopt;
      }
      if (!in_range(*x, spec)) {
        check.expected(n, path, what);
        return std::nullopt;
      }
      v.number = *x;
      return v;
    }
    case ParamType::boolean:
      // Only true and false: YAML 1.1's yes/no/on/off surprise people (a
      // country code `no` becoming false), so we do not guess.
      if (!n.is_scalar() || n.quoted || (n.scalar != "true" && n.scalar != "false")) {
        expected_number(check, n, path, what);
        return std::nullopt;
      }
      v.flag = n.scalar == "true";
      return v;
    case ParamType::string:
      if (!n.is_scalar()) {
        check.expected(n, path, what);
        return std::nullopt;
      }
      v.text = n.scalar;
      return v;
    case ParamType::choice:
      if (!n.is_scalar() || std::find(spec.choices.begin(), spec.choices.end(), n.scalar) == spec.choices.end()) {
        check.expected(n, path, what + (n.is_scalar() ? did_you_mean(n.scalar, spec.choices) : ""));
        return std::nullopt;
      }
      v.text = n.scalar;
      return v;
    case ParamType::real_list: {
      if (!n.is_sequence()) {
        check.expected(n, path, what);
        return std::nullopt;
      }
      bool ok = true;
      const std::string each = "a number" + range_of(spec);
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        const SourceNode& item = n.items[i];
        const auto x = item.is_scalar() && !item.quoted ? parse_real(item.scalar) : std::nullopt;
        if (!x || !in_range(*x, spec)) {
          expected_number(check, item, index_path(path, i), each);
          ok = false;
          continue;
        }
        v.list.push_back(*x);
      }
      if (!ok) return std::nullopt;
      return v;
    }
    case ParamType::node:
      v.node = check.yaml_node(n);
      return v;
  }
  return std::nullopt;
}

namespace {

ParamValues::Value default_value(const ParamSpec& spec, const std::string& declared_by, Checker& check) {
  Issues issues(check.sources().file());
  Checker quiet(check.sources(), issues);
  const Parsed parsed = parse_yaml(spec.default_yaml, kDefaultSource, check.sources(), issues);
  std::optional<ParamValues::Value> v;
  if (parsed.status == ParseStatus::ok) v = read_param(spec, parsed.root, spec.key, quiet);
  if (!v || !issues.empty()) {
    std::string why = issues.empty() ? "not a value" : issues.list().front().message;
    throw std::logic_error(declared_by + ": the default of '" + spec.key + "' (" + spec.default_yaml +
                           ") does not fit its declaration: " + why);
  }
  v->at = check.sources().at(NodePos{kDefaultSource, 0, 0});
  return *v;
}

}  // namespace

bool read_params(const std::vector<ParamSpec>& specs, const SourceNode* params, const SourceNode& owner,
                 const std::string& owner_path, const std::string& declared_by, Checker& check,
                 ParamValues& out) {
  const std::string params_path = child_path(owner_path, "params");
  if (params != nullptr && !params->is_null() && !params->is_map()) {
    check.expected(*params, params_path, "a mapping of parameters");
    return false;
  }
  const SourceNode* map = params != nullptr && params->is_map() ? params : nullptr;
  bool ok = true;
  if (map != nullptr) {
    std::vector<std::string> known;
    known.reserve(specs.size());
    for (const ParamSpec& s : specs) known.push_back(s.key);
    ok = check.check_keys(*map, params_path, known);
  }
  for (const ParamSpec& spec : specs) {
    const SourceNode* n = map != nullptr ? map->find(spec.key) : nullptr;
    if (n != nullptr) {
      if (auto v = read_param(spec, *n, child_path(params_path, spec.key), check)) {
        out.set(spec.key, std::move(*v));
      } else {
        ok = false;
      }
    } else if (spec.default_yaml.empty()) {
      check.missing(map != nullptr ? *map : owner, params_path, spec.key, expected_text(spec));
      ok = false;
    } else {
      out.set(spec.key, default_value(spec, declared_by, check));
    }
  }
  return ok;
}

}  // namespace simulacra::scenario_detail
