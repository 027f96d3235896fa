// simulacra.calibrate: the calibration methods (ABC-SMC, NPE, BO) over a
// simulator written in Python, called with a batch of parameter rows and
// their seeds on the calling thread.
#pragma once

#include <pybind11/pybind11.h>

namespace simulacra::python {

/// Adds _core.calibrate to `m`.
void register_calibrate(pybind11::module_& m);

}  // namespace simulacra::python
