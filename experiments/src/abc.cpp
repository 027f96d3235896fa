#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <string>

#include "simulacra/engine/errors.hpp"
#include "simulacra/engine/state_archive.hpp"
#include "simulacra/experiments/cluster.hpp"
#include "abc_kernel.hpp"
#include "simulacra/experiments/calibrate.hpp"

namespace simulacra::calibrate {

std::vector<double> values_of(const Problem& p, const std::vector<double>& work) {
  std::vector<double> theta(work.size());
  for (std::size_t k = 0; k < work.size(); ++k) theta[k] = p.priors[k].value(work[k]);
  return theta;
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Median of the finite values (their mean if that is 0, else 1).
double scale_of(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return 1.0;
  std::sort(v.begin(), v.end());
  const double median = v[v.size() / 2];
  if (median > 0.0) return median;
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  return mean > 0.0 ? mean : 1.0;
}

}  // namespace

Simulator parallel_rows(RowSimulator row, EnsembleOptions ensemble) {
  ensemble.threads_per_job = 1;
  return [row = std::move(row), ensemble](const Matrix& local_thetas, const std::vector<std::uint64_t>& local_seeds) {
    // Across MPI ranks every rank simulates rank 0's batch, so the rows fit
    // rank 0's driver even where the others' floating-point work drifted.
    Matrix thetas = local_thetas;
    std::vector<std::uint64_t> seeds = local_seeds;
    cluster::same_as_rank0(thetas, seeds);
    const cluster::DistributedResult ran =
        cluster::run_distributed(thetas.size(), ensemble, [&](std::size_t i, unsigned) {
          std::vector<double> r = row(thetas[i], seeds[i]);
          StateArchive out;
          out.io(r);
          return out.bytes();
        });
    ran.result.rethrow_first_error();
    Matrix out(thetas.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      StateArchive in(ran.payloads[i]);
      in.io(out[i]);
    }
    return out;
  };
}

std::uint64_t simulation_seed(std::uint64_t seed, std::uint64_t index, std::size_t replicate) {
  const std::uint64_t s = derive_seed(seed, index);
  return replicate == 0 ? s : derive_seed(s, replicate);
}

Matrix simulate_averaged(const Problem& problem, const Matrix& work, std::uint64_t first_index, std::uint64_t seed) {
  const std::size_t reps = std::max<std::size_t>(problem.replicates, 1);
  Matrix thetas;
  std::vector<std::uint64_t> seeds;
  for (std::size_t i = 0; i < work.size(); ++i) {
    const std::vector<double> theta = values_of(problem, work[i]);
    for (std::size_t r = 0; r < reps; ++r) {
      thetas.push_back(theta);
      seeds.push_back(simulation_seed(seed, first_index + i, r));
    }
  }
  const Matrix rows = problem.simulate(thetas, seeds);
  if (rows.size() != thetas.size()) {
    throw UserError("the simulator returned " + std::to_string(rows.size()) + " rows of summaries for " +
                    std::to_string(thetas.size()) + " parameter rows");
  }
  Matrix out(work.size());
  for (std::size_t i = 0; i < work.size(); ++i) {
    out[i].assign(rows[i * reps].size(), 0.0);
    for (std::size_t r = 0; r < reps; ++r) {
      const auto& row = rows[i * reps + r];
      if (row.size() != out[i].size() || (!rows.empty() && row.size() != rows[0].size())) {
        throw UserError("the simulator returned summary rows of different lengths");
      }
      for (std::size_t k = 0; k < row.size(); ++k) out[i][k] += row[k] / static_cast<double>(reps);
    }
  }
  return out;
}

std::vector<double> target_discrepancies(const Problem& problem, const std::vector<double>& summaries,
                                         const std::vector<double>& theta) {
  std::vector<double> d(problem.targets.size());
  for (std::size_t j = 0; j < problem.targets.size(); ++j) {
    const Target& t = problem.targets[j];
    std::vector<double> s(t.summaries.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (t.summaries[i] >= summaries.size()) {
        throw UserError("target '" + t.name + "' refers to summary " + std::to_string(t.summaries[i]) + " of " +
                        std::to_string(summaries.size()));
      }
      s[i] = summaries[t.summaries[i]];
    }
    const double v = t.model.discrepancy(s, t.observed, theta);
    d[j] = std::isnan(v) ? kInf : v;
  }
  return d;
}

void set_equal_weights(AbcResult& r, std::size_t targets) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  r.weights.assign(r.particles.size(), 1.0 / static_cast<double>(r.particles.size()));
  r.distances.assign(r.particles.size(), nan);
  r.scales.assign(targets, nan);
  r.contributions.assign(targets, nan);
}

double weighted_quantile(std::vector<double> values, const std::vector<double>& weights, double q) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return values[x] < values[y]; });
  double total = 0.0;
  for (double w : weights) total += w;
  double acc = 0.0;
  for (std::size_t i : order) {
    acc += weights[i];
    if (acc >= q * total) return values[i];
  }
  return values[order.back()];
}

AbcResult run_abc_smc(const Problem& problem, const AbcOptions& o, const AbcProgress& progress) {
  const auto& priors = problem.priors;
  if (priors.empty()) throw UserError("calibrate: nothing to fit");
  if (problem.targets.empty()) throw UserError("calibrate: no target to compare with");
  if (!problem.simulate) throw UserError("calibrate: no simulator");
  if (o.population < 10) throw UserError("calibrate: a population of at least 10 particles is needed");
  const std::size_t reps = std::max<std::size_t>(problem.replicates, 1);
  const std::size_t particle_budget = o.budget / reps;  // parameter vectors we may simulate
  if (particle_budget < 2 * o.population) {
    throw UserError("calibrate: the budget must allow at least two generations' worth of runs (" +
                    std::to_string(2 * o.population * reps) + " with these --population and --replicates)");
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t d = priors.size(), nt = problem.targets.size();
  RandomStream rng(derive_seed(o.seed, 0x616263), 0);  // "abc": proposals, in a fixed order
  AbcResult r;
  std::uint64_t sim_index = 0;
  std::size_t proposals_done = 0;

  // Raw per-target discrepancies of a batch of proposals (work coordinates).
  auto simulate = [&](const Matrix& work) {
    const Matrix summaries = simulate_averaged(problem, work, sim_index, o.seed);
    Matrix raw(work.size());
    for (std::size_t i = 0; i < work.size(); ++i) raw[i] = target_discrepancies(problem, summaries[i], values_of(problem, work[i]));
    sim_index += work.size();
    proposals_done += work.size();
    r.simulations += work.size() * reps;
    return raw;
  };
  auto scaled = [&](const std::vector<double>& raw, std::vector<double>* components) {
    double total = 0.0;
    for (std::size_t j = 0; j < nt; ++j) {
      const double c = raw[j] / r.scales[j];
      if (components != nullptr) components->push_back(c);
      total += c;
    }
    return total;
  };

  // Generation 0: the prior; targets scaled by their median discrepancy
  // there; keep the best `population` of population / quantile draws.
  const auto first_count = std::min<std::size_t>(
      particle_budget / 2, static_cast<std::size_t>(std::ceil(static_cast<double>(o.population) / o.quantile)));
  Matrix work(first_count, std::vector<double>(d));
  for (auto& w : work) {
    for (std::size_t k = 0; k < d; ++k) w[k] = priors[k].sample_work(rng);
  }
  const Matrix raw0 = simulate(work);
  r.scales.resize(nt);
  for (std::size_t j = 0; j < nt; ++j) {
    std::vector<double> col;
    for (const auto& row : raw0) col.push_back(row[j]);
    r.scales[j] = scale_of(col);
  }
  std::vector<double> dist(first_count);
  Matrix comps(first_count);
  for (std::size_t i = 0; i < first_count; ++i) dist[i] = scaled(raw0[i], &comps[i]);
  std::vector<std::size_t> order(first_count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return dist[x] < dist[y]; });
  order.resize(o.population);
  Matrix particles, components;
  std::vector<double> weights(o.population, 1.0 / static_cast<double>(o.population)), distances;
  for (std::size_t i : order) {
    particles.push_back(work[i]);
    distances.push_back(dist[i]);
    components.push_back(comps[i]);
  }
  if (!std::isfinite(distances.back())) {
    throw UserError("calibrate: fewer than " + std::to_string(o.population) + " of " + std::to_string(first_count) +
                    " prior draws give a finite distance (is an observation model impossible for the data?)");
  }
  r.generations.push_back(Generation{distances.back(), first_count * reps, o.population, static_cast<double>(o.population)});
  if (progress) progress(r.generations.back(), r.simulations);

  while (proposals_done < particle_budget) {
    const double eps = weighted_quantile(distances, std::vector<double>(distances.size(), 1.0), o.quantile);
    const PerturbationKernel kernel(particles, weights, distances, eps);
    std::vector<double> cumulative(weights.size());
    std::partial_sum(weights.begin(), weights.end(), cumulative.begin());
    Matrix next, next_comps;
    std::vector<double> next_dist;
    std::size_t proposed = 0;
    while (next.size() < o.population && proposals_done < particle_budget) {
      const std::size_t batch = std::min(o.batch, particle_budget - proposals_done);
      Matrix props;
      while (props.size() < batch) {
        const double u = rng.uniform() * cumulative.back();
        const auto j = std::min(
            static_cast<std::size_t>(std::lower_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin()),
            particles.size() - 1);
        std::vector<double> p = kernel.perturb(j, rng);
        bool inside = true;
        for (std::size_t k = 0; k < d; ++k) inside = inside && priors[k].log_density(p[k]) > -kInf;
        if (inside) props.push_back(std::move(p));
      }
      const Matrix raw = simulate(props);
      proposed += props.size();
      for (std::size_t i = 0; i < props.size() && next.size() < o.population; ++i) {
        std::vector<double> c;
        const double dd = scaled(raw[i], &c);
        if (dd <= eps) {
          next.push_back(props[i]);
          next_dist.push_back(dd);
          next_comps.push_back(std::move(c));
        }
      }
    }
    const double acceptance = static_cast<double>(next.size()) / static_cast<double>(std::max<std::size_t>(proposed, 1));
    if (next.size() < o.population) break;  // budget spent mid-generation: keep the last full one
    // Importance weights: prior / mixture of the kernels around the previous
    // particles, in logs (the kernels are narrow late in the run).
    std::vector<double> w(next.size());
    double max_log = -kInf;
    for (std::size_t i = 0; i < next.size(); ++i) {
      double prior = 0.0;
      for (std::size_t k = 0; k < d; ++k) prior += priors[k].log_density(next[i][k]);
      w[i] = prior - kernel.log_mixture_density(next[i]);
      max_log = std::max(max_log, w[i]);
    }
    for (auto& x : w) x = std::exp(x - max_log);
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    double ess_den = 0.0;
    for (auto& x : w) {
      x /= total;
      ess_den += x * x;
    }
    particles = std::move(next);
    distances = std::move(next_dist);
    components = std::move(next_comps);
    weights = std::move(w);
    r.generations.push_back(Generation{eps, proposed * reps, particles.size(), 1.0 / ess_den});
    if (progress) progress(r.generations.back(), r.simulations);
    if (acceptance < o.min_acceptance) break;
  }
  for (const auto& p : particles) r.particles.push_back(values_of(problem, p));
  r.weights = weights;
  r.distances = distances;
  r.components = components;
  r.contributions.assign(nt, 0.0);
  double mean_distance = 0.0;
  for (std::size_t i = 0; i < particles.size(); ++i) {
    mean_distance += weights[i] * distances[i];
    for (std::size_t j = 0; j < nt; ++j) r.contributions[j] += weights[i] * components[i][j];
  }
  for (auto& c : r.contributions) c = mean_distance > 0.0 ? c / mean_distance : 1.0 / static_cast<double>(nt);
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace simulacra::calibrate
