"""Review of the wire/perf change (#17): cases the first tests of ``catalog.wire`` and
``saga.infer.reads_as_failure`` did not cover."""

from __future__ import annotations

from pathlib import Path

import pytest

OUR_CATALOG = Path(__file__).resolve().parents[1] / "catalog"


def test_a_value_error_of_on_pages_is_not_taken_for_a_broken_worker(monkeypatch):
    """``Workers.results`` treats bytes that do not decode as a failed worker (then the main process
    loads the catalog itself); a ``ValueError`` raised by the caller's ``on_pages`` is not one of
    those: it reaches the caller, as it did when the parts were unpickled, instead of being hidden
    by a silent second, sequential load."""
    from saga_lint.catalog import loader

    monkeypatch.setenv("SAGA_LINT_JOBS", "2")
    calls: list[int] = []

    def on_pages(pages):
        calls.append(len(pages))
        raise ValueError("from on_pages")

    with pytest.raises(ValueError, match="from on_pages"):
        loader.load_catalog(OUR_CATALOG, on_pages=on_pages)
    assert calls == [calls[0]]


def test_bytes_that_do_not_decode_still_fall_back_to_the_main_process(monkeypatch):
    """The other side: a part that does not decode makes the main process load everything itself."""
    from saga_lint.catalog import loader, wire

    monkeypatch.setenv("SAGA_LINT_JOBS", "1")
    expected = [(r.type, r.file, r.data) for r in loader.load_catalog(OUR_CATALOG).resources]
    monkeypatch.setenv("SAGA_LINT_JOBS", "2")

    def bad(blob: bytes):
        raise ValueError("not a loaded part")

    monkeypatch.setattr(wire, "decode", bad)
    catalog = loader.load_catalog(OUR_CATALOG)
    assert catalog.facts.pending is None
    assert [(r.type, r.file, r.data) for r in catalog.resources] == expected


@pytest.mark.parametrize("schema_id", ["5", "null", '["a"]', '{"a": 1}'])
def test_a_ref_below_an_id_that_is_no_string_names_no_python_internals(tmp_path, schema_id):
    """A relative ``$ref`` below an ``$id`` that is no string (reported on its own as not of type
    string): the ``$ref``'s message says what to correct, not what ``referencing`` failed on inside
    (``'int' object has no attribute 'startswith'``): such text is no help to the user, and it
    would change the finding's fingerprint (a baseline's key) with a library or Python upgrade."""
    from saga_lint.pipeline import run_check

    ev = tmp_path / "events" / "E"
    ev.mkdir(parents=True)
    (ev / "index.mdx").write_text("---\nid: E\nname: E\nversion: 1.0.0\nschemaPath: schema.json\n---\nbody\n")
    (ev / "other.json").write_text('{"definitions": {"x": {"type": "string"}}}')
    (ev / "schema.json").write_text(
        '{\n  "$schema": "http://json-schema.org/draft-07/schema#",\n  "$id": ' + schema_id + ',\n'
        '  "properties": {\n    "d": {"$ref": "other.json#/definitions/x"}\n  }\n}\n')
    found = [f.message for f in run_check(tmp_path).findings
             if f.file == "events/E/schema.json" and f.message.startswith('$ref "other.json')]
    assert len(found) == 1
    assert "object has no attribute" not in found[0] and "'" not in found[0]
    assert found[0].startswith('$ref "other.json#/definitions/x" cannot be resolved (')
    assert found[0].endswith("Correct the $ref, or the $id above it: a string that is a valid URI.")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_hex_int_too_long_for_str_is_kept_as_its_text(tmp_path, monkeypatch, jobs):
    """A YAML int written in hex (or octal, binary) is built whatever its size, but Python cannot
    turn one of more than 4,300 decimal digits into text (``str`` raises ``ValueError``): as an id,
    a pointer or a key it crashed the run ("internal error"), with either loader. Such an int
    stays its text, as a decimal one that long already does (its constructor fails)."""
    import sys

    from saga_lint.catalog.yaml import fast
    from saga_lint.catalog.yaml.locations import load
    from saga_lint.pipeline import run_check

    big = "0x" + "f" * 4000
    assert fast.scalar_value("tag:yaml.org,2002:int", big) == big
    assert fast.scalar_value("tag:yaml.org,2002:int", "0x" + "f" * 100) == int("f" * 100, 16)
    assert fast.scalar_value("tag:yaml.org,2002:int", "9" * 5000) == "9" * 5000
    assert load(f"a: {big}\n? {big}\n: [{big}]\n")[0] == {"a": big, big: [big]}
    assert fast.parse(f"a: {big}\n") == {"a": big}
    assert sys.get_int_max_str_digits() in (0, 4300)
    texts = [f"id: {big}\nname: N\nversion: 1.0.0\n",
             f"id: E\nname: N\nversion: 1.0.0\nchannels:\n  - id: {big}\nowners:\n  - {big}\n",
             f"id: F\nname: N\nversion: 1.0.0\n? {big}\n: 1\n"]
    for i, text in enumerate(texts):
        folder = tmp_path / "events" / f"E{i}"
        folder.mkdir(parents=True)
        (folder / "index.mdx").write_text(f"---\n{text}---\nbody\n")
    monkeypatch.setenv("SAGA_LINT_JOBS", jobs)
    findings = run_check(tmp_path).findings
    assert findings and all(f.rule != "internal-error" for f in findings)


def test_the_workers_run_below_the_main_process(tmp_path, monkeypatch):
    """The loader's workers lower their own priority by ``WORKER_NICENESS`` (the main process's
    graph, sagas and rules are the critical path); the main process keeps its own."""
    import os

    from saga_lint.catalog import loader, workers

    for i in range(40):
        d = tmp_path / "events" / f"E{i}"
        d.mkdir(parents=True)
        (d / "index.mdx").write_text(f"---\nid: e{i}\nname: E\nversion: 1.0.0\n---\n")
    seen = tmp_path / "niceness"
    real = workers.worker_main

    def spy(files, batches, conn):
        real(files, batches, conn)
        with open(seen, "a") as fh:
            fh.write(f"{os.nice(0)}\n")

    monkeypatch.setattr(workers, "worker_main", spy)
    monkeypatch.setenv("SAGA_LINT_JOBS", "2")
    mine = os.nice(0)
    catalog = loader.load_catalog(tmp_path)
    catalog.facts.wait()
    assert len(catalog.resources) == 40
    assert os.nice(0) == mine
    assert workers.WORKER_NICENESS >= 4  # what gives the main process a whole CPU beside two workers
    assert seen.read_text().split() == [str(min(mine + workers.WORKER_NICENESS, 19))] * 2
