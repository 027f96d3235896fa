#include "scenario_validate.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <map>

#include "simulacra/engine/expression.hpp"

#include "scenario_override.hpp"
#include "scenario_params.hpp"
#include "scenario_text.hpp"

namespace simulacra::scenario_detail {
namespace {

const std::vector<std::string> kTopKeys = {"name",    "description", "seed",     "duration",   "time_unit", "engine",
                                           "populations", "timeline", "outputs", "replicates", "sweep",
                                           "observe", "stop_when"};
const std::vector<std::string> kObserveKeys = {"every", "names"};
const std::vector<std::string> kStopKeys = {"condition", "every"};
const std::vector<std::string> kEngineKeys = {"threads", "partitions", "scheduler", "lookahead"};
const std::vector<std::string> kPopulationKeys = {"name", "type", "params"};
const std::vector<std::string> kTimelineKeys = {"at", "population", "action", "params"};
const std::vector<std::string> kTimeUnits = {"s", "min", "h", "d", "w"};
const std::vector<std::string> kSchedulers = {"sequential", "parallel"};

constexpr std::size_t kMaxNameBytes = 200;  // with "_p0001_r01.h5" under the usual 255-byte file name limit

}  // namespace

ParamSpec setting(std::string key, ParamType type, std::optional<double> min, std::optional<double> max,
                  std::vector<std::string> choices) {
  ParamSpec s;
  s.key = std::move(key);
  s.type = type;
  s.min = min;
  s.max = max;
  s.choices = std::move(choices);
  return s;
}

namespace {

ParamSpec time_setting(std::string key, std::optional<double> min = {}, std::optional<double> max = {}) {
  ParamSpec s = setting(std::move(key), ParamType::quantity, min, max);
  s.dimension = Dimension::time;
  return s;
}

// A run's name becomes file names under -o (name.h5, name/, name_p001_r02.h5),
// so it must not choose a path: no separators, no leading '.' (".", "..",
// hidden files and our own ".x.tmp-<pid>" temporaries), no control characters.
// The text of the problem, or "" when `s` is a usable name.
std::string file_stem_problem(const std::string& s) {
  if (s.size() > kMaxNameBytes) return "longer than " + std::to_string(kMaxNameBytes) + " bytes";
  if (s.front() == '.') return "starts with '.'";
  // The output folder's own entries beside the runs' files.
  if (s == "runs.csv" || s == "checkpoints") return "is the name of the output folder's own " + s;
  for (const char c : s) {
    if (c == '/' || c == '\\') return std::string("contains '") + c + "'";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "contains a control character";
  }
  return "";
}

bool is_name(const std::string& s) {
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (s.empty() || !letter(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

class Validator {
 public:
  Validator(const Registry& registry, Checker& check) : registry_(registry), check_(check) {}

  Scenario run(const SourceNode& root, bool* settled) {
    const std::size_t issues_before = check_.issues().list().size();
    if (!root.is_map()) {
      check_.add(root, "",
                 "expected a mapping of scenario keys (name, duration, populations, ...) at the top level, got " +
                     std::string(root.is_scalar() ? "a scalar" : kind_name(root)));
      return std::move(out_);
    }
    check_.check_keys(root, "", kTopKeys);
    read_header(root);
    read_engine(root.find("engine"));
    read_populations(root);
    read_timeline(root.find("timeline"));
    run_checks();
    read_outputs(root.find("outputs"), out_.populations, check_, out_.outputs);
    read_observe(root.find("observe"));
    read_stop(root.find("stop_when"));
    if (const SourceNode* n = root.find("replicates")) {
      if (auto v = read_param(setting("replicates", ParamType::integer, 1.0, double{kMaxRuns}), *n, "replicates", check_)) {
        out_.replicates = static_cast<unsigned>(v->integer);
      }
    }
    if (settled != nullptr) *settled = check_.issues().list().size() == issues_before;
    read_sweep(root.find("sweep"));
    check_run_count(root);
    return std::move(out_);
  }

 private:
  std::optional<ParamValues::Value> read(const SourceNode* n, const std::string& path, const ParamSpec& spec) {
    if (n == nullptr) return std::nullopt;
    return read_param(spec, *n, path, check_);
  }

  void read_header(const SourceNode& root) {
    if (const SourceNode* n = root.find("name")) {
      if (!n->is_scalar() || n->scalar.empty()) {
        check_.expected(*n, "name", "a non-empty string");
      } else {
        if (const std::string why = file_stem_problem(n->scalar); !why.empty()) {
          check_.add(*n, "name", "= " + n->scalar + ": " + why + "; the name becomes file names under the output "
                                 "folder, so it must not hold '/', '\\', control characters or start with '.' "
                                 "(such as town-outbreak)");
        } else {
          out_.name = n->scalar;
        }
      }
    } else {
      check_.missing(root, "", "name", "a string");
    }
    if (auto v = read(root.find("description"), "description", setting("description", ParamType::string))) {
      out_.description = v->text;
    }
    if (const SourceNode* n = root.find("seed")) read_seed(*n);
    if (const SourceNode* n = root.find("duration")) {
      if (auto v = read_param(time_setting("duration", {}, kMaxDurationSeconds), *n, "duration", check_)) {
        if (v->number > 0.0) {
          out_.duration = v->number;
          duration_ = v->number;
        } else {
          check_.expected(*n, "duration", "a positive duration");
        }
      }
    } else {
      check_.missing(root, "", "duration", "a duration such as 90d");
    }
    if (auto v = read(root.find("time_unit"), "time_unit",
                      setting("time_unit", ParamType::choice, {}, {}, kTimeUnits))) {
      out_.time_unit = v->text;
      out_.time_unit_seconds = *time_unit_seconds(v->text);
    }
  }

  void read_seed(const SourceNode& n) {
    std::string_view s = n.scalar;
    if (s.size() > 1 && s[0] == '+') s.remove_prefix(1);
    std::uint64_t seed = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seed);
    if (!n.is_scalar() || n.quoted || ec != std::errc() || end != s.data() + s.size()) {
      check_.expected(n, "seed", n.quoted ? "a non-negative integer, got a string" : "a non-negative integer");
      return;
    }
    out_.seed = seed;
  }

  void read_engine(const SourceNode* e) {
    if (e == nullptr || e->is_null()) return;
    if (!e->is_map()) {
      check_.expected(*e, "engine", "a mapping (threads, partitions, scheduler, lookahead)");
      return;
    }
    check_.check_keys(*e, "engine", kEngineKeys);
    EngineSettings& s = out_.engine;
    if (auto v = read(e->find("threads"), "engine.threads", setting("threads", ParamType::integer, 0.0, double{kMaxThreads}))) {
      s.threads = static_cast<unsigned>(v->integer);
    }
    if (auto v = read(e->find("partitions"), "engine.partitions",
                      setting("partitions", ParamType::integer, 0.0, double{kMaxPartitions}))) {
      s.partitions = static_cast<unsigned>(v->integer);
    }
    if (auto v = read(e->find("scheduler"), "engine.scheduler",
                      setting("scheduler", ParamType::choice, {}, {}, kSchedulers))) {
      s.scheduler = v->text == "sequential" ? SchedulerKind::sequential : SchedulerKind::parallel;
    }
    if (auto v = read(e->find("lookahead"), "engine.lookahead", time_setting("lookahead", 0.0))) {
      s.lookahead = v->number;
    }
  }

  void read_populations(const SourceNode& root) {
    const SourceNode* pops = root.find("populations");
    if (pops == nullptr) {
      check_.missing(root, "", "populations", "a non-empty sequence of populations");
      return;
    }
    if (!pops->is_sequence()) {
      check_.expected(*pops, "populations", "a non-empty sequence of populations");
      return;
    }
    if (pops->items.empty()) {
      check_.add(*pops, "populations", "expected at least one population, got an empty sequence");
      return;
    }
    std::map<std::string, std::size_t> first_with_name;
    for (std::size_t i = 0; i < pops->items.size(); ++i) {
      const SourceNode& item = pops->items[i];
      const std::string path = index_path("populations", i);
      if (!item.is_map()) {
        check_.expected(item, path, "a mapping with name, type and params");
        continue;
      }
      check_.check_keys(item, path, kPopulationKeys);
      PopulationSpec spec;
      spec.at = check_.at(item);
      spec.path = path;
      bool named = false;
      if (const SourceNode* n = item.find("name")) {
        if (!n->is_scalar() || !is_name(n->scalar)) {
          check_.expected(*n, child_path(path, "name"), "a name of letters, digits and _ that does not start with a digit");
        } else if (const auto [it, fresh] = first_with_name.emplace(n->scalar, out_.populations.size()); !fresh) {
          const PopulationSpec& first = out_.populations[it->second];
          check_.add(*n, child_path(path, "name"),
                     "= " + n->scalar + ": already the name of " + first.path +
                         (first.at.line > 0 ? " (line " + std::to_string(first.at.line) + ")" : ""));
        } else {
          spec.name = n->scalar;
          named = true;
        }
      } else {
        check_.missing(item, path, "name", "a name such as town");
      }
      const PopulationType* type = nullptr;
      if (const SourceNode* t = item.find("type")) {
        if (!t->is_scalar()) {
          check_.expected(*t, child_path(path, "type"), "a population type");
        } else if ((type = registry_.find(t->scalar)) == nullptr) {
          const std::vector<std::string> known = registry_.names();
          check_.add(*t, child_path(path, "type"),
                     "unknown population type '" + t->scalar + "'" + did_you_mean(t->scalar, known) +
                         "; known types: " + (known.empty() ? "none" : join(known)));
        } else {
          spec.type = type->name;
        }
      } else {
        check_.missing(item, path, "type", "a population type such as " +
                                               (registry_.names().empty() ? std::string("phold") : registry_.names()[0]));
      }
      bool params_ok = false;
      if (type != nullptr) {
        params_ok = read_params(type->params, item.find("params"), item, path, "population type " + type->name,
                                check_, spec.params);
      }
      if (!named) continue;  // nothing can refer to it; its problems are reported
      out_.populations.push_back(std::move(spec));
      types_.push_back(type);
      checkable_.push_back(params_ok);
    }
  }

  void read_timeline(const SourceNode* tl) {
    if (tl == nullptr || tl->is_null()) return;
    if (!tl->is_sequence()) {
      check_.expected(*tl, "timeline", "a sequence of actions (at, population, action, params)");
      return;
    }
    std::vector<std::string> names;
    for (const PopulationSpec& p : out_.populations) names.push_back(p.name);
    for (std::size_t i = 0; i < tl->items.size(); ++i) {
      const SourceNode& item = tl->items[i];
      const std::string path = index_path("timeline", i);
      if (!item.is_map()) {
        check_.expected(item, path, "a mapping with at, population, action and params");
        continue;
      }
      check_.check_keys(item, path, kTimelineKeys);
      TimelineAction action;
      bool ok = true;
      if (const SourceNode* at = item.find("at")) {
        ok = read_time(*at, child_path(path, "at"), action.at) && ok;
      } else {
        check_.missing(item, path, "at", "a time such as 30d");
        ok = false;
      }
      std::size_t pop = out_.populations.size();
      if (const SourceNode* p = item.find("population")) {
        const auto found = p->is_scalar() ? std::find(names.begin(), names.end(), p->scalar) : names.end();
        if (!p->is_scalar()) {
          check_.expected(*p, child_path(path, "population"), "a population's name");
        } else if (found == names.end()) {
          check_.add(*p, child_path(path, "population"),
                     "unknown population '" + p->scalar + "'" + did_you_mean(p->scalar, names) +
                         (names.empty() ? "" : "; populations: " + join(names)));
        } else {
          pop = static_cast<std::size_t>(found - names.begin());
        }
      } else {
        check_.missing(item, path, "population", "a population's name");
      }
      ok = ok && pop < out_.populations.size();
      const PopulationType* type = pop < types_.size() ? types_[pop] : nullptr;
      const ActionSpec* spec = nullptr;
      if (const SourceNode* a = item.find("action")) {
        if (!a->is_scalar()) {
          check_.expected(*a, child_path(path, "action"), "an action name");
        } else if (type != nullptr) {
          spec = find_action(*type, *a, child_path(path, "action"));
        }
      } else {
        check_.missing(item, path, "action", "an action name");
      }
      if (spec == nullptr) continue;
      action.action = spec->name;
      ok = read_params(spec->params, item.find("params"), item, path, "action " + type->name + "." + spec->name,
                       check_, action.params) &&
           ok;
      if (ok) out_.populations[pop].timeline.push_back(std::move(action));
    }
    for (PopulationSpec& p : out_.populations) {
      std::stable_sort(p.timeline.begin(), p.timeline.end(),
                       [](const TimelineAction& a, const TimelineAction& b) { return a.at < b.at; });
    }
  }

  bool read_time(const SourceNode& n, const std::string& path, double& at) {
    auto v = read_param(time_setting("at"), n, path, check_);
    if (!v) return false;
    if (v->number < 0.0 || (duration_ && v->number > *duration_)) {
      check_.expected(n, path,
                      duration_ ? "a time within the run, in [0, " + format_number(*duration_) + "] s"
                                : std::string("a time >= 0 s"));
      return false;
    }
    at = v->number;
    return true;
  }

  const ActionSpec* find_action(const PopulationType& type, const SourceNode& a, const std::string& path) {
    std::vector<std::string> known;
    for (const ActionSpec& s : type.actions) {
      if (s.name == a.scalar) return &s;
      known.push_back(s.name);
    }
    if (known.empty()) {
      check_.add(a, path, "unknown action '" + a.scalar + "': population type " + type.name +
                              " has no timeline actions");
    } else {
      check_.add(a, path, "unknown action '" + a.scalar + "' for population type " + type.name +
                              did_you_mean(a.scalar, known) + "; actions: " + join(known));
    }
    return nullptr;
  }

  // Cross-parameter checks come last, so they see the population's timeline.
  void run_checks() {
    for (std::size_t i = 0; i < out_.populations.size(); ++i) {
      if (checkable_[i] && types_[i]->check) {
        types_[i]->check(out_.populations[i], out_.populations[i].path, check_.issues());
      }
    }
  }

  std::vector<std::string> observables() const {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < out_.populations.size() && i < types_.size(); ++i) {
      if (types_[i] == nullptr) continue;
      for (const auto& o : types_[i]->observables) names.push_back(out_.populations[i].name + "." + o.name);
    }
    return names;
  }

  void read_observe(const SourceNode* o) {
    if (o == nullptr || o->is_null()) return;
    if (!o->is_map()) {
      check_.expected(*o, "observe", "a mapping (every, names)");
      return;
    }
    check_.check_keys(*o, "observe", kObserveKeys);
    if (auto v = read(o->find("every"), "observe.every", time_setting("every", 1e-9))) {
      out_.observe.every = v->number;
    } else if (o->find("every") == nullptr) {
      check_.missing(*o, "observe", "every", "a time between observations, such as 1d");
    }
    const SourceNode* n = o->find("names");
    if (n == nullptr || n->is_null()) return;
    if (!n->is_sequence()) {
      check_.expected(*n, "observe.names", "a list of observable names such as town.attack_rate");
      return;
    }
    const std::vector<std::string> known = observables();
    const NameResolver resolve = observable_resolver(known);
    for (std::size_t i = 0; i < n->items.size(); ++i) {
      const SourceNode& item = n->items[i];
      const std::string path = index_path("observe.names", i);
      if (!item.is_scalar()) {
        check_.expected(item, path, "an observable name");
        continue;
      }
      std::string hint;
      if (auto idx = resolve(item.scalar, &hint)) {
        out_.observe.names.push_back(known[*idx]);
      } else {
        check_.add(item, path, "= " + item.scalar + ": unknown observable" + hint);
      }
    }
  }

  void read_stop(const SourceNode* s) {
    if (s == nullptr || s->is_null()) return;
    const SourceNode* cond = s;
    std::string path = "stop_when";
    if (s->is_map()) {
      check_.check_keys(*s, "stop_when", kStopKeys);
      if (auto v = read(s->find("every"), "stop_when.every", time_setting("every", 1e-9))) out_.stop.every = v->number;
      cond = s->find("condition");
      path = "stop_when.condition";
      if (cond == nullptr) {
        check_.missing(*s, "stop_when", "condition", "a condition such as \"town.attack_rate > 0.2\"");
        return;
      }
    }
    if (!cond->is_scalar() || cond->scalar.empty()) {
      check_.expected(*cond, path, "a condition over observables and t, such as \"town.attack_rate > 0.2\"");
      return;
    }
    try {
      (void)Expression::parse(cond->scalar, observable_resolver(observables()));
      out_.stop.condition = cond->scalar;
      out_.stop.at = check_.at(*cond);
    } catch (const ExpressionError& e) {
      check_.add(*cond, path, "\"" + cond->scalar + "\": " + e.what());
    }
  }

  // Sweep points x replicates, counted in doubles (a few axes of a few
  // thousand values overflow 64 bits no sooner than they exceed the limit).
  void check_run_count(const SourceNode& root) {
    double runs = out_.replicates;
    for (const SweepAxis& axis : out_.sweep) runs *= static_cast<double>(axis.values.size());
    if (runs <= kMaxRuns) return;
    const std::string key = out_.sweep.empty() ? "replicates" : "sweep";
    const SourceNode* at = nullptr;  // the key itself: the whole sweep is at fault
    for (const SourceNode& k : root.keys) {
      if (k.is_scalar() && k.scalar == key) at = &k;
    }
    char count[32];
    std::snprintf(count, sizeof count, "%.4g", runs);
    check_.add(at != nullptr ? *at : root, key,
               std::string("expands to ") + count + " runs (sweep points x replicates), more than the limit of " +
                   format_number(kMaxRuns) + "; split it over several scenario files");
  }

  void read_sweep(const SourceNode* sw) {
    if (sw == nullptr || sw->is_null()) return;
    if (!sw->is_map()) {
      check_.expected(*sw, "sweep", "a mapping of override paths to lists of values");
      return;
    }
    for (std::size_t i = 0; i < sw->keys.size(); ++i) {
      const SourceNode& key = sw->keys[i];
      const SourceNode& values = sw->items[i];
      if (!key.is_scalar()) {
        check_.add(key, "sweep", "expected an override path such as populations.town.params.beta, got " +
                                     kind_name(key));
        continue;
      }
      const std::string path = child_path("sweep", key.scalar);
      std::string why;
      if (!parse_path(key.scalar, &why)) {
        check_.add(key, "sweep", why);
        continue;
      }
      if (key.scalar == "sweep" || key.scalar.rfind("sweep.", 0) == 0 || key.scalar.rfind("sweep[", 0) == 0) {
        check_.add(key, "sweep", "a sweep cannot change the sweep itself ('" + key.scalar + "')");
        continue;
      }
      if (!values.is_sequence()) {
        check_.expected(values, path, "a non-empty list of values");
        continue;
      }
      if (values.items.empty()) {
        check_.add(values, path, "expected a non-empty list of values, got an empty sequence");
        continue;
      }
      SweepAxis axis;
      axis.path = key.scalar;
      axis.at = check_.at(key);
      bool ok = true;
      for (std::size_t j = 0; j < values.items.size(); ++j) {
        const SourceNode& v = values.items[j];
        if (!v.is_scalar()) {
          check_.expected(v, index_path(path, j), "a scalar value");
          ok = false;
          continue;
        }
        axis.values.push_back(scalar_yaml(v));
      }
      if (ok) out_.sweep.push_back(std::move(axis));
    }
  }

  const Registry& registry_;
  Checker& check_;
  Scenario out_;
  std::optional<double> duration_;
  std::vector<const PopulationType*> types_;  // parallel to out_.populations; null if unknown
  std::vector<bool> checkable_;               // its parameters read cleanly
};

}  // namespace

Scenario validate_scenario(const SourceNode& root, const Registry& registry, Checker& check, bool* settled) {
  if (settled != nullptr) *settled = false;
  return Validator(registry, check).run(root, settled);
}

}  // namespace simulacra::scenario_detail
