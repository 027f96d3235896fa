// Checkpoint copies of an unfinished dataset (TableSink::snapshot and
// restore), shared by the sinks: durable file copies, and a manifest naming
// the format and each file's size, so that a missing, truncated or foreign
// snapshot is refused with a clear message before any file in it is parsed.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace simulacra {

/// Copies `from` to `to` (which must not exist yet) and syncs the copy to
/// disk. Throws DataError naming `shown_as` and both files, with the system's
/// reason.
void copy_durably(const std::filesystem::path& from, const std::filesystem::path& to,
                  const std::string& shown_as);

/// One file of a snapshot: its name in the snapshot directory, and a one-line
/// note (no line breaks) the sink checks on restore, e.g. its column types.
struct SnapshotFile {
  std::string name;
  std::string note;
};

/// Name of the manifest inside a snapshot directory.
inline constexpr const char* kSnapshotManifest = "snapshot.txt";

/// Writes `dir`/snapshot.txt, listing `format` and, in order, each file's
/// current size and note; syncs it and the directory. Written after the files,
/// it marks the snapshot complete. Throws DataError naming `shown_as`.
void write_snapshot_manifest(const std::filesystem::path& dir, std::string_view format,
                             const std::vector<SnapshotFile>& files, const std::string& shown_as);

/// Checks that `dir` holds a complete snapshot written by `format` with the
/// files `names` (in the manifest's order), each still of its recorded size;
/// returns their notes. Throws DataError naming the manifest or the file at
/// fault: no manifest (an empty directory, or a snapshot never finished), a
/// manifest of another format or with another number of files, a file missing
/// or of another size (truncated or damaged).
std::vector<std::string> check_snapshot(const std::filesystem::path& dir, std::string_view format,
                                        const std::vector<std::string>& names);

}  // namespace simulacra
