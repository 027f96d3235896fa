#include "simulacra/exporters/hdf5_inspect.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

#include "hdf5_handle.hpp"
#include "hdf5_layout.hpp"
#include "hdf5_unfinished.hpp"
#include "simulacra/engine/errors.hpp"

namespace simulacra {

using hdf5::check;
using hdf5::Handle;
using hdf5::own;

namespace {

[[noreturn]] void not_a_dataset(const std::string& path, const std::string& reason) {
  throw DataError(path + ": not a Simulacra dataset (" + reason + ")");
}

Handle open_file(const std::string& path) {
  hdf5::silence_errors();
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw DataError(path + ": no such file");
  }
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) hdf5::fail(path, "cannot read the file");
  if (is_hdf5 == 0) throw DataError(path + ": not an HDF5 file");
  return own(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, path,
             "cannot open the HDF5 file");
}

/// The names of a group's members, in creation order when the file records it
/// (Hdf5Sink's files do) so tables and columns come back as declared.
std::vector<std::string> member_names(hid_t group, const std::string& path,
                                      const std::string& where) {
  const std::string what = "cannot list the members of " + where;
  H5G_info_t info;
  check(H5Gget_info(group, &info), path, what);
  Handle plist = own(H5Gget_create_plist(group), H5Pclose, path, what);
  unsigned order_flags = 0;
  check(H5Pget_link_creation_order(plist.get(), &order_flags), path, what);
  const H5_index_t index =
      (order_flags & H5P_CRT_ORDER_INDEXED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;

  std::vector<std::string> names;
  names.reserve(info.nlinks);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t length =
        H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (length < 0) hdf5::fail(path, what);
    std::string name(static_cast<std::size_t>(length), '\0');
    if (H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, name.data(), name.size() + 1,
                           H5P_DEFAULT) < 0) {
      hdf5::fail(path, what);
    }
    names.push_back(std::move(name));
  }
  return names;
}

/// Opens member `name` of `group`, which must be of `kind` (H5I_GROUP or H5I_DATASET).
Handle open_member(hid_t group, const std::string& name, H5I_type_t kind, const std::string& path,
                   const std::string& where) {
  Handle object = own(H5Oopen(group, name.c_str(), H5P_DEFAULT), H5Oclose, path,
                      "cannot open " + where);
  if (H5Iget_type(object.get()) != kind) {
    not_a_dataset(path, where + " is not " + (kind == H5I_GROUP ? "a group" : "a dataset"));
  }
  return object;
}

/// Frees strings HDF5 allocated while reading.
struct FreeHdf5Memory {
  void operator()(char* p) const { H5free_memory(p); }
};

/// An attribute and its type in the file.
struct Attribute {
  Handle attribute;
  Handle file_type;
};

/// Opens attribute `name` of `object` (nullopt when it is absent), or
/// not_a_dataset() when its type is not of class `expected` (`kind` names it).
std::optional<Attribute> open_attribute(hid_t object, const char* name, H5T_class_t expected, const char* kind,
                                        const std::string& path, const std::string& where,
                                        const std::string& what) {
  const htri_t exists = H5Aexists(object, name);
  check(exists, path, what);
  if (exists == 0) return std::nullopt;
  Attribute a{own(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, path, what), {}};
  a.file_type = own(H5Aget_type(a.attribute.get()), H5Tclose, path, what);
  if (H5Tget_class(a.file_type.get()) != expected) {
    not_a_dataset(path, "attribute '" + std::string(name) + "' of " + where + " is not " + kind);
  }
  return a;
}

std::optional<std::string> read_string_attribute(hid_t object, const char* name,
                                                 const std::string& path,
                                                 const std::string& where) {
  const std::string what = "cannot read attribute '" + std::string(name) + "' of " + where;
  const auto a = open_attribute(object, name, H5T_STRING, "a string", path, where, what);
  if (!a) return std::nullopt;
  Handle space = own(H5Aget_space(a->attribute.get()), H5Sclose, path, what);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    not_a_dataset(path, "attribute '" + std::string(name) + "' of " + where + " is not one string");
  }
  // Reading with a copy of the file's type needs no conversion (HDF5 will not
  // convert between ASCII and UTF-8 strings).
  Handle memory_type = own(H5Tcopy(a->file_type.get()), H5Tclose, path, what);
  const htri_t variable = H5Tis_variable_str(a->file_type.get());
  check(variable, path, what);
  if (variable > 0) {
    char* raw = nullptr;
    check(H5Aread(a->attribute.get(), memory_type.get(), &raw), path, what);
    const std::unique_ptr<char, FreeHdf5Memory> text(raw);
    return std::string(text ? text.get() : "");
  }
  std::string text(H5Tget_size(a->file_type.get()), '\0');
  check(H5Aread(a->attribute.get(), memory_type.get(), text.data()), path, what);
  text.resize(std::min(text.size(), text.find('\0')));
  return text;
}

std::optional<std::int64_t> read_int64_attribute(hid_t object, const char* name,
                                                 const std::string& path,
                                                 const std::string& where) {
  const std::string what = "cannot read attribute '" + std::string(name) + "' of " + where;
  const auto a = open_attribute(object, name, H5T_INTEGER, "an integer", path, where, what);
  if (!a) return std::nullopt;
  std::int64_t value = 0;
  check(H5Aread(a->attribute.get(), H5T_NATIVE_INT64, &value), path, what);
  return value;
}

/// Widest fixed-length string column we read (ours are as wide as their
/// longest level).
constexpr std::size_t kMaxFixedString = 4096;

/// The column type a dataset stores, or not_a_dataset() for any other type.
ColumnType column_type(hid_t dataset, const std::string& path, const std::string& where) {
  const std::string what = "cannot read the type of " + where;
  Handle type = own(H5Dget_type(dataset), H5Tclose, path, what);
  const std::size_t size = H5Tget_size(type.get());
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER: {
      const H5T_sign_t sign = H5Tget_sign(type.get());
      if (size == 8 && sign == H5T_SGN_2) return ColumnType::int64;
      if (size == 1 && sign == H5T_SGN_NONE &&
          read_string_attribute(dataset, hdf5_layout::kType, path, where) == hdf5_layout::kBool) {
        return ColumnType::boolean;
      }
      break;
    }
    case H5T_FLOAT:
      if (size == 8) return ColumnType::float64;
      break;
    case H5T_STRING:
      // Variable-length (free text) or fixed-length (a column with levels).
      if (H5Tis_variable_str(type.get()) > 0 || (size > 0 && size <= kMaxFixedString)) return ColumnType::string;
      break;
    default: break;
  }
  not_a_dataset(path, where + " has a type Simulacra does not write");
}

std::int64_t dataset_length(hid_t dataset, const std::string& path, const std::string& where) {
  const std::string what = "cannot read the shape of " + where;
  Handle space = own(H5Dget_space(dataset), H5Sclose, path, what);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  check(rank, path, what);
  if (rank != 1) not_a_dataset(path, where + " is not one-dimensional");
  hsize_t length = 0;
  check(H5Sget_simple_extent_dims(space.get(), &length, nullptr), path, what);
  return static_cast<std::int64_t>(length);
}

herr_t collect_attribute_name(hid_t /*object*/, const char* name, const H5A_info_t* /*info*/,
                              void* names) noexcept {
  try {
    static_cast<std::vector<std::string>*>(names)->emplace_back(name);
    return 0;
  } catch (...) {
    return -1;  // an exception must not cross HDF5's C frames
  }
}

Provenance read_provenance(hid_t root, const std::string& path) {
  std::vector<std::string> names;
  hsize_t position = 0;
  check(H5Aiterate2(root, H5_INDEX_NAME, H5_ITER_INC, &position, collect_attribute_name, &names),
        path, "cannot list the attributes of /");
  Provenance provenance;
  for (const auto& name : names) {
    provenance[name] = *read_string_attribute(root, name.c_str(), path, "/");
  }
  return provenance;
}

void reclaim_strings(hid_t type, hid_t space, void* buffer) noexcept {
#if H5_VERSION_GE(1, 12, 0)
  H5Treclaim(type, space, H5P_DEFAULT, buffer);
#else
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer);
#endif
}

template <typename Value>
void read_fixed(hid_t dataset, hid_t memory_type, std::vector<Value>& values, std::size_t rows,
                const std::string& path, const std::string& what) {
  values.resize(rows);
  if (rows == 0) return;
  check(H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path, what);
}

void read_strings(hid_t dataset, std::vector<std::string>& values, std::size_t rows,
                  const std::string& path, const std::string& what) {
  values.clear();
  if (rows == 0) return;
  values.reserve(rows);
  Handle file_type = own(H5Dget_type(dataset), H5Tclose, path, what);
  if (H5Tis_variable_str(file_type.get()) <= 0) {
    // Fixed-length: `width` bytes per value, ending at the first NUL.
    const std::size_t width = H5Tget_size(file_type.get());
    Handle memory_type = own(H5Tcopy(file_type.get()), H5Tclose, path, what);
    check(H5Tset_strpad(memory_type.get(), H5T_STR_NULLPAD), path, what);
    std::vector<char> raw(rows * width);
    check(H5Dread(dataset, memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), path, what);
    for (std::size_t r = 0; r < rows; ++r) {
      const char* s = raw.data() + r * width;
      values.emplace_back(s, strnlen(s, width));
    }
    return;
  }
  Handle memory_type = own(H5Tcopy(file_type.get()), H5Tclose, path, what);
  Handle space = own(H5Dget_space(dataset), H5Sclose, path, what);
  std::vector<char*> raw(rows, nullptr);
  check(H5Dread(dataset, memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), path,
        what);
  // Hand HDF5's strings back to it even if copying them throws.
  struct Reclaim {
    hid_t type;
    hid_t space;
    void* buffer;
    ~Reclaim() { reclaim_strings(type, space, buffer); }
  } reclaim{memory_type.get(), space.get(), raw.data()};
  for (const char* s : raw) values.emplace_back(s != nullptr ? s : "");
}

void indent_lines(std::ostringstream& out, const std::string& text, const std::string& indent) {
  std::size_t from = 0;
  while (from <= text.size()) {
    const std::size_t end = std::min(text.find('\n', from), text.size());
    // A trailing newline ends the last line rather than starting an empty one.
    if (end == text.size() && from == end && from > 0) break;
    out << indent << std::string_view(text).substr(from, end - from) << '\n';
    from = end + 1;
  }
}

}  // namespace

DatasetSummary inspect_hdf5(const std::string& path) {
  Handle file = open_file(path);
  Handle root = own(H5Gopen2(file.get(), "/", H5P_DEFAULT), H5Gclose, path,
                    "cannot open the root group");
  DatasetSummary summary;
  for (const auto& table_name : member_names(root.get(), path, "/")) {
    const std::string where = "/" + table_name;
    Handle group = open_member(root.get(), table_name, H5I_GROUP, path, where);
    DatasetSummary::TableSummary& table = summary.tables.emplace_back();
    table.name = table_name;
    const auto row_meaning = read_string_attribute(group.get(), hdf5_layout::kRowMeaning, path, where);
    const auto rows = read_int64_attribute(group.get(), hdf5_layout::kRows, path, where);
    if (!row_meaning || !rows) {
      not_a_dataset(path, "group " + where + " lacks the row_meaning and rows attributes");
    }
    table.row_meaning = *row_meaning;
    table.rows = *rows;
    for (const auto& column_name : member_names(group.get(), path, where)) {
      const std::string column_where = where + "/" + column_name;
      Handle dataset = open_member(group.get(), column_name, H5I_DATASET, path, column_where);
      DatasetSummary::ColumnSummary& column = table.columns.emplace_back();
      column.name = column_name;
      column.type = std::string(to_string(column_type(dataset.get(), path, column_where)));
      column.unit =
          read_string_attribute(dataset.get(), hdf5_layout::kUnit, path, column_where).value_or("");
      column.doc =
          read_string_attribute(dataset.get(), hdf5_layout::kDoc, path, column_where).value_or("");
      if (dataset_length(dataset.get(), path, column_where) != table.rows) {
        not_a_dataset(path, column_where + " does not hold " + std::to_string(table.rows) +
                                " rows as its group says");
      }
    }
  }
  summary.provenance = read_provenance(root.get(), path);
  if (summary.tables.empty() && summary.provenance.empty()) {
    not_a_dataset(path, "no tables and no provenance");
  }
  return summary;
}

std::string format_summary(const DatasetSummary& summary) {
  // Values longer than this, or spanning lines, go on their own indented lines.
  constexpr std::size_t kInlineValue = 60;
  std::ostringstream out;
  out << summary.tables.size() << (summary.tables.size() == 1 ? " table" : " tables") << '\n';
  for (const auto& table : summary.tables) {
    out << '\n' << table.name << ": " << table.rows << (table.rows == 1 ? " row" : " rows");
    if (!table.row_meaning.empty()) out << "; a row is " << table.row_meaning;
    out << '\n';
    std::size_t name_width = 0;
    std::size_t type_width = 0;
    std::size_t unit_width = 0;
    for (const auto& column : table.columns) {
      name_width = std::max(name_width, column.name.size());
      type_width = std::max(type_width, column.type.size());
      if (!column.unit.empty()) unit_width = std::max(unit_width, column.unit.size() + 2);
    }
    for (const auto& column : table.columns) {
      std::string line = "  " + column.name + std::string(name_width - column.name.size(), ' ') +
                         "  " + column.type + std::string(type_width - column.type.size(), ' ');
      if (unit_width > 0) {
        const std::string unit = column.unit.empty() ? "" : "[" + column.unit + "]";
        line += "  " + unit + std::string(unit_width - unit.size(), ' ');
      }
      if (!column.doc.empty()) line += "  " + column.doc;
      line.erase(line.find_last_not_of(' ') + 1);
      out << line << '\n';
    }
  }
  out << "\nprovenance\n";
  if (summary.provenance.empty()) out << "  (none)\n";
  std::size_t key_width = 0;
  for (const auto& [key, value] : summary.provenance) key_width = std::max(key_width, key.size());
  for (const auto& [key, value] : summary.provenance) {
    if (value.size() <= kInlineValue && value.find('\n') == std::string::npos) {
      out << "  " << key << std::string(key_width - key.size(), ' ') << "  " << value << '\n';
    } else {
      out << "  " << key << ":\n";
      indent_lines(out, value, "      ");
    }
  }
  return out.str();
}

TableChunk read_table_hdf5(const std::string& path, const TableSchema& schema) {
  Handle file = open_file(path);
  const std::string where = "/" + schema.name;
  const htri_t exists = H5Lexists(file.get(), schema.name.c_str(), H5P_DEFAULT);
  check(exists, path, "cannot look up table " + schema.name);
  if (exists == 0) throw DataError(path + ": has no table " + schema.name);
  Handle group = open_member(file.get(), schema.name, H5I_GROUP, path, where);

  TableChunk chunk(schema);
  std::optional<std::int64_t> rows =
      read_int64_attribute(group.get(), hdf5_layout::kRows, path, where);
  for (std::size_t c = 0; c < schema.columns.size(); ++c) {
    const Column& column = schema.columns[c];
    const std::string column_where = where + "/" + column.name;
    const htri_t present = H5Lexists(group.get(), column.name.c_str(), H5P_DEFAULT);
    check(present, path, "cannot look up " + column_where);
    if (present == 0) throw DataError(path + ": table " + schema.name + " has no column " + column.name);
    Handle dataset = open_member(group.get(), column.name, H5I_DATASET, path, column_where);
    const ColumnType stored = column_type(dataset.get(), path, column_where);
    if (stored != column.type) {
      throw DataError(path + ": column " + column_where + " holds " + std::string(to_string(stored)) +
                      ", not " + std::string(to_string(column.type)));
    }
    const std::int64_t length = dataset_length(dataset.get(), path, column_where);
    if (rows && length != *rows) {
      throw DataError(path + ": column " + column_where + " holds " + std::to_string(length) +
                      " rows, not " + std::to_string(*rows));
    }
    rows = length;
    const auto n = static_cast<std::size_t>(length);
    const std::string what = "cannot read " + column_where;
    switch (column.type) {
      case ColumnType::int64:
        read_fixed(dataset.get(), H5T_NATIVE_INT64, std::get<0>(chunk.column(c)), n, path, what);
        break;
      case ColumnType::float64:
        read_fixed(dataset.get(), H5T_NATIVE_DOUBLE, std::get<1>(chunk.column(c)), n, path, what);
        break;
      case ColumnType::string:
        read_strings(dataset.get(), std::get<2>(chunk.column(c)), n, path, what);
        break;
      case ColumnType::boolean:
        read_fixed(dataset.get(), H5T_NATIVE_UINT8, std::get<3>(chunk.column(c)), n, path, what);
        break;
    }
  }
  for (std::int64_t r = 0; r < rows.value_or(0); ++r) chunk.end_row();
  return chunk;
}

namespace {

[[noreturn]] void not_these_tables(const std::string& path, const std::string& difference) {
  throw DataError(path + ": not a snapshot of these tables (" + difference + ")");
}

/// `names` as the text "a, b, c" for messages.
std::string listed(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "none" : text;
}

}  // namespace

std::vector<std::uint64_t> check_unfinished_tables(hid_t file, const std::vector<TableSchema>& tables,
                                                   const std::string& path) {
  Handle root = own(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose, path, "cannot open the root group");
  if (!read_provenance(root.get(), path).empty()) {
    not_these_tables(path, "it has provenance, so it is a finished dataset");
  }
  std::vector<std::string> expected;
  for (const auto& table : tables) expected.push_back(table.name);
  const std::vector<std::string> found = member_names(root.get(), path, "/");
  if (found != expected) {
    not_these_tables(path, "it holds the tables " + listed(found) + "; expected " + listed(expected));
  }

  std::vector<std::uint64_t> rows;
  for (const auto& table : tables) {
    const std::string where = "/" + table.name;
    Handle group = open_member(root.get(), table.name, H5I_GROUP, path, where);
    if (read_string_attribute(group.get(), hdf5_layout::kRowMeaning, path, where) != table.row_meaning) {
      not_these_tables(path, where + " has another row meaning");
    }
    const htri_t finished = H5Aexists(group.get(), hdf5_layout::kRows);
    check(finished, path, "cannot read the attributes of " + where);
    if (finished > 0) not_these_tables(path, where + " has a row count, so it is a finished dataset");
    expected.clear();
    for (const auto& column : table.columns) expected.push_back(column.name);
    const std::vector<std::string> columns = member_names(group.get(), path, where);
    if (columns != expected) {
      not_these_tables(path, where + " has the columns " + listed(columns) + "; expected " +
                                 listed(expected));
    }
    std::optional<std::int64_t> length;
    for (const auto& column : table.columns) {
      const std::string column_where = where + "/" + column.name;
      Handle dataset = open_member(group.get(), column.name, H5I_DATASET, path, column_where);
      const ColumnType stored = column_type(dataset.get(), path, column_where);
      if (stored != column.type) {
        not_these_tables(path, column_where + " holds " + std::string(to_string(stored)) + ", not " +
                                   std::string(to_string(column.type)));
      }
      for (const auto& [attribute, declared] : {std::pair{hdf5_layout::kUnit, &column.unit},
                                                std::pair{hdf5_layout::kDoc, &column.doc}}) {
        const std::string stored_text =
            read_string_attribute(dataset.get(), attribute, path, column_where).value_or("");
        if (stored_text != *declared) {
          not_these_tables(path, column_where + " has the " + attribute + " \"" + stored_text +
                                     "\", not \"" + *declared + "\"");
        }
      }
      const std::int64_t n = dataset_length(dataset.get(), path, column_where);
      if (length && n != *length) {
        not_these_tables(path, column_where + " holds " + std::to_string(n) + " rows, the columns before it " +
                                   std::to_string(*length));
      }
      length = n;
    }
    rows.push_back(static_cast<std::uint64_t>(length.value_or(0)));
  }
  return rows;
}

}  // namespace simulacra
