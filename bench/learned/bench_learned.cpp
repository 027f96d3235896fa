// For each CSV table given: split 80/20 into train and holdout, fit each
// generator to train, time fit and a 10,000-row sample, and evaluate that
// sample against train (holdout for privacy). A "holdout" row scores the real
// holdout against train: the level that sampling noise alone gives.
// Privacy columns: copies = synthetic rows equal to a train row; h_copy =
// holdout rows equal to a train row in this split; chance = that share
// expected over all splits of the table into these sizes (the chance level
// a generator's copies are held to).
// With LibTorch the neural generator (tabular VAE) is benchmarked too; its
// training options can be overridden to explore the time/fidelity trade-off.
// Usage: bench_learned [--models copula,bayesnet,neural] [--epochs E] [--batch-size B] [--learning-rate R] [--seed S] TABLE.csv...
#include <chrono>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "simulacra/learned/bayes_net.hpp"
#include "simulacra/learned/copula.hpp"
#include "simulacra/learned/metrics.hpp"
#ifdef SIMULACRA_HAVE_TORCH
#include "simulacra/learned/neural.hpp"
#endif

using namespace simulacra;
using namespace simulacra::learned;

namespace {

DataTable rows_of(const DataTable& t, const std::vector<std::size_t>& rows) {
  DataTable out;
  out.rows = rows.size();
  for (const auto& c : t.columns) {
    DataColumn k = c;
    k.values.clear();
    for (std::size_t r : rows) k.values.push_back(c.values[r]);
    out.columns.push_back(std::move(k));
  }
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> tables;
  std::vector<std::string> kinds = {"copula", "bayesnet"};
#ifdef SIMULACRA_HAVE_TORCH
  kinds.push_back("neural");
  NeuralOptions neural;
#endif
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg.rfind("--", 0) != 0) {
      tables.push_back(arg);
      continue;
    }
    if (a + 1 >= argc) {
      std::cerr << arg << " needs a value\n";
      return 2;
    }
    const std::string value = argv[++a];
    if (arg == "--models") {  // e.g. copula,bayesnet
      kinds.clear();
      for (std::size_t from = 0; from <= value.size();) {
        const std::size_t comma = std::min(value.find(',', from), value.size());
        kinds.push_back(value.substr(from, comma - from));
        from = comma + 1;
      }
      continue;
    }
    const std::size_t v = arg == "--learning-rate" ? 0 : std::stoul(value);
#ifdef SIMULACRA_HAVE_TORCH
    if (arg == "--learning-rate") neural.learning_rate = std::stod(value);
    else if (arg == "--epochs") neural.epochs = v;
    else if (arg == "--batch-size") neural.batch_size = v;
    else if (arg == "--seed") neural.seed = v;
    else {
#else
    {
      (void)v;
#endif
      std::cerr << "unknown option " << arg << '\n';
      return 2;
    }
  }
  if (tables.empty()) {
    std::cerr << "usage: bench_learned [--models copula,bayesnet,neural] [--epochs E] [--batch-size B] [--learning-rate R] [--seed S] TABLE.csv...\n";
    return 2;
  }
  std::printf("%-17s %-9s %5s %4s %9s %11s %7s %7s %7s %7s %7s %7s %7s %7s\n", "table", "model", "rows", "cols",
              "fit_s", "sample10k_s", "auc", "1-KS", "1-TV", "corr_d", "copies", "h_copy", "chance", "dcr/h");
  try {
    for (const std::string& table : tables) {
      const DataTable all = read_csv(table);
      std::vector<std::size_t> idx(all.rows);
      std::iota(idx.begin(), idx.end(), 0);
      RandomStream split(2024, 0);
      for (std::size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[split.below(i)]);
      const std::size_t ntrain = all.rows * 4 / 5;
      const DataTable train = rows_of(all, {idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(ntrain)});
      const DataTable holdout = rows_of(all, {idx.begin() + static_cast<std::ptrdiff_t>(ntrain), idx.end()});
      std::string name = table;
      name = name.substr(name.find_last_of('/') + 1);
      for (const std::string& kind : kinds) {
        auto t0 = std::chrono::steady_clock::now();
        std::unique_ptr<Generator> g;
        if (kind == "copula") g = GaussianCopula::fit(train);
#ifdef SIMULACRA_HAVE_TORCH
        else if (kind == "neural") g = NeuralGenerator::fit(train, neural);
#endif
        else if (kind == "bayesnet") g = BayesNet::fit(train);
        else throw std::invalid_argument("unknown model '" + kind + "' in --models");
        const double fit_s = seconds_since(t0);
        RandomStream rng(1, 0);
        t0 = std::chrono::steady_clock::now();
        const DataTable big = g->sample(10000, rng);
        const double sample_s = seconds_since(t0);
        const Evaluation e = evaluate(train, big, &holdout);
        std::printf("%-17s %-9s %5zu %4zu %9.4f %11.4f %7.3f %7.3f %7.3f %7.3f %7.4f %7.4f %7.4f %7.2f\n",
                    name.c_str(), kind.c_str(), all.rows, all.columns.size(), fit_s, sample_s, e.classifier_auc,
                    e.mean_ks, e.mean_tv, e.correlation_diff, e.exact_copy_share, e.holdout_copy_share,
                    e.expected_copy_share,
                    e.dcr_holdout_median > 0 ? e.dcr_synthetic_median / e.dcr_holdout_median : 0.0);
      }
      // The chance level: real holdout rows scored as if they were synthetic.
      const Evaluation h = evaluate(train, holdout, &holdout);
      std::printf("%-17s %-9s %5zu %4zu %9s %11s %7.3f %7.3f %7.3f %7.3f %7s %7s %7s %7s\n", name.c_str(),
                  "holdout", all.rows, all.columns.size(), "-", "-", h.classifier_auc, h.mean_ks, h.mean_tv,
                  h.correlation_diff, "-", "-", "-", "-");
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
