// Stopping cleanly on SIGINT and SIGTERM: the handler only records the
// signal; a run notices it between pieces of simulated time, abandons its
// partial files and reports what was lost; the program exits 128 + signal.
#pragma once

#include <string>

#include "simulacra/engine/errors.hpp"

namespace simulacra::cli {

/// What a run throws once a signal was caught. main() exits 128 + signal()
/// (130 for SIGINT, 143 for SIGTERM) after printing what().
class Interrupted : public UserError {
 public:
  Interrupted(int signal, const std::string& message) : UserError(message), signal_(signal) {}
  int signal() const noexcept { return signal_; }

 private:
  int signal_;
};

/// For the whole program: SIGXFSZ (file size limit, `ulimit -f`) ignored,
/// so a write past the limit fails with EFBIG and takes the ordinary
/// write-failure path (temporaries removed, exit 2) instead of killing us.
void ignore_file_size_signal() noexcept;

/// Installs handlers recording SIGINT and SIGTERM. A second signal after the
/// first is caught ends the process at once (the default action). SIGINT
/// stays ignored if it was ignored when we started (a background job of a
/// shell without job control), as shells expect.
void catch_interrupts() noexcept;

/// The signal caught since catch_interrupts(), or 0.
int caught_signal() noexcept;

/// "SIGINT", "SIGTERM", or "signal N".
std::string signal_name(int signal);

/// Throws Interrupted ("interrupted by SIGINT") if a signal was caught.
void throw_if_interrupted();

}  // namespace simulacra::cli
