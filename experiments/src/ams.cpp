#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>

#include "simulacra/engine/random.hpp"
#include "simulacra/engine/state_archive.hpp"
#include "simulacra/experiments/cluster.hpp"
#include "simulacra/experiments/rare.hpp"

namespace simulacra::rare {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Particle {
  // Copies of the run: at its birth, then where its score rose (time order).
  std::vector<std::pair<double, std::shared_ptr<const RunSession>>> snaps;
  Lineage lineage;
  std::vector<std::pair<double, double>> records;  // (time, score) where the running maximum rose
  double max_score = -kInf;
  bool hit = false;
  double end_time = 0.0;
};

// Runs `s` (a particle at its birth) to its end: the event, the session's end
// (duration or stop_when). Returns the engine events it committed.
std::uint64_t simulate(RunSession& s, Particle& p, const EventSpec& spec, std::size_t max_snaps) {
  const std::uint64_t start = s.simulation().committed_events();
  p.snaps.emplace_back(s.now().value, std::make_shared<const RunSession>(s));
  auto look = [&] {
    const std::vector<double> v = s.observe();
    const double t = s.now().value;
    if (spec.event.holds(v, t)) {
      p.hit = true;
      p.max_score = kInf;
      p.records.emplace_back(t, kInf);
      return;
    }
    const double score = spec.score.evaluate(v, t);
    if (score > p.max_score) {
      p.max_score = score;
      p.records.emplace_back(t, score);
      if (max_snaps > 0 && t > p.snaps.back().first) {
        p.snaps.emplace_back(t, std::make_shared<const RunSession>(s));
        if (p.snaps.size() > max_snaps + 1) {
          // Thin evenly, keeping the birth copy and the newest.
          std::vector<std::pair<double, std::shared_ptr<const RunSession>>> kept;
          for (std::size_t i = 0; i < p.snaps.size(); ++i) {
            if (i == 0 || i + 1 == p.snaps.size() || i % 2 == 0) kept.push_back(std::move(p.snaps[i]));
          }
          p.snaps = std::move(kept);
        }
      }
    }
  };
  look();
  auto k = static_cast<std::uint64_t>(std::floor(s.now().value / spec.every + 1e-9));
  while (!p.hit && !s.over()) {
    ++k;
    s.advance(SimTime{static_cast<double>(k) * spec.every});
    look();
  }
  p.end_time = s.now().value;
  return s.simulation().committed_events() - start;
}

// The first time `p`'s score exceeded `level`.
double crossing(const Particle& p, double level) {
  for (const auto& [t, score] : p.records) {
    if (score > level) return t;
  }
  throw std::logic_error("AMS: a survivor never crossed its level");
}

struct BatchOutput {
  BatchResult batch;
  std::vector<FinalParticle> finals;
};

void io_batch(StateArchive& ar, BatchOutput& o) {
  ar.io(o.batch.estimate);
  ar.io(o.batch.iterations);
  ar.io(o.batch.events);
  ar.io(o.batch.plain_events);
  ar.io(o.batch.extinct);
  ar.io_each(o.finals, [](StateArchive& a, FinalParticle& f) {
    a.io(f.batch);
    a.io(f.tilted);
    a.io(f.tilt_population);
    a.io(f.tilt_key);
    a.io(f.tilt_value);
    a.io(f.lineage.times);
    a.io(f.lineage.keys);
    a.io(f.hit);
    a.io(f.end_time);
    a.io(f.max_score);
    a.io(f.weight);
  });
}

// One independent AMS run (batch `b`): N plain runs, then splitting until
// the event or extinction; its particles run over `ens`'s local threads.
BatchOutput run_batch(const RunSession& root, const EventSpec& spec, const AmsOptions& options, std::size_t b,
                      std::size_t kill, const EnsembleOptions& ens, const AmsProgress& progress) {
  const std::size_t n = options.particles;
  BatchOutput out;
  BatchResult& batch = out.batch;
  std::vector<Particle> particles(n);
  std::vector<std::uint64_t> events(n, 0);
  // N plain runs, each on its own streams.
  run_ensemble(n, ens, [&](std::size_t i, unsigned) {
    RunSession s(root);
    const std::uint64_t key = b * n + i;
    s.simulation().branch(key);
    particles[i].lineage.times.push_back(0.0);
    particles[i].lineage.keys.push_back(key);
    events[i] = simulate(s, particles[i], spec, options.snapshots);
  }).rethrow_first_error();
  for (auto e : events) batch.plain_events += e;
  batch.events = batch.plain_events;

  RandomStream pick(derive_seed(options.seed ^ root.plan().seed, b), 0x616d73);  // "ams"
  std::uint64_t next_key = (static_cast<std::uint64_t>(b) + 1) << 40;
  double weight = 1.0;
  std::size_t iteration = 0;
  const bool fixed = !options.levels.empty();
  for (; iteration < options.max_iterations; ++iteration) {
    double level = 0.0;
    if (fixed) {
      if (iteration == options.levels.size()) break;
      level = options.levels[iteration];
    } else {
      std::vector<double> maxima;
      for (const auto& p : particles) maxima.push_back(p.max_score);
      std::nth_element(maxima.begin(), maxima.begin() + static_cast<std::ptrdiff_t>(kill - 1), maxima.end());
      level = maxima[kill - 1];
      if (level == kInf) break;  // at least N - k + 1 particles reached the event
    }
    std::vector<std::size_t> killed, survivors;
    for (std::size_t i = 0; i < n; ++i) (particles[i].max_score <= level ? killed : survivors).push_back(i);
    if (killed.empty()) continue;  // a fixed level every particle passed
    if (survivors.empty()) {
      if (iteration == 0 && !fixed) {
        throw UserError("rare: the score \"" + spec.score.text() + "\" never moved: all " + std::to_string(n) +
                        " runs ended at score " + std::to_string(level) +
                        " without the event; choose a score that grows toward the event");
      }
      batch.extinct = true;
      weight = 0.0;
      break;
    }
    weight *= 1.0 - static_cast<double>(killed.size()) / static_cast<double>(n);
    // Choices first, in a fixed order: the result does not depend on threads.
    std::vector<std::size_t> parent(killed.size());
    std::vector<std::uint64_t> keys(killed.size());
    for (std::size_t j = 0; j < killed.size(); ++j) {
      parent[j] = survivors[pick.below(survivors.size())];
      keys[j] = next_key++;
    }
    std::vector<Particle> born(killed.size());
    std::vector<std::uint64_t> cost(killed.size(), 0);
    run_ensemble(killed.size(), ens, [&](std::size_t j, unsigned) {
      const Particle& from = particles[parent[j]];
      const double at = crossing(from, level);
      // The newest copy at or before the crossing.
      auto snap = from.snaps.begin();
      for (auto it = from.snaps.begin(); it != from.snaps.end() && it->first <= at; ++it) snap = it;
      RunSession s(*snap->second);
      const std::uint64_t before = s.simulation().committed_events();
      s.advance(SimTime{at});
      const std::uint64_t replayed = s.simulation().committed_events() - before;
      s.simulation().branch(keys[j]);
      Particle& p = born[j];
      p.lineage = from.lineage;
      p.lineage.times.push_back(at);
      p.lineage.keys.push_back(keys[j]);
      cost[j] = replayed + simulate(s, p, spec, options.snapshots);
    }).rethrow_first_error();
    for (std::size_t j = 0; j < killed.size(); ++j) {
      particles[killed[j]] = std::move(born[j]);
      batch.events += cost[j];
    }
    if (progress) progress(b, iteration + 1, level, weight);
  }
  if (iteration == options.max_iterations && !fixed) {
    throw UserError("rare: batch " + std::to_string(b) + " did not reach the event in " +
                    std::to_string(options.max_iterations) + " iterations");
  }
  batch.iterations = iteration;
  std::size_t hits = 0;
  for (const auto& p : particles) hits += p.hit ? 1 : 0;
  batch.estimate = weight * static_cast<double>(hits) / static_cast<double>(n);
  for (auto& p : particles) {
    FinalParticle f;
    f.batch = b;
    f.lineage = std::move(p.lineage);
    f.hit = p.hit;
    f.end_time = p.end_time;
    f.max_score = p.max_score;
    f.weight = weight / static_cast<double>(n) / static_cast<double>(options.batches);
    out.finals.push_back(std::move(f));
  }
  return out;
}

}  // namespace

AmsResult run_ams(const RunSession& root, const EventSpec& spec, const AmsOptions& options,
                  const AmsProgress& progress) {
  if (options.particles < 2) throw UserError("rare: at least 2 particles per batch are needed");
  if (options.batches < 1) throw UserError("rare: at least 1 batch is needed");
  if (!(spec.every > 0.0)) throw UserError("rare: the check interval must be positive");
  if (!std::is_sorted(options.levels.begin(), options.levels.end())) throw UserError("rare: --levels must increase");
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t n = options.particles;
  const std::size_t kill = options.kill != 0 ? std::min(options.kill, n - 1) : std::max<std::size_t>(1, n / 10);
  EnsembleOptions ens = options.ensemble;
  ens.threads_per_job = 1;
  ens.stop_on_failure = true;

  // Batches are independent: across MPI ranks each rank runs whole batches
  // (one at a time, its particles over its own cores) and every rank gets
  // every batch's result.
  EnsembleOptions per_rank;
  per_rank.jobs = 1;
  const cluster::DistributedResult ran =
      cluster::run_distributed(options.batches, per_rank, [&](std::size_t b, unsigned) {
        BatchOutput o = run_batch(root, spec, options, b, kill, ens, progress);
        StateArchive ar;
        io_batch(ar, o);
        return ar.bytes();
      });
  ran.result.rethrow_first_error();
  AmsResult result;
  std::uint64_t plain_events = 0;
  for (std::size_t b = 0; b < options.batches; ++b) {
    BatchOutput o;
    StateArchive ar(ran.payloads[b]);
    io_batch(ar, o);
    plain_events += o.batch.plain_events;
    result.events += o.batch.events;
    result.batches.push_back(o.batch);
    for (auto& f : o.finals) result.finals.push_back(std::move(f));
  }

  const auto m = static_cast<double>(result.batches.size());
  double sum = 0.0;
  for (const auto& b : result.batches) sum += b.estimate;
  result.estimate = sum / m;
  double ss = 0.0;
  for (const auto& b : result.batches) ss += (b.estimate - result.estimate) * (b.estimate - result.estimate);
  const double sd = result.batches.size() > 1 ? std::sqrt(ss / (m - 1.0)) : 0.0;
  result.std_error = sd / std::sqrt(m);
  result.relative_error = result.estimate > 0.0 ? result.std_error / result.estimate : 0.0;
  const double half = result.batches.size() > 1 ? t_quantile_975(result.batches.size() - 1) * result.std_error : 0.0;
  result.ci_low = std::max(0.0, result.estimate - half);
  result.ci_high = result.estimate + half;
  result.events_per_plain_run = static_cast<double>(plain_events) / (m * static_cast<double>(n));
  if (result.events_per_plain_run > 0.0) result.crude_runs = static_cast<double>(result.events) / result.events_per_plain_run;
  if (result.std_error > 0.0 && result.crude_runs > 0.0) {
    const double p = result.estimate;
    result.gain = p * (1.0 - p) / result.crude_runs / (result.std_error * result.std_error);
  }
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

void replay(RunSession& session, const FinalParticle& particle) {
  if (particle.tilted) session.simulation().set_live(particle.tilt_population, particle.tilt_key, particle.tilt_value);
  for (std::size_t i = 0; i < particle.lineage.times.size(); ++i) {
    session.advance(SimTime{particle.lineage.times[i]});
    session.simulation().branch(particle.lineage.keys[i]);
  }
  session.advance(SimTime{particle.end_time});
}

}  // namespace simulacra::rare
