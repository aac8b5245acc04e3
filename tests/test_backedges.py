"""The cycle helpers of ``saga_lint.backedges``, against networkx's implementations (the oracle)."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_lint.backedges import closed_loops, components

graphs = st.integers(min_value=1, max_value=12).flatmap(
    lambda n: st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n).map(
        lambda edges: (n, edges)))


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_closed_loops_are_networkx_attracting_components(graph):
    """The closed loops are the strongly connected sets no edge leaves: networkx calls them
    attracting components; each in the nodes' order, the sets by their first node."""
    n, edges = graph
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    expected = sorted(sorted(c) for c in nx.attracting_components(g))
    assert closed_loops(list(range(n)), lambda node: list(g.successors(node))) == expected


def test_closed_loops_of_a_long_chain_do_not_recurse():
    """A chain of 50,000 steps into a ring (a hostile flow) is walked without recursion."""
    n = 50_000
    succ = {i: [i + 1] for i in range(n - 1)}
    succ[n - 1] = [n - 2]
    assert closed_loops(list(range(n)), succ.__getitem__) == [[n - 2, n - 1]]


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_components_are_networkx_strongly_connected_components(graph):
    """Two nodes share a number exactly when networkx puts them in one strongly connected component;
    a set is numbered before any set that reaches it (Tarjan's order: a reverse topological one)."""
    n, edges = graph
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    found = components(list(range(n)), lambda node: list(g.successors(node)))
    assert sorted(sorted(m for m in found if found[m] == c) for c in set(found.values())) == \
        sorted(sorted(c) for c in nx.strongly_connected_components(g))
    assert all(found[a] >= found[b] for a, b in edges)  # an edge never leads to a later set
