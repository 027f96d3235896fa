// The learned-generator commands: CSV in, model file out; model file in,
// synthetic CSV out; two CSVs in, a fidelity and privacy report out.
#include "learned_commands.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "guarded_read.hpp"
#include "options.hpp"
#include "simulacra/engine/ensemble.hpp"
#include "simulacra/learned/bayes_net.hpp"
#include "simulacra/learned/copula.hpp"
#include "simulacra/learned/datetime.hpp"
#include "simulacra/learned/metrics.hpp"
#include "simulacra/learned/model_summary.hpp"
#ifdef SIMULACRA_HAVE_TORCH
#include "simulacra/learned/neural.hpp"
#endif

namespace simulacra::cli {

namespace {

using namespace simulacra::learned;

// `sample` builds its rows and their CSV text in memory (docs/learned_models.md).
constexpr std::uint64_t kMaxSampleRows = 100'000'000;

std::pair<std::string, std::string> split_eq(const std::string& text, const std::string& flag) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError(flag + " '" + text + "': expected COLUMN=VALUE");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

double number(const std::string& text, const std::string& flag) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) throw UsageError(flag + " '" + text + "': expected a number");
  return v;
}

}  // namespace

int fit_command(const Args& args) {
  Options opts("simulacra fit",
               "Fits a generator to a CSV table (header row of column names) and saves it as an\n"
               "HDF5 model file. Column kinds are detected (numeric, with empty cells as missing values;\n"
               "datetime; id for unique keys and personal data such as e-mails, sampled fresh; else\n"
               "categorical), printed, and can be forced with --type.",
               {{"model", "KIND", "copula, bayesnet or neural", "copula", false, 'm'},
                {"output", "MODEL.h5", "the model file to write", "", false, 'o'},
                {"type", "COL=KIND", "force a column's kind: numeric, categorical, id or datetime", "", true, 0},
                {"min", "COL=V", "sampled values of COL are at least V", "", true, 0},
                {"max", "COL=V", "sampled values of COL are at most V", "", true, 0},
                {"integer", "COL", "round sampled values of COL (whole-number columns are by default)", "", true, 0},
                {"allowed", "COL=A|B|...", "COL only takes these values", "", true, 0},
                {"by", "COL", "copula: one copula per level of this categorical column ('none': one for the table; "
                 "default: the column that explains most of the others, if any)", "", false, 0},
                {"epsilon", "E", "bayesnet: differential-privacy budget (0: no noise)", "0", false, 0},
                {"bins", "B", "bayesnet: bins per numeric column", "20", false, 0},
                {"epochs", "E", "neural: passes over the data (0: enough for 3000 gradient steps, within 300..600)", "0", false, 0},
                {"batch-size", "B", "neural: rows per gradient step", "64", false, 0},
                {"seed", "S", "neural: seed of weights and minibatches; same seed, same model", "1", false, 0},
                {"quiet", "", "neural: no progress (epochs and loss) on standard error", "", false, 'q'}},
               {"DATA.csv"});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  if (!opts.has("output")) throw UsageError("simulacra fit: -o MODEL.h5 is required");
  TypeOverrides types;
  for (const auto& t : opts.get_all("type")) {
    try {
      types.insert(parse_type_override(t));
    } catch (const DataError& e) {
      throw UsageError(e.what());
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  const DataTable data = read_csv(opts.positional()[0], types);
  const std::string kind = opts.get("model");
  std::unique_ptr<Generator> model;
  if (opts.has("by") && kind != "copula") throw UsageError("--by applies to --model copula only");
  if (kind == "copula") {
    CopulaOptions co;
    if (opts.get("by") == "none") {
      co.stratify = false;
    } else {
      co.by = opts.get("by");
    }
    try {
      model = GaussianCopula::fit(data, co);
    } catch (const DataError& e) {
      if (co.by.empty()) throw;
      throw UsageError("--by '" + co.by + "': " + e.what());
    }
  } else if (kind == "bayesnet") {
    BayesNetOptions bo;
    bo.epsilon = opts.get_double("epsilon");
    bo.max_bins = opts.get_u32("bins");
    if (bo.epsilon < 0) throw UsageError("--epsilon '" + opts.get("epsilon") + "': expected a number >= 0");
    if (bo.max_bins < 2) throw UsageError("--bins '" + opts.get("bins") + "': expected at least 2");
    model = BayesNet::fit(data, bo);
  } else if (kind == "neural") {
#ifdef SIMULACRA_HAVE_TORCH
    NeuralOptions no;
    no.epochs = opts.get_u32("epochs");
    no.batch_size = opts.get_u32("batch-size");
    no.seed = opts.get_u64("seed");
    if (no.batch_size == 0) throw UsageError("--batch-size '" + opts.get("batch-size") + "': expected at least 1");
    std::unique_ptr<ProgressPrinter> progress;
    if (!opts.has("quiet")) {
      const bool terminal = ProgressPrinter::is_terminal(stderr);
      progress = std::make_unique<ProgressPrinter>(stderr, terminal, terminal ? 0.1 : 5.0, "epochs");
      no.progress = [&progress](std::size_t done, std::size_t total, double loss) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "loss %.4g", loss);
        progress->update(done, total, buf);
      };
    }
    model = NeuralGenerator::fit(data, no);
    if (progress) progress->finish();
#else
    throw UsageError("--model neural: this build has no neural generator (configured with "
                     "SIMULACRA_WITH_TORCH=OFF); use copula or bayesnet");
#endif
  } else {
    throw UsageError("--model '" + kind + "': expected copula, bayesnet or neural");
  }
  // Gather constraints per column, then apply each once.
  std::map<std::string, Constraint> constraints;
  auto base = [&](const std::string& col) -> Constraint& {
    if (!constraints.count(col)) constraints[col] = model->constraint(model->column_index(col));
    return constraints[col];
  };
  // A datetime column's bounds are dates in its format; a maximum includes
  // its whole day (minute, second), as the model spreads values over it.
  auto bound = [&](const std::string& col, const std::string& v, const std::string& flag) {
    const std::size_t s = model->metadata().find(col);
    if (s < model->metadata().columns().size() && model->metadata().columns()[s].kind == ColumnKind::datetime) {
      const std::string& format = model->metadata().columns()[s].format;
      const auto t = parse_datetime(v, format);
      if (!t) throw UsageError(flag + " " + col + "=" + v + ": expected a date in the column's format " + format);
      return flag == "--max" ? *t + datetime_step(format) - 1e-3 : *t;
    }
    return number(v, flag + " " + col);
  };
  for (const auto& t : opts.get_all("min")) {
    const auto [col, v] = split_eq(t, "--min");
    base(col).min = bound(col, v, "--min");
  }
  for (const auto& t : opts.get_all("max")) {
    const auto [col, v] = split_eq(t, "--max");
    base(col).max = bound(col, v, "--max");
  }
  for (const auto& col : opts.get_all("integer")) base(col).integer = true;
  for (const auto& t : opts.get_all("allowed")) {
    const auto [col, v] = split_eq(t, "--allowed");
    auto& allowed = base(col).allowed;
    std::size_t start = 0;
    while (true) {
      const auto bar = v.find('|', start);
      allowed.push_back(v.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
  }
  for (const auto& [col, c] : constraints) model->set_constraint(col, c);
  model->save(opts.get("output"));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "fitted " << kind << " to " << data.rows << " rows x " << data.columns.size() << " columns in "
            << secs << " s; wrote " << opts.get("output") << '\n';
  // What was detected, so a surprise (a number read as categories) shows.
  std::cout << "columns:";
  const auto described = describe_columns(*model);
  for (std::size_t i = 0; i < described.size(); ++i) std::cout << ' ' << described[i] << (i + 1 < described.size() ? "," : "");
  std::cout << '\n';
  for (const std::string& w : personal_data_warnings(*model)) std::cerr << "warning: " << w << '\n';
  return 0;
}

int sample_command(const Args& args) {
  Options opts("simulacra sample",
               "Samples rows from a model file into a CSV file. --where fixes columns; the other\n"
               "columns follow the model's conditional distribution (never rejection sampling).\n"
               "The model file is first read in a separate process, so a damaged one is reported\n"
               "(exit status 2) rather than crashing the reader.",
               {{"rows", "N", "rows to sample", "", false, 'n'},
                {"output", "SYNTH.csv", "the CSV file to write", "", false, 'o'},
                {"where", "COL=VALUE", "fix a column to a value", "", true, 0},
                {"seed", "S", "random seed; same seed, same rows", "1", false, 0}},
               {"MODEL.h5"});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  if (!opts.has("rows")) throw UsageError("simulacra sample: -n N is required");
  if (!opts.has("output")) throw UsageError("simulacra sample: -o SYNTH.csv is required");
  const std::uint64_t rows = opts.get_u64("rows");
  if (rows > kMaxSampleRows) {
    throw UsageError("-n " + opts.get("rows") + ": at most " + std::to_string(kMaxSampleRows) +
                     " rows per call (they are held in memory before the CSV is written); sample in several "
                     "calls with different --seed values");
  }
  // A model file may come from elsewhere: read it once in a guarded child
  // first, so that a file damaged where HDF5 crashes or spins is exit 2.
  const std::string model_path = opts.positional()[0];
  (void)read_guarded(model_path, [&] {
    try {
      (void)load_generator(model_path);
    } catch (const UserError&) {
      // A file HDF5 reads without crashing: the load below reports it, typed.
    }
    return std::string();
  });
  const auto model = load_generator(model_path);
  std::vector<Condition> where;
  for (const auto& w : opts.get_all("where")) {
    const auto [col, v] = split_eq(w, "--where");
    where.push_back({col, v});
  }
  RandomStream rng(opts.get_u64("seed"), 0);
  const auto t0 = std::chrono::steady_clock::now();
  const DataTable t = model->sample(rows, rng, where);
  write_csv(t, opts.get("output"));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "sampled " << t.rows << " rows in " << secs << " s; wrote " << opts.get("output") << '\n';
  return 0;
}

int evaluate_command(const Args& args) {
  Options opts("simulacra evaluate",
               "Compares a synthetic table with the real one: per-column 1-KS / 1-TV, pairwise\n"
               "correlation difference, a cross-validated boosted-tree two-sample AUC, and privacy\n"
               "(exact copies of real rows; distance to the closest real row, versus holdout rows).",
               {{"holdout", "H.csv", "real rows not used for fitting (the chance level of privacy)", "", false, 0},
                {"json", "OUT.json", "also write the report as JSON", "", false, 0},
                {"seed", "S", "seed of subsampling and folds", "1", false, 0}},
               {"REAL.csv", "SYNTH.csv"});
  if (!opts.parse(args)) {
    std::cout << opts.help();
    return 0;
  }
  const DataTable real = read_csv(opts.positional()[0]);
  // Read the other tables with the real table's column kinds.
  auto read_like = [&](const std::string& path) {
    const DataTable detected = read_csv(path);
    TypeOverrides kinds;
    for (const auto& c : detected.columns) {
      try {
        kinds[c.name] = real.columns[real.index(c.name)].kind;
      } catch (const DataError& e) {
        throw DataError(path + ": " + e.what() + " of " + opts.positional()[0]);
      }
    }
    return align_columns(real, read_csv(path, kinds), path);
  };
  const DataTable synth = read_like(opts.positional()[1]);
  DataTable holdout;
  if (opts.has("holdout")) holdout = read_like(opts.get("holdout"));
  EvaluationOptions eo;
  eo.seed = opts.get_u64("seed");
  const Evaluation e = evaluate(real, synth, opts.has("holdout") ? &holdout : nullptr, eo);
  std::cout << to_text(e);
  if (opts.has("json")) {
    const std::string path = opts.get("json");
    std::ofstream out(path);
    out << to_json(e);
    if (!out.flush()) throw DataError(path + ": cannot write file");
  }
  return 0;
}

}  // namespace simulacra::cli
