#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>

#include "simulacra/engine/simulation.hpp"

using namespace simulacra;

namespace {

// A time-stepped population: one LP per block of a ring, each stepping every
// dt. At each step a block sends a quarter of its mass to each neighbour,
// arriving half a step later (the lookahead). Mass is integer, so it is
// conserved exactly.
class RingDiffusion final : public Population {
 public:
  enum Kind : std::uint32_t { kStep = 0, kTransfer = 1 };
  RingDiffusion(std::uint32_t blocks, double dt) : mass_(blocks, 0), dt_(dt) { mass_[0] = 1'000'000; }

  std::string type_name() const override { return "test.ring_diffusion"; }
  std::uint32_t lp_count() const override { return static_cast<std::uint32_t>(mass_.size()); }
  void init_lp(Context& ctx, std::uint32_t) override { ctx.send_self(SimTime{dt_}, kStep); }
  void handle(Context& ctx, std::uint32_t local, const Event& ev) override {
    if (ev.kind == kTransfer) {
      mass_[local] += ev.data[0];
      return;
    }
    const auto n = static_cast<std::uint32_t>(mass_.size());
    // A random share in [0, 1/4] per side keeps the random streams in play.
    const auto share = static_cast<std::uint64_t>(static_cast<double>(mass_[local]) * 0.25 * ctx.rng().uniform());
    mass_[local] -= 2 * share;
    ctx.send(lp((local + 1) % n), SimTime{dt_ / 2}, kTransfer, {share, 0});
    ctx.send(lp((local + n - 1) % n), SimTime{dt_ / 2}, kTransfer, {share, 0});
    ctx.send_self(SimTime{dt_}, kStep);
  }
  std::unique_ptr<Population> clone() const override { return std::make_unique<RingDiffusion>(*this); }

  std::uint64_t total() const { return std::accumulate(mass_.begin(), mass_.end(), std::uint64_t{0}); }
  std::uint64_t mass(std::uint32_t i) const { return mass_[i]; }

 private:
  std::vector<std::uint64_t> mass_;
  double dt_;
};

}  // namespace

TEST_CASE("a time-stepped population runs as a periodic step event per LP", "[engine][time_stepped]") {
  std::uint64_t hash1 = 0;
  for (unsigned threads : {1u, 2u, 4u}) {
    EngineConfig cfg;
    cfg.threads = threads;
    cfg.lookahead = SimTime{0.5};
    Simulation sim(cfg, 3);
    sim.add_population(std::make_unique<RingDiffusion>(16, 1.0));
    sim.run_until(SimTime{100.75});  // every transfer sent by t = 100 has landed
    const auto& ring = dynamic_cast<const RingDiffusion&>(sim.population(0));
    CHECK(ring.total() == 1'000'000);
    CHECK(ring.mass(8) > 0);  // mass spread across the ring
    CHECK(sim.committed_events() == 16u * 100u * 3u);
    if (threads == 1) hash1 = sim.trace_hash();
    CHECK(sim.trace_hash() == hash1);
  }
}
