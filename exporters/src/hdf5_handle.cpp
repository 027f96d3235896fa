#include "hdf5_handle.hpp"

#include <utility>

#include "simulacra/engine/errors.hpp"
#include "simulacra/exporters/hdf5_sink.hpp"

namespace simulacra::hdf5 {

void silence_errors() noexcept { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
}  // namespace simulacra::hdf5

namespace simulacra {

void skip_hdf5_shutdown_at_exit() noexcept { H5dont_atexit(); }

}  // namespace simulacra

namespace simulacra::hdf5 {

namespace {

herr_t remember_description(unsigned /*n*/, const H5E_error2_t* err, void* client) {
  // Walking downward visits the outermost API call first and the innermost
  // cause (the system's reason, when there is one) last.
  if (err != nullptr && err->desc != nullptr) *static_cast<std::string*>(client) = err->desc;
  return 0;
}

}  // namespace

std::string innermost_error() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, remember_description, &message);
  return message;
}

namespace {

/// The system's reason when HDF5's message quotes one (its file drivers say
/// "..., errno = 2, error message = 'No such file or directory', ..."), which
/// is what a user needs; otherwise HDF5's whole message.
std::string reason(const std::string& cause) {
  static constexpr std::string_view kSystem = "error message = '";
  const std::size_t start = cause.find(kSystem);
  if (start == std::string::npos) return "HDF5: " + cause;
  const std::size_t from = start + kSystem.size();
  const std::size_t end = cause.find('\'', from);
  return cause.substr(from, end == std::string::npos ? std::string::npos : end - from);
}

}  // namespace

void fail(std::string_view path, std::string_view what) {
  std::string message(path);
  message += ": ";
  message += what;
  const std::string cause = innermost_error();
  if (!cause.empty()) message += ": " + reason(cause);
  throw DataError(message);
}

void check(int status, std::string_view path, std::string_view what) {
  if (status < 0) fail(path, what);
}

Handle::Handle(Handle&& other) noexcept
    : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    close();
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
    closer_ = other.closer_;
  }
  return *this;
}

bool Handle::close() noexcept {
  if (id_ < 0 || closer_ == nullptr) return true;
  const herr_t status = closer_(std::exchange(id_, H5I_INVALID_HID));
  return status >= 0;
}

Handle own(hid_t id, Handle::Closer closer, std::string_view path, std::string_view what) {
  if (id < 0) fail(path, what);
  return Handle(id, closer);
}

Handle make_utf8_string_type(std::string_view path) {
  Handle type = own(H5Tcopy(H5T_C_S1), H5Tclose, path, "cannot create the string type");
  check(H5Tset_size(type.get(), H5T_VARIABLE), path, "cannot make the string type variable-length");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), path, "cannot set the string type to UTF-8");
  return type;
}

Handle make_fixed_utf8_string_type(std::size_t width, std::string_view path) {
  Handle type = own(H5Tcopy(H5T_C_S1), H5Tclose, path, "cannot create the string type");
  check(H5Tset_size(type.get(), width), path, "cannot set the string type's width");
  check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), path, "cannot set the string type's padding");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), path, "cannot set the string type to UTF-8");
  return type;
}

}  // namespace simulacra::hdf5
