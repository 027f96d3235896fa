#include "simulacra/experiments/external_simulator.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <mutex>
#include <sstream>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/state_archive.hpp"
#include "simulacra/experiments/cluster.hpp"

namespace simulacra::calibrate {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"')) s.erase(s.begin());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '"')) s.pop_back();
  return s;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(trim(cell));
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// The last lines of what the command printed on stderr, for messages.
std::string tail(const std::string& err) {
  std::string t = err.size() > 600 ? "..." + err.substr(err.size() - 600) : err;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  return t.empty() ? "" : "; it said: " + t;
}

struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (::pipe2(fd, O_CLOEXEC) != 0) throw UserError(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  ~Pipe() {
    close_end(0);
    close_end(1);
  }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
};

struct Finished {
  std::string out, err;
  int status = 0;
};

// Runs `command` with `input` on stdin; collects stdout and stderr.
Finished run_command(const std::string& command, const std::string& input) {
  static std::once_flag ignore_sigpipe;
  // A command that exits without reading its input must not kill us by SIGPIPE.
  std::call_once(ignore_sigpipe, [] { ::signal(SIGPIPE, SIG_IGN); });
  Pipe in, out, err;
  const pid_t pid = ::fork();
  if (pid < 0) throw UserError("simulator '" + command + "': cannot start: " + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::dup2(in.fd[0], 0);
    ::dup2(out.fd[1], 1);
    ::dup2(err.fd[1], 2);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  in.close_end(0);
  out.close_end(1);
  err.close_end(1);
  for (int fd : {in.fd[1], out.fd[0], err.fd[0]}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  Finished f;
  std::size_t written = 0;
  if (input.empty()) in.close_end(1);
  char buf[65536];
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    pollfd fds[3];
    nfds_t n = 0;
    if (in.fd[1] >= 0) fds[n++] = {in.fd[1], POLLOUT, 0};
    if (out.fd[0] >= 0) fds[n++] = {out.fd[0], POLLIN, 0};
    if (err.fd[0] >= 0) fds[n++] = {err.fd[0], POLLIN, 0};
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in.fd[1]) {
        const ssize_t w = ::write(in.fd[1], input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in.close_end(1);
      } else {
        const bool is_out = fds[i].fd == out.fd[0];
        const ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
        if (r > 0) {
          (is_out ? f.out : f.err).append(buf, static_cast<std::size_t>(r));
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          (is_out ? out : err).close_end(0);
        }
      }
    }
  }
  in.close_end(1);
  while (::waitpid(pid, &f.status, 0) < 0 && errno == EINTR) {
  }
  return f;
}

}  // namespace

Matrix run_external_once(const ExternalSimulatorOptions& o, const Matrix& thetas, const std::vector<std::uint64_t>& seeds) {
  const std::string who = "simulator '" + o.command + "'";
  std::string input = joined(o.parameter_names) + (o.parameter_names.empty() ? "seed\n" : ",seed\n");
  for (std::size_t i = 0; i < thetas.size(); ++i) {
    for (double x : thetas[i]) input += number(x) + ",";
    input += std::to_string(seeds[i]) + "\n";
  }
  const Finished f = run_command(o.command, input);
  // The parameter values of input row i, for messages.
  auto row_text = [&](std::size_t i) {
    std::string s = "parameter row " + std::to_string(i + 1) + " (";
    for (std::size_t k = 0; k < o.parameter_names.size(); ++k) s += o.parameter_names[k] + "=" + number(thetas[i][k]) + ", ";
    return s + "seed=" + std::to_string(seeds[i]) + ")";
  };
  if (WIFSIGNALED(f.status)) {
    throw UserError(who + " was killed by signal " + std::to_string(WTERMSIG(f.status)) + " on a batch of " +
                    std::to_string(thetas.size()) + " rows starting at " + row_text(0) + tail(f.err));
  }
  if (WEXITSTATUS(f.status) != 0) {
    throw UserError(who + " exited with status " + std::to_string(WEXITSTATUS(f.status)) + " on a batch of " +
                    std::to_string(thetas.size()) + " rows starting at " + row_text(0) + tail(f.err));
  }
  std::vector<std::string> lines;
  {
    std::istringstream in(f.out);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
    }
    while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
  }
  if (lines.empty()) throw UserError(who + " printed nothing (expected a header line " + joined(o.summary_names) + ")");
  const std::vector<std::string> header = split(lines[0]);
  if (header != o.summary_names) {
    throw UserError(who + " printed the header '" + lines[0] + "', expected '" + joined(o.summary_names) +
                    "' (the observed file's columns, in that order)");
  }
  if (lines.size() - 1 != thetas.size()) {
    throw UserError(who + " printed " + std::to_string(lines.size() - 1) + " rows of summaries for " +
                    std::to_string(thetas.size()) + " parameter rows (one row per input row, in order)");
  }
  Matrix rows(thetas.size());
  for (std::size_t i = 0; i < thetas.size(); ++i) {
    const std::vector<std::string> cells = split(lines[i + 1]);
    if (cells.size() != header.size()) {
      throw UserError(who + ": output row " + std::to_string(i + 1) + " has " + std::to_string(cells.size()) + " cells, the header " +
                      std::to_string(header.size()) + ", for " + row_text(i));
    }
    for (std::size_t k = 0; k < cells.size(); ++k) {
      const std::string& c = cells[k];
      char* end = nullptr;
      const double v = std::strtod(c.c_str(), &end);
      const bool nan_text = c == "nan" || c == "NaN" || c == "NA";
      if (!nan_text && (c.empty() || *end != '\0' || std::isinf(v) || std::isnan(v))) {
        throw UserError(who + ": output row " + std::to_string(i + 1) + ", column '" + header[k] + "': '" + c +
                        "' is not a number, for " + row_text(i));
      }
      rows[i].push_back(nan_text ? std::numeric_limits<double>::quiet_NaN() : v);
    }
  }
  return rows;
}

Simulator external_simulator(ExternalSimulatorOptions options) {
  return [o = std::move(options)](const Matrix& local_thetas, const std::vector<std::uint64_t>& local_seeds) {
    // Across MPI ranks: rank 0's batch, as in parallel_rows.
    Matrix thetas = local_thetas;
    std::vector<std::uint64_t> seeds = local_seeds;
    cluster::same_as_rank0(thetas, seeds);
    if (thetas.empty()) return Matrix{};
    // Every rank's workers share the calls; the split is rank 0's, so every
    // rank makes the same calls.
    const std::size_t jobs = cluster::same_as_rank0<std::size_t>(
        plan_ensemble(thetas.size(), o.ensemble).jobs * static_cast<std::size_t>(cluster::size()));
    std::size_t per_call = (thetas.size() + jobs - 1) / jobs;
    if (o.max_rows_per_call > 0) per_call = std::min(per_call, o.max_rows_per_call);
    const std::size_t calls = (thetas.size() + per_call - 1) / per_call;
    std::vector<Matrix> parts(calls);
    EnsembleOptions ens = o.ensemble;
    ens.threads_per_job = 1;
    const cluster::DistributedResult ran = cluster::run_distributed(calls, ens, [&](std::size_t c, unsigned) {
      const std::size_t from = c * per_call, to = std::min(thetas.size(), from + per_call);
      const Matrix t(thetas.begin() + static_cast<std::ptrdiff_t>(from), thetas.begin() + static_cast<std::ptrdiff_t>(to));
      const std::vector<std::uint64_t> s(seeds.begin() + static_cast<std::ptrdiff_t>(from),
                                         seeds.begin() + static_cast<std::ptrdiff_t>(to));
      Matrix rows = run_external_once(o, t, s);
      StateArchive ar;
      ar.io_each(rows, [](StateArchive& a, std::vector<double>& r) { a.io(r); });
      return ar.bytes();
    });
    ran.result.rethrow_first_error();
    for (std::size_t c = 0; c < calls; ++c) {
      StateArchive ar(ran.payloads[c]);
      ar.io_each(parts[c], [](StateArchive& a, std::vector<double>& r) { a.io(r); });
    }
    Matrix out;
    for (auto& p : parts) {
      for (auto& row : p) out.push_back(std::move(row));
    }
    return out;
  };
}

}  // namespace simulacra::calibrate
