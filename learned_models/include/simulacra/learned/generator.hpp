// The common shape of every learned generator: columns with their marginals,
// user constraints, conditional sampling, and saving to a model file.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "simulacra/engine/random.hpp"
#include "simulacra/learned/data_table.hpp"
#include "simulacra/learned/marginal.hpp"
#include "simulacra/learned/model_file.hpp"
#include "simulacra/learned/table_metadata.hpp"

namespace simulacra::learned {

struct ColumnInfo {
  std::string name;
  ColumnKind kind = ColumnKind::numeric;
  std::vector<std::string> levels;  ///< categorical only
};

/// What a user demands of a column's sampled values.
struct Constraint {
  std::optional<double> min;  ///< numeric: inclusive bounds
  std::optional<double> max;
  bool integer = false;       ///< numeric: round to whole numbers
  /// Numeric: round to this many decimal places (the real column's
  /// precision, detected at fit); -1: none (set_constraint then keeps the
  /// detected precision).
  int decimals = -1;
  /// Categorical: the levels that may appear. Numeric: values snapped to the
  /// nearest of these.
  std::vector<std::string> allowed;
};

/// "Fix column to value" for conditional sampling.
struct Condition {
  std::string column;
  std::string value;
};

/// Parses "COLUMN=VALUE". Throws DataError if there is no '=' or no column.
Condition parse_condition(const std::string& text);

/// What sampling must respect in one column, in the marginal's u-space.
struct ColumnEvidence {
  bool fixed = false;
  double value = 0.0;  ///< the fixed value (a level's code when categorical)
  UInterval fixed_u;   ///< u-interval yielding `value`: a cell, or a single point
  USet allowed;        ///< where unfixed u may fall (constraints)
};

class Generator {
 public:
  virtual ~Generator() = default;
  /// "copula" or "bayesnet".
  virtual std::string kind() const = 0;

  /// The columns the model sees (table_metadata.hpp: no ids, datetimes as
  /// numbers, missingness indicators); metadata() maps them to the user's.
  const std::vector<ColumnInfo>& columns() const { return columns_; }
  const TableMetadata& metadata() const { return meta_; }
  /// Index of model column `name` in columns(). Throws DataError "unknown
  /// column" naming the columns, or, for an id, saying ids have none.
  std::size_t column_index(const std::string& name) const;
  const Marginal& marginal(std::size_t column) const { return marginals_[column]; }
  const Constraint& constraint(std::size_t column) const { return constraints_[column]; }

  /// Sets a column's constraint (replacing the one fitted from the data:
  /// integer rounding for whole-number columns). Throws DataError for an
  /// unknown column, min > max, bounds or rounding on a categorical column, an
  /// allowed level the column never had, or a numeric allowed value that is
  /// not a number.
  void set_constraint(const std::string& column, const Constraint& c);

  /// Samples n rows in the user's columns (metadata(): fresh ids, datetimes in
  /// their format, empty cells); `where` fixes columns to values, and the
  /// other columns follow the model's conditional distribution given them
  /// (no rejection, so a rare value costs nothing extra). A datetime is fixed
  /// by its text, an empty value fixes a column with empty cells to empty.
  /// Deterministic for a given rng state. Throws DataError for an unknown
  /// column, an id column, a value that is not a level of a categorical
  /// column, not a number for a numeric one or not a date in a datetime
  /// column's format, a column fixed twice, a fixed value outside the
  /// column's constraint, or constraints that leave no value.
  DataTable sample(std::size_t n, RandomStream& rng, const std::vector<Condition>& where = {}) const;

  /// Saves to an HDF5 model file. Throws DataError if it cannot be written.
  void save(const std::string& path) const;

 protected:
  /// The metadata of a table as users have it and the table the model is
  /// fitted to (TableMetadata::encode for fitting). Throws DataError if every
  /// column is an id.
  static DataTable prepare(const DataTable& table, TableMetadata& schema);
  /// Takes columns and empirical marginals from the prepared data and keeps
  /// the metadata.
  void init_columns(const DataTable& data, TableMetadata schema);
  /// Draws n rows of u-values (row-major, columns() wide) respecting the
  /// evidence; fixed columns may be left as anything.
  virtual void draw_u(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& evidence,
                      std::vector<double>& u) const = 0;
  /// Draws n rows of values (row-major, columns() wide) respecting the
  /// evidence; sample() overwrites the fixed columns. The default draws u
  /// with draw_u and maps it through the marginals and constraints; a model
  /// with marginals of its own per row (a stratified copula) overrides it.
  virtual void draw_values(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& evidence,
                           std::vector<double>& x) const;
  /// The value of u in column `column` under marginal m, after the column's
  /// constraints (rounding, bounds, allowed values).
  double finish(std::size_t column, double u, const Marginal& m) const;
  /// The evidence `pooled` (built on the column's own marginal) restated in
  /// the u-space of another marginal m of the same column: constraints
  /// become m's allowed set (possibly empty), a fixed value m's interval.
  ColumnEvidence evidence_in(std::size_t column, const Marginal& m, const ColumnEvidence& pooled) const;
  virtual void store(ModelArchive& archive) const = 0;
  void store_common(ModelArchive& archive) const;
  /// Throws ModelFileError if arrays are missing or inconsistent.
  void load_common(const ModelArchive& archive);
  /// One marginal's arrays under `prefix` ("c3.", "s1.c3.").
  static void store_marginal(ModelArchive& archive, const std::string& prefix, const Marginal& m);
  /// Throws ModelFileError if they are missing or do not fit column c.
  static Marginal load_marginal(const ModelArchive& archive, const std::string& prefix, const ColumnInfo& c);

  std::vector<ColumnInfo> columns_;
  std::vector<Marginal> marginals_;
  std::vector<Constraint> constraints_;
  TableMetadata meta_;

 private:
  /// Conditions on user columns restated on model columns.
  std::vector<Condition> model_conditions(const std::vector<Condition>& where) const;
  std::vector<ColumnEvidence> evidence_for(const std::vector<Condition>& where) const;
  USet allowed_set(std::size_t column, const Marginal& m) const;
};

/// "c<i>.": the prefix of column i's arrays in a model file.
std::string column_prefix(std::size_t column);

/// Loads any generator from a model file. Throws ModelFileError if the file
/// cannot be read (see load_archive) or holds an unknown kind or bad arrays.
std::unique_ptr<Generator> load_generator(const std::string& path);

}  // namespace simulacra::learned
