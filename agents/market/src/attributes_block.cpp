// Checking and opening the market population's `attributes` block: the
// engine's checks, then the market's own `kinds` and `where: {kind}` rules.
#include "attributes_block.hpp"

#include <algorithm>
#include <cstddef>

namespace simulacra::market::detail {

const AttributeBlockSpec& attribute_spec() {
  static const AttributeBlockSpec spec{
      "market", kAttributeColumns, {"order_size", "interval"}, {"kinds"}, "[order_size, interval]", "{venue: lit}"};
  return spec;
}

void check_attributes(const ParamValues::Value& value, const std::string& path, Issues& issues) {
  if (!check_attribute_block(value, path, attribute_spec(), issues)) return;
  const YAML::Node& block = value.node;
  const auto at = [&](const YAML::Node& n) { return attribute_block_position(n, value, issues); };
  if (const YAML::Node kinds = block["kinds"]; kinds) {
    if (!kinds.IsSequence() || kinds.size() == 0) {
      issues.add(at(kinds), path + ".kinds", "expected a list of trader kinds, e.g. [noise, value]");
    } else {
      for (std::size_t i = 0; i < kinds.size(); ++i) {
        const YAML::Node k = kinds[i];
        const std::string name = k.IsScalar() ? k.Scalar() : "";
        if (std::find(kModelKinds.begin(), kModelKinds.end(), name) == kModelKinds.end()) {
          issues.add(at(k), path + ".kinds[" + std::to_string(i) + "]",
                     "expected one of " + comma_list(kModelKinds) +
                         (name.empty() ? "" : did_you_mean(name, kModelKinds)));
        }
      }
    }
  }
  if (const YAML::Node w = block["where"]; w && w.IsMap()) {
    for (const auto& kv : w) {
      if (kv.second.IsScalar() && kv.first.Scalar() == "kind") {
        issues.add(at(kv.first), path + ".where.kind",
                   "kind is fixed per agent kind from the model's kind column; use kinds: [...] instead");
      }
    }
  }
}

TraderModel open_trader_model(const ParamValues::Value& value, const std::string& path, const BuildInfo& info) {
  TraderModel m;
  static_cast<AttributeModel&>(m) = open_attribute_block(value, path, attribute_spec(), info);
  if (!m.sampler) return m;
  if (const YAML::Node kinds = value.node["kinds"]; kinds && kinds.IsSequence()) {
    const AgentKind all[] = {AgentKind::zi, AgentKind::noise, AgentKind::value, AgentKind::momentum};
    m.kinds.clear();
    for (const auto& k : kinds) {
      const auto at = std::find(kModelKinds.begin(), kModelKinds.end(), k.Scalar());
      const AgentKind kind = all[at - kModelKinds.begin()];
      if (std::find(m.kinds.begin(), m.kinds.end(), kind) == m.kinds.end()) m.kinds.push_back(kind);
    }
  }
  return m;
}

}  // namespace simulacra::market::detail
