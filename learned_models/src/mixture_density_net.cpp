// The mixture density network's torch module: an MLP of x whose head gives,
// per component, a logit, a mean and an upper-triangular precision factor
// (Bishop 1994; the Cholesky-of-precision form as in Papamakarios & Murray
// 2016), trained by Adam with early stopping. Part of libsimulacra_neural.so.
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

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

// A series' learned summaries: two convolutions over time (local shape:
// rises, peaks, turning points), pooled to 8 positions (where along the
// series), then a linear map to the summaries.
torch::nn::Sequential series_embedding(std::int64_t out) {
  namespace nn = torch::nn;
  return nn::Sequential(nn::Conv1d(nn::Conv1dOptions(1, 8, 5).padding(2)), nn::ReLU(), nn::MaxPool1d(2),
                        nn::Conv1d(nn::Conv1dOptions(8, 16, 5).padding(2)), nn::ReLU(), nn::AdaptiveAvgPool1d(8),
                        nn::Flatten(), nn::Linear(16 * 8, out));
}

// Columns of x that are not in a series, in order.
std::vector<std::int64_t> plain_columns(std::size_t x_dim, const std::vector<SeriesColumns>& series) {
  std::vector<bool> in_series(x_dim, false);
  for (const auto& s : series)
    for (std::size_t j = s.first; j < s.first + s.length; ++j) in_series[j] = true;
  std::vector<std::int64_t> out;
  for (std::size_t j = 0; j < x_dim; ++j)
    if (!in_series[j]) out.push_back(i64(j));
  return out;
}

struct Mdn : torch::nn::Module {
  Mdn(std::size_t x_dim, std::int64_t y_dim, const MixtureDensityOptions& o)
      : d(y_dim), k(i64(o.components)), full(o.full_covariance), series(o.series),
        plain(torch::tensor(plain_columns(x_dim, o.series), torch::kLong)),
        fc1(register_module("fc1", torch::nn::Linear(plain.size(0) + i64(o.series.size() * o.embedding),
                                                     i64(o.hidden)))),
        fc2(register_module("fc2", torch::nn::Linear(i64(o.hidden), i64(o.hidden)))),
        head(register_module("head", torch::nn::Linear(i64(o.hidden), k * (1 + 2 * y_dim + (full ? y_dim * y_dim : 0))))) {
    for (std::size_t i = 0; i < series.size(); ++i)
      embed.push_back(register_module("embed" + std::to_string(i), series_embedding(i64(o.embedding))));
  }

  // What the MLP sees: x's plain columns, then each series' summaries.
  torch::Tensor inputs(const torch::Tensor& x) {
    if (series.empty()) return x;
    std::vector<torch::Tensor> parts;
    if (plain.size(0) > 0) parts.push_back(x.index_select(1, plain));
    for (std::size_t i = 0; i < series.size(); ++i) {
      const auto first = i64(series[i].first), length = i64(series[i].length);
      parts.push_back(embed[i]->forward(x.slice(1, first, first + length).unsqueeze(1)));
    }
    return torch::cat(parts, 1);
  }

  Head forward(const torch::Tensor& x) {
    const torch::Tensor h = head(torch::tanh(fc2(torch::tanh(fc1(inputs(x))))));
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
  std::vector<SeriesColumns> series;
  torch::Tensor plain;  ///< indices of x's columns outside every series
  torch::nn::Linear fc1, fc2, head;
  std::vector<torch::nn::Sequential> embed;
};

class TorchMixtureNetwork final : public MixtureDensityNetwork::Network {
 public:
  TorchMixtureNetwork(std::size_t y_dim, std::size_t x_dim, const MixtureDensityOptions& options)
      : options_(options), y_dim_(y_dim), x_dim_(x_dim) {
    SingleThread one;
    torch::manual_seed(options.seed);
    mdn_ = std::make_shared<Mdn>(x_dim, i64(y_dim), options);
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
