// A small expression language over observables and time, for stop
// conditions (`stop_when: "town.attack_rate > 0.2"`), rare-event definitions
// and scores. Numbers (a time unit may follow: 30d, 10min, 2h, 5s, 1w), names
// of observables (qualified "pop.name" or unqualified when unique), `t` (the
// simulation time in seconds), + - * /, comparisons < <= > >= == !=,
// and/or/not (also && || !), parentheses, and abs min max log exp sqrt.
// A comparison is 1 when it holds and 0 otherwise; a condition holds when
// its value is neither 0 nor NaN. Over a table's rows (outputs.where, see
// ExpressionSyntax) names are columns, `t` is a column like any other, and a
// string column may be compared with == or != to a quoted string ("signal").
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simulacra/engine/errors.hpp"

namespace simulacra {

/// A malformed expression: `column` is the 1-based position in its text.
class ExpressionError : public UserError {
 public:
  ExpressionError(std::size_t column, const std::string& message)
      : UserError(message), column_(column) {}
  std::size_t column() const { return column_; }

 private:
  std::size_t column_;
};

/// Maps a name in an expression to an index into the values evaluate() gets;
/// nullopt for an unknown name. `error` may be set to a hint ("did you mean").
using NameResolver = std::function<std::optional<std::size_t>(std::string_view name, std::string* error)>;

/// What a parse accepts beyond numbers and names of numeric values.
struct ExpressionSyntax {
  /// `t` is the simulation time; false: `t` is a name like any other.
  bool t_is_time = true;
  /// Whether the value a name resolved to holds strings (a string column).
  /// Null: no name does, and quoted strings are refused. A string value may
  /// only be compared (== or !=) with a quoted string; it evaluates to the
  /// index (in literals()) of the quoted string it equals, else -1.
  std::function<bool(std::size_t)> is_text;
  /// What a name stands for, in the message for an unknown one.
  std::string noun = "observable";
};

class Expression {
 public:
  Expression() = default;

  /// Throws ExpressionError for a syntax error or an unknown name.
  static Expression parse(std::string_view text, const NameResolver& resolve);
  /// The same with `syntax`'s extensions. Throws ExpressionError.
  static Expression parse(std::string_view text, const NameResolver& resolve, const ExpressionSyntax& syntax);

  /// The value for observable values `values` (indexed as resolved) at time `t` (s).
  double evaluate(const std::vector<double>& values, double t) const;
  /// evaluate() is neither 0 nor NaN.
  bool holds(const std::vector<double>& values, double t) const;

  /// For a condition that is one comparison `a >= b` (or >, <=, <): a score
  /// that grows toward it, `a - b` (or `b - a`); nullopt otherwise.
  std::optional<Expression> distance_score() const;

  const std::string& text() const { return text_; }
  bool empty() const { return code_.empty(); }
  /// Indices of the values the expression reads.
  const std::vector<std::size_t>& uses() const { return uses_; }
  /// The quoted strings, without quotes; a constant in code() naming one holds its index.
  const std::vector<std::string>& literals() const { return literals_; }

  enum class Op : unsigned char {
    constant, value, time, neg, add, sub, mul, div, lt, le, gt, ge, eq, ne, land, lor, lnot,
    abs, min, max, log, exp, sqrt
  };
  struct Instr {
    Op op;
    double number = 0.0;      ///< constant
    std::size_t index = 0;    ///< value
  };
  /// The program in postfix order, for evaluators over many rows at once.
  const std::vector<Instr>& code() const { return code_; }

 private:
  std::string text_;
  std::vector<Instr> code_;  // postfix
  std::vector<std::size_t> uses_;
  std::vector<std::string> literals_;
};

/// A resolver over qualified observable names ("town.attack_rate"): a name
/// matches exactly, or by its part after the dot when only one population
/// has it. Suggests the nearest name for an unknown one.
NameResolver observable_resolver(const std::vector<std::string>& qualified_names);

}  // namespace simulacra
