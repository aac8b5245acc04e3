"""docs/rules.md is generated from the registry and up to date; docs/json-output.md documents
exactly the keys that ``check --format json`` writes."""

from __future__ import annotations

import importlib.util
import json
import re

from conftest import ROOT, check_json, write_catalog
from test_rules_official import BASE, EDIT_OWNER_TYPO, FLOW, FLOW_TXT, SCHEMA

DOCS = ROOT / "docs"


def _gen():
    spec = importlib.util.spec_from_file_location("gen_rules_doc", ROOT / "scripts" / "gen_rules_doc.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# -- docs/rules.md ---------------------------------------------------------------------------------


def test_rules_doc_is_up_to_date():
    text = _gen().render()
    current = (DOCS / "rules.md").read_text("utf-8")
    assert current == text, "docs/rules.md is out of date; run: python scripts/gen_rules_doc.py"


def test_rules_doc_has_one_section_per_rule():
    from saga_lint.rules import all_rules

    text = _gen().render()
    rules = all_rules()
    sections = re.findall(r"^### (\S+)\n\nDefault severity: \*\*(\w+)\*\* · (.+)$", text, re.M)
    assert sorted(n for n, _, _ in sections) == sorted(rules)
    for name, severity, origin in sections:
        r = rules[name]
        assert severity == r.severity
        want = f"official `@eventcatalog/linter` rule name (since {r.official_since})" if r.official else "saga-lint rule"
        assert origin.startswith(want), name
    # the table lists every rule once, with a working anchor
    rows = re.findall(r"^\| \[`([^`]+)`\]\(#([^)]+)\) \| (\w+) \| (since [0-9.]+|no) \|", text, re.M)
    assert sorted(n for n, *_ in rows) == sorted(rules)
    for name, anchor, severity, official in rows:
        assert anchor == name.replace("/", "").lower()
        r = rules[name]
        assert (severity, official) == (r.severity, f"since {r.official_since}" if r.official else "no")


def test_rules_doc_carries_each_docstring():
    from saga_lint.rules import all_rules

    gen = _gen()
    text = gen.render()
    for name, r in all_rules().items():
        body = text.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
        assert gen.doc_to_markdown(r.doc) in body, name
        for label in gen.LABELS:
            if label in r.doc:
                assert f"**{label}**" in body, (name, label)


def test_doc_to_markdown_fences_indented_examples():
    md = _gen().doc_to_markdown(
        "A thing is wrong.\n\nWhat it checks: ``a`` and\nmore.\n"
        "Example that fails:\n    owners: [x]\n      - y\nFix: ``owners: [y]``."
    )
    assert md == (
        "A thing is wrong.\n\n**What it checks:** `a` and\nmore.\n\n**Example that fails:**\n\n"
        "```yaml\nowners: [x]\n  - y\n```\n\n**Fix:** `owners: [y]`."
    )


def test_gen_rules_doc_check_mode(tmp_path, monkeypatch):
    gen = _gen()
    monkeypatch.setattr(gen, "OUT", tmp_path / "docs" / "rules.md")
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0
    (tmp_path / "docs" / "rules.md").write_text("stale\n")
    assert gen.main(["--check"]) == 1


# -- docs/json-output.md ---------------------------------------------------------------------------


def _tables(md: str) -> dict:
    """``{section heading: [first-column keys]}`` for every Markdown table under a heading."""
    out: dict = {}
    heading = None
    for line in md.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        m = re.match(r"^\| `([^`]+)` \|", line)
        if m and heading:
            out.setdefault(heading, []).append(m.group(1))
    return out


def _example(md: str) -> dict:
    block = re.search(r"```json\n(.*?)\n```", md, re.S)
    assert block, "docs/json-output.md has no ```json example"
    return json.loads(block.group(1))


def _fixture_output(tmp_path) -> dict:
    files = {**BASE, **EDIT_OWNER_TYPO, FLOW: FLOW_TXT.replace("next_step: placed", "next_step: plcaed")}
    root = write_catalog(tmp_path / "cat", files)
    (root / SCHEMA).unlink()
    import os

    os.symlink("/etc/hostname", root / SCHEMA)  # a finding with null line, column and resource
    return check_json(root)


def test_json_output_has_exactly_the_documented_keys(tmp_path):
    md = (DOCS / "json-output.md").read_text("utf-8")
    tables = _tables(md)
    doc = _fixture_output(tmp_path)
    assert list(doc) == tables["The document"]
    assert doc["version"] == 1
    assert len(doc["findings"]) >= 3
    for f in doc["findings"]:
        assert list(f) == tables["A finding"], f
        if f["resource"] is not None:
            assert list(f["resource"]) == tables["A resource"]
        assert f["severity"] in ("error", "warning", "info")
        assert re.fullmatch(r"[0-9a-f]{32}", f["fingerprint"])
    assert any(f["resource"] is None and f["line"] is None and f["column"] is None for f in doc["findings"])
    assert any(f["step"] is not None for f in doc["findings"])
    assert list(doc["summary"]) == tables["The summary"]
    # the collections named in the summary table are the keys of summary.resources
    row = next(line for line in md.splitlines() if line.startswith("| `resources` |"))
    named = re.findall(r"`([a-z-]+)`", row.split("|")[3])
    assert list(doc["summary"]["resources"]) == named
    # findings are sorted as documented
    keys = [(f["file"] or "", f["line"] or 0, f["column"] or 0, f["rule"], f["message"]) for f in doc["findings"]]
    assert keys == sorted(keys)


def test_json_example_in_the_doc_matches_a_real_run(tmp_path):
    md = (DOCS / "json-output.md").read_text("utf-8")
    example = _example(md)
    doc = _fixture_output(tmp_path)
    assert list(example) == list(doc)
    assert list(example["summary"]) == list(doc["summary"])
    assert list(example["summary"]["resources"]) == list(doc["summary"]["resources"])
    real = {(f["rule"], f["file"], f["line"], f["column"]): f for f in doc["findings"]}
    for f in example["findings"]:
        got = real[(f["rule"], f["file"], f["line"], f["column"])]
        assert got == f  # same message, resource, step, field and fingerprint
    assert example["summary"]["resources"] == doc["summary"]["resources"]
