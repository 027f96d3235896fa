// The neural generator without torch: encoding rows for the VAE, sampling from
// the decoder's outputs under evidence, and the model file's arrays. The
// networks themselves live in neural_net.cpp.
#include "simulacra/learned/neural.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <variant>

#include "neural_net.hpp"

namespace simulacra::learned {

namespace {

constexpr double kZLimit = 8.5;        // |z| beyond this has probability < 1e-16
constexpr double kTinyMass = 1e-300;   // below this a probability is treated as 0
constexpr double kLogTiny = -690.0;    // ~log(kTinyMass)
constexpr std::size_t kCodesPerPass = 8192;  // latent codes per decoder call
const std::string kWeightPrefix = "nn.";

double normal_log_pdf(double z) { return -0.5 * z * z - 0.5 * std::log(2 * M_PI); }

// Mean of the standard normal restricted to u-interval [ulo, uhi]; a point's
// normal score when the interval is a point.
double interval_score(double ulo, double uhi) {
  if (uhi - ulo <= 1e-15) return std::clamp(normal_quantile(ulo), -kZLimit, kZLimit);
  const double a = normal_quantile(ulo);
  const double b = normal_quantile(uhi);
  const double pa = std::isinf(a) ? 0.0 : std::exp(normal_log_pdf(a));
  const double pb = std::isinf(b) ? 0.0 : std::exp(normal_log_pdf(b));
  return std::clamp((pa - pb) / (uhi - ulo), -kZLimit, kZLimit);
}

// P(a < Z < b) for standard normal Z, computed on the side of 0 where the
// tails keep their precision.
double normal_mass(double a, double b) {
  if (a > 0) return normal_mass(-b, -a);
  return normal_cdf(b) - normal_cdf(a);
}

// Log of normal_mass, with a graceful ordering (by distance) when it underflows.
double log_normal_mass(double a, double b) {
  const double p = normal_mass(a, b);
  if (p > kTinyMass) return std::log(p);
  return kLogTiny - 0.5 * std::min(a * a, b * b);
}

// A standard normal truncated to [a, b].
double truncated_normal(double a, double b, RandomStream& rng) {
  if (a > 0) return -truncated_normal(-b, -a, rng);
  const double pa = normal_cdf(a);
  const double pb = normal_cdf(b);
  return std::clamp(normal_quantile(pa + rng.uniform() * (pb - pa)), a, b);
}

// What the evidence asks of one column, prepared once per sample() call.
struct ColumnPlan {
  bool numeric = true;
  bool fixed = false;
  bool constrained = false;          // free, and its allowed set is not everything
  std::size_t index = 0;             // numeric: which numeric column (calibration, sigma)
  double zlo = 0, zhi = 0;           // numeric fixed: z-interval (equal: a point)
  std::size_t level = 0;             // categorical fixed
  std::vector<UInterval> zparts;     // numeric constrained: allowed set in z
  std::vector<UInterval> uparts;     // ... and in u
  std::vector<double> level_share;   // categorical: share of each level's cell allowed
};

double z_of(double u) { return normal_quantile(std::clamp(u, 0.0, 1.0)); }

constexpr std::size_t kCalibrationKnots = 256;
constexpr std::size_t kCalibrationDraws = 20000;

// Normal score of the calibration's k-th knot: Phi^-1((k + 1/2) / K).
double knot_score(std::size_t k, std::size_t count) {
  return normal_quantile((static_cast<double>(k) + 0.5) / static_cast<double>(count));
}

// Piecewise-linear map from knots xs to ys (both increasing), extended
// linearly beyond the ends; infinities stay infinite.
double piecewise(const std::vector<double>& xs, const std::vector<double>& ys, double x) {
  if (std::isinf(x) || xs.size() < 2) return x;
  std::size_t i = static_cast<std::size_t>(std::upper_bound(xs.begin(), xs.end(), x) - xs.begin());
  i = std::clamp<std::size_t>(i, 1, xs.size() - 1);
  return ys[i - 1] + (x - xs[i - 1]) * (ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1]);
}

}  // namespace

NeuralGenerator::NeuralGenerator() = default;
NeuralGenerator::~NeuralGenerator() = default;

void NeuralGenerator::build_layout() {
  slot_.clear();
  width_.clear();
  encoded_width_ = 0;
  for (const ColumnInfo& c : columns_) {
    slot_.push_back(encoded_width_);
    width_.push_back(c.kind == ColumnKind::categorical ? std::max<std::size_t>(c.levels.size(), 1) : 1);
    encoded_width_ += width_.back();
  }
}

namespace {

EncodedLayout layout_of(const std::vector<ColumnInfo>& columns, const std::vector<std::size_t>& slot,
                        const std::vector<std::size_t>& width, std::size_t total) {
  EncodedLayout l;
  l.width = total;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].kind == ColumnKind::categorical) l.categorical.emplace_back(slot[c], width[c]);
    else l.numeric.push_back(slot[c]);
  }
  return l;
}

}  // namespace

std::unique_ptr<NeuralGenerator> NeuralGenerator::fit(const DataTable& table, const NeuralOptions& o) {
  if (o.batch_size == 0 || o.latent == 0 || o.hidden == 0 || o.candidates == 0 || (o.epochs == 0 && o.steps == 0))
    throw std::invalid_argument(
        "neural generator: batch size, latent and hidden sizes, candidates and epochs (or steps) must be positive");
  if (!(o.learning_rate > 0)) throw std::invalid_argument("neural generator: the learning rate must be positive");
  auto g = std::unique_ptr<NeuralGenerator>(new NeuralGenerator());
  TableMetadata meta;
  const DataTable data = prepare(table, meta);
  g->init_columns(data, std::move(meta));
  g->build_layout();
  g->latent_ = o.latent;
  g->hidden_ = o.hidden;
  g->candidates_ = o.candidates;
  const std::size_t n = data.rows;
  std::vector<float> rows(n * g->encoded_width_, 0.0f);
  for (std::size_t c = 0; c < data.columns.size(); ++c) {
    const Marginal& m = g->marginals_[c];
    const auto& v = data.columns[c].values;
    for (std::size_t r = 0; r < n; ++r) {
      float* cell = &rows[r * g->encoded_width_ + g->slot_[c]];
      if (m.categorical()) {
        cell[static_cast<std::size_t>(v[r])] = 1.0f;
      } else {
        const UInterval iv = m.interval_of(v[r]);
        cell[0] = static_cast<float>(interval_score(iv.lo, iv.hi));
      }
    }
  }
  g->net_ = Network::create(layout_of(g->columns_, g->slot_, g->width_, g->encoded_width_), o.latent,
                            o.hidden, o.seed);
  NeuralOptions run = o;
  if (run.epochs == 0) {
    // The training loop takes whole batches: n / batch steps per epoch.
    const std::size_t per_epoch = std::max<std::size_t>(1, n / std::min(o.batch_size, n));
    // Between 300 and 600 passes: more passes over a small table teach the
    // decoder its rows (iris, 150 rows: 1,500 passes copied 1.6% of them
    // exactly, against 1.1% by chance; 600 passes copy 0.95%).
    run.epochs = std::clamp<std::size_t>((o.steps + per_epoch - 1) / per_epoch, 300, 600);
  }
  g->final_loss_ = g->net_->train(rows, n, run);
  if (o.calibrate) g->calibrate(o.seed);
  return g;
}

void NeuralGenerator::calibrate(std::uint64_t seed) {
  // The decoder's output scores, drawn as sampling draws them, per numeric
  // column; their quantiles become the knots of the map to normal scores.
  const std::size_t d = columns_.size();
  const std::vector<double> sigma = net_->sigma();
  RandomStream rng(seed, 0x63616c6962ULL);
  std::vector<std::vector<double>> draws(sigma.size());
  std::vector<float> z, out;
  for (std::size_t first = 0; first < kCalibrationDraws; first += kCodesPerPass) {
    const std::size_t m = std::min(kCodesPerPass, kCalibrationDraws - first);
    z.resize(m * latent_);
    for (float& v : z) v = static_cast<float>(rng.normal());
    net_->decode(z, m, out);
    for (std::size_t r = 0; r < m; ++r)
      for (std::size_t c = 0, k = 0; c < d; ++c)
        if (columns_[c].kind == ColumnKind::numeric) {
          draws[k].push_back(static_cast<double>(out[r * encoded_width_ + slot_[c]]) + sigma[k] * rng.normal());
          ++k;
        }
  }
  calibration_.assign(sigma.size(), {});
  for (std::size_t k = 0; k < draws.size(); ++k) {
    std::sort(draws[k].begin(), draws[k].end());
    auto& knots = calibration_[k];
    for (std::size_t i = 0; i < kCalibrationKnots; ++i) {
      const double at = (static_cast<double>(i) + 0.5) / static_cast<double>(kCalibrationKnots);
      double q = draws[k][static_cast<std::size_t>(at * static_cast<double>(draws[k].size()))];
      if (!knots.empty() && q <= knots.back()) q = knots.back() + 1e-9 * (1 + std::abs(knots.back()));
      knots.push_back(q);
    }
  }
  knot_scores_.clear();
  for (std::size_t i = 0; i < kCalibrationKnots; ++i) knot_scores_.push_back(knot_score(i, kCalibrationKnots));
}

double NeuralGenerator::to_normal(std::size_t k, double score) const {
  return calibration_.empty() ? score : piecewise(calibration_[k], knot_scores_, score);
}

double NeuralGenerator::from_normal(std::size_t k, double z) const {
  return calibration_.empty() ? z : piecewise(knot_scores_, calibration_[k], z);
}

void NeuralGenerator::store(ModelArchive& a) const {
  if (!calibration_.empty()) {
    std::vector<double> flat;
    for (const auto& knots : calibration_) flat.insert(flat.end(), knots.begin(), knots.end());
    a.put("calibration", flat);
  }
  a.put_number(kWeightPrefix + "latent", static_cast<double>(latent_));
  a.put_number(kWeightPrefix + "hidden", static_cast<double>(hidden_));
  a.put_number(kWeightPrefix + "candidates", static_cast<double>(candidates_));
  for (auto& [name, values] : net_->weights()) a.put(kWeightPrefix + name, values);
}

std::unique_ptr<NeuralGenerator> NeuralGenerator::load(const ModelArchive& a) {
  auto g = std::unique_ptr<NeuralGenerator>(new NeuralGenerator());
  g->load_common(a);
  g->build_layout();
  auto size = [&](const std::string& name) {
    const double v = a.number(kWeightPrefix + name);
    if (!(v >= 1 && v <= 1e6) || v != std::round(v))
      throw ModelFileError(a.source + ": '" + kWeightPrefix + name + "' should be a positive whole number");
    return static_cast<std::size_t>(v);
  };
  g->latent_ = size("latent");
  g->hidden_ = size("hidden");
  g->candidates_ = size("candidates");
  std::map<std::string, std::vector<double>> weights;
  for (const auto& [name, array] : a.arrays())
    if (name.rfind(kWeightPrefix, 0) == 0 && std::holds_alternative<std::vector<double>>(array))
      weights[name.substr(kWeightPrefix.size())] = std::get<std::vector<double>>(array);
  if (a.has("calibration")) {  // absent in models saved before calibration
    const auto& flat = a.numbers("calibration");
    std::size_t numeric = 0;
    for (const auto& c : g->columns_) numeric += c.kind == ColumnKind::numeric ? 1 : 0;
    if (flat.size() != numeric * kCalibrationKnots)
      throw ModelFileError(a.source + ": 'calibration' does not match the numeric columns");
    for (std::size_t k = 0; k < numeric; ++k) {
      g->calibration_.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(k * kCalibrationKnots),
                                   flat.begin() + static_cast<std::ptrdiff_t>((k + 1) * kCalibrationKnots));
      if (!std::is_sorted(g->calibration_.back().begin(), g->calibration_.back().end()))
        throw ModelFileError(a.source + ": 'calibration' knots are not increasing");
    }
    for (std::size_t i = 0; i < kCalibrationKnots; ++i) g->knot_scores_.push_back(knot_score(i, kCalibrationKnots));
  }
  g->net_ = Network::create(layout_of(g->columns_, g->slot_, g->width_, g->encoded_width_), g->latent_,
                            g->hidden_, 0);
  try {
    g->net_->set_weights(weights);
  } catch (const std::invalid_argument& e) {
    throw ModelFileError(a.source + ": " + e.what());
  }
  return g;
}

void NeuralGenerator::draw_u(std::size_t n, RandomStream& rng, const std::vector<ColumnEvidence>& ev,
                             std::vector<double>& u) const {
  const std::size_t d = columns_.size();
  const std::vector<double> sigma_by_slot = net_->sigma();
  std::vector<double> sigma(d, 1.0);
  std::vector<ColumnPlan> plan(d);
  bool weighted = false;
  for (std::size_t c = 0, k = 0; c < d; ++c) {
    ColumnPlan& p = plan[c];
    const ColumnEvidence& e = ev[c];
    p.numeric = columns_[c].kind == ColumnKind::numeric;
    p.fixed = e.fixed;
    p.constrained = !e.fixed && !e.allowed.full();
    if (p.numeric) {
      p.index = k;
      sigma[c] = sigma_by_slot[k++];
    }
    weighted = weighted || p.fixed || p.constrained;
    if (p.fixed) {
      if (p.numeric) {
        p.zlo = from_normal(p.index, e.fixed_u.width() > 0 ? z_of(e.fixed_u.lo)
                                                            : std::clamp(z_of(e.fixed_u.lo), -kZLimit, kZLimit));
        p.zhi = e.fixed_u.width() > 0 ? from_normal(p.index, z_of(e.fixed_u.hi)) : p.zlo;
      } else {
        p.level = static_cast<std::size_t>(e.value);
      }
    } else if (p.constrained) {
      if (p.numeric) {
        p.uparts = e.allowed.parts();
        for (const UInterval& part : p.uparts)
          p.zparts.push_back({from_normal(p.index, z_of(part.lo)), from_normal(p.index, z_of(part.hi))});
      } else {
        const Marginal& m = marginals_[c];
        for (std::size_t l = 0; l < m.size(); ++l) {
          const UInterval cell = m.cell(l);
          const double overlap = cell.width() > 0 ? e.allowed.clip(cell.lo, cell.hi).measure() / cell.width() : 0.0;
          p.level_share.push_back(overlap);
        }
      }
    }
  }
  const std::size_t k_per_row = weighted ? candidates_ : 1;
  const std::size_t rows_per_pass = std::max<std::size_t>(1, kCodesPerPass / k_per_row);
  std::vector<float> z;
  std::vector<float> out;
  std::vector<double> logw(k_per_row);
  std::vector<double> probs;

  // Normalised softmax of a categorical block; returns log of its normaliser
  // relative to the top logit, so log p_l = y_l - top - returned value.
  auto softmax = [&](const float* y, std::size_t c, std::vector<double>& pr) {
    const std::size_t w = width_[c];
    pr.assign(w, 0.0);
    double top = -std::numeric_limits<double>::infinity();
    for (std::size_t l = 0; l < w; ++l) top = std::max(top, static_cast<double>(y[slot_[c] + l]));
    double total = 0;
    for (std::size_t l = 0; l < w; ++l) total += pr[l] = std::exp(static_cast<double>(y[slot_[c] + l]) - top);
    for (double& q : pr) q /= total;
    return top + std::log(total);
  };
  // Log-likelihood of the evidence under one decoded row y.
  auto log_weight = [&](const float* y) {
    double lw = 0;
    for (std::size_t c = 0; c < d; ++c) {
      const ColumnPlan& p = plan[c];
      if (!p.fixed && !p.constrained) continue;
      if (p.numeric) {
        const double mu = y[slot_[c]];
        const double s = sigma[c];
        if (p.fixed && p.zlo == p.zhi) {
          lw += normal_log_pdf((p.zlo - mu) / s) - std::log(s);
        } else if (p.fixed) {
          lw += log_normal_mass((p.zlo - mu) / s, (p.zhi - mu) / s);
        } else {
          double mass = 0;
          for (const UInterval& zp : p.zparts) mass += normal_mass((zp.lo - mu) / s, (zp.hi - mu) / s);
          lw += mass > kTinyMass ? std::log(mass) : kLogTiny;
        }
      } else {
        const double log_norm = softmax(y, c, probs);
        if (p.fixed) {
          lw += static_cast<double>(y[slot_[c] + p.level]) - log_norm;
        } else {
          double kept = 0;
          for (std::size_t l = 0; l < probs.size(); ++l) kept += probs[l] * p.level_share[l];
          lw += kept > kTinyMass ? std::log(kept) : kLogTiny;
        }
      }
    }
    return lw;
  };
  // Draws column c's u from the decoded row y, within its allowed set.
  auto draw_column = [&](const float* y, std::size_t c) {
    const ColumnPlan& p = plan[c];
    const ColumnEvidence& e = ev[c];
    if (!p.numeric) {
      softmax(y, c, probs);
      if (p.constrained)
        for (std::size_t l = 0; l < probs.size(); ++l) probs[l] *= p.level_share[l];
      double total = 0;
      for (double q : probs) total += q;
      double t = rng.uniform() * total;
      std::size_t level = 0;
      for (; level + 1 < probs.size() && t >= probs[level]; ++level) t -= probs[level];
      while (probs[level] <= 0 && level > 0) --level;  // rounding ran past the last allowed level
      const UInterval cell = marginals_[c].cell(level);
      return e.allowed.clip(cell.lo, cell.hi).map(0.5);
    }
    const double mu = y[slot_[c]];
    const double s = sigma[c];
    if (!p.constrained) return normal_cdf(to_normal(p.index, mu + s * rng.normal()));
    if (e.allowed.measure() <= 0) return p.uparts.front().lo;  // min == max: a single point
    std::vector<double> mass(p.zparts.size());
    double total = 0;
    for (std::size_t i = 0; i < mass.size(); ++i)
      total += mass[i] = normal_mass((p.zparts[i].lo - mu) / s, (p.zparts[i].hi - mu) / s);
    if (total <= kTinyMass) return e.allowed.map(rng.uniform());  // far outside: spread over the set
    double t = rng.uniform() * total;
    std::size_t i = 0;
    while (i + 1 < mass.size() && t >= mass[i]) t -= mass[i++];
    const double zv = mu + s * truncated_normal((p.zparts[i].lo - mu) / s, (p.zparts[i].hi - mu) / s, rng);
    return std::clamp(normal_cdf(to_normal(p.index, zv)), p.uparts[i].lo, p.uparts[i].hi);
  };

  for (std::size_t first = 0; first < n; first += rows_per_pass) {
    const std::size_t rows = std::min(rows_per_pass, n - first);
    const std::size_t codes = rows * k_per_row;
    z.resize(codes * latent_);
    for (float& v : z) v = static_cast<float>(rng.normal());
    net_->decode(z, codes, out);
    for (std::size_t r = 0; r < rows; ++r) {
      std::size_t pick = 0;
      if (k_per_row > 1) {
        double top = -std::numeric_limits<double>::infinity();
        for (std::size_t k = 0; k < k_per_row; ++k) {
          logw[k] = log_weight(&out[(r * k_per_row + k) * encoded_width_]);
          top = std::max(top, logw[k]);
        }
        double total = 0;
        for (double& w : logw) total += w = std::exp(w - top);
        double t = rng.uniform() * total;
        while (pick + 1 < k_per_row && t >= logw[pick]) t -= logw[pick++];
      }
      const float* y = &out[(r * k_per_row + pick) * encoded_width_];
      double* row = &u[(first + r) * d];
      for (std::size_t c = 0; c < d; ++c) row[c] = plan[c].fixed ? ev[c].fixed_u.lo : draw_column(y, c);
    }
  }
}

}  // namespace simulacra::learned
