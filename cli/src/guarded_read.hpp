// Reading files from elsewhere (datasets, model files) without trusting them:
// the HDF5 library can crash, spin or allocate without bound on a damaged
// file, so the reading runs in a child process with a memory and time limit,
// and whatever goes wrong there becomes a DataError naming the file.
#pragma once

#include <functional>
#include <string>

namespace simulacra::cli {

struct GuardLimits {
  double timeout_s = 30.0;                        ///< wall clock before the reader is killed
  unsigned long long memory_bytes = 1ull << 30;   ///< address space the reader may add to ours
};

/// Runs `read` in a forked child and returns the text it returned. Throws
/// DataError "<path>: ..." when `read` throws a UserError (its message),
/// runs out of memory (std::bad_alloc under the limit), is killed by a signal
/// (a crash inside the HDF5 library: "the file is damaged"), or outlives the
/// timeout. Call only while the process runs one thread (a fork copies just
/// the caller's, so locks other threads hold would stay held in the child).
std::string read_guarded(const std::string& path, const std::function<std::string()>& read,
                         const GuardLimits& limits = {});

}  // namespace simulacra::cli
