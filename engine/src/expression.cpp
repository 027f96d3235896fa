#include "simulacra/engine/expression.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "simulacra/engine/attribute_block.hpp"

namespace simulacra {

namespace {

using Op = Expression::Op;
using Instr = Expression::Instr;

bool name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '.'; }

struct Function {
  const char* name;
  Op op;
  int args;
};
constexpr Function kFunctions[] = {{"abs", Op::abs, 1}, {"min", Op::min, 2},  {"max", Op::max, 2},
                                   {"log", Op::log, 1}, {"exp", Op::exp, 1},  {"sqrt", Op::sqrt, 1}};

std::optional<double> time_unit(std::string_view u) {
  if (u == "s") return 1.0;
  if (u == "min") return 60.0;
  if (u == "h") return 3600.0;
  if (u == "d") return 86400.0;
  if (u == "w") return 604800.0;
  return std::nullopt;
}

// Recursive descent straight to postfix code. Each step returns what kind of
// value it left, so that strings are only ever compared for equality.
class Parser {
 public:
  Parser(std::string_view text, const NameResolver& resolve, const ExpressionSyntax& syntax)
      : s_(text), resolve_(resolve), syntax_(syntax) {}

  std::vector<Instr> run(std::vector<std::size_t>& uses, std::vector<std::string>& literals) {
    skip();
    if (pos_ == s_.size()) fail(pos_, "expected an expression, got nothing");
    number(parse_or());
    skip();
    if (pos_ != s_.size()) fail(pos_, "unexpected '" + std::string(s_.substr(pos_, 1)) + "'");
    uses = std::move(uses_);
    literals = std::move(literals_);
    return std::move(code_);
  }

 private:
  enum class Kind { number, text, quoted };
  struct Operand {
    Kind kind = Kind::number;
    std::size_t at = 0;  // where it starts in the text
  };

  [[noreturn]] void fail(std::size_t at, const std::string& msg) const {
    throw ExpressionError(at + 1, "column " + std::to_string(at + 1) + ": " + msg);
  }
  // An operand used as a number: strings only take part in == and !=.
  Operand number(Operand o) const {
    if (o.kind != Kind::number) {
      fail(o.at, "a string can only be compared with == or != (a string column with a quoted string)");
    }
    return o;
  }
  void skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  bool eat(std::string_view tok) {
    skip();
    if (s_.substr(pos_, tok.size()) != tok) return false;
    // A word operator must not be the start of a longer name.
    if (name_start(tok[0]) && pos_ + tok.size() < s_.size() && name_char(s_[pos_ + tok.size()])) return false;
    pos_ += tok.size();
    return true;
  }
  void emit(Op op) { code_.push_back(Instr{op}); }
  std::size_t here() {
    skip();
    return pos_;
  }

  Operand parse_or() {
    Operand a = parse_and();
    while (eat("||") || eat("or")) {
      number(a);
      number(parse_and());
      emit(Op::lor);
    }
    return a;
  }
  Operand parse_and() {
    Operand a = parse_not();
    while (eat("&&") || eat("and")) {
      number(a);
      number(parse_not());
      emit(Op::land);
    }
    return a;
  }
  Operand parse_not() {
    const std::size_t at = here();
    if ((s_.substr(pos_, 2) != "!=" && eat("!")) || eat("not")) {
      number(parse_not());
      emit(Op::lnot);
      return Operand{Kind::number, at};
    }
    return parse_cmp();
  }
  Operand parse_cmp() {
    Operand a = parse_sum();
    static const std::pair<const char*, Op> kCmp[] = {{"<=", Op::le}, {">=", Op::ge}, {"==", Op::eq},
                                                      {"!=", Op::ne}, {"<", Op::lt},  {">", Op::gt}};
    for (const auto& [tok, op] : kCmp) {
      if (eat(tok)) {
        const Operand b = parse_sum();
        if (a.kind != Kind::number || b.kind != Kind::number) {
          if (op != Op::eq && op != Op::ne) number(a.kind != Kind::number ? a : b);
          if (a.kind == Kind::number || b.kind == Kind::number) {
            fail((a.kind == Kind::number ? b : a).at, "a string can only be compared with a string");
          }
          if (a.kind == b.kind) {
            fail(a.at, a.kind == Kind::text ? "two string columns cannot be compared; compare each with a quoted string"
                                            : "two quoted strings: compare a string column with a quoted string");
          }
        }
        emit(op);
        skip();
        for (const auto& [tok2, op2] : kCmp) {
          (void)op2;
          if (s_.substr(pos_, std::string_view(tok2).size()) == tok2) {
            fail(pos_, "comparisons do not chain: write 'a < b and b < c'");
          }
        }
        return Operand{Kind::number, a.at};
      }
    }
    return a;
  }
  Operand parse_sum() {
    Operand a = parse_prod();
    for (;;) {
      if (eat("+")) {
        number(a);
        number(parse_prod());
        emit(Op::add);
      } else if (eat("-")) {
        number(a);
        number(parse_prod());
        emit(Op::sub);
      } else {
        return a;
      }
    }
  }
  Operand parse_prod() {
    Operand a = parse_unary();
    for (;;) {
      if (eat("*")) {
        number(a);
        number(parse_unary());
        emit(Op::mul);
      } else if (eat("/")) {
        number(a);
        number(parse_unary());
        emit(Op::div);
      } else {
        return a;
      }
    }
  }
  Operand parse_unary() {
    const std::size_t at = here();
    if (eat("-")) {
      number(parse_unary());
      emit(Op::neg);
      return Operand{Kind::number, at};
    }
    if (eat("+")) return Operand{Kind::number, number(parse_unary()).at};
    return parse_primary();
  }
  Operand parse_primary() {
    skip();
    if (pos_ == s_.size()) fail(pos_, "expected a number, a name or '(', got the end");
    const char c = s_[pos_];
    const std::size_t start = pos_;
    if (c == '(') {
      ++pos_;
      const Operand inner = parse_or();
      if (!eat(")")) fail(start, "this '(' is never closed");
      return Operand{inner.kind, start};
    }
    if ((c >= '0' && c <= '9') || c == '.') {
      parse_number();
      return Operand{Kind::number, start};
    }
    if (c == '"' || c == '\'') return parse_quoted();
    if (!name_start(c)) fail(pos_, "expected a number, a name or '(', got '" + std::string(1, c) + "'");
    while (pos_ < s_.size() && name_char(s_[pos_])) ++pos_;
    const std::string_view name = s_.substr(start, pos_ - start);
    skip();
    if (pos_ < s_.size() && s_[pos_] == '(') {
      const auto* f = std::find_if(std::begin(kFunctions), std::end(kFunctions),
                                   [&](const Function& fn) { return name == fn.name; });
      if (f == std::end(kFunctions)) fail(start, "unknown function '" + std::string(name) + "' (abs, min, max, log, exp, sqrt)");
      ++pos_;
      for (int a = 0; a < f->args; ++a) {
        if (a > 0 && !eat(",")) fail(pos_, std::string(f->name) + " takes " + std::to_string(f->args) + " arguments");
        number(parse_or());
      }
      if (!eat(")")) fail(pos_, "expected ')' after the arguments of " + std::string(f->name));
      emit(f->op);
      return Operand{Kind::number, start};
    }
    if (name == "t" && syntax_.t_is_time) {
      emit(Op::time);
      return Operand{Kind::number, start};
    }
    std::string hint;
    const auto index = resolve_ ? resolve_(name, &hint) : std::nullopt;
    if (!index) fail(start, "unknown " + syntax_.noun + " '" + std::string(name) + "'" + hint);
    code_.push_back(Instr{Op::value, 0.0, *index});
    if (std::find(uses_.begin(), uses_.end(), *index) == uses_.end()) uses_.push_back(*index);
    const bool text = syntax_.is_text && syntax_.is_text(*index);
    return Operand{text ? Kind::text : Kind::number, start};
  }
  // A quoted string, '...' or "..." (no escapes: use the other quote to hold
  // one); stands for its index in literals_.
  Operand parse_quoted() {
    const std::size_t start = pos_;
    if (!syntax_.is_text) fail(start, "quoted strings are only compared with string columns, in outputs.where");
    const std::size_t end = s_.find(s_[start], start + 1);
    if (end == std::string_view::npos) fail(start, "this quote is never closed");
    const std::string text(s_.substr(start + 1, end - start - 1));
    pos_ = end + 1;
    auto it = std::find(literals_.begin(), literals_.end(), text);
    if (it == literals_.end()) it = literals_.insert(literals_.end(), text);
    code_.push_back(Instr{Op::constant, static_cast<double>(it - literals_.begin()), 0});
    return Operand{Kind::quoted, start};
  }
  void parse_number() {
    const std::size_t start = pos_;
    double v = 0.0;
    const auto [end, ec] = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), v);
    if (ec != std::errc() || end == s_.data() + pos_) fail(start, "malformed number");
    pos_ = static_cast<std::size_t>(end - s_.data());
    std::size_t u = pos_;
    while (u < s_.size() && s_[u] == ' ') ++u;
    std::size_t e = u;
    while (e < s_.size() && name_start(s_[e])) ++e;
    if (e > u && !(e < s_.size() && name_char(s_[e]))) {
      const std::string_view unit = s_.substr(u, e - u);
      if (const auto scale = time_unit(unit)) {
        v *= *scale;
        pos_ = e;
      } else if (u == pos_ || (unit != "and" && unit != "or" && unit != "not")) {
        fail(u, "unknown unit '" + std::string(unit) + "' (time units: s, min, h, d, w)");
      }
    }
    code_.push_back(Instr{Op::constant, v, 0});
  }

  std::string_view s_;
  const NameResolver& resolve_;
  const ExpressionSyntax& syntax_;
  std::size_t pos_ = 0;
  std::vector<Instr> code_;
  std::vector<std::size_t> uses_;
  std::vector<std::string> literals_;
};

}  // namespace

Expression Expression::parse(std::string_view text, const NameResolver& resolve) {
  return parse(text, resolve, ExpressionSyntax{});
}

Expression Expression::parse(std::string_view text, const NameResolver& resolve, const ExpressionSyntax& syntax) {
  Expression e;
  e.text_ = std::string(text);
  e.code_ = Parser(text, resolve, syntax).run(e.uses_, e.literals_);
  return e;
}

double Expression::evaluate(const std::vector<double>& values, double t) const {
  double stack[64];
  std::vector<double> big;
  double* st = stack;
  if (code_.size() > 64) {
    big.resize(code_.size());
    st = big.data();
  }
  std::size_t n = 0;
  auto truth = [](double x) { return x != 0.0 && !std::isnan(x); };
  for (const Instr& in : code_) {
    switch (in.op) {
      case Op::constant: st[n++] = in.number; break;
      case Op::value: st[n++] = in.index < values.size() ? values[in.index] : std::nan(""); break;
      case Op::time: st[n++] = t; break;
      case Op::neg: st[n - 1] = -st[n - 1]; break;
      case Op::lnot: st[n - 1] = truth(st[n - 1]) ? 0.0 : 1.0; break;
      case Op::abs: st[n - 1] = std::fabs(st[n - 1]); break;
      case Op::log: st[n - 1] = std::log(st[n - 1]); break;
      case Op::exp: st[n - 1] = std::exp(st[n - 1]); break;
      case Op::sqrt: st[n - 1] = std::sqrt(st[n - 1]); break;
      default: {
        const double b = st[--n];
        double& a = st[n - 1];
        switch (in.op) {
          case Op::add: a = a + b; break;
          case Op::sub: a = a - b; break;
          case Op::mul: a = a * b; break;
          case Op::div: a = a / b; break;
          case Op::lt: a = a < b ? 1.0 : 0.0; break;
          case Op::le: a = a <= b ? 1.0 : 0.0; break;
          case Op::gt: a = a > b ? 1.0 : 0.0; break;
          case Op::ge: a = a >= b ? 1.0 : 0.0; break;
          case Op::eq: a = a == b ? 1.0 : 0.0; break;
          case Op::ne: a = a != b ? 1.0 : 0.0; break;
          case Op::land: a = truth(a) && truth(b) ? 1.0 : 0.0; break;
          case Op::lor: a = truth(a) || truth(b) ? 1.0 : 0.0; break;
          case Op::min: a = std::min(a, b); break;
          case Op::max: a = std::max(a, b); break;
          default: break;
        }
      }
    }
  }
  return n == 1 ? st[0] : std::nan("");
}

namespace {

// Values an instruction pops and pushes.
int arity(Op op) {
  switch (op) {
    case Op::constant: case Op::value: case Op::time: return 0;
    case Op::neg: case Op::lnot: case Op::abs: case Op::log: case Op::exp: case Op::sqrt: return 1;
    default: return 2;
  }
}

}  // namespace

std::optional<Expression> Expression::distance_score() const {
  if (code_.empty()) return std::nullopt;
  const Op last = code_.back().op;
  const bool up = last == Op::ge || last == Op::gt;
  const bool down = last == Op::le || last == Op::lt;
  if (!up && !down) return std::nullopt;
  // The right operand is the shortest suffix (before the comparison) that
  // leaves exactly one value.
  std::size_t split = code_.size() - 1;
  int need = 1;
  while (need > 0 && split > 0) {
    --split;
    need += arity(code_[split].op) - 1;
  }
  if (need != 0) return std::nullopt;
  const std::vector<Instr> a(code_.begin(), code_.begin() + static_cast<std::ptrdiff_t>(split));
  const std::vector<Instr> b(code_.begin() + static_cast<std::ptrdiff_t>(split), code_.end() - 1);
  Expression e;
  e.code_ = up ? a : b;
  const auto& second = up ? b : a;
  e.code_.insert(e.code_.end(), second.begin(), second.end());
  e.code_.push_back(Instr{Op::sub});
  e.uses_ = uses_;
  e.text_ = "distance to (" + text_ + ")";
  return e;
}

bool Expression::holds(const std::vector<double>& values, double t) const {
  const double v = evaluate(values, t);
  return v != 0.0 && !std::isnan(v);
}

NameResolver observable_resolver(const std::vector<std::string>& qualified_names) {
  return [names = qualified_names](std::string_view name, std::string* error) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return i;
    }
    std::optional<std::size_t> found;
    std::vector<std::string> owners;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto dot = names[i].find('.');
      if (dot != std::string::npos && std::string_view(names[i]).substr(dot + 1) == name) {
        if (!found) found = i;
        owners.push_back(names[i]);
      }
    }
    if (owners.size() == 1) return found;
    if (error != nullptr) {
      if (owners.size() > 1) {
        *error = ": several populations have it; write one of " + comma_list(owners);
      } else {
        std::vector<std::string> both = names;
        for (const auto& n : names) {
          const auto dot = n.find('.');
          if (dot != std::string::npos) both.push_back(n.substr(dot + 1));
        }
        *error = did_you_mean(name, both);
        if (error->empty()) *error = names.empty() ? " (this scenario has no observables)" : " (observables: " + comma_list(names) + ")";
      }
    }
    return std::nullopt;
  };
}

}  // namespace simulacra
