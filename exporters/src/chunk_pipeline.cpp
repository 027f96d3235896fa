#include "chunk_pipeline.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

namespace simulacra::hdf5 {

namespace {

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};
using Compressor = std::unique_ptr<libdeflate_compressor, CompressorDeleter>;

Compressor make_compressor(int level) {
  if (level <= 0) return nullptr;
  Compressor c(libdeflate_alloc_compressor(level));
  if (!c) throw std::bad_alloc();
  return c;
}

// The shuffled chunk's leading byte planes that deflate would hardly shrink
// (the low mantissa bytes of measured doubles): planes whose middle quarter
// (at most 8 KiB) compresses to more than 90 % of its size. Decided from the data alone, so
// the same rows give the same stream for any worker count.
std::size_t incompressible_prefix(const unsigned char* shuffled, std::size_t size, std::size_t element_size,
                                  libdeflate_compressor* compressor, std::vector<unsigned char>& trial) {
  if (element_size <= 1) return 0;
  const std::size_t plane = size / element_size;
  // A quarter of the plane, at most 8 KiB; planes under 4 KiB are not worth it.
  const std::size_t kSample = std::min<std::size_t>(plane / 4, 8192);
  if (plane < 4096) return 0;
  trial.resize(libdeflate_deflate_compress_bound(compressor, kSample));
  std::size_t prefix = 0;
  for (std::size_t j = 0; j + 1 < element_size; ++j) {
    const unsigned char* sample = shuffled + j * plane + (plane - kSample) / 2;
    const std::size_t n = libdeflate_deflate_compress(compressor, sample, kSample, trial.data(), trial.size());
    if (n == 0 || 10 * n < 9 * kSample) break;
    prefix += plane;
  }
  return prefix;
}

// A zlib stream (RFC 1950) whose first `stored` bytes are deflate stored
// blocks and the rest one libdeflate raw deflate stream: inflate reads it as
// any zlib stream, so HDF5's own deflate filter decodes it.
std::size_t zlib_stored_then_deflate(const unsigned char* in, std::size_t size, std::size_t stored,
                                     libdeflate_compressor* compressor, unsigned char* out, std::size_t capacity) {
  std::size_t at = 0;
  out[at++] = 0x78;  // deflate, 32 KiB window
  out[at++] = 0x01;  // fastest, no dictionary; (0x78 * 256 + 0x01) % 31 == 0
  const bool all_stored = stored == size;
  std::size_t from = 0;
  do {
    const std::size_t len = std::min<std::size_t>(stored - from, 65535);
    const bool final = all_stored && from + len == stored;
    out[at++] = final ? 1 : 0;  // BFINAL, BTYPE 00 (stored), padding to the byte
    out[at++] = static_cast<unsigned char>(len & 0xff);
    out[at++] = static_cast<unsigned char>(len >> 8);
    out[at++] = static_cast<unsigned char>(~len & 0xff);
    out[at++] = static_cast<unsigned char>((~len >> 8) & 0xff);
    std::memcpy(out + at, in + from, len);
    at += len;
    from += len;
  } while (from < stored);
  if (!all_stored) {
    const std::size_t n = libdeflate_deflate_compress(compressor, in + stored, size - stored, out + at, capacity - at - 4);
    if (n == 0) throw std::bad_alloc();  // cannot happen: the bound always fits
    at += n;
  }
  const std::uint32_t adler = libdeflate_adler32(1, in, size);
  for (int shift = 24; shift >= 0; shift -= 8) out[at++] = static_cast<unsigned char>(adler >> shift);
  return at;
}

// Shuffle, then deflate into a zlib stream: what HDF5's shuffle and deflate
// filters would store, so any HDF5 reader decodes it with its built-in
// filters. At the fast level, leading byte planes that would not compress are
// stored as they are instead of being searched for matches in vain.
void shuffle_and_deflate(PendingChunk& chunk, libdeflate_compressor* compressor, int level,
                         std::vector<unsigned char>& scratch, std::vector<unsigned char>& trial) {
  chunk.is_filtered = false;
  if (compressor == nullptr) return;
  scratch.resize(chunk.bytes.size());
  shuffle_bytes(chunk.bytes.data(), chunk.bytes.size(), chunk.element_size, scratch.data());
  const std::size_t size = scratch.size();
  const std::size_t stored =
      level == 1 ? incompressible_prefix(scratch.data(), size, chunk.element_size, compressor, trial) : 0;
  // Buffers keep their capacity from chunk to chunk (see acquire()).
  if (stored == 0) {
    chunk.filtered.resize(libdeflate_zlib_compress_bound(compressor, size));
    const std::size_t n = libdeflate_zlib_compress(compressor, scratch.data(), size, chunk.filtered.data(),
                                                   chunk.filtered.size());
    if (n == 0) throw std::bad_alloc();  // cannot happen: the bound always fits
    chunk.filtered.resize(n);
  } else {
    chunk.filtered.resize(2 + stored + 5 * (stored / 65535 + 1) + libdeflate_deflate_compress_bound(compressor, size - stored) + 4);
    chunk.filtered.resize(zlib_stored_then_deflate(scratch.data(), size, stored, compressor, chunk.filtered.data(),
                                                   chunk.filtered.size()));
  }
  chunk.is_filtered = true;
}

}  // namespace

struct ChunkPipeline::InlineFilter {
  Compressor compressor;
  std::vector<unsigned char> scratch;
  std::vector<unsigned char> trial;
};

void shuffle_bytes(const unsigned char* in, std::size_t size, std::size_t element_size, unsigned char* out) {
  if (element_size <= 1 || size < element_size) {
    std::copy(in, in + size, out);
    return;
  }
  const std::size_t n = size / element_size;
  if (element_size == 8) {  // the common case (int64, float64), unrolled by the compiler
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned char* e = in + 8 * i;
      for (std::size_t j = 0; j < 8; ++j) out[j * n + i] = e[j];
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < element_size; ++j) out[j * n + i] = in[i * element_size + j];
    }
  }
  // HDF5 copies a trailing partial element as it is.
  std::copy(in + n * element_size, in + size, out + n * element_size);
}

ChunkPipeline::ChunkPipeline(int deflate_level, unsigned workers, std::size_t max_in_flight, Writer write)
    : level_(deflate_level), max_in_flight_(std::max<std::size_t>(max_in_flight, 1)), write_(std::move(write)) {
  if (level_ <= 0) workers = 0;  // nothing to compute: chunks go straight to the writer
  threads_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

ChunkPipeline::~ChunkPipeline() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& t : threads_) t.join();
}

void ChunkPipeline::work() {
  Compressor compressor;
  std::vector<unsigned char> scratch;
  std::vector<unsigned char> trial;
  std::unique_lock lock(mutex_);
  for (;;) {
    std::shared_ptr<Slot> slot;
    work_ready_.wait(lock, [&] {
      if (stopping_) return true;
      for (const auto& s : queue_) {
        if (!s->claimed) {
          slot = s;
          return true;
        }
      }
      return false;
    });
    if (!slot) return;  // stopping
    slot->claimed = true;
    lock.unlock();
    std::exception_ptr error;
    try {
      if (!compressor) compressor = make_compressor(level_);
      shuffle_and_deflate(*slot->chunk, compressor.get(), level_, scratch, trial);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    slot->error = error;
    slot->done = true;
    slot_done_.notify_all();
  }
}

std::unique_ptr<PendingChunk> ChunkPipeline::acquire() {
  if (free_.empty()) return std::make_unique<PendingChunk>();
  std::unique_ptr<PendingChunk> chunk = std::move(free_.back());
  free_.pop_back();
  return chunk;
}

void ChunkPipeline::write_and_recycle(std::unique_ptr<PendingChunk> chunk) {
  write_(*chunk);
  // Enough for every chunk in flight plus one being filled; the rest are freed.
  if (free_.size() <= max_in_flight_) free_.push_back(std::move(chunk));
}

void ChunkPipeline::submit(std::unique_ptr<PendingChunk> chunk) {
  auto slot = std::make_shared<Slot>();
  slot->chunk = std::move(chunk);
  if (threads_.empty()) {
    // No workers: filter here. The chunk still waits in the queue like any
    // other, so the writes happen at the same points as with workers.
    if (!inline_) {
      inline_ = std::make_unique<InlineFilter>();
      inline_->compressor = make_compressor(level_);
    }
    try {
      shuffle_and_deflate(*slot->chunk, inline_->compressor.get(), level_, inline_->scratch, inline_->trial);
    } catch (...) {
      slot->error = std::current_exception();
    }
    slot->claimed = true;
    slot->done = true;
  }
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(slot));
  }
  if (!threads_.empty()) work_ready_.notify_one();
  write_ready(max_in_flight_);
}

void ChunkPipeline::drain() { write_ready(0); }

void ChunkPipeline::write_ready(std::size_t keep) {
  // Only the queue's length decides when a chunk is written, never whether a
  // worker happens to have finished it: the file's operations then come in
  // the same sequence for any number of workers, and the caller may do its
  // own file operations between submissions.
  for (;;) {
    std::shared_ptr<Slot> head;
    {
      std::unique_lock lock(mutex_);
      if (queue_.size() <= keep) return;
      slot_done_.wait(lock, [&] { return queue_.front()->done; });
      head = queue_.front();
      queue_.pop_front();
    }
    if (head->error) std::rethrow_exception(head->error);
    write_and_recycle(std::move(head->chunk));
  }
}

void ChunkPipeline::discard() noexcept {
  std::unique_lock lock(mutex_);
  // Workers hold shared slots, so dropping them here is safe even mid-filter.
  queue_.clear();
}

unsigned default_compression_workers() {
  const unsigned cores = std::thread::hardware_concurrency();
  return std::clamp(cores, 1U, 4U);
}

}  // namespace simulacra::hdf5
