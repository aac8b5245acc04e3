"""``saga-lint review`` on Avro and Protobuf message schemas, in a real git repository (issue #20's done-when).

A small catalog (a service that sends an Avro event and a Protobuf event) is committed as the
base; each case edits the working tree (the head) and runs ``saga-lint review --format json``. The
review must flag as breaking: an Avro field added without a default, an Avro ``int`` changed to
``string``, a Protobuf field renumbered, retyped, or deleted without reserving; and must not flag
an Avro field added with a default, an Avro ``int`` widened to ``long``, a Protobuf field added
under a new number.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import cli_runner

from saga_lint.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

AVRO = "services/Payments/events/payment-taken"
PROTO = "services/Payments/events/refund-issued"
AVSC = {
    "type": "record", "name": "PaymentTaken", "namespace": "acme.payments",
    "fields": [
        {"name": "paymentId", "type": "string"},
        {"name": "amountCents", "type": "int"},
        {"name": "method", "type": {"type": "enum", "name": "Method", "symbols": ["CARD", "WALLET"]}},
    ],
}
PROTO_TEXT = """syntax = "proto3";
package acme.payments.v1;

message RefundIssued {
  string refund_id = 1;
  int64 amount_cents = 2;
  string reason = 3;
}
"""
FILES = {
    "eventcatalog.config.js": "export default { title: 'Payments', organizationName: 'Acme', cId: 'payments-demo' };\n",
    "teams/payments/index.mdx": "---\nid: payments\nname: Payments\n---\n\nThe payments team.\n",
    "services/Payments/index.mdx": (
        "---\nid: payments-service\nname: Payments Service\nversion: 1.0.0\nsummary: Takes payments.\n"
        "owners:\n  - payments\nsends:\n  - id: payment-taken\n  - id: refund-issued\n---\n\nTakes payments.\n"),
    "services/Orders/index.mdx": (
        "---\nid: orders-service\nname: Orders Service\nversion: 1.0.0\nsummary: Keeps orders.\n"
        "owners:\n  - payments\nreceives:\n  - id: payment-taken\n  - id: refund-issued\n---\n\nKeeps orders.\n"),
    f"{AVRO}/index.mdx": (
        "---\nid: payment-taken\nname: Payment Taken\nversion: 1.0.0\nsummary: A payment was taken.\n"
        "owners:\n  - payments\nschemaPath: schema.avsc\n---\n\nA payment was taken.\n"),
    f"{AVRO}/schema.avsc": json.dumps(AVSC, indent=2) + "\n",
    f"{PROTO}/index.mdx": (
        "---\nid: refund-issued\nname: Refund Issued\nversion: 1.0.0\nsummary: A refund was issued.\n"
        "owners:\n  - payments\nschemaPath: schema.proto\n---\n\nA refund was issued.\n"),
    f"{PROTO}/schema.proto": PROTO_TEXT,
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd), "GIT_TERMINAL_PROMPT": "0"}
    proc = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false",
                           *args], cwd=str(cwd), capture_output=True, text=True, env=env, check=True)
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    repo = tmp_path_factory.mktemp("formats") / "repo"
    for rel, text in FILES.items():
        p = repo / "catalog" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, "utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo, git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(template, tmp_path):
    src, base = template
    dst = tmp_path / "repo"
    shutil.copytree(src, dst, symlinks=True)
    return dst, base


def _avro(fields_edit) -> dict[str, str]:
    doc = json.loads(json.dumps(AVSC))
    fields_edit(doc["fields"])
    return {f"{AVRO}/schema.avsc": json.dumps(doc, indent=2) + "\n"}


def _proto(old: str, new: str) -> dict[str, str]:
    assert old in PROTO_TEXT
    return {f"{PROTO}/schema.proto": PROTO_TEXT.replace(old, new)}


def _retype_amount(to: str):
    def edit(fields: list) -> None:
        fields[1]["type"] = to
    return edit


BREAKING = {
    "avro field added without default": (_avro(lambda f: f.append({"name": "currency", "type": "string"})), "payment-taken",
                                         "currency"),
    "avro int to string": (_avro(_retype_amount("string")), "payment-taken", "amountCents"),
    "protobuf field renumbered": (_proto("string reason = 3;", "string reason = 4;"), "refund-issued", "RefundIssued.reason"),
    "protobuf field retyped": (_proto("int64 amount_cents = 2;", "string amount_cents = 2;"), "refund-issued",
                               "RefundIssued.amount_cents"),
    "protobuf field deleted without reserving": (_proto("  string reason = 3;\n", ""), "refund-issued", "RefundIssued.reason"),
}
COMPATIBLE = {
    "avro field added with default": _avro(lambda f: f.append({"name": "currency", "type": "string", "default": "EUR"})),
    "avro int widened to long": _avro(_retype_amount("long")),
    "protobuf field added under a new number": _proto("  string reason = 3;\n", "  string reason = 3;\n  string note = 4;\n"),
    "protobuf field deleted and reserved": _proto("  string reason = 3;\n", '  reserved 3;\n  reserved "reason";\n'),
}


def review(path: Path, base: str, edits: dict[str, str]) -> dict:
    for rel, text in edits.items():
        (path / "catalog" / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / "catalog" / rel).write_text(text, "utf-8")
    result = cli_runner().invoke(main, ["review", str(path / "catalog"), "--base", base, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def breaking_findings(doc: dict) -> list[dict]:
    return [f for f in doc["findings"] if f["rule"] == "change/breaking-schema"]


@pytest.mark.parametrize("case", sorted(BREAKING))
def test_breaking_change_is_flagged(repo, case):
    path, base = repo
    edits, message, field = BREAKING[case]
    doc = review(path, base, edits)
    found = breaking_findings(doc)
    assert found, doc["compatibility"]
    assert {f["resource"]["id"] for f in found} == {message}
    assert field in {f["field"] for f in found}
    [schema_file] = [rel for rel in edits]
    assert all(f["file"] == schema_file and f["line"] >= 1 for f in found)
    assert all("Fix:" in f["message"] and "breaks" in f["message"] for f in found)
    # who it reaches, read at the base revision
    assert all("it reaches receivers: service orders-service; senders: service payments-service" in f["message"]
               for f in found)
    [compat] = [c for c in doc["compatibility"] if c["id"] == message]
    assert compat["compatible"] is False and compat["mode"] == "BACKWARD"
    # the same version: the breaking change also needs a new major version
    assert any(f["rule"] == "change/version-bump" and "major" in f["message"] for f in doc["findings"])


@pytest.mark.parametrize("case", sorted(COMPATIBLE))
def test_compatible_change_is_not_flagged(repo, case):
    path, base = repo
    doc = review(path, base, COMPATIBLE[case])
    assert breaking_findings(doc) == []
    [compat] = doc["compatibility"]
    assert compat["compared"] is True and compat["compatible"] is True
    # still a contract change under the same version: bump it (not necessarily a major one)
    [bump] = [f for f in doc["findings"] if f["rule"] == "change/version-bump"]
    assert "bump the version" in bump["message"]


def test_avro_line_points_at_the_field(repo):
    path, base = repo
    doc = review(path, base, BREAKING["avro int to string"][0])
    [f] = breaking_findings(doc)
    text = (path / "catalog" / AVRO / "schema.avsc").read_text("utf-8").splitlines()
    assert '"amountCents"' in text[f["line"] - 1]
    assert "int to string" in f["message"] and "new readers of old data" in f["message"]


def test_forward_mode_judges_old_readers(repo):
    """int -> long is BACKWARD compatible (a long reads an int) but not FORWARD (an int cannot read a long)."""
    path, base = repo
    (path / "catalog" / "saga-lint.yaml").write_text("schema-compatibility:\n  payment-taken: FORWARD\n", "utf-8")
    doc = review(path, base, COMPATIBLE["avro int widened to long"])
    [f] = breaking_findings(doc)
    assert "old readers of new data" in f["message"] and f["field"] == "amountCents"


def _event_page(version: str) -> str:
    return (f"---\nid: payment-taken\nname: Payment Taken\nversion: {version}\nsummary: A payment was taken.\n"
            "owners:\n  - payments\nschemaPath: schema.avsc\n---\n\nA payment was taken.\n")


def _avsc(*extra_fields: dict) -> str:
    return json.dumps({**AVSC, "fields": [*AVSC["fields"], *extra_fields]}, indent=2) + "\n"


@pytest.mark.parametrize(("mode", "flagged"), [("BACKWARD", False), ("BACKWARD_TRANSITIVE", True)])
def test_transitive_mode_checks_every_earlier_version(tmp_path, mode, flagged):
    """1.0.0 has no note; 2.0.0 adds it with a default; 3.0.0 drops the default. 2.0.0 -> 3.0.0 is
    BACKWARD compatible (2.0.0 data has the note), 1.0.0 -> 3.0.0 is not: only the transitive mode sees it."""
    repo = tmp_path / "repo"
    note = {"name": "note", "type": "string"}
    files = {**FILES, f"{AVRO}/index.mdx": _event_page("2.0.0"), f"{AVRO}/schema.avsc": _avsc({**note, "default": ""}),
             f"{AVRO}/versioned/1.0.0/index.mdx": _event_page("1.0.0"), f"{AVRO}/versioned/1.0.0/schema.avsc": _avsc(),
             "saga-lint.yaml": f"schema-compatibility:\n  payment-taken: {mode}\n"}
    for rel, text in files.items():
        p = repo / "catalog" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, "utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    doc = review(repo, base, {f"{AVRO}/versioned/2.0.0/index.mdx": _event_page("2.0.0"),
                              f"{AVRO}/versioned/2.0.0/schema.avsc": _avsc({**note, "default": ""}),
                              f"{AVRO}/index.mdx": _event_page("3.0.0"), f"{AVRO}/schema.avsc": _avsc(note)})
    found = breaking_findings(doc)
    if not flagged:
        assert found == []
        return
    [f] = found
    assert "against 1.0.0" in f["message"] and f["field"] == "note" and mode in f["message"]


def test_reach_names_the_saga_steps_that_use_the_message():
    """On saga-lint's own catalog: payment-authorized is the success reply of checkout-saga's authorize_payment."""
    from saga_lint.changes.reach import reach_of
    from saga_lint.pipeline import run_check

    base = run_check(Path(__file__).resolve().parent.parent / "catalog")
    reach = reach_of(base, "event", "payment-authorized")
    assert reach.to_json() == {"receivers": ["service checkout-orchestrator"], "senders": ["service payment-service"],
                               "saga_steps": ["checkout-saga/authorize_payment (success)"]}
    assert "saga steps: checkout-saga/authorize_payment (success)" in reach.words()
    command = reach_of(base, "command", "authorize-payment")
    assert "checkout-saga/authorize_payment (command)" in command.saga_steps


def test_compatibility_names_each_message_schema_format(repo):
    path, base = repo
    edits = {**BREAKING["avro int to string"][0], **BREAKING["protobuf field retyped"][0]}
    doc = review(path, base, edits)
    assert {c["id"]: c["format"] for c in doc["compatibility"]} == {"payment-taken": "avro", "refund-issued": "protobuf"}


def _as_dot_avro(path: Path) -> None:
    """The Avro event's schema named schema.avro, as EventCatalog's own example names it."""
    ev = path / "catalog" / AVRO
    (ev / "schema.avsc").rename(ev / "schema.avro")
    (ev / "index.mdx").write_text((ev / "index.mdx").read_text("utf-8").replace("schema.avsc", "schema.avro"), "utf-8")


def test_an_avro_schema_named_schema_avro_is_compared_as_avro(repo):
    """EventCatalog's examples name Avro schemas ``schema.avro``: a record renamed and a field retyped
    there are breaking Avro differences, as in a ``.avsc`` file, and a field added with a default is
    compatible; the compatibility table says avro."""
    path, base = repo
    _as_dot_avro(path)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "schema.avro")
    base = git(path, "rev-parse", "HEAD")
    doc = AVSC | {"fields": [*AVSC["fields"][:1], {"name": "amountCents", "type": "string"}, *AVSC["fields"][2:]]}
    found = breaking_findings(review(path, base, {f"{AVRO}/schema.avro": json.dumps(doc, indent=2) + "\n"}))
    assert [(f["field"], f["file"]) for f in found] == [("amountCents", f"{AVRO}/schema.avro")]
    doc = AVSC | {"fields": [*AVSC["fields"], {"name": "currency", "type": "string", "default": "EUR"}]}
    compat = review(path, base, {f"{AVRO}/schema.avro": json.dumps(doc, indent=2) + "\n"})["compatibility"]
    assert [(c["format"], c["compatible"]) for c in compat] == [("avro", True)]


def test_a_json_schema_replaced_by_protobuf_says_json_schema(repo):
    """A message whose JSON schema becomes a .proto file: the format change names JSON Schema, not "other"."""
    path, base = repo
    ev = path / "catalog" / AVRO
    (ev / "schema.avsc").unlink()
    (ev / "schema.json").write_text('{"type": "object", "properties": {"paymentId": {"type": "string"}}}\n', "utf-8")
    (ev / "index.mdx").write_text((ev / "index.mdx").read_text("utf-8").replace("schema.avsc", "schema.json"), "utf-8")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "json schema")
    base = git(path, "rev-parse", "HEAD")
    (ev / "schema.json").unlink()
    (ev / "index.mdx").write_text((ev / "index.mdx").read_text("utf-8").replace("schema.json", "schema.proto"), "utf-8")
    found = breaking_findings(review(path, base, {f"{AVRO}/schema.proto": PROTO_TEXT}))
    assert any("the schema changed format, from JSON Schema to Protobuf" in f["message"] for f in found), found


def test_check_parses_an_avro_schema_named_schema_avro(tmp_path):
    """``check`` reads a schema.avro the way it reads a .avsc: one that does not parse as Avro is
    schema/avro-parse; a binary Avro data file (not JSON) named by no page is left alone."""
    root = tmp_path / "catalog"
    for rel, text in FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, "utf-8")
    _as_dot_avro(tmp_path)
    (root / AVRO / "schema.avro").write_text(json.dumps({"type": "record", "name": "X", "fields": [
        {"name": "a", "type": "strnig"}]}), "utf-8")
    (root / "services/Payments/data.avro").write_bytes(b"Obj\x01\x00binary")
    result = cli_runner().invoke(main, ["check", str(root), "--format", "json", "--no-cache"])
    doc = json.loads(result.stdout)
    assert [(f["rule"], f["file"]) for f in doc["findings"] if f["rule"].startswith("schema/avro")] == [
        ("schema/avro-parse", f"{AVRO}/schema.avro")]
