#include "snapshot_files.hpp"

#include <charconv>
#include <cstdint>
#include <fstream>
#include <system_error>

#include "buffered_file.hpp"
#include "file_sync.hpp"
#include "simulacra/engine/errors.hpp"

namespace simulacra {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kManifestVersion = "1";

std::string manifest_header(std::string_view format) {
  std::string header = "simulacra snapshot ";
  header += format;
  header += ' ';
  header += kManifestVersion;
  return header;
}

}  // namespace

void copy_durably(const fs::path& from, const fs::path& to, const std::string& shown_as) {
  std::error_code error;
  fs::copy_file(from, to, fs::copy_options::none, error);
  if (error) {
    throw DataError(shown_as + ": cannot copy " + from.string() + " to " + to.string() + ": " +
                    error.message());
  }
  sync_file(to, shown_as);
}

void write_snapshot_manifest(const fs::path& dir, std::string_view format,
                             const std::vector<SnapshotFile>& files, const std::string& shown_as) {
  std::string text = manifest_header(format) + '\n';
  for (const auto& file : files) {
    std::error_code error;
    const std::uintmax_t bytes = fs::file_size(dir / file.name, error);
    if (error) {
      throw DataError(shown_as + ": cannot read the size of " + (dir / file.name).string() + ": " +
                      error.message());
    }
    text += std::to_string(bytes);
    if (!file.note.empty()) text += ' ' + file.note;
    text += '\n';
  }
  BufferedFile manifest(dir / kSnapshotManifest, shown_as);
  manifest.write(text);
  manifest.close();
  sync_directory(dir);
}

std::vector<std::string> check_snapshot(const fs::path& dir, std::string_view format,
                                        const std::vector<std::string>& names) {
  const fs::path manifest_path = dir / kSnapshotManifest;
  const std::string manifest = manifest_path.string();
  std::error_code error;
  if (!fs::is_regular_file(manifest_path, error)) {
    throw DataError(manifest + ": missing, so " + dir.string() +
                    " holds no snapshot (or one that was never finished)");
  }
  std::ifstream in(manifest_path, std::ios::binary);
  std::string line;
  if (!in || !std::getline(in, line)) throw DataError(manifest + ": cannot read it");
  if (line != manifest_header(format)) {
    throw DataError(manifest + ": not a snapshot of a " + std::string(format) +
                    " dataset (it begins \"" + line.substr(0, 60) + "\")");
  }
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  if (lines.size() != names.size()) {
    throw DataError(manifest + ": lists " + std::to_string(lines.size()) + " files, but " +
                    std::to_string(names.size()) +
                    " were expected (a snapshot of other tables, or damaged)");
  }
  std::vector<std::string> notes;
  notes.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string file = (dir / names[i]).string();
    const std::string& entry = lines[i];
    std::uintmax_t recorded = 0;
    const auto [end, status] = std::from_chars(entry.data(), entry.data() + entry.size(), recorded);
    if (status != std::errc() || (end != entry.data() + entry.size() && *end != ' ')) {
      throw DataError(manifest + ": line " + std::to_string(i + 2) + " is damaged");
    }
    const std::uintmax_t bytes = fs::file_size(file, error);
    if (error) {
      throw DataError(file + ": missing from the snapshot (" + error.message() + ")");
    }
    if (bytes != recorded) {
      throw DataError(file + ": holds " + std::to_string(bytes) + " bytes, but the snapshot wrote " +
                      std::to_string(recorded) + " (truncated or damaged)");
    }
    notes.emplace_back(end == entry.data() + entry.size() ? std::string() : std::string(end + 1));
  }
  return notes;
}

}  // namespace simulacra
