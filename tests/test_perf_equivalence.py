"""The fast paths added for large catalogs answer exactly what the slow paths answer.

- ``yamlloc.load(..., lazy_locations=True)``: same value, same locations (also after pickling, as
  the loader's worker processes do);
- ``body.components``: the components ``parse_body`` finds, without markdown-it when no code block
  is possible;
- ``schemas.plain.plainly_valid``: never accepts a schema that jsonschema's ``check_schema`` rejects,
  for any of drafts 4, 6, 7, 2019-09 and 2020-12;
- ``schemas.plain.needs_ref_analysis``: when it says no, the full ``$ref`` analysis finds nothing.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saga_lint.catalog.body import components, components_named, parse_body
from saga_lint.catalog.yaml import locations as yamlloc

# -- YAML -----------------------------------------------------------------------------------------

_key = st.sampled_from(["id", "name", "version", "owners", "steps", "x-a", "1", "true", "a b"])
_scalar = st.one_of(
    st.sampled_from(["1.0.0", "latest", "yes", "~", "12", "3.5", "2026-01-02", "'q'", '"d"', "x: y", "- z"]),
    st.text(alphabet="abc -:#'\"", max_size=8),
)


def _yaml_value(depth: int):
    if depth > 2:
        return _scalar.map(lambda s: ("scalar", s))
    return st.one_of(
        _scalar.map(lambda s: ("scalar", s)),
        st.lists(st.deferred(lambda: _yaml_value(depth + 1)), min_size=1, max_size=3).map(lambda v: ("seq", v)),
        st.lists(st.tuples(_key, st.deferred(lambda: _yaml_value(depth + 1))), min_size=1, max_size=3).map(
            lambda v: ("map", v)
        ),
    )


def _emit(node, indent: int = 0) -> list[str]:
    kind, value = node
    pad = " " * indent
    if kind == "scalar":
        return [pad + _quote(value)]
    if kind == "seq":
        out = []
        for item in value:
            sub = _emit(item, indent + 2)
            out.append(pad + "- " + sub[0].lstrip())
            out.extend(sub[1:])
        return out
    out = []
    for k, v in value:
        if v[0] == "scalar":
            out.append(f"{pad}{k}: {_quote(v[1])}")
        else:
            out.append(f"{pad}{k}:")
            out.extend(_emit(v, indent + 2))
    return out


def _quote(s: str) -> str:
    return s if s and not any(c in s for c in ":#'\"-") and s.strip() == s else "'" + s.replace("'", "''") + "'"


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_yaml_value(0), offset=st.integers(0, 5))
def test_lazy_locations_equal_eager(doc, offset):
    text = "\n".join(_emit(doc)) + "\n"
    try:
        eager_value, eager = yamlloc.load(text, offset)
    except yamlloc.YamlProblem as p:
        try:
            yamlloc.load(text, offset, lazy_locations=True)
        except yamlloc.YamlProblem as q:
            assert (q.rule, q.line, q.column) == (p.rule, p.line, p.column)
            return
        raise AssertionError("lazy load accepted what eager load rejected") from None
    lazy_value, lazy = yamlloc.load(text, offset, lazy_locations=True)
    assert lazy_value == eager_value
    shipped = pickle.loads(pickle.dumps(lazy))
    assert isinstance(lazy, yamlloc.LazyLocations) and lazy._pending is not None  # nothing computed yet
    assert dict(lazy.items()) == dict(eager)
    assert dict(shipped.items()) == dict(eager)
    for path in list(eager)[:5]:
        assert lazy.find(*path) == eager.find(*path) == shipped.find(*path)


# -- body components --------------------------------------------------------------------------------

_line = st.sampled_from(
    [
        '<SchemaViewer file="schema.json" />',
        "<Schema file='a.sql' lang=\"sql\"/>",
        "    <SchemaViewer file=\"in-code.json\" />",
        "```",
        "~~~mdx",
        "\t<Schema file=\"tab.json\"/>",
        "",
        "# Title",
        "- item <NodeGraph />",
        "> quote <Tile href={`/x`} />",
        "text [[service|a]] <Footer />",
        "  <Tiles>",
        '<Tile title="<Schema file=\'odd.json\'/>" /> <SchemaViewer file="b.json"/> <Schema file="c.json"/>',
        "<SchemaViewerX file='not.json' /><Schema",
    ]
)


@settings(max_examples=300)
@given(lines=st.lists(_line, max_size=12), first=st.integers(1, 40))
def test_components_without_markdown_it_match_parse_body(lines, first):
    text = "\n".join(lines)
    assert components(text, first) == parse_body(text, first).components
    names = ("SchemaViewer", "Schema")
    assert components_named(text, names, first) == [c for c in parse_body(text, first).components if c.name in names]


# -- JSON schemas -----------------------------------------------------------------------------------


def _schema(depth: int):
    leaf = st.fixed_dictionaries(
        {},
        optional={
            "type": st.one_of(
                st.sampled_from(["string", "integer", "object", "array", "null", "number", "boolean", "str", ""]),
                st.lists(st.sampled_from(["string", "null", "integer", "strin"]), max_size=3),
            ),
            "format": st.one_of(st.sampled_from(["uuid", "date-time", "email"]), st.integers()),
            "description": st.text(max_size=5),
            "title": st.one_of(st.text(max_size=5), st.booleans()),
            "enum": st.lists(st.one_of(st.text(max_size=2), st.integers(0, 2), st.booleans()), max_size=3),
            "required": st.one_of(st.lists(st.sampled_from(["a", "b", "c", ""]), max_size=3), st.integers()),
            "pattern": st.sampled_from(["^[A-Z]{3}$", "[", "(a|b", "\\d+", 5]),
            "minimum": st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans()),
            "maxLength": st.one_of(st.integers(-2, 5), st.floats(0, 3), st.booleans()),
            "minItems": st.one_of(st.integers(-2, 5), st.text(max_size=1)),
            "uniqueItems": st.one_of(st.booleans(), st.integers(0, 1)),
            "examples": st.one_of(st.lists(st.integers(), max_size=2), st.integers()),
            "default": st.one_of(st.integers(), st.text(max_size=2)),
            "$ref": st.sampled_from(["#/definitions/a", "#/definitions/b", "other.json", "has space", "http://x/y"]),
            "$comment": st.one_of(st.text(max_size=3), st.integers()),
            "readOnly": st.one_of(st.booleans(), st.integers(0, 1)),
        },
    )
    if depth >= 2:
        return leaf
    sub = st.deferred(lambda: _schema(depth + 1))
    return st.builds(
        lambda base, extra: {**base, **extra},
        leaf,
        st.fixed_dictionaries(
            {},
            optional={
                "properties": st.one_of(
                    st.dictionaries(st.sampled_from(["id", "a", "$ref", "type"]), sub, max_size=3), st.lists(sub, max_size=1)
                ),
                "items": st.one_of(sub, st.lists(sub, max_size=2), st.booleans()),
                "additionalProperties": st.one_of(st.booleans(), sub, st.integers()),
                "allOf": st.one_of(st.lists(sub, max_size=2), sub),
                "not": st.one_of(sub, st.booleans()),
                "definitions": st.dictionaries(st.sampled_from(["a", "b"]), st.one_of(sub, st.booleans()), max_size=2),
                "$defs": st.dictionaries(st.sampled_from(["a", "b"]), sub, max_size=2),
                "$schema": st.sampled_from(
                    [
                        "http://json-schema.org/draft-07/schema#",
                        "http://json-schema.org/draft-04/schema#",
                        "https://json-schema.org/draft/2020-12/schema",
                        "http://json-schema.org/draft-03/schema#",
                        "https://example.com/unknown",
                    ]
                ),
            },
        ),
    )


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_schema(0))
def test_plainly_valid_schemas_pass_every_metaschema(doc):
    from jsonschema.validators import (
        Draft4Validator,
        Draft6Validator,
        Draft7Validator,
        Draft201909Validator,
        Draft202012Validator,
        validator_for,
    )

    from saga_lint.catalog.schemas.plain import plainly_valid

    if not plainly_valid(doc, 0):
        return
    if "$schema" in doc:  # as analyse asks: a dialect it knows
        cls = validator_for(doc, default=None)
        drafts = ("Draft4Validator", "Draft6Validator", "Draft7Validator", "Draft201909Validator", "Draft202012Validator")
        if cls is None or cls.__name__ not in drafts:
            return
        cls.check_schema(doc)
    for cls in (Draft4Validator, Draft6Validator, Draft7Validator, Draft201909Validator, Draft202012Validator):
        cls.check_schema({k: v for k, v in doc.items() if k != "$schema"})


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(doc=_schema(0))
def test_no_ref_analysis_needed_means_the_analysis_finds_nothing(doc, tmp_path):
    from saga_lint.catalog.files import CatalogFiles
    from saga_lint.catalog.schemas import SchemaFile, plain
    from saga_lint.catalog.schemas.resolve import RefAnalysis

    f = SchemaFile("schema.json", document=doc, parsed=True, text="{}")
    analysis = RefAnalysis(CatalogFiles(tmp_path), f)
    if plain.needs_ref_analysis(doc, plain.uses_legacy_ids(analysis.default_spec)):
        return
    analysis.run()
    assert analysis.problems == []


def test_the_fast_paths_are_taken_for_plain_catalog_schemas():
    """The generator's and the corpus' kind of schema takes both shortcuts (else they save nothing)."""
    from saga_lint.catalog.schemas import plain

    doc = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "OrderCreated",
        "type": "object",
        "properties": {"id": {"type": "string", "format": "uuid"}, "status": {"type": "string", "enum": ["a", "b"]},
                       "items": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}}}}},
        "required": ["id"],
    }
    assert plain.plainly_valid(doc, 0)
    assert not plain.needs_ref_analysis(doc, False)
    assert plain.needs_ref_analysis({**doc, "properties": {"a": {"$ref": "#/x"}}}, False)
    assert not plain.plainly_valid({**doc, "type": "strnig"}, 0)


def test_the_plain_dialect_table_agrees_with_jsonschema():
    """``analyse`` skips jsonschema for these $schema values: it must pick the validator
    jsonschema itself would pick."""
    from jsonschema.validators import validator_for

    from saga_lint.catalog.schemas.plain import PLAIN_DIALECTS, PLAIN_DRAFTS

    for dialect, name in PLAIN_DIALECTS.items():
        doc = {} if dialect is None else {"$schema": dialect}
        latest = validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema"})
        assert validator_for(doc, default=latest).__name__ == name
        assert name in PLAIN_DRAFTS


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    doc=_schema(0),
    dialect=st.sampled_from(
        [None, "http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-07/schema",
         "https://json-schema.org/draft/2020-12/schema"]
    ),
)
def test_analyse_fast_path_equals_full_analysis(doc, dialect, tmp_path, monkeypatch):
    """Whatever ``analyse`` answers through its fast path, the full path (jsonschema's
    ``check_schema`` and the ``$ref`` analysis) answers too, and the lazy registry resolves."""
    from saga_lint.catalog.files import CatalogFiles
    from saga_lint.catalog.schemas import SchemaFile, plain
    from saga_lint.catalog.schemas.analyse import analyse

    doc = {**doc, "$schema": dialect} if dialect is not None else {k: v for k, v in doc.items() if k != "$schema"}
    import json

    f = SchemaFile("schema.json", document=doc, parsed=True, text=json.dumps(doc))
    fast = analyse(CatalogFiles(tmp_path), f)
    monkeypatch.setattr(plain, "PLAIN_DIALECTS", {})
    slow = analyse(CatalogFiles(tmp_path), f)
    assert [p.key for p in fast.problems] == [p.key for p in slow.problems]
    if fast.registry_factory is not None:  # the fast path was taken
        assert fast.problems == []
        assert fast.resolver.lookup("#").contents == doc


# -- frontmatter split ------------------------------------------------------------------------------


def _split_line_by_line(text: str):
    """The splitter as it was: line by line (the reference for the regex one), with blank lines
    before the opening ``---`` skipped as EventCatalog's build skips them."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    skipped = 0
    while skipped < len(lines) - 1 and not lines[skipped].strip("\r \t"):
        skipped += 1
    if skipped and lines[skipped].startswith("---"):
        text = "\n".join(lines[skipped:])
    else:
        skipped = 0
    first_nl = text.find("\n")
    if (text if first_nl < 0 else text[:first_nl]).rstrip("\r \t") != "---":
        return "no frontmatter"
    pos, line_no, n = first_nl + 1, 2, len(text)
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        if text[pos:end].rstrip("\r \t") in ("---", "..."):
            return (text[first_nl + 1 : pos], 2 + skipped, text[end + 1 :] if nl >= 0 else "", line_no + 1 + skipped)
        pos = end + 1
        line_no += 1
    return "unterminated"


@settings(max_examples=500)
@given(
    parts=st.lists(
        st.sampled_from(["---", "...", "--- ", "---\r", " ---", "----", "a: 1", "", "\t", "x---", "...\t", "\ufeff---", "b"]),
        max_size=8,
    ),
    end=st.sampled_from(["", "\n", "\r\n"]),
)
def test_split_matches_the_line_by_line_splitter(parts, end):
    from saga_lint.catalog.yaml.frontmatter import split

    text = "\n".join(parts) + end
    expected = _split_line_by_line(text)
    try:
        got = split(text)
    except yamlloc.YamlProblem as p:
        assert expected in ("no frontmatter", "unterminated")
        assert ("no frontmatter" in p.message) == (expected == "no frontmatter")
        return
    assert (got.yaml_text, got.yaml_first_line, got.body, got.body_first_line) == expected


# -- the parallel loader ------------------------------------------------------------------------------


def _check_json(path, jobs: str) -> str:
    import os
    import subprocess
    import sys

    env = dict(os.environ, SAGA_LINT_JOBS=jobs)
    proc = subprocess.run(
        [sys.executable, "-m", "saga_lint", "check", str(path), "-f", "json"], capture_output=True, text=True, env=env
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def _hostile_tree(root):
    """Many folders (so that the workers get several trees each) with the walk's own findings in
    them: links out of the catalog, pages no pattern matches, broken pages, nested resources."""
    import os

    outside = root.parent / "outside.json"
    outside.write_text("{}")
    for d in range(6):
        dom = root / "domains" / f"D{d}"
        dom.mkdir(parents=True)
        (dom / "index.mdx").write_text(f"---\nid: D{d}\nname: D{d}\nversion: 1.0.0\n---\nbody\n")
        for s in range(5):
            svc = dom / "services" / f"S{d}{s}"
            svc.mkdir(parents=True)
            (svc / "index.mdx").write_text(f"---\nid: S{d}{s}\nname: S\nversion: 1.0.0\nsends:\n  - id: E{d}{s}\n---\n")
            ev = svc / "events" / f"E{d}{s}"
            ev.mkdir(parents=True)
            (ev / "index.mdx").write_text(f"---\nid: E{d}{s}\nname: E\nversion: 1.0.0\nschemaPath: schema.json\n---\n")
            (ev / "schema.json").write_text('{"type": "object"}' if s % 2 else '{"type": "strnig"}')
            if s == 1:
                (svc / "notes.mdx").write_text("---\nid: x\n---\n")  # structure/unrecognised-file
            if s == 2:
                os.symlink(outside, ev / "leak.json")  # security/path-outside-catalog
            if s == 3:
                (ev / "index.mdx").write_text("---\nid: [unclosed\n---\n")  # parse/yaml
    (root / "teams").mkdir()
    (root / "teams" / "t.md").write_text("---\nid: t\nname: T\n---\n")


def test_parallel_loader_gives_the_same_catalog(tmp_path, corpus):
    """The loader's workers (1, 2 or 3 of them, each walking and parsing folder trees) give the
    sequential loader's answer exactly: same findings in the same order, same counts."""
    cat = tmp_path / "cat"
    cat.mkdir()
    _hostile_tree(cat)
    for path in (cat, corpus):
        serial = _check_json(path, "1")
        assert serial.count('"rule"') >= 5
        assert _check_json(path, "2") == serial
        assert _check_json(path, "3") == serial
    assert '"security/path-outside-catalog"' in _check_json(cat, "2")
    assert '"structure/unrecognised-file"' in _check_json(cat, "2")


@settings(max_examples=300)
@given(
    parts=st.lists(st.sampled_from(["a", "b", "..", ".", "x.json", "..."]), min_size=1, max_size=4),
    name=st.sampled_from(["schema.json", "...", "a b.json", "x", ".hidden.json"]),
)
def test_resolve_fast_path_equals_normpath(parts, name, tmp_path_factory):
    """A file named beside a page is joined without normpath: same answer as normpath's."""
    import posixpath

    from saga_lint.catalog.files import CatalogFiles
    from saga_lint.catalog.paths import _resolve

    folder = posixpath.normpath("/".join(parts))
    if folder in (".", "..") or folder.startswith("../"):
        return
    root = tmp_path_factory.mktemp("r")
    status, rel = _resolve(CatalogFiles(root), folder, name)
    assert rel == posixpath.normpath(posixpath.join(folder, name))
    assert status == "missing"


def test_timings_go_to_stderr_and_change_nothing(tmp_path):
    """``SAGA_LINT_TIMINGS=1`` adds one line per step on stderr; stdout is the same."""
    import os
    import subprocess
    import sys

    cat = tmp_path / "cat"
    cat.mkdir()
    _hostile_tree(cat)
    runs = []
    for timings in ("0", "1"):
        env = dict(os.environ, SAGA_LINT_TIMINGS=timings)
        runs.append(subprocess.run([sys.executable, "-m", "saga_lint", "check", str(cat), "-f", "json"],
                                   capture_output=True, text=True, env=env))
    assert runs[0].stdout == runs[1].stdout and runs[0].stdout
    assert runs[0].stderr == ""
    steps = [line.split()[2] for line in runs[1].stderr.splitlines()]
    assert steps == ["load", "config", "graph", "sagas", "rules"], runs[1].stderr


def _catalog_summary(catalog):
    from saga_lint.catalog import pagefacts

    return (
        [(r.type, r.file, r.id, r.version) for r in catalog.resources],
        [p.file for p in catalog.pages],
        [(f.rule, f.file, f.line, f.message) for f in catalog.load_findings],
        catalog.files_seen,
        sorted(catalog.other_files),
        [[(s, p, t) for s, p, _c, t in pagefacts.path_checks(catalog, r)] for r in catalog.resources],
        [[(p, [q.key for q in probs]) for p, probs in pagefacts.schema_problems(catalog, r)] for r in catalog.resources],
    )


def test_a_worker_that_dies_is_replaced_by_the_main_process(tmp_path, monkeypatch):
    """A loader worker that dies before sending anything, or after its pages but before their
    facts: the catalog and every fact are still the sequential loader's."""
    import os

    from saga_lint.catalog import loader, workers

    cat = tmp_path / "cat"
    cat.mkdir()
    _hostile_tree(cat)
    monkeypatch.setenv("SAGA_LINT_JOBS", "1")
    expected = _catalog_summary(loader.load_catalog(cat))
    monkeypatch.setenv("SAGA_LINT_JOBS", "2")
    real_main = workers.worker_main

    def dies_at_once(files, batches, conn):
        os._exit(3)

    monkeypatch.setattr(workers, "worker_main", dies_at_once)
    catalog = loader.load_catalog(cat)
    assert catalog.facts.pending is None  # nobody to wait for
    assert _catalog_summary(catalog) == expected

    def dies_before_facts(files, batches, conn):
        from saga_lint.catalog import pagefacts

        def boom(files, res):
            os._exit(3)

        pagefacts.page_facts = boom  # in this forked worker only
        real_main(files, batches, conn)

    monkeypatch.setattr(workers, "worker_main", dies_before_facts)
    catalog = loader.load_catalog(cat)
    assert catalog.facts.pending is not None  # the pages came from the workers
    assert _catalog_summary(catalog) == expected

    def dies_midway_through_its_facts(files, batches, conn):
        # the facts travel a message per batch: those sent before the worker died are used, the
        # main process computes the rest
        from saga_lint.catalog import pagefacts

        real, done = pagefacts.page_facts, []

        def some_then_boom(files, res):
            done.append(res)
            if len(done) > 3:
                os._exit(3)
            return real(files, res)

        pagefacts.page_facts = some_then_boom  # in this forked worker only
        real_main(files, batches, conn)

    monkeypatch.setattr(workers, "worker_main", dies_midway_through_its_facts)
    catalog = loader.load_catalog(cat)
    assert catalog.facts.pending is not None
    assert _catalog_summary(catalog) == expected


def test_a_worker_that_raises_stays_quiet(tmp_path):
    """A loader worker that fails with an exception prints nothing (no traceback on stderr); the
    main process does its work and the output is the sequential one."""
    import os
    import subprocess
    import sys

    cat = tmp_path / "cat"
    cat.mkdir()
    _hostile_tree(cat)
    code = (
        "import sys\n"
        "from saga_lint.catalog import units\n"
        "def boom(*a, **k):\n"
        "    raise MemoryError('worker')\n"
        "units.load_batch = boom\n"  # only the workers call it
        "from saga_lint.cli import main\n"
        "sys.argv = ['saga-lint', 'check', sys.argv[1], '-f', 'json']\n"
        "main()\n"
    )
    env = dict(os.environ, SAGA_LINT_JOBS="2")
    proc = subprocess.run([sys.executable, "-c", code, str(cat)], capture_output=True, text=True, env=env)
    assert proc.returncode == 1 and proc.stderr == "", proc.stderr
    assert proc.stdout == _check_json(cat, "1")


def test_jobs_option_matches_the_environment_variable(tmp_path):
    """``check --jobs N`` reads the catalog as ``SAGA_LINT_JOBS=N`` does: the same output."""
    import os
    import subprocess
    import sys

    cat = tmp_path / "cat"
    cat.mkdir()
    _hostile_tree(cat)
    env = {k: v for k, v in os.environ.items() if k != "SAGA_LINT_JOBS"}
    for jobs in ("1", "2"):
        proc = subprocess.run([sys.executable, "-m", "saga_lint", "check", str(cat), "-f", "json", "--jobs", jobs],
                              capture_output=True, text=True, env=env)
        assert proc.returncode == 1 and proc.stdout == _check_json(cat, jobs), proc.stderr
    bad = subprocess.run([sys.executable, "-m", "saga_lint", "check", str(cat), "--jobs", "0"], capture_output=True, text=True)
    assert bad.returncode == 2


def test_jobs_option_starts_the_workers(tmp_path, monkeypatch):
    """On a small catalog the default reads in-process; ``--jobs 2`` starts two loader workers."""
    from conftest import cli_runner

    from saga_lint.catalog import workers
    from saga_lint.cli import main

    cat = tmp_path / "cat"
    cat.mkdir()
    _hostile_tree(cat)
    started = []
    real = workers.Workers.__init__

    def spy(self, batches, n, *args):
        started.append(n)
        real(self, batches, n, *args)

    monkeypatch.setattr(workers.Workers, "__init__", spy)
    # empty is "not set"; and monkeypatch puts back whatever was there before, after --jobs set it
    monkeypatch.setenv("SAGA_LINT_JOBS", "")
    assert cli_runner().invoke(main, ["check", str(cat)]).exit_code == 1 and started == []
    assert cli_runner().invoke(main, ["check", str(cat), "--jobs", "2"]).exit_code == 1 and started == [2]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_yaml_value(0))
def test_values_equal_pyyaml_safe_load(doc):
    """The memoised tag resolution and in-place scalar conversion give PyYAML's own values (with
    YAML 1.2's typing, as EventCatalog's build reads frontmatter)."""
    import yaml

    from saga_lint.catalog.yaml.fast import Yaml12SafeLoader

    text = "\n".join(_emit(doc)) + "\n"
    try:
        value, _ = yamlloc.load(text)
    except yamlloc.YamlProblem as p:
        assert p.rule in ("parse/yaml", "parse/duplicate-key")
        return
    assert value == yaml.load(text, Loader=Yaml12SafeLoader)


# -- rule order -----------------------------------------------------------------------------------


def test_rules_that_read_page_facts_run_last(tmp_path, monkeypatch):
    """The loader's workers may still be computing page facts when the rules start: the rules that
    read them run after all the others, so that the wait overlaps with useful work."""
    from saga_lint import pipeline, rules
    from tests.conftest import OUR_CATALOG

    facts_rules = {name for name, r in rules.all_rules().items() if r.page_facts}
    assert facts_rules == {
        "refs/file-exists",
        "security/path-outside-catalog",
        "schema/invalid-json-schema",
        "security/remote-ref",
        "saga/correlation",  # they ask the page facts for the fields of a message's schema (#17)
        "saga/idempotency",
        "saga/schema",  # the workers check each flow's x-saga block (PageFacts.x_saga_valid)
        "structure/not-loaded",  # the workers ask which EventCatalog lines load each page (PageFacts.not_loaded_by)
    } | {name for name in rules.all_rules() if name.startswith("schema/")} - {
        # it reads the frontmatter itself, not the page facts (the Avro/Protobuf parse rules ask
        # the page facts which files are Avro or Protobuf, #17)
        "schema/compatibility-mode",
    }
    ran: list = []
    for name, r in list(rules.RULES.items()):
        if r.func is not None:

            def spy(ctx, _name=name, _func=r.func):
                ran.append(_name)
                return _func(ctx)

            monkeypatch.setattr(r, "func", spy)
    pipeline.run_check(OUR_CATALOG)
    first_facts = min(i for i, name in enumerate(ran) if name in facts_rules)
    assert set(ran[first_facts:]) == facts_rules, ran[first_facts:]


# -- enclosing folders ----------------------------------------------------------------------------


def _parent_folders_by_prefixes(catalog) -> list:
    """The definition: every proper prefix of a resource's folder (above ``versioned/``) that is
    the folder of an unversioned resource."""
    folders = {r.folder for r in catalog.resources if r.versioned_folder is None}
    out = []
    for r in catalog.resources:
        base = r.folder.rsplit("/versioned/", 1)[0] if r.versioned_folder is not None else r.folder
        parts = base.split("/")
        out.append(tuple("/".join(parts[:i]) for i in range(1, len(parts)) if "/".join(parts[:i]) in folders))
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(st.sampled_from(["a", "b", "services", "versioned", "1.0"]), max_size=6), st.booleans()),
        min_size=1,
        max_size=12,
    )
)
def test_enclosing_folders_are_the_folders_of_enclosing_resources(specs):
    from saga_lint.catalog.model import Catalog, Resource
    from saga_lint.catalog.yaml.locations import Locations

    catalog = Catalog(root=".")
    for parts, versioned in specs:
        folder = "/".join(parts)
        if versioned:
            folder = (folder + "/" if folder else "") + "versioned/0.9.0"
        catalog.resources.append(
            Resource("event", folder + "/index.mdx", folder, {}, Locations(), versioned_folder="0.9.0" if versioned else None)
        )
    assert [catalog.enclosing_folders(r) for r in catalog.resources] == _parent_folders_by_prefixes(catalog)


def test_enclosing_folders_of_a_very_deep_tree_need_no_recursion():
    from saga_lint.catalog.model import Catalog, Resource
    from saga_lint.catalog.yaml.locations import Locations

    catalog = Catalog(root=".")
    deep = "/".join(["d"] * 5000)
    catalog.resources.append(Resource("event", deep + "/index.mdx", deep, {}, Locations()))
    catalog.resources.append(Resource("service", "d/index.mdx", "d", {}, Locations()))
    assert catalog.enclosing_folders(catalog.resources[0]) == ("d",)


def test_catalog_reached_through_a_symlink_resolves_paths_the_same(tmp_path):
    """The catalog root's real path is resolved once per catalog (``resolve_in_catalog``'s memo):
    a root given through a symbolic link still tells paths inside from paths that leave it."""
    import json
    import os

    cat = tmp_path / "cat"
    cat.mkdir()
    _hostile_tree(cat)
    ev = cat / "domains" / "D0" / "services" / "S02" / "events" / "E02"
    (ev / "index.mdx").write_text(
        "---\nid: E02\nname: E\nversion: 1.0.0\nschemaPath: leak.json\n---\n"
        '<SchemaViewer file="schema.json" />\n<SchemaViewer file="missing.json" />\n'
    )
    (ev / "schema.json").write_text('{"type": "object"}')
    link = tmp_path / "link"
    os.symlink(cat, link)
    direct = _check_json(cat, "1")
    assert _check_json(link, "1") == direct
    assert _check_json(link, "2") == direct
    findings = [f for f in json.loads(direct)["findings"] if f["file"].startswith("domains/D0/services/S02/events/E02/")]
    rules = sorted(f["rule"] for f in findings)
    assert "security/path-outside-catalog" in rules  # schemaPath: leak.json leaves the catalog
    assert any(f["rule"] == "refs/file-exists" and "missing.json" in f["message"] for f in findings)
    assert not any("schema.json" in f["message"] and f["rule"] == "refs/file-exists" for f in findings)


def test_ref_analysis_skips_only_objects_no_dialect_gives_an_id(tmp_path, monkeypatch):
    """``RefAnalysis`` asks ``referencing`` for a schema object's id only when the object has
    ``$id``, ``id`` or ``$schema`` (#17: the question was most of the walk of a large shared
    definitions file). Nested bases (2020-12 ``$id``, draft 4 ``id``, a nested ``$schema``), refs
    that resolve only through them, a bad ``$id``, a remote base and a loop give the same problems
    with the shortcut and without it."""
    import json

    import saga_lint.catalog.schemas.resolve as resolve_mod
    from saga_lint.pipeline import run_check

    cat = tmp_path / "cat"
    (cat / "events" / "A" / "sub").mkdir(parents=True)
    (cat / "events" / "A" / "index.mdx").write_text(
        "---\nid: a\nname: A\nversion: 1.0.0\nsummary: A.\nschemaPath: schema.json\n---\n\nA.\n")
    (cat / "events" / "A" / "sub" / "leaf.json").write_text(json.dumps({"type": "string"}))
    (cat / "events" / "A" / "schema.json").write_text(json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "based": {"$id": "sub/", "properties": {"x": {"$ref": "leaf.json"}, "y": {"$ref": "missing.json"}}},
            "draft4": {"$schema": "http://json-schema.org/draft-04/schema#", "id": "sub/",
                       "properties": {"z": {"$ref": "leaf.json"}}},
            "remote": {"$id": "https://example.com/x/", "properties": {"r": {"$ref": "y.json"}}},
            "loop": {"$ref": "#/$defs/a"},
            "plain": {"type": "object", "properties": {"p": {"allOf": [{"$ref": "sub/leaf.json"}]}}},
        },
        "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
    }))

    (cat / "events" / "B").mkdir(parents=True)
    (cat / "events" / "B" / "index.mdx").write_text(
        "---\nid: b\nname: B\nversion: 1.0.0\nsummary: B.\nschemaPath: schema.json\n---\n\nB.\n")
    (cat / "events" / "B" / "schema.json").write_text(json.dumps({
        "properties": {"badid": {"$id": "http://[not a uri", "type": "string"}, "r": {"$ref": "#/$defs/s"}},
        "$defs": {"s": {"type": "string"}}}))

    def problems():
        result = run_check(cat)
        return sorted((f.rule, f.file, f.line, f.message) for f in result.findings)

    fast = problems()
    messages = [p[3] for p in fast]
    assert any("loop" in m for m in messages) and any("events/A/sub/missing.json" in m for m in messages)
    assert any("is a URL (https:)" in m for m in messages) and any("cannot be used as a URI" in m for m in messages)

    class Always(frozenset):
        def isdisjoint(self, other):
            return False

    monkeypatch.setattr(resolve_mod, "_ID_KEYS", Always())
    assert problems() == fast


def _shared_ref_catalog(root, loops_unreached=False):
    """Three events whose schemas $ref one shared file: a definition with a nested base, one with
    a $ref to nowhere, a loop through the shared file and back into the first schema, and a loop
    inside the shared file that the schemas reach."""
    import json

    (root / "schemas").mkdir(parents=True)
    (root / "schemas" / "leaf.json").write_text(json.dumps({"type": "string"}))
    defs = {
        "ok": {"type": "object", "properties": {"v": {"$ref": "leaf.json"}}},
        "based": {"$id": "nested/", "properties": {"w": {"$ref": "gone.json"}}},
        "broken": {"$ref": "#/definitions/nothing"},
        "back": {"$ref": "../events/E0/schema.json"},
        "loop1": {"$ref": "#/definitions/loop2"},
        "loop2": {"allOf": [{"$ref": "#/definitions/loop1"}]},
    }
    if loops_unreached:
        defs["lonely1"] = {"$ref": "#/definitions/lonely2"}
        defs["lonely2"] = {"$ref": "#/definitions/lonely1"}
    (root / "schemas" / "common.json").write_text(json.dumps({"definitions": defs}))
    for i in range(3):
        folder = root / "events" / f"E{i}"
        folder.mkdir(parents=True)
        (folder / "index.mdx").write_text(
            f"---\nid: e{i}\nname: E{i}\nversion: 1.0.0\nsummary: E.\nschemaPath: schema.json\n---\n\nE.\n")
        props = {"a": {"$ref": "../../schemas/common.json#/definitions/ok"},
                 "b": {"$ref": "../../schemas/common.json#/definitions/based"},
                 "c": {"$ref": "../../schemas/common.json#/definitions/loop1"}}
        if i == 0:
            props["d"] = {"allOf": [{"$ref": "../../schemas/common.json#/definitions/back"}]}
        (folder / "schema.json").write_text(json.dumps({"type": "object", "properties": props}))


def _schema_findings(root):
    from saga_lint.pipeline import run_check

    return sorted((f.rule, f.file, f.line, f.column, f.message) for f in run_check(root).findings
                  if f.rule.startswith(("schema/", "security/")))


def test_a_file_many_schemas_ref_is_walked_once_with_the_same_findings(tmp_path, monkeypatch):
    """``RefAnalysis`` takes a file that schemas $ref from its table, walked once per process
    (#17: one definitions file that every schema $refs made ``check`` quadratic). The findings are
    those of walking the file again for every schema: problems in the shared file, a loop through
    it and back, a loop inside it."""
    import saga_lint.catalog.schemas.resolve as resolve_mod

    monkeypatch.setenv("SAGA_LINT_JOBS", "1")
    _shared_ref_catalog(tmp_path / "cat")
    walks: list[str] = []
    real_walk = resolve_mod.RefAnalysis._walk_file

    def counting(self, f, uri, queue, walked):
        walks.append(f.file)
        return real_walk(self, f, uri, queue, walked)

    monkeypatch.setattr(resolve_mod.RefAnalysis, "_walk_file", counting)
    tabled = _schema_findings(tmp_path / "cat")
    assert walks.count("schemas/common.json") == 1 and walks.count("schemas/leaf.json") == 1
    messages = " | ".join(f[4] for f in tabled)
    assert "$ref loop" in messages and "#/definitions/nothing" in messages and "schemas/nested/gone.json" in messages
    walks.clear()
    monkeypatch.setattr(resolve_mod.RefAnalysis, "_table", lambda self, uri: None)  # every file walked per schema
    assert _schema_findings(tmp_path / "cat") == tabled
    assert walks.count("schemas/common.json") == 3


def test_a_loop_no_schema_reaches_in_a_shared_file_is_not_reported(tmp_path, monkeypatch):
    """Documented choice: a $ref loop matters when validation can enter it. One in a shared file
    that no page's schema reaches is not reported (before the tables, every schema reaching the
    file reported it); the loops the schemas reach still are."""
    monkeypatch.setenv("SAGA_LINT_JOBS", "1")
    _shared_ref_catalog(tmp_path / "cat", loops_unreached=True)
    messages = [f[4] for f in _schema_findings(tmp_path / "cat")]
    assert any("loop1" in m for m in messages)
    assert not any("lonely" in m for m in messages)


@pytest.mark.parametrize("budget", [3, 6, 9, 40])
def test_the_node_budget_stops_where_it_did_with_tables(tmp_path, monkeypatch, budget):
    """A table that would overrun an analysis's node budget is walked in place, as before: the
    budget's finding is the same, at the same object, with tables and without."""
    import saga_lint.catalog.schemas.resolve as resolve_mod

    monkeypatch.setenv("SAGA_LINT_JOBS", "1")
    monkeypatch.setattr(resolve_mod, "MAX_NODES", budget)
    _shared_ref_catalog(tmp_path / "cat")
    tabled = _schema_findings(tmp_path / "cat")
    monkeypatch.setattr(resolve_mod.RefAnalysis, "_table", lambda self, uri: None)
    assert _schema_findings(tmp_path / "cat") == tabled
    assert any("subschemas" in f[4] for f in tabled) == (budget < 20)


def _reads_as_failure_word_by_word(text: str, own_words: list[str]) -> bool:
    import re

    from saga_lint.saga.infer import FAILURE_WORDS

    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text).lower()  # CamelCase ids: one word per case change
    for w in own_words:
        text = re.sub(rf"\b{re.escape(w)}\w*", " ", text)
    return bool(FAILURE_WORDS.search(text))


@settings(max_examples=500)
@given(
    text=st.lists(st.sampled_from([*"abcdeflorstu-_ .:éÉ1ßİ", "fail", "cancel", "order", "declined", "canceled",
                                   "Failed", "x-", "timeout"]), max_size=20).map("".join),
    words=st.lists(st.text(alphabet=st.sampled_from(list("abcdefilnorstu1_.é")), min_size=1, max_size=6), max_size=3),
)
def test_reads_as_failure_equals_removing_word_by_word(text, words):
    """One token regex (``saga.infer.reads_as_failure``) answers what one ``re.sub`` per word did."""
    from saga_lint.saga.infer import reads_as_failure

    assert reads_as_failure(text, words) == _reads_as_failure_word_by_word(text, words)
    for sample, own in (("order-cancelled", ["cance", "order"]), ("payment-declined", ["autho", "payme"]),
                        ("inventory-released", ["relea", "inven"]), ("Failed: cancel", [])):
        assert reads_as_failure(sample, own) == _reads_as_failure_word_by_word(sample, own)


def test_the_work_done_before_the_wait_for_the_page_facts_gives_the_same_findings(tmp_path, monkeypatch):
    """``saga/correlation``, ``saga/idempotency`` and ``saga/schema`` do the part of their work that
    reads no page facts before the wait for the loader's workers (``Rule.prepare``): with the
    workers (the prepared work read back) their findings are those of a run without (each rule
    doing all its work itself), and the prepare hooks did run."""
    import shutil
    from pathlib import Path

    from saga_lint import rules
    from saga_lint.pipeline import run_check

    root = tmp_path / "cat"
    shutil.copytree(Path(__file__).resolve().parent.parent / "catalog-examples" / "broken-choreography", root)
    flow = root / "flows" / "PlaceOrder" / "index.mdx"
    flow.write_text(flow.read_text("utf-8").replace("      trigger: inventory-reserved\n",
                                                    "      trigger: {id: inventory-reserved, version: 9.9.9}\n", 1), "utf-8")
    watched = ("saga/correlation", "saga/idempotency", "saga/schema")

    def findings(jobs: str) -> list:
        monkeypatch.setenv("SAGA_LINT_JOBS", jobs)
        return [(f.rule, str(f.severity), f.message, f.file, f.line, f.column, f.step, f.field, f.fingerprint)
                for f in run_check(root).findings if f.rule in watched]

    alone = findings("1")
    prepared: list = []
    for name in watched:
        r = rules.all_rules()[name]
        assert r.page_facts and r.prepare is not None, name

        def spy(ctx, _prepare=r.prepare, _name=name):
            prepared.append(_name)
            return _prepare(ctx)

        monkeypatch.setattr(r, "prepare", spy)
    with_workers = findings("2")
    assert sorted(prepared) == sorted(watched)
    assert with_workers == alone
    assert {f[0] for f in alone} == set(watched)  # each rule has something to say here
