// The traffic population's likelihood of the distraction draws
// (TrafficPopulation::log_likelihood over distraction_rate), which weights
// importance-sampled runs: exact Bernoulli trials counted on a run, weights
// that average to 1 under a tilt, weighted means that are the nominal means,
// a restart at a live change, and the same figures after a checkpoint.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "run_helpers.hpp"
#include "simulacra/engine/state_archive.hpp"

using namespace traffic_test;

namespace {

constexpr double kEnd = 30.0;

// A two-lane corridor with on-ramps and distracted drivers: a few dozen
// vehicles, six distraction episodes in 30 s at 60 per driving hour.
TrafficParams corridor() {
  TrafficParams p;
  p.network = "corridor";
  p.corridor.speed_limit = 33.33;  // a motorway (the struct's default is 50 km/h)
  p.corridor.ramp_speed_limit = 22.22;
  p.corridor.length = 3000.0;
  p.corridor.segments = 6;
  p.corridor.lanes = 2;
  p.corridor.ramp_every = 2;
  p.demand_rate = 4500.0;
  p.duration = kEnd;
  p.blocks = 2;
  p.distraction_rate = 60.0;
  p.distraction_mean = 4.0;
  p.seed = 21;
  return p;
}

double ll(const Simulation& sim, double rate) {
  const std::optional<double> l = sim.log_likelihood(0, "distraction_rate", rate);
  REQUIRE(l.has_value());
  return *l;
}

double observed(Simulation& sim, const std::string& name) {
  const auto specs = TrafficPopulation::observable_specs();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return sim.observe()[i];
  }
  FAIL("no observable " << name);
  return 0.0;
}

// Episodes so far.
double distractions(Simulation& sim) { return observed(sim, "distractions"); }

struct TiltedRun {
  double log_weight = 0.0;  // ℓ(nominal) − ℓ(tilt)
  double episodes = 0.0;
};

TiltedRun run_tilted(const Simulation& root, std::uint64_t k, double nominal, double tilt) {
  Simulation sim = root;
  sim.branch(k);
  if (tilt != nominal) sim.set_live(0, "distraction_rate", tilt);
  sim.run_until(SimTime{kEnd});
  return {ll(sim, nominal) - ll(sim, tilt), distractions(sim)};
}

struct Mean {
  double mean = 0.0, se = 0.0;
};

Mean mean_of(const std::vector<double>& x) {
  const auto n = static_cast<double>(x.size());
  double s = 0.0, s2 = 0.0;
  for (const double v : x) {
    s += v;
    s2 += v * v;
  }
  const double m = s / n;
  return {m, std::sqrt(std::max(0.0, s2 / n - m * m) / (n - 1.0))};
}

}  // namespace

TEST_CASE("traffic likelihood: Bernoulli trials per attentive driver and step, counted exactly",
          "[traffic][likelihood]") {
  const TrafficParams p = corridor();
  Simulation sim = simulation_of(p);
  CHECK(ll(sim, 60.0) == 0.0);  // nothing drawn yet
  sim.run_until(SimTime{kEnd});
  const double h = distractions(sim);
  REQUIRE(h >= 2.0);
  // ℓ(r) = h log q + (n − h) log(1 − q), q = r · step / 3600: two rates give
  // the number of trials n, which must be a whole number of driver-steps no
  // larger than the vehicle-steps of the run, and the same from any pair.
  const auto q = [&](double r) { return r * p.step / 3600.0; };
  const auto trials = [&](double r) { return h + (ll(sim, r) - h * std::log(q(r))) / std::log1p(-q(r)); };
  const double n = trials(60.0);
  INFO("episodes " << h << ", trials " << n);
  CHECK(n == Approx(std::round(n)).epsilon(1e-9));
  CHECK(trials(10.0) == Approx(n).epsilon(1e-9));
  CHECK(trials(500.0) == Approx(n).epsilon(1e-9));
  // Drivers enter all through the run: on average a quarter of those that
  // departed are on the road and attentive at a step, at the least.
  CHECK(n > 0.25 * observed(sim, "departed") * kEnd / p.step);
  CHECK(n <= observed(sim, "departed") * kEnd / p.step);  // no driver is tried twice in a step
  // The likelihood peaks at the rate the episodes say: h / n per step.
  const double best = h / n * 3600.0 / p.step;
  CHECK(ll(sim, best) > ll(sim, best * 1.05));
  CHECK(ll(sim, best) > ll(sim, best / 1.05));
  // A rate of 0 cannot have made an episode.
  CHECK(ll(sim, 0.0) == -std::numeric_limits<double>::infinity());
  // Other keys give none.
  CHECK_FALSE(sim.log_likelihood(0, "demand_rate", 4000.0).has_value());

  // A live change restarts the count.
  sim.set_live(0, "distraction_rate", 120.0);
  CHECK(ll(sim, 120.0) == 0.0);
  CHECK(ll(sim, 60.0) == 0.0);
}

TEST_CASE("traffic likelihood: weights of tilted runs average to 1, weighted means are the nominal ones",
          "[traffic][likelihood]") {
  constexpr std::size_t kRuns = 150;
  const Simulation root = simulation_of(corridor());
  std::vector<double> w, nominal, tilted, weighted;
  for (std::size_t k = 0; k < kRuns; ++k) {
    const TiltedRun n = run_tilted(root, 1000 + k, 60.0, 60.0);
    CHECK(n.log_weight == 0.0);
    nominal.push_back(n.episodes);
    const TiltedRun t = run_tilted(root, k, 60.0, 80.0);
    w.push_back(std::exp(t.log_weight));
    tilted.push_back(t.episodes);
    weighted.push_back(w.back() * t.episodes);
  }
  const Mean mw = mean_of(w), nm = mean_of(nominal), tm = mean_of(tilted), wm = mean_of(weighted);
  INFO("mean weight " << mw.mean << " +- " << mw.se);
  INFO("episodes: nominal " << nm.mean << " +- " << nm.se << ", tilted " << tm.mean << " +- " << tm.se
                            << ", weighted " << wm.mean << " +- " << wm.se);
  CHECK(mw.se > 0.0);
  CHECK(mw.se < 0.3);
  CHECK(std::abs(mw.mean - 1.0) < 4.0 * mw.se);
  // A third more rate gives a third more episodes; the weights take it back.
  // (A tilt to 120/h would leave E[w^2] = e^3.5: far too noisy for 150 runs.)
  CHECK(tm.mean - nm.mean > 4.0 * std::hypot(tm.se, nm.se));
  CHECK(std::abs(wm.mean - nm.mean) < 4.0 * std::hypot(wm.se, nm.se));
}

TEST_CASE("traffic likelihood: the same after a checkpoint, and unmoved by a branch", "[traffic][likelihood][checkpoint]") {
  const TrafficParams p = corridor();
  Simulation whole = simulation_of(p);
  whole.set_live(0, "distraction_rate", 90.0);
  whole.run_until(SimTime{12.0});
  const double at_12 = ll(whole, 60.0);
  whole.branch(4);
  CHECK(ll(whole, 60.0) == at_12);
  whole.run_until(SimTime{18.0});
  const double at_save = ll(whole, 60.0);
  CHECK(at_save != at_12);
  StateArchive out;
  whole.save_state(out);
  const std::string bytes = out.take();
  whole.run_until(SimTime{kEnd});

  Simulation resumed = simulation_of(p);
  StateArchive in(bytes);
  resumed.load_state(in);
  CHECK(ll(resumed, 60.0) == at_save);
  resumed.run_until(SimTime{kEnd});
  CHECK(ll(resumed, 60.0) == ll(whole, 60.0));
  CHECK(ll(resumed, 200.0) == ll(whole, 200.0));
}
