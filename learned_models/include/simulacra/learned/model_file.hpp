// Model files: a fitted generator saved as named arrays in an HDF5 file, with
// a format version and a checksum so a damaged or foreign file is refused.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "simulacra/engine/errors.hpp"

namespace simulacra::learned {

/// A model file that cannot be read: missing, not HDF5, not a Simulacra model,
/// a format version this build does not read, or a checksum mismatch.
class ModelFileError : public UserError {
 public:
  using UserError::UserError;
};

/// The arrays of one model, by name. Names are HDF5 dataset names under the
/// file's "model" group; an integer is stored as a one-element double array.
class ModelArchive {
 public:
  using Array = std::variant<std::vector<double>, std::vector<std::string>>;

  void put(const std::string& name, std::vector<double> values) { arrays_[name] = std::move(values); }
  void put(const std::string& name, std::vector<std::string> values) { arrays_[name] = std::move(values); }
  void put_number(const std::string& name, double v) { arrays_[name] = std::vector<double>{v}; }

  bool has(const std::string& name) const { return arrays_.count(name) != 0; }
  /// Throw ModelFileError "<source>: missing or mistyped array 'name'" if
  /// absent or of the other type.
  const std::vector<double>& numbers(const std::string& name) const;
  const std::vector<std::string>& strings(const std::string& name) const;
  double number(const std::string& name) const;

  const std::map<std::string, Array>& arrays() const { return arrays_; }
  std::map<std::string, Array>& arrays() { return arrays_; }
  std::string source;  ///< the file it came from, for messages

  /// FNV-1a 64 over every array's name, type, length and bytes in name order.
  std::uint64_t checksum() const;

 private:
  std::map<std::string, Array> arrays_;
};

/// The format version this build writes. It reads every version from
/// kOldestModelFormatVersion on: version 2 added the stratified copula's
/// arrays ("strata.*", "s<k>.*"); a version 1 copula is one copula. Version
/// 3 added the table's schema ("schema.*": ids, datetimes, missingness
/// indicators); without it every model column is a column of the table.
inline constexpr std::int64_t kModelFormatVersion = 3;
inline constexpr std::int64_t kOldestModelFormatVersion = 1;

/// Writes the archive to an HDF5 file at `path` (attributes "format" =
/// "simulacra-model", "format_version", "kind", "checksum" as 16 hex digits;
/// arrays under group "model"), written aside and renamed, so it appears whole
/// or not at all. Throws DataError naming the path if it cannot be written.
void save_archive(const ModelArchive& archive, const std::string& kind, const std::string& path);

/// Whether `path` is an HDF5 file whose root says format = "simulacra-model"
/// (any version). Throws nothing: a missing or unreadable file is not one.
bool is_model_file(const std::string& path);

/// Reads an archive back and returns it with its kind. Throws ModelFileError
/// naming the path if the file cannot be opened or is not a Simulacra model,
/// if its format version is outside [kOldestModelFormatVersion,
/// kModelFormatVersion], or if the stored
/// checksum does not match the arrays (a damaged or edited file).
ModelArchive load_archive(const std::string& path, std::string& kind);

}  // namespace simulacra::learned
