#include "calibrate_table.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <variant>

#include "options.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/random.hpp"
#include "simulacra/learned/metrics.hpp"

namespace simulacra::cli {

namespace {

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string column_list(const TableSchema& s) {
  std::string out;
  for (const auto& c : s.columns) out += (out.empty() ? "" : ", ") + c.name;
  return out;
}

}  // namespace

std::optional<TableTarget> parse_table_target(const std::string& text) {
  static const std::regex form(R"(^\s*([^~|]+?)\s*~\s*table\s*\(\s*([^)]+?)\s*\)\s*(\|.*)?$)");
  std::smatch m;
  if (!std::regex_match(text, m, form)) {
    if (text.find("table(") != std::string::npos) {
      throw UsageError("--target '" + text + "': expected \"TABLE ~ table(real.csv)\", e.g. \"town.infections ~ "
                       "table(data/real_infections.csv)\"");
    }
    return std::nullopt;
  }
  if (m[3].matched) {
    throw UsageError("--target '" + text + "': a table target compares distributions; it takes no aggregation or "
                     "observation model");
  }
  TableTarget t;
  t.table = m[1];
  t.path = m[2];
  // Compared as numbers or as texts: ids, dates and numbers with empty
  // cells are texts here (categories), as simulated tables give them.
  learned::TypeOverrides kinds;
  for (const auto& c : learned::read_csv(t.path).columns)
    if (c.kind == learned::ColumnKind::id || c.kind == learned::ColumnKind::datetime || c.missing > 0)
      kinds[c.name] = learned::ColumnKind::categorical;
  t.real = kinds.empty() ? learned::read_csv(t.path) : learned::read_csv(t.path, kinds);
  return t;
}

TableSample::TableSample(std::string table, std::size_t max_rows, std::uint64_t seed)
    : name_(std::move(table)), max_rows_(max_rows), seed_(seed) {}

void TableSample::open(const std::vector<TableSchema>& tables) {
  std::string names;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    names += (names.empty() ? "" : ", ") + tables[i].name;
    if (tables[i].name == name_) index_ = i;
  }
  if (!index_) throw UsageError("--target: the dataset has no table '" + name_ + "' (tables: " + names + ")");
  schema_ = tables[*index_];
  kept_ = TableChunk(schema_);
  rng_ = RandomStream(seed_, 0x7461626c65ULL);  // "table"
}

void TableSample::write(std::size_t table, const TableChunk& rows) {
  if (!index_ || table != *index_) return;
  for (std::size_t r = 0; r < rows.rows(); ++r, ++seen_) {
    if (kept_.rows() < max_rows_) {
      kept_.append_row_from(rows, r);
      continue;
    }
    const std::size_t j = rng_.below(seen_ + 1);  // one draw per row: chunking does not matter
    if (j >= max_rows_) continue;
    for (std::size_t c = 0; c < kept_.column_count(); ++c) {
      std::visit([&](auto& dst) { dst[j] = std::get<std::decay_t<decltype(dst)>>(rows.column(c))[r]; }, kept_.column(c));
    }
  }
}

std::vector<std::string> TableSample::text(std::size_t c) const {
  std::vector<std::string> out;
  std::visit(
      [&](const auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        for (const auto& x : v) {
          if constexpr (std::is_same_v<T, std::string>) {
            out.push_back(x);
          } else if constexpr (std::is_same_v<T, std::uint8_t>) {
            out.push_back(x != 0 ? "true" : "false");
          } else {
            out.push_back(number_text(static_cast<double>(x)));
          }
        }
      },
      kept_.column(c));
  return out;
}

std::vector<double> TableSample::numbers(std::size_t c) const {
  std::vector<double> out;
  std::visit(
      [&](const auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        if constexpr (std::is_same_v<T, std::string>) {
          throw DataError("column '" + schema_.columns[c].name + "' holds text, not numbers");
        } else {
          for (const auto& x : v) out.push_back(static_cast<double>(x));
        }
      },
      kept_.column(c));
  return out;
}

namespace {

class SampleSink final : public TableSink {
 public:
  explicit SampleSink(std::shared_ptr<TableSample> sample) : sample_(std::move(sample)) {}
  void open(const std::vector<TableSchema>& tables) override { sample_->open(tables); }
  void write(std::size_t table, const TableChunk& rows) override { sample_->write(table, rows); }
  void commit(const Provenance&) override {}
  void abort() noexcept override {}

 private:
  std::shared_ptr<TableSample> sample_;
};

}  // namespace

std::unique_ptr<TableSink> sample_sink(std::shared_ptr<TableSample> sample) {
  return std::make_unique<SampleSink>(std::move(sample));
}

void check_table_target(const TableTarget& target, const TableSchema& schema) {
  for (const auto& col : target.real.columns) {
    std::size_t c = 0;
    while (c < schema.columns.size() && schema.columns[c].name != col.name) ++c;
    if (c == schema.columns.size()) {
      throw UsageError(target.path + ": column '" + col.name + "' is not in table " + schema.name + " (columns: " +
                       column_list(schema) + ")");
    }
    if (col.kind == learned::ColumnKind::numeric && schema.columns[c].type == ColumnType::string) {
      throw UsageError(target.path + ": column '" + col.name + "' holds numbers, but " + schema.name + "." + col.name +
                       " holds text");
    }
  }
}

std::vector<double> table_distances(const TableTarget& target, const TableSample& captured) {
  std::vector<double> out;
  const TableSchema& schema = captured.schema();
  for (const auto& col : target.real.columns) {
    if (captured.rows_seen() == 0) {
      out.push_back(1.0);
      continue;
    }
    const std::size_t c = schema.column_index(col.name);
    if (col.kind == learned::ColumnKind::numeric) {
      out.push_back(learned::ks_statistic(col.values, captured.numbers(c)));
      continue;
    }
    std::map<std::string, double> diff;
    for (double v : col.values) diff[col.levels[static_cast<std::size_t>(v)]] += 1.0 / static_cast<double>(col.values.size());
    const std::vector<std::string> sim = captured.text(c);
    for (const auto& s : sim) diff[s] -= 1.0 / static_cast<double>(sim.size());
    double tv = 0.0;
    for (const auto& [level, x] : diff) tv += std::abs(x);
    out.push_back(0.5 * tv);
  }
  return out;
}

}  // namespace simulacra::cli
