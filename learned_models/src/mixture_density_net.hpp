// The mixture density network's torch side behind an abstract interface; the
// implementation (mixture_density_net.cpp) lives in the torch module
// libsimulacra_neural.so, loaded on first use (neural_module.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "simulacra/learned/mixture_density.hpp"

namespace simulacra::learned {

class MixtureDensityNetwork::Network {
 public:
  /// Fresh weights under torch::manual_seed(options.seed), from the module.
  /// Throws DataError if the module cannot be loaded.
  static std::unique_ptr<Network> create(std::size_t y_dim, std::size_t x_dim, const MixtureDensityOptions& options);

  Network() = default;
  virtual ~Network() = default;
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  /// Trains on standardised rows (row-major floats): the first n_train rows
  /// of y and x for Adam, the next n_validation for early stopping; keeps the
  /// best epoch's weights.
  virtual MixtureTraining train(const std::vector<float>& y, const std::vector<float>& x, std::size_t n_train,
                                std::size_t n_validation) = 0;

  /// The mixtures for m standardised rows of x, in standardised y units,
  /// row after row: K log-weights, K x D means, K x D x D upper-triangular
  /// precision factors (row-major).
  virtual void evaluate(const std::vector<float>& x, std::size_t m, std::vector<double>& out) const = 0;
};

/// The module's entry point for this network, looked up by name.
using MixtureNetworkFactory = MixtureDensityNetwork::Network* (*)(std::size_t y_dim, std::size_t x_dim,
                                                                  const MixtureDensityOptions& options);
inline constexpr const char* kMixtureNetworkFactory = "simulacra_mixture_network_create";

}  // namespace simulacra::learned
