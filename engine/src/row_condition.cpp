#include "simulacra/engine/row_condition.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "simulacra/engine/attribute_block.hpp"

namespace simulacra {

namespace {

using Op = Expression::Op;

// Rows evaluated together: each instruction runs one tight loop over a block,
// and the stack (depth x block doubles) stays in the L1 cache.
constexpr std::size_t kBlock = 256;

bool truth(double x) { return x != 0.0 && !std::isnan(x); }

int stack_effect(Op op) {
  switch (op) {
    case Op::constant: case Op::value: case Op::time: return 1;
    case Op::neg: case Op::lnot: case Op::abs: case Op::log: case Op::exp: case Op::sqrt: return 0;
    default: return -1;
  }
}

// Loads rows [from, from + n) of column `c` as doubles into `out`.
void load(const ColumnData& column, std::size_t from, std::size_t n, const std::vector<std::string>& literals,
          double* out) {
  switch (column.index()) {
    case 0: {
      const auto& v = std::get<0>(column);
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<double>(v[from + i]);
      break;
    }
    case 1: std::copy_n(std::get<1>(column).begin() + static_cast<std::ptrdiff_t>(from), n, out); break;
    case 2: {
      // A string becomes the index of the quoted string it equals, else -1.
      const auto& v = std::get<2>(column);
      for (std::size_t i = 0; i < n; ++i) {
        const std::string& s = v[from + i];
        double id = -1.0;
        for (std::size_t k = 0; k < literals.size(); ++k) {
          if (s == literals[k]) {
            id = static_cast<double>(k);
            break;
          }
        }
        out[i] = id;
      }
      break;
    }
    default: {
      const auto& v = std::get<3>(column);
      for (std::size_t i = 0; i < n; ++i) out[i] = v[from + i] != 0 ? 1.0 : 0.0;
      break;
    }
  }
}

template <typename F>
void unary(double* a, std::size_t n, F f) {
  for (std::size_t i = 0; i < n; ++i) a[i] = f(a[i]);
}

template <typename F>
void binary(double* a, const double* b, std::size_t n, F f) {
  for (std::size_t i = 0; i < n; ++i) a[i] = f(a[i], b[i]);
}

}  // namespace

RowCondition RowCondition::parse(std::string_view text, const TableSchema& schema) {
  std::vector<std::string> names;
  for (const auto& c : schema.columns) names.push_back(c.name);
  const NameResolver resolve = [&names](std::string_view name, std::string* error) -> std::optional<std::size_t> {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
    if (error != nullptr) {
      *error = did_you_mean(name, names);
      if (error->empty()) *error = " (columns: " + comma_list(names) + ")";
    }
    return std::nullopt;
  };
  ExpressionSyntax syntax;
  syntax.t_is_time = false;
  syntax.noun = "column";
  syntax.is_text = [&schema](std::size_t c) { return schema.columns[c].type == ColumnType::string; };
  RowCondition out;
  out.expr_ = Expression::parse(text, resolve, syntax);
  int depth = 0;
  for (const auto& in : out.expr_.code()) {
    depth += stack_effect(in.op);
    out.depth_ = std::max(out.depth_, static_cast<std::size_t>(std::max(depth, 0)));
  }
  return out;
}

std::size_t RowCondition::select(const TableChunk& rows, std::vector<std::uint8_t>& keep) const {
  const std::size_t total = rows.rows();
  keep.resize(total);
  std::vector<double> stack(std::max<std::size_t>(depth_, 1) * kBlock);
  const auto& code = expr_.code();
  const auto& literals = expr_.literals();
  std::size_t kept = 0;
  for (std::size_t from = 0; from < total; from += kBlock) {
    const std::size_t n = std::min(kBlock, total - from);
    std::size_t top = 0;  // slots in use
    auto slot = [&](std::size_t k) { return stack.data() + k * kBlock; };
    for (const auto& in : code) {
      switch (in.op) {
        case Op::constant: std::fill_n(slot(top++), n, in.number); break;
        case Op::value: load(rows.column(in.index), from, n, literals, slot(top++)); break;
        case Op::time: std::fill_n(slot(top++), n, std::nan("")); break;  // not parsed for rows
        case Op::neg: unary(slot(top - 1), n, [](double x) { return -x; }); break;
        case Op::lnot: unary(slot(top - 1), n, [](double x) { return truth(x) ? 0.0 : 1.0; }); break;
        case Op::abs: unary(slot(top - 1), n, [](double x) { return std::fabs(x); }); break;
        case Op::log: unary(slot(top - 1), n, [](double x) { return std::log(x); }); break;
        case Op::exp: unary(slot(top - 1), n, [](double x) { return std::exp(x); }); break;
        case Op::sqrt: unary(slot(top - 1), n, [](double x) { return std::sqrt(x); }); break;
        default: {
          --top;
          double* a = slot(top - 1);
          const double* b = slot(top);
          switch (in.op) {
            case Op::add: binary(a, b, n, [](double x, double y) { return x + y; }); break;
            case Op::sub: binary(a, b, n, [](double x, double y) { return x - y; }); break;
            case Op::mul: binary(a, b, n, [](double x, double y) { return x * y; }); break;
            case Op::div: binary(a, b, n, [](double x, double y) { return x / y; }); break;
            case Op::lt: binary(a, b, n, [](double x, double y) { return x < y ? 1.0 : 0.0; }); break;
            case Op::le: binary(a, b, n, [](double x, double y) { return x <= y ? 1.0 : 0.0; }); break;
            case Op::gt: binary(a, b, n, [](double x, double y) { return x > y ? 1.0 : 0.0; }); break;
            case Op::ge: binary(a, b, n, [](double x, double y) { return x >= y ? 1.0 : 0.0; }); break;
            case Op::eq: binary(a, b, n, [](double x, double y) { return x == y ? 1.0 : 0.0; }); break;
            case Op::ne: binary(a, b, n, [](double x, double y) { return x != y ? 1.0 : 0.0; }); break;
            case Op::land: binary(a, b, n, [](double x, double y) { return truth(x) && truth(y) ? 1.0 : 0.0; }); break;
            case Op::lor: binary(a, b, n, [](double x, double y) { return truth(x) || truth(y) ? 1.0 : 0.0; }); break;
            case Op::min: binary(a, b, n, [](double x, double y) { return std::min(x, y); }); break;
            case Op::max: binary(a, b, n, [](double x, double y) { return std::max(x, y); }); break;
            default: break;
          }
        }
      }
    }
    const double* result = slot(0);
    for (std::size_t i = 0; i < n; ++i) {
      const bool k = truth(result[i]);
      keep[from + i] = k ? 1 : 0;
      kept += k ? 1 : 0;
    }
  }
  return kept;
}

}  // namespace simulacra
