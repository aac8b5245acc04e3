"""``RefAnalysis``'s tables (#17) give the findings of walking every file per root schema.

Each test builds a tiny catalog and compares the findings with tables and without them
(``RefAnalysis._table`` returning None walks every file in place, as before the tables)."""

from __future__ import annotations

import json

import pytest

import saga_lint.catalog.schemas.resolve as resolve_mod

D7 = "http://json-schema.org/draft-07/schema#"
D4 = "http://json-schema.org/draft-04/schema#"


def _catalog(root, files, pages):
    for rel, doc in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    for i, schema_path in enumerate(pages):
        folder = root / "events" / f"P{i}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.mdx").write_text(
            f"---\nid: p{i}\nname: P{i}\nversion: 1.0.0\nsummary: E.\nschemaPath: {schema_path}\n---\n\nE.\n"
        )


def _findings(root):
    from saga_lint.pipeline import run_check

    return sorted(
        (f.rule, f.file, f.line, f.column, f.message)
        for f in run_check(root).findings
        if f.rule.startswith(("schema/", "security/"))
    )


def _with_and_without_tables(tmp_path, monkeypatch, files, pages):
    monkeypatch.setenv("SAGA_LINT_JOBS", "1")
    root = tmp_path / "cat"
    _catalog(root, files, pages)
    tabled = _findings(root)
    with monkeypatch.context() as m:
        m.setattr(resolve_mod.RefAnalysis, "_table", lambda self, uri: None)
        walked = _findings(root)
    return tabled, walked


@pytest.mark.parametrize(("dialect", "id_key", "anchor"), [(D7, "$id", "#foo"), (D4, "id", "#foo")])
def test_a_shared_file_is_read_in_its_own_dialect(tmp_path, monkeypatch, dialect, id_key, anchor):
    """A shared file that names its dialect ($schema draft-07 or draft-04) is a resource of that
    dialect, as ``_retrieve`` makes it: its ``$id``/``id`` anchors resolve. The table registered
    the file in the referrer's dialect (2020-12), where "#foo" points at nothing."""
    tabled, walked = _with_and_without_tables(
        tmp_path,
        monkeypatch,
        {
            "events/P0/s.json": {"properties": {"a": {"$ref": "../../schemas/common.json#/definitions/x"}}},
            "schemas/common.json": {
                "$schema": dialect,
                "definitions": {"x": {"allOf": [{"$ref": anchor}]}, "y": {id_key: anchor, "type": "string"}},
            },
        },
        ["s.json"],
    )
    assert not any("points at nothing" in f[4] for f in walked)
    assert tabled == walked


@pytest.mark.parametrize(("embedded", "ref"), [
    ({"money": {"$id": "money.json", "type": "number"}}, "../events/P0/money.json"),  # a nested $id
    ({"z": {"$id": "urn:example:z", "type": "string"}}, "urn:example:z"),  # an absolute one
])
def test_a_shared_file_refs_a_resource_embedded_in_the_root(tmp_path, monkeypatch, embedded, ref):
    """Before the tables, a file $ref'd was resolved with the root's registry, which knows the
    resources embedded in the root by ``$id``: a $ref from the shared file to one resolves. A
    table (resolved without the root) reported a file that does not exist, or a remote $ref."""
    tabled, walked = _with_and_without_tables(
        tmp_path,
        monkeypatch,
        {
            "events/P0/s.json": {
                "properties": {"a": {"$ref": "../../schemas/common.json#/definitions/x"}},
                "$defs": embedded,
            },
            "schemas/common.json": {"definitions": {"x": {"$ref": ref}}},
        },
        ["s.json"],
    )
    assert walked == []
    assert tabled == walked


def test_a_shared_file_with_an_absolute_id_gives_the_same_findings(tmp_path, monkeypatch):
    """A shared file whose top-level ``$id`` is a URL: its "#/..." refs resolve against the URL.
    Walked per root, they were refused as remote (the root's registry does not hold the file);
    the table held the file and resolved them silently. Same findings either way (whether the
    old finding is right is a separate question: see the review's report)."""
    tabled, walked = _with_and_without_tables(
        tmp_path,
        monkeypatch,
        {
            "events/P0/s.json": {"properties": {"a": {"$ref": "../../schemas/common.json#/definitions/x"}}},
            "schemas/common.json": {
                "$id": "https://example.com/common.json",
                "definitions": {"x": {"$ref": "#/definitions/y"}, "y": {"type": "string"}},
            },
        },
        ["s.json"],
    )
    assert tabled == walked


@pytest.mark.parametrize("name", ["my common.json", "d\u00e9finitions.json"])
def test_a_file_refd_by_an_unencoded_name_counts_once(tmp_path, monkeypatch, name):
    """A $ref that spells a file name unencoded (a space, a non-ASCII letter) gives a URI that is
    not ``uri_for``'s. The table registered its file under ``uri_for``'s URI as well as the one it
    was reached by, so the file counted twice towards MAX_REF_FILES: a later file was refused
    ("pulls in more than ...") where walking the files per root accepted it."""
    monkeypatch.setattr(resolve_mod, "MAX_REF_FILES", 4)  # at most 5 files: the root and 4 more
    tabled, walked = _with_and_without_tables(
        tmp_path,
        monkeypatch,
        {
            # the walk pops the last item first: the file named unencoded is taken before other.json
            "events/P0/s.json": {
                "allOf": [{"$ref": "../../schemas/other.json"}, {"$ref": f"../../schemas/{name}#/definitions/x"}]
            },
            f"schemas/{name}": {"definitions": {"x": {"$ref": "#/definitions/y"}, "y": {"$ref": "f1.json"}}},
            "schemas/other.json": {"allOf": [{"$ref": "g1.json"}]},
            "schemas/f1.json": {"type": "string"},
            "schemas/g1.json": {"type": "string"},
        },
        ["s.json"],
    )
    assert walked == []
    assert tabled == walked


def test_a_table_walked_under_another_root_gives_each_root_its_findings(tmp_path, monkeypatch):
    """A table computed under a root whose registry knows an embedded id, reused under a root
    that does not (and the other way round): the findings are those of walking per root (the
    root that does not know the id reports the $ref; the one that does walks the file itself)."""
    common = {"definitions": {"x": {"$ref": "urn:example:z"}, "ok": {"$ref": "leaf.json"}}}
    for first in (0, 1):
        root_with_id = {
            "properties": {"a": {"$ref": "../../schemas/common.json#/definitions/x"}},
            "$defs": {"z": {"$id": "urn:example:z", "type": "string"}},
        }
        plain = {"properties": {"a": {"$ref": "../../schemas/common.json#/definitions/ok"}}}
        docs = [root_with_id, plain] if first == 0 else [plain, root_with_id]
        tabled, walked = _with_and_without_tables(
            tmp_path / str(first),
            monkeypatch,
            {
                "events/P0/s.json": docs[0],
                "events/P1/s.json": docs[1],
                "schemas/common.json": common,
                "schemas/leaf.json": {"type": "string"},
            },
            ["s.json", "s.json"],
        )
        assert tabled == walked


@pytest.mark.parametrize("first", [0, 1])
def test_a_table_is_per_dialect(tmp_path, monkeypatch, first):
    """A shared file without ``$schema`` is read in its referrer's dialect: under a draft-04 root
    its ``id: "#foo"`` is an anchor, under a 2020-12 root it is not. Whichever root comes first,
    each gets its own table (sound before the review too: the tables are keyed by dialect)."""
    d4 = {"$schema": D4, "properties": {"x": {"$ref": "../../schemas/common.json#/definitions/x"}}}
    d12 = {"properties": {"x": {"$ref": "../../schemas/common.json#/definitions/x"}}}
    docs = [d4, d12] if first == 0 else [d12, d4]
    tabled, walked = _with_and_without_tables(
        tmp_path,
        monkeypatch,
        {
            "schemas/common.json": {"definitions": {"x": {"allOf": [{"$ref": "#foo"}]}, "y": {"id": "#foo", "type": "string"}}},
            "events/P0/s.json": docs[0],
            "events/P1/s.json": docs[1],
        },
        ["s.json", "s.json"],
    )
    assert len(walked) == 1 and "points at nothing" in walked[0][4]
    assert tabled == walked
