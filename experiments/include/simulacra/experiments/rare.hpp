// Rare-event sampling on branched run sessions: adaptive multilevel
// splitting (AMS). A particle is a run; its score (an expression over
// observables) is checked every `every` seconds; the event is a condition.
// Each iteration kills the particles whose highest score is at or below the
// k-th lowest, and replaces each by a branch of a survivor taken at the
// first check where the survivor's score exceeded that level, continuing on
// its own re-derived random streams. The probability estimate
// Π(1 − K_j/N) · (hits/N) is unbiased (ties killed together, as in
// generalised AMS); independent batches give its error and interval.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "simulacra/engine/ensemble.hpp"
#include "simulacra/engine/expression.hpp"
#include "simulacra/engine/run_session.hpp"

namespace simulacra::rare {

/// What is rare, and what leads toward it.
struct EventSpec {
  Expression event;   ///< the rare event: holds once reached
  Expression score;   ///< importance function: grows toward the event
  double every = 1.0; ///< seconds between checks of event and score
};

struct AmsOptions {
  std::size_t particles = 100;   ///< N per batch
  std::size_t batches = 10;      ///< independent AMS runs (error and interval from their spread)
  std::size_t kill = 0;          ///< k: kill at least the k lowest per iteration; 0: max(1, N/10)
  std::size_t max_iterations = 1000000;
  /// Fixed-effort multilevel splitting instead: these score levels, in
  /// increasing order (each iteration kills the particles that never
  /// exceeded the next level). Empty: adaptive levels.
  std::vector<double> levels;
  /// Copies of each run kept where its score rose (at most this many per
  /// run, thinned evenly), so a branch at a crossing re-simulates only from
  /// the nearest copy before it. 0: keep only the run's start (least memory:
  /// for very large populations).
  std::size_t snapshots = 16;
  std::uint64_t seed = 0;        ///< survivor choices; the runs' own streams come from the scenario seed
  EnsembleOptions ensemble;      ///< jobs over the cores (each particle runs on one engine thread)
};

/// How a final particle was made: branch keys and the times they were taken,
/// from the plain run at t = 0. Replaying them gives the particle's whole run.
struct Lineage {
  std::vector<double> times;
  std::vector<std::uint64_t> keys;
};

struct FinalParticle {
  std::size_t batch = 0;
  /// Importance sampling: the run was simulated with live parameter
  /// `tilt_key` of population `tilt_population` set to `tilt_value` at t = 0.
  bool tilted = false;
  std::size_t tilt_population = 0;
  std::string tilt_key;
  double tilt_value = 0.0;
  Lineage lineage;
  bool hit = false;          ///< the event was reached
  double end_time = 0.0;     ///< when the particle's run ended (event, stop_when or duration)
  double max_score = 0.0;    ///< highest score seen (+inf once the event held)
  double weight = 0.0;       ///< its weight: over the event runs, weights sum to the probability estimate
};

struct BatchResult {
  double estimate = 0.0;
  std::size_t iterations = 0;
  std::uint64_t events = 0;        ///< engine events simulated, re-simulation for branching included
  std::uint64_t plain_events = 0;  ///< of the N plain runs that started the batch
  bool extinct = false;            ///< every particle fell at one level: estimate 0
};

struct AmsResult {
  double estimate = 0.0;        ///< mean over batches
  double std_error = 0.0;       ///< of the mean (sample standard deviation over batches / √batches)
  double relative_error = 0.0;  ///< std_error / estimate
  double ci_low = 0.0, ci_high = 0.0;  ///< 95 % Student-t interval over batches (low clipped at 0)
  std::uint64_t events = 0;     ///< engine events simulated in all
  double events_per_plain_run = 0.0;
  /// Crude Monte Carlo runs with the same simulated events, and the
  /// variance ratio at that cost: p(1−p)/runs / std_error².
  double crude_runs = 0.0;
  double gain = 0.0;
  double wall_seconds = 0.0;
  std::vector<BatchResult> batches;
  std::vector<FinalParticle> finals;  ///< every batch's final particles, batch by batch
};

/// After each iteration: batch, iteration, the level just passed, and the
/// batch's estimate so far (Π(1 − K/N)).
using AmsProgress = std::function<void(std::size_t batch, std::size_t iteration, double level, double weight)>;

/// Runs AMS from `root` (a session at t = 0, not advanced, no sinks).
/// Throws UserError if the score never moves (every particle ends at the same
/// score and none reaches the event: no level to split at), and what the
/// runs throw.
AmsResult run_ams(const RunSession& root, const EventSpec& spec, const AmsOptions& options,
                  const AmsProgress& progress = {});

/// Replays a final particle into `session` (a fresh session at t = 0, sinks
/// attached): advances to each branch time, branches in place, and advances to
/// the particle's end. The run is the particle's whole history.
void replay(RunSession& session, const FinalParticle& particle);

/// A live parameter to tilt for importance sampling, with its value in the
/// scenario and the range the cross-entropy search may use (base units).
struct Tilt {
  std::size_t population = 0;
  std::string key;
  double nominal = 0.0;
  double low = 0.0;
  double high = 0.0;
};

struct ImportanceOptions {
  std::size_t stage_samples = 1000;  ///< runs per cross-entropy stage
  double elite = 0.1;                ///< share of a stage's runs that set its level
  std::size_t max_stages = 30;
  std::size_t samples = 1000;        ///< runs of the final stage, which give the estimate
  EnsembleOptions ensemble;
};

struct ImportanceResult {
  AmsResult summary;                ///< estimate, error, interval (normal), events, gain, final runs with weights
  double tilt = 0.0;                ///< the value the final stage ran with
  std::vector<double> stage_tilts;  ///< the value of each cross-entropy stage, the nominal first
  double mean_weight = 0.0;         ///< over the final runs: 1 within error when the weights are right
  double mean_weight_se = 0.0;
};

/// Importance sampling with the cross-entropy method: stages of runs with
/// the tilted parameter, each moving it to maximise the weighted likelihood of
/// its elite runs (those with the highest scores, the event's once enough
/// reach it), then a final stage whose runs, weighted by the exact likelihood
/// ratio exp(ℓ(nominal) − ℓ(tilt)) of the draws the parameter governs, give
/// the estimate. Throws UserError if the population gives no likelihood for
/// the parameter, or if no stage gets the event within max_stages.
ImportanceResult run_importance(const RunSession& root, const EventSpec& spec, const Tilt& tilt,
                                const ImportanceOptions& options, const AmsProgress& progress = {});

/// 95 % two-sided Student-t quantile for `dof` degrees of freedom.
double t_quantile_975(std::size_t dof);

}  // namespace simulacra::rare
