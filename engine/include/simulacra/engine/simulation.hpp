// A running simulation: populations of LPs, their pending events, random
// streams and trace hash, advanced by a sequential or a conservative parallel
// scheduler. Copying a Simulation clones the whole run; both copies continue
// independently and each ends exactly as an uncopied run would.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "simulacra/engine/context.hpp"
#include "simulacra/engine/event_queue.hpp"
#include "simulacra/engine/ids.hpp"
#include "simulacra/engine/population.hpp"
#include "simulacra/engine/random.hpp"
#include "simulacra/engine/rank_exchange.hpp"
#include "simulacra/engine/row_buffer.hpp"
#include "simulacra/engine/table.hpp"

namespace simulacra {

enum class SchedulerKind {
  sequential,  ///< one event queue, global event order
  parallel,    ///< partitions run concurrently in windows [T, T + lookahead)
};

struct EngineConfig {
  SchedulerKind scheduler = SchedulerKind::parallel;
  unsigned threads = 1;
  /// Partitions of the LPs (0: four per thread, at least one per 1,024 LPs).
  /// Output never depends on it: every event between two LPs respects the lookahead, so each LP sees the
  /// same events in the same order however the LPs are grouped.
  unsigned partitions = 0;
  /// Least delay of an event between two different LPs.
  SimTime lookahead{0.0};
  /// Windows run on the calling thread, partition after partition, while
  /// recent windows averaged fewer committed events than this (a market's
  /// windows, a latency long, hold a handful: handing them to threads costs
  /// more than running them); 0 hands every window to the threads. Output
  /// never depends on it.
  std::uint32_t serial_window_events = 256;
};

class Simulation {
 public:
  /// Throws ConfigError for zero threads, a negative lookahead, or the
  /// parallel scheduler without a positive lookahead.
  Simulation(EngineConfig config, std::uint64_t seed);

  /// Throws std::logic_error for a simulation partitioned over ranks (a rank
  /// holds only its own LPs' state; see set_ranks).
  Simulation(const Simulation& other);
  Simulation& operator=(const Simulation& other);
  Simulation(Simulation&&) noexcept = default;
  Simulation& operator=(Simulation&&) noexcept = default;
  ~Simulation() = default;

  /// Adds a population and returns its first LP id. Throws std::logic_error
  /// once the run has started.
  LpId add_population(std::unique_ptr<Population> population);

  /// Commits every event with time < end, in the engine's total order per LP.
  /// May be called repeatedly with growing ends; the result is the same as one
  /// call. Throws LookaheadError (from a model) and leaves the simulation
  /// unusable (std::logic_error on further runs).
  void run_until(SimTime end);

  /// Runs this simulation as rank `exchange->rank()` of `exchange->size()`,
  /// each rank built the same way and making the same calls in the same
  /// order (every call below that advances, observes or ends the run is then
  /// collective). The partitions are split into contiguous ranges, one per
  /// rank; a rank processes only its own, exchanging events with the others
  /// at every window edge. Rows reach rank 0's consumer in the same order as
  /// in one process, and trace_hash() and committed_events() are those of
  /// one process; finish() and observe() first bring every LP's population
  /// state to rank 0 (collect_state). `exchange` is not owned. Call before the
  /// run starts. Throws ConfigError without a positive lookahead, UserError
  /// naming a population type that cannot hand its LPs' state to another
  /// rank (Population::lp_state_supported), std::logic_error once started.
  void set_ranks(RankExchange* exchange);
  /// The exchange set by set_ranks, or nullptr.
  RankExchange* ranks() const { return ranks_; }
  /// A partitioned run stopped on an error that every rank threw at the same
  /// window edge (a model's, or rank 0's sinks'): no rank waits for another.
  bool failed_on_every_rank() const { return shared_error_; }
  /// What this rank's share of a partitioned run has cost in communication.
  const RankTraffic& rank_traffic() const { return traffic_; }
  /// Collective (partitioned runs): brings the state of every LP (engine and
  /// populations) to rank 0, and the trace hash and committed count to every
  /// rank. Until the next window, rank 0 holds the whole run's state. A
  /// no-op without ranks.
  void collect_state();

  /// Where emitted rows go, in final order, after each window (and at most
  /// every 64 Ki rows under a single partition). Not owned; a copy of the
  /// simulation starts with none attached. Rows emitted with none attached
  /// are dropped.
  void set_row_consumer(RowConsumer* consumer) { consumer_ = consumer; }

  /// Every population's tables, in population order (see table_owner).
  const std::vector<TableSchema>& tables() const { return tables_; }
  /// Index of the population that declared table `t`.
  std::size_t table_owner(std::size_t t) const { return table_owner_.at(t); }

  /// Ends the run: each population emits its end-of-run rows (in population
  /// order) and every buffered row goes to the consumer.
  void finish();

  /// Threads for the next run_until; the output does not depend on it.
  /// Throws ConfigError for 0.
  void set_threads(unsigned threads);

  /// Values of every population's observables at now(), population by
  /// population in declaration order (see observable_specs). Starts the run
  /// if it has not started (time 0, after the initial events).
  std::vector<double> observe();
  /// Every population's observable declarations, with the population index.
  std::vector<std::pair<std::size_t, ObservableSpec>> observable_specs() const;

  /// Turns this simulation into branch `k` of itself: every random stream
  /// (the engine's per LP and each population's own, see
  /// Population::reseed) is re-derived from (seed, branch path + k). Pending
  /// events and state are kept. The same path always gives the same
  /// continuation; different paths differ. Copy first to keep the parent.
  void branch(std::uint64_t k);
  /// Branch indices from the plain run to this one; empty for the plain run.
  const std::vector<std::uint64_t>& branch_path() const { return branch_path_; }
  /// The seed the random streams are currently derived from (seed() for the
  /// plain run).
  std::uint64_t stream_seed() const { return stream_seed_; }

  /// Writes the whole mutable state (events, random streams, counters,
  /// populations) into `ar`, independent of threads, partitions and ranks.
  /// Call between runs (not during one). Under ranks it is collective: rank
  /// 0 writes the whole run's state, the others nothing. Throws
  /// CheckpointError for a population type without checkpoints.
  void save_state(StateArchive& ar);
  /// Reads a state written by save_state of a simulation built the same way
  /// (same scenario, same seed), with any thread, partition or rank count
  /// (call set_ranks first; each rank reads the whole state and keeps its
  /// own partitions' events); throws CheckpointError if it does not fit.
  void load_state(StateArchive& ar);

  /// Population::set_live of population `index`, between runs.
  void set_live(std::size_t index, const std::string& key, double value);

  /// Population::log_likelihood of population `index`.
  std::optional<double> log_likelihood(std::size_t index, const std::string& key, double value) const {
    return populations_.at(index)->log_likelihood(key, value);
  }

  /// First and one-past-last partition this process runs (all without ranks).
  std::uint32_t own_partition_begin() const { return own_lo_; }
  std::uint32_t own_partition_end() const { return own_hi_; }

  std::uint64_t seed() const { return seed_; }
  const EngineConfig& config() const { return config_; }
  SimTime now() const { return now_; }
  /// Events committed so far (for partitioned runs: the whole run's, valid
  /// right after collect_state or finish; std::logic_error otherwise).
  std::uint64_t committed_events() const;
  std::size_t pending_events() const;
  std::uint32_t lp_count() const { return lp_count_; }
  std::uint32_t partition_count() const { return static_cast<std::uint32_t>(parts_.size()); }

  /// Fingerprint of every committed event (time, source, destination, kind,
  /// data), in each LP's commit order, combined over LPs in id order. For a
  /// partitioned run, valid right after collect_state or finish
  /// (std::logic_error otherwise).
  std::uint64_t trace_hash() const;

  const Population& population(std::size_t index) const { return *populations_.at(index); }
  std::size_t population_count() const { return populations_.size(); }

 private:
  struct Partition {
    EventQueue queue;
    // outbox[b][q]: events for partition q sent during a window of parity b.
    std::vector<std::vector<Event>> outbox[2];
    RowBuffer rows;
    std::uint64_t committed = 0;
    double next_time = 0.0;  // earliest pending time of this partition's making
  };

  void start();
  void layout();
  void process_partition(std::uint32_t q, unsigned parity, double window_end);
  void dispatch(Context& ctx, const Event& e);
  Context make_context(std::uint32_t q, unsigned parity);
  double global_next_time() const;
  void flush_rows();
  // Partitioned runs (simulation_ranks.cpp).
  std::uint64_t hash_of_lps() const;
  /// Events the partitions have committed (this process's).
  std::uint64_t committed_in_partitions() const;
  void run_ranks(double end);
  void collect(bool engine);
  double sync_ranks();
  void gather_rows();
  std::string rows_blob();
  void merge_rank_rows(const std::vector<std::string>& blobs);
  void state_slices(StateArchive& ar, int rank, bool engine);
  std::uint32_t rank_lp_begin(int rank) const;
  std::uint32_t rank_lp_end(int rank) const;
  std::uint32_t rank_partition_begin(int rank) const;
  std::size_t pop_table_count(std::size_t pop) const;

  EngineConfig config_;
  std::uint64_t seed_;
  std::uint64_t stream_seed_;
  std::vector<std::uint64_t> branch_path_;
  std::vector<std::unique_ptr<Population>> populations_;
  std::vector<std::uint16_t> owner_;  // LP -> population index
  std::uint32_t lp_count_ = 0;
  std::vector<TableSchema> tables_;
  std::vector<std::size_t> table_owner_;       // table -> population index
  std::vector<std::uint32_t> table_base_;      // population -> first table index
  RowConsumer* consumer_ = nullptr;
  RowMerger merger_;  ///< keeps its scratch between windows

  // Per-population dispatch facts, gathered at start so the hot loop reads one
  // small struct per event.
  struct PopSlot {
    Population* population;
    std::uint32_t first;
    std::uint32_t table_base;
    std::uint32_t table_count;
  };
  std::vector<PopSlot> slots_;

  // Per-LP engine state, indexed by LP id.
  std::vector<RandomStream> rng_;
  std::vector<std::uint64_t> send_seq_;
  std::vector<std::uint64_t> lp_hash_;

  std::vector<Partition> parts_;
  std::uint32_t block_ = 1;
  unsigned parity_ = 0;
  bool started_ = false;
  bool failed_ = false;
  SimTime now_{0.0};
  std::uint64_t windows_ = 0;

  // Partitioned over ranks: partitions [own_lo_, own_hi_) run here.
  RankExchange* ranks_ = nullptr;
  std::uint32_t own_lo_ = 0;
  std::uint32_t own_hi_ = 0;
  std::vector<int> part_rank_;          // partition -> rank running it
  std::exception_ptr rank_error_;       // this rank's error, told to the others at the next exchange
  bool shared_error_ = false;           // every rank threw the same error at an exchange
  bool collected_ = false;              // collect_state ran and no window since
  std::uint64_t collected_hash_ = 0;
  std::uint64_t collected_events_ = 0;
  RankTraffic traffic_;
};

}  // namespace simulacra
