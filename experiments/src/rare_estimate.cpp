#include <boost/math/distributions/students_t.hpp>

#include "simulacra/experiments/rare.hpp"

namespace simulacra::rare {

double t_quantile_975(std::size_t dof) {
  const boost::math::students_t dist(static_cast<double>(std::max<std::size_t>(dof, 1)));
  return boost::math::quantile(dist, 0.975);
}

}  // namespace simulacra::rare
