#include "interrupts.hpp"

#include <atomic>
#include <csignal>

namespace simulacra::cli {

namespace {

std::atomic<int> g_caught{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void record_signal(int signal) {
  int none = 0;
  g_caught.compare_exchange_strong(none, signal);
  // A second Ctrl-C means "now": the default action from here on.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

void install(int signal) noexcept {
  struct sigaction action {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(signal, &action, nullptr);
}

}  // namespace

void ignore_file_size_signal() noexcept { std::signal(SIGXFSZ, SIG_IGN); }

void catch_interrupts() noexcept {
  struct sigaction old {};
  if (sigaction(SIGINT, nullptr, &old) == 0 && old.sa_handler != SIG_IGN) install(SIGINT);
  install(SIGTERM);
}

int caught_signal() noexcept { return g_caught.load(); }

std::string signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "signal " + std::to_string(signal);
  }
}

void throw_if_interrupted() {
  const int signal = caught_signal();
  if (signal != 0) throw Interrupted(signal, "interrupted by " + signal_name(signal));
}

}  // namespace simulacra::cli
