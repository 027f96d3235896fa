#include "simulacra/engine/phold_type.hpp"

#include <memory>

#include "simulacra/engine/param_table.hpp"
#include "simulacra/engine/phold.hpp"

namespace simulacra {

namespace {

// The scenario keys of PholdParams; end, seed, threads, partitions and the
// scheduler come from the run, not from the population block.
const ParamTable<PholdParams>& phold_table() {
  static const ParamTable<PholdParams> table = [] {
    ParamTable<PholdParams> t("phold");
    using P = PholdParams;
    t.param("lps", &P::lps).range(1, 4.0e9).doc("number of logical processes");
    t.param("start_events", &P::start_events).range(1, 1.0e6).doc("initial events per LP");
    t.param("remote", &P::remote).dimension(Dimension::fraction).range(0, 1)
        .doc("probability that an event's successor goes to a uniformly drawn LP");
    t.param("lookahead", &P::lookahead).dimension(Dimension::time).min(1e-9).doc("least delay of every event");
    t.param("mean", &P::mean).dimension(Dimension::time).min(1e-9).doc("mean event delay, lookahead included");
    t.param("record", &P::record).doc("emit one row per committed event (table events) and one per LP (table lps)");
    return t;
  }();
  return table;
}

}  // namespace

void register_phold(Registry& registry) {
  PopulationType t;
  t.name = "phold";
  t.doc = "PHOLD, the standard parallel discrete-event benchmark (ROSS's parameter meaning)";
  phold_table().declare(t);
  t.observables = PholdPopulation::observable_specs();
  t.live = {"remote"};
  t.check = [](const PopulationSpec& spec, const std::string& path, Issues& issues) {
    if (spec.params.real("mean") < spec.params.real("lookahead")) {
      issues.add(spec.params.at("mean").at, path + ".params.mean",
                 "mean must be at least the lookahead (" + std::to_string(spec.params.real("lookahead")) + " s)");
    }
  };
  t.make = [](const PopulationSpec& spec, const BuildInfo&) -> std::unique_ptr<Population> {
    return std::make_unique<PholdPopulation>(phold_table().bind(spec.params));
  };
  registry.add(std::move(t));
}

}  // namespace simulacra
