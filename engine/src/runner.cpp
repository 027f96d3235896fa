#include "simulacra/engine/runner.hpp"

#include <algorithm>
#include <cmath>

#include "simulacra/engine/random.hpp"
#include "simulacra/engine/run_session.hpp"

namespace simulacra {

namespace {

std::string pad(std::size_t v, int width) {
  std::string s = std::to_string(v);
  while (static_cast<int>(s.size()) < width) s.insert(s.begin(), '0');
  return s;
}

int digits(std::size_t n) {
  int d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

}  // namespace

std::vector<RunPlan> plan_runs(const Scenario& scenario) {
  std::size_t points = 1;
  for (const auto& axis : scenario.sweep) points *= std::max<std::size_t>(axis.values.size(), 1);
  const unsigned reps = std::max(scenario.replicates, 1u);
  std::vector<RunPlan> plans;
  for (std::size_t p = 0; p < points; ++p) {
    std::vector<Override> overrides;
    std::size_t rest = p;
    // Row-major: the last axis varies fastest.
    std::vector<std::size_t> pick(scenario.sweep.size(), 0);
    for (std::size_t a = scenario.sweep.size(); a-- > 0;) {
      pick[a] = rest % scenario.sweep[a].values.size();
      rest /= scenario.sweep[a].values.size();
    }
    for (std::size_t a = 0; a < scenario.sweep.size(); ++a) {
      overrides.push_back(Override{scenario.sweep[a].path, scenario.sweep[a].values[pick[a]]});
    }
    for (unsigned r = 0; r < reps; ++r) {
      RunPlan plan;
      plan.index = plans.size();
      plan.point = p;
      plan.replicate = r;
      plan.seed = derive_seed(scenario.seed, r);
      plan.point_overrides = overrides;
      plan.label = scenario.name;
      if (!scenario.sweep.empty()) plan.label += "_p" + pad(p, std::max(3, digits(points - 1)));
      if (reps > 1) plan.label += "_r" + pad(r, std::max(2, digits(reps - 1)));
      plans.push_back(std::move(plan));
    }
  }
  return plans;
}

Scenario scenario_for(const Scenario& base, const std::vector<Override>& /*cli_overrides*/,
                      const RunPlan& plan, const Registry& registry) {
  if (plan.point_overrides.empty()) return base;
  // The base's effective text already carries the command line's overrides.
  return parse_sweep_point(base, plan.point_overrides, registry);
}

Simulation build_simulation(const Scenario& scenario, const Registry& registry, std::uint64_t seed,
                            unsigned threads) {
  BuildInfo info;
  info.seed = seed;
  info.duration = scenario.duration;
  info.attribute_loader = registry.attribute_loader();
  const auto slash = scenario.path.find_last_of('/');
  info.scenario_dir = slash == std::string::npos ? "." : scenario.path.substr(0, slash);

  std::vector<std::unique_ptr<Population>> pops;
  double hint = SimTime::infinity().value;
  for (const auto& spec : scenario.populations) {
    const PopulationType* type = registry.find(spec.type);
    if (type == nullptr || !type->make) {
      throw ScenarioError({Issue{spec.at, spec.path + ".type", "unknown population type '" + spec.type + "'"}});
    }
    auto pop = type->make(spec, info);
    if (!pop) throw std::logic_error("population type " + spec.type + " built nothing");
    hint = std::min(hint, pop->lookahead_hint().value);
    pops.push_back(std::move(pop));
  }

  EngineConfig cfg;
  cfg.scheduler = scenario.engine.scheduler;
  cfg.threads = threads != 0 ? threads : std::max(scenario.engine.threads, 1u);
  cfg.partitions = scenario.engine.partitions;
  double lookahead = scenario.engine.lookahead;
  if (lookahead <= 0.0) lookahead = std::isfinite(hint) ? hint : 0.0;
  if (lookahead <= 0.0 && cfg.scheduler == SchedulerKind::parallel) {
    // No population talks across LPs with a delay: nothing to overlap safely
    // beyond one LP at a time, so run sequentially rather than refuse.
    cfg.scheduler = SchedulerKind::sequential;
  }
  cfg.lookahead = SimTime{lookahead};
  Simulation sim(cfg, seed);
  for (auto& p : pops) sim.add_population(std::move(p));
  return sim;
}

std::vector<std::string> table_names(const Scenario& scenario, const Simulation& sim) {
  std::vector<std::string> names;
  for (std::size_t t = 0; t < sim.tables().size(); ++t) {
    names.push_back(scenario.populations.at(sim.table_owner(t)).name + "." + sim.tables()[t].name);
  }
  return names;
}

void check_output_tables(const Scenario& scenario, const std::vector<std::string>& names) {
  std::vector<Issue> issues;
  for (std::size_t i = 0; i < scenario.outputs.tables.size(); ++i) {
    const std::string& want = scenario.outputs.tables[i];
    if (std::find(names.begin(), names.end(), want) != names.end()) continue;
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    const SourcePos at = i < scenario.outputs.tables_at.size() ? scenario.outputs.tables_at[i] : SourcePos{scenario.path, 0, 0};
    issues.push_back(Issue{at, "outputs.tables[" + std::to_string(i) + "]",
                           "no population emits table '" + want + "'; tables: " + (known.empty() ? "none" : known)});
  }
  if (!issues.empty()) throw ScenarioError(std::move(issues));
}

RunResult run_plan(const Scenario& scenario, const Registry& registry, const RunPlan& plan,
                   unsigned threads, std::vector<std::unique_ptr<TableSink>>& sinks,
                   const Provenance& base) {
  try {
    RunSession session(scenario, registry, plan, threads);
    session.attach(std::move(sinks));
    session.advance(session.end());
    return session.finish(base);
  } catch (...) {
    for (auto& s : sinks) {
      if (s) s->abort();
    }
    throw;
  }
}

}  // namespace simulacra
