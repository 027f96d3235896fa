// Contact layers as Boost.Graph compressed-sparse-row graphs over person ids,
// and the random graph generators (clique, random regular, Erdős–Rényi,
// Watts–Strogatz) that build them. Generators draw only from RandomStream, so
// a town is the same on every machine.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <boost/graph/compressed_sparse_row_graph.hpp>

#include "simulacra/agents/epidemic/params.hpp"
#include "simulacra/engine/random.hpp"

namespace simulacra::epidemic {

/// An undirected layer, stored with both directions of every edge.
using ContactGraph = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                                        boost::no_property, std::uint32_t, std::uint32_t>;

using EdgeList = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

/// Appends the undirected edges (each once, as (a, b)) of a `kind` graph with
/// mean degree `degree` among `members` to `out`. Groups no larger than
/// degree + 1 become cliques. Throws std::invalid_argument for mass_action.
void add_group_edges(const std::vector<std::uint32_t>& members, Network kind, double degree, double rewire,
                     RandomStream& rng, EdgeList& out);

/// The CSR graph on `n` vertices holding both directions of each edge.
ContactGraph make_graph(std::uint32_t n, const EdgeList& undirected);

/// Degree of v (number of neighbours).
inline std::uint32_t degree(const ContactGraph& g, std::uint32_t v) {
  return static_cast<std::uint32_t>(boost::out_degree(v, g));
}

}  // namespace simulacra::epidemic
