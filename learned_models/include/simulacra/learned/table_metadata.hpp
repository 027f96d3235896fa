// How a table as users have it maps onto the columns a generator models, and
// back: ids are left out and sampled fresh in the real format, datetimes are
// seconds, and a numeric or datetime column with empty cells becomes its
// values plus a missingness indicator modelled like any categorical column.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "simulacra/engine/random.hpp"
#include "simulacra/learned/data_table.hpp"
#include "simulacra/learned/model_file.hpp"

namespace simulacra::learned {

/// How fresh ids are written. Never a real value: numbers continue after the
/// largest real one; shaped texts are random characters of the real shape
/// (e-mails at the reserved domain example.com), distinct within a sample.
struct IdFormat {
  enum class Style { number = 0, shaped = 1, email = 2 };
  Style style = Style::number;
  std::string prefix;  ///< number: the text every real id has before its digits ("C" of "C000123")
  int width = 0;       ///< number: digits zero-padded to this width (0: none)
  double next = 1;     ///< number: the first fresh number, one more than the largest real one
  /// shaped, email (its local part): per character '9' a digit, 'a' a
  /// lower-case letter, 'A' an upper-case one, '\' then a literal character.
  std::string shape;
  double missing_share = 0;  ///< share of empty cells, drawn independently of everything else
  /// One line for people: `"C" + 6 digits from 5001`, `shape +99 9999 999999`.
  std::string describe() const;
};

struct ColumnMetadata {
  std::string name;
  ColumnKind kind = ColumnKind::numeric;
  int model = -1;       ///< its column among the model's, -1 for an id
  int indicator = -1;   ///< its missingness indicator among the model's columns, -1 if none
  std::string format;   ///< datetime: its format (datetime.hpp)
  std::string personal; ///< id: "e-mail", "phone number" or ""
  IdFormat id;          ///< id only
  double missing_share = 0;  ///< share of empty cells in the fitted table
};

/// An indicator's levels, in byte order: code 0 is an empty cell.
inline constexpr const char* kMissingLevel = "missing";
inline constexpr const char* kPresentLevel = "present";

class TableMetadata {
 public:
  /// The schema of `data`. Model columns keep the table's order; an
  /// indicator, named "<column>.missing" ('_' appended while the name is
  /// taken), follows its column. Throws DataError if every column is an id.
  static TableMetadata of(const DataTable& data);
  /// Every model column stands for itself (model files written before
  /// schemas were stored): `kinds` are numeric or categorical.
  static TableMetadata identity(const std::vector<std::string>& names, const std::vector<ColumnKind>& kinds);

  const std::vector<ColumnMetadata>& columns() const { return columns_; }
  /// Index of the user column `name` in columns(), or columns().size().
  std::size_t find(const std::string& name) const;
  std::size_t model_columns() const { return model_names_.size(); }
  const std::vector<std::string>& model_names() const { return model_names_; }

  enum class Purpose {
    /// What a generator is fitted to: an empty cell gets a value imputed from
    /// a real row alike in the column that predicts this one best (so the
    /// indicator, not the value, says it was empty), and datetimes are spread
    /// uniformly within their step (a day, a minute, a second) so that the
    /// marginals are continuous and sampled dates are not only observed ones.
    fit,
    /// What metrics compare: empty cells stay NaN, datetimes exact.
    compare
  };
  /// `data` as the model's columns. Throws DataError if it lacks a column of
  /// the schema or has it with another kind.
  DataTable encode(const DataTable& data, Purpose purpose) const;

  /// Sampled model columns (model_names() order) back to the user's
  /// columns: fresh ids, datetimes floored to their step, NaN where the
  /// indicator says missing.
  DataTable decode(const DataTable& model, RandomStream& rng) const;

  /// Arrays "schema.*".
  void store(ModelArchive& archive) const;
  /// Throws ModelFileError if the arrays are missing, inconsistent, or do
  /// not fit the model's columns `model_names`.
  static TableMetadata load(const ModelArchive& archive, const std::vector<std::string>& model_names);

 private:
  std::vector<ColumnMetadata> columns_;
  std::vector<std::string> model_names_;
};

/// The format of fresh values for an id column's texts (`personal` as
/// detected). Exposed for tests.
IdFormat id_format_of(const DataColumn& column);

/// n fresh ids in `format`, distinct (empty cells aside) and never a value
/// the format was taken from.
std::vector<std::string> fresh_ids(const IdFormat& format, std::size_t n, RandomStream& rng);

}  // namespace simulacra::learned
