#include "simulacra/exporters/hdf5_sink.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "chunk_pipeline.hpp"
#include "dataset_names.hpp"
#include "file_sync.hpp"
#include "hdf5_handle.hpp"
#include "hdf5_layout.hpp"
#include "hdf5_unfinished.hpp"
#include "simulacra/engine/errors.hpp"
#include "simulacra/exporters/hdf5_inspect.hpp"
#include "snapshot_files.hpp"

namespace simulacra {

namespace fs = std::filesystem;
using hdf5::check;
using hdf5::Handle;
using hdf5::own;

namespace {

enum class State { created, open, committed, aborted };

// A snapshot directory holds a copy of the file (every row written to it so
// far), the rows still buffered (fewer than a chunk per table, kept apart so
// the restored sink writes the same whole chunks an uninterrupted one would),
// and the manifest.
constexpr const char* kSnapshotFormat = "hdf5";
constexpr const char* kSnapshotFile = "dataset.h5";
constexpr const char* kSnapshotPending = "pending.h5";

void write_string_attribute(hid_t object, const char* name, const std::string& value,
                            hid_t string_type, const std::string& path,
                            const std::string& where) {
  const std::string what = "cannot write attribute '" + std::string(name) + "' of " + where;
  Handle space = own(H5Screate(H5S_SCALAR), H5Sclose, path, what);
  Handle attribute = own(
      H5Acreate2(object, name, string_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
      path, what);
  const char* text = value.c_str();
  check(H5Awrite(attribute.get(), string_type, &text), path, what);
}

void write_int64_attribute(hid_t object, const char* name, std::int64_t value,
                           const std::string& path, const std::string& where) {
  const std::string what = "cannot write attribute '" + std::string(name) + "' of " + where;
  Handle space = own(H5Screate(H5S_SCALAR), H5Sclose, path, what);
  Handle attribute = own(
      H5Acreate2(object, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose, path, what);
  check(H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value), path, what);
}

// Numeric chunks are written with H5Dwrite_chunk in file byte order, which
// is the machine's only on a little-endian CPU.
static_assert(std::endian::native == std::endian::little,
              "Hdf5Sink writes raw little-endian chunks; a big-endian build needs byte swapping");

struct TableWriter {
  TableSchema schema;
  Handle group;
  std::vector<Handle> datasets;  ///< one per column, in schema order
  TableChunk pending;            ///< fewer than chunk_rows rows not yet handed to the pipeline
  std::uint64_t rows_in_file = 0;  ///< rows handed to the pipeline (written once it is drained)
  /// Per column: its levels grouped by length (levels[c][n]: those n bytes
  /// long), empty for columns without levels.
  std::vector<std::vector<std::vector<std::string>>> levels;
};

// Column chunks waiting for compression or their turn to be written: enough
// to keep a few workers busy while the run produces the next chunk, few
// enough to bound memory (about 8 x chunk_rows x 8 bytes, twice). Never a
// function of the worker count: it fixes when chunks are written, so the
// file's bytes would then depend on it.
constexpr std::size_t kChunksInFlight = 8;

// Levels grouped by length, for is_level().
std::vector<std::vector<std::string>> levels_by_length(const Column& column) {
  std::vector<std::vector<std::string>> by_length;
  for (const auto& level : column.levels) {
    if (by_length.size() <= level.size()) by_length.resize(level.size() + 1);
    by_length[level.size()].push_back(level);
  }
  return by_length;
}

// Whether `s` is one of the levels (a few comparisons of equal-length strings).
bool is_level(const std::vector<std::vector<std::string>>& by_length, const std::string& s) {
  if (s.size() >= by_length.size()) return false;
  for (const auto& level : by_length[s.size()]) {
    if (std::memcmp(level.data(), s.data(), s.size()) == 0) return true;
  }
  return false;
}

// Width of a leveled string column's fixed-length strings (its longest
// level, at least 1); 0 for a free string column (variable-length).
std::size_t level_width(const Column& column) {
  if (column.type != ColumnType::string || column.levels.empty()) return 0;
  std::size_t width = 1;
  for (const auto& level : column.levels) width = std::max(width, level.size());
  return width;
}

}  // namespace

struct Hdf5Sink::Impl {
  std::string path;
  fs::path temporary;
  std::size_t chunk_rows;
  int compression;
  unsigned workers;
  State state = State::created;
  bool created_temporary = false;

  // Declared before the objects inside the file so that they close first.
  Handle file;
  Handle string_type;
  std::vector<TableWriter> tables;
  std::vector<const char*> string_pointers;  ///< scratch for one string column's write
  /// Filters chunks on worker threads; destroyed before the datasets close.
  std::unique_ptr<hdf5::ChunkPipeline> pipeline;

  Impl(std::string p, std::size_t rows, int level, unsigned threads)
      : path(std::move(p)), chunk_rows(rows), compression(level), workers(threads) {
    // Appending piecewise also sidesteps a GCC 12 false -Wrestrict on "." + string.
    const fs::path target(path);
    std::string name = ".";
    name += target.filename().string();
    name += '.';
    name += temporary_suffix();
    temporary = target.parent_path() / name;
  }

  ~Impl() {
    if (state != State::committed && state != State::aborted) discard();
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void check_target(const std::vector<TableSchema>& schemas) const;
  Handle file_access_plist() const;
  void open(const std::vector<TableSchema>& schemas);
  void snapshot(const std::string& dir);
  void restore(const std::vector<TableSchema>& schemas, const std::string& dir);
  void reopen_table(const TableSchema& schema, std::uint64_t rows, const std::string& shown_as);
  void create_table(const TableSchema& schema, hid_t group_plist);
  void write(std::size_t table, const TableChunk& rows);
  void start_pipeline();
  void write_rows(TableWriter& table, const TableChunk& rows, std::size_t first, std::size_t count);
  void write_chunk(hdf5::PendingChunk& chunk);
  void pack_fixed(const TableWriter& table, std::size_t column, const std::vector<std::string>& strings,
                  std::size_t first, std::size_t count, std::size_t width, hdf5::PendingChunk& chunk) const;
  void write_strings(TableWriter& table, std::size_t column, const std::vector<std::string>& strings,
                     std::size_t first, std::size_t count);
  void commit(const Provenance& provenance);
  bool close_all() noexcept;
  void discard() noexcept;
};

void Hdf5Sink::Impl::check_target(const std::vector<TableSchema>& schemas) const {
  check_dataset_names(schemas, path);
  std::error_code ignored;
  if (fs::is_directory(path, ignored)) {
    throw DataError(path + ": is a directory; the HDF5 exporter needs a file name such as " +
                    (fs::path(path) / "run.h5").string());
  }
}

Handle Hdf5Sink::Impl::file_access_plist() const {
  // A strong close degree guarantees the file is really closed before rename.
  Handle plist = own(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, path, "cannot create HDF5 file");
  check(H5Pset_fclose_degree(plist.get(), H5F_CLOSE_STRONG), path, "cannot create HDF5 file");
  // The 1.8 file format: the superblock and object headers carry checksums,
  // so a damaged header is refused by any reader instead of being misread;
  // every HDF5 since 1.8 (h5py, pandas) reads it. (The 1.10 format would add
  // file-consistency flags that make a copy of a file still being written,
  // a checkpoint's snapshot, unreadable.)
  check(H5Pset_libver_bounds(plist.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), path, "cannot create HDF5 file");
  return plist;
}

void Hdf5Sink::Impl::open(const std::vector<TableSchema>& schemas) {
  if (state != State::created) throw std::logic_error("Hdf5Sink::open called twice");
  hdf5::silence_errors();
  check_target(schemas);
  state = State::open;

  // Tracking link creation order lets readers (h5py included) list tables and
  // columns in the order they were declared rather than alphabetically.
  Handle file_plist = own(H5Pcreate(H5P_FILE_CREATE), H5Pclose, path, "cannot create HDF5 file");
  check(H5Pset_link_creation_order(file_plist.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        path, "cannot create HDF5 file");
  // The root group's header (version 2 in the 1.8 format) holds no times either.
  check(H5Pset_obj_track_times(file_plist.get(), false), path, "cannot create HDF5 file");
  Handle access_plist = file_access_plist();

  created_temporary = true;
  file = own(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, file_plist.get(), access_plist.get()),
             H5Fclose, path, "cannot create HDF5 file (as " + temporary.string() + ")");
  string_type = hdf5::make_utf8_string_type(path);

  Handle group_plist = own(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, path, "cannot create groups");
  check(H5Pset_link_creation_order(group_plist.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        path, "cannot create groups");
  // No modification times in object headers: the same rows give the same
  // bytes whenever they are written.
  check(H5Pset_obj_track_times(group_plist.get(), false), path, "cannot create groups");
  tables.reserve(schemas.size());
  for (const auto& schema : schemas) create_table(schema, group_plist.get());
  start_pipeline();
}

void Hdf5Sink::Impl::start_pipeline() {
  pipeline = std::make_unique<hdf5::ChunkPipeline>(
      compression, workers, kChunksInFlight,
      [this](hdf5::PendingChunk& chunk) { write_chunk(chunk); });
}

void Hdf5Sink::Impl::create_table(const TableSchema& schema, hid_t group_plist) {
  TableWriter& table = tables.emplace_back();
  table.schema = schema;
  table.pending = TableChunk(schema);
  for (const auto& column : schema.columns) table.levels.push_back(levels_by_length(column));
  const std::string group_name = "/" + schema.name;
  table.group = own(H5Gcreate2(file.get(), schema.name.c_str(), H5P_DEFAULT, group_plist, H5P_DEFAULT),
                    H5Gclose, path, "cannot create group " + group_name);
  write_string_attribute(table.group.get(), hdf5_layout::kRowMeaning, schema.row_meaning,
                         string_type.get(), path, group_name);

  const hsize_t empty = 0;
  const hsize_t unlimited = H5S_UNLIMITED;
  const hsize_t chunk = chunk_rows;
  for (const auto& column : schema.columns) {
    const std::string name = group_name + "/" + column.name;
    const std::string what = "cannot create dataset " + name;
    Handle space = own(H5Screate_simple(1, &empty, &unlimited), H5Sclose, path, what);
    Handle plist = own(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, path, what);
    check(H5Pset_chunk(plist.get(), 1, &chunk), path, what);
    check(H5Pset_obj_track_times(plist.get(), false), path, what);
    if (compression > 0) {
      // Shuffle groups the bytes of each value so deflate sees long runs of
      // equal high-order bytes (small ids, nearby times).
      check(H5Pset_shuffle(plist.get()), path, what);
      check(H5Pset_deflate(plist.get(), static_cast<unsigned>(compression)), path, what);
    }
    hid_t file_type = H5T_STD_I64LE;
    Handle fixed;  // a leveled string column's own type
    switch (column.type) {
      case ColumnType::int64: file_type = H5T_STD_I64LE; break;
      case ColumnType::float64: file_type = H5T_IEEE_F64LE; break;
      case ColumnType::string:
        if (level_width(column) > 0) {
          fixed = hdf5::make_fixed_utf8_string_type(level_width(column), path);
          file_type = fixed.get();
        } else {
          file_type = string_type.get();
        }
        break;
      case ColumnType::boolean: file_type = H5T_STD_U8LE; break;
    }
    Handle dataset = own(H5Dcreate2(table.group.get(), column.name.c_str(), file_type, space.get(),
                                    H5P_DEFAULT, plist.get(), H5P_DEFAULT),
                         H5Dclose, path, what);
    if (!column.unit.empty()) {
      write_string_attribute(dataset.get(), hdf5_layout::kUnit, column.unit, string_type.get(),
                             path, name);
    }
    if (!column.doc.empty()) {
      write_string_attribute(dataset.get(), hdf5_layout::kDoc, column.doc, string_type.get(), path,
                             name);
    }
    if (column.type == ColumnType::boolean) {
      write_string_attribute(dataset.get(), hdf5_layout::kType, hdf5_layout::kBool,
                             string_type.get(), path, name);
    }
    table.datasets.push_back(std::move(dataset));
  }
}

void Hdf5Sink::Impl::write(std::size_t table_index, const TableChunk& rows) {
  if (state != State::open) throw std::logic_error("Hdf5Sink::write on a sink that is not open");
  if (table_index >= tables.size()) {
    throw std::invalid_argument(path + ": write to table " + std::to_string(table_index) +
                                " of " + std::to_string(tables.size()));
  }
  TableWriter& table = tables[table_index];
  if (!rows.consistent_with(table.schema)) {
    throw std::invalid_argument(path + ": rows written to " + table.schema.name +
                                " do not match its schema");
  }
  hdf5::silence_errors();
  const std::size_t n = rows.rows();
  std::size_t done = 0;
  // Top up a partly filled buffer first, so that every write to the file is a
  // whole chunk on a chunk boundary (each chunk compressed exactly once).
  if (table.pending.rows() > 0) {
    done = std::min(n, chunk_rows - table.pending.rows());
    table.pending.append_rows_from(rows, 0, done);
    if (table.pending.rows() == chunk_rows) {
      write_rows(table, table.pending, 0, chunk_rows);
      table.pending.clear();
    }
  }
  // Whole chunks go straight from the caller's rows to the file, uncopied.
  for (; n - done >= chunk_rows; done += chunk_rows) write_rows(table, rows, done, chunk_rows);
  if (done < n) table.pending.append_rows_from(rows, done, n);
}

void Hdf5Sink::Impl::write_rows(TableWriter& table, const TableChunk& rows, std::size_t first,
                                std::size_t count) {
  for (std::size_t c = 0; c < table.datasets.size(); ++c) {
    const std::size_t width = level_width(table.schema.columns[c]);
    if (table.schema.columns[c].type == ColumnType::string && width == 0) {
      write_strings(table, c, std::get<2>(rows.column(c)), first, count);
      continue;
    }
    std::unique_ptr<hdf5::PendingChunk> chunk = pipeline->acquire();
    chunk->table = static_cast<std::size_t>(&table - tables.data());
    chunk->column = c;
    chunk->first_row = table.rows_in_file;
    chunk->rows = count;
    const ColumnData& values = rows.column(c);
    const auto copy = [&](const auto& column) {
      using Value = typename std::decay_t<decltype(column)>::value_type;
      chunk->element_size = sizeof(Value);
      // A whole chunk, zero-padded past `count` as HDF5 fills an edge chunk.
      const std::size_t size = chunk_rows * sizeof(Value);
      const std::size_t used = count * sizeof(Value);
      chunk->bytes.resize(size);
      std::memcpy(chunk->bytes.data(), column.data() + first, used);
      std::memset(chunk->bytes.data() + used, 0, size - used);
    };
    switch (table.schema.columns[c].type) {
      case ColumnType::int64: copy(std::get<0>(values)); break;
      case ColumnType::float64: copy(std::get<1>(values)); break;
      case ColumnType::boolean: copy(std::get<3>(values)); break;
      case ColumnType::string: pack_fixed(table, c, std::get<2>(values), first, count, width, *chunk); break;
    }
    pipeline->submit(std::move(chunk));
  }
  table.rows_in_file += count;
}

// A leveled string column's chunk: each value NUL-padded to `width` bytes,
// the whole chunk zero-filled past `count` as HDF5 fills an edge chunk.
void Hdf5Sink::Impl::pack_fixed(const TableWriter& table, std::size_t column, const std::vector<std::string>& strings,
                                std::size_t first, std::size_t count, std::size_t width,
                                hdf5::PendingChunk& chunk) const {
  chunk.element_size = width;
  chunk.bytes.assign(chunk_rows * width, 0);
  const auto& levels = table.levels[column];
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& s = strings[first + i];
    if (!is_level(levels, s)) {
      throw std::invalid_argument(path + ": /" + table.schema.name + "/" + table.schema.columns[column].name +
                                  " (row " + std::to_string(table.rows_in_file + i) + ") holds \"" + s +
                                  "\", which is not one of the levels it declares");
    }
    std::memcpy(chunk.bytes.data() + i * width, s.data(), s.size());
  }
}

void Hdf5Sink::Impl::write_chunk(hdf5::PendingChunk& chunk) {
  TableWriter& table = tables[chunk.table];
  const hid_t dataset = table.datasets[chunk.column].get();
  const hsize_t start = chunk.first_row;
  const hsize_t length = chunk.rows;
  const hsize_t new_size = start + length;
  const auto what = [&] {
    return "cannot write rows " + std::to_string(start) + ".." + std::to_string(new_size - 1) + " of /" +
           table.schema.name + "/" + table.schema.columns[chunk.column].name;
  };
  if (H5Dset_extent(dataset, &new_size) < 0) hdf5::fail(path, what());
  // Already filtered as the dataset's filters declare (filter mask 0: all applied).
  const std::vector<unsigned char>& bytes = hdf5::stored_bytes(chunk);
  if (H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, &start, bytes.size(), bytes.data()) < 0) hdf5::fail(path, what());
}

// String values go to HDF5's heap through its own pipeline, at once and from
// the caller's rows (no copy): between two submissions to the chunk pipeline,
// so at the same point of the file's sequence of operations for any worker count.
void Hdf5Sink::Impl::write_strings(TableWriter& table, std::size_t column, const std::vector<std::string>& strings,
                                   std::size_t first, std::size_t count) {
  const hid_t dataset = table.datasets[column].get();
  const hsize_t start = table.rows_in_file;
  const hsize_t length = count;
  const hsize_t new_size = start + length;
  const std::string what = "cannot write rows " + std::to_string(start) + ".." + std::to_string(new_size - 1) +
                           " of /" + table.schema.name + "/" + table.schema.columns[column].name;
  string_pointers.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& s = strings[first + i];
    // HDF5 strings end at the first NUL; refuse rather than silently truncate.
    if (s.find('\0') != std::string::npos) {
      throw DataError(path + ": a value of " + table.schema.name + "." + table.schema.columns[column].name +
                      " (row " + std::to_string(start + i) +
                      ") contains a NUL character, which HDF5 strings cannot hold");
    }
    string_pointers[i] = s.c_str();
  }
  check(H5Dset_extent(dataset, &new_size), path, what);
  Handle file_space = own(H5Dget_space(dataset), H5Sclose, path, what);
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &length, nullptr), path, what);
  Handle memory_space = own(H5Screate_simple(1, &length, nullptr), H5Sclose, path, what);
  check(H5Dwrite(dataset, string_type.get(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                 string_pointers.data()),
        path, what);
}

void Hdf5Sink::Impl::commit(const Provenance& provenance) {
  if (state != State::open) throw std::logic_error("Hdf5Sink::commit on a sink that is not open");
  hdf5::silence_errors();
  try {
    for (auto& table : tables) {
      if (table.pending.rows() > 0) {
        write_rows(table, table.pending, 0, table.pending.rows());
        table.pending.clear();
      }
    }
    pipeline->drain();
    pipeline.reset();
    for (auto& table : tables) {
      write_int64_attribute(table.group.get(), hdf5_layout::kRows,
                            static_cast<std::int64_t>(table.rows_in_file), path,
                            "/" + table.schema.name);
    }
    Handle root = own(H5Gopen2(file.get(), "/", H5P_DEFAULT), H5Gclose, path,
                      "cannot open the root group");
    for (const auto& [key, value] : provenance) {
      write_string_attribute(root.get(), key.c_str(), value, string_type.get(), path,
                             "/ (provenance)");
    }
    root.close();
    if (!close_all()) hdf5::fail(path, "cannot close the HDF5 file");
    sync_file(temporary, path);
    std::error_code error;
    fs::rename(temporary, path, error);
    if (error) {
      throw DataError(path + ": cannot rename " + temporary.string() + " to it: " +
                      error.message());
    }
    sync_directory(fs::path(path).parent_path());
    state = State::committed;
  } catch (...) {
    discard();
    throw;
  }
}

void Hdf5Sink::Impl::snapshot(const std::string& dir) {
  if (state != State::open) throw std::logic_error("Hdf5Sink::snapshot on a sink that is not open");
  hdf5::silence_errors();
  const fs::path snapshot_dir(dir);
  // After a flush the file on disk is complete and consistent, and a copy of
  // it opens like a closed file: with the default (earliest) format the
  // superblock has no "open for writing" flag, and HDF5's file lock is on the
  // live file, not on the copy. The tests open such copies.
  pipeline->drain();
  check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), path, "cannot flush the file for a snapshot");
  copy_durably(temporary, snapshot_dir / kSnapshotFile, path);

  Hdf5Sink pending((snapshot_dir / kSnapshotPending).string(), chunk_rows, 0, 0);
  std::vector<TableSchema> schemas;
  for (const auto& table : tables) schemas.push_back(table.schema);
  pending.open(schemas);
  for (std::size_t t = 0; t < tables.size(); ++t) {
    if (tables[t].pending.rows() > 0) pending.write(t, tables[t].pending);
  }
  pending.commit({});
  hdf5::silence_errors();

  write_snapshot_manifest(snapshot_dir, kSnapshotFormat, {{kSnapshotFile, ""}, {kSnapshotPending, ""}},
                          path);
}

void Hdf5Sink::Impl::restore(const std::vector<TableSchema>& schemas, const std::string& dir) {
  if (state != State::created) throw std::logic_error("Hdf5Sink::restore on a sink already opened");
  hdf5::silence_errors();
  check_target(schemas);
  const fs::path snapshot_dir(dir);
  check_snapshot(snapshot_dir, kSnapshotFormat, {kSnapshotFile, kSnapshotPending});
  const std::string copy = (snapshot_dir / kSnapshotFile).string();
  state = State::open;

  // The sink continues a copy of the copy, so the snapshot can be resumed again.
  created_temporary = true;
  std::error_code error;
  fs::copy_file(copy, temporary, fs::copy_options::overwrite_existing, error);
  if (error) {
    throw DataError(path + ": cannot copy " + copy + " to " + temporary.string() + ": " +
                    error.message());
  }
  Handle access_plist = file_access_plist();
  file = own(H5Fopen(temporary.c_str(), H5F_ACC_RDWR, access_plist.get()), H5Fclose, copy,
             "cannot open the snapshot's HDF5 file");
  string_type = hdf5::make_utf8_string_type(path);
  const std::vector<std::uint64_t> rows = check_unfinished_tables(file.get(), schemas, copy);
  std::size_t file_chunk_rows = 0;
  tables.reserve(schemas.size());
  for (std::size_t t = 0; t < schemas.size(); ++t) {
    reopen_table(schemas[t], rows[t], copy);
    for (const auto& dataset : tables.back().datasets) {
      const std::string what = "cannot read the chunk size of a dataset in /" + schemas[t].name;
      Handle plist = own(H5Dget_create_plist(dataset.get()), H5Pclose, copy, what);
      hsize_t chunk = 0;
      if (H5Pget_layout(plist.get()) != H5D_CHUNKED || H5Pget_chunk(plist.get(), 1, &chunk) != 1 ||
          chunk == 0 || chunk > kMaxChunkRows ||
          (file_chunk_rows != 0 && chunk != file_chunk_rows)) {
        throw DataError(copy + ": the datasets of /" + schemas[t].name +
                        " are not chunked as Hdf5Sink writes them (damaged snapshot)");
      }
      file_chunk_rows = static_cast<std::size_t>(chunk);
    }
  }
  // Later chunks must line up with those already in the file, whatever this
  // sink was constructed with.
  if (file_chunk_rows != 0) chunk_rows = file_chunk_rows;

  const std::string pending = (snapshot_dir / kSnapshotPending).string();
  for (auto& table : tables) {
    table.pending = read_table_hdf5(pending, table.schema);
    if (table.pending.rows() >= chunk_rows) {
      throw DataError(pending + ": holds " + std::to_string(table.pending.rows()) + " rows of " +
                      table.schema.name + ", more than a sink buffers (damaged snapshot)");
    }
  }
  hdf5::silence_errors();
  start_pipeline();
}

void Hdf5Sink::Impl::reopen_table(const TableSchema& schema, std::uint64_t rows,
                                  const std::string& shown_as) {
  TableWriter& table = tables.emplace_back();
  table.schema = schema;
  table.rows_in_file = rows;
  for (const auto& column : schema.columns) table.levels.push_back(levels_by_length(column));
  const std::string group_name = "/" + schema.name;
  table.group = own(H5Gopen2(file.get(), schema.name.c_str(), H5P_DEFAULT), H5Gclose, shown_as,
                    "cannot open group " + group_name);
  for (const auto& column : schema.columns) {
    table.datasets.push_back(own(H5Dopen2(table.group.get(), column.name.c_str(), H5P_DEFAULT),
                                 H5Dclose, shown_as,
                                 "cannot open dataset " + group_name + "/" + column.name));
  }
}

bool Hdf5Sink::Impl::close_all() noexcept {
  if (pipeline) pipeline->discard();
  pipeline.reset();  // joins the workers before the datasets they write close
  bool ok = true;
  for (auto& table : tables) {
    for (auto& dataset : table.datasets) ok = dataset.close() && ok;
    ok = table.group.close() && ok;
  }
  tables.clear();
  ok = string_type.close() && ok;
  ok = file.close() && ok;
  return ok;
}

void Hdf5Sink::Impl::discard() noexcept {
  hdf5::silence_errors();
  close_all();
  if (created_temporary) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    created_temporary = false;
  }
  state = State::aborted;
}

Hdf5Sink::Hdf5Sink(std::string path, std::size_t chunk_rows, int compression, unsigned workers) {
  if (chunk_rows == 0 || chunk_rows > kMaxChunkRows) {
    throw DataError(path + ": HDF5 chunk rows must be in 1.." + std::to_string(kMaxChunkRows) +
                    ", got " + std::to_string(chunk_rows));
  }
  if (compression < 0 || compression > 9) {
    throw DataError(path + ": HDF5 compression level must be in 0..9, got " +
                    std::to_string(compression));
  }
  if (workers == kDefaultWorkers) workers = hdf5::default_compression_workers();
  impl_ = std::make_unique<Impl>(std::move(path), chunk_rows, compression, workers);
}

Hdf5Sink::~Hdf5Sink() = default;

int Hdf5Sink::deflate_level(OutputCompression compression) {
  switch (compression) {
    case OutputCompression::none: return 0;
    case OutputCompression::fast: return kDefaultCompression;
    case OutputCompression::small: return 9;
  }
  return kDefaultCompression;
}

unsigned Hdf5Sink::default_workers() { return hdf5::default_compression_workers(); }

void Hdf5Sink::open(const std::vector<TableSchema>& tables) {
  try {
    impl_->open(tables);
  } catch (const std::logic_error&) {
    throw;
  } catch (...) {
    impl_->discard();  // nothing is left behind by a failed open
    throw;
  }
}

void Hdf5Sink::write(std::size_t table, const TableChunk& rows) { impl_->write(table, rows); }

void Hdf5Sink::snapshot(const std::string& dir) { impl_->snapshot(dir); }

void Hdf5Sink::restore(const std::vector<TableSchema>& tables, const std::string& dir) {
  try {
    impl_->restore(tables, dir);
  } catch (const std::logic_error&) {
    throw;
  } catch (...) {
    impl_->discard();  // as after a failed open: nothing is left behind
    throw;
  }
}

void Hdf5Sink::commit(const Provenance& provenance) { impl_->commit(provenance); }

void Hdf5Sink::abort() noexcept {
  if (impl_->state != State::committed) impl_->discard();
}

const std::string& Hdf5Sink::path() const { return impl_->path; }

std::string Hdf5Sink::temporary_path() const { return impl_->temporary.string(); }

}  // namespace simulacra
