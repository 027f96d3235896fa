#include "scenario_check.hpp"

#include <algorithm>

#include "scenario_text.hpp"

namespace simulacra::scenario_detail {
namespace {

// Enough to recognise a value; a 1 MB string would drown the message.
constexpr std::size_t kShownChars = 60;

std::string clip(std::string s) {
  if (s.size() > kShownChars) {
    s.resize(kShownChars);
    s += "...";
  }
  return s;
}

}  // namespace

std::string shown(const SourceNode& n) {
  switch (n.kind) {
    case SourceNode::Kind::scalar: return clip(scalar_yaml(n));
    case SourceNode::Kind::null: return "~";
    case SourceNode::Kind::sequence: return "[...]";
    case SourceNode::Kind::map: return "{...}";
  }
  return {};
}

std::string kind_name(const SourceNode& n) {
  switch (n.kind) {
    case SourceNode::Kind::scalar: return n.quoted ? "a string" : "a value";
    case SourceNode::Kind::null: return "an empty value";
    case SourceNode::Kind::sequence: return "a sequence";
    case SourceNode::Kind::map: return "a mapping";
  }
  return {};
}

void Checker::add(const SourceNode& n, std::string path, std::string message) {
  issues_.add(at(n), std::move(path), std::move(message));
}

void Checker::expected(const SourceNode& n, const std::string& path, const std::string& what) {
  if (n.is_scalar()) {
    add(n, path, "= " + shown(n) + ": expected " + what);
  } else {
    add(n, path, "expected " + what + ", got " + kind_name(n));
  }
}

bool Checker::check_keys(const SourceNode& map, const std::string& path, const std::vector<std::string>& known) {
  bool ok = true;
  for (const SourceNode& key : map.keys) {
    if (!key.is_scalar()) {
      add(key, path, "expected a key name, got " + kind_name(key));
      ok = false;
      continue;
    }
    if (std::find(known.begin(), known.end(), key.scalar) != known.end()) continue;
    std::string message = "unknown key '" + clip(key.scalar) + "'";
    if (const std::string guess = did_you_mean(key.scalar, known); !guess.empty()) {
      message += guess;
    } else if (known.empty()) {
      message += "; no keys are accepted here";
    } else {
      message += "; expected one of " + join(known);
    }
    add(key, path, std::move(message));
    ok = false;
  }
  return ok;
}

void Checker::missing(const SourceNode& map, const std::string& path, const std::string& key,
                      const std::string& what) {
  add(map, path, "missing required key '" + key + "'" + (what.empty() ? "" : " (" + what + ")"));
}

YAML::Node Checker::yaml_node(const SourceNode& n) {
  if (file_text_ != nullptr && n.pos.source == kFileSource && n.pos.line > 0) {
    if (!original_) {
      try {
        original_ = YAML::Load(*file_text_);
      } catch (const YAML::Exception&) {
        original_ = YAML::Node(YAML::NodeType::Undefined);
      }
    }
    if (original_->IsDefined()) {
      YAML::Node found = find_original(*original_, n);
      if (found.IsDefined()) return found;
    }
  }
  return to_yaml_node(n);
}

}  // namespace simulacra::scenario_detail
