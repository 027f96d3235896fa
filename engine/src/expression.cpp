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

// Recursive descent straight to postfix code.
class Parser {
 public:
  Parser(std::string_view text, const NameResolver& resolve) : s_(text), resolve_(resolve) {}

  std::vector<Instr> run(std::vector<std::size_t>& uses) {
    skip();
    if (pos_ == s_.size()) fail(pos_, "expected an expression, got nothing");
    parse_or();
    skip();
    if (pos_ != s_.size()) fail(pos_, "unexpected '" + std::string(s_.substr(pos_, 1)) + "'");
    uses = std::move(uses_);
    return std::move(code_);
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& msg) const {
    throw ExpressionError(at + 1, "column " + std::to_string(at + 1) + ": " + msg);
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

  void parse_or() {
    parse_and();
    while (eat("||") || eat("or")) {
      parse_and();
      emit(Op::lor);
    }
  }
  void parse_and() {
    parse_not();
    while (eat("&&") || eat("and")) {
      parse_not();
      emit(Op::land);
    }
  }
  void parse_not() {
    skip();
    if ((s_.substr(pos_, 2) != "!=" && eat("!")) || eat("not")) {
      parse_not();
      emit(Op::lnot);
      return;
    }
    parse_cmp();
  }
  void parse_cmp() {
    parse_sum();
    static const std::pair<const char*, Op> kCmp[] = {{"<=", Op::le}, {">=", Op::ge}, {"==", Op::eq},
                                                      {"!=", Op::ne}, {"<", Op::lt},  {">", Op::gt}};
    for (const auto& [tok, op] : kCmp) {
      if (eat(tok)) {
        parse_sum();
        emit(op);
        skip();
        for (const auto& [tok2, op2] : kCmp) {
          (void)op2;
          if (s_.substr(pos_, std::string_view(tok2).size()) == tok2) {
            fail(pos_, "comparisons do not chain: write 'a < b and b < c'");
          }
        }
        return;
      }
    }
  }
  void parse_sum() {
    parse_prod();
    for (;;) {
      if (eat("+")) {
        parse_prod();
        emit(Op::add);
      } else if (eat("-")) {
        parse_prod();
        emit(Op::sub);
      } else {
        return;
      }
    }
  }
  void parse_prod() {
    parse_unary();
    for (;;) {
      if (eat("*")) {
        parse_unary();
        emit(Op::mul);
      } else if (eat("/")) {
        parse_unary();
        emit(Op::div);
      } else {
        return;
      }
    }
  }
  void parse_unary() {
    if (eat("-")) {
      parse_unary();
      emit(Op::neg);
      return;
    }
    if (eat("+")) {
      parse_unary();
      return;
    }
    parse_primary();
  }
  void parse_primary() {
    skip();
    if (pos_ == s_.size()) fail(pos_, "expected a number, a name or '(', got the end");
    const char c = s_[pos_];
    if (c == '(') {
      const std::size_t open = pos_++;
      parse_or();
      if (!eat(")")) fail(open, "this '(' is never closed");
      return;
    }
    if ((c >= '0' && c <= '9') || c == '.') {
      parse_number();
      return;
    }
    if (!name_start(c)) fail(pos_, "expected a number, a name or '(', got '" + std::string(1, c) + "'");
    const std::size_t start = pos_;
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
        parse_or();
      }
      if (!eat(")")) fail(pos_, "expected ')' after the arguments of " + std::string(f->name));
      emit(f->op);
      return;
    }
    if (name == "t") {
      emit(Op::time);
      return;
    }
    std::string hint;
    const auto index = resolve_ ? resolve_(name, &hint) : std::nullopt;
    if (!index) fail(start, "unknown observable '" + std::string(name) + "'" + hint);
    code_.push_back(Instr{Op::value, 0.0, *index});
    if (std::find(uses_.begin(), uses_.end(), *index) == uses_.end()) uses_.push_back(*index);
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
  std::size_t pos_ = 0;
  std::vector<Instr> code_;
  std::vector<std::size_t> uses_;
};

}  // namespace

Expression Expression::parse(std::string_view text, const NameResolver& resolve) {
  Expression e;
  e.text_ = std::string(text);
  e.code_ = Parser(text, resolve).run(e.uses_);
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
