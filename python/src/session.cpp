#include "session.hpp"

#include <pybind11/stl.h>

#include <stdexcept>

#include "common.hpp"
#include "tables.hpp"
#include "simulacra/engine/runner.hpp"

namespace simulacra::python {

namespace py = pybind11;

namespace {

RunSession open_session(const std::string& source, bool is_text,
                        const std::vector<std::pair<std::string, std::string>>& pairs, std::size_t run,
                        unsigned threads) {
  const std::vector<Override> ov = overrides(pairs);
  const Scenario base = load(source, is_text, ov);
  const std::vector<RunPlan> plans = plan_runs(base);
  if (run >= plans.size()) {
    throw ScenarioError({Issue{SourcePos{base.path, 0, 0}, "run",
                               "run " + std::to_string(run) + " does not exist: the scenario has " +
                                   std::to_string(plans.size()) + " run(s)"}});
  }
  return RunSession(scenario_for(base, ov, plans[run], registry()), registry(), plans[run], threads);
}

}  // namespace

Session::Session(const std::string& source, bool is_text,
                 const std::vector<std::pair<std::string, std::string>>& overrides, std::size_t run, unsigned threads)
    : Session(open_session(source, is_text, overrides, run, threads)) {}

Session::Session(RunSession s) : session_(std::move(s)), data_(std::make_shared<CollectedDataset>()) {
  std::vector<std::unique_ptr<TableSink>> sinks;
  sinks.push_back(std::make_unique<MemorySink>(data_));
  session_.attach(std::move(sinks));
}

void Session::check_open() const {
  if (finished_) throw std::logic_error("simulacra.Session: the session has finished");
}

bool Session::advance_to(double seconds) {
  check_open();
  py::gil_scoped_release release;
  return session_.advance(SimTime{seconds});
}

bool Session::advance_until(const std::string& condition, double check_every_s) {
  check_open();
  const Expression e = session_.expression(condition);
  py::gil_scoped_release release;
  return session_.advance_until(e, SimTime{check_every_s});
}

py::dict Session::observe() {
  check_open();
  std::vector<double> values;
  {
    py::gil_scoped_release release;
    values = session_.observe();
  }
  py::dict out;
  for (std::size_t i = 0; i < values.size(); ++i) out[py::str(session_.observable_names()[i])] = values[i];
  return out;
}

void Session::set_live(const std::string& population, const std::string& key, const std::string& value) {
  check_open();
  session_.set_live(population, key, value);
}

Session Session::branch(std::uint64_t k) const {
  check_open();
  return Session(session_.branch(k));
}

py::dict Session::finish() {
  check_open();
  {
    py::gil_scoped_release release;
    session_.finish(base_provenance());
  }
  finished_ = true;
  return to_python(std::move(*data_));
}

std::vector<std::string> Session::population_names() const {
  std::vector<std::string> out;
  for (const auto& p : session_.scenario().populations) out.push_back(p.name);
  return out;
}

}  // namespace simulacra::python
