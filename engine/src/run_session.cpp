#include "simulacra/engine/run_session.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "sink_fanout.hpp"

namespace simulacra {

namespace {

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

std::string number(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

// Checks at most this many times per run when neither stop_when.every nor
// observe.every says how often: a market's millisecond window would
// otherwise mean millions of checks.
constexpr double kMaxDefaultChecks = 10000.0;

}  // namespace

RunSession::RunSession(Scenario scenario, const Registry& registry, RunPlan plan, unsigned threads)
    : scenario_(std::move(scenario)),
      registry_(&registry),
      plan_(std::move(plan)),
      sim_(build_simulation(scenario_, registry, plan_.seed, threads)),
      wall_start_(utc_now()) {
  for (const auto& [pop, spec] : sim_.observable_specs()) names_.push_back(scenario_.populations.at(pop).name + "." + spec.name);
  if (scenario_.observe.every > 0.0) {
    observe_every_ = scenario_.observe.every;
    if (scenario_.observe.names.empty()) {
      for (std::size_t i = 0; i < names_.size(); ++i) recorded_.push_back(i);
    } else {
      for (const auto& n : scenario_.observe.names) {
        const auto it = std::find(names_.begin(), names_.end(), n);
        if (it == names_.end()) throw std::logic_error("observe.names: validated name '" + n + "' is not observable");
        recorded_.push_back(static_cast<std::size_t>(it - names_.begin()));
      }
    }
  }
  if (!scenario_.stop.condition.empty()) {
    try {
      stop_ = Expression::parse(scenario_.stop.condition, resolver());
    } catch (const ExpressionError& e) {
      throw ScenarioError({Issue{scenario_.stop.at, "stop_when", e.what()}});
    }
    check_every_ = scenario_.stop.every;
    if (check_every_ <= 0.0) check_every_ = observe_every_;
    if (check_every_ <= 0.0) {
      check_every_ = std::max(sim_.config().lookahead.value, scenario_.duration / kMaxDefaultChecks);
    }
  }
}

RunSession::RunSession(const RunSession& o)
    : scenario_(o.scenario_),
      registry_(o.registry_),
      plan_(o.plan_),
      sim_(o.sim_),
      names_(o.names_),
      recorded_(o.recorded_),
      stop_(o.stop_),
      observe_every_(o.observe_every_),
      check_every_(o.check_every_),
      next_observe_(o.next_observe_),
      next_check_(o.next_check_),
      stopped_(o.stopped_),
      stop_reason_(o.stop_reason_),
      stopped_at_(o.stopped_at_),
      wall_start_(utc_now()) {}

RunSession::RunSession(RunSession&&) noexcept = default;
RunSession& RunSession::operator=(RunSession&&) noexcept = default;
RunSession::~RunSession() { abort(); }

void RunSession::attach(std::vector<std::unique_ptr<TableSink>> sinks) { connect(std::move(sinks), nullptr); }

void RunSession::reattach(std::vector<std::unique_ptr<TableSink>> sinks, const std::string& dir) {
  connect(std::move(sinks), &dir);
}

void RunSession::connect(std::vector<std::unique_ptr<TableSink>> sinks, const std::string* restore_dir) {
  if (fanout_) throw std::logic_error("RunSession::attach called twice");
  try {
    OutputTables selection = select_output_tables(scenario_, sim_);
    std::vector<TableSchema> out_tables = selection.tables;
    if (observe_every_ > 0.0) {
      out_tables.push_back(TableSchema{"observables",
                                       "one observable at one observation time (observe.every)",
                                       {{"time", ColumnType::float64, scenario_.time_unit, "observation time"},
                                        {"name", ColumnType::string, "", "<population>.<observable>"},
                                        {"value", ColumnType::float64, "", "its value (unit: see simulacra types)"}}});
    }
    for (const auto& t : extra_tables_) out_tables.push_back(t);
    for (std::size_t i = 0; i < sinks.size(); ++i) {
      if (restore_dir == nullptr) {
        sinks[i]->open(out_tables);
      } else {
        sinks[i]->restore(out_tables, (std::filesystem::path(*restore_dir) / ("sink" + std::to_string(i))).string());
      }
    }
    const std::size_t n = out_tables.size();
    fanout_ = std::make_unique<SinkFanout>(sim_.tables(), std::move(selection), std::move(out_tables),
                                           scenario_.time_unit_seconds, scenario_.outputs.chunk_rows, std::move(sinks));
    if (restore_dir != nullptr) {
      // Rows written per table, then rows dropped by outputs.where per table.
      if (restored_rows_.size() != 2 * n) {
        throw CheckpointError("checkpoint " + *restore_dir + " was written with other output tables");
      }
      fanout_->set_counts({restored_rows_.begin(), restored_rows_.begin() + static_cast<std::ptrdiff_t>(n)},
                          {restored_rows_.begin() + static_cast<std::ptrdiff_t>(n), restored_rows_.end()});
    }
    sim_.set_row_consumer(fanout_.get());
  } catch (...) {
    for (auto& s : sinks) {
      if (s) s->abort();
    }
    abort();
    throw;
  }
}

void RunSession::add_table(TableSchema schema) {
  if (fanout_) throw std::logic_error("RunSession::add_table after attach");
  std::vector<std::string> names = table_names(scenario_, sim_);
  names.emplace_back("observables");
  for (const auto& t : extra_tables_) names.push_back(t.name);
  if (std::find(names.begin(), names.end(), schema.name) != names.end()) {
    throw std::logic_error("RunSession::add_table: table '" + schema.name + "' is already in the dataset");
  }
  extra_tables_.push_back(std::move(schema));
}

void RunSession::append_rows(const std::string& table, const TableChunk& rows) {
  if (!fanout_) throw std::logic_error("RunSession::append_rows without sinks");
  const auto& tables = fanout_->tables();
  const std::size_t first = tables.size() - extra_tables_.size();
  for (std::size_t i = first; i < tables.size(); ++i) {
    if (tables[i].name == table) {
      fanout_->append(i, rows);
      return;
    }
  }
  throw std::logic_error("RunSession::append_rows: no table '" + table + "' added");
}

void RunSession::record(double t) {
  if (!fanout_ || recorded_.empty()) return;
  const std::vector<double> values = sim_.observe();
  const std::size_t obs_table = fanout_->tables().size() - 1 - extra_tables_.size();
  TableChunk rows(fanout_->tables()[obs_table]);
  for (std::size_t i : recorded_) {
    rows.append(0, t / scenario_.time_unit_seconds);
    rows.append(1, std::string_view(names_[i]));
    rows.append(2, values[i]);
    rows.end_row();
  }
  fanout_->append(obs_table, rows);
}

bool RunSession::check_stop(double t) {
  if (stop_.empty()) return false;
  if (!stop_.holds(sim_.observe(), t)) return false;
  stopped_ = true;
  stopped_at_ = t;
  stop_reason_ = "stop_when \"" + stop_.text() + "\" held at t=" + number(t / scenario_.time_unit_seconds) + " " +
                 scenario_.time_unit;
  return true;
}

void RunSession::run_to(double target) {
  const auto t0 = std::chrono::steady_clock::now();
  while (!stopped_) {
    const double t_obs = observe_every_ > 0.0 ? static_cast<double>(next_observe_) * observe_every_ : HUGE_VAL;
    const double t_chk = !stop_.empty() ? static_cast<double>(next_check_) * check_every_ : HUGE_VAL;
    const double next = std::min({t_obs, t_chk, target});
    if (next > scenario_.duration) break;
    sim_.run_until(SimTime{next});
    if (next == t_obs) {
      record(next);
      ++next_observe_;
    }
    if (next == t_chk) {
      ++next_check_;
      if (check_stop(next)) break;
    }
    if (next == target) break;
  }
  if (!stopped_ && target > sim_.now().value) sim_.run_until(SimTime{std::min(target, scenario_.duration)});
  wall_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool RunSession::advance(SimTime until) {
  if (over()) return false;
  run_to(std::min(until.value, scenario_.duration));
  return !over();
}

bool RunSession::advance_until(const Expression& condition, SimTime check_every) {
  if (!(check_every.value > 0.0)) throw std::invalid_argument("advance_until: check_every must be positive");
  const double start = sim_.now().value;
  for (std::uint64_t k = 1; !over(); ++k) {
    if (condition.holds(sim_.observe(), sim_.now().value)) return true;
    run_to(std::min(start + static_cast<double>(k) * check_every.value, scenario_.duration));
  }
  return condition.holds(sim_.observe(), sim_.now().value);
}

std::vector<double> RunSession::observe() { return sim_.observe(); }

RunSession RunSession::branch(std::uint64_t k) const {
  RunSession b(*this);
  b.sim_.branch(k);
  b.plan_.label += "_b";
  for (std::size_t i = 0; i < b.sim_.branch_path().size(); ++i) {
    b.plan_.label += (i == 0 ? "" : ".") + std::to_string(b.sim_.branch_path()[i]);
  }
  return b;
}

void RunSession::set_live(const std::string& population, const std::string& key, const std::string& value) {
  std::size_t index = scenario_.populations.size();
  for (std::size_t i = 0; i < scenario_.populations.size(); ++i) {
    if (scenario_.populations[i].name == population) index = i;
  }
  const std::string path = "populations." + population + ".params." + key;
  const SourcePos at{"live change " + path + "=" + value, 0, 0};
  if (index == scenario_.populations.size()) {
    std::vector<Issue> issues{Issue{at, path, "no population named '" + population + "'"}};
    throw ScenarioError(std::move(issues));
  }
  const PopulationType* type = registry_->find(scenario_.populations[index].type);
  if (type == nullptr || std::find(type->live.begin(), type->live.end(), key) == type->live.end()) {
    std::string live;
    if (type != nullptr) {
      for (const auto& k : type->live) live += (live.empty() ? "" : ", ") + k;
    }
    throw ScenarioError({Issue{at, path,
                               "'" + key + "' is not a live parameter of " + scenario_.populations[index].type +
                                   " (live: " + (live.empty() ? "none" : live) + ")"}});
  }
  // The scenario file's own validation, as if the value had been written there.
  const Scenario changed = parse_scenario(scenario_.effective_yaml, scenario_.path, {Override{path, value}}, *registry_);
  const double v = changed.populations[index].params.real(key);
  sim_.set_live(index, key, v);
  live_.push_back(LiveChange{index, key, v});
}

void RunSession::snapshot_sinks(const std::string& dir) {
  if (!fanout_) return;
  fanout_->flush_all();
  for (std::size_t i = 0; i < fanout_->sinks().size(); ++i) {
    const std::filesystem::path sub = std::filesystem::path(dir) / ("sink" + std::to_string(i));
    std::error_code ec;
    std::filesystem::create_directories(sub, ec);
    if (ec) throw DataError("cannot create checkpoint folder " + sub.string() + ": " + ec.message());
    fanout_->sinks()[i]->snapshot(sub.string());
  }
}

void RunSession::save_state(StateArchive& ar) {
  ar.tag("session");
  std::string text = scenario_.effective_yaml, path = scenario_.path;
  ar.io(text);
  ar.io(path);
  std::uint64_t index = plan_.index, point = plan_.point, seed = plan_.seed;
  std::uint32_t replicate = plan_.replicate;
  ar.io(index);
  ar.io(point);
  ar.io(replicate);
  ar.io(seed);
  ar.io(plan_.label);
  ar.io_each(plan_.point_overrides, [](StateArchive& a, Override& o) {
    a.io(o.path);
    a.io(o.value);
  });
  ar.io(next_observe_);
  ar.io(next_check_);
  ar.io(stopped_);
  ar.io(stop_reason_);
  ar.io(stopped_at_);
  ar.io(wall_seconds_);
  ar.io_each(live_, [](StateArchive& a, LiveChange& c) {
    a.io(c.population);
    a.io(c.key);
    a.io(c.value);
  });
  std::vector<std::uint64_t> rows;  // written per table, then dropped by outputs.where per table
  if (fanout_) {
    rows = fanout_->rows();
    rows.insert(rows.end(), fanout_->dropped().begin(), fanout_->dropped().end());
  }
  ar.io(rows);
  sim_.save_state(ar);
}

RunSession RunSession::load_state(StateArchive& ar, const Registry& registry, unsigned threads, RankExchange* ranks) {
  ar.tag("session");
  std::string text, path;
  ar.io(text);
  ar.io(path);
  RunPlan plan;
  std::uint64_t index = 0, point = 0, seed = 0;
  std::uint32_t replicate = 0;
  ar.io(index);
  ar.io(point);
  ar.io(replicate);
  ar.io(seed);
  plan.index = index;
  plan.point = point;
  plan.replicate = replicate;
  plan.seed = seed;
  ar.io(plan.label);
  ar.io_each(plan.point_overrides, [](StateArchive& a, Override& o) {
    a.io(o.path);
    a.io(o.value);
  });
  RunSession s(parse_scenario(text, path, {}, registry), registry, std::move(plan), threads);
  ar.io(s.next_observe_);
  ar.io(s.next_check_);
  ar.io(s.stopped_);
  ar.io(s.stop_reason_);
  ar.io(s.stopped_at_);
  ar.io(s.wall_seconds_);
  ar.io_each(s.live_, [](StateArchive& a, LiveChange& c) {
    a.io(c.population);
    a.io(c.key);
    a.io(c.value);
  });
  ar.io(s.restored_rows_);
  s.sim_.set_ranks(ranks);
  s.sim_.load_state(ar);
  for (const auto& c : s.live_) {
    if (c.population >= s.scenario_.populations.size()) throw CheckpointError("checkpoint is damaged: a live change of no population");
    s.sim_.set_live(static_cast<std::size_t>(c.population), c.key, c.value);
  }
  return s;
}

RunResult RunSession::finish(const Provenance& base) {
  try {
    sim_.finish();
    if (fanout_) fanout_->flush_all();
    RunResult result;
    result.trace_hash = sim_.trace_hash();
    result.committed_events = sim_.committed_events();
    result.wall_seconds = wall_seconds_;
    if (fanout_) {
      for (std::size_t t = 0; t < fanout_->tables().size(); ++t) {
        result.rows.emplace_back(fanout_->tables()[t].name, fanout_->rows()[t]);
        result.rows_dropped.push_back(fanout_->dropped()[t]);
      }
    }
    Provenance prov = base;
    prov["scenario"] = scenario_.effective_yaml;
    prov["scenario_path"] = scenario_.path;
    prov["scenario_name"] = scenario_.name;
    prov["scenario_seed"] = std::to_string(scenario_.seed);
    prov["seed"] = std::to_string(plan_.seed);
    prov["replicate"] = std::to_string(plan_.replicate);
    prov["sweep_point"] = std::to_string(plan_.point);
    std::string values;
    for (const auto& o : plan_.point_overrides) values += (values.empty() ? "" : "; ") + o.path + "=" + o.value;
    prov["sweep_values"] = values;
    prov["run_label"] = plan_.label;
    prov["threads"] = std::to_string(sim_.config().threads);
    prov["partitions"] = std::to_string(sim_.partition_count());
    prov["scheduler"] = sim_.config().scheduler == SchedulerKind::sequential ? "sequential" : "parallel";
    prov["lookahead_s"] = number(sim_.config().lookahead.value);
    prov["duration_s"] = number(scenario_.duration);
    prov["end_s"] = number(sim_.now().value);
    prov["stop_reason"] = stop_reason_;
    std::string path;
    for (std::size_t i = 0; i < sim_.branch_path().size(); ++i) path += (i == 0 ? "" : ".") + std::to_string(sim_.branch_path()[i]);
    prov["branch_path"] = path;
    prov["time_unit"] = scenario_.time_unit;
    prov["trace_hash"] = hex64(result.trace_hash);
    prov["committed_events"] = std::to_string(result.committed_events);
    // The selection the dataset was written with, and what it left out.
    for (const ColumnSelection& sel : scenario_.outputs.columns) {
      std::string list;
      for (const auto& c : sel.columns) list += (list.empty() ? "" : ", ") + c;
      prov["columns." + sel.table] = list;
    }
    for (const RowSelection& sel : scenario_.outputs.where) {
      prov["where." + sel.table] = sel.condition;
      for (std::size_t t = 0; t < result.rows.size(); ++t) {
        if (result.rows[t].first == sel.table) prov["rows_dropped." + sel.table] = std::to_string(result.rows_dropped[t]);
      }
    }
    prov["wall_start"] = wall_start_;
    prov["wall_end"] = utc_now();
    std::ostringstream w;
    w.precision(6);
    w << wall_seconds_;
    prov["wall_seconds"] = w.str();
    if (fanout_) {
      for (auto& s : fanout_->sinks()) s->commit(prov);
      sim_.set_row_consumer(nullptr);
      fanout_.reset();
    }
    return result;
  } catch (...) {
    abort();
    throw;
  }
}

void RunSession::abort() noexcept {
  if (!fanout_) return;
  for (auto& s : fanout_->sinks()) s->abort();
  sim_.set_row_consumer(nullptr);
  fanout_.reset();
}

}  // namespace simulacra
