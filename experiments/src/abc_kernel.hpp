// ABC-SMC's perturbation kernel: the optimal local covariance matrix kernel
// of Filippi, Barnes, Cornebise and Stumpf (2013). Particle i moves by a
// Gaussian whose covariance is the weighted second moment, about particle i,
// of the previous particles that already meet the next tolerance — so moves
// follow a correlated posterior (a ridge) instead of crossing it.
#pragma once

#include <cstddef>
#include <vector>

#include <Eigen/Dense>

#include "simulacra/engine/random.hpp"

namespace simulacra::calibrate {

class PerturbationKernel {
 public:
  /// particles in work coordinates, their normalised weights and distances;
  /// eps the tolerance the moved particles must meet.
  PerturbationKernel(const std::vector<std::vector<double>>& particles, const std::vector<double>& weights,
                     const std::vector<double>& distances, double eps);

  /// A draw from particle j's kernel.
  std::vector<double> perturb(std::size_t j, RandomStream& rng) const;

  /// log of sum_j weight_j N(x; particle_j, covariance_j).
  double log_mixture_density(const std::vector<double>& x) const;

 private:
  std::vector<Eigen::VectorXd> centres_;
  std::vector<double> log_weights_;
  std::vector<Eigen::MatrixXd> cholesky_;  // lower factors
  std::vector<double> log_norm_;           // -d/2 log 2 pi - log det L
};

}  // namespace simulacra::calibrate
