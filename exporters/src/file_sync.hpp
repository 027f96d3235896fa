// Making a finished dataset durable before it is renamed into place, so that
// after a crash the final name holds either nothing or the whole dataset.
#pragma once

#include <filesystem>
#include <string>

namespace simulacra {

/// Flushes a closed file's data to disk (fsync). Throws DataError naming
/// `shown_as` and the system's reason if the file cannot be opened or synced.
void sync_file(const std::filesystem::path& file, const std::string& shown_as);

/// Best-effort fsync of a directory, so a rename in it is durable; some file
/// systems refuse to sync directories, which is harmless here. Never throws.
void sync_directory(const std::filesystem::path& directory) noexcept;

/// The suffix of temporary names, "tmp-<pid>": unique among live processes,
/// and recognisable as ours when a crashed run leaves one behind.
std::string temporary_suffix();

}  // namespace simulacra
