// The neural generator: a tabular variational autoencoder (in the manner of
// TVAE) for tables whose dependence a Gaussian copula cannot capture. Built
// only with SIMULACRA_WITH_TORCH; this header includes no torch header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "simulacra/learned/generator.hpp"

namespace simulacra::learned {

struct NeuralOptions {
  /// Passes over the data; 0 picks enough for `steps` gradient steps, at
  /// least 300 passes (small tables are not under-trained) and at most 600
  /// (nor memorised).
  std::size_t epochs = 0;
  std::size_t steps = 3000;      ///< gradient steps when epochs is 0
  std::size_t batch_size = 64;   ///< rows per gradient step (capped at the row count)
  std::size_t latent = 16;       ///< latent dimension
  std::size_t hidden = 128;      ///< width of the two hidden layers of encoder and decoder
  double learning_rate = 2e-3;   ///< Adam
  std::uint64_t seed = 1;        ///< weight initialisation, minibatch order, reparameterisation noise
  /// Latent candidates per sampled row when columns are fixed or constrained
  /// (see NeuralGenerator). Saved with the model, so a loaded model samples
  /// exactly as the fitted one.
  std::size_t candidates = 128;
  /// After training, map each numeric column's output scores to normal
  /// scores through the quantiles of 20,000 decoded draws (saved with the
  /// model), so sampled marginals are the empirical ones even where the
  /// decoder's aggregate output is not N(0, 1) (see NeuralGenerator).
  bool calibrate = true;
  /// Called after every epoch with (epochs done, epochs in all, the epoch's
  /// mean training loss); not saved with the model.
  std::function<void(std::size_t, std::size_t, double)> progress;
};

/// Tabular VAE. Encoding: a numeric column becomes the normal score of its
/// empirical marginal (Phi^-1 of the CDF; a point mass is the mean normal
/// score of its cell), a categorical column a one-hot block. Encoder and
/// decoder are MLPs with two ReLU hidden layers; the decoder gives each
/// numeric score a mean (and the column a learned standard deviation, clamped
/// to [0.01, 1]) and each categorical block logits. Fit: Adam on
/// 0.5 x reconstruction negative log-likelihood + KL(q(z|x) || N(0, I))
/// (TVAE weighs the reconstruction 2; the lighter weight keeps the codes
/// near the prior that sampling draws from, see neural_net.cpp). Then
/// calibration: 20,000 decoded draws give each numeric column's quantiles
/// of output scores, a monotone piecewise-linear map to normal scores.
/// Sample: z ~ N(0, I) from our RandomStream, decode, draw each column from
/// its output distribution, map a score through the calibration, Phi and the
/// marginal's quantile (so marginals are the empirical ones, as for the
/// copula, even where the decoder's aggregate output is not N(0, 1)).
///
/// Conditional sampling chooses latent codes by sampling importance
/// resampling: per row, `candidates` codes are drawn from the prior, each is
/// weighted by the decoder's likelihood of the fixed values (a category's
/// probability, a point mass's interval probability, a continuous value's
/// density) times the probability its free columns land in their allowed
/// sets, and one code is drawn by weight. The free columns are then drawn from
/// the decoder's distribution given that code, truncated to their allowed
/// sets. This approximates p(free | fixed) (exact as candidates grows), and
/// never fails: a rare value only makes the weights more uneven.
///
/// Determinism: fitting is seeded (torch::manual_seed) and sampling draws all
/// its randomness from the RandomStream; both run torch on one CPU thread so
/// float reductions do not depend on the thread count. Samples for a seed are
/// identical on one machine and build; a CPU with other SIMD kernels may round
/// differently.
class NeuralGenerator final : public Generator {
 public:
  /// `data` is a table as users have it (TableMetadata: ids are left out,
  /// datetimes and empty cells modelled as numbers and indicators).
  /// Throws DataError for an empty table, a table of ids only; std::invalid_argument for a zero
  /// batch size, latent or hidden size or candidates, zero epochs and zero
  /// steps, or a non-positive learning rate.
  static std::unique_ptr<NeuralGenerator> fit(const DataTable& data, const NeuralOptions& options = {});
  /// Throws ModelFileError for missing or inconsistent arrays (including
  /// weights whose shapes do not match the stored architecture).
  static std::unique_ptr<NeuralGenerator> load(const ModelArchive& archive);

  NeuralGenerator(const NeuralGenerator&) = delete;
  NeuralGenerator& operator=(const NeuralGenerator&) = delete;
  ~NeuralGenerator() override;

  std::string kind() const override { return "neural"; }
  /// Mean training loss per row in the last epoch (0 for a loaded model).
  double final_loss() const { return final_loss_; }

  class Network;  ///< the torch modules, defined in neural_net.cpp

 private:
  NeuralGenerator();
  void draw_u(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& evidence,
              std::vector<double>& u) const override;
  void store(ModelArchive& archive) const override;
  void build_layout();
  void calibrate(std::uint64_t seed);
  /// Numeric column k's output score to a normal score, and back (identity
  /// without calibration).
  double to_normal(std::size_t k, double score) const;
  double from_normal(std::size_t k, double z) const;

  std::unique_ptr<Network> net_;
  std::size_t latent_ = 0;
  std::size_t hidden_ = 0;
  std::size_t candidates_ = 0;
  /// Per column: first slot in the encoded row, and its width (1 numeric).
  std::vector<std::size_t> slot_;
  std::vector<std::size_t> width_;
  std::size_t encoded_width_ = 0;
  double final_loss_ = 0;
  /// Per numeric column: output scores at the knots (empty: no calibration).
  std::vector<std::vector<double>> calibration_;
  std::vector<double> knot_scores_;  ///< the knots' normal scores
};

}  // namespace simulacra::learned
