"""Page facts (``catalog.pagefacts``): one plain record per page, identical whether the main process
computed it or the loader's workers did (``SAGA_LINT_JOBS=1`` against ``SAGA_LINT_JOBS=2``), and
stored and reloaded as it is (pickle, as a cache on disk would)."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from saga_lint.catalog import load_catalog
from saga_lint.catalog.model import Catalog
from saga_lint.catalog.pagefacts import PageFacts

GENERATE = Path(__file__).resolve().parent.parent / "benchmarks" / "generate.py"


def _facts(catalog: Catalog) -> list[tuple[str, PageFacts]]:
    """Every page's facts, in catalog order (resources, then other pages)."""
    return [(page.file, catalog.facts.of(page)) for page in catalog.resources + catalog.pages]


def _sequential(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, PageFacts]]:
    monkeypatch.setenv("SAGA_LINT_JOBS", "1")
    catalog = load_catalog(root)
    assert catalog.facts.pending is None  # read here: nothing to wait for
    return _facts(catalog)


def _from_workers(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, PageFacts]]:
    monkeypatch.setenv("SAGA_LINT_JOBS", "2")
    catalog = load_catalog(root)
    if catalog.facts.pending is None:
        pytest.skip("the loader's workers did not start here (no fork)")
    catalog.facts.wait()
    # every page's facts came from the workers, before any was asked for here
    assert set(catalog.facts.by_file) == {page.file for page in catalog.resources + catalog.pages}
    return _facts(catalog)


def _assert_same(sequential: list[tuple[str, PageFacts]], parallel: list[tuple[str, PageFacts]]) -> None:
    assert [file for file, _ in parallel] == [file for file, _ in sequential]
    for (file, mine), (_, theirs) in zip(sequential, parallel, strict=True):
        assert theirs == mine, file


def test_corpus_facts_from_the_workers_equal_the_sequential_ones(corpus, monkeypatch):
    sequential = _sequential(corpus, monkeypatch)
    parallel = _from_workers(corpus, monkeypatch)
    _assert_same(sequential, parallel)
    assert len(sequential) > 100
    assert any(f.path_checks for _, f in sequential)


def test_generated_catalog_facts_from_the_workers_equal_the_sequential_ones(tmp_path, monkeypatch):
    out = tmp_path / "cat"
    subprocess.run([sys.executable, str(GENERATE), "40", str(out)], capture_output=True, text=True, check=True)
    # something for each fact: a broken schema, a missing one and an unknown frontmatter key
    ev = next(out.glob("domains/*/systems/*/services/*/events/*/index.mdx"))
    ev.write_text(ev.read_text().replace("schemaPath: schema.json", "schemaPath: nothing.json\nverison: 2"))
    bad = next(out.glob("domains/*/systems/*/services/*/events/*/schema.json"))
    bad.write_text('{"type": "strnig", "properties": {"a": {"$ref": "#/nowhere"}}}')
    sequential = _sequential(out, monkeypatch)
    _assert_same(sequential, _from_workers(out, monkeypatch))
    assert any(check.status == "missing" for _, f in sequential for check in f.path_checks)
    assert any(f.schema_problems and f.schema_problems[0].problems for _, f in sequential)
    assert any(issue.kind == "unknown" for _, f in sequential for issue in f.frontmatter_issues)


def test_facts_are_plain_data_that_reload_as_they_are(corpus, monkeypatch):
    for _file, facts in _sequential(corpus, monkeypatch):
        assert pickle.loads(pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)) == facts


def test_a_page_edited_in_place_is_forgotten_explicitly(make_catalog):
    root = make_catalog(
        {
            "events/E/index.mdx": "---\nid: e\nname: E\nversion: 1.0.0\nschemaPath: schema.json\n---\n",
            "events/E/schema.json": '{"type": "object"}',
        }
    )
    catalog = load_catalog(root)
    page = catalog.resources[0]
    assert [c.status for c in catalog.facts.of(page).path_checks] == ["ok"]
    page.data = {**page.data, "schemaPath": "other.json"}
    assert [c.status for c in catalog.facts.of(page).path_checks] == ["ok"]  # kept: nobody said
    catalog.facts.forget(page)
    page.forget_derived()
    assert [c.status for c in catalog.facts.of(page).path_checks] == ["missing"]


def _generated(tmp_path: Path) -> Path:
    out = tmp_path / "cat"
    subprocess.run([sys.executable, str(GENERATE), "40", str(out)], capture_output=True, text=True, check=True)
    return out


def _damaged(_obj: object) -> bytes:
    return b"\x80\x05not a pickle"


def _dies(_obj: object) -> bytes:
    import os

    os._exit(1)


@pytest.mark.parametrize("second", [_damaged, _dies], ids=["damaged-message", "worker-dies"])
def test_facts_a_worker_does_not_deliver_are_computed_here(tmp_path, monkeypatch, second):
    """Each worker's second facts message is not a pickle (the reader thread leaves that batch out),
    or the worker stops there (out of memory, say): this process computes those pages' facts when
    asked; nothing is lost, nothing differs from the sequential run."""
    from saga_lint.catalog import workers

    out = _generated(tmp_path)
    sequential = _sequential(out, monkeypatch)
    real_dumps = workers.pickle.dumps
    sent = {"n": 0}

    def dumps(obj, protocol=None):
        sent["n"] += isinstance(obj, list)  # a batch's facts (a part of pages travels as a tuple)
        return second(obj) if sent["n"] == 2 and isinstance(obj, list) else real_dumps(obj, protocol=protocol)

    monkeypatch.setattr(workers.pickle, "dumps", dumps)  # as forked: each worker counts its own messages
    monkeypatch.setenv("SAGA_LINT_JOBS", "2")
    catalog = load_catalog(out)
    if catalog.facts.pending is None:
        pytest.skip("the loader's workers did not start here (no fork)")
    catalog.facts.wait()
    assert set(catalog.facts.by_file) < {page.file for page in catalog.resources + catalog.pages}  # left out ...
    _assert_same(sequential, _facts(catalog))  # ... and computed here, the same


def test_pages_having_each_kind_of_fact_are_those_a_scan_finds_in_catalog_order(tmp_path, monkeypatch):
    """``pages_having``, which the rules that report from the page facts read instead of every page:
    for each kind, exactly the pages whose facts have it, resources first, in catalog order; a page
    forgotten (edited in place) is asked again."""
    from saga_lint.catalog.pagefacts import HAVING, pages_having

    out = _generated(tmp_path)
    ev = next(out.glob("domains/*/systems/*/services/*/events/*/index.mdx"))
    ev.write_text(ev.read_text().replace("schemaPath: schema.json", "schemaPath: nothing.json\nverison: 2"))
    bad = next(out.glob("domains/*/systems/*/services/*/events/*/schema.json"))
    bad.write_text('{"type": "strnig"}')
    (bad.parent / "order.avsc").write_text('{"type": "record", "name": "A", "fields": []}')
    cmd = next(out.glob("domains/*/systems/*/services/*/commands/*/index.mdx"))
    cmd.write_text(cmd.read_text().replace("---\n", "---\nschemas:\n  - path: ../../events/nowhere/order.avsc\n", 1))
    (bad.parent.parent.parent / "events").mkdir(exist_ok=True)
    for jobs in ("1", "2"):
        monkeypatch.setenv("SAGA_LINT_JOBS", jobs)
        catalog = load_catalog(out)
        every = [*catalog.resources, *catalog.pages]
        for kind, test in HAVING.items():
            assert pages_having(catalog, kind) == [r for r in every if test(catalog.facts.of(r))], kind
        assert {k for k in HAVING if pages_having(catalog, k)} >= {"frontmatter_issues", "path_problems", "schema_problems",
                                                                  "not_loaded_by"}
        both = pages_having(catalog, "frontmatter_issues", "path_problems")
        assert both == [r for r in every if r in pages_having(catalog, "frontmatter_issues")
                        or r in pages_having(catalog, "path_problems")]
        page = pages_having(catalog, "path_problems")[0]
        catalog.facts.forget(page)
        assert catalog.facts.having_by_kind is None  # asked again, with the page's facts computed again
        assert page in pages_having(catalog, "path_problems")
