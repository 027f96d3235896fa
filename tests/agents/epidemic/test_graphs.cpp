#include <catch2/catch.hpp>
#include <numeric>
#include <set>

#include "simulacra/agents/epidemic/contact_graph.hpp"

using namespace simulacra;
using namespace simulacra::epidemic;

namespace {

std::vector<std::uint32_t> ids(std::uint32_t n) {
  std::vector<std::uint32_t> v(n);
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

// No self-loops and no repeated edges.
bool simple(const EdgeList& e) {
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  for (auto [a, b] : e) {
    if (a == b) return false;
    if (!seen.insert({std::min(a, b), std::max(a, b)}).second) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("random regular graphs give every vertex exactly k contacts", "[epidemic][graph]") {
  RandomStream rng(7, 0);
  EdgeList e;
  add_group_edges(ids(10000), Network::random_regular, 4, 0.0, rng, e);
  CHECK(e.size() == 20000);
  CHECK(simple(e));
  const ContactGraph g = make_graph(10000, e);
  for (std::uint32_t v = 0; v < 10000; ++v) REQUIRE(degree(g, v) == 4);
}

TEST_CASE("Erdos-Renyi graphs have the requested mean degree", "[epidemic][graph]") {
  RandomStream rng(8, 0);
  EdgeList e;
  add_group_edges(ids(20000), Network::erdos_renyi, 6, 0.0, rng, e);
  CHECK(simple(e));
  // Edges ~ Binomial(n(n-1)/2, p): mean 60000, sd ~245.
  CHECK(static_cast<double>(e.size()) == Approx(60000).margin(1500));
}

TEST_CASE("small-world graphs keep n k / 2 edges, and cliques are complete", "[epidemic][graph]") {
  RandomStream rng(9, 0);
  EdgeList e;
  add_group_edges(ids(1000), Network::small_world, 8, 0.2, rng, e);
  CHECK(e.size() == 4000);
  CHECK(simple(e));
  EdgeList c;
  add_group_edges(ids(6), Network::small_world, 8, 0.2, rng, c);  // too small for degree 8: a clique
  CHECK(c.size() == 15);
}
