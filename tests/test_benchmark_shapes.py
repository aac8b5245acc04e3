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


def test_the_probe_reports_its_ratio(capsys):
    assert SHAPES.main(["--n", "10", "--shapes", "one-channel", "--runs", "1", "--limit", "100"]) == 0
    out = capsys.readouterr().out
    assert "one-channel  N=    10" in out and "ratio" in out
