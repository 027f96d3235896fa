// simulacra.Session's C++ side: one RunSession held open for Python, its rows
// collected in memory, driven step by step (advance, observe, set, branch).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>

#include "memory_sink.hpp"
#include "simulacra/engine/run_session.hpp"

namespace simulacra::python {

class Session {
 public:
  /// Run `run` (index into the scenario's plan of runs) of the scenario.
  /// Throws ScenarioError (also for `run` out of range), ConfigError.
  Session(const std::string& source, bool is_text, const std::vector<std::pair<std::string, std::string>>& overrides,
          std::size_t run, unsigned threads);

  /// RunSession::advance / advance_until, with the GIL released.
  bool advance_to(double seconds);
  bool advance_until(const std::string& condition, double check_every_s);
  pybind11::dict observe();
  void set_live(const std::string& population, const std::string& key, const std::string& value);
  /// An independent continuation on streams re-derived from branch path + k.
  Session branch(std::uint64_t k) const;
  /// Ends the run; the collected dataset (see to_python). Throws
  /// std::logic_error if already finished.
  pybind11::dict finish();

  double now() const { return session_.now().value; }
  double end() const { return session_.end().value; }
  bool over() const { return session_.over(); }
  bool finished() const { return finished_; }
  const std::string& stop_reason() const { return session_.stop_reason(); }
  const std::vector<std::string>& observable_names() const { return session_.observable_names(); }
  std::vector<std::string> population_names() const;
  const RunPlan& plan() const { return session_.plan(); }
  const std::string& time_unit() const { return session_.scenario().time_unit; }

 private:
  explicit Session(RunSession s);
  void check_open() const;

  RunSession session_;
  std::shared_ptr<CollectedDataset> data_;
  bool finished_ = false;
};

}  // namespace simulacra::python
