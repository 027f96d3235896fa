// The C++ UserError hierarchy as Python exceptions: simulacra.Error and one
// subclass per typed error (ScenarioError carries every issue's position).
#pragma once

#include <pybind11/pybind11.h>

namespace simulacra::python {

/// Adds Error, ScenarioError, ConfigError, DataError, LookaheadError,
/// CheckpointError, ExpressionError, ModelFileError and NetworkFileError to
/// `m`, and translates the C++ exceptions into them.
void register_errors(pybind11::module_& m);

}  // namespace simulacra::python
