#include "simulacra/engine/registry.hpp"

#include <algorithm>
#include <stdexcept>

#include "scenario_params.hpp"
#include "scenario_text.hpp"

namespace simulacra {

std::string SourcePos::text() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Issue::text() const {
  std::string out = at.text();
  if (!path.empty()) {
    // A message about a value starts "= <value>: ...", so the line reads
    // "beta = 1.3: expected ..." like the assignment the user wrote.
    out += (out.empty() ? "" : ": ") + path + (message.rfind("= ", 0) == 0 ? " " : ": ");
  } else if (!out.empty()) {
    out += ": ";
  }
  return out + message;
}

void Issues::add(const YAML::Node& node, std::string path, std::string message) {
  SourcePos at;
  at.file = file_;
  try {
    const YAML::Mark m = node.Mark();
    if (!m.is_null()) {
      at.line = m.line + 1;
      at.column = m.column + 1;
    }
  } catch (const YAML::Exception&) {
    // An invalid node (e.g. a missing key looked up) has no position: the
    // file's name alone still says where to look.
  }
  add(std::move(at), std::move(path), std::move(message));
}

void Issues::add(SourcePos at, std::string path, std::string message) {
  issues_.push_back(Issue{std::move(at), std::move(path), std::move(message)});
}

const ParamValues::Value& ParamValues::at(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) throw std::out_of_range("no parameter '" + key + "' (not declared by the population type)");
  return it->second;
}

std::int64_t ParamValues::integer(const std::string& key) const { return at(key).integer; }
double ParamValues::real(const std::string& key) const { return at(key).number; }
bool ParamValues::boolean(const std::string& key) const { return at(key).flag; }
const std::string& ParamValues::string(const std::string& key) const { return at(key).text; }
const std::vector<double>& ParamValues::reals(const std::string& key) const { return at(key).list; }
const YAML::Node& ParamValues::node(const std::string& key) const { return at(key).node; }

void Registry::add(PopulationType type) {
  if (type.name.empty()) throw std::logic_error("a population type needs a name");
  const std::string name = type.name;
  for (const std::string& key : type.live) {
    const auto it = std::find_if(type.params.begin(), type.params.end(), [&](const ParamSpec& p) { return p.key == key; });
    if (it == type.params.end() ||
        (it->type != ParamType::real && it->type != ParamType::quantity && it->type != ParamType::integer)) {
      throw std::logic_error("population type '" + name + "': live parameter '" + key + "' is not a numeric parameter");
    }
  }
  if (!types_.emplace(name, std::move(type)).second) {
    throw std::logic_error("population type '" + name + "' is registered twice");
  }
}

const PopulationType* Registry::find(const std::string& name) const {
  const auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  out.reserve(types_.size());
  for (const auto& [name, type] : types_) out.push_back(name);
  return out;  // std::map keeps them sorted
}

namespace {

void describe_params(std::string& out, const std::vector<ParamSpec>& params, const std::string& indent) {
  for (const ParamSpec& p : params) {
    out += indent + p.key + ": " + scenario_detail::describe_param(p) + "\n";
    if (!p.doc.empty()) out += indent + "    " + p.doc + "\n";
  }
}

}  // namespace

std::string describe(const Registry& registry) {
  std::string out;
  for (const std::string& name : registry.names()) {
    const PopulationType& t = *registry.find(name);
    if (!out.empty()) out += "\n";
    out += name + "\n";
    if (!t.doc.empty()) out += "  " + t.doc + "\n";
    if (t.params.empty()) {
      out += "  parameters: none\n";
    } else {
      out += "  parameters:\n";
      describe_params(out, t.params, "    ");
    }
    if (!t.observables.empty()) {
      out += "  observables:\n";
      for (const ObservableSpec& o : t.observables) {
        out += "    " + o.name + (o.unit.empty() ? "" : " [" + o.unit + "]") + ": " + o.doc + "\n";
      }
    }
    if (!t.live.empty()) {
      std::string keys;
      for (const auto& k : t.live) keys += (keys.empty() ? "" : ", ") + k;
      out += "  live parameters (may change on a running session): " + keys + "\n";
    }
    if (!t.actions.empty()) {
      out += "  timeline actions:\n";
      for (const ActionSpec& a : t.actions) {
        out += "    " + a.name + (a.doc.empty() ? "" : ": " + a.doc) + "\n";
        describe_params(out, a.params, "      ");
      }
    }
  }
  return out;
}

}  // namespace simulacra
