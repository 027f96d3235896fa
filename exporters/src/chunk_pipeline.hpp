// Filters HDF5 chunks (shuffle + deflate, as HDF5's own filters would) on
// worker threads and hands them back to one writer in the order they were
// submitted, so the file's bytes never depend on how many workers ran.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace simulacra::hdf5 {

/// One column's chunk on its way to the file.
struct PendingChunk {
  std::size_t table = 0;
  std::size_t column = 0;
  std::uint64_t first_row = 0;  ///< the chunk's offset in the dataset
  std::uint64_t rows = 0;       ///< rows that hold data (the rest is fill)
  /// Numeric and bool columns: the whole chunk's values in file byte order,
  /// padded with zeros (HDF5's fill value) to the chunk length; after
  /// filtering, the bytes to store.
  std::vector<unsigned char> bytes;
  std::size_t element_size = 0;
  /// String columns: the values, written through HDF5's own pipeline.
  std::vector<std::string> strings;
  bool is_strings = false;
};

/// Shuffles `bytes` (elements of `element_size` bytes) exactly as HDF5's
/// shuffle filter does: byte j of element i moves to j * n + i.
void shuffle_bytes(const unsigned char* in, std::size_t size, std::size_t element_size, unsigned char* out);

/// Filters chunks concurrently and writes them in submission order.
///
/// `deflate_level` 0 stores chunks as they are; 1..9 shuffles them and
/// compresses them into a zlib stream (HDF5's deflate filter format) with
/// libdeflate. `workers` threads do that work (0: the submitting thread does
/// it). At most `max_in_flight` chunks wait at a time, so memory stays
/// bounded. `write` runs on the submitting thread only, for every chunk, in
/// submission order; everything that touches the file must go through it, so
/// the file's operations are the same sequence for any worker count.
class ChunkPipeline {
 public:
  using Writer = std::function<void(PendingChunk&)>;

  ChunkPipeline(int deflate_level, unsigned workers, std::size_t max_in_flight, Writer write);
  /// Stops the workers; chunks not yet written are dropped.
  ~ChunkPipeline();

  ChunkPipeline(const ChunkPipeline&) = delete;
  ChunkPipeline& operator=(const ChunkPipeline&) = delete;

  /// Queues a chunk, then writes every finished chunk at the head of the
  /// queue (waiting for the oldest while more than max_in_flight wait).
  /// Throws what `write` throws, or std::bad_alloc if compression could not
  /// allocate; the pipeline is then unusable (call discard()).
  void submit(std::unique_ptr<PendingChunk> chunk);

  /// Writes every queued chunk, in order. Throws as submit().
  void drain();

  /// Drops every queued chunk unwritten. Never throws.
  void discard() noexcept;

  unsigned workers() const { return static_cast<unsigned>(threads_.size()); }

 private:
  struct Slot {
    std::unique_ptr<PendingChunk> chunk;
    bool claimed = false;  ///< a worker has taken it
    bool done = false;     ///< filtered (or failed)
    std::exception_ptr error;
  };

  void work();
  void filter(PendingChunk& chunk);
  /// Writes finished slots at the head; while more than `keep` remain, waits.
  void write_ready(std::size_t keep);

  int level_;
  std::size_t max_in_flight_;
  Writer write_;
  std::mutex mutex_;
  std::condition_variable work_ready_;   ///< a slot to filter, or stopping
  std::condition_variable slot_done_;    ///< a slot finished
  std::deque<std::shared_ptr<Slot>> queue_;  ///< submission order
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

/// Worker threads to use by default: the machine's cores, at most 4.
unsigned default_compression_workers();

}  // namespace simulacra::hdf5
