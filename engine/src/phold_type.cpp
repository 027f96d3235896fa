#include "simulacra/engine/phold_type.hpp"

#include <memory>

#include "simulacra/engine/phold.hpp"

namespace simulacra {

void register_phold(Registry& registry) {
  PopulationType t;
  t.name = "phold";
  t.doc = "PHOLD, the standard parallel discrete-event benchmark (ROSS's parameter meaning)";
  t.params = {
      {"lps", ParamType::integer, Dimension::none, "1024", 1.0, 4.0e9, {}, "number of logical processes"},
      {"start_events", ParamType::integer, Dimension::none, "1", 1.0, 1.0e6, {}, "initial events per LP"},
      {"remote", ParamType::quantity, Dimension::fraction, "0.25", 0.0, 1.0, {},
       "probability that an event's successor goes to a uniformly drawn LP"},
      {"lookahead", ParamType::quantity, Dimension::time, "0.1s", 1e-9, {}, {},
       "least delay of every event"},
      {"mean", ParamType::quantity, Dimension::time, "1s", 1e-9, {}, {},
       "mean event delay, lookahead included"},
      {"record", ParamType::boolean, Dimension::none, "false", {}, {}, {},
       "emit one row per committed event (table events) and one per LP (table lps)"},
  };
  t.observables = PholdPopulation::observable_specs();
  t.live = {"remote"};
  t.check = [](const PopulationSpec& spec, const std::string& path, Issues& issues) {
    if (spec.params.real("mean") < spec.params.real("lookahead")) {
      issues.add(spec.params.at("mean").at, path + ".params.mean",
                 "mean must be at least the lookahead (" + std::to_string(spec.params.real("lookahead")) + " s)");
    }
  };
  t.make = [](const PopulationSpec& spec, const BuildInfo&) -> std::unique_ptr<Population> {
    PholdParams p;
    p.lps = static_cast<std::uint32_t>(spec.params.integer("lps"));
    p.start_events = static_cast<std::uint32_t>(spec.params.integer("start_events"));
    p.remote = spec.params.real("remote");
    p.lookahead = spec.params.real("lookahead");
    p.mean = spec.params.real("mean");
    p.record = spec.params.boolean("record");
    return std::make_unique<PholdPopulation>(p);
  };
  registry.add(std::move(t));
}

}  // namespace simulacra
