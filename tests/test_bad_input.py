"""The bad-input corpus (tests/badinput/cases.py): hostile and broken catalogs never crash saga-lint.

For every case, in a subprocess limited to 512 MB of address space and 10 seconds of CPU time:
the finding expected (rule, file, line) is there; the exit code is 0 or 1 (never 2) with nothing
on stderr (no traceback); and the findings of the other resources are exactly those of the same
catalog without the bad files. Files outside the catalog are never opened (checked in-process by
watching every open), and text output carries no terminal control sequences.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from badinput.cases import BASE, CASES, SENTINEL, make_outside, write_base

TIME_LIMIT = 10.0  # seconds of CPU time per case (user + system, the child and its workers)
STALL_LIMIT = 60.0  # seconds of wall-clock time: a stall, whatever the machine's load
MEMORY_LIMIT = 512 * 1024 * 1024


def _limit_resources():  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (int(TIME_LIMIT * 2), int(TIME_LIMIT * 2) + 5))


def run_limited(*args) -> tuple[subprocess.CompletedProcess, float]:
    """Run saga-lint in a child limited to 512 MB of address space; return the process and the
    CPU seconds it used. CPU time, not wall-clock time, so that a loaded CI machine does not
    make a bound fail; the wall-clock limit only catches stalls."""
    env = dict(os.environ)
    env.pop("GITHUB_STEP_SUMMARY", None)
    env.pop("SAGA_LINT_DEBUG", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "-m", "saga_lint", *map(str, args)],
        capture_output=True,
        env=env,
        preexec_fn=_limit_resources,
        timeout=STALL_LIMIT,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc, cpu


def _key(f: dict) -> tuple:
    return (f["rule"], f["file"], f["line"], f["column"], f["message"], json.dumps(f["resource"], sort_keys=True))


@pytest.fixture(scope="module")
def base_findings(tmp_path_factory) -> list:
    root = tmp_path_factory.mktemp("base") / "cat"
    write_base(root)
    proc, _ = run_limited("check", root, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["findings"], "the base catalog must have findings of its own for the comparison to mean something"
    return doc["findings"]


def _skip_unsupported(case):
    if case.needs == "fifo" and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    if case.needs == "symlink" and sys.platform == "win32":
        pytest.skip("symlinks need privileges on Windows")


def _build(case, tmp_path) -> tuple[Path, Path]:
    root = tmp_path / "cat"
    outside = tmp_path / "outside"
    write_base(root)
    make_outside(outside)
    case.build(root, outside)
    return root, outside


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_case(case, tmp_path, base_findings):
    _skip_unsupported(case)
    root, outside = _build(case, tmp_path)
    proc, elapsed = run_limited("check", root, "--format", "json")
    stderr = proc.stderr.decode("utf-8", "replace")
    # never a crash: exit 0 or 1, nothing on stderr
    assert proc.returncode in (0, 1), (proc.returncode, stderr[-2000:])
    assert "Traceback" not in stderr and not stderr.strip(), stderr[-2000:]
    # bounded (the memory bound is the child's RLIMIT_AS: over it, Python fails with MemoryError)
    assert elapsed < TIME_LIMIT, f"{case.name} used {elapsed:.1f}s of CPU"
    doc = json.loads(proc.stdout.decode("utf-8"))
    findings = doc["findings"]
    # the expected findings, at their place
    for rule, file, line in case.expect:
        hits = [f for f in findings if f["rule"] == rule and f["file"] == file and (line is None or f["line"] == line)]
        near = [(f["rule"], f["file"], f["line"]) for f in findings if f["file"] == file]
        assert hits, f"{case.name}: expected {rule} at {file}:{line}; got {near}"
    # the rest of the catalog was linted exactly as without the bad files
    base_files = set(BASE)
    others = sorted(_key(f) for f in findings if f["file"] in base_files)
    assert others == sorted(_key(f) for f in base_findings)
    assert sum(doc["summary"]["resources"].values()) >= 5
    # nothing from outside the catalog shows up
    out = proc.stdout.decode("utf-8")
    for s in case.forbid:
        assert s not in out
    if case.text_check:
        _check_text_output(root)


def _check_text_output(root: Path) -> None:
    proc, _ = run_limited("check", root, "--format", "text")
    assert proc.returncode in (0, 1), proc.stderr
    out = proc.stdout.decode("utf-8")
    bad = [c for c in out if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E]
    assert not bad, f"control characters in text output: {sorted(set(map(hex, map(ord, bad))))}"
    assert "redlink" in out or "red" in out  # the printable part of the id is still shown


def test_deep_yaml_is_a_real_hazard(tmp_path):
    """Why the deep-YAML cases matter: libyaml's C composer, given the 200,000-level document
    directly, overflows the C stack (SIGSEGV). saga-lint must never hand it such a document."""
    import yaml

    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML without libyaml")
    code = "import yaml; yaml.compose('x: ' + '[' * 200000 + ']' * 200000, Loader=yaml.CSafeLoader)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    if proc.returncode >= 0:
        pytest.skip(f"libyaml survived here (exit {proc.returncode}); the hazard is platform-dependent")
    assert proc.returncode < 0  # killed by a signal


def test_cases_cover_the_issue():
    """Every kind of bad input the issue lists has a case."""
    names = {c.name for c in CASES}
    for needed in (
        "unterminated-frontmatter", "invalid-yaml", "duplicate-keys", "tabs", "non-utf8", "binary-index-mdx",
        "yaml-alias-bomb", "yaml-deep-flow-200000", "file-50mb", "schema-invalid-json", "schema-cyclic-ref",
        "schema-20000-deep", "schema-ref-http", "schema-ref-file-url", "schemaPath-dotdot", "schemaPath-absolute",
        "schemaPath-symlink-out", "schemaPath-symlink-loop", "specifications-outside", "schemaviewer-file-outside",
        "control-characters-in-ids", "two-resources-one-id", "flow-10000-steps-with-cycles",
    ):
        assert needed in names, needed


def test_control_characters_survive_json_exactly(tmp_path):
    """JSON output keeps the id as written (escaped by JSON, parsed back identical)."""
    from badinput.cases import HOSTILE_ID

    case = next(c for c in CASES if c.name == "control-characters-in-ids")
    root, _ = _build(case, tmp_path)
    proc, _ = run_limited("check", root, "--format", "json")
    raw = proc.stdout.decode("utf-8")
    assert "\x1b" not in raw and "\x07" not in raw  # JSON escapes them
    doc = json.loads(raw)
    ids = {f["resource"]["id"] for f in doc["findings"] if f["resource"]}
    assert HOSTILE_ID in ids


def test_all_formats_strip_terminal_escapes(tmp_path):
    """Every output format renders the hostile ids without raw ESC/BEL bytes, and the Markdown and
    XML formats never carry the raw ``<script>`` tag (JSON, SARIF and GitHub annotations are shown
    as plain text by their readers)."""
    from saga_lint.cli import FORMATS
    from saga_lint.pipeline import run_check
    from saga_lint.render import render

    case = next(c for c in CASES if c.name == "control-characters-in-ids")
    root, _ = _build(case, tmp_path)
    result = run_check(root)
    for fmt in FORMATS:
        if fmt == "json":
            continue
        try:
            out = render(fmt, result)
        except ModuleNotFoundError:
            continue
        assert "\x1b" not in out and "\x07" not in out, fmt
        if fmt in ("markdown", "junit"):  # rendered as HTML / XML: must be escaped
            assert "<script>" not in out, fmt


# -- nothing outside the catalog is ever opened ------------------------------------------------------

OUTSIDE_CASES = [c for c in CASES if SENTINEL in c.forbid]


@pytest.mark.parametrize("case", OUTSIDE_CASES, ids=[c.name for c in OUTSIDE_CASES])
def test_outside_files_are_never_opened(case, tmp_path, monkeypatch):
    """Watch every ``open``/``os.open`` in-process while the whole pipeline runs and every output
    format renders: the sentinel outside the catalog is never opened, and its text appears nowhere."""
    import builtins
    import io

    _skip_unsupported(case)
    root, outside = _build(case, tmp_path)
    secret = os.path.realpath(outside / "secret.json")
    outside_real = os.path.realpath(outside)
    opened: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def _record(path):
        with contextlib.suppress(TypeError, ValueError):
            opened.append(os.path.realpath(os.fspath(path)))

    def spy_open(file, *a, **kw):
        if not isinstance(file, int):
            _record(file)
        return real_open(file, *a, **kw)

    def spy_os_open(path, *a, **kw):
        _record(path)
        return real_os_open(path, *a, **kw)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)

    from saga_lint.pipeline import run_check
    from saga_lint.render import render

    result = run_check(root)
    outputs = [render("json", result), render("text", result)]
    monkeypatch.undo()

    assert opened, "the spy saw no open at all: it does not work"
    assert any(p.startswith(os.path.realpath(root)) for p in opened)
    assert secret not in opened
    assert not [p for p in opened if p.startswith(outside_real + os.sep)]
    for out in outputs:
        assert SENTINEL not in out
    assert any(f.rule in ("security/path-outside-catalog", "security/remote-ref") for f in result.findings)


def test_open_spy_would_catch_a_read(tmp_path, monkeypatch):
    """The spy above is able to fail: reading the sentinel directly is seen."""
    import builtins

    outside = make_outside(tmp_path / "outside")
    seen = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda f, *a, **k: (seen.append(os.path.realpath(f)), real_open(f, *a, **k))[1])
    with open(outside) as fh:
        assert SENTINEL in fh.read()
    monkeypatch.undo()
    assert os.path.realpath(outside) in seen


# -- the schema loading API (saga_lint.catalog.schemas) ----------------------------------------------


def test_load_message_schema_api(tmp_path):
    from referencing.exceptions import Unresolvable

    from saga_lint.catalog import load_catalog
    from saga_lint.catalog.schemas import load_message_schema, load_schemas

    root, outside = _build(next(c for c in CASES if c.name == "schema-ref-http"), tmp_path)
    (root / "events/Avro").mkdir(parents=True)
    (root / "events/Avro/index.mdx").write_text("---\nid: avro\nname: Avro\nversion: 1.0.0\nschemaPath: schema.json\n---\n")
    (root / "events/Avro/schema.json").write_text('{"type": "record", "name": "X", "fields": []}')
    cat = load_catalog(root)
    by_id = {r.id: r for r in cat.resources}

    good = load_message_schema(cat, by_id["order-created"])
    assert good.file == "events/OrderCreated/schema.json" and good.ok and good.path == ("schemaPath",)
    assert good.document["properties"]["orderId"] == {"type": "string"}
    assert load_message_schema(cat, by_id["order-created"]).document is good.document  # cached on the catalog
    # the registry resolves inside the catalog, and refuses the network
    assert good.resolver.lookup("#/$defs/line").contents["properties"]["sku"] == {"type": "string"}
    with pytest.raises(Unresolvable):
        good.resolver.lookup("http://127.0.0.1:9/x.json")

    bad = load_message_schema(cat, by_id["bad-schema"])
    assert bad.document is not None and not bad.ok
    assert sorted((p.rule, p.file, p.line) for p in bad.problems) == [
        ("security/remote-ref", "events/Bad/schema.json", 4),
        ("security/remote-ref", "events/Bad/schema.json", 5),
    ]
    assert load_message_schema(cat, by_id["avro"]) is None  # not a JSON Schema: not judged
    assert load_message_schema(cat, by_id["payment-done"]) is None  # no schema at all
    assert [s.file for s in load_schemas(cat, by_id["order-created"])] == ["events/OrderCreated/schema.json"]


def test_json_problem_positions(tmp_path):
    """Line and column of problems deep inside a JSON schema point at the key at fault."""
    from saga_lint.catalog.schemas.positions import json_position as _json_position

    text = '{\n  "a": [1, {"b": {"$ref": "#"}}],\n  "c": {"d": 2}\n}'
    assert _json_position(text, ("a", 1, "b", "$ref")) == text.index('"$ref"')
    assert _json_position(text, ("c", "d")) == text.index('"d"')
    assert _json_position(text, ("c", "zz")) == text.index('"c"')  # nearest ancestor
    assert _json_position(text, ()) == 0


def test_an_id_that_is_no_uri_names_itself_and_spares_local_refs(tmp_path):
    """A root ``$id`` that is no URI: one finding at the ``$id``; local ``$ref``s still resolve (no
    finding for a good one, "points at nothing" for a bad one); a relative ``$ref`` to another
    file, which is resolved against that ``$id``, says why it cannot be and what to correct."""
    from saga_lint.pipeline import run_check

    ev = tmp_path / "events" / "E"
    ev.mkdir(parents=True)
    (ev / "index.mdx").write_text("---\nid: E\nname: E\nversion: 1.0.0\nschemaPath: schema.json\n---\nbody\n")
    (ev / "other.json").write_text('{"definitions": {"x": {"type": "string"}}}')
    (ev / "schema.json").write_text(
        '{\n  "$schema": "http://json-schema.org/draft-07/schema#",\n  "$id": "http://[x",\n  "type": "object",\n'
        '  "properties": {\n    "b": {"$ref": "#/definitions/money"},\n    "c": {"$ref": "#/definitions/nothere"},\n'
        '    "d": {"$ref": "other.json#/definitions/x"}\n  },\n  "definitions": {"money": {"type": "number"}}\n}\n')
    found = {(f.line, f.message) for f in run_check(tmp_path).findings if f.file == "events/E/schema.json"}
    assert {line for line, _ in found} == {3, 7, 8}
    by_line = dict(found)
    assert "cannot be used as a URI" in by_line[3]
    assert "points at nothing" in by_line[7]
    assert by_line[8] == ('$ref "other.json#/definitions/x" cannot be resolved: Invalid IPv6 URL (ValueError). '
                          "Correct the $ref, or the $id above it that is not a valid URI.")


def test_a_saga_message_schema_in_a_folder_whose_name_is_not_utf8(tmp_path):
    """Our catalog with the folder of shipment-failed (an event the fulfilment saga reads the
    schema of) renamed to end in the byte 0xff: the schema's $ref base URI percent-encodes the
    byte (it was an internal error, UnicodeEncodeError), the saga's findings read the schema, and
    the name shows as one U+FFFD in the finding's path and in its message alike."""
    import shutil

    from conftest import OUR_CATALOG

    root = tmp_path / "cat"
    shutil.copytree(OUR_CATALOG, root)
    folder = next(root.rglob("shipment-failed"))
    schema = {"type": "object", "properties": {"orderId": {"type": "string"}, "gone": {"$ref": "gone.json"}}}
    (folder / "schema.json").write_text(json.dumps(schema), "utf-8")
    os.rename(os.fsencode(folder), os.fsencode(folder) + b"\xff")
    proc, _ = run_limited("check", root, "--format", "json")
    assert proc.returncode == 1, proc.stderr.decode("utf-8", "replace")[-2000:]
    findings = json.loads(proc.stdout.decode("utf-8"))["findings"]
    gone = [f for f in findings if "gone.json" in f["message"]]
    assert [(f["rule"], f["file"].rsplit("/", 2)[-2]) for f in gone] == [("schema/invalid-json-schema", "shipment-failed\ufffd")]
    assert "shipment-failed\ufffd/gone.json" in gone[0]["message"]
