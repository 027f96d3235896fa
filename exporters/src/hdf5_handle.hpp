// Owning handles for HDF5 identifiers, and the translation of HDF5 failures
// into DataError; shared by the HDF5 writer and reader, private to exporters/.
#pragma once

#include <hdf5.h>

#include <string>
#include <string_view>

namespace simulacra::hdf5 {

/// Stops HDF5 printing its error stack to stderr on the calling thread (in a
/// thread-safe HDF5 build the setting is per thread, so every entry point calls
/// this). Our DataError carries the message instead.
void silence_errors() noexcept;

/// The innermost (most specific) message on the calling thread's HDF5 error
/// stack, e.g. "unable to open file: name = 'x.h5', errno = 2, ..."; empty if
/// the stack is empty. Must run before any other HDF5 call clears the stack.
std::string innermost_error();

/// Throws DataError "<path>: <what>: <reason>", the reason being the system's
/// (e.g. "No such file or directory") when HDF5 reports one, else
/// "HDF5: <innermost error>".
[[noreturn]] void fail(std::string_view path, std::string_view what);

/// Throws via fail() if an HDF5 status (herr_t or htri_t) is negative.
void check(int status, std::string_view path, std::string_view what);

/// Owns one HDF5 identifier and closes it with the matching H5?close, so an
/// exception never leaves a file, group, dataset, dataspace, type, attribute
/// or property list open.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle() noexcept = default;
  Handle(hid_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
  ~Handle() { close(); }

  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }

  /// Closes the identifier now. Returns false if HDF5 reported a failure,
  /// which matters for files: a failed close means data may not be on disk.
  bool close() noexcept;

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// Takes ownership of `id`, or throws via fail() if it is HDF5's failure value.
Handle own(hid_t id, Handle::Closer closer, std::string_view path, std::string_view what);

/// Variable-length, NUL-terminated UTF-8 string: the file and memory type of
/// string columns and text attributes. Throws DataError if HDF5 fails.
Handle make_utf8_string_type(std::string_view path);

/// A fixed-length UTF-8 string type of `width` bytes, NUL-padded (shorter
/// values end at their first NUL). Throws DataError naming `path` on failure.
Handle make_fixed_utf8_string_type(std::size_t width, std::string_view path);

}  // namespace simulacra::hdf5
