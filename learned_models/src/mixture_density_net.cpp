// The mixture density network's torch module: an MLP of x whose head gives,
// per component, a logit, a mean and an upper-triangular precision factor
// (Bishop 1994; the Cholesky-of-precision form as in Papamakarios & Murray
// 2016), trained by Adam with early stopping. Part of libsimulacra_neural.so.
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "mixture_density_net.hpp"
#include "torch_single_thread.hpp"

namespace simulacra::learned {

namespace {

std::int64_t i64(std::size_t v) { return static_cast<std::int64_t>(v); }

// Log of a precision factor's diagonal, kept where the likelihood is finite
// and its gradient informative (standardised units: sd from e^-6 to e^3).
constexpr double kMinLogDiag = -3.0;
constexpr double kMaxLogDiag = 6.0;

struct Head {
  torch::Tensor log_weights;  ///< (B, K)
  torch::Tensor means;        ///< (B, K, D)
  torch::Tensor log_diag;     ///< (B, K, D)
  torch::Tensor factors;      ///< (B, K, D, D), upper triangular
};

struct Mdn : torch::nn::Module {
  Mdn(std::int64_t x_dim, std::int64_t y_dim, std::int64_t components, std::int64_t hidden, bool full_covariance)
      : d(y_dim), k(components), full(full_covariance),
        fc1(register_module("fc1", torch::nn::Linear(x_dim, hidden))),
        fc2(register_module("fc2", torch::nn::Linear(hidden, hidden))),
        head(register_module("head", torch::nn::Linear(hidden, components * (1 + 2 * y_dim +
                                                                             (full_covariance ? y_dim * y_dim : 0))))) {}

  Head forward(const torch::Tensor& x) {
    const torch::Tensor h = head(torch::tanh(fc2(torch::tanh(fc1(x)))));
    const std::int64_t b = x.size(0);
    Head out;
    std::int64_t at = 0;
    out.log_weights = torch::log_softmax(h.slice(1, at, at + k), 1);
    at += k;
    out.means = h.slice(1, at, at + k * d).reshape({b, k, d});
    at += k * d;
    out.log_diag = h.slice(1, at, at + k * d).reshape({b, k, d}).clamp(kMinLogDiag, kMaxLogDiag);
    at += k * d;
    out.factors = torch::diag_embed(torch::exp(out.log_diag));
    // Only the strict upper triangle of the off-diagonal block is used; the
    // other outputs get no gradient and stay at their initial values.
    if (full) out.factors = out.factors + torch::triu(h.slice(1, at, at + k * d * d).reshape({b, k, d, d}), 1);
    return out;
  }

  // log q(y | x) per row, for standardised y (B, D).
  torch::Tensor log_prob(const torch::Tensor& y, const torch::Tensor& x) {
    const Head m = forward(x);
    const torch::Tensor diff = y.unsqueeze(1) - m.means;                         // (B, K, D)
    const torch::Tensor u = torch::matmul(m.factors, diff.unsqueeze(-1)).squeeze(-1);  // (B, K, D)
    const double norm = -0.5 * static_cast<double>(d) * std::log(2.0 * std::numbers::pi);
    const torch::Tensor log_normal = norm + m.log_diag.sum(-1) - 0.5 * (u * u).sum(-1);  // (B, K)
    return torch::logsumexp(m.log_weights + log_normal, 1);
  }

  std::int64_t d, k;
  bool full;
  torch::nn::Linear fc1, fc2, head;
};

class TorchMixtureNetwork final : public MixtureDensityNetwork::Network {
 public:
  TorchMixtureNetwork(std::size_t y_dim, std::size_t x_dim, const MixtureDensityOptions& options)
      : options_(options), y_dim_(y_dim), x_dim_(x_dim) {
    SingleThread one;
    torch::manual_seed(options.seed);
    mdn_ = std::make_shared<Mdn>(i64(x_dim), i64(y_dim), i64(options.components), i64(options.hidden),
                                 options.full_covariance);
  }

  MixtureTraining train(const std::vector<float>& y, const std::vector<float>& x, std::size_t n_train,
                        std::size_t n_validation) override;
  void evaluate(const std::vector<float>& x, std::size_t m, std::vector<double>& out) const override;

 private:
  double mean_loss(const torch::Tensor& y, const torch::Tensor& x) const {
    torch::NoGradGuard no_grad;
    return -mdn_->log_prob(y, x).mean().item<double>();
  }

  MixtureDensityOptions options_;
  std::size_t y_dim_, x_dim_;
  std::shared_ptr<Mdn> mdn_;
};

MixtureTraining TorchMixtureNetwork::train(const std::vector<float>& y, const std::vector<float>& x,
                                           std::size_t n_train, std::size_t n_validation) {
  SingleThread one;
  torch::manual_seed(options_.seed ^ 0x6d646e5f74726169ULL);  // the batch order's own stream
  const std::int64_t n = i64(n_train + n_validation);
  const torch::Tensor ys = torch::from_blob(const_cast<float*>(y.data()), {n, i64(y_dim_)}, torch::kFloat).clone();
  const torch::Tensor xs = torch::from_blob(const_cast<float*>(x.data()), {n, i64(x_dim_)}, torch::kFloat).clone();
  const torch::Tensor y_train = ys.slice(0, 0, i64(n_train)), x_train = xs.slice(0, 0, i64(n_train));
  const torch::Tensor y_val = ys.slice(0, i64(n_train), n), x_val = xs.slice(0, i64(n_train), n);

  torch::optim::Adam adam(mdn_->parameters(), torch::optim::AdamOptions(options_.learning_rate));
  const std::int64_t batch = std::min(i64(options_.batch_size), i64(n_train));
  const std::int64_t steps = std::max<std::int64_t>(1, i64(n_train) / batch);

  MixtureTraining t;
  t.train_rows = n_train;
  t.validation_rows = n_validation;
  t.validation_loss = std::numeric_limits<double>::infinity();
  std::vector<torch::Tensor> best;
  double lr = options_.learning_rate;
  std::size_t last_cut = 0;
  for (std::size_t epoch = 1; epoch <= options_.max_epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(i64(n_train), torch::kLong);
    for (std::int64_t s = 0; s < steps; ++s) {
      const torch::Tensor idx = order.slice(0, s * batch, (s + 1) * batch);
      const torch::Tensor loss = -mdn_->log_prob(y_train.index_select(0, idx), x_train.index_select(0, idx)).mean();
      adam.zero_grad();
      loss.backward();
      adam.step();
    }
    t.epochs = epoch;
    const double v = mean_loss(y_val, x_val);
    if (v < t.validation_loss) {
      t.validation_loss = v;
      t.best_epoch = epoch;
      best.clear();
      for (const auto& p : mdn_->parameters()) best.push_back(p.detach().clone());
    } else if (epoch - t.best_epoch >= options_.patience) {
      break;
    } else if (epoch - std::max(t.best_epoch, last_cut) >= std::max<std::size_t>(1, options_.patience / 2)) {
      // Halfway to stopping: smaller steps often find a better optimum.
      lr *= 0.5;
      static_cast<torch::optim::AdamOptions&>(adam.param_groups().front().options()).lr(lr);
      last_cut = epoch;
    }
  }
  {
    torch::NoGradGuard no_grad;
    const auto params = mdn_->parameters();
    for (std::size_t i = 0; i < best.size(); ++i) params[i].copy_(best[i]);
  }
  t.train_loss = mean_loss(y_train, x_train);
  return t;
}

void TorchMixtureNetwork::evaluate(const std::vector<float>& x, std::size_t m, std::vector<double>& out) const {
  SingleThread one;
  torch::NoGradGuard no_grad;
  const torch::Tensor xs = torch::from_blob(const_cast<float*>(x.data()), {i64(m), i64(x_dim_)}, torch::kFloat);
  const Head h = mdn_->forward(xs);
  const std::int64_t k = i64(options_.components), d = i64(y_dim_);
  const torch::Tensor flat =
      torch::cat({h.log_weights, h.means.reshape({i64(m), k * d}), h.factors.reshape({i64(m), k * d * d})}, 1)
          .to(torch::kDouble)
          .contiguous();
  out.assign(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
}

}  // namespace

}  // namespace simulacra::learned

// The module's entry point for mixture density networks (see
// MixtureNetworkFactory). Exceptions pass to the caller: both sides share one
// libstdc++.
extern "C" __attribute__((visibility("default"))) simulacra::learned::MixtureDensityNetwork::Network*
simulacra_mixture_network_create(std::size_t y_dim, std::size_t x_dim,
                                 const simulacra::learned::MixtureDensityOptions& options) {
  return new simulacra::learned::TorchMixtureNetwork(y_dim, x_dim, options);
}
