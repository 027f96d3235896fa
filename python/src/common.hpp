// What the module's functions share: one registry of population types, the
// provenance every dataset made from Python starts with, and loading a
// scenario from a file or from YAML text.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "simulacra/engine/registry.hpp"
#include "simulacra/engine/scenario.hpp"
#include "simulacra/engine/table_sink.hpp"

namespace simulacra::python {

/// Every population type, with model files read by learned_models (as the CLI's).
const Registry& registry();

/// simulacra_version, git_commit, and interface = "python".
Provenance base_provenance();

/// (path, YAML value) pairs as Overrides.
std::vector<Override> overrides(const std::vector<std::pair<std::string, std::string>>& pairs);

/// A scenario from file `source`, or from YAML text when `is_text` (then
/// files it names are found relative to the working directory). Throws
/// ScenarioError.
Scenario load(const std::string& source, bool is_text, const std::vector<Override>& overrides);

}  // namespace simulacra::python
