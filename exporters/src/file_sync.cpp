#include "file_sync.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "simulacra/engine/errors.hpp"

namespace simulacra {

void sync_file(const std::filesystem::path& file, const std::string& shown_as) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw DataError(shown_as + ": cannot reopen " + file.string() + " to sync it: " +
                    std::strerror(errno));
  }
  const int status = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (status != 0) {
    throw DataError(shown_as + ": cannot sync " + file.string() + " to disk: " +
                    std::strerror(error));
  }
}

void sync_directory(const std::filesystem::path& directory) noexcept {
  const std::filesystem::path dir = directory.empty() ? std::filesystem::path(".") : directory;
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string temporary_suffix() { return "tmp-" + std::to_string(::getpid()); }

}  // namespace simulacra
