#include "simulacra/engine/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "simulacra/engine/random.hpp"

namespace simulacra {

namespace {

namespace fs = std::filesystem;

constexpr char kMagic[9] = "SIMCKPT\n";

std::uint64_t checksum(std::string_view bytes) {
  std::uint64_t h = mix64(bytes.size());
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    h = mix64(h ^ w);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  return mix64(h ^ tail);
}

void write_file(const fs::path& path, const std::string& a, const std::string& b) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw DataError("cannot write checkpoint " + path.string() + ": " + std::strerror(errno));
  for (const std::string* part : {&a, &b}) {
    std::size_t done = 0;
    while (done < part->size()) {
      const ssize_t n = ::write(fd, part->data() + done, part->size() - done);
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        throw DataError("cannot write checkpoint " + path.string() + ": " + std::strerror(err));
      }
      done += static_cast<std::size_t>(n);
    }
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) throw DataError("cannot write checkpoint " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

std::uint64_t save_checkpoint(RunSession& session, const std::string& dir, const std::string& software,
                              const CheckpointMeta& meta) {
  // The state first: under ranks, gathering it is collective.
  StateArchive body;
  session.save_state(body);
  const fs::path target(dir);
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const fs::path tmp = parent / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) throw DataError("cannot create checkpoint folder " + tmp.string() + ": " + ec.message());
  try {
    session.snapshot_sinks(tmp.string());
    StateArchive head;
    std::string magic(kMagic, 8), version = software;
    std::uint32_t format = kCheckpointFormat;
    head.io(magic);
    head.io(format);
    head.io(version);
    std::vector<std::string> keys, values;
    for (const auto& [k, v] : meta) {
      keys.push_back(k);
      values.push_back(v);
    }
    head.io_each(keys, [](StateArchive& a, std::string& s) { a.io(s); });
    head.io_each(values, [](StateArchive& a, std::string& s) { a.io(s); });
    std::uint64_t size = body.bytes().size(), sum = checksum(body.bytes());
    head.io(size);
    head.io(sum);
    write_file(tmp / "state.bin", head.bytes(), body.bytes());
    // Replace the previous checkpoint: move it aside, move the new one in.
    const fs::path old = parent / ("." + target.filename().string() + ".old-" + std::to_string(::getpid()));
    fs::remove_all(old, ec);
    if (fs::exists(target)) {
      fs::rename(target, old, ec);
      if (ec) throw DataError("cannot replace checkpoint " + target.string() + ": " + ec.message());
    }
    fs::rename(tmp, target, ec);
    if (ec) throw DataError("cannot write checkpoint " + target.string() + ": " + ec.message());
    fs::remove_all(old, ec);
    return head.bytes().size() + body.bytes().size();
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

LoadedCheckpoint load_checkpoint(const std::string& dir, const Registry& registry, const std::string& software,
                                 unsigned threads, RankExchange* ranks) {
  const fs::path file = fs::path(dir) / "state.bin";
  std::ifstream in(file, std::ios::binary);
  if (!in) throw CheckpointError(file.string() + ": cannot read the checkpoint (is " + dir + " a checkpoint folder?)");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    StateArchive head(bytes);
    std::string magic;
    if (bytes.size() < 16 || bytes.compare(8, 8, kMagic, 8) != 0) {
      throw CheckpointError("not a Simulacra checkpoint");
    }
    head.io(magic);
    std::uint32_t format = 0;
    head.io(format);
    if (format != kCheckpointFormat) {
      throw CheckpointError("checkpoint format " + std::to_string(format) + ", this program reads format " +
                            std::to_string(kCheckpointFormat));
    }
    std::string version;
    head.io(version);
    if (version != software) {
      throw CheckpointError("written by simulacra " + version.substr(0, 80) + "; this is simulacra " + software +
                            " (a checkpoint resumes only in the version that wrote it)");
    }
    std::vector<std::string> keys, values;
    head.io_each(keys, [](StateArchive& a, std::string& s) { a.io(s); });
    head.io_each(values, [](StateArchive& a, std::string& s) { a.io(s); });
    if (keys.size() != values.size()) throw CheckpointError("damaged header");
    std::uint64_t size = 0, sum = 0;
    head.io(size);
    head.io(sum);
    if (size != head.remaining()) {
      throw CheckpointError("truncated or damaged: " + std::to_string(head.remaining()) + " state bytes, " +
                            std::to_string(size) + " expected");
    }
    const std::string_view body_bytes = std::string_view(bytes).substr(bytes.size() - size);
    if (checksum(body_bytes) != sum) throw CheckpointError("damaged: the checksum does not match");
    StateArchive body(body_bytes);
    LoadedCheckpoint out{RunSession::load_state(body, registry, threads, ranks), {}};
    for (std::size_t i = 0; i < keys.size(); ++i) out.meta[keys[i]] = values[i];
    return out;
  } catch (const CheckpointError& e) {
    throw CheckpointError(file.string() + ": " + e.what());
  }
}

}  // namespace simulacra
