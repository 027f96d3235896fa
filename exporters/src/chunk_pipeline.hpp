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

/// One numeric or bool column's chunk on its way to the file.
struct PendingChunk {
  std::size_t table = 0;
  std::size_t column = 0;
  std::uint64_t first_row = 0;  ///< the chunk's offset in the dataset
  std::uint64_t rows = 0;       ///< rows that hold data (the rest is fill)
  /// Numeric and bool columns: the whole chunk's values in file byte order,
  /// padded with zeros (HDF5's fill value) to the chunk length.
  std::vector<unsigned char> bytes;
  std::size_t element_size = 0;
  /// After filtering with deflate: the shuffled, compressed bytes to store.
  std::vector<unsigned char> filtered;
  bool is_filtered = false;
};

/// What to store for a numeric chunk: its filtered bytes, or its raw bytes
/// when the pipeline does not compress.
inline const std::vector<unsigned char>& stored_bytes(const PendingChunk& c) { return c.is_filtered ? c.filtered : c.bytes; }

/// Shuffles `bytes` (elements of `element_size` bytes) exactly as HDF5's
/// shuffle filter does: byte j of element i moves to j * n + i.
void shuffle_bytes(const unsigned char* in, std::size_t size, std::size_t element_size, unsigned char* out);

/// Filters chunks concurrently and writes them in submission order.
///
/// `deflate_level` 0 stores chunks as they are; 1..9 shuffles them and
/// compresses them into a zlib stream (HDF5's deflate filter format) with
/// libdeflate. `workers` threads do that work (0: the submitting thread does
/// it). `write` runs on the submitting thread only, for every chunk, in
/// submission order, at fixed points: when a submission makes more than
/// `max_in_flight` chunks wait (the oldest is written, after waiting for its
/// filter if need be), and in drain(). So memory stays bounded, and the file
/// sees the same sequence of operations for any worker count provided
/// `max_in_flight` does not depend on it.
class ChunkPipeline {
 public:
  using Writer = std::function<void(PendingChunk&)>;

  ChunkPipeline(int deflate_level, unsigned workers, std::size_t max_in_flight, Writer write);
  /// Stops the workers; chunks not yet written are dropped.
  ~ChunkPipeline();

  ChunkPipeline(const ChunkPipeline&) = delete;
  ChunkPipeline& operator=(const ChunkPipeline&) = delete;

  /// An empty chunk to fill and submit: a recycled one when there is one,
  /// so that its buffers (a chunk's worth each) are not allocated, faulted
  /// in and freed again for every chunk. Submitting thread only.
  std::unique_ptr<PendingChunk> acquire();

  /// Queues a chunk; if more than max_in_flight now wait, writes the oldest.
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
  /// Writes a filtered chunk and keeps it for acquire().
  void write_and_recycle(std::unique_ptr<PendingChunk> chunk);
  /// While more than `keep` chunks wait, writes the oldest (waiting for its filter).
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
  std::vector<std::unique_ptr<PendingChunk>> free_;  ///< written chunks for acquire()
  /// Without workers: the submitting thread's compressor and shuffle buffer.
  struct InlineFilter;
  std::unique_ptr<InlineFilter> inline_;
};

/// Worker threads to use by default: the machine's cores, at most 4.
unsigned default_compression_workers();

}  // namespace simulacra::hdf5
