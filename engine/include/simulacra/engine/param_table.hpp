// Declaring a population type's parameters once: each YAML key bound to a
// field of the type's plain parameter struct, with its unit, range and doc.
// The table gives the registry's ParamSpec list (the defaults read from a
// default-constructed struct, so there is one default), binds validated
// values to the struct, and names any key whose declared default would not
// come back as the struct's own (a test asks this of every registered type).
//
//   ParamTable<EpidemicParams> t("epidemic");
//   t.param("beta", &EpidemicParams::beta).min(0).doc("transmission hazard per contact-day");
//   t.param("school_degree", &EpidemicParams::school, &LayerParams::degree).min(0).doc("...");
//   t.param("latent_mean", &EpidemicParams::latent, &Duration::mean).dimension(Dimension::time).doc("...");
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "simulacra/engine/quantity.hpp"
#include "simulacra/engine/registry.hpp"

namespace simulacra {

/// A value as the YAML text a scenario would write for it, such that reading
/// that text back gives exactly the value (so a default rendered from a
/// struct field is that field's value, not a rounded one).
namespace param_text {
/// 15 -> "15", 0.8 -> "0.8", 1e-5 -> "1e-5".
std::string number(double v);
/// In the unit a person would write: 23400 s -> "6.5h", 0.01 s -> "10ms",
/// 2000 m -> "2km", 50 km/h -> "50km/h", 0.3 -> "30%"; 0 in the base unit.
std::string quantity(double v, Dimension d);
/// "[0.29, 0.35, 0.16]".
std::string list(const double* v, std::size_t n);
/// The text itself, quoted when YAML would read it otherwise ("" for empty).
std::string string(const std::string& s);
}  // namespace param_text

namespace param_table_detail {

template <class Obj, class M>
decltype(auto) follow(Obj& o, M m) {
  return (o.*m);
}
template <class Obj, class M, class... Ms>
decltype(auto) follow(Obj& o, M m, Ms... ms) {
  return follow(o.*m, ms...);
}

template <class T>
struct is_std_array : std::false_type {};
template <std::size_t N>
struct is_std_array<std::array<double, N>> : std::true_type {};

template <class T>
constexpr ParamType param_type_of() {
  if constexpr (std::is_same_v<T, bool>) {
    return ParamType::boolean;
  } else if constexpr (std::is_integral_v<T>) {
    return ParamType::integer;
  } else if constexpr (std::is_same_v<T, double>) {
    return ParamType::real;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return ParamType::string;
  } else if constexpr (std::is_enum_v<T>) {
    return ParamType::choice;
  } else if constexpr (std::is_same_v<T, std::vector<double>> || is_std_array<T>::value) {
    return ParamType::real_list;
  } else {
    static_assert(!sizeof(T), "ParamTable: no parameter kind for this field type; use custom()");
  }
}

}  // namespace param_table_detail

template <class P>
class ParamTable {
 public:
  /// One struct field a key writes (a key may write several, e.g. one
  /// `lanes` for every generated network).
  struct Target {
    std::function<void(const ParamValues::Value&, P&)> assign;
    /// The field's value as YAML text (how the default is declared).
    std::function<std::string(const P&, const ParamSpec&)> text;
    std::function<bool(const P&, const P&)> equal;
  };
  struct Entry {
    ParamSpec spec;
    std::vector<Target> targets;  ///< empty: declared here, bound by the type's own code
    bool required = false;        ///< no default: a scenario must give it
  };

  /// The declaration of one key, refined in a chain; `T` is the field type
  /// (void for custom and hand-bound keys).
  template <class T>
  class Decl {
   public:
    using Value = std::conditional_t<std::is_void_v<T>, char, T>;  // void: custom and hand-bound keys
    using Named = std::vector<std::pair<std::string, Value>>;
    Decl(Entry& e, std::shared_ptr<Named> named = nullptr) : e_(&e), named_(std::move(named)) {}
    Decl& doc(std::string text) {
      e_->spec.doc = std::move(text);
      return *this;
    }
    /// Inclusive bounds, in base units.
    Decl& range(double lo, double hi) { return min(lo).max(hi); }
    /// Bounds of an integer field stay within what the field can hold.
    Decl& min(double lo) {
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        lo = std::max(lo, static_cast<double>(std::numeric_limits<T>::lowest()));
      }
      e_->spec.min = lo;
      return *this;
    }
    Decl& max(double hi) {
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        hi = std::min(hi, static_cast<double>(std::numeric_limits<T>::max()));
      }
      e_->spec.max = hi;
      return *this;
    }
    /// No default: a scenario must give it (a timeline action's amount).
    Decl& required() {
      e_->required = true;
      return *this;
    }
    /// A whole number kept in a double field (e.g. an age).
    Decl& integer()
      requires std::is_same_v<T, double>
    {
      e_->spec.type = ParamType::integer;
      return *this;
    }
    /// A number with a unit of `d` (stored in base units), e.g. Dimension::time.
    Decl& dimension(Dimension d) {
      if (e_->spec.type != ParamType::real && e_->spec.type != ParamType::quantity) {
        throw std::logic_error("parameter '" + e_->spec.key + "': only a number has a dimension");
      }
      e_->spec.type = ParamType::quantity;
      e_->spec.dimension = d;
      return *this;
    }
    /// A string field limited to these values.
    Decl& choices(std::vector<std::string> names)
      requires std::is_same_v<T, std::string>
    {
      e_->spec.type = ParamType::choice;
      e_->spec.choices = std::move(names);
      return *this;
    }
    /// An enum field: each value's YAML name, in the order `types` lists them.
    Decl& choices(Named named)
      requires std::is_enum_v<T>
    {
      e_->spec.choices.clear();
      for (const auto& item : named) e_->spec.choices.push_back(item.first);
      *named_ = std::move(named);
      return *this;
    }
    /// The same value also goes to this field (whose default must agree).
    template <class M, class... Ms>
    Decl& also(M P::*first, Ms... rest) {
      add_target<T>(*e_, named_, first, rest...);
      return *this;
    }

   private:
    Entry* e_;
    std::shared_ptr<Named> named_;  ///< an enum's names and values (shared with its targets)
  };

  /// `owner` names the type in messages about the declaration itself.
  explicit ParamTable(std::string owner) : owner_(std::move(owner)) {}
  /// Defaults from `prototype` instead of P{}: for a record whose fields mean
  /// different things in different timeline actions.
  ParamTable(std::string owner, P prototype) : owner_(std::move(owner)), prototype_(std::move(prototype)) {}

  /// A key bound to the field at the end of a member path:
  /// param("beta", &Params::beta), param("school_degree", &Params::school, &Layer::degree).
  /// The kind follows the field's type (integer, number, boolean, string,
  /// enum -> choice, vector or array of doubles -> list).
  template <class M, class... Ms>
  auto param(std::string key, M P::*first, Ms... rest) {
    using T = std::remove_cvref_t<decltype(param_table_detail::follow(std::declval<P&>(), first, rest...))>;
    Entry& e = add(std::move(key), param_table_detail::param_type_of<T>());
    std::shared_ptr<std::vector<std::pair<std::string, T>>> named;
    if constexpr (std::is_enum_v<T>) named = std::make_shared<std::vector<std::pair<std::string, T>>>();
    add_target<T>(e, named, first, rest...);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      // What the field can hold: a value beyond is refused, never wrapped
      // (2^32 + 5 into an unsigned field would otherwise become 5).
      e.spec.min = static_cast<double>(std::numeric_limits<T>::lowest());
      e.spec.max = static_cast<double>(std::numeric_limits<T>::max());
    }
    return Decl<T>(e, named);
  }

  /// A key bound by hand: `assign` writes it, `text` gives the struct's value
  /// as YAML (the default) and compares bound and default values.
  Decl<void> custom(std::string key, ParamType type, std::function<void(const ParamValues::Value&, P&)> assign,
                    std::function<std::string(const P&)> text) {
    Entry& e = add(std::move(key), type);
    e.targets.push_back(Target{std::move(assign), [text](const P& p, const ParamSpec&) { return text(p); },
                               [text](const P& a, const P& b) { return text(a) == text(b); }});
    return Decl<void>(e);
  }

  /// A key that is no field of the struct (e.g. a model file opened at build
  /// time): declared here with its default text, read by the type's own code.
  Decl<void> unbound(std::string key, ParamType type, std::string default_yaml) {
    Entry& e = add(std::move(key), type);
    e.spec.default_yaml = std::move(default_yaml);
    return Decl<void>(e);
  }

  /// The registry's declarations, in declaration order, defaults from P{}
  /// (or the prototype).
  /// Throws std::logic_error for an enum default that is none of its choices.
  std::vector<ParamSpec> specs() const {
    const P& d = prototype_;
    std::vector<ParamSpec> out;
    out.reserve(entries_.size());
    for (const Entry& e : entries_) {
      out.push_back(e.spec);
      if (e.required) continue;
      if (!e.targets.empty()) out.back().default_yaml = e.targets.front().text(d, e.spec);
      if (!e.targets.empty() && out.back().default_yaml.empty()) {
        throw std::logic_error(owner_ + ": the default of '" + e.spec.key + "' is none of its choices");
      }
    }
    return out;
  }

  /// Writes every bound key's value into `out` (hand-bound keys untouched).
  /// Throws std::out_of_range for a key `values` lacks (a programmer error).
  void bind(const ParamValues& values, P& out) const {
    for (const Entry& e : entries_) {
      if (e.targets.empty()) continue;
      const ParamValues::Value& v = values.at(e.spec.key);
      for (const Target& t : e.targets) t.assign(v, out);
    }
  }
  P bind(const ParamValues& values) const {
    P out = prototype_;
    bind(values, out);
    return out;
  }

  /// Sets a numeric key from a plain number in base units (for tools that
  /// take `key=value` without the scenario reader, e.g. a benchmark's
  /// --set). False for an unknown or non-numeric key, a value outside its
  /// range, or a fraction given to an integer.
  bool set_number(P& p, const std::string& key, double value) const {
    for (const Entry& e : entries_) {
      if (e.spec.key != key) continue;
      const ParamType type = e.spec.type;
      if (e.targets.empty() || (type != ParamType::integer && type != ParamType::real && type != ParamType::quantity)) {
        return false;
      }
      if ((e.spec.min && value < *e.spec.min) || (e.spec.max && value > *e.spec.max) || !std::isfinite(value)) return false;
      ParamValues::Value v;
      v.number = value;
      if (type == ParamType::integer) {
        if (value != static_cast<double>(static_cast<std::int64_t>(value))) return false;
        v.integer = static_cast<std::int64_t>(value);
      }
      for (const Target& t : e.targets) t.assign(v, p);
      return true;
    }
    return false;
  }

  /// Keys whose bound value differs from the default-constructed struct's,
  /// or whose fields disagree on their default. Given the values of a
  /// scenario that sets nothing, this is empty when every declared default
  /// reads back as the struct's: the declare-once check.
  std::vector<std::string> drift(const ParamValues& defaults) const {
    const P& d = prototype_;
    const P b = bind(defaults);
    std::vector<std::string> keys;
    for (const Entry& e : entries_) {
      if (e.targets.empty() || e.required) continue;
      const std::string declared = e.targets.front().text(d, e.spec);
      for (const Target& t : e.targets) {
        if (!t.equal(b, d) || t.text(d, e.spec) != declared) {
          keys.push_back(e.spec.key);
          break;
        }
      }
    }
    return keys;
  }

  /// Sets `type.params` and `type.default_drift` (the table must outlive the
  /// registry: keep it in a function-local static).
  void declare(PopulationType& type) const {
    type.params = specs();
    type.default_drift = [this](const ParamValues& v) { return drift(v); };
  }

  const std::deque<Entry>& entries() const { return entries_; }

 private:
  Entry& add(std::string key, ParamType type) {
    for (const Entry& e : entries_) {
      if (e.spec.key == key) throw std::logic_error(owner_ + ": parameter '" + key + "' is declared twice");
    }
    Entry& e = entries_.emplace_back();  // a deque: earlier entries stay where Decl points
    e.spec.key = std::move(key);
    e.spec.type = type;
    return e;
  }

  template <class T, class M, class... Ms>
  static void add_target(Entry& e, std::shared_ptr<std::vector<std::pair<std::string, T>>> named, M P::*first,
                         Ms... rest) {
    using param_table_detail::follow;
    static_assert(std::is_same_v<T, std::remove_cvref_t<decltype(follow(std::declval<P&>(), first, rest...))>>,
                  "also(): the field must have the type of the key's first field");
    Target t;
    t.equal = [first, rest...](const P& a, const P& b) {
      return follow(a, first, rest...) == follow(b, first, rest...);
    };
    t.assign = [named, first, rest...](const ParamValues::Value& v, P& p) {
      T& f = follow(p, first, rest...);
      if constexpr (std::is_same_v<T, bool>) {
        f = v.flag;
      } else if constexpr (std::is_integral_v<T>) {
        f = static_cast<T>(v.integer);
      } else if constexpr (std::is_same_v<T, double>) {
        f = v.number;
      } else if constexpr (std::is_same_v<T, std::string>) {
        f = v.text;
      } else if constexpr (std::is_enum_v<T>) {
        for (const auto& [name, value] : *named) {
          if (name == v.text) f = value;
        }
      } else if constexpr (std::is_same_v<T, std::vector<double>>) {
        f = v.list;
      } else {
        // A fixed-length list: the type's check reports a wrong length.
        for (std::size_t i = 0; i < f.size() && i < v.list.size(); ++i) f[i] = v.list[i];
      }
    };
    t.text = [named, first, rest...](const P& p, const ParamSpec& spec) -> std::string {
      (void)spec;  // read for numbers only
      const T& f = follow(p, first, rest...);
      if constexpr (std::is_same_v<T, bool>) {
        return f ? "true" : "false";
      } else if constexpr (std::is_integral_v<T>) {
        return std::to_string(f);
      } else if constexpr (std::is_same_v<T, double>) {
        return spec.type == ParamType::quantity ? param_text::quantity(f, spec.dimension) : param_text::number(f);
      } else if constexpr (std::is_same_v<T, std::string>) {
        return param_text::string(f);
      } else if constexpr (std::is_enum_v<T>) {
        for (const auto& [name, value] : *named) {
          if (value == f) return name;
        }
        return {};
      } else {
        return param_text::list(f.data(), f.size());
      }
    };
    e.targets.push_back(std::move(t));
  }

  std::string owner_;
  P prototype_{};
  std::deque<Entry> entries_;
};

/// A type's timeline actions declared once: each action's name, doc and
/// parameters bound to fields of the record it becomes (R, e.g. a shock), its
/// defaults read from a prototype record (whose kind says which action it is).
template <class R>
class ActionTable {
 public:
  explicit ActionTable(std::string owner) : owner_(std::move(owner)) {}

  /// Declares `name`; add its parameters to the returned table. Throws
  /// std::logic_error if the name is taken.
  ParamTable<R>& action(std::string name, std::string doc, R prototype) {
    if (find(name) != nullptr) throw std::logic_error(owner_ + ": timeline action '" + name + "' is declared twice");
    ParamTable<R> params(owner_ + " action " + name, std::move(prototype));
    return actions_.emplace_back(Entry{std::move(name), std::move(doc), std::move(params)}).params;
  }

  /// The registry's declarations, in declaration order.
  std::vector<ActionSpec> specs() const {
    std::vector<ActionSpec> out;
    for (const Entry& a : actions_) out.push_back(ActionSpec{a.name, a.doc, a.params.specs()});
    return out;
  }

  bool has(const std::string& name) const { return find(name) != nullptr; }

  /// The record of a validated action: its prototype with the action's values
  /// bound (the time is the caller's to copy). Throws std::logic_error for an
  /// action this table does not declare (a programmer error: validation
  /// refuses unknown actions).
  R bind(const TimelineAction& a) const {
    const Entry* e = find(a.action);
    if (e == nullptr) throw std::logic_error(owner_ + ": no timeline action '" + a.action + "'");
    return e->params.bind(a.params);
  }

 private:
  struct Entry {
    std::string name;
    std::string doc;
    ParamTable<R> params;
  };
  const Entry* find(const std::string& name) const {
    for (const Entry& e : actions_) {
      if (e.name == name) return &e;
    }
    return nullptr;
  }

  std::string owner_;
  std::deque<Entry> actions_;
};

}  // namespace simulacra
