// The VAE's networks behind a plain interface, so that only neural_net.cpp
// includes torch (a translation unit with <torch/torch.h> takes ~12 s).
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
  /// Fresh weights drawn under torch::manual_seed(seed).
  Network(EncodedLayout layout, std::size_t latent, std::size_t hidden, std::uint64_t seed);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  /// Trains on n encoded rows (row-major). Returns the mean loss per row over
  /// the last epoch.
  double train(const std::vector<float>& rows, std::size_t n, const NeuralOptions& options);

  /// Decodes m latent codes (row-major, latent wide) into m rows of `width`
  /// outputs: numeric score means and categorical logits.
  void decode(const std::vector<float>& z, std::size_t m, std::vector<float>& out) const;
  /// Output standard deviation of each numeric slot, in layout order.
  std::vector<double> sigma() const;

  /// The decoder's parameters (what sampling needs) by name: values row-major,
  /// shapes alongside.
  std::map<std::string, std::vector<double>> weights() const;
  /// Sets the decoder's parameters; throws std::invalid_argument naming the
  /// first missing or misshapen one.
  void set_weights(const std::map<std::string, std::vector<double>>& weights);

 private:
  struct Modules;
  std::unique_ptr<Modules> m_;
  EncodedLayout layout_;
  std::size_t latent_;
};

}  // namespace simulacra::learned
