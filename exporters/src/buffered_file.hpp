// An output file with a large buffer of its own, written with POSIX calls so
// that a failure reports the system's reason (errno), which iostreams lose.
#pragma once

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace simulacra {

class BufferedFile {
 public:
  static constexpr std::size_t kBufferBytes = std::size_t{1} << 20;

  enum class Mode {
    truncate,  ///< create the file, or empty an existing one
    append,    ///< continue an existing file (a restored snapshot's copy)
  };

  /// Opens `file` for writing as `mode` says. Errors name `shown_as` (the
  /// path the user asked for) and the file. Throws DataError with the
  /// system's reason.
  BufferedFile(std::filesystem::path file, std::string shown_as, Mode mode = Mode::truncate);
  ~BufferedFile() { discard(); }

  BufferedFile(const BufferedFile&) = delete;
  BufferedFile& operator=(const BufferedFile&) = delete;
  BufferedFile(BufferedFile&& other) noexcept;
  BufferedFile& operator=(BufferedFile&& other) noexcept;

  /// Throws DataError if the buffer must be flushed and writing fails.
  void write(std::string_view text) {
    if (text.size() > kBufferBytes - used_) {
      write_through(text);
      return;
    }
    std::memcpy(buffer_.get() + used_, text.data(), text.size());
    used_ += text.size();
  }

  /// Throws DataError if the buffer must be flushed and writing fails.
  void put(char c) {
    if (used_ == kBufferBytes) flush();
    buffer_[used_++] = c;
  }

  /// Room for at least `n` (at most kBufferBytes) bytes at the returned
  /// pointer; advance() then records how many were used. Throws DataError if
  /// the buffer must be flushed and writing fails.
  char* room(std::size_t n) {
    if (n > kBufferBytes - used_) flush();
    return buffer_.get() + used_;
  }
  char* room_end() { return buffer_.get() + kBufferBytes; }
  void advance(std::size_t n) { used_ += n; }

  /// Writes the buffer out. Throws DataError with the system's reason.
  void flush();

  /// Flushes, syncs to disk and closes. Throws DataError with the system's reason.
  void close();

  /// Closes without flushing (the file is about to be removed). Never throws.
  void discard() noexcept;

  const std::filesystem::path& file() const { return file_; }

 private:
  void write_through(std::string_view text);
  void write_all(const char* data, std::size_t size);
  [[noreturn]] void fail(const char* action, int error) const;

  std::filesystem::path file_;
  std::string shown_as_;
  int fd_ = -1;
  std::unique_ptr<char[]> buffer_;
  std::size_t used_ = 0;
};

}  // namespace simulacra
