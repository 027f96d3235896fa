#include "scenario_tree.hpp"

#include <algorithm>
#include <sstream>
#include <unordered_map>

#include <yaml-cpp/eventhandler.h>

#include "scenario_text.hpp"

namespace simulacra::scenario_detail {
namespace {

// Thrown by the builder to stop the parser once the reason is recorded.
struct ParseStopped {};

// Builds a SourceNode tree from yaml-cpp's parse events. Working from events
// rather than YAML::Load lets us stop early: yaml-cpp 0.7 recurses once per
// nesting level, so 100,000 '[' would otherwise go deep into the stack before
// its own guard (at 2,000 levels) fires; and an alias that contains itself
// would make a YAML::Node tree cyclic.
class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(int source, const Sources& sources, Issues& issues, const ParseLimits& limits)
      : source_(source), sources_(sources), issues_(issues), limits_(limits) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) {
      stop(mark, "", "a scenario is one YAML document, but a second one starts here");
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    SourceNode n;
    n.pos = pos(mark);
    add_leaf(std::move(n), mark, anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const Stored* stored = anchor < anchors_.size() ? anchors_[anchor].get() : nullptr;
    if (stored == nullptr) {
      // yaml-cpp registers an anchor before its node is complete, so this is
      // an alias inside the very node it names.
      stop(mark, "", "alias *" + anchor_name(anchor) + " refers to a node that contains it");
    }
    if (static_cast<int>(stack_.size()) + stored->height > limits_.max_depth) too_deep(mark);
    count(mark, stored->count);
    add(stored->node, stored->height, stored->count, 0);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    SourceNode n;
    n.kind = SourceNode::Kind::scalar;
    // "!" marks a quoted or block scalar; "?" a plain one, whose type the
    // reader resolves (true, 5, 0.25, 30d).
    n.quoted = tag == "!" || tag == "tag:yaml.org,2002:str";
    n.scalar = value;
    n.pos = pos(mark);
    add_leaf(std::move(n), mark, anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    begin(mark, SourceNode::Kind::sequence, style == YAML::EmitterStyle::Flow, anchor);
  }
  void OnSequenceEnd() override { end(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    begin(mark, SourceNode::Kind::map, style == YAML::EmitterStyle::Flow, anchor);
  }
  void OnMapEnd() override { end(); }

  void OnAnchor(const YAML::Mark&, const std::string& name) override { anchor_names_.push_back(name); }

  bool has_root() const { return root_.has_value(); }
  SourceNode take_root() { return std::move(*root_); }

 private:
  struct Frame {
    SourceNode node;
    std::string path;
    int height = 1;
    std::size_t count = 1;
    YAML::anchor_t anchor = 0;
    bool expect_key = true;
    bool drop_value = false;  // the key was a duplicate: skip its value
    std::unordered_map<std::string, int> key_lines;
  };
  struct Stored {
    SourceNode node;
    int height;
    std::size_t count;
  };

  NodePos pos(const YAML::Mark& mark) const {
    NodePos p;
    p.source = source_;
    if (source_ == kFileSource && !mark.is_null()) {
      p.line = mark.line + 1;
      p.column = mark.column + 1;
    }
    return p;
  }

  [[noreturn]] void stop(const YAML::Mark& mark, std::string path, std::string message) {
    issues_.add(sources_.at(pos(mark)), std::move(path), std::move(message));
    throw ParseStopped{};
  }

  [[noreturn]] void too_deep(const YAML::Mark& mark) {
    stop(mark, "", "nested deeper than " + std::to_string(limits_.max_depth) + " levels");
  }

  void count(const YAML::Mark& mark, std::size_t n) {
    nodes_ += n;
    if (nodes_ > limits_.max_nodes) {
      stop(mark, "", "more than " + std::to_string(limits_.max_nodes) +
                         " values (counting every use of an alias); a scenario is a small file, data belongs in files it names");
    }
  }

  std::string anchor_name(YAML::anchor_t anchor) const {
    return anchor >= 1 && anchor <= anchor_names_.size() ? anchor_names_[anchor - 1] : std::to_string(anchor);
  }

  // Path of the collection being opened, for messages about its keys.
  std::string child_path_of_top() const {
    if (stack_.empty()) return {};
    const Frame& top = stack_.back();
    if (top.node.is_sequence()) return index_path(top.path, top.node.items.size());
    if (!top.expect_key && !top.node.keys.empty() && top.node.keys.back().is_scalar()) {
      return child_path(top.path, top.node.keys.back().scalar);
    }
    return top.path;
  }

  void begin(const YAML::Mark& mark, SourceNode::Kind kind, bool flow, YAML::anchor_t anchor) {
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) too_deep(mark);
    count(mark, 1);
    Frame f;
    f.node.kind = kind;
    f.node.flow = flow;
    f.node.pos = pos(mark);
    f.path = child_path_of_top();
    f.anchor = anchor;
    stack_.push_back(std::move(f));
  }

  void end() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    add(std::move(f.node), f.height, f.count, f.anchor);
  }

  void add_leaf(SourceNode n, const YAML::Mark& mark, YAML::anchor_t anchor) {
    count(mark, 1);
    add(std::move(n), 0, 1, anchor);
  }

  void add(SourceNode n, int height, std::size_t n_count, YAML::anchor_t anchor) {
    if (anchor != 0) {
      if (anchors_.size() <= anchor) anchors_.resize(anchor + 1);
      anchors_[anchor] = std::make_unique<Stored>(Stored{n, height, n_count});
    }
    if (stack_.empty()) {
      if (!root_) root_ = std::move(n);
      return;
    }
    Frame& top = stack_.back();
    top.height = std::max(top.height, height + 1);
    top.count += n_count;
    if (top.node.is_sequence()) {
      top.node.items.push_back(std::move(n));
      return;
    }
    if (top.expect_key) {
      top.expect_key = false;
      if (n.is_scalar()) {
        const auto [it, inserted] = top.key_lines.emplace(n.scalar, n.pos.line);
        if (!inserted) {
          std::string message = "duplicate key '" + n.scalar + "'";
          if (it->second > 0) message += " (first at line " + std::to_string(it->second) + ")";
          issues_.add(sources_.at(n.pos), top.path, std::move(message));
          top.drop_value = true;
          return;
        }
      }
      top.node.keys.push_back(std::move(n));
      return;
    }
    top.expect_key = true;
    if (top.drop_value) {
      top.drop_value = false;
      return;
    }
    // An empty value's mark is wherever the next token starts, often the next
    // line; the key is where a reader looks.
    if (n.is_null() && anchor == 0) n.pos = top.node.keys.back().pos;
    top.node.items.push_back(std::move(n));
  }

  int source_;
  const Sources& sources_;
  Issues& issues_;
  ParseLimits limits_;
  std::vector<Frame> stack_;
  std::vector<std::unique_ptr<Stored>> anchors_;  // by anchor id; null while open
  std::vector<std::string> anchor_names_;         // anchor id - 1 -> name
  std::size_t nodes_ = 0;
  int documents_ = 0;
  std::optional<SourceNode> root_;
};

void emit(YAML::Emitter& out, const SourceNode& n) {
  switch (n.kind) {
    case SourceNode::Kind::null: out << YAML::Null; return;
    case SourceNode::Kind::scalar:
      if (n.quoted) out << YAML::DoubleQuoted;
      out << n.scalar;
      return;
    case SourceNode::Kind::sequence:
      if (n.flow) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const SourceNode& item : n.items) emit(out, item);
      out << YAML::EndSeq;
      return;
    case SourceNode::Kind::map:
      if (n.flow) out << YAML::Flow;
      out << YAML::BeginMap;
      for (std::size_t i = 0; i < n.keys.size(); ++i) {
        out << YAML::Key;
        emit(out, n.keys[i]);
        out << YAML::Value;
        emit(out, n.items[i]);
      }
      out << YAML::EndMap;
      return;
  }
}

bool same_kind(const YAML::Node& y, const SourceNode& n) {
  switch (n.kind) {
    case SourceNode::Kind::null: return y.IsNull();
    case SourceNode::Kind::scalar: return y.IsScalar();
    case SourceNode::Kind::sequence: return y.IsSequence();
    case SourceNode::Kind::map: return y.IsMap();
  }
  return false;
}

bool at_same_place(const YAML::Node& y, const SourceNode& n) {
  const YAML::Mark m = y.Mark();
  return !m.is_null() && n.pos.source == kFileSource && m.line + 1 == n.pos.line && m.column + 1 == n.pos.column &&
         same_kind(y, n);
}

// Same shape, same scalars, every node at the same place.
bool matches(const YAML::Node& y, const SourceNode& n) {
  if (!at_same_place(y, n) || y.size() != n.items.size()) return false;
  if (n.is_scalar()) return y.Scalar() == n.scalar;
  std::size_t i = 0;
  if (n.is_sequence()) {
    for (const YAML::Node& item : y) {
      if (!matches(item, n.items[i++])) return false;
    }
  } else if (n.is_map()) {
    for (const auto& kv : y) {
      if (!matches(kv.first, n.keys[i]) || !matches(kv.second, n.items[i])) return false;
      ++i;
    }
  }
  return true;
}

YAML::Node search(const YAML::Node& y, const SourceNode& n, int depth) {
  if (at_same_place(y, n)) return y;
  if (depth > ParseLimits{}.max_depth) return YAML::Node(YAML::NodeType::Undefined);
  if (y.IsSequence()) {
    for (const YAML::Node& item : y) {
      YAML::Node found = search(item, n, depth + 1);
      if (found.IsDefined()) return found;
    }
  } else if (y.IsMap()) {
    for (const auto& kv : y) {
      YAML::Node found = search(kv.second, n, depth + 1);
      if (found.IsDefined()) return found;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

}  // namespace

const SourceNode* SourceNode::find(std::string_view key) const {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].is_scalar() && keys[i].scalar == key) return &items[i];
  }
  return nullptr;
}

SourceNode* SourceNode::find(std::string_view key) {
  return const_cast<SourceNode*>(static_cast<const SourceNode*>(this)->find(key));
}

int Sources::add_override(std::string text) {
  overrides_.push_back(std::move(text));
  return static_cast<int>(overrides_.size());
}

SourcePos Sources::at(const NodePos& p) const {
  SourcePos out;
  if (p.source > 0 && static_cast<std::size_t>(p.source) <= overrides_.size()) {
    out.file = overrides_[static_cast<std::size_t>(p.source) - 1];
    return out;
  }
  out.file = file_;
  if (p.source == kFileSource) {
    out.line = p.line;
    out.column = p.column;
  }
  return out;
}

Parsed parse_yaml(const std::string& text, int source, const Sources& sources, Issues& issues,
                  const ParseLimits& limits) {
  Parsed out;
  std::istringstream in(text);
  TreeBuilder builder(source, sources, issues, limits);
  try {
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(builder)) {
      out.status = ParseStatus::empty;
      return out;
    }
    parser.HandleNextDocument(builder);  // only to report a second document
  } catch (const ParseStopped&) {
    return out;
  } catch (const YAML::Exception& e) {
    NodePos p;
    p.source = source;
    if (source == kFileSource && !e.mark.is_null()) {
      p.line = e.mark.line + 1;
      p.column = e.mark.column + 1;
    }
    issues.add(sources.at(p), "", "not valid YAML: " + e.msg);
    return out;
  }
  if (!builder.has_root()) {
    out.status = ParseStatus::empty;
    return out;
  }
  out.status = ParseStatus::ok;
  out.root = builder.take_root();
  return out;
}

std::string emit_yaml(const SourceNode& root) {
  YAML::Emitter out;
  emit(out, root);
  return std::string(out.c_str()) + "\n";
}

std::string scalar_yaml(const SourceNode& scalar) {
  if (!scalar.quoted) return scalar.scalar;
  YAML::Emitter out;
  out << YAML::DoubleQuoted << scalar.scalar;
  return out.c_str();
}

YAML::Node to_yaml_node(const SourceNode& n) {
  switch (n.kind) {
    case SourceNode::Kind::null: return YAML::Node(YAML::NodeType::Null);
    case SourceNode::Kind::scalar: {
      YAML::Node y(n.scalar);
      y.SetTag(n.quoted ? "!" : "?");
      return y;
    }
    case SourceNode::Kind::sequence: {
      YAML::Node y(YAML::NodeType::Sequence);
      for (const SourceNode& item : n.items) y.push_back(to_yaml_node(item));
      if (n.flow) y.SetStyle(YAML::EmitterStyle::Flow);
      return y;
    }
    case SourceNode::Kind::map: {
      YAML::Node y(YAML::NodeType::Map);
      for (std::size_t i = 0; i < n.keys.size(); ++i) y.force_insert(to_yaml_node(n.keys[i]), to_yaml_node(n.items[i]));
      if (n.flow) y.SetStyle(YAML::EmitterStyle::Flow);
      return y;
    }
  }
  return {};
}

YAML::Node find_original(const YAML::Node& original, const SourceNode& node) {
  if (node.pos.source != kFileSource || node.pos.line == 0) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node found = search(original, node, 0);
  // An override may have changed something inside: then the file's node is
  // not the value any more.
  if (!found.IsDefined() || !matches(found, node)) return YAML::Node(YAML::NodeType::Undefined);
  return found;
}

}  // namespace simulacra::scenario_detail
