#include "scenario_override.hpp"

#include "scenario_text.hpp"

namespace simulacra::scenario_detail {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<std::size_t> to_index(std::string_view s) {
  // More digits than any sequence could have entries: out of range, not malformed.
  if (s.size() > 18) return static_cast<std::size_t>(-1);
  std::size_t v = 0;
  for (const char c : s) v = v * 10 + static_cast<std::size_t>(c - '0');
  return v;
}

std::string what_is(const SourceNode& n) {
  switch (n.kind) {
    case SourceNode::Kind::scalar: return "a scalar";
    case SourceNode::Kind::null: return "empty";
    case SourceNode::Kind::sequence: return "a sequence";
    case SourceNode::Kind::map: return "a mapping";
  }
  return {};
}

std::string shown_path(const std::string& path) { return path.empty() ? "the scenario" : path; }

// The entry of a sequence of mappings whose `name` is `name`.
SourceNode* find_named(SourceNode& seq, const std::string& name) {
  for (SourceNode& item : seq.items) {
    if (!item.is_map()) continue;
    const SourceNode* n = item.find("name");
    if (n != nullptr && n->is_scalar() && n->scalar == name) return &item;
  }
  return nullptr;
}

std::vector<std::string> names_in(const SourceNode& seq) {
  std::vector<std::string> out;
  for (const SourceNode& item : seq.items) {
    if (!item.is_map()) continue;
    const SourceNode* n = item.find("name");
    if (n != nullptr && n->is_scalar()) out.push_back(n->scalar);
  }
  return out;
}

}  // namespace

std::optional<std::vector<PathStep>> parse_path(std::string_view path, std::string* why) {
  auto fail = [&](std::string message) -> std::optional<std::vector<PathStep>> {
    if (why != nullptr) *why = "malformed path '" + std::string(path) + "': " + std::move(message);
    return std::nullopt;
  };
  if (path.empty()) return fail("empty");
  constexpr std::string_view kSweep = "sweep.";
  if (path.rfind(kSweep, 0) == 0 && path.size() > kSweep.size()) {
    return std::vector<PathStep>{{"sweep", std::nullopt}, {std::string(path.substr(kSweep.size())), std::nullopt}};
  }
  std::vector<PathStep> steps;
  std::size_t i = 0;
  bool need_key = true;  // at the start and after '.'
  while (i < path.size()) {
    const char c = path[i];
    if (c == '[') {
      if (need_key && !steps.empty()) return fail("'[' right after '.'");
      const std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) return fail("'[' without ']'");
      const std::string_view digits = path.substr(i + 1, close - i - 1);
      if (!all_digits(digits)) return fail("expected an index such as [0], got [" + std::string(digits) + "]");
      steps.push_back({std::string(), to_index(digits)});
      i = close + 1;
      need_key = false;
    } else if (c == '.') {
      if (need_key) return fail("empty key");
      need_key = true;
      ++i;
    } else if (c == ']') {
      return fail("']' without '['");
    } else {
      if (!need_key) return fail("expected '.' or '[' after a key or index");
      const std::size_t end = path.find_first_of(".[]", i);
      const std::string_view key = path.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
      // `populations.0` is as good as `populations[0]`: a name cannot be all digits.
      if (all_digits(key)) {
        steps.push_back({std::string(), to_index(key)});
      } else {
        steps.push_back({std::string(key), std::nullopt});
      }
      i += key.size();
      need_key = false;
    }
  }
  if (need_key) return fail("ends with '.'");
  return steps;
}

std::optional<std::string> apply_override(SourceNode& root, const std::vector<PathStep>& path, SourceNode value,
                                          const NodePos& created_at) {
  SourceNode* cur = &root;
  std::string at;  // the path walked so far, in index form
  for (std::size_t s = 0; s < path.size(); ++s) {
    const PathStep& step = path[s];
    const bool last = s + 1 == path.size();
    SourceNode* next = nullptr;
    std::string next_at;
    if (step.index) {
      const std::size_t i = *step.index;
      next_at = index_path(at, i);
      if (!cur->is_sequence() && !cur->is_null()) {
        return shown_path(at) + " is " + what_is(*cur) + ", not a sequence, so [" + std::to_string(i) +
               "] does not apply";
      }
      const std::size_t n = cur->items.size();
      if (i >= n) {
        return "index " + std::to_string(i) + " is out of range: " + shown_path(at) + " has " + std::to_string(n) +
               (n == 1 ? " entry" : " entries");
      }
      next = &cur->items[i];
    } else if (cur->is_sequence()) {
      SourceNode* named = find_named(*cur, step.key);
      if (named == nullptr) {
        return shown_path(at) + " has no entry named '" + step.key + "'" + did_you_mean(step.key, names_in(*cur));
      }
      next = named;
      next_at = index_path(at, static_cast<std::size_t>(named - cur->items.data()));
    } else {
      next_at = child_path(at, step.key);
      if (cur->is_null()) {
        // `engine:` left empty is a mapping with nothing in it yet.
        cur->kind = SourceNode::Kind::map;
      } else if (!cur->is_map()) {
        return shown_path(at) + " is " + what_is(*cur) + ", not a mapping, so it has no key '" + step.key + "'";
      }
      next = cur->find(step.key);
      if (next == nullptr) {
        if (!last && path[s + 1].index) {
          return "index " + std::to_string(*path[s + 1].index) + " is out of range: " + next_at + " is not set";
        }
        SourceNode key;
        key.kind = SourceNode::Kind::scalar;
        key.scalar = step.key;
        key.pos = created_at;
        SourceNode empty;
        empty.kind = SourceNode::Kind::map;
        empty.pos = created_at;
        cur->keys.push_back(std::move(key));
        cur->items.push_back(std::move(empty));
        next = &cur->items.back();
      }
    }
    cur = next;
    at = std::move(next_at);
  }
  *cur = std::move(value);
  return std::nullopt;
}

}  // namespace simulacra::scenario_detail
