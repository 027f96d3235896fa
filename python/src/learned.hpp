// simulacra.fit / Model.sample / evaluate: the learned generators and the
// synthetic-data metrics of learned_models, over tables given as CSV text
// (what pandas' to_csv writes), so a fit from Python is `simulacra fit` on
// that text.
#pragma once

#include <pybind11/pybind11.h>

namespace simulacra::python {

/// Adds Model, fit, load_model and evaluate to `m`.
void register_learned(pybind11::module_& m);

}  // namespace simulacra::python
