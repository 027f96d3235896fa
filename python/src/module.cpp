// simulacra._core: the C++ side of `import simulacra`. Runs scenarios into
// memory, reads datasets written by the CLI, and holds sessions open; the
// Python package (python/simulacra/) turns what it returns into DataFrames.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "calibrate.hpp"
#include "common.hpp"
#include "errors.hpp"
#include "learned.hpp"
#include "memory_sink.hpp"
#include "session.hpp"
#include "simulacra/agents/register_all.hpp"
#include "simulacra/engine/ensemble.hpp"
#include "simulacra/engine/quantity.hpp"
#include "simulacra/engine/run_session.hpp"
#include "simulacra/engine/runner.hpp"
#include "simulacra/exporters/hdf5_inspect.hpp"
#include "simulacra/learned/model_attributes.hpp"
#include "tables.hpp"
#include "version.hpp"

namespace simulacra::python {

namespace py = pybind11;

const Registry& registry() {
  static const Registry r = [] {
    Registry reg;
    register_all(reg);
    reg.set_attribute_loader(learned::model_attribute_loader());
    return reg;
  }();
  return r;
}

Provenance base_provenance() {
  return {{"simulacra_version", kVersion}, {"git_commit", kGitCommit}, {"interface", "python"}};
}

std::vector<Override> overrides(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::vector<Override> out;
  for (const auto& [path, value] : pairs) out.push_back(Override{path, value});
  return out;
}

Scenario load(const std::string& source, bool is_text, const std::vector<Override>& ov) {
  if (is_text) return parse_scenario(source, "<scenario text>", ov, registry());
  return load_scenario(source, ov, registry());
}

namespace {

py::dict plan_dict(const RunPlan& plan) {
  py::dict d;
  d["run"] = plan.index;
  d["label"] = plan.label;
  d["sweep_point"] = plan.point;
  d["replicate"] = plan.replicate;
  d["seed"] = plan.seed;
  py::list sweep;
  for (const auto& o : plan.point_overrides) sweep.append(py::make_tuple(o.path, o.value));
  d["sweep"] = sweep;
  return d;
}

// Every run of the scenario, as `simulacra run` makes them, collected in
// memory: a list of {"plan": ..., "dataset": ...} in plan order.
py::list run_scenario(const std::string& source, bool is_text,
                      const std::vector<std::pair<std::string, std::string>>& pairs, unsigned threads, unsigned jobs,
                      bool progress) {
  const std::vector<Override> ov = overrides(pairs);
  const Scenario base = load(source, is_text, ov);
  const std::vector<RunPlan> plans = plan_runs(base);
  std::vector<Scenario> per_run;
  per_run.reserve(plans.size());
  for (const auto& plan : plans) per_run.push_back(scenario_for(base, ov, plan, registry()));
  std::vector<std::shared_ptr<CollectedDataset>> data(plans.size());
  {
    py::gil_scoped_release release;
    {
      // As the CLI: the table selection is checked before any run starts.
      Simulation probe = build_simulation(per_run.front(), registry(), plans.front().seed, 1);
      check_output_tables(per_run.front(), table_names(per_run.front(), probe));
    }
    EnsembleOptions ens;
    ens.jobs = jobs;
    ens.threads_per_job = threads != 0 ? threads : std::max(base.engine.threads, 1u);
    const EnsemblePlan eplan = plan_ensemble(plans.size(), ens);
    for (const auto& w : eplan.warnings) std::fprintf(stderr, "simulacra.run: %s\n", w.c_str());
    ens.jobs = eplan.jobs;
    ens.threads_per_job = eplan.threads_per_job;
    const Provenance prov = base_provenance();
    auto job = [&](std::size_t i, unsigned job_threads) {
      auto collected = std::make_shared<CollectedDataset>();
      RunSession session(per_run[i], registry(), plans[i], job_threads);
      std::vector<std::unique_ptr<TableSink>> sinks;
      sinks.push_back(std::make_unique<MemorySink>(collected));
      session.attach(std::move(sinks));
      session.advance(session.end());
      session.finish(prov);
      data[i] = std::move(collected);
    };
    std::unique_ptr<ProgressPrinter> printer;
    if (progress && plans.size() > 1) printer = std::make_unique<ProgressPrinter>(stderr);
    const EnsembleResult result = run_ensemble(plans.size(), ens, job, printer ? printer->callback() : ProgressCallback{});
    if (printer) printer->finish();
    result.rethrow_first_error();
  }
  py::list out;
  for (std::size_t i = 0; i < plans.size(); ++i) {
    py::dict run;
    run["plan"] = plan_dict(plans[i]);
    run["dataset"] = to_python(std::move(*data[i]));
    data[i].reset();
    out.append(run);
  }
  return out;
}

// A dataset file written by Hdf5Sink: the tables named in `only` (all when
// empty), each in full. Throws DataError naming a table the file lacks.
py::dict read_hdf5(const std::string& path, const std::vector<std::string>& only) {
  CollectedDataset data;
  {
    py::gil_scoped_release release;
    const DatasetSummary summary = inspect_hdf5(path);
    for (const auto& name : only) {
      const bool found = std::any_of(summary.tables.begin(), summary.tables.end(),
                                     [&](const DatasetSummary::TableSummary& t) { return t.name == name; });
      if (!found) throw DataError(path + ": no table '" + name + "'");
    }
    for (const auto& t : summary.tables) {
      if (!only.empty() && std::find(only.begin(), only.end(), t.name) == only.end()) continue;
      TableSchema schema;
      schema.name = t.name;
      schema.row_meaning = t.row_meaning;
      for (const auto& c : t.columns) {
        Column col;
        col.name = c.name;
        col.type = c.type == "int64" ? ColumnType::int64
                   : c.type == "string" ? ColumnType::string
                   : c.type == "bool"   ? ColumnType::boolean
                                        : ColumnType::float64;
        col.unit = c.unit;
        col.doc = c.doc;
        schema.columns.push_back(std::move(col));
      }
      data.tables.push_back(collect(schema, read_table_hdf5(path, schema)));
    }
    data.provenance = summary.provenance;
  }
  return to_python(std::move(data));
}

double seconds(const std::string& text) {
  std::string why;
  const auto v = parse_quantity(text, Dimension::time, &why);
  if (!v) throw UserError("'" + text + "': expected a time such as 10d, 6h or 30min" + (why.empty() ? "" : " (" + why + ")"));
  return *v;
}

}  // namespace

}  // namespace simulacra::python

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  using namespace simulacra::python;
  m.doc() = "C++ core of the simulacra package; use the package's functions, not these.";
  register_errors(m);
  register_learned(m);
  register_calibrate(m);
  m.attr("version") = simulacra::kVersion;
  m.attr("git_commit") = simulacra::kGitCommit;

  m.def("run", &run_scenario, py::arg("source"), py::arg("is_text"), py::arg("overrides"), py::arg("threads"),
        py::arg("jobs"), py::arg("progress"));
  m.def("read_hdf5", &read_hdf5, py::arg("path"), py::arg("tables"));
  m.def("seconds", &seconds, py::arg("text"), "Seconds in a time such as '10d' or '30min'.");
  m.def("types", [] { return simulacra::describe(registry()); }, "The listing of `simulacra types`.");

  py::class_<Session>(m, "Session")
      .def(py::init<const std::string&, bool, const std::vector<std::pair<std::string, std::string>>&, std::size_t,
                    unsigned>(),
           py::arg("source"), py::arg("is_text"), py::arg("overrides"), py::arg("run"), py::arg("threads"))
      .def("advance_to", &Session::advance_to)
      .def("advance_until", &Session::advance_until)
      .def("observe", &Session::observe)
      .def("set_live", &Session::set_live)
      .def("branch", &Session::branch)
      .def("finish", &Session::finish)
      .def_property_readonly("now", &Session::now)
      .def_property_readonly("end", &Session::end)
      .def_property_readonly("over", &Session::over)
      .def_property_readonly("finished", &Session::finished)
      .def_property_readonly("stop_reason", &Session::stop_reason)
      .def_property_readonly("observable_names", &Session::observable_names)
      .def_property_readonly("population_names", &Session::population_names)
      .def_property_readonly("time_unit", &Session::time_unit)
      .def_property_readonly("plan", [](const Session& s) { return plan_dict(s.plan()); });
}
