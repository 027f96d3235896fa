// A symmetric binary archive for checkpoints: one function per population,
// `state(StateArchive&)`, both writes and reads its mutable state, so saving
// and loading cannot drift apart. Reading checks every length against the
// bytes that remain, so a damaged file is a CheckpointError, never a crash or
// an unbounded allocation.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "simulacra/engine/errors.hpp"

namespace simulacra {

/// A checkpoint that cannot be read: damaged, truncated, of another format
/// version, or of a different scenario than the one it is loaded into.
class CheckpointError : public UserError {
 public:
  using UserError::UserError;
};

class StateArchive {
 public:
  /// An archive that writes.
  StateArchive() = default;
  /// An archive that reads `bytes` (which must outlive it).
  explicit StateArchive(std::string_view bytes) : in_(bytes), loading_(true) {}

  bool loading() const { return loading_; }

  /// A trivially copyable value, by its bytes.
  template <class T>
    requires std::is_trivially_copyable_v<T>
  void io(T& v) {
    if (loading_) {
      need(sizeof(T), "a value");
      std::memcpy(&v, in_.data() + pos_, sizeof(T));
      pos_ += sizeof(T);
    } else {
      out_.append(reinterpret_cast<const char*>(&v), sizeof(T));
    }
  }

  /// A vector of trivially copyable values, length first, then the bytes.
  template <class T>
    requires std::is_trivially_copyable_v<T>
  void io(std::vector<T>& v) {
    std::uint64_t n = v.size();
    io(n);
    if (loading_) {
      if (n > (in_.size() - pos_) / (sizeof(T) == 0 ? 1 : sizeof(T))) truncated("a list");
      v.resize(n);
      if (n != 0) std::memcpy(v.data(), in_.data() + pos_, n * sizeof(T));
      pos_ += n * sizeof(T);
    } else if (n != 0) {
      out_.append(reinterpret_cast<const char*>(v.data()), n * sizeof(T));
    }
  }

  void io(std::string& s) {
    std::uint64_t n = s.size();
    io(n);
    if (loading_) {
      need(n, "a string");
      s.assign(in_.data() + pos_, n);
      pos_ += n;
    } else {
      out_.append(s);
    }
  }

  void io(std::vector<bool>& v) {
    std::vector<std::uint8_t> bytes(v.begin(), v.end());
    io(bytes);
    if (loading_) v.assign(bytes.begin(), bytes.end());
  }

  /// A vector of anything: its length, then `each(archive, element)` per element.
  template <class T, class F>
  void io_each(std::vector<T>& v, F&& each) {
    std::uint64_t n = v.size();
    io(n);
    if (loading_) {
      // Each element takes at least one byte, so the length is bounded by what remains.
      if (n > in_.size() - pos_) truncated("a list");
      v.clear();
      v.resize(n);
    }
    for (auto& x : v) each(*this, x);
  }

  /// A named section marker: written as text, checked when read, so a
  /// population reading another's state fails with the name of both.
  void tag(std::string_view name) {
    std::string s(name);
    if (!loading_) {
      io(s);
      return;
    }
    std::string got;
    io(got);
    if (got != s) throw CheckpointError("checkpoint: expected section '" + s + "', found '" + got.substr(0, 64) + "'");
  }

  /// Written bytes (writer only).
  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }
  /// Bytes not read yet (reader only).
  std::size_t remaining() const { return in_.size() - pos_; }

 private:
  void need(std::uint64_t n, const char* what) const {
    if (n > in_.size() - pos_) truncated(what);
  }
  [[noreturn]] void truncated(const char* what) const {
    throw CheckpointError(std::string("checkpoint is truncated or damaged (reading ") + what + " at byte " +
                          std::to_string(pos_) + " of " + std::to_string(in_.size()) + ")");
  }

  std::string out_;
  std::string_view in_;
  std::size_t pos_ = 0;
  bool loading_ = false;
};

}  // namespace simulacra
