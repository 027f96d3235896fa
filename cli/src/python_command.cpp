// `simulacra plot|report|plot-learned|report-learned`: the figures and HTML
// reports are drawn by the Python module with matplotlib, so these commands
// run `python3 -m simulacra <command> ...` with the module of this build.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "commands.hpp"

namespace simulacra::cli {

namespace {

namespace fs = std::filesystem;

// Set for this file by cli/CMakeLists.txt: the build tree's python folder and
// the interpreter the module is built for.
#ifndef SIMULACRA_PYTHON_DIR
#define SIMULACRA_PYTHON_DIR ""
#endif
#ifndef SIMULACRA_PYTHON_EXECUTABLE
#define SIMULACRA_PYTHON_EXECUTABLE "/usr/bin/python3"
#endif

bool has_module(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_regular_file(dir / "simulacra" / "__main__.py", ec);
}

// The folder holding this build's `simulacra` package: the one known when it
// was compiled, else bin/../python beside the executable (a moved build tree).
fs::path module_dir() {
  if (has_module(SIMULACRA_PYTHON_DIR)) return SIMULACRA_PYTHON_DIR;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && has_module(exe.parent_path().parent_path() / "python")) return exe.parent_path().parent_path() / "python";
  return {};
}

}  // namespace

int python_command(const std::string& command, const Args& args) {
  const char* override_python = std::getenv("SIMULACRA_PYTHON");
  const std::string python = override_python != nullptr && *override_python != '\0' ? override_python
                                                                                      : SIMULACRA_PYTHON_EXECUTABLE;
  if (::access(python.c_str(), X_OK) != 0) {
    std::cerr << "simulacra " << command << ": needs " << python
              << " with matplotlib, which is not installed (Debian: apt-get install python3 python3-matplotlib)\n";
    return 2;
  }
  const fs::path dir = module_dir();
  if (dir.empty()) {
    std::cerr << "simulacra " << command << ": the Python module of this build is missing (looked in "
              << (*SIMULACRA_PYTHON_DIR != '\0' ? SIMULACRA_PYTHON_DIR : "nowhere") << " and bin/../python; "
              << "build the target simulacra_python, configured with -DSIMULACRA_BUILD_PYTHON=ON)\n";
    return 2;
  }
  // This build's module first; whatever PYTHONPATH held stays reachable after it.
  const char* old = std::getenv("PYTHONPATH");
  std::string path = dir.string();
  if (old != nullptr && *old != '\0') path.append(":").append(old);
  ::setenv("PYTHONPATH", path.c_str(), 1);
  ::setenv("SIMULACRA_PROG", "simulacra", 1);
  std::vector<std::string> argv_s = {python, "-m", "simulacra", command};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout.flush();
  // The interpreter takes this process over: its exit status is the command's.
  ::execv(python.c_str(), argv.data());
  std::cerr << "simulacra " << command << ": cannot run " << python << ": " << std::strerror(errno) << '\n';
  return 2;
}

}  // namespace simulacra::cli
