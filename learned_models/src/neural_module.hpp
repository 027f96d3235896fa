// The torch module (libsimulacra_neural.so): found and loaded the first time
// one of its networks is made, so that LibTorch is mapped only into processes
// that train or run a network.
#pragma once

namespace simulacra::learned {

/// The address of an entry point of the module, loading the module on the
/// first call (once per process, never unloaded). Throws DataError naming
/// where it looked if the module cannot be found or loaded, or lacks `name`.
void* neural_module_symbol(const char* name);

}  // namespace simulacra::learned
