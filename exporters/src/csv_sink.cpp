#include "simulacra/exporters/csv_sink.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "buffered_file.hpp"
#include "chunk_pipeline.hpp"
#include "csv_format.hpp"
#include "ordered_jobs.hpp"
#include "dataset_names.hpp"
#include "file_sync.hpp"
#include "provenance_json.hpp"
#include "simulacra/engine/errors.hpp"
#include "snapshot_files.hpp"

namespace simulacra {

namespace fs = std::filesystem;

namespace {

enum class State { created, open, committed, aborted };

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

}  // namespace

// A block of one table's rows on its way to the file: formatted (and
// gzipped) on a worker, written by the sink's thread in submission order.
struct CsvBlock {
  std::size_t table = 0;
  const TableSchema* schema = nullptr;
  int level = 0;          ///< gzip level; 0: plain text
  std::string prefix;     ///< text of rows restored from a snapshot, before `rows`
  TableChunk rows;
  std::string text;
  std::vector<unsigned char> gz;

  void process() {
    text = prefix;
    csv::append_rows(*schema, rows, text);
    if (level > 0) csv::gzip_member(text, level, gz);
  }
};

struct CsvSink::Impl {
  /// One table's file and the rows waiting to fill its next block.
  struct TableOut {
    BufferedFile file;
    TableChunk block;
    std::string prefix;           ///< gzip, restored: text of the block's first prefix_rows rows
    std::size_t prefix_rows = 0;
  };

  std::string directory;
  int level;
  std::size_t block_rows;
  unsigned workers;
  fs::path target;
  fs::path temporary;
  State state = State::created;
  bool created_temporary = false;
  std::vector<TableSchema> schemas;
  std::vector<TableOut> tables;
  std::unique_ptr<OrderedJobs<CsvBlock>> jobs;

  Impl(std::string d, int l, std::size_t b, unsigned w) : directory(std::move(d)), level(l), block_rows(b), workers(w) {}

  ~Impl() {
    if (state != State::committed && state != State::aborted) discard();
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  std::string file_name(const TableSchema& schema) const { return schema.name + (level > 0 ? ".csv.gz" : ".csv"); }
  const char* format() const { return level > 0 ? "csv.gz" : "csv"; }
  /// What starts each file: the header line, as a gzip member of its own when compressed.
  std::string header(const TableSchema& schema) const {
    std::string line = csv::header_line(schema);
    if (level == 0) return line;
    std::vector<unsigned char> gz;
    csv::gzip_member(line, level, gz);
    return std::string(gz.begin(), gz.end());
  }

  void create_temporary();
  void start(const std::vector<TableSchema>& tables);
  void open(const std::vector<TableSchema>& tables);
  void snapshot(const std::string& dir);
  void restore(const std::vector<TableSchema>& tables, const std::string& dir);
  void write(std::size_t table, const TableChunk& rows);
  void submit(std::size_t table);
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

// The per-table state and the workers, once the tables are known.
void CsvSink::Impl::start(const std::vector<TableSchema>& t) {
  schemas = t;
  tables.reserve(t.size());
  // Enough blocks in flight to keep every worker busy, few enough to bound memory.
  jobs = std::make_unique<OrderedJobs<CsvBlock>>(
      workers, 2 * (std::size_t{workers} + 1), [](CsvBlock& b) { b.process(); },
      [this](CsvBlock& b) {
        BufferedFile& f = tables[b.table].file;
        if (b.level > 0) {
          f.write(std::string_view(reinterpret_cast<const char*>(b.gz.data()), b.gz.size()));
        } else {
          f.write(b.text);
        }
      });
}

void CsvSink::Impl::open(const std::vector<TableSchema>& t) {
  if (state != State::created) throw std::logic_error("CsvSink::open called twice");
  check_dataset_names(t, directory);
  state = State::open;
  create_temporary();
  start(t);
  for (const auto& schema : schemas) {
    tables.push_back(TableOut{BufferedFile(temporary / file_name(schema), directory), TableChunk(schema), {}, 0});
    tables.back().file.write(header(schema));
  }
}

void CsvSink::Impl::submit(std::size_t t) {
  TableOut& out = tables[t];
  std::unique_ptr<CsvBlock> job = jobs->acquire();
  job->table = t;
  job->schema = &schemas[t];
  job->level = level;
  job->prefix = std::move(out.prefix);
  out.prefix.clear();
  out.prefix_rows = 0;
  job->rows.clear();
  if (!job->rows.consistent_with(schemas[t])) job->rows = TableChunk(schemas[t]);  // new, or another table's
  std::swap(job->rows, out.block);  // the block's buffers go with the job; the job's come back
  jobs->submit(std::move(job));
}

void CsvSink::Impl::write(std::size_t table, const TableChunk& rows) {
  if (state != State::open) throw std::logic_error("CsvSink::write on a sink that is not open");
  if (table >= schemas.size()) {
    throw std::invalid_argument(directory + ": write to table " + std::to_string(table) + " of " +
                                std::to_string(schemas.size()));
  }
  if (!rows.consistent_with(schemas[table])) {
    throw std::invalid_argument(directory + ": rows written to " + schemas[table].name +
                                " do not match its schema");
  }
  // Blocks hold exactly block_rows rows, however the rows arrive: gzip
  // members, and so the file's bytes, depend only on the rows.
  TableOut& out = tables[table];
  for (std::size_t from = 0; from < rows.rows();) {
    const std::size_t room = block_rows - out.prefix_rows - out.block.rows();
    const std::size_t to = std::min(rows.rows(), from + room);
    out.block.append_rows_from(rows, from, to);
    from = to;
    if (out.prefix_rows + out.block.rows() == block_rows) submit(table);
  }
}

void CsvSink::Impl::snapshot(const std::string& dir) {
  if (state != State::open) throw std::logic_error("CsvSink::snapshot on a sink that is not open");
  jobs->drain();
  const fs::path snapshot_dir(dir);
  std::vector<SnapshotFile> saved;
  for (std::size_t t = 0; t < tables.size(); ++t) {
    TableOut& out = tables[t];
    if (level == 0 && out.block.rows() > 0) {
      // Plain text reads the same however it is cut: the file gets every row.
      std::string text;
      csv::append_rows(schemas[t], out.block, text);
      out.file.write(text);
      out.block.clear();
    }
    out.file.flush();
    copy_durably(out.file.file(), snapshot_dir / file_name(schemas[t]), directory);
    saved.push_back({file_name(schemas[t]), column_types(schemas[t])});
    if (level > 0) {
      // The unfinished block, as text, so the resumed file gets the same members.
      std::string text = std::to_string(out.prefix_rows + out.block.rows()) + "\n" + out.prefix;
      csv::append_rows(schemas[t], out.block, text);
      BufferedFile pending(snapshot_dir / (file_name(schemas[t]) + ".pending"), directory);
      pending.write(text);
      pending.close();
      saved.push_back({file_name(schemas[t]) + ".pending", "rows of the unfinished block"});
    }
  }
  write_snapshot_manifest(snapshot_dir, format(), saved, directory);
}

void CsvSink::Impl::restore(const std::vector<TableSchema>& t, const std::string& dir) {
  if (state != State::created) throw std::logic_error("CsvSink::restore on a sink already opened");
  check_dataset_names(t, directory);
  const fs::path snapshot_dir(dir);
  std::vector<std::string> names;
  for (const auto& schema : t) {
    names.push_back(file_name(schema));
    if (level > 0) names.push_back(file_name(schema) + ".pending");
  }
  const std::vector<std::string> notes = check_snapshot(snapshot_dir, format(), names);
  const std::size_t per_table = level > 0 ? 2 : 1;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const std::string saved = (snapshot_dir / names[i * per_table]).string();
    if (notes[i * per_table] != column_types(t[i])) {
      throw DataError(saved + ": not a snapshot of these tables (its columns are " + notes[i * per_table] +
                      "; expected " + column_types(t[i]) + ")");
    }
    const std::string head = header(t[i]);
    std::ifstream in(saved, std::ios::binary);
    std::string first(head.size(), '\0');
    if (!in.read(first.data(), static_cast<std::streamsize>(first.size())) || first != head) {
      const std::string line = csv::header_line(t[i]);
      throw DataError(saved + ": not a snapshot of these tables (its columns are not named " +
                      line.substr(0, line.size() - 1) + ")");
    }
  }
  state = State::open;
  create_temporary();
  start(t);
  for (std::size_t i = 0; i < t.size(); ++i) {
    // A copy, so the snapshot stays as it was and can be resumed again.
    const std::string name = names[i * per_table];
    std::error_code error;
    fs::copy_file(snapshot_dir / name, temporary / name, error);
    if (error) {
      throw DataError(directory + ": cannot copy " + (snapshot_dir / name).string() + " to " +
                      temporary.string() + ": " + error.message());
    }
    tables.push_back(TableOut{BufferedFile(temporary / name, directory, BufferedFile::Mode::append),
                              TableChunk(schemas[i]), {}, 0});
    if (level > 0) {
      const fs::path pending = snapshot_dir / names[i * per_table + 1];
      std::ifstream in(pending, std::ios::binary);
      std::string count;
      std::getline(in, count);
      std::ostringstream rest;
      rest << in.rdbuf();
      std::size_t rows = 0;
      const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), rows);
      if (ec != std::errc() || end != count.data() + count.size() || rows >= block_rows) {
        throw DataError(pending.string() + ": damaged (its first line is not a row count below " +
                        std::to_string(block_rows) + ")");
      }
      tables.back().prefix = rest.str();
      tables.back().prefix_rows = rows;
    }
  }
}

void CsvSink::Impl::commit(const Provenance& provenance) {
  if (state != State::open) throw std::logic_error("CsvSink::commit on a sink that is not open");
  try {
    for (std::size_t t = 0; t < tables.size(); ++t) {
      if (tables[t].prefix_rows + tables[t].block.rows() > 0) submit(t);
    }
    jobs->drain();
    for (auto& table : tables) table.file.close();
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
    jobs.reset();
    tables.clear();
    state = State::committed;
  } catch (...) {
    discard();
    throw;
  }
}

void CsvSink::Impl::discard() noexcept {
  if (jobs) jobs->discard();
  jobs.reset();
  tables.clear();  // closes without flushing
  if (created_temporary) {
    std::error_code ignored;
    fs::remove_all(temporary, ignored);
    created_temporary = false;
  }
  state = State::aborted;
}

CsvSink::CsvSink(std::string directory, int gzip_level, unsigned workers, std::size_t block_rows) {
  if (gzip_level < 0 || gzip_level > 12) {
    throw DataError(directory + ": gzip level must be in 0..12, got " + std::to_string(gzip_level));
  }
  if (block_rows == 0) throw std::invalid_argument(directory + ": CSV block_rows must be at least 1");
  if (workers == kDefaultWorkers) workers = default_workers();
  impl_ = std::make_unique<Impl>(std::move(directory), gzip_level, block_rows, workers);
}

unsigned CsvSink::default_workers() { return hdf5::default_compression_workers(); }

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
