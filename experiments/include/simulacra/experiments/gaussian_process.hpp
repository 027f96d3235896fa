// Gaussian-process regression with a Matérn 5/2 kernel (one length scale per
// input), a constant mean and Gaussian observation noise (a nugget): the
// surrogate of Bayesian optimisation. Inputs are expected in the unit cube;
// outputs are centred and scaled inside.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace simulacra::calibrate {

/// Hyperparameters, on the standardised output scale (sd 1).
struct GpHyper {
  std::vector<double> length_scales;  ///< per input, in unit-cube units
  double signal_sd = 1.0;             ///< sd of the latent function
  double noise_sd = 0.1;              ///< sd of an observation around it
};

struct GpFitOptions {
  std::size_t restarts = 4;  ///< random starts of the likelihood search besides the default one
  std::uint64_t seed = 1;
  /// Bounds of the search (length scales in unit-cube units; sds on the
  /// standardised scale). The noise floor keeps K + noise I well conditioned.
  double min_length = 0.02, max_length = 5.0;
  double min_signal = 0.05, max_signal = 20.0;
  double min_noise = 1e-4, max_noise = 1.0;
};

class GaussianProcess {
 public:
  struct Prediction {
    double mean = 0.0;
    double sd = 0.0;  ///< of the latent function (observation noise excluded)
  };

  /// Conditions on x (rows in [0, 1]^d) and y with the given hyperparameters.
  /// Throws UserError for empty, ragged or mismatched data, or non-finite y.
  GaussianProcess(std::vector<std::vector<double>> x, std::vector<double> y, GpHyper hyper);

  /// Hyperparameters maximising the log marginal likelihood (NLopt BOBYQA
  /// from a default start, `start` when given, and options.restarts random
  /// ones), then conditioned on the data. Deterministic for the seed.
  /// Throws what the constructor throws.
  static GaussianProcess fit(std::vector<std::vector<double>> x, std::vector<double> y,
                             const GpFitOptions& options = {}, const GpHyper* start = nullptr);

  Prediction predict(const std::vector<double>& x) const;
  double log_marginal_likelihood() const { return log_ml_; }
  const GpHyper& hyper() const { return hyper_; }
  const std::vector<std::vector<double>>& inputs() const { return x_; }
  const std::vector<double>& outputs() const { return y_; }
  /// The same hyperparameters, conditioned on one more point.
  GaussianProcess with(const std::vector<double>& x, double y) const;

  /// Matérn 5/2 correlation at scaled distance r.
  static double matern52(double r);

 private:
  std::vector<std::vector<double>> x_;
  std::vector<double> y_;
  GpHyper hyper_;
  double y_mean_ = 0.0, y_scale_ = 1.0;
  double log_ml_ = 0.0;
  std::vector<double> chol_;   ///< lower Cholesky factor of K + noise I (standardised), row-major n x n
  std::vector<double> alpha_;  ///< (K + noise I)^-1 (y - mean) / scale
};

}  // namespace simulacra::calibrate
