#include "simulacra/exporters/csv_sink.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "buffered_file.hpp"
#include "dataset_names.hpp"
#include "file_sync.hpp"
#include "provenance_json.hpp"
#include "simulacra/engine/errors.hpp"
#include "snapshot_files.hpp"

namespace simulacra {

namespace fs = std::filesystem;

namespace {

enum class State { created, open, committed, aborted };

constexpr const char* kSnapshotFormat = "csv";

/// Collects text the way BufferedFile does, so a header can be built in memory.
struct TextOutput {
  std::string text;
  void write(std::string_view part) { text += part; }
  void put(char c) { text += c; }
};

/// One field as RFC 4180 wants it: quoted when it holds a separator, quote or
/// line break, with quotes doubled. Empty strings are quoted too, so a table
/// with one string column never has a blank line that readers would skip.
template <typename Output>
void write_text_field(Output& out, const std::string& text) {
  if (text.empty()) {
    out.write("\"\"");
    return;
  }
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    out.write(text);
    return;
  }
  out.put('"');
  std::size_t from = 0;
  for (std::size_t quote = text.find('"'); quote != std::string::npos;
       quote = text.find('"', from)) {
    out.write(std::string_view(text).substr(from, quote + 1 - from));
    out.put('"');
    from = quote + 1;
  }
  out.write(std::string_view(text).substr(from));
  out.put('"');
}

template <typename Number>
void write_number(BufferedFile& out, Number value) {
  // 32 bytes hold any int64 and the shortest round-trip form of any double.
  char* begin = out.room(32);
  const auto result = std::to_chars(begin, out.room_end(), value);
  out.advance(static_cast<std::size_t>(result.ptr - begin));
}

/// The target as an absolute path without a trailing slash, so that "out/",
/// "out/." and "." all name a directory we can put a sibling beside.
fs::path normalised_target(const std::string& directory) {
  std::error_code error;
  fs::path target = fs::absolute(fs::path(directory), error);
  if (error) target = fs::path(directory);
  target = target.lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  return target;
}

/// A table's first line: its column names, quoted like any field.
std::string header_line(const TableSchema& schema) {
  TextOutput out;
  for (std::size_t c = 0; c < schema.columns.size(); ++c) {
    if (c > 0) out.put(',');
    write_text_field(out, schema.columns[c].name);
  }
  out.put('\n');
  return std::move(out.text);
}

std::string file_name(const TableSchema& schema) { return schema.name + ".csv"; }

/// The column types, "int64,float64,...": what a snapshot records of a table
/// beyond the names its header line already holds.
std::string column_types(const TableSchema& schema) {
  std::string types;
  for (const auto& column : schema.columns) {
    if (!types.empty()) types += ',';
    types += to_string(column.type);
  }
  return types;
}

fs::path temporary_beside(const fs::path& target) {
  fs::path temporary = target;
  temporary += ".";  // two steps: "." + string trips a GCC 12 false -Wrestrict
  temporary += temporary_suffix();
  return temporary;
}

/// Where one column's values start, typed, so the row loop needs no visit.
struct ColumnView {
  ColumnType type = ColumnType::int64;
  const std::int64_t* ints = nullptr;
  const double* doubles = nullptr;
  const std::string* strings = nullptr;
  const std::uint8_t* bools = nullptr;
};

}  // namespace

struct CsvSink::Impl {
  std::string directory;
  fs::path target;
  fs::path temporary;
  State state = State::created;
  bool created_temporary = false;
  std::vector<TableSchema> schemas;
  std::vector<BufferedFile> files;  ///< one per table
  std::vector<ColumnView> views;    ///< scratch for write()

  explicit Impl(std::string d) : directory(std::move(d)) {}

  ~Impl() {
    if (state != State::committed && state != State::aborted) discard();
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void create_temporary();
  void open(const std::vector<TableSchema>& tables);
  void snapshot(const std::string& dir);
  void restore(const std::vector<TableSchema>& tables, const std::string& dir);
  void write(std::size_t table, const TableChunk& rows);
  void commit(const Provenance& provenance);
  void discard() noexcept;
};

void CsvSink::Impl::create_temporary() {
  target = normalised_target(directory);
  temporary = temporary_beside(target);

  std::error_code error;
  const fs::file_status status = fs::status(target, error);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) {
      throw DataError(directory + ": exists and is not a directory");
    }
    if (!fs::is_empty(target, error) || error) {
      throw DataError(directory + ": output directory exists and is not empty; "
                      "refusing to write into it");
    }
  }
  // A leftover from a crashed run of a process that had our pid: ours to remove.
  fs::remove_all(temporary, error);
  created_temporary = true;
  if (!fs::create_directory(temporary, error) || error) {
    throw DataError(directory + ": cannot create temporary directory " + temporary.string() +
                    ": " + (error ? error.message() : std::string("it already exists")));
  }
}

void CsvSink::Impl::open(const std::vector<TableSchema>& tables) {
  if (state != State::created) throw std::logic_error("CsvSink::open called twice");
  check_dataset_names(tables, directory);
  state = State::open;
  create_temporary();
  schemas = tables;
  files.reserve(tables.size());
  for (const auto& schema : tables) {
    files.emplace_back(temporary / file_name(schema), directory).write(header_line(schema));
  }
}

void CsvSink::Impl::snapshot(const std::string& dir) {
  if (state != State::open) throw std::logic_error("CsvSink::snapshot on a sink that is not open");
  const fs::path snapshot_dir(dir);
  std::vector<SnapshotFile> saved;
  for (std::size_t t = 0; t < files.size(); ++t) {
    // Buffers end on row boundaries, so each file now ends with a whole row.
    files[t].flush();
    copy_durably(files[t].file(), snapshot_dir / file_name(schemas[t]), directory);
    saved.push_back({file_name(schemas[t]), column_types(schemas[t])});
  }
  write_snapshot_manifest(snapshot_dir, kSnapshotFormat, saved, directory);
}

void CsvSink::Impl::restore(const std::vector<TableSchema>& tables, const std::string& dir) {
  if (state != State::created) throw std::logic_error("CsvSink::restore on a sink already opened");
  check_dataset_names(tables, directory);
  const fs::path snapshot_dir(dir);
  std::vector<std::string> names;
  for (const auto& schema : tables) names.push_back(file_name(schema));
  const std::vector<std::string> types = check_snapshot(snapshot_dir, kSnapshotFormat, names);
  for (std::size_t t = 0; t < tables.size(); ++t) {
    const std::string saved = (snapshot_dir / names[t]).string();
    if (types[t] != column_types(tables[t])) {
      throw DataError(saved + ": not a snapshot of these tables (its columns are " + types[t] +
                      "; expected " + column_types(tables[t]) + ")");
    }
    const std::string header = header_line(tables[t]);
    std::ifstream in(saved, std::ios::binary);
    std::string first(header.size(), '\0');
    if (!in.read(first.data(), static_cast<std::streamsize>(first.size())) || first != header) {
      throw DataError(saved + ": not a snapshot of these tables (its columns are not named " +
                      header.substr(0, header.size() - 1) + ")");
    }
  }
  state = State::open;
  create_temporary();
  schemas = tables;
  files.reserve(tables.size());
  for (std::size_t t = 0; t < tables.size(); ++t) {
    // A copy, so the snapshot stays as it was and can be resumed again.
    std::error_code error;
    fs::copy_file(snapshot_dir / names[t], temporary / names[t], error);
    if (error) {
      throw DataError(directory + ": cannot copy " + (snapshot_dir / names[t]).string() + " to " +
                      temporary.string() + ": " + error.message());
    }
    files.emplace_back(temporary / names[t], directory, BufferedFile::Mode::append);
  }
}

void CsvSink::Impl::write(std::size_t table, const TableChunk& rows) {
  if (state != State::open) throw std::logic_error("CsvSink::write on a sink that is not open");
  if (table >= schemas.size()) {
    throw std::invalid_argument(directory + ": write to table " + std::to_string(table) + " of " +
                                std::to_string(schemas.size()));
  }
  const TableSchema& schema = schemas[table];
  if (!rows.consistent_with(schema)) {
    throw std::invalid_argument(directory + ": rows written to " + schema.name +
                                " do not match its schema");
  }
  views.assign(schema.columns.size(), ColumnView{});
  for (std::size_t c = 0; c < views.size(); ++c) {
    ColumnView& view = views[c];
    view.type = schema.columns[c].type;
    switch (view.type) {
      case ColumnType::int64: view.ints = std::get<0>(rows.column(c)).data(); break;
      case ColumnType::float64: view.doubles = std::get<1>(rows.column(c)).data(); break;
      case ColumnType::string: view.strings = std::get<2>(rows.column(c)).data(); break;
      case ColumnType::boolean: view.bools = std::get<3>(rows.column(c)).data(); break;
    }
  }
  BufferedFile& out = files[table];
  for (std::size_t r = 0; r < rows.rows(); ++r) {
    for (std::size_t c = 0; c < views.size(); ++c) {
      if (c > 0) out.put(',');
      const ColumnView& view = views[c];
      switch (view.type) {
        case ColumnType::int64: write_number(out, view.ints[r]); break;
        case ColumnType::float64: write_number(out, view.doubles[r]); break;
        case ColumnType::string: write_text_field(out, view.strings[r]); break;
        case ColumnType::boolean: out.write(view.bools[r] != 0 ? "true" : "false"); break;
      }
    }
    out.put('\n');
  }
}

void CsvSink::Impl::commit(const Provenance& provenance) {
  if (state != State::open) throw std::logic_error("CsvSink::commit on a sink that is not open");
  try {
    for (auto& file : files) file.close();
    BufferedFile json(temporary / "provenance.json", directory);
    json.write(provenance_json(provenance));
    json.close();
    sync_directory(temporary);
    // rename(2) atomically replaces an empty directory and refuses a
    // non-empty one, so a target that filled up since open() is never lost.
    std::error_code error;
    fs::rename(temporary, target, error);
    if (error) {
      throw DataError(directory + ": cannot rename " + temporary.string() + " to it: " +
                      error.message());
    }
    sync_directory(target.parent_path());
    files.clear();
    state = State::committed;
  } catch (...) {
    discard();
    throw;
  }
}

void CsvSink::Impl::discard() noexcept {
  files.clear();  // closes without flushing
  if (created_temporary) {
    std::error_code ignored;
    fs::remove_all(temporary, ignored);
    created_temporary = false;
  }
  state = State::aborted;
}

CsvSink::CsvSink(std::string directory) : impl_(std::make_unique<Impl>(std::move(directory))) {}

CsvSink::~CsvSink() = default;

void CsvSink::open(const std::vector<TableSchema>& tables) {
  try {
    impl_->open(tables);
  } catch (const std::logic_error&) {
    throw;
  } catch (...) {
    impl_->discard();  // nothing is left behind by a failed open
    throw;
  }
}

void CsvSink::write(std::size_t table, const TableChunk& rows) { impl_->write(table, rows); }

void CsvSink::snapshot(const std::string& dir) { impl_->snapshot(dir); }

void CsvSink::restore(const std::vector<TableSchema>& tables, const std::string& dir) {
  try {
    impl_->restore(tables, dir);
  } catch (const std::logic_error&) {
    throw;
  } catch (...) {
    impl_->discard();  // as after a failed open: nothing is left behind
    throw;
  }
}

void CsvSink::commit(const Provenance& provenance) { impl_->commit(provenance); }

void CsvSink::abort() noexcept {
  if (impl_->state != State::committed) impl_->discard();
}

const std::string& CsvSink::directory() const { return impl_->directory; }

std::string CsvSink::temporary_directory() const {
  if (!impl_->temporary.empty()) return impl_->temporary.string();
  return temporary_beside(normalised_target(impl_->directory)).string();
}

}  // namespace simulacra
