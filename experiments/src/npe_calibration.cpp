#include "simulacra/experiments/npe_calibration.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "simulacra/engine/errors.hpp"

namespace simulacra::calibrate {

namespace {

// The prior's support in work coordinates: a box the NPE draws must fall in.
Support support_of(const Prior& p) {
  const auto [low, high] = p.work_bounds();
  return Support{low, high};
}

// What the network sees of a summary: counts (a target with a count
// observation model) on a log scale, log(1 + y), so that a series spanning
// 0 to thousands reaches it with comparable spread at every point.
double feature(const Target& t, double v) {
  return t.model.kind == ObservationModel::Kind::exact ? v : std::log1p(std::max(v, 0.0));
}

// The network's input for one simulation: every target's summaries drawn
// through its observation model, as features.
std::vector<double> features_of(const Problem& problem, const std::vector<double>& summaries,
                                const std::vector<double>& values, RandomStream& noise) {
  std::vector<double> features;
  for (const auto& t : problem.targets) {
    std::vector<double> sim;
    for (const std::size_t s : t.summaries) sim.push_back(summaries[s]);
    for (const double v : t.model.sample(sim, values, noise)) features.push_back(std::isfinite(v) ? feature(t, v) : v);
  }
  return features;
}

// Simulates rows of `work` (work coordinates) in batches of o.batch,
// simulation i of the call with the seeds of index first_index + i, and
// returns each row's features (non-finite where a summary was not a number);
// counts the runs into r.simulations and reports progress after each batch.
Matrix simulate_features(const Problem& problem, const Matrix& work, std::uint64_t first_index,
                         const NpeCalibrationOptions& o, RandomStream& noise, AbcResult& r,
                         const std::function<void(std::size_t)>& progress) {
  const std::size_t reps = std::max<std::size_t>(problem.replicates, 1);
  Matrix out;
  for (std::size_t first = 0; first < work.size(); first += o.batch) {
    const std::size_t m = std::min(o.batch, work.size() - first);
    const Matrix chunk(work.begin() + std::ptrdiff_t(first), work.begin() + std::ptrdiff_t(first + m));
    const Matrix summaries = simulate_averaged(problem, chunk, first_index + first, o.seed);
    for (std::size_t i = 0; i < m; ++i) out.push_back(features_of(problem, summaries[i], values_of(problem, chunk[i]), noise));
    r.simulations += m * reps;
    if (progress) progress(r.simulations);
  }
  return out;
}

bool all_finite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

std::vector<Support> supports_of(const Problem& problem) {
  std::vector<Support> support;
  for (const auto& p : problem.priors) support.push_back(support_of(p));
  return support;
}

std::vector<double> observed_features(const Problem& problem) {
  std::vector<double> observed;
  for (const auto& t : problem.targets) {
    for (const double y : t.observed) observed.push_back(feature(t, y));
  }
  return observed;
}

// The network's options for this problem: every target with at least
// o.summary_net_min_length values becomes a series with learned summaries.
NpeOptions network_options(const Problem& problem, const NpeCalibrationOptions& o) {
  NpeOptions npe = o.npe;
  std::size_t at = 0;
  for (const auto& t : problem.targets) {
    const std::size_t n = t.observed.size();
    if (o.summary_net_min_length > 0 && n >= std::max<std::size_t>(o.summary_net_min_length, 8)) {
      npe.series.push_back(learned::SeriesColumns{at, n});
    }
    at += n;
  }
  return npe;
}

// The posterior draws of the fitted q(θ | x_obs), equal weights.
AbcResult finish(const Problem& problem, const NpeModel& model, const std::vector<double>& observed,
                 const NpeCalibrationOptions& o, AbcResult r, std::chrono::steady_clock::time_point t0) {
  for (const auto& w : model.sample(observed, o.draws, derive_seed(o.seed, 0x647261))) {
    r.particles.push_back(values_of(problem, w));
  }
  set_equal_weights(r, problem.targets.size());
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

AbcResult one_round(const Problem& problem, const NpeCalibrationOptions& o,
                    const std::function<void(std::size_t)>& progress) {
  const std::size_t reps = std::max<std::size_t>(problem.replicates, 1);
  const std::size_t n = o.budget / reps;
  if (n < 100) {
    throw UserError("calibrate --method npe: the budget must allow at least 100 parameter vectors (" +
                    std::to_string(100 * reps) + " runs with these --replicates)");
  }
  if (o.draws == 0) throw UserError("calibrate --method npe: --draws must be at least 1");
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t d = problem.priors.size();
  RandomStream rng(derive_seed(o.seed, 0x6e7065), 0);       // "npe": prior draws, in a fixed order
  RandomStream noise(derive_seed(o.seed, 0x6e6f6973), 0);   // observation-model draws
  AbcResult r;
  Matrix theta, x;
  theta.reserve(n);
  x.reserve(n);
  // Prior draws in one fixed order, then their simulations in batches.
  Matrix work(n, std::vector<double>(d));
  for (auto& row : work) {
    for (std::size_t k = 0; k < d; ++k) row[k] = problem.priors[k].sample_work(rng);
  }
  Matrix features = simulate_features(problem, work, 0, o, noise, r, progress);
  for (std::size_t i = 0; i < n; ++i) {
    // A simulation whose summaries are not numbers teaches nothing.
    if (!all_finite(features[i])) continue;
    theta.push_back(std::move(work[i]));
    x.push_back(std::move(features[i]));
  }
  if (theta.size() < n / 2) {
    throw UserError("calibrate --method npe: " + std::to_string(n - theta.size()) + " of " + std::to_string(n) +
                    " simulations gave summaries that are not numbers");
  }
  const std::vector<double> observed = observed_features(problem);
  const std::vector<Support> support = supports_of(problem);
  NpeOptions npe = network_options(problem, o);
  npe.seed = derive_seed(o.seed, 0x666974);  // "fit"
  const NpeModel model = fit_npe(theta, x, support, npe);
  return finish(problem, model, observed, o, std::move(r), t0);
}

}  // namespace

AbcResult run_npe_calibration(const Problem& problem, const NpeCalibrationOptions& o,
                              const std::function<void(std::size_t)>& progress) {
  if (o.rounds <= 1) return one_round(problem, o, progress);
  const std::size_t reps = std::max<std::size_t>(problem.replicates, 1);
  const std::size_t per_round = o.budget / reps / o.rounds;
  if (per_round < 100) {
    throw UserError("calibrate --method npe: the budget must allow at least 100 parameter vectors per round (" +
                    std::to_string(100 * reps * o.rounds) + " runs with these --replicates and --rounds)");
  }
  if (o.draws == 0) throw UserError("calibrate --method npe: --draws must be at least 1");
  const auto t0 = std::chrono::steady_clock::now();
  AbcResult r;
  RandomStream noise(derive_seed(o.seed, 0x6e6f6973), 0);  // observation-model draws, in simulation order
  std::uint64_t index = 0;
  // Work coordinates in, features out, as in one round; simulation seeds
  // follow the calibration's own count, not the rounds' seeds.
  const BatchSimulator simulate = [&](const Matrix& work, const std::vector<std::uint64_t>&) {
    Matrix out = simulate_features(problem, work, index, o, noise, r, progress);
    index += work.size();
    for (const auto& f : out) {
      if (!all_finite(f)) {
        throw UserError("calibrate --method npe --rounds: a simulation gave summaries that are not numbers "
                        "(only one round can leave such simulations out)");
      }
    }
    return out;
  };
  const std::vector<Support> support = supports_of(problem);
  const PriorSampler prior = [&](RandomStream& rng) {
    std::vector<double> w;
    for (const auto& p : problem.priors) w.push_back(p.sample_work(rng));
    return w;
  };
  SequentialNpeOptions so;
  so.rounds = o.rounds;
  so.simulations_per_round = per_round;
  so.seed = derive_seed(o.seed, 0x736571);  // "seq"
  so.npe = network_options(problem, o);
  const std::vector<double> observed = observed_features(problem);
  SequentialNpeResult seq = run_sequential_npe(prior, support, simulate, observed, so);
  return finish(problem, seq.model, observed, o, std::move(r), t0);
}

}  // namespace simulacra::calibrate
