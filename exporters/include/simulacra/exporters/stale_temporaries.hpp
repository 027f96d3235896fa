// Temporaries a killed process left in an output folder: the sinks, the
// checkpoint writer and the CLI name them "<name>.tmp-<pid>" (and a replaced
// checkpoint "<name>.old-<pid>"), so the next run into the folder can tell
// whose they were and remove those of processes that no longer exist.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace simulacra {

/// The process id in a temporary's name ("x.h5.tmp-123", ".ckpt.old-77"), or
/// 0 if `name` is not one of our temporary names.
long temporary_owner(const std::string& name) noexcept;

/// Removes (files and whole folders) the entries of `dir` named as our
/// temporaries whose process has ended: no process has that id
/// (kill(pid, 0) fails with ESRCH). Temporaries of live processes, this one's
/// included, stay; so does everything else. Returns the names removed, in
/// name order. A missing or unreadable `dir` removes nothing. Never throws
/// (an entry that cannot be removed is left and not listed).
std::vector<std::string> remove_stale_temporaries(const std::filesystem::path& dir) noexcept;

}  // namespace simulacra
