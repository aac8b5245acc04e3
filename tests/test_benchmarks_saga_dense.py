"""The saga-dense shape of the benchmark generator (#17): every saga declared, clean under ``check``.

A finding on the generated catalog is a bug in the generator or in a rule: the benchmark fails on it.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ROOT / "benchmarks" / "generate.py"
N = 27  # 5 sagas and two plain services past the last full group


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate_sd", GENERATE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    out = tmp_path_factory.mktemp("dense") / "cat"
    proc = subprocess.run(
        [sys.executable, str(GENERATE), "--shape", "saga-dense", str(N), str(out)], capture_output=True, text=True, check=True
    )
    return out, json.loads(proc.stdout)


def _check(path: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "saga_lint", "check", str(path), "-f", "json", "--fail-on", "info", "--no-cache"],
        capture_output=True, text=True,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_saga_dense_catalog_has_no_findings(dense):
    out, counts = dense
    report = _check(out)
    assert report["findings"] == []
    assert report["summary"]["files"] == counts["files"]
    assert counts["flows"] == N // 5 and counts["services"] == N
    assert counts["commands"] == counts["events"] == 8 * (N // 5)  # 2 commands and 2 events per participant


def test_saga_dense_sagas_are_declared_and_reviewed(dense):
    from saga_lint.pipeline import run_check

    out, _ = dense
    result = run_check(out)
    sagas = [s for s in result.sagas if s.reviewed]
    assert len(sagas) == N // 5
    for saga in sagas:
        assert saga.coordination == "orchestration"
        assert [s.type for s in saga.steps] == ["compensatable"] * 3 + ["pivot"]


def test_saga_dense_generator_is_deterministic(dense, tmp_path):
    out, counts = dense
    assert _generator().generate_saga_dense(N, str(tmp_path / "again")) == counts
    tree = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    again = tmp_path / "again"
    assert {str(p.relative_to(again)): p.read_bytes() for p in sorted(again.rglob("*")) if p.is_file()} == tree


def test_saga_dense_rules_do_run_on_it(tmp_path):
    """The catalog is clean because it is right, not because the saga rules skip it: one compensation
    no longer declared idempotent and one reply no longer sent are found."""
    out = tmp_path / "cat"
    _generator().generate_saga_dense(10, str(out))
    flow = next(out.glob("domains/*/flows/*/index.mdx"))
    flow.write_text(flow.read_text().replace("idempotent: true", "idempotent: false", 1))
    participant = sorted(out.glob("domains/*/systems/*/services/*/index.mdx"))[1]
    text = participant.read_text()
    participant.write_text(text.replace("-done\n    version: 1.0.0\n", "-gone\n    version: 1.0.0\n", 1))
    rules = {f["rule"] for f in _check(out)["findings"]}
    assert "saga/idempotency" in rules
    assert rules & {"saga/success-condition", "saga/orchestrator", "refs/resource-exists"}


def test_the_benchmark_fails_on_findings_in_a_saga_dense_catalog():
    spec = importlib.util.spec_from_file_location("bench_run", GENERATE.with_name("run.py"))
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    rows = [
        {"label": "`saga-lint check` 2000 services, saga-dense (16001 files)", "findings": "0 (0 errors, 0 warnings)"},
        {"label": "`saga-lint check` 2000 services, default (9241 files)", "findings": "3 (3 errors, 0 warnings)"},
        {"label": "official `@eventcatalog/linter` 2000 services, saga-dense", "findings": "9 (1 errors, 8 warnings)"},
    ]
    assert run.dense_with_findings(rows) == []
    rows[0]["findings"] = "1 (1 errors, 0 warnings)"
    assert run.dense_with_findings(rows) == [rows[0]["label"]]
