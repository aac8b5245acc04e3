"""The scaling probe's shapes (``benchmarks/shapes.py``): each is a clean catalog of the shape it
says, so that what the probe measures is the work of a clean check."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from saga_lint.pipeline import run_check

ROOT = Path(__file__).resolve().parent.parent


def _shapes():
    spec = importlib.util.spec_from_file_location("bench_shapes", ROOT / "benchmarks" / "shapes.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SHAPES = _shapes()


@pytest.mark.parametrize("name", sorted(SHAPES.SHAPES))
def test_each_shape_is_a_clean_catalog_of_its_shape(name, tmp_path):
    n = 20
    SHAPES.SHAPES[name](tmp_path / "cat", n)
    result = run_check(tmp_path / "cat")
    assert [f"{f.rule} {f.file}:{f.line} {f.message}" for f in result.findings] == []
    edges = list(result.graph.edges())
    if name == "hub":  # one event every other service receives
        assert sum(1 for _, v, _ in edges if v[1] == "hub-event") >= n - 1
    elif name == "versions":
        assert sum(1 for r in result.catalog.resources if r.id == "many") == n
    elif name in ("long-flow", "diamonds", "many-flows"):
        flows = [r for r in result.catalog.resources if r.type == "flow"]
        assert len(flows) == (n if name == "many-flows" else 1)
        steps = len(flows[0].data["steps"])
        assert steps == {"long-flow": 2 * n, "diamonds": 3 * (n // 10) + 1, "many-flows": 5}[name]
    elif name in ("long-saga", "saga-hub", "many-versions-saga", "long-choreography"):  # reviewed (no copies)
        sagas = result.sagas
        assert len(sagas) == {"saga-hub": n // 5, "many-versions-saga": max(1, n // 20)}.get(name, 1)
        style = "choreography" if name == "long-choreography" else "orchestration"
        assert all(s.reviewed and s.structured and s.coordination == style for s in sagas)
        long = name in ("long-saga", "long-choreography")
        assert [len(s.steps) for s in sagas] == [max(2, n // 10) if long else 3] * len(sagas)
        assert all(e.level == "structured" for s in sagas for step in s.steps for e in step.evidence.values())
        if name == "saga-hub":  # the same three participants in every saga
            assert {s.steps[0].participant.id for s in sagas} == {"svc-a"}
        if name == "many-versions-saga":
            assert {len(versions) for versions in result.catalog.index().values()} >= {5}
    elif name == "nested":
        files = [r.file for r in result.catalog.resources if r.type == "event"]
        assert len(files) == 5 * (n // 10) and all("/subdomains/" in f for f in files)
    elif name == "channel-routes":  # n channels, n - 1 routes between them
        assert sum(1 for r in result.catalog.resources if r.type == "channel") == n
        assert sum(1 for x in result.graph.resolved if x.ref.path[0] == "routes" and x.target is not None) == n - 1
    elif name == "version-ranges":  # every range resolved to a version of the one event
        assert sum(1 for r in result.catalog.resources if r.id == "ranged") == max(10, n // 10)
        assert not result.graph.unresolved
    elif name == "shared-orchestrator":  # n/5 sagas, one orchestrator
        assert len(result.sagas) == n // 5 and {s.orchestrator.id for s in result.sagas if s.orchestrator} == {"orch"}


def test_the_probe_reports_its_ratio(capsys):
    assert SHAPES.main(["--n", "10", "--shapes", "one-channel", "--runs", "1", "--limit", "100"]) == 0
    out = capsys.readouterr().out
    assert "one-channel        check  N=    10" in out and "check  ratio" in out and "report" not in out


def test_the_probe_times_report_and_review_too(capsys):
    """``--commands``: the HTML report, and a review of a small edit against the catalog committed
    as its base; each exits 0 on a clean shape (a review that found its change to introduce
    findings, or could not run, would stop the probe with 2)."""
    args = ["--n", "10", "--shapes", "long-saga", "--runs", "1", "--limit", "100", "--commands", "report,review"]
    assert SHAPES.main(args) == 0
    out = capsys.readouterr().out
    assert "long-saga          report N=    20" in out and "long-saga          review ratio" in out


def _operations(monkeypatch, root: Path) -> dict[str, int]:
    """How often a clean check of ``root`` looks a graph node's resource up and follows a drawn link:
    counts of operations, which grow with the work whatever the machine's speed."""
    from saga_lint.graph import CatalogGraph
    from saga_lint.saga.flowmap import FlowMap, Node

    counts = {"resource": 0, "links": 0, "nodes": 0}

    def counted(name: str, cls: type, attr: str) -> None:
        real = cls.__dict__[attr]
        call = real.fget if isinstance(real, property) else real

        def wrapper(*args, **kwargs):
            counts[name] += 1
            return call(*args, **kwargs)

        monkeypatch.setattr(cls, attr, property(wrapper) if isinstance(real, property) else wrapper)

    counted("resource", CatalogGraph, "resource")
    counted("links", FlowMap, "out_links")
    counted("links", FlowMap, "in_links")
    counted("nodes", Node, "message_id")
    assert run_check(root).findings == []
    monkeypatch.undo()
    return counts


@pytest.mark.parametrize(("name", "n"), [("long-saga", 200), ("saga-hub", 40), ("long-choreography", 200)])
def test_saga_rules_do_linear_work_on_a_long_saga_and_on_a_participant_of_many_sagas(name, n, tmp_path, monkeypatch):
    """Doubling the saga's steps (``long-saga``) or the sagas through one participant (``saga-hub``)
    at most doubles the look-ups: the rules once asked the graph for the orchestrator's (the
    participant's) sends per step, and walked the map forward from every step to find a
    Compensation node, both quadratic; and (``long-choreography``) looked a step's trigger up among
    the map's message nodes by scanning them all."""
    small, large = (tmp_path / "small", tmp_path / "large")
    SHAPES.SHAPES[name](small, n)
    SHAPES.SHAPES[name](large, 2 * n)
    before, after = _operations(monkeypatch, small), _operations(monkeypatch, large)
    for op in before:
        assert after[op] <= 2.3 * before[op], (op, before[op], after[op])
