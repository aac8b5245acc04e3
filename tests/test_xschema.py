"""The compiled x-saga check (``catalog/xschema.py``) agrees with jsonschema: "valid" is never a guess.

Blocks are drawn by mutating real ones (the checkout saga of our catalog and a generated saga-dense
block): a key removed, renamed or set to a value of another type (YAML dates and non-string keys
included). Where the compiled check is sure, its answer is jsonschema's; it is sure on every
valid block of the catalogs we ship.
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from saga_lint.catalog.xschema import Unsure, compiled, is_valid, schema_path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _jsonschema_valid(block: object) -> bool:
    import jsonschema

    cls = jsonschema.validators.validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema"})
    from saga_lint.rules.saga.schema import json_keys

    return not list(cls(json.loads(schema_path().read_text("utf-8"))).iter_errors(json_keys(block)))


def _seeds() -> list[dict]:
    from saga_lint.catalog import load_catalog
    from saga_lint.saga.values import with_yaml12_keys

    cat = load_catalog(ROOT / "catalog")
    # as the saga model holds it (saga.x): a bare ``on:`` key read as "on", not YAML 1.1's true
    flows = [r for r in cat.resources if r.type == "flow" and isinstance(r.data.get("x-saga"), dict)]
    blocks = [with_yaml12_keys(r.data["x-saga"]) for r in flows]
    assert blocks
    return blocks


SEEDS = _seeds()
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 5), st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(["", "none", "2s", "200ms", "x", "timeout", "error", "pivot", "compensatable", "1.5 m", "-1s"]),
    st.just(datetime.date(2026, 1, 1)), st.just([]), st.just({}), st.just({"id": "a"}), st.just({1: "a"}),
    st.just({True: "on"}), st.just(["a", 1]), st.just({"status": "X"}), st.just({"command": "c"}),
)


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated(draw):
    block = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(block) if p]
        path = draw(st.sampled_from(paths))
        parent = block
        for part in path[:-1]:
            parent = parent[part]
        how = draw(st.sampled_from(["set", "delete", "rename"]))
        if how == "set":  # a copy: st.just gives the same object every time, and a later mutation would change it
            parent[path[-1]] = copy.deepcopy(draw(VALUES))
        elif how == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif how == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["retries", "x-note", "on", "type", "status"]))] = parent.pop(path[-1])
    return block


def test_the_schema_compiles():
    assert compiled() is not None


def test_sure_on_every_valid_block_we_ship():
    for block in SEEDS:
        assert _jsonschema_valid(block)
        assert is_valid(block)


@settings(max_examples=400, deadline=None)
@given(mutated())
def test_compiled_check_agrees_with_jsonschema(block):
    check = compiled()
    try:
        answer = check(block)
    except Unsure:
        assert not is_valid(block)  # not sure: jsonschema decides
        return
    assert answer == _jsonschema_valid(block)


def test_the_workers_page_fact_agrees_and_a_bad_block_is_still_reported(tmp_path):
    """The loader's workers check each flow's x-saga block (``PageFacts.x_saga_valid``) and
    ``saga/schema`` trusts a True: a generated catalog large enough for the workers, one block made
    invalid (a misspelt field), gives that block's finding, the same with and without workers, and
    every flow's fact is ``is_valid`` of the block the saga model reads (80 services: 380 pages, above
    ``PARALLEL_MIN_PAGES``)."""
    import os
    import subprocess
    import sys

    from saga_lint.catalog import load_catalog
    from saga_lint.saga.values import with_yaml12_keys

    cat = tmp_path / "cat"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--shape", "saga-dense", "80", str(cat)],
                   check=True, capture_output=True)
    flow = sorted(cat.glob("domains/*/flows/*/index.mdx"))[1]
    text = flow.read_text("utf-8")
    assert "      retry:" in text
    flow.write_text(text.replace("      retry:", "      retries:", 1), "utf-8")
    outputs = []
    for jobs in ("2", "1"):
        proc = subprocess.run([sys.executable, "-m", "saga_lint", "check", str(cat), "-f", "json", "--no-cache"],
                              capture_output=True, text=True, env={**os.environ, "SAGA_LINT_JOBS": jobs})
        found = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "saga/schema"]
        assert [f["file"] for f in found] == [flow.relative_to(cat).as_posix()], proc.stdout[:2000]
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
    os.environ.pop("SAGA_LINT_JOBS", None)
    loaded = load_catalog(cat)
    facts = {r.file: loaded.facts.of(r).x_saga_valid for r in loaded.resources}
    from saga_lint.catalog.workers import PARALLEL_MIN_PAGES

    assert len(loaded.resources) + len(loaded.pages) > PARALLEL_MIN_PAGES  # so that the workers ran
    flows = [r for r in loaded.resources if r.type == "flow"]
    assert len(flows) > 10 and all(facts[r.file] is is_valid(with_yaml12_keys(r.data["x-saga"])) for r in flows)
    assert facts[flow.relative_to(cat).as_posix()] is False
    assert {facts[r.file] for r in loaded.resources if r.type != "flow"} == {None}
