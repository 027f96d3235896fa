// A run held open for experiments: built from a scenario and a run plan, it
// advances to a time or until a condition on observables holds, reports its
// observables, branches into independent continuations, saves and loads its
// whole state, and finishes into sinks. `run_plan` is a session run straight
// through; calibration and rare-event sampling drive sessions step by step.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "simulacra/engine/expression.hpp"
#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/engine/scenario.hpp"
#include "simulacra/engine/simulation.hpp"
#include "simulacra/engine/table_sink.hpp"

namespace simulacra {

class SinkFanout;

class RunSession {
 public:
  /// Builds `plan`'s run of `scenario` (already at the plan's sweep point,
  /// see scenario_for). `threads` 0: the scenario's engine.threads. Throws
  /// UserError (ScenarioError, ConfigError, a population's own error).
  RunSession(Scenario scenario, const Registry& registry, RunPlan plan, unsigned threads = 0);

  /// A copy continues exactly as the original would; it has no sinks.
  RunSession(const RunSession& other);
  RunSession& operator=(const RunSession&) = delete;
  RunSession(RunSession&&) noexcept;
  RunSession& operator=(RunSession&&) noexcept;
  ~RunSession();

  /// Opens `sinks` with the selected tables (plus `observables` when the
  /// scenario observes) and streams every row from now on into them. Call at
  /// most once. Throws ScenarioError if outputs.tables names a table no
  /// population emits; DataError from a sink.
  void attach(std::vector<std::unique_ptr<TableSink>> sinks);

  /// Like attach, for a session loaded from a checkpoint: each sink i
  /// continues the dataset its predecessor saved in `dir`/sink<i> (see
  /// save_checkpoint). Throws DataError if a snapshot is missing or does not fit.
  void reattach(std::vector<std::unique_ptr<TableSink>> sinks, const std::string& dir);

  /// Adds a table of the experiment's own to the dataset (after the
  /// populations' tables and `observables`), e.g. the `samples` table of a
  /// rare-event run. Call before attach; fill it with append_rows. Throws
  /// std::logic_error after attach or if a table has that name.
  void add_table(TableSchema schema);
  /// Appends rows to a table added by add_table (after attach). Throws
  /// std::logic_error for a table not added or a session without sinks.
  void append_rows(const std::string& table, const TableChunk& rows);

  /// Runs to min(until, the scenario's duration), recording the observations
  /// due and checking stop_when at each of its check points (see
  /// docs/experiments.md). Returns false once the run is over (end reached or
  /// stop_when held). Throws what the populations throw (LookaheadError ...).
  bool advance(SimTime until);

  /// Runs until `condition` holds at a check point (every `check_every`
  /// from now) or the run is over; returns whether it held. The scenario's
  /// own observations and stop_when still apply.
  bool advance_until(const Expression& condition, SimTime check_every);

  /// Values of every observable now, indexed as observable_names().
  std::vector<double> observe();
  /// Qualified names: "<population>.<observable>".
  const std::vector<std::string>& observable_names() const { return names_; }
  /// Resolves names in expressions against this session's observables.
  NameResolver resolver() const { return observable_resolver(names_); }
  /// Parses an expression over this session's observables. Throws ExpressionError.
  Expression expression(const std::string& text) const { return Expression::parse(text, resolver()); }

  /// A copy continuing on random streams re-derived from (seed, branch path
  /// + k): see Simulation::branch. It has no sinks; attach its own.
  RunSession branch(std::uint64_t k) const;

  /// Changes live parameter `key` of population `population` (its scenario
  /// name) to `value` (YAML text, with units as in the scenario file), from
  /// now on. Throws ScenarioError naming the value for an unknown population
  /// or key, a parameter the type does not mark live, or a value the
  /// scenario file would refuse.
  void set_live(const std::string& population, const std::string& key, const std::string& value);

  /// Ends the run at now(): populations emit their end-of-run rows, rows are
  /// flushed, and every sink commits with `base` plus the run's provenance.
  /// On an error every sink aborts and the error is rethrown.
  RunResult finish(const Provenance& base);
  /// Aborts every sink (nothing appears). Never throws.
  void abort() noexcept;

  SimTime now() const { return sim_.now(); }
  SimTime end() const { return SimTime{scenario_.duration}; }
  /// The end of the run was reached, or stop_when held.
  bool over() const { return stopped_ || !(sim_.now() < end()); }
  /// Why the run ended before its duration ("" if it did not).
  const std::string& stop_reason() const { return stop_reason_; }
  const Scenario& scenario() const { return scenario_; }
  const RunPlan& plan() const { return plan_; }
  const Simulation& simulation() const { return sim_; }
  Simulation& simulation() { return sim_; }

  /// Writes the session's state into `ar` (scenario text, plan, observation
  /// cursor, live changes, rows written per table, simulation). Rows already
  /// handed to sinks are not included: snapshot_sinks() saves those.
  void save_state(StateArchive& ar);
  /// Flushes every row to the sinks and has sink i snapshot its dataset into
  /// `dir`/sink<i> (created). Throws DataError.
  void snapshot_sinks(const std::string& dir);
  /// Rebuilds a session from a state written by save_state; with `ranks`, as
  /// this rank's share of a run partitioned over them (Simulation::set_ranks).
  /// Throws CheckpointError for a state that does not fit, ScenarioError if
  /// its scenario no longer validates, UserError from set_ranks.
  static RunSession load_state(StateArchive& ar, const Registry& registry, unsigned threads = 0,
                               RankExchange* ranks = nullptr);

 private:
  void connect(std::vector<std::unique_ptr<TableSink>> sinks, const std::string* restore_dir);
  void run_to(double t);
  void record(double t);
  bool check_stop(double t);

  Scenario scenario_;
  const Registry* registry_;
  RunPlan plan_;
  Simulation sim_;
  std::vector<std::string> names_;
  std::vector<std::size_t> recorded_;  // indices into names_ the observe table records
  Expression stop_;
  double observe_every_ = 0.0;
  double check_every_ = 0.0;
  std::uint64_t next_observe_ = 0;  // index k of the next observation at k * observe_every_
  std::uint64_t next_check_ = 0;
  bool stopped_ = false;
  std::string stop_reason_;
  double stopped_at_ = 0.0;
  struct LiveChange {
    std::uint64_t population;
    std::string key;
    double value;
  };
  std::vector<LiveChange> live_;
  std::vector<TableSchema> extra_tables_;  // add_table's, appended after the others
  std::vector<std::uint64_t> restored_rows_;  // rows per output table written before a checkpoint
  std::string wall_start_;
  double wall_seconds_ = 0.0;
  std::unique_ptr<SinkFanout> fanout_;
  std::vector<std::unique_ptr<TableSink>> sinks_;
};

}  // namespace simulacra
