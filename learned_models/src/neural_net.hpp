// The VAE's networks behind an abstract interface. The torch implementation
// (neural_net.cpp) is built as a separate module, libsimulacra_neural.so, that
// Network::create() loads on first use: a command that never fits or samples a
// neural model does not load LibTorch (which costs ~0.5 CPU-s and ~150 MB).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "simulacra/learned/neural.hpp"

namespace simulacra::learned {

/// Encoded rows are `width` floats: numeric slots hold a normal score,
/// categorical blocks [first, first + size) a one-hot vector.
struct EncodedLayout {
  std::size_t width = 0;
  std::vector<std::size_t> numeric;                             ///< slots
  std::vector<std::pair<std::size_t, std::size_t>> categorical; ///< (first slot, size)
};

class NeuralGenerator::Network {
 public:
  /// Fresh weights drawn under torch::manual_seed(seed), from the torch
  /// module (loaded once per process, see neural_module.cpp). Throws
  /// DataError naming the module if it cannot be found or loaded.
  static std::unique_ptr<Network> create(const EncodedLayout& layout, std::size_t latent, std::size_t hidden,
                                         std::uint64_t seed);

  Network() = default;
  virtual ~Network() = default;
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  /// Trains on n encoded rows (row-major). Returns the mean loss per row over
  /// the last epoch.
  virtual double train(const std::vector<float>& rows, std::size_t n, const NeuralOptions& options) = 0;

  /// Decodes m latent codes (row-major, latent wide) into m rows of `width`
  /// outputs: numeric score means and categorical logits.
  virtual void decode(const std::vector<float>& z, std::size_t m, std::vector<float>& out) const = 0;
  /// Output standard deviation of each numeric slot, in layout order.
  virtual std::vector<double> sigma() const = 0;

  /// The decoder's parameters (what sampling needs) by name: values row-major,
  /// shapes alongside.
  virtual std::map<std::string, std::vector<double>> weights() const = 0;
  /// Sets the decoder's parameters; throws std::invalid_argument naming the
  /// first missing or misshapen one.
  virtual void set_weights(const std::map<std::string, std::vector<double>>& weights) = 0;
};

/// The module's one entry point, looked up by name with dlsym: a new network
/// (fresh weights under torch::manual_seed(seed)), owned by the caller.
using NeuralNetworkFactory = NeuralGenerator::Network* (*)(const EncodedLayout& layout, std::size_t latent,
                                                           std::size_t hidden, std::uint64_t seed);
inline constexpr const char* kNeuralNetworkFactory = "simulacra_neural_network_create";

}  // namespace simulacra::learned
