// A birth-death chain, the textbook test of rare-event methods: the jump
// chain of an M/M/1 queue (one jump per `step`: up with probability
// λ/(λ+μ), down otherwise), started at `start`, held at 0 once there. The
// probability of reaching n before 0 from 1 is ρ^(n−1)(1−ρ)/(1−ρ^n) with
// ρ = λ/μ (gambler's ruin), so estimates can be checked exactly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "simulacra/engine/population.hpp"
#include "simulacra/engine/registry.hpp"

namespace simulacra {

struct BirthDeathParams {
  double lambda = 1.0;      ///< up rate (only λ/(λ+μ) matters for the jump chain)
  double mu = 2.0;          ///< down rate
  std::int64_t start = 1;   ///< level at time 0
  double step = 1.0;        ///< seconds between jumps
  bool record = true;       ///< one row per jump (table "path")
};

class BirthDeathPopulation final : public Population {
 public:
  explicit BirthDeathPopulation(const BirthDeathParams& p) : params_(p), level_(p.start) {}

  std::string type_name() const override { return "birth_death"; }
  std::uint32_t lp_count() const override { return 1; }
  void init_lp(Context& ctx, std::uint32_t local) override;
  void handle(Context& ctx, std::uint32_t local, const Event& ev) override;
  std::vector<TableSchema> tables() const override;
  std::unique_ptr<Population> clone() const override { return std::make_unique<BirthDeathPopulation>(*this); }
  ObservableSpecs observables() const override { return observable_specs(); }
  void observe(SimTime now, double* out) const override;
  void state(StateArchive& ar) override;
  /// Live: `lambda`, `mu`.
  void set_live(const std::string& key, double value) override;
  /// For `lambda` and `mu`: ups·log p + downs·log(1 − p), p = λ/(λ+μ).
  std::optional<double> log_likelihood(const std::string& key, double value) const override;

  /// level, jumps.
  static ObservableSpecs observable_specs();

 private:
  BirthDeathParams params_;
  std::int64_t level_;
  std::int64_t jumps_ = 0;
  std::int64_t ups_ = 0;
};

/// P(reach n before 0 | start at 1) for the jump chain with ρ = λ/μ.
double birth_death_hit_probability(double lambda, double mu, std::int64_t n);

/// Registers the scenario type "birth_death".
void register_birth_death(Registry& registry);

}  // namespace simulacra
