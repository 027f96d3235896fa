#include "buffered_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "simulacra/engine/errors.hpp"

namespace simulacra {

BufferedFile::BufferedFile(std::filesystem::path file, std::string shown_as, Mode mode)
    : file_(std::move(file)), shown_as_(std::move(shown_as)) {
  if (mode == Mode::append) {
    fd_ = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) fail("cannot open", errno);
  } else {
    fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) fail("cannot create", errno);
  }
  buffer_ = std::make_unique<char[]>(kBufferBytes);
}

BufferedFile::BufferedFile(BufferedFile&& other) noexcept
    : file_(std::move(other.file_)),
      shown_as_(std::move(other.shown_as_)),
      fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      used_(std::exchange(other.used_, 0)) {}

BufferedFile& BufferedFile::operator=(BufferedFile&& other) noexcept {
  if (this != &other) {
    discard();
    file_ = std::move(other.file_);
    shown_as_ = std::move(other.shown_as_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
    used_ = std::exchange(other.used_, 0);
  }
  return *this;
}

void BufferedFile::fail(const char* action, int error) const {
  throw DataError(shown_as_ + ": " + action + " " + file_.string() + ": " +
                  std::strerror(error));
}

void BufferedFile::write_all(const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd_, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", errno);
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

void BufferedFile::flush() {
  write_all(buffer_.get(), used_);
  used_ = 0;
}

void BufferedFile::write_through(std::string_view text) {
  flush();
  if (text.size() >= kBufferBytes) {
    write_all(text.data(), text.size());
  } else {
    std::memcpy(buffer_.get(), text.data(), text.size());
    used_ = text.size();
  }
}

void BufferedFile::close() {
  flush();
  if (::fsync(fd_) != 0) fail("cannot sync", errno);
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) fail("cannot close", errno);
}

void BufferedFile::discard() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  used_ = 0;
}

}  // namespace simulacra
