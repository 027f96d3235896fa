// BOBYQA through NLopt's C interface.
#include "box_minimise.hpp"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>

namespace simulacra::calibrate {

namespace {

struct Call {
  const std::function<double(const std::vector<double>&)>* f;
  std::vector<double> x;
  std::exception_ptr error;
  nlopt_opt opt;
  BoxMinimum best;  ///< NLopt returns its best, but a stopped run may not: keep our own
};

double trampoline(unsigned n, const double* x, double* /*grad: derivative-free*/, void* data) {
  auto* call = static_cast<Call*>(data);
  call->x.assign(x, x + n);
  try {
    double v = (*call->f)(call->x);
    if (std::isnan(v)) v = std::numeric_limits<double>::max();
    if (v < call->best.value) call->best = {call->x, v};
    return v;
  } catch (...) {
    call->error = std::current_exception();
    nlopt_force_stop(call->opt);
    return std::numeric_limits<double>::max();
  }
}

}  // namespace

BoxMinimum minimise_in_box(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x0,
                           const std::vector<double>& lower, const std::vector<double>& upper,
                           std::size_t max_evals) {
  const auto n = static_cast<unsigned>(x0.size());
  for (unsigned i = 0; i < n; ++i) x0[i] = std::clamp(x0[i], lower[i], upper[i]);
  std::unique_ptr<nlopt_opt_s, void (*)(nlopt_opt)> opt(nlopt_create(NLOPT_LN_BOBYQA, n), nlopt_destroy);
  Call call{&f, {}, nullptr, opt.get(), {x0, std::numeric_limits<double>::infinity()}};
  nlopt_set_lower_bounds(opt.get(), lower.data());
  nlopt_set_upper_bounds(opt.get(), upper.data());
  nlopt_set_min_objective(opt.get(), trampoline, &call);
  nlopt_set_maxeval(opt.get(), static_cast<int>(max_evals));
  nlopt_set_xtol_rel(opt.get(), 1e-6);
  nlopt_set_ftol_abs(opt.get(), 1e-10);
  double value = 0.0;
  std::vector<double> x = x0;
  nlopt_optimize(opt.get(), x.data(), &value);  // any stop reason: the best point so far is the answer
  if (call.error) std::rethrow_exception(call.error);
  if (!std::isfinite(call.best.value)) call.best = {x0, f(x0)};
  return call.best;
}

}  // namespace simulacra::calibrate
