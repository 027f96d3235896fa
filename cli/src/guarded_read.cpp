#include "guarded_read.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

#include "simulacra/engine/errors.hpp"

namespace simulacra::cli {

namespace {

// Writes all of `text` to `fd`; in the child, where nothing else can be done
// about a failure, a short write just ends the report early.
void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// Our address space now, from /proc/self/statm (pages); 0 if unknown.
unsigned long long address_space_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long pages = 0;
  const int got = std::fscanf(f, "%llu", &pages);
  std::fclose(f);
  return got == 1 ? pages * static_cast<unsigned long long>(::sysconf(_SC_PAGESIZE)) : 0;
}

[[noreturn]] void child(int fd, const std::function<std::string()>& read, const GuardLimits& limits) {
  // A crash must end this process for the parent to see it, whatever
  // handlers the parent installed (ours for SIGINT, a test framework's).
  for (const int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGINT, SIGTERM}) ::signal(signal, SIG_DFL);
  const unsigned long long now = address_space_bytes();
  if (now > 0) {
    const rlimit cap{now + limits.memory_bytes, now + limits.memory_bytes};
    ::setrlimit(RLIMIT_AS, &cap);
  }
  std::string report;
  try {
    report = "O" + read();
  } catch (const std::bad_alloc&) {
    report = "Ereading it needs more than " + std::to_string(limits.memory_bytes >> 20) +
             " MiB of memory: the file is damaged or not what it should be";
  } catch (const UserError& e) {
    report = std::string("U") + e.what();
  } catch (const std::exception& e) {
    report = std::string("E") + e.what();
  } catch (...) {
    report = "Ethe reader failed";
  }
  write_all(fd, report);
  ::_exit(0);  // no atexit handlers, no HDF5 shutdown: the parent owns those
}

}  // namespace

std::string read_guarded(const std::string& path, const std::function<std::string()>& read,
                         const GuardLimits& limits) {
  int fds[2];
  if (::pipe(fds) != 0) throw DataError(path + ": cannot start its reader: " + std::strerror(errno));
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw DataError(path + ": cannot start its reader: " + std::strerror(error));
  }
  if (pid == 0) {
    ::close(fds[0]);
    child(fds[1], read, limits);
  }
  ::close(fds[1]);

  std::string report;
  bool timed_out = false;
  const double timeout_s = std::min(limits.timeout_s, 1e7);  // a duration the clock can add
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(timeout_s));
  char buf[1 << 16];
  for (;;) {
    const double left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0.0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::ceil(std::min(left, 3600.0) * 1000.0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline decides
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child is done (or died)
    report.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%g", limits.timeout_s);
    throw DataError(path + ": reading it did not finish within " + secs +
                    " s: the file is damaged (or give more time with --timeout)");
  }
  if (WIFSIGNALED(status)) {
    throw DataError(path + ": the file is damaged: reading it crashed the HDF5 library (" +
                    std::string(strsignal(WTERMSIG(status))) + ")");
  }
  if (report.empty() || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw DataError(path + ": the file is damaged: its reader ended without an answer");
  }
  const std::string text = report.substr(1);
  if (report[0] == 'O') return text;
  if (report[0] == 'U') throw DataError(text);
  throw DataError(path + ": " + text);
}

}  // namespace simulacra::cli
