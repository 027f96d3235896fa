#include "simulacra/engine/scenario.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <set>
#include <system_error>
#include <thread>

#include "scenario_check.hpp"
#include "scenario_override.hpp"
#include "scenario_text.hpp"
#include "scenario_tree.hpp"
#include "scenario_validate.hpp"

namespace simulacra {

using namespace scenario_detail;

namespace {

// A scenario describes a run; data (networks, fitted models) lives in files it
// names. The cap keeps a wrong path (a dataset, /dev/zero) from eating memory.
constexpr std::size_t kMaxBytes = 16u << 20;
const char* const kTooLarge = "larger than 16 MiB; a scenario is a small text file (data belongs in files it names)";

std::string join_issues(const std::vector<Issue>& issues) {
  std::string out;
  for (const Issue& i : issues) {
    if (!out.empty()) out += '\n';
    out += i.text();
  }
  return out;
}

[[noreturn]] void throw_one(SourcePos at, std::string message) {
  throw ScenarioError({Issue{std::move(at), "", std::move(message)}});
}

SourcePos file_only(const std::string& file) {
  SourcePos p;
  p.file = file;
  return p;
}

// File problems first, in the order of the file; then those of --set values in
// the order given. Identical lines (one cause met twice, e.g. by each sweep
// point) are shown once.
std::vector<Issue> ordered(const std::vector<Issue>& issues, const Sources& sources) {
  // Rank of a source: 0 for the file, k for the k-th --set.
  auto rank = [&](const SourcePos& at) -> int {
    if (at.file == sources.file()) return 0;
    for (int k = 1; k <= sources.override_count(); ++k) {
      if (sources.at(NodePos{k, 0, 0}).file == at.file) return k;
    }
    return sources.override_count() + 1;
  };
  std::vector<Issue> out = issues;
  std::stable_sort(out.begin(), out.end(), [&](const Issue& a, const Issue& b) {
    const int ra = rank(a.at);
    const int rb = rank(b.at);
    if (ra != rb) return ra < rb;
    if (ra != 0) return false;
    if (a.at.line != b.at.line) return a.at.line < b.at.line;
    return a.at.column < b.at.column;
  });
  std::set<std::string> seen;
  std::vector<Issue> unique;
  for (Issue& i : out) {
    if (seen.insert(i.text()).second) unique.push_back(std::move(i));
  }
  return unique;
}

void apply_overrides(SourceNode& root, const std::vector<Override>& overrides, Sources& sources, Issues& issues) {
  for (const Override& o : overrides) {
    const int source = sources.add_override("--set " + o.path + "=" + o.value);
    const SourcePos at = sources.at(NodePos{source, 0, 0});
    const Parsed value = parse_yaml(o.value, source, sources, issues);
    if (value.status == ParseStatus::failed) continue;
    std::string why;
    const auto steps = parse_path(o.path, &why);
    if (!steps) {
      issues.add(at, "", why);
      continue;
    }
    SourceNode node = value.root;  // empty text: null, as YAML reads `key:`
    node.pos.source = source;      // so that even that null names the --set
    if (auto error = apply_override(root, *steps, std::move(node), NodePos{source, 0, 0})) {
      issues.add(at, "", *error);
    }
  }
}

// Each sweep value, applied as the runner will apply it (an override appended
// to the command line's), must give a valid scenario. Checked one axis at a
// time: that is what a typo or an out-of-range value breaks.
// `root` without its top-level `sweep` entry.
SourceNode without_sweep(const SourceNode& root) {
  SourceNode rest = root;
  for (std::size_t i = 0; i < rest.keys.size(); ++i) {
    if (rest.keys[i].is_scalar() && rest.keys[i].scalar == "sweep") {
      rest.keys.erase(rest.keys.begin() + static_cast<std::ptrdiff_t>(i));
      rest.items.erase(rest.items.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  return rest;
}

void check_sweep(const SourceNode& root, const Scenario& scenario, const Registry& registry, const Sources& sources,
                 const std::string& text, Issues& issues) {
  const SourceNode* sweep = root.find("sweep");
  if (sweep == nullptr) return;
  // Each point is validated without the sweep itself: it is checked once
  // (read_sweep), and keeping it would make N values cost N^2.
  const SourceNode rest = without_sweep(root);
  for (const SweepAxis& axis : scenario.sweep) {
    const auto key = std::find_if(sweep->keys.begin(), sweep->keys.end(),
                                  [&](const SourceNode& k) { return k.is_scalar() && k.scalar == axis.path; });
    const SourceNode& values = sweep->items[static_cast<std::size_t>(key - sweep->keys.begin())];
    const auto steps = parse_path(axis.path, nullptr);
    for (std::size_t j = 0; j < values.items.size(); ++j) {
      const SourceNode& value = values.items[j];
      SourceNode point = rest;
      if (auto error = apply_override(point, *steps, value, key->pos)) {
        issues.add(sources.at(key->pos), child_path("sweep", axis.path), *error);
        break;
      }
      Issues found(sources.file());
      Checker check(sources, found, &text);
      validate_scenario(point, registry, check);
      // Name the sweep entry the user wrote, not the key it lands on; a
      // problem elsewhere says which sweep value brought it about.
      const SourcePos value_at = sources.at(value.pos);
      for (Issue issue : found.list()) {
        if (issue.path == "sweep" || issue.path.rfind("sweep.", 0) == 0) continue;  // reported already
        if (issue.at.file == value_at.file && issue.at.line == value_at.line && issue.at.column == value_at.column) {
          issue.path = index_path(child_path("sweep", axis.path), j);
        } else {
          issue.message += " (with " + axis.path + " = " + axis.values[j] + " from the sweep)";
        }
        issues.add(std::move(issue.at), std::move(issue.path), std::move(issue.message));
      }
    }
  }
}

std::size_t nul_offset(const std::string& text) { return text.find('\0'); }

SourcePos offset_pos(const std::string& file, const std::string& text, std::size_t offset) {
  SourcePos p = file_only(file);
  p.line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      line_start = i + 1;
    }
  }
  p.column = static_cast<int>(offset - line_start) + 1;
  return p;
}

}  // namespace

std::string_view to_string(OutputCompression c) {
  switch (c) {
    case OutputCompression::none: return "none";
    case OutputCompression::fast: return "fast";
    case OutputCompression::small: return "small";
  }
  return "fast";
}

std::optional<OutputCompression> output_compression_from(std::string_view text) {
  for (const auto c : {OutputCompression::none, OutputCompression::fast, OutputCompression::small}) {
    if (to_string(c) == text) return c;
  }
  return std::nullopt;
}

ScenarioError::ScenarioError(std::vector<Issue> issues) : UserError(join_issues(issues)), issues_(std::move(issues)) {}

Override parse_override(const std::string& text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos) {
    throw_one(file_only("--set " + text), "expected path=value, such as --set seed=7");
  }
  if (eq == 0) throw_one(file_only("--set " + text), "expected a key path before '=', such as --set seed=7");
  return Override{text.substr(0, eq), text.substr(eq + 1)};
}

Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides, const Registry& registry) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    throw_one(file_only(path), "cannot read the file: " + std::generic_category().message(errno));
  }
  std::string text;
  char buf[1 << 16];
  int error = 0;
  while (text.size() <= kMaxBytes) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    text.append(buf, n);
    if (n < sizeof buf) {
      if (std::ferror(f)) error = errno;
      break;
    }
  }
  std::fclose(f);
  if (error != 0) throw_one(file_only(path), "cannot read the file: " + std::generic_category().message(error));
  if (text.size() > kMaxBytes) throw_one(file_only(path), std::string("the file is ") + kTooLarge);
  return parse_scenario(text, path, overrides, registry);
}

namespace {

// parse_scenario; `sweep_values` false skips validating each sweep value
// (done already for the scenario a sweep point comes from).
Scenario parse_text(const std::string& text, const std::string& display_path, const std::vector<Override>& overrides,
                    const Registry& registry, bool sweep_values) {
  if (text.size() > kMaxBytes) throw_one(file_only(display_path), std::string("the scenario is ") + kTooLarge);
  if (const std::size_t nul = nul_offset(text); nul != std::string::npos) {
    throw_one(offset_pos(display_path, text, nul), "a NUL byte: this is not a text file");
  }
  Sources sources(display_path);
  Issues issues(display_path);
  const Parsed parsed = parse_yaml(text, kFileSource, sources, issues);
  if (parsed.status == ParseStatus::empty) {
    issues.add(file_only(display_path), "", "the file is empty; a scenario needs at least name, duration and populations");
  }
  Scenario out;
  if (parsed.status == ParseStatus::ok) {
    SourceNode root = parsed.root;
    if (root.is_map()) apply_overrides(root, overrides, sources, issues);
    Checker check(sources, issues, &text);
    bool settled = false;
    out = validate_scenario(root, registry, check, &settled);
    if (settled && sweep_values) check_sweep(root, out, registry, sources, text, issues);
    if (issues.empty()) {
      out.effective_yaml = emit_yaml(root);
      if (!out.sweep.empty()) out.sweep_base_yaml = emit_yaml(without_sweep(root));
    }
  }
  if (!issues.empty()) throw ScenarioError(ordered(issues.list(), sources));
  out.path = display_path;
  if (out.engine.threads == 0) out.engine.threads = std::max(1u, std::thread::hardware_concurrency());
  return out;
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& display_path,
                        const std::vector<Override>& overrides, const Registry& registry) {
  return parse_text(text, display_path, overrides, registry, true);
}

Scenario parse_sweep_point(const Scenario& base, const std::vector<Override>& point, const Registry& registry) {
  if (base.sweep_base_yaml.empty()) return parse_text(base.effective_yaml, base.path, point, registry, false);
  return parse_text(base.sweep_base_yaml, base.path, point, registry, false);
}

}  // namespace simulacra

namespace simulacra {

std::vector<std::string> observable_names(const Scenario& scenario, const Registry& registry) {
  std::vector<std::string> names;
  for (const auto& p : scenario.populations) {
    const PopulationType* t = registry.find(p.type);
    if (t == nullptr) continue;
    for (const auto& o : t->observables) names.push_back(p.name + "." + o.name);
  }
  return names;
}

}  // namespace simulacra
