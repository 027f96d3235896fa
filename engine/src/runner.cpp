#include "simulacra/engine/runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "simulacra/engine/random.hpp"

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

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Routes the engine's rows to the sinks: drops unselected tables, converts
// time columns to the scenario's unit, and batches rows into chunk_rows.
class SinkFanout final : public RowConsumer {
 public:
  SinkFanout(const std::vector<TableSchema>& engine_tables, const std::vector<int>& route,
             std::vector<TableSchema> out_tables, double time_scale, std::size_t chunk_rows,
             std::vector<std::unique_ptr<TableSink>>& sinks)
      : route_(route), out_tables_(std::move(out_tables)), scale_(time_scale), chunk_rows_(chunk_rows), sinks_(sinks) {
    for (std::size_t t = 0; t < engine_tables.size(); ++t) {
      std::vector<bool> is_time;
      for (const auto& c : engine_tables[t].columns) is_time.push_back(c.type == ColumnType::float64 && c.unit == "s");
      time_cols_.push_back(std::move(is_time));
    }
    for (const auto& t : out_tables_) pending_.emplace_back(t);
    rows_.assign(out_tables_.size(), 0);
  }

  void consume(std::size_t table, const TableChunk& rows) override {
    const int out = route_[table];
    if (out < 0) return;
    TableChunk& dst = pending_[static_cast<std::size_t>(out)];
    for (std::size_t c = 0; c < rows.column_count(); ++c) {
      const bool convert = time_cols_[table][c] && scale_ != 1.0;
      std::visit(
          [&](auto& d) {
            using V = std::decay_t<decltype(d)>;
            const V& s = std::get<V>(rows.column(c));
            if constexpr (std::is_same_v<V, std::vector<double>>) {
              if (convert) {
                for (double x : s) d.push_back(x / scale_);
                return;
              }
            }
            d.insert(d.end(), s.begin(), s.end());
          },
          dst.column(c));
    }
    for (std::size_t r = 0; r < rows.rows(); ++r) dst.end_row();
    rows_[static_cast<std::size_t>(out)] += rows.rows();
    if (dst.rows() >= chunk_rows_) flush(static_cast<std::size_t>(out));
  }

  void flush_all() {
    for (std::size_t t = 0; t < pending_.size(); ++t) flush(t);
  }

  const std::vector<std::uint64_t>& rows() const { return rows_; }

 private:
  void flush(std::size_t t) {
    if (pending_[t].rows() == 0) return;
    for (auto& s : sinks_) s->write(t, pending_[t]);
    pending_[t].clear();
  }

  std::vector<int> route_;
  std::vector<TableSchema> out_tables_;
  std::vector<std::vector<bool>> time_cols_;
  double scale_;
  std::size_t chunk_rows_;
  std::vector<std::unique_ptr<TableSink>>& sinks_;
  std::vector<TableChunk> pending_;
  std::vector<std::uint64_t> rows_;
};

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
  Scenario s = parse_scenario(base.effective_yaml, base.path, plan.point_overrides, registry);
  return s;
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
    issues.push_back(Issue{SourcePos{scenario.path, 0, 0}, "outputs.tables[" + std::to_string(i) + "]",
                           "no population emits table '" + want + "'; tables: " + (known.empty() ? "none" : known)});
  }
  if (!issues.empty()) throw ScenarioError(std::move(issues));
}

RunResult run_plan(const Scenario& scenario, const Registry& registry, const RunPlan& plan,
                   unsigned threads, std::vector<std::unique_ptr<TableSink>>& sinks,
                   const Provenance& base) {
  try {
    const std::string wall_start = utc_now();
    const auto t0 = std::chrono::steady_clock::now();
    Simulation sim = build_simulation(scenario, registry, plan.seed, threads);
    const std::vector<std::string> names = table_names(scenario, sim);
    check_output_tables(scenario, names);

    std::vector<int> route(names.size(), -1);
    std::vector<TableSchema> out_tables;
    const auto& sel = scenario.outputs.tables;
    for (std::size_t t = 0; t < names.size(); ++t) {
      if (!sel.empty() && std::find(sel.begin(), sel.end(), names[t]) == sel.end()) continue;
      route[t] = static_cast<int>(out_tables.size());
      TableSchema schema = sim.tables()[t];
      schema.name = names[t];
      for (auto& c : schema.columns) {
        if (c.type == ColumnType::float64 && c.unit == "s") c.unit = scenario.time_unit;
      }
      out_tables.push_back(std::move(schema));
    }
    for (auto& s : sinks) s->open(out_tables);

    SinkFanout fanout(sim.tables(), route, out_tables, scenario.time_unit_seconds,
                      std::max<std::size_t>(scenario.outputs.chunk_rows, 1), sinks);
    sim.set_row_consumer(&fanout);
    sim.run_until(SimTime{scenario.duration});
    sim.finish();
    fanout.flush_all();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    RunResult result;
    result.trace_hash = sim.trace_hash();
    result.committed_events = sim.committed_events();
    result.wall_seconds = wall;
    for (std::size_t t = 0; t < out_tables.size(); ++t) result.rows.emplace_back(out_tables[t].name, fanout.rows()[t]);

    Provenance prov = base;
    prov["scenario"] = scenario.effective_yaml;
    prov["scenario_path"] = scenario.path;
    prov["scenario_name"] = scenario.name;
    prov["scenario_seed"] = std::to_string(scenario.seed);
    prov["seed"] = std::to_string(plan.seed);
    prov["replicate"] = std::to_string(plan.replicate);
    prov["sweep_point"] = std::to_string(plan.point);
    std::string values;
    for (const auto& o : plan.point_overrides) values += (values.empty() ? "" : "; ") + o.path + "=" + o.value;
    prov["sweep_values"] = values;
    prov["run_label"] = plan.label;
    prov["threads"] = std::to_string(sim.config().threads);
    prov["partitions"] = std::to_string(sim.partition_count());
    prov["scheduler"] = sim.config().scheduler == SchedulerKind::sequential ? "sequential" : "parallel";
    std::ostringstream la;
    la.precision(17);
    la << sim.config().lookahead.value;
    prov["lookahead_s"] = la.str();
    std::ostringstream dur;
    dur.precision(17);
    dur << scenario.duration;
    prov["duration_s"] = dur.str();
    prov["time_unit"] = scenario.time_unit;
    prov["trace_hash"] = hex64(result.trace_hash);
    prov["committed_events"] = std::to_string(result.committed_events);
    prov["wall_start"] = wall_start;
    prov["wall_end"] = utc_now();
    std::ostringstream w;
    w.precision(6);
    w << wall;
    prov["wall_seconds"] = w.str();
    for (auto& s : sinks) s->commit(prov);
    return result;
  } catch (...) {
    for (auto& s : sinks) s->abort();
    throw;
  }
}

}  // namespace simulacra
