#include "simulacra/exporters/stale_temporaries.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <system_error>

namespace simulacra {

namespace fs = std::filesystem;

long temporary_owner(const std::string& name) noexcept {
  for (const std::string_view tag : {".tmp-", ".old-"}) {
    const std::size_t at = name.rfind(tag);
    if (at == std::string::npos || at == 0) continue;
    const std::string_view digits = std::string_view(name).substr(at + tag.size());
    if (digits.empty() || digits.size() > 9 || digits.front() == '0') continue;
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    long pid = 0;
    for (const char c : digits) pid = pid * 10 + (c - '0');
    return pid;
  }
  return 0;
}

std::vector<std::string> remove_stale_temporaries(const fs::path& dir) noexcept {
  std::vector<std::string> removed;
  try {
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return removed;
    std::vector<fs::path> stale;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      const std::string name = it->path().filename().string();
      const long pid = temporary_owner(name);
      if (pid <= 0 || pid == static_cast<long>(::getpid())) continue;
      // Another process by that id may be alive (ids are reused): then keep it.
      if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
      stale.push_back(it->path());
    }
    std::sort(stale.begin(), stale.end());
    for (const fs::path& p : stale) {
      std::error_code gone;
      fs::remove_all(p, gone);
      if (!gone) removed.push_back(p.filename().string());
    }
  } catch (...) {  // bad_alloc while listing: leave the rest for next time
  }
  return removed;
}

}  // namespace simulacra
