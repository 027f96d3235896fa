#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "simulacra/engine/state_archive.hpp"
#include "simulacra/experiments/cluster.hpp"
#include "simulacra/experiments/rare.hpp"

namespace simulacra::rare {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kGrid = 161;

struct Sample {
  bool hit = false;
  double max_score = -kInf;
  double end_time = 0.0;
  double log_weight = 0.0;       // ℓ(nominal) − ℓ(tilt)
  std::vector<double> ll;        // ℓ at each grid value
  std::uint64_t events = 0;
  std::uint64_t key = 0;
};

void io_sample(StateArchive& ar, Sample& s) {
  ar.io(s.hit);
  ar.io(s.max_score);
  ar.io(s.end_time);
  ar.io(s.log_weight);
  ar.io(s.ll);
  ar.io(s.events);
  ar.io(s.key);
}

// The values the cross-entropy search may take: log-spaced when the range is
// positive, else evenly spaced.
std::vector<double> grid_of(const Tilt& t) {
  std::vector<double> g(kGrid);
  const bool log_scale = t.low > 0.0;
  for (std::size_t i = 0; i < kGrid; ++i) {
    const double u = static_cast<double>(i) / static_cast<double>(kGrid - 1);
    g[i] = log_scale ? std::exp(std::log(t.low) + u * (std::log(t.high) - std::log(t.low))) : t.low + u * (t.high - t.low);
  }
  return g;
}

Sample run_one(const RunSession& root, const EventSpec& spec, const Tilt& tilt, double value, std::uint64_t key,
               const std::vector<double>& grid) {
  Sample out;
  out.key = key;
  RunSession s(root);
  s.simulation().branch(key);
  s.simulation().set_live(tilt.population, tilt.key, value);
  auto look = [&] {
    const std::vector<double> v = s.observe();
    const double t = s.now().value;
    if (spec.event.holds(v, t)) {
      out.hit = true;
      out.max_score = kInf;
    } else {
      out.max_score = std::max(out.max_score, spec.score.evaluate(v, t));
    }
  };
  look();
  std::uint64_t k = 0;
  while (!out.hit && !s.over()) {
    ++k;
    s.advance(SimTime{static_cast<double>(k) * spec.every});
    look();
  }
  out.end_time = s.now().value;
  out.events = s.simulation().committed_events();
  const auto& sim = s.simulation();
  const auto at_nominal = sim.log_likelihood(tilt.population, tilt.key, tilt.nominal);
  const auto at_value = sim.log_likelihood(tilt.population, tilt.key, value);
  if (!at_nominal || !at_value) throw std::logic_error("log_likelihood vanished after a probe");
  out.log_weight = *at_nominal - *at_value;
  out.ll.reserve(grid.size());
  for (double g : grid) out.ll.push_back(*sim.log_likelihood(tilt.population, tilt.key, g));
  return out;
}

std::vector<Sample> run_stage(const RunSession& root, const EventSpec& spec, const Tilt& tilt, double value,
                              std::size_t count, std::uint64_t first_key, const std::vector<double>& grid,
                              const EnsembleOptions& ens) {
  std::vector<Sample> out(count);
  EnsembleOptions o = ens;
  o.threads_per_job = 1;
  // Over every MPI rank; each sample comes back to every rank as bytes.
  const cluster::DistributedResult ran = cluster::run_distributed(count, o, [&](std::size_t i, unsigned) {
    Sample sample = run_one(root, spec, tilt, value, first_key + i, grid);
    StateArchive ar;
    io_sample(ar, sample);
    return ar.bytes();
  });
  ran.result.rethrow_first_error();
  for (std::size_t i = 0; i < count; ++i) {
    StateArchive ar(ran.payloads[i]);
    io_sample(ar, out[i]);
  }
  return out;
}

// argmax over the grid of Σ_elite w ℓ(θ), refined by a parabola through the
// best grid point and its neighbours.
double cross_entropy_update(const std::vector<Sample>& stage, const std::vector<bool>& elite,
                            const std::vector<double>& grid, const Tilt& tilt) {
  // Weights relative to the largest, for numerical range.
  double top = -kInf;
  for (std::size_t i = 0; i < stage.size(); ++i) {
    if (elite[i]) top = std::max(top, stage[i].log_weight);
  }
  std::vector<double> objective(grid.size(), 0.0);
  for (std::size_t i = 0; i < stage.size(); ++i) {
    if (!elite[i]) continue;
    const double w = std::exp(stage[i].log_weight - top);
    if (w == 0.0) continue;  // 0 × (−inf) would be NaN
    for (std::size_t g = 0; g < grid.size(); ++g) objective[g] += w * stage[i].ll[g];
  }
  for (double& v : objective) {
    if (std::isnan(v)) v = -kInf;
  }
  const auto best = static_cast<std::size_t>(std::max_element(objective.begin(), objective.end()) - objective.begin());
  if (best == 0 || best + 1 == grid.size()) return grid[best];
  const bool log_scale = tilt.low > 0.0;
  auto x = [&](std::size_t g) { return log_scale ? std::log(grid[g]) : grid[g]; };
  const double x0 = x(best - 1), x1 = x(best), x2 = x(best + 1);
  const double y0 = objective[best - 1], y1 = objective[best], y2 = objective[best + 1];
  const double denom = (x0 - x1) * (x0 - x2) * (x1 - x2);
  const double a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / denom;
  const double b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / denom;
  double xm = a < 0.0 ? -b / (2.0 * a) : x1;
  xm = std::clamp(xm, x0, x2);
  return log_scale ? std::exp(xm) : xm;
}

}  // namespace

ImportanceResult run_importance(const RunSession& root, const EventSpec& spec, const Tilt& tilt,
                                const ImportanceOptions& options, const AmsProgress& progress) {
  if (!root.simulation().log_likelihood(tilt.population, tilt.key, tilt.nominal)) {
    throw UserError("importance sampling: population type '" + root.simulation().population(tilt.population).type_name() +
                    "' gives no likelihood ratio for '" + tilt.key + "', so its runs cannot be weighted");
  }
  if (!(tilt.low < tilt.high) || !(tilt.nominal >= tilt.low && tilt.nominal <= tilt.high)) {
    throw UserError("importance sampling: the range of '" + tilt.key + "' must contain its value");
  }
  if (options.stage_samples < 10 || options.samples < 2) throw UserError("importance sampling: too few runs per stage");
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<double> grid = grid_of(tilt);
  ImportanceResult result;
  double value = tilt.nominal;
  result.stage_tilts.push_back(value);
  std::uint64_t key = 0;
  std::uint64_t events = 0, plain_events = 0;
  std::size_t plain_runs = 0;
  bool ready = false;
  for (std::size_t stage = 0; stage < options.max_stages && !ready; ++stage) {
    const std::vector<Sample> runs = run_stage(root, spec, tilt, value, options.stage_samples, key, grid, options.ensemble);
    key += options.stage_samples;
    for (const auto& r : runs) events += r.events;
    if (stage == 0) {
      for (const auto& r : runs) plain_events += r.events;
      plain_runs = runs.size();
    }
    std::vector<double> maxima;
    for (const auto& r : runs) maxima.push_back(r.max_score);
    std::sort(maxima.begin(), maxima.end());
    const auto at = static_cast<std::size_t>(std::floor((1.0 - options.elite) * static_cast<double>(maxima.size())));
    double level = maxima[std::min(at, maxima.size() - 1)];
    // Enough runs reached the event to set the final tilt from them alone
    // (the best tilt may give the event less often than the elite share).
    const auto hits = static_cast<std::size_t>(std::count(maxima.begin(), maxima.end(), kInf));
    const std::size_t enough = std::max<std::size_t>(10, static_cast<std::size_t>(options.elite * static_cast<double>(runs.size()) / 5.0));
    if (hits >= enough) level = kInf;
    ready = level == kInf;
    if (!ready && maxima.front() == maxima.back()) {
      throw UserError("importance sampling: the score \"" + spec.score.text() + "\" never moved: all " +
                      std::to_string(runs.size()) + " runs of stage " + std::to_string(stage + 1) + " reached " +
                      std::to_string(level) + " at most, so no tilt can be chosen; give a --score that grows toward \"" +
                      spec.event.text() + "\"");
    }
    // Ties at the level (a score in whole steps, such as a count) would make
    // nearly every run elite and the tilt stand still: then only the runs
    // strictly above it are elite.
    const auto at_least = static_cast<double>(std::count_if(maxima.begin(), maxima.end(), [&](double m) { return m >= level; }));
    const bool strict = !ready && at_least > 2.0 * options.elite * static_cast<double>(runs.size()) && level < maxima.back();
    std::vector<bool> elite(runs.size());
    for (std::size_t i = 0; i < runs.size(); ++i) elite[i] = strict ? runs[i].max_score > level : runs[i].max_score >= level;
    value = cross_entropy_update(runs, elite, grid, tilt);
    result.stage_tilts.push_back(value);
    if (progress) progress(0, stage + 1, level, value);
  }
  if (!ready) {
    throw UserError("importance sampling: after " + std::to_string(options.max_stages) + " stages too few runs reach \"" +
                    spec.event.text() + "\" with '" + tilt.key + "' at " + std::to_string(value) +
                    " (its range ends at " + std::to_string(tilt.high) + ")");
  }

  const std::vector<Sample> runs = run_stage(root, spec, tilt, value, options.samples, key, grid, options.ensemble);
  const auto n = static_cast<double>(runs.size());
  double sum = 0.0, sum2 = 0.0, wsum = 0.0, wsum2 = 0.0;
  AmsResult& r = result.summary;
  for (const auto& s : runs) {
    events += s.events;
    const double w = std::exp(s.log_weight);
    const double x = s.hit ? w : 0.0;
    sum += x;
    sum2 += x * x;
    wsum += w;
    wsum2 += w * w;
    FinalParticle f;
    f.lineage.times.push_back(0.0);
    f.lineage.keys.push_back(s.key);
    f.hit = s.hit;
    f.end_time = s.end_time;
    f.max_score = s.max_score;
    f.weight = w / n;
    f.tilted = true;
    f.tilt_population = tilt.population;
    f.tilt_key = tilt.key;
    f.tilt_value = value;
    r.finals.push_back(std::move(f));
  }
  r.estimate = sum / n;
  r.std_error = std::sqrt(std::max(0.0, sum2 / n - r.estimate * r.estimate) / (n - 1.0));
  r.relative_error = r.estimate > 0.0 ? r.std_error / r.estimate : 0.0;
  r.ci_low = std::max(0.0, r.estimate - 1.96 * r.std_error);
  r.ci_high = r.estimate + 1.96 * r.std_error;
  r.events = events;
  r.events_per_plain_run = static_cast<double>(plain_events) / static_cast<double>(plain_runs);
  if (r.events_per_plain_run > 0.0) r.crude_runs = static_cast<double>(events) / r.events_per_plain_run;
  if (r.std_error > 0.0 && r.crude_runs > 0.0) {
    r.gain = r.estimate * (1.0 - r.estimate) / r.crude_runs / (r.std_error * r.std_error);
  }
  result.tilt = value;
  result.mean_weight = wsum / n;
  result.mean_weight_se = std::sqrt(std::max(0.0, wsum2 / n - result.mean_weight * result.mean_weight) / (n - 1.0));
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace simulacra::rare
