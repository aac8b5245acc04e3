"""The benchmark catalog generator: deterministic, clean under ``check``, counts as generated.

Also pins that the parallel paths used on large catalogs (forked page parsing, catalog-only rules
in a forked process) give exactly what the in-process path gives.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ROOT / "benchmarks" / "generate.py"
N = 30


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "cat"
    proc = subprocess.run([sys.executable, str(GENERATE), str(N), str(out)], capture_output=True, text=True, check=True)
    return out, json.loads(proc.stdout)


def _tree(path: Path) -> dict:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_generator_is_deterministic(generated, tmp_path):
    out, counts = generated
    again = _generator().generate(N, str(tmp_path / "again"))
    assert again == counts
    assert _tree(tmp_path / "again") == _tree(out)


def test_generated_catalog_is_clean_and_counts_match(generated):
    out, counts = generated
    proc = subprocess.run(
        [sys.executable, "-m", "saga_lint", "check", str(out), "-f", "json"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    report = json.loads(proc.stdout)
    assert report["findings"] == []
    summary = report["summary"]
    assert summary["files"] == counts["files"]
    kinds = (
        "domains", "systems", "services", "events", "commands", "queries", "containers", "channels", "flows", "teams", "users",
    )
    for kind in kinds:
        assert summary["resources"][kind] == counts[kind], kind
    # the shape the generator promises
    assert counts["services"] == N + 1  # one older version (versioned/0.9.0) per 50 services
    assert counts["flows"] == N // 20
    assert counts["events"] >= N and counts["commands"] + counts["queries"] >= N // 2 - 1


def test_generated_catalog_has_realistic_nesting(generated):
    out, _ = generated
    services = list(out.glob("domains/*/systems/*/services/*/index.mdx"))
    assert len(services) == N
    assert list(out.glob("domains/*/systems/*/services/*/events/*/schema.json"))
    assert list(out.glob("domains/*/systems/*/services/*/events/*/versioned/0.9.0/index.mdx"))
    assert list(out.glob("domains/*/systems/*/containers/*/index.mdx"))
    body = next(out.glob("domains/*/systems/*/services/*/events/*/index.mdx")).read_text()
    assert '<SchemaViewer file="schema.json"' in body


def _findings(path, env_jobs: str):
    env = dict(os.environ, SAGA_LINT_JOBS=env_jobs)
    proc = subprocess.run(
        [sys.executable, "-m", "saga_lint", "check", str(path), "-f", "json"], capture_output=True, text=True, env=env
    )
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_parallel_paths_give_the_same_result_as_in_process(tmp_path):
    """A generated catalog with mistakes in it, checked with the forked workers forced on
    (SAGA_LINT_JOBS=2, which also turns on the forked catalog-only rules above the threshold) and
    off: identical findings, positions included."""
    out = tmp_path / "cat"
    _generator().generate(N, str(out))
    svc = next(out.glob("domains/*/systems/*/services/*/index.mdx"))
    svc.write_text(svc.read_text().replace("owners:", "ownres:", 1))  # unknown field, no owners
    ev = next(out.glob("domains/*/systems/*/services/*/events/*/schema.json"))
    ev.write_text('{"type": "object", "properties": {"a": {"$ref": "#/nowhere"}}}')
    bad = next(out.glob("domains/*/flows/*/index.mdx"))
    bad.write_text(bad.read_text().replace("next_step: second_service", "next_step: second_servcie"))
    serial = _findings(out, "1")
    parallel = _findings(out, "2")
    assert serial["findings"], "the mutations must be found"
    assert parallel == serial
    rules = {f["rule"] for f in serial["findings"]}
    assert {"schema/unknown-field", "best-practices/owner-required", "schema/invalid-json-schema", "flow/unknown-step"} <= rules


def test_page_facts_from_the_workers_match_in_process(tmp_path, monkeypatch):
    """The loader's workers compute the pages' facts (file paths, JSON schema problems) while the
    graph is built: the rules' findings from those facts equal the findings computed in-process."""
    from saga_lint.catalog import load_catalog
    from saga_lint.config import load_config
    from saga_lint.graph import build_graph
    from saga_lint.rules import Context, run_rules

    out = tmp_path / "cat"
    _generator().generate(N, str(out))
    ev = next(out.glob("domains/*/systems/*/services/*/events/*/index.mdx"))
    ev.write_text(ev.read_text().replace("schemaPath: schema.json", "schemaPath: nothing.json\nverison: 2"))
    bad = next(out.glob("domains/*/systems/*/services/*/events/*/schema.json"))
    bad.write_text('{"type": "strnig"}')
    config = load_config(out)
    monkeypatch.setenv("SAGA_LINT_JOBS", "2")
    catalog = load_catalog(out)
    if catalog.facts.pending is None:
        pytest.skip("no second CPU or no fork here")
    from_workers = run_rules(Context(catalog, build_graph(catalog), []), config)
    monkeypatch.setenv("SAGA_LINT_JOBS", "1")
    catalog2 = load_catalog(out)
    assert catalog2.facts.pending is None
    plain = run_rules(Context(catalog2, build_graph(catalog2), []), config)
    assert [f.to_json() for f in from_workers] == [f.to_json() for f in plain]
    assert {"refs/file-exists", "schema/unknown-field", "schema/invalid-json-schema"} <= {f.rule for f in plain}


def test_review_benchmark_builds_a_repository_whose_change_review_sees(tmp_path):
    """``benchmarks/review_bench.py`` (not a timing test): the repository it builds has the
    generated catalog as its base commit and one change that the review reports."""
    spec = importlib.util.spec_from_file_location("bench_review", Path(GENERATE).with_name("review_bench.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(Path(GENERATE).parent))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(Path(GENERATE).parent))
    repo = mod.build_repo(12, str(tmp_path))
    assert mod.build_repo(12, str(tmp_path)) == repo  # built once, reused
    proc = subprocess.run(
        [sys.executable, "-m", "saga_lint", "review", "--base", "HEAD", ".", "--format", "json"],
        cwd=repo, capture_output=True, text=True,
    )
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(proc.stdout)
    changed = [c for c in doc["changes"] if c["type"] == "event"]
    assert len(changed) == 1 and set(changed[0]["what"]) == {"frontmatter", "schema"}
