"""``saga-lint check`` on Avro (``.avsc``) and Protobuf (``.proto``) schema files: ``schema/avro-parse``
and ``schema/protobuf-parse``, each failing and passing, at the file and line of the fault."""

from __future__ import annotations

import json

import pytest

from tests.conftest import check_json, run_cli

SERVICE = "services/Payments/index.mdx"
EVENT = "services/Payments/events/payment-taken"


def _catalog(make_catalog, schema_name: str, schema_text: str, extra: dict | None = None):
    files = {
        "eventcatalog.config.js": "export default { title: 'Payments', organizationName: 'Acme', cId: 'x' };\n",
        f"{EVENT}/index.mdx": (
            "---\nid: payment-taken\nname: Payment Taken\nversion: 1.0.0\nsummary: A payment was taken.\n"
            f"schemaPath: {schema_name}\n---\n\nA payment was taken.\n"),
        f"{EVENT}/{schema_name}": schema_text,
        **(extra or {}),
    }
    return make_catalog(files)


def _of(doc: dict, rule: str) -> list[tuple]:
    return [(f["file"], f["line"], f["message"]) for f in doc["findings"] if f["rule"] == rule]


GOOD_AVRO = json.dumps({"type": "record", "name": "PaymentTaken", "namespace": "acme",
                        "fields": [{"name": "id", "type": "string"}, {"name": "total", "type": "acme.common.Money"}]},
                       indent=2) + "\n"
MONEY = json.dumps({"type": "record", "name": "Money", "namespace": "acme.common",
                    "fields": [{"name": "cents", "type": "long"}]}) + "\n"


def test_avro_that_parses_is_not_reported(make_catalog):
    root = _catalog(make_catalog, "schema.avsc", GOOD_AVRO, {"shared/money.avsc": MONEY})
    assert _of(check_json(root), "schema/avro-parse") == []


@pytest.mark.parametrize(("text", "line", "words"), [
    ('{"type": "record", "name": "P",\n "fields": [\n  {"name": "id", "type": "strin"}\n ]}\n', 3, "unknown type strin"),
    ('{"type": "record", "name": "P",\n "fields": [\n  {"name": "id", "type": "int", "default": "x"}\n ]}\n', 3,
     "Default value"),
    ('{"type": "record", "name": "P",\n "fields": [\n  {"name": "id", "type": "int"},\n ]}\n', 4, "invalid JSON"),
    ('{"type": "enum", "name": "E", "symbols": ["A", "A"]}\n', 1, "not a valid Avro schema"),
])
def test_avro_that_does_not_parse_is_reported_at_its_line(make_catalog, text, line, words):
    root = _catalog(make_catalog, "schema.avsc", text)
    [(file, at, message)] = _of(check_json(root), "schema/avro-parse")
    assert (file, at) == (f"{EVENT}/schema.avsc", line)
    assert words in message


def test_avro_named_type_missing_from_the_catalog(make_catalog):
    root = _catalog(make_catalog, "schema.avsc", GOOD_AVRO)  # no money.avsc
    [(_file, line, message)] = _of(check_json(root), "schema/avro-parse")
    assert "acme.common.Money" in message and "no .avsc file of the catalog defines it" in message
    assert '"acme.common.Money"' in GOOD_AVRO.splitlines()[line - 1]


GOOD_PROTO = """syntax = "proto3";
package acme.payments.v1;

import "common/money.proto";

message PaymentTaken {
  string payment_id = 1;
  acme.common.Money total = 2;
}
"""
MONEY_PROTO = 'syntax = "proto3";\npackage acme.common;\nmessage Money {\n  int64 cents = 1;\n}\n'


def test_protobuf_that_parses_is_not_reported(make_catalog):
    root = _catalog(make_catalog, "schema.proto", GOOD_PROTO, {"common/money.proto": MONEY_PROTO})
    assert _of(check_json(root), "schema/protobuf-parse") == []


@pytest.mark.parametrize(("old", "new", "line", "words"), [
    ("string payment_id = 1;", "string payment_id = ;", 7, "syntax error"),
    ("string payment_id = 1;", "string payment_id = 2;", 8, "used twice"),
    ("string payment_id = 1;", "required string payment_id = 1;", 7, "not allowed in proto3"),
    ("acme.common.Money total = 2;", "Money total = 2;", 8, "unknown type Money"),
    ('import "common/money.proto";', 'import "../../../../../etc/money.proto";', 4, "leaves the catalog"),
    ("string payment_id = 1;", "string payment_id = 19001;", 7, "reserved for the Protobuf implementation"),
])
def test_protobuf_that_does_not_parse_is_reported_at_its_line(make_catalog, old, new, line, words):
    assert old in GOOD_PROTO
    root = _catalog(make_catalog, "schema.proto", GOOD_PROTO.replace(old, new), {"common/money.proto": MONEY_PROTO})
    found = _of(check_json(root), "schema/protobuf-parse")
    assert any(f == f"{EVENT}/schema.proto" and at == line and words in m for f, at, m in found), found


def test_protobuf_import_not_in_the_catalog(make_catalog):
    root = _catalog(make_catalog, "schema.proto", GOOD_PROTO)
    found = _of(check_json(root), "schema/protobuf-parse")
    assert [(at, "is not a file of the catalog" in m) for _f, at, m in found if "import" in m] == [(4, True)]


def test_rules_are_explained():
    for name in ("schema/avro-parse", "schema/protobuf-parse"):
        res = run_cli("rule", name)
        assert res.returncode == 0 and "What it checks" in res.stdout and "Fix" in res.stdout


@pytest.mark.parametrize(("mode", "expected"), [
    ("BACKWARDS", 'Did you mean "BACKWARD"?'),
    ("full-transitiv", 'Did you mean "FULL_TRANSITIVE"?'),
    ("SIDEWAYS", None),
])
def test_unknown_compatibility_mode_is_a_check_finding(make_catalog, mode, expected):
    root = _catalog(make_catalog, "schema.avsc", GOOD_AVRO, {"shared/money.avsc": MONEY})
    page = root / EVENT / "index.mdx"
    page.write_text(page.read_text("utf-8").replace("schemaPath:", f"x-compatibility: {mode}\nschemaPath:"), "utf-8")
    [(file, line, message)] = _of(check_json(root), "schema/compatibility-mode")
    assert (file, line) == (f"{EVENT}/index.mdx", 6)
    assert "judges the message as BACKWARD" in message
    assert (expected in message) if expected else ("Did you mean" not in message)


@pytest.mark.parametrize("mode", ["BACKWARD", "forward", "full_transitive", "NONE"])
def test_known_compatibility_modes_pass(make_catalog, mode):
    root = _catalog(make_catalog, "schema.avsc", GOOD_AVRO, {"shared/money.avsc": MONEY})
    page = root / EVENT / "index.mdx"
    page.write_text(page.read_text("utf-8").replace("schemaPath:", f"x-compatibility: {mode}\nschemaPath:"), "utf-8")
    assert _of(check_json(root), "schema/compatibility-mode") == []


def test_protobuf_problem_in_an_imported_file_is_reported_there_once(make_catalog):
    """schema.proto (named by the page) imports common/money.proto, which has a syntax error: one
    finding, in money.proto at its line; schema.proto's use of Money is not reported again."""
    money = 'syntax = "proto3";\npackage acme.common;\nmessage Money {\n  int64 cents = ;\n}\n'
    root = _catalog(make_catalog, "schema.proto", GOOD_PROTO, {"common/money.proto": money})
    found = _of(check_json(root), "schema/protobuf-parse")
    assert [(f, line) for f, line, _m in found] == [("common/money.proto", 4)]


def test_protobuf_import_loop_is_reported(make_catalog):
    money = 'syntax = "proto3";\npackage acme.common;\nimport "services/Payments/events/payment-taken/schema.proto";\n' \
            "message Money {\n  int64 cents = 1;\n}\n"
    root = _catalog(make_catalog, "schema.proto", GOOD_PROTO, {"common/money.proto": money})
    found = _of(check_json(root), "schema/protobuf-parse")
    assert [(f, line, "is a loop" in m) for f, line, m in found] == [("common/money.proto", 3, True)]


def test_protobuf_file_over_the_cap_is_not_parsed(make_catalog):
    from saga_lint.catalog.schemas.proto import MAX_PROTO_BYTES

    big = GOOD_PROTO + "// padding\n" * (MAX_PROTO_BYTES // 11 + 1)
    root = _catalog(make_catalog, "schema.proto", big, {"common/money.proto": MONEY_PROTO})
    [(_f, line, message)] = _of(check_json(root), "schema/protobuf-parse")
    assert line == 1 and "it was not parsed" in message


def test_avro_in_a_json_file_is_parsed_as_avro(make_catalog):
    bad = '{"type": "record", "name": "P",\n "fields": [\n  {"name": "id", "type": "strin"}\n ]}\n'
    root = _catalog(make_catalog, "schema.json", bad)
    doc = check_json(root)
    assert [(f, line) for f, line, _m in _of(doc, "schema/avro-parse")] == [(f"{EVENT}/schema.json", 3)]
    assert _of(doc, "schema/invalid-json-schema") == []
    good = _catalog(make_catalog, "schema.json", GOOD_AVRO, {"shared/money.avsc": MONEY})
    assert _of(check_json(good), "schema/avro-parse") == []


HOSTILE = {
    "deep.proto": 'syntax = "proto3";\n' + "message A { " * 3000 + "}" * 3000,
    "nul.proto": "\x00\x01message {{{{",
    "latin1.proto": b'syntax = "proto3";\nmessage \xe9 {}\n',
    "ranges.proto": 'syntax = "proto2";\nmessage A {\n  reserved 5 to max, 0x10;\n  extensions 100 to 199;\n}\n',
    "deep.avsc": '{"type":"record","name":"R","fields":[' + '{"name":"f","type":{"type":"array","items":' * 3000
                 + '"int"' + "}}" * 3000 + "]}",
    "list.avsc": "[1, 2, 3]",
    "string.avsc": '"nope"',
    "loop.avsc": '{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]}',
    "map-without-values.avsc": '{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"map"}}]}',
    "surrogate.avsc": '{"type":"record","name":"\\ud800","fields":[]}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_schema_files_are_findings_never_crashes(tmp_path, name):
    from saga_lint.catalog.files import CatalogFiles
    from saga_lint.catalog.schemas.avro import load_avro
    from saga_lint.catalog.schemas.proto import load_proto
    from saga_lint.changes.avro import compare_avro
    from saga_lint.changes.protobuf import compare_protobuf

    content = HOSTILE[name]
    (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    files = CatalogFiles(tmp_path)
    files.walked.add(name)
    if name.endswith(".proto"):
        pf = load_proto(files, name)
        assert pf.parsed or pf.problems
        assert compare_protobuf(pf, pf) == []
        problems = pf.problems
    else:
        a = load_avro(files, name)
        assert (a.schema is not None) or a.problems
        assert all(not (c.old_rejected or c.new_rejected) for c in compare_avro(a, a))
        problems = a.problems
    for p in problems:
        p.message.encode("utf-8")  # writable as UTF-8 (JSON output)


def test_protobuf_import_outside_the_catalog_is_never_opened(make_catalog, monkeypatch):
    import builtins
    import io
    import os

    root = _catalog(make_catalog, "schema.proto", GOOD_PROTO.replace('import "common/money.proto";',
                                                                       'import "../../../../../secret.proto";'))
    secret = (root.parent / "secret.proto").resolve()
    secret.write_text('syntax = "proto3";\nmessage Secret {}\n', "utf-8")
    opened: list[str] = []
    real_open, real_io_open, real_os_open = builtins.open, io.open, os.open

    def spy(real):
        def wrapper(file, *args, **kwargs):
            opened.append(os.path.realpath(file) if isinstance(file, (str, os.PathLike)) else str(file))
            return real(file, *args, **kwargs)
        return wrapper

    monkeypatch.setattr(builtins, "open", spy(real_open))
    monkeypatch.setattr(io, "open", spy(real_io_open))
    monkeypatch.setattr(os, "open", spy(real_os_open))
    from saga_lint.pipeline import run_check

    findings = run_check(root).findings
    monkeypatch.undo()
    assert str(secret) not in opened
    assert str((root / EVENT / "schema.proto").resolve()) in opened  # the spy sees the reads saga-lint makes
    assert any(f.rule == "schema/protobuf-parse" and "leaves the catalog" in f.message for f in findings)
