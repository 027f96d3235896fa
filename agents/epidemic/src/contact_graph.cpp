#include "simulacra/agents/epidemic/contact_graph.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_set>

namespace simulacra::epidemic {

namespace {

std::uint64_t edge_key(std::uint32_t a, std::uint32_t b) {
  if (a > b) std::swap(a, b);
  return (std::uint64_t{a} << 32) | b;
}

// Membership only (never iterated), so its hash order cannot reach output.
using EdgeSet = std::unordered_set<std::uint64_t>;

void clique(const std::vector<std::uint32_t>& m, EdgeList& out) {
  for (std::size_t i = 0; i < m.size(); ++i) {
    for (std::size_t j = i + 1; j < m.size(); ++j) out.emplace_back(m[i], m[j]);
  }
}

// Configuration model: pair stubs at random, then repair self-loops and
// repeated edges by switching each bad pair with a random good one, so every
// vertex keeps exactly `k` contacts (one may keep k-1 when n*k is odd).
void random_regular(const std::vector<std::uint32_t>& m, std::uint32_t k, RandomStream& rng, EdgeList& out) {
  const std::size_t n = m.size();
  std::vector<std::uint32_t> stubs;
  stubs.reserve(n * k);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::uint32_t s = 0; s < k; ++s) stubs.push_back(static_cast<std::uint32_t>(i));
  }
  if (stubs.size() % 2 == 1) stubs.pop_back();
  for (std::size_t i = stubs.size(); i > 1; --i) std::swap(stubs[i - 1], stubs[rng.below(i)]);
  const std::size_t pairs = stubs.size() / 2;
  EdgeSet seen;
  seen.reserve(pairs * 2);
  std::vector<std::size_t> bad;
  for (std::size_t e = 0; e < pairs; ++e) {
    const std::uint32_t a = stubs[2 * e], b = stubs[2 * e + 1];
    if (a == b || !seen.insert(edge_key(a, b)).second) bad.push_back(e);
  }
  for (std::size_t tries = 0; !bad.empty() && tries < 100 * (bad.size() + 10); ++tries) {
    const std::size_t e = bad.back();
    const std::size_t f = rng.below(pairs);
    const std::uint32_t a = stubs[2 * e], b = stubs[2 * e + 1];
    const std::uint32_t c = stubs[2 * f], d = stubs[2 * f + 1];
    if (f == e || std::find(bad.begin(), bad.end(), f) != bad.end()) continue;
    if (a == c || b == d || seen.count(edge_key(a, c)) || seen.count(edge_key(b, d)) || edge_key(a, c) == edge_key(b, d)) {
      continue;
    }
    seen.erase(edge_key(c, d));
    seen.insert(edge_key(a, c));
    seen.insert(edge_key(b, d));
    stubs[2 * e + 1] = c;
    stubs[2 * f] = b;
    bad.pop_back();
  }
  for (std::size_t e = 0; e < pairs; ++e) {
    if (std::find(bad.begin(), bad.end(), e) != bad.end()) continue;  // unrepairable (tiny groups): dropped
    out.emplace_back(m[stubs[2 * e]], m[stubs[2 * e + 1]]);
  }
}

// G(n, p) by geometric skipping over the pairs (Batagelj & Brandes 2005):
// time proportional to the edges, not to n^2.
void erdos_renyi(const std::vector<std::uint32_t>& m, double p, RandomStream& rng, EdgeList& out) {
  const std::int64_t n = static_cast<std::int64_t>(m.size());
  if (p <= 0.0) return;
  if (p >= 1.0) {
    clique(m, out);
    return;
  }
  const double lq = std::log(1.0 - p);
  std::int64_t v = 1, w = -1;
  while (v < n) {
    w += 1 + static_cast<std::int64_t>(std::floor(std::log(1.0 - rng.uniform()) / lq));
    while (w >= v && v < n) {
      w -= v;
      ++v;
    }
    if (v < n) out.emplace_back(m[static_cast<std::size_t>(v)], m[static_cast<std::size_t>(w)]);
  }
}

// Watts-Strogatz: a ring where each vertex meets its `half` nearest on each
// side; each edge's far end is rewired with probability `rewire` to a vertex
// drawn uniformly, avoiding self-loops and repeats.
void small_world(const std::vector<std::uint32_t>& m, std::uint32_t half, double rewire, RandomStream& rng,
                 EdgeList& out) {
  const std::size_t n = m.size();
  EdgeSet seen;
  seen.reserve(n * half * 2);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::uint32_t j = 1; j <= half; ++j) seen.insert(edge_key(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>((i + j) % n)));
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::uint32_t j = 1; j <= half; ++j) {
      const auto a = static_cast<std::uint32_t>(i);
      auto b = static_cast<std::uint32_t>((i + j) % n);
      if (rng.bernoulli(rewire)) {
        for (int t = 0; t < 8; ++t) {
          const auto c = static_cast<std::uint32_t>(rng.below(n));
          if (c == a || seen.count(edge_key(a, c))) continue;
          seen.erase(edge_key(a, b));
          seen.insert(edge_key(a, c));
          b = c;
          break;
        }
      }
      out.emplace_back(m[a], m[b]);
    }
  }
}

}  // namespace

void add_group_edges(const std::vector<std::uint32_t>& members, Network kind, double degree, double rewire,
                     RandomStream& rng, EdgeList& out) {
  const std::size_t n = members.size();
  if (n < 2 || degree <= 0.0) return;
  if (kind == Network::mass_action) throw std::invalid_argument("mass_action has no fixed graph");
  if (kind == Network::clique || static_cast<double>(n) <= degree + 1.0) {
    clique(members, out);
    return;
  }
  // Positions in the generators are a random order of the members, so that
  // structure (ring neighbours, stub order) does not follow person ids.
  std::vector<std::uint32_t> m = members;
  for (std::size_t i = n; i > 1; --i) std::swap(m[i - 1], m[rng.below(i)]);
  const auto k = static_cast<std::uint32_t>(std::lround(degree));
  switch (kind) {
    case Network::random_regular:
      random_regular(m, std::max<std::uint32_t>(1, k), rng, out);
      break;
    case Network::erdos_renyi:
      erdos_renyi(m, degree / static_cast<double>(n - 1), rng, out);
      break;
    case Network::small_world:
      small_world(m, std::max<std::uint32_t>(1, k / 2), rewire, rng, out);
      break;
    default:
      break;
  }
}

ContactGraph make_graph(std::uint32_t n, const EdgeList& undirected) {
  EdgeList both;
  both.reserve(undirected.size() * 2);
  for (const auto& [a, b] : undirected) {
    both.emplace_back(a, b);
    both.emplace_back(b, a);
  }
  // Sorted so neighbour order (and hence the order of random draws over
  // neighbours) is a function of the edge set alone.
  std::sort(both.begin(), both.end());
  return ContactGraph(boost::edges_are_sorted, both.begin(), both.end(), n);
}

}  // namespace simulacra::epidemic
