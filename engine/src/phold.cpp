#include "simulacra/engine/phold.hpp"

#include <cmath>
#include <string>

namespace simulacra {

void validate(const PholdParams& p) {
  if (p.lps == 0) throw ConfigError("--lps must be at least 1");
  if (!(p.remote >= 0.0 && p.remote <= 1.0)) {
    throw ConfigError("--remote " + std::to_string(p.remote) + ": expected a probability in [0, 1]");
  }
  if (!(p.lookahead >= 0.0) || !std::isfinite(p.lookahead)) {
    throw ConfigError("--lookahead " + std::to_string(p.lookahead) + ": expected a time >= 0");
  }
  if (!(p.mean >= p.lookahead) || !std::isfinite(p.mean)) {
    throw ConfigError("--mean " + std::to_string(p.mean) +
                      ": expected a finite mean delay >= the lookahead");
  }
  if (!(p.end >= 0.0) || !std::isfinite(p.end)) {
    throw ConfigError("--end " + std::to_string(p.end) + ": expected a finite time >= 0");
  }
  if (p.threads == 0) throw ConfigError("--threads must be at least 1");
}

PholdPopulation::PholdPopulation(const PholdParams& p) : params_(p), handled_(p.lps, 0) {}

SimTime PholdPopulation::next_delay(Context& ctx) const {
  const double extra = params_.mean - params_.lookahead;
  return SimTime{params_.lookahead + (extra > 0.0 ? ctx.rng().exponential(extra) : 0.0)};
}

void PholdPopulation::init_lp(Context& ctx, std::uint32_t /*local*/) {
  for (std::uint32_t i = 0; i < params_.start_events; ++i) {
    ctx.send_self(next_delay(ctx), 0);
  }
}

void PholdPopulation::handle(Context& ctx, std::uint32_t local, const Event& ev) {
  ++handled_[local];
  LpId dst = ctx.self();
  const bool remote = ctx.rng().uniform() < params_.remote;
  if (remote) dst = lp(static_cast<std::uint32_t>(ctx.rng().below(params_.lps)));
  const SimTime delay = next_delay(ctx);
  if (params_.record) {
    ctx.emit(kEventsTable, ctx.now(), std::int64_t{local}, std::int64_t{ev.src.value - first_lp().value},
             std::int64_t{dst.value - first_lp().value}, delay.value, remote);
  }
  ctx.send(dst, delay, 0);
}

std::vector<TableSchema> PholdPopulation::tables() const {
  if (!params_.record) return {};
  return {TableSchema{"events",
                      "one committed PHOLD event",
                      {{"time", ColumnType::float64, "s", "commit time"},
                       {"lp", ColumnType::int64, "", "LP that handled the event"},
                       {"sender", ColumnType::int64, "", "LP that sent it"},
                       {"next_lp", ColumnType::int64, "", "destination of the event it schedules"},
                       {"next_delay", ColumnType::float64, "s", "delay of the event it schedules"},
                       {"remote", ColumnType::boolean, "", "whether the next LP was drawn at random"}}},
          TableSchema{"lps",
                      "one LP at the end of the run",
                      {{"lp", ColumnType::int64, "", "LP id within the population"},
                       {"handled", ColumnType::int64, "", "events it handled"}}}};
}

void PholdPopulation::finish(Context& ctx) {
  if (!params_.record) return;
  for (std::uint32_t i = 0; i < params_.lps; ++i) {
    ctx.emit(kLpsTable, std::int64_t{i}, static_cast<std::int64_t>(handled_[i]));
  }
}

ObservableSpecs PholdPopulation::observable_specs() {
  return {{"committed_events", "", "events the population's LPs have handled so far"}};
}

void PholdPopulation::observe(SimTime /*now*/, double* out) const {
  std::uint64_t n = 0;
  for (std::uint64_t h : handled_) n += h;
  out[0] = static_cast<double>(n);
}

void PholdPopulation::state(StateArchive& ar) {
  ar.io(handled_);
  ar.io(params_.remote);
  if (handled_.size() != params_.lps) throw CheckpointError("checkpoint is damaged: PHOLD LP count differs");
}

void PholdPopulation::lp_state(StateArchive& ar, std::uint32_t lo, std::uint32_t hi) {
  for (std::uint32_t i = lo; i < hi; ++i) ar.io(handled_[i]);
}

void PholdPopulation::set_live(const std::string& key, double value) {
  if (key != "remote") Population::set_live(key, value);
  params_.remote = value;
}

std::unique_ptr<Population> PholdPopulation::clone() const {
  return std::make_unique<PholdPopulation>(*this);
}

Simulation make_phold(const PholdParams& p) {
  validate(p);
  EngineConfig cfg;
  cfg.scheduler = p.scheduler;
  cfg.threads = p.threads;
  cfg.partitions = p.partitions;
  cfg.lookahead = SimTime{p.lookahead};
  cfg.serial_window_events = p.serial_window_events;
  Simulation sim(cfg, p.seed);
  sim.add_population(std::make_unique<PholdPopulation>(p));
  return sim;
}

}  // namespace simulacra
