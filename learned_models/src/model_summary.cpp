// A fitted model described in words for `fit` and `inspect`.
#include "simulacra/learned/model_summary.hpp"

#include <cstdio>

#include "simulacra/learned/bayes_net.hpp"
#include "simulacra/learned/copula.hpp"

namespace simulacra::learned {

namespace {

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * share);
  return buf;
}

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::vector<std::string> describe_columns(const Generator& g) {
  std::vector<std::string> out;
  for (const ColumnMetadata& c : g.metadata().columns()) {
    std::string d = c.name + " (";
    if (c.kind == ColumnKind::id) {
      d += "id";
      if (!c.personal.empty()) d += ", " + c.personal + "s";
      d += ", fresh: " + c.id.describe();
    } else {
      const auto m = static_cast<std::size_t>(c.model);
      const ColumnInfo& info = g.columns()[m];
      const Constraint& k = g.constraint(m);
      if (c.kind == ColumnKind::categorical) d += "categorical, " + plural(info.levels.size(), "level");
      else if (c.kind == ColumnKind::datetime) d += "datetime " + c.format;
      else if (k.integer) d += "integer";
      else if (k.decimals > 0) d += "numeric, " + plural(static_cast<std::size_t>(k.decimals), "decimal");
      else d += "numeric";
      if (c.indicator >= 0)
        d += ", " + percent(c.missing_share) + " empty: modelled as " +
             g.columns()[static_cast<std::size_t>(c.indicator)].name;
    }
    out.push_back(d + ")");
  }
  return out;
}

std::vector<std::string> personal_data_warnings(const Generator& g) {
  std::vector<std::string> out;
  for (const ColumnMetadata& c : g.metadata().columns())
    if (!c.personal.empty())
      out.push_back("column '" + c.name + "' looks like " + c.personal +
                    "s (personal data): it is not modelled, and sampled rows get fresh values of the same shape (" +
                    c.id.describe() + "); drop it from the table if it is not needed");
  return out;
}

std::string model_summary(const Generator& g) {
  std::string out = "model: " + g.kind() + "\n";
  if (const auto* copula = dynamic_cast<const GaussianCopula*>(&g)) {
    out += copula->stratified_by() < 0
               ? std::string("  one copula for the whole table\n")
               : "  stratified by " + g.columns()[static_cast<std::size_t>(copula->stratified_by())].name + " (" +
                     (copula->strata() == 1 ? std::string("1 stratum") : std::to_string(copula->strata()) + " strata") + ")\n";
  } else if (const auto* net = dynamic_cast<const BayesNet*>(&g)) {
    std::string edges;
    for (std::size_t i = 0; i < net->parents().size(); ++i)
      if (net->parents()[i] >= 0)
        edges += (edges.empty() ? "" : ", ") + g.columns()[static_cast<std::size_t>(net->parents()[i])].name + " -> " +
                 g.columns()[i].name;
    out += "  tree: " + (edges.empty() ? std::string("no edges") : edges) + "\n";
  }
  out += "columns (" + std::to_string(g.metadata().columns().size()) + "):\n";
  for (const std::string& d : describe_columns(g)) out += "  " + d + "\n";
  std::string constraints;
  for (std::size_t i = 0; i < g.columns().size(); ++i) {
    const Constraint& k = g.constraint(i);
    std::string parts;
    if (k.min) parts += " min " + format_number(*k.min);
    if (k.max) parts += " max " + format_number(*k.max);
    if (!k.allowed.empty()) {
      parts += " allowed";
      for (const auto& a : k.allowed) parts += " " + a;
    }
    if (!parts.empty()) constraints += "  " + g.columns()[i].name + ":" + parts + "\n";
  }
  if (!constraints.empty()) out += "constraints:\n" + constraints;
  for (const std::string& w : personal_data_warnings(g)) out += "warning: " + w + "\n";
  return out;
}

}  // namespace simulacra::learned
