// A mixture density network: a conditional density q(y | x), a Gaussian
// mixture whose weights, means and covariances are outputs of a small network
// of x. Neural posterior estimation fits it to simulated (θ, summaries) pairs.
// The network runs in the torch module (libsimulacra_neural.so), loaded on
// first use; nothing here names a torch type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "simulacra/engine/random.hpp"

namespace simulacra::learned {

/// A run of x's columns that is one series (a daily count, a price path):
/// columns first .. first + length - 1.
struct SeriesColumns {
  std::size_t first = 0;
  std::size_t length = 0;
};

struct MixtureDensityOptions {
  std::size_t components = 4;    ///< Gaussians in the mixture
  std::size_t hidden = 64;       ///< units in each of the two tanh hidden layers
  bool full_covariance = true;   ///< false: diagonal covariances
  std::size_t max_epochs = 400;  ///< passes over the training rows at most
  std::size_t batch_size = 128;
  double learning_rate = 1e-3;       ///< Adam's
  double validation_fraction = 0.1;  ///< rows held out for early stopping
  std::size_t patience = 20;  ///< stop after this many epochs without a better validation loss
  std::uint64_t seed = 1;     ///< initial weights, the split and the batch order
  /// Long series among x's columns, each reduced by its own small 1-D
  /// convolutional network to `embedding` learned summaries, trained with the
  /// rest; the MLP sees those and x's other columns. A series is standardised
  /// as a whole (one mean and sd), so its shape over time reaches the
  /// network. Each must hold at least 8 columns; they may not overlap.
  std::vector<SeriesColumns> series;
  std::size_t embedding = 8;  ///< learned summaries per series
};

/// A Gaussian mixture over y, in y's own units.
struct GaussianMixture {
  std::size_t dim = 0;
  std::vector<double> weights;             ///< sum to 1
  std::vector<std::vector<double>> means;  ///< per component, dim values
  /// Per component the upper-triangular U (row-major, dim x dim, positive
  /// diagonal) with precision U^T U: the covariance is (U^T U)^-1.
  std::vector<std::vector<double>> precision_factors;

  double log_density(const std::vector<double>& y) const;
  /// One draw: a component by weight, then mean + U^-1 z with z ~ N(0, I).
  std::vector<double> sample(RandomStream& rng) const;
  std::vector<double> mean() const;
  /// Row-major dim x dim covariance of the whole mixture.
  std::vector<double> covariance() const;
};

/// How training went. Losses are mean negative log densities per row in
/// standardised units (y and x each centred and scaled to unit sd).
struct MixtureTraining {
  std::size_t epochs = 0;      ///< epochs run
  std::size_t best_epoch = 0;  ///< the epoch whose weights were kept (1-based)
  double train_loss = 0.0;     ///< over the training rows, at the best epoch
  double validation_loss = 0.0;
  std::size_t train_rows = 0, validation_rows = 0;
};

class MixtureDensityNetwork {
 public:
  /// The torch side (see mixture_density_net.hpp).
  class Network;

  /// Fits q(y | x) to rows y[i], x[i] by maximum likelihood (Adam), keeping
  /// the weights of the epoch with the best loss on a held-out
  /// validation_fraction of the rows and stopping `patience` epochs later.
  /// y and x are standardised inside (a constant column keeps scale 1).
  /// The same rows and options give the same network on any machine with the
  /// same LibTorch build (torch runs on one thread).
  /// Throws UserError for empty, ragged or non-finite rows, fewer than 10
  /// rows, or options out of range; DataError if the torch module cannot be
  /// loaded (or the build has no LibTorch).
  static MixtureDensityNetwork fit(const std::vector<std::vector<double>>& y,
                                   const std::vector<std::vector<double>>& x, const MixtureDensityOptions& options);

  /// q(. | x) in y's units. Throws UserError if x has the wrong width.
  GaussianMixture mixture(const std::vector<double>& x) const;
  /// log q(y | x). Throws UserError on wrong widths.
  double log_density(const std::vector<double>& y, const std::vector<double>& x) const;

  std::size_t y_dim() const { return y_mean_.size(); }
  std::size_t x_dim() const { return x_mean_.size(); }
  const MixtureTraining& training() const { return training_; }
  const MixtureDensityOptions& options() const { return options_; }

 private:
  MixtureDensityNetwork() = default;
  std::shared_ptr<const Network> net_;  ///< frozen after fit; copies share it
  MixtureDensityOptions options_;
  MixtureTraining training_;
  std::vector<double> y_mean_, y_sd_, x_mean_, x_sd_;
};

}  // namespace simulacra::learned
