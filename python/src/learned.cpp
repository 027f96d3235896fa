#include "learned.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "simulacra/engine/ensemble.hpp"
#include "simulacra/learned/bayes_net.hpp"
#include "simulacra/learned/copula.hpp"
#include "simulacra/learned/data_table.hpp"
#include "simulacra/learned/generator.hpp"
#include "simulacra/learned/metrics.hpp"
#ifdef SIMULACRA_HAVE_TORCH
#include "simulacra/learned/neural.hpp"
#endif

namespace simulacra::python {

namespace py = pybind11;
using namespace simulacra::learned;

namespace {

TypeOverrides kinds(const std::map<std::string, std::string>& types) {
  TypeOverrides out;
  for (const auto& [name, kind] : types) out.insert(parse_type_override(name + "=" + kind));
  return out;
}

// A table's columns for Python: {"name", "kind", "values" (float64 array:
// numbers, or level codes), "levels", "integral"}.
py::list table_columns(DataTable&& t) {
  py::list out;
  for (auto& c : t.columns) {
    py::dict d;
    d["name"] = c.name;
    d["kind"] = std::string(to_string(c.kind));
    auto* owned = new std::vector<double>(std::move(c.values));
    py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<double>*>(p); });
    d["values"] = py::array_t<double>({static_cast<py::ssize_t>(owned->size())}, owned->data(), owner);
    d["levels"] = c.levels;
    d["integral"] = c.integral;
    d["decimals"] = c.decimals;
    out.append(d);
  }
  return out;
}

struct Model {
  std::shared_ptr<Generator> g;

  py::list sample(std::size_t n, std::uint64_t seed, const std::vector<std::pair<std::string, std::string>>& where) {
    std::vector<Condition> conditions;
    for (const auto& [column, value] : where) conditions.push_back({column, value});
    DataTable t;
    {
      py::gil_scoped_release release;
      RandomStream rng(seed, 0);  // as `simulacra sample --seed`
      t = g->sample(n, rng, conditions);
    }
    return table_columns(std::move(t));
  }

  py::list columns() const {
    py::list out;
    for (const auto& c : g->columns()) out.append(py::make_tuple(c.name, std::string(to_string(c.kind)), c.levels));
    return out;
  }
};

Model fit(const std::string& csv, const std::map<std::string, std::string>& types, const std::string& kind,
          const std::string& by, double epsilon, unsigned bins, unsigned epochs, unsigned batch_size,
          std::uint64_t seed, py::object progress) {
  const DataTable data = parse_csv(csv, "<DataFrame>", kinds(types));
  py::gil_scoped_release release;
  if (kind == "copula") {
    CopulaOptions co;
    if (by == "none") {
      co.stratify = false;
    } else {
      co.by = by;
    }
    return Model{GaussianCopula::fit(data, co)};
  }
  if (kind == "bayesnet") {
    BayesNetOptions bo;
    bo.epsilon = epsilon;
    bo.max_bins = bins;
    return Model{BayesNet::fit(data, bo)};
  }
  if (kind == "neural") {
#ifdef SIMULACRA_HAVE_TORCH
    NeuralOptions no;
    no.epochs = epochs;
    no.batch_size = batch_size;
    no.seed = seed;
    // A function is called after every epoch; True prints as `simulacra fit` does.
    std::unique_ptr<ProgressPrinter> printer;
    if (PyCallable_Check(progress.ptr())) {
      no.progress = [&progress](std::size_t done, std::size_t total, double loss) {
        py::gil_scoped_acquire acquire;
        progress(done, total, loss);
      };
    } else if (progress.cast<bool>()) {
      const bool terminal = ProgressPrinter::is_terminal(stderr);
      printer = std::make_unique<ProgressPrinter>(stderr, terminal, terminal ? 0.1 : 5.0, "epochs");
      no.progress = [&printer](std::size_t done, std::size_t total, double loss) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "loss %.4g", loss);
        printer->update(done, total, buf);
      };
    }
    Model m{NeuralGenerator::fit(data, no)};
    if (printer) printer->finish();
    return m;
#else
    (void)epochs, (void)batch_size, (void)seed, (void)progress;
    throw DataError("model 'neural': this build has no neural generator (SIMULACRA_WITH_TORCH=OFF)");
#endif
  }
  throw DataError("model '" + kind + "': expected copula, bayesnet or neural");
}

py::dict evaluation_dict(const Evaluation& e) {
  py::dict d;
  d["real_rows"] = e.real_rows;
  d["synthetic_rows"] = e.synthetic_rows;
  d["holdout_rows"] = e.holdout_rows;
  py::dict cols;
  for (const auto& c : e.columns) cols[py::str(c.column)] = py::make_tuple(c.metric, c.score);
  d["columns"] = cols;
  d["mean_ks"] = e.mean_ks;
  d["mean_tv"] = e.mean_tv;
  d["correlation_diff"] = e.correlation_diff;
  d["correlation_pairs"] = e.correlation_pairs;
  d["classifier_auc"] = e.classifier_auc;
  d["has_holdout"] = e.has_holdout;
  d["dcr_synthetic_median"] = e.dcr_synthetic_median;
  d["dcr_holdout_median"] = e.dcr_holdout_median;
  d["exact_copy_share"] = e.exact_copy_share;
  d["holdout_copy_share"] = e.holdout_copy_share;
  d["expected_copy_share"] = e.expected_copy_share;
  return d;
}

// As `simulacra evaluate`: the other tables are read with the real table's
// column kinds and aligned to its columns.
py::tuple evaluate_tables(const std::string& real_csv, const std::map<std::string, std::string>& types,
                          const std::string& synth_csv, const std::string& holdout_csv, std::uint64_t seed) {
  const DataTable real = parse_csv(real_csv, "<real>", kinds(types));
  auto read_like = [&](const std::string& text, const std::string& what) {
    const DataTable detected = parse_csv(text, what);
    TypeOverrides k;
    for (const auto& c : detected.columns) k[c.name] = real.columns[real.index(c.name)].kind;
    return align_columns(real, parse_csv(text, what, k), what);
  };
  const DataTable synth = read_like(synth_csv, "<synthetic>");
  DataTable holdout;
  if (!holdout_csv.empty()) holdout = read_like(holdout_csv, "<holdout>");
  EvaluationOptions eo;
  eo.seed = seed;
  Evaluation e;
  {
    py::gil_scoped_release release;
    e = evaluate(real, synth, holdout_csv.empty() ? nullptr : &holdout, eo);
  }
  return py::make_tuple(evaluation_dict(e), to_text(e), to_json(e));
}

}  // namespace

void register_learned(py::module_& m) {
  py::class_<Model>(m, "Model")
      .def_property_readonly("kind", [](const Model& x) { return x.g->kind(); })
      .def_property_readonly("columns", &Model::columns)
      .def("sample", &Model::sample, py::arg("n"), py::arg("seed"), py::arg("where"))
      .def("save", [](const Model& x, const std::string& path) { x.g->save(path); }, py::arg("path"));
  m.def("fit", &fit, py::arg("csv"), py::arg("types"), py::arg("kind"), py::arg("by"), py::arg("epsilon"),
        py::arg("bins"), py::arg("epochs"), py::arg("batch_size"), py::arg("seed"), py::arg("progress"));
  m.def("load_model", [](const std::string& path) { return Model{load_generator(path)}; }, py::arg("path"));
  m.def("evaluate", &evaluate_tables, py::arg("real_csv"), py::arg("types"), py::arg("synthetic_csv"),
        py::arg("holdout_csv"), py::arg("seed"));
}

}  // namespace simulacra::python
