// HDF5 model files through the HDF5 C API, with our own small RAII handle.
#include "simulacra/learned/model_file.hpp"

#include <hdf5.h>

#include <cstdio>
#include <cstring>
#include <string_view>
#include <filesystem>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace simulacra::learned {

const std::vector<double>& ModelArchive::numbers(const std::string& name) const {
  const auto it = arrays_.find(name);
  if (it == arrays_.end() || !std::holds_alternative<std::vector<double>>(it->second))
    throw ModelFileError(source + ": missing or mistyped array '" + name + "'");
  return std::get<std::vector<double>>(it->second);
}

const std::vector<std::string>& ModelArchive::strings(const std::string& name) const {
  const auto it = arrays_.find(name);
  if (it == arrays_.end() || !std::holds_alternative<std::vector<std::string>>(it->second))
    throw ModelFileError(source + ": missing or mistyped array '" + name + "'");
  return std::get<std::vector<std::string>>(it->second);
}

double ModelArchive::number(const std::string& name) const {
  const auto& v = numbers(name);
  if (v.size() != 1) throw ModelFileError(source + ": array '" + name + "' should hold one number");
  return v[0];
}

namespace {

struct Fnv {
  std::uint64_t h = 1469598103934665603ULL;
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ULL;
    }
  }
  void u64(std::uint64_t v) { bytes(&v, sizeof v); }
  void text(const std::string& s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
};

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Attributes we write are a few words; a larger one is damage, not a model.
constexpr std::size_t kMaxAttributeBytes = 4096;

// fsync, so the renamed file is on disk whole. Returns errno, or 0.
int sync_to_disk(const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int status = ::fsync(fd);
  const int error = status == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

herr_t collect(unsigned, const H5E_error2_t* err, void* client) {
  if (err != nullptr && err->desc != nullptr) static_cast<std::vector<std::string>*>(client)->push_back(err->desc);
  return 0;
}

// The system's reason for the last HDF5 failure when its file driver quotes
// one at any depth of the error stack ("..., error message = 'File too
// large', ..."), else HDF5's innermost words.
std::string hdf5_reason() {
  std::vector<std::string> stack;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect, &stack);
  static constexpr std::string_view kSystem = "error message = '";
  for (const std::string& cause : stack) {
    const std::size_t at = cause.find(kSystem);
    if (at == std::string::npos) continue;
    const std::size_t from = at + kSystem.size();
    return cause.substr(from, cause.find('\'', from) - from);
  }
  return stack.empty() ? "HDF5 failed" : "HDF5: " + stack.back();
}

// Owns one HDF5 id so an exception never leaves the file open.
class Id {
 public:
  Id(hid_t id, herr_t (*closer)(hid_t)) : id_(id), closer_(closer) {}
  ~Id() {
    if (id_ >= 0) closer_(id_);
  }
  Id(Id&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = -1; }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id& operator=(Id&&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }
  /// Closes now; false if HDF5 failed (for the file: its data may not be on disk).
  bool close() {
    const hid_t id = id_;
    id_ = -1;
    return id < 0 || closer_(id) >= 0;
  }

 private:
  hid_t id_;
  herr_t (*closer_)(hid_t);
};

Id string_type() {
  Id t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

bool write_string_attr(hid_t obj, const char* name, const std::string& value) {
  Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), value.empty() ? 1 : value.size());
  Id space(H5Screate(H5S_SCALAR), H5Sclose);
  Id attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  return attr.ok() && H5Awrite(attr.get(), type.get(), value.c_str()) >= 0;
}

bool read_string_attr(hid_t obj, const char* name, std::string& out) {
  if (H5Aexists(obj, name) <= 0) return false;
  Id attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  Id type(H5Aget_type(attr.get()), H5Tclose);
  if (!attr.ok() || H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) > 0) return false;
  // The size comes from the file: our attributes are short words and hashes.
  const std::size_t size = H5Tget_size(type.get());
  if (size == 0 || size > kMaxAttributeBytes) return false;
  std::string buf(size, '\0');
  if (H5Aread(attr.get(), type.get(), buf.data()) < 0) return false;
  out = buf.c_str();
  return true;
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

}  // namespace

std::uint64_t ModelArchive::checksum() const {
  Fnv f;
  for (const auto& [name, array] : arrays_) {
    f.text(name);
    if (const auto* d = std::get_if<std::vector<double>>(&array)) {
      f.u64(0);
      f.u64(d->size());
      f.bytes(d->data(), d->size() * sizeof(double));
    } else {
      const auto& s = std::get<std::vector<std::string>>(array);
      f.u64(1);
      f.u64(s.size());
      for (const auto& t : s) f.text(t);
    }
  }
  return f.h;
}

void save_archive(const ModelArchive& archive, const std::string& kind, const std::string& path) {
  namespace fs = std::filesystem;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const fs::path target(path);
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp-" + std::to_string(::getpid());
  const std::string tmp = (target.parent_path() / name).string();
  bool ok = false;
  // HDF5 clears its error stack at every call: keep the reason of the first
  // step that failed (a full disk shows at the write, not at the close).
  std::string first_why;
  auto noted = [&](bool good) {
    if (!good && first_why.empty()) first_why = hdf5_reason();
    return good;
  };
  {
    // The 1.8 format: checksummed superblock and object headers (the
    // archive inside carries its own checksum too).
    Id access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (!access.ok() || H5Pset_libver_bounds(access.get(), H5F_LIBVER_V18, H5F_LIBVER_V18) < 0) {
      throw DataError(path + ": cannot create model file");
    }
    Id file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose);
    if (!file.ok()) throw DataError(path + ": cannot create model file");
    ok = noted(write_string_attr(file.get(), "format", "simulacra-model") &&
         write_string_attr(file.get(), "kind", kind) &&
         write_string_attr(file.get(), "checksum", hex(archive.checksum())));
    {
      Id space(H5Screate(H5S_SCALAR), H5Sclose);
      Id attr(H5Acreate2(file.get(), "format_version", H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
      const std::int64_t version = kModelFormatVersion;
      ok = noted(ok && attr.ok() && H5Awrite(attr.get(), H5T_NATIVE_INT64, &version) >= 0);
    }
    Id group(H5Gcreate2(file.get(), "model", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    ok = noted(ok && group.ok());
    for (const auto& [key, array] : archive.arrays()) {
      if (!ok) break;
      if (const auto* d = std::get_if<std::vector<double>>(&array)) {
        const hsize_t n = d->size();
        Id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
        Id set(H5Dcreate2(group.get(), key.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
        ok = noted(set.ok() && (n == 0 || H5Dwrite(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d->data()) >= 0));
      } else {
        const auto& s = std::get<std::vector<std::string>>(array);
        std::vector<const char*> ptrs;
        for (const auto& t : s) ptrs.push_back(t.c_str());
        const hsize_t n = s.size();
        Id type = string_type();
        Id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
        Id set(H5Dcreate2(group.get(), key.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
        ok = noted(set.ok() && (n == 0 || H5Dwrite(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) >= 0));
      }
    }
    // A full disk or a file size limit often shows only here, when HDF5
    // writes its metadata: a failed close means the file is not whole.
    ok = noted(group.close() && ok);
    ok = noted(file.close() && ok);
  }
  std::string why;
  if (ok) {
    if (const int error = sync_to_disk(tmp); error != 0) why = std::strerror(error);
  } else {
    why = first_why.empty() ? hdf5_reason() : first_why;
  }
  std::error_code ec;
  if (why.empty()) {
    fs::rename(tmp, target, ec);
    if (ec) why = ec.message();
  }
  if (!why.empty()) {
    fs::remove(tmp, ec);
    throw DataError(path + ": cannot write model file (" + why + "); nothing was written under that name");
  }
}

bool is_model_file(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || H5Fis_hdf5(path.c_str()) <= 0) return false;
  Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  std::string format;
  return file.ok() && read_string_attr(file.get(), "format", format) && format == "simulacra-model";
}

ModelArchive load_archive(const std::string& path, std::string& kind) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (!std::filesystem::exists(path)) throw ModelFileError(path + ": no such model file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw ModelFileError(path + ": not an HDF5 file");
  std::error_code size_ec;
  const hsize_t file_bytes = std::filesystem::file_size(path, size_ec);
  if (size_ec) throw ModelFileError(path + ": cannot read model file: " + size_ec.message());
  Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) throw ModelFileError(path + ": cannot open model file");
  std::string format;
  std::string stored_sum;
  if (!read_string_attr(file.get(), "format", format) || format != "simulacra-model")
    throw ModelFileError(path + ": not a Simulacra model file (no format = simulacra-model attribute)");
  std::int64_t version = -1;
  if (H5Aexists(file.get(), "format_version") > 0) {
    Id attr(H5Aopen(file.get(), "format_version", H5P_DEFAULT), H5Aclose);
    if (H5Aread(attr.get(), H5T_NATIVE_INT64, &version) < 0) version = -1;
  }
  if (version < kOldestModelFormatVersion || version > kModelFormatVersion)
    throw ModelFileError(path + ": model format version " + std::to_string(version) + ", but this build reads versions " +
                         std::to_string(kOldestModelFormatVersion) + " to " + std::to_string(kModelFormatVersion));
  if (!read_string_attr(file.get(), "kind", kind) || !read_string_attr(file.get(), "checksum", stored_sum))
    throw ModelFileError(path + ": model file lacks its kind or checksum attribute");
  Id group(H5Gopen2(file.get(), "model", H5P_DEFAULT), H5Gclose);
  if (!group.ok()) throw ModelFileError(path + ": model file lacks its 'model' group");
  std::vector<std::string> names;
  H5Literate(group.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names);
  ModelArchive archive;
  archive.source = path;
  for (const auto& name : names) {
    Id set(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
    Id type(H5Dget_type(set.get()), H5Tclose);
    Id space(H5Dget_space(set.get()), H5Sclose);
    if (!set.ok() || H5Sget_simple_extent_ndims(space.get()) != 1)
      throw ModelFileError(path + ": model array '" + name + "' is not a 1-D dataset");
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space.get(), &n, nullptr);
    // The length comes from the file: every value we write takes 8 (number)
    // or 16 (string reference) bytes of the file, stored contiguously, so a
    // length the file's size cannot hold is damage, refused before allocating.
    const hsize_t stored = H5Dget_storage_size(set.get());
    if (n > file_bytes / 8 || n * 8 > stored)
      throw ModelFileError(path + ": model array '" + name + "' claims " + std::to_string(n) + " values, more than the " +
                           std::to_string(file_bytes) + "-byte file can hold: the model file is damaged");
    bool ok = true;
    if (H5Tget_class(type.get()) == H5T_FLOAT) {
      std::vector<double> v(n);
      ok = n == 0 || H5Dread(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0;
      archive.put(name, std::move(v));
    } else if (H5Tget_class(type.get()) == H5T_STRING && H5Tis_variable_str(type.get()) > 0) {
      Id mem = string_type();
      std::vector<char*> ptrs(n, nullptr);
      ok = n == 0 || H5Dread(set.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) >= 0;
      std::vector<std::string> v;
      for (char* p : ptrs) v.emplace_back(p ? p : "");
      if (n > 0 && ok) H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
      archive.put(name, std::move(v));
    } else {
      ok = false;
    }
    if (!ok) throw ModelFileError(path + ": cannot read model array '" + name + "'");
  }
  if (hex(archive.checksum()) != stored_sum)
    throw ModelFileError(path + ": checksum mismatch (stored " + stored_sum + ", computed " +
                         hex(archive.checksum()) + "): the model file is damaged or was edited");
  return archive;
}

}  // namespace simulacra::learned
