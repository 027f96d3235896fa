#include "simulacra/engine/birth_death.hpp"

#include <cmath>

#include "simulacra/engine/param_table.hpp"

namespace simulacra {

namespace {
constexpr std::uint32_t kJump = 0;
constexpr std::uint32_t kPath = 0;
}  // namespace

void BirthDeathPopulation::init_lp(Context& ctx, std::uint32_t /*local*/) {
  if (params_.record) ctx.emit(kPath, 0.0, level_);
  if (level_ > 0) ctx.send_self(SimTime{params_.step}, kJump);
}

void BirthDeathPopulation::handle(Context& ctx, std::uint32_t /*local*/, const Event& /*ev*/) {
  const double up = params_.lambda / (params_.lambda + params_.mu);
  const bool rise = ctx.rng().uniform() < up;
  level_ += rise ? 1 : -1;
  ups_ += rise ? 1 : 0;
  ++jumps_;
  if (params_.record) ctx.emit(kPath, ctx.now(), level_);
  if (level_ > 0) ctx.send_self(SimTime{params_.step}, kJump);
}

std::vector<TableSchema> BirthDeathPopulation::tables() const {
  if (!params_.record) return {};
  return {TableSchema{"path",
                      "the level after one jump (and the start at time 0)",
                      {{"time", ColumnType::float64, "s", "time of the jump"},
                       {"level", ColumnType::int64, "", "level after it"}}}};
}

ObservableSpecs BirthDeathPopulation::observable_specs() {
  return {{"level", "", "current level (0: absorbed)"}, {"jumps", "", "jumps made so far"}};
}

void BirthDeathPopulation::observe(SimTime /*now*/, double* out) const {
  out[0] = static_cast<double>(level_);
  out[1] = static_cast<double>(jumps_);
}

void BirthDeathPopulation::state(StateArchive& ar) {
  ar.io(level_);
  ar.io(jumps_);
  ar.io(ups_);
  ar.io(params_.lambda);
  ar.io(params_.mu);
  if (level_ < 0 || jumps_ < 0) throw CheckpointError("checkpoint is damaged: a negative birth-death level");
}

void BirthDeathPopulation::set_live(const std::string& key, double value) {
  if (key == "lambda") {
    params_.lambda = value;
  } else if (key == "mu") {
    params_.mu = value;
  } else {
    Population::set_live(key, value);
  }
}

std::optional<double> BirthDeathPopulation::log_likelihood(const std::string& key, double value) const {
  double lambda = params_.lambda, mu = params_.mu;
  if (key == "lambda") {
    lambda = value;
  } else if (key == "mu") {
    mu = value;
  } else {
    return std::nullopt;
  }
  const double up = lambda / (lambda + mu);
  const auto downs = static_cast<double>(jumps_ - ups_);
  return static_cast<double>(ups_) * std::log(up) + downs * std::log1p(-up);
}

double birth_death_hit_probability(double lambda, double mu, std::int64_t n) {
  const double rho = lambda / mu;
  if (n <= 1) return 1.0;
  if (rho == 1.0) return 1.0 / static_cast<double>(n);
  return std::pow(rho, static_cast<double>(n - 1)) * (1.0 - rho) / (1.0 - std::pow(rho, static_cast<double>(n)));
}

namespace {

const ParamTable<BirthDeathParams>& birth_death_table() {
  static const ParamTable<BirthDeathParams> table = [] {
    ParamTable<BirthDeathParams> t("birth_death");
    using P = BirthDeathParams;
    t.param("lambda", &P::lambda).min(1e-12).doc("up rate");
    t.param("mu", &P::mu).min(1e-12).doc("down rate");
    t.param("start", &P::start).range(0, 1e12).doc("level at time 0");
    t.param("step", &P::step).dimension(Dimension::time).min(1e-9).doc("time between jumps");
    t.param("record", &P::record).doc("one row per jump (table path)");
    return t;
  }();
  return table;
}

}  // namespace

void register_birth_death(Registry& registry) {
  PopulationType t;
  t.name = "birth_death";
  t.doc = "birth-death jump chain (M/M/1), the exact test of rare-event methods";
  birth_death_table().declare(t);
  t.observables = BirthDeathPopulation::observable_specs();
  t.live = {"lambda", "mu"};
  t.make = [](const PopulationSpec& spec, const BuildInfo&) -> std::unique_ptr<Population> {
    return std::make_unique<BirthDeathPopulation>(birth_death_table().bind(spec.params));
  };
  registry.add(std::move(t));
}

}  // namespace simulacra
