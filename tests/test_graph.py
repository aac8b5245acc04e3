"""``CatalogGraph`` keeps its own adjacency and gives networkx's ``MultiDiGraph`` on demand (#17):
both must be the same graph, and the questions the rules ask must answer as networkx would (the
order of a node's in-edges aside: the view adds the edges source by source)."""

from __future__ import annotations

from pathlib import Path

import pytest

from saga_lint.pipeline import run_check
from tests.conftest import CORPUS, OUR_CATALOG

CATALOGS = [OUR_CATALOG, CORPUS, OUR_CATALOG.parent / "catalog-examples"]


def _catalogs() -> list[Path]:
    found = [p for p in CATALOGS if p.is_dir()]
    examples = OUR_CATALOG.parent / "catalog-examples"
    if examples.is_dir():
        found = [p for p in found if p != examples] + sorted(d for d in examples.iterdir() if d.is_dir())
    return found


@pytest.mark.parametrize("path", _catalogs(), ids=lambda p: p.name)
def test_networkx_view_is_the_same_graph(path):
    graph = run_check(path).graph
    g = graph.g
    assert list(g.nodes) == list(graph.nodes)
    assert all(g.nodes[n] == attrs for n, attrs in graph.nodes.items())
    assert [(u, v, dict(a)) for u, v, a in graph.edges()] == list(g.edges(data=True))
    assert g.number_of_edges() > 0


@pytest.mark.parametrize("path", _catalogs(), ids=lambda p: p.name)
def test_neighbours_and_sources_answer_as_networkx(path):
    graph = run_check(path).graph
    g = graph.g
    kinds = {a.get("kind") for _u, _v, a in g.edges(data=True)}
    assert {"sends", "receives", "owns", "step"} <= kinds or path != OUR_CATALOG
    for node in g.nodes:
        for kind in kinds:
            out = [v for _u, v, k in g.out_edges(node, data="kind") if k == kind]
            into = [u for u, _v, k in g.in_edges(node, data="kind") if k == kind]
            assert graph.neighbours(node, kind) == out, (node, kind)
            # the view is built source by source: its in-edges are the same, maybe in another order
            assert sorted(map(repr, graph.sources(node, kind))) == sorted(map(repr, into)), (node, kind)
    assert graph.neighbours(("no", "such", "node"), "sends") == []
    for res in run_check(path).catalog.resources[:50]:
        expected = []
        if res.key in g:
            for u, _v, kind in g.in_edges(res.key, data="kind"):
                r = graph.resource(u)
                if r is None and isinstance(u, tuple) and u[0] == "step":
                    r = graph.resource(u[1])
                if r is not None:
                    expected.append((r, kind))
        assert sorted(map(repr, graph.referrers(res))) == sorted(map(repr, expected))
