"""``check --write-baseline`` / ``--baseline`` (saga_lint.baseline) on a copy of the real corpus:
a baseline absorbs the legacy findings, a new defect fails the run with exactly that finding, a
fixed one shows as a ``baseline/stale`` entry; every format and ``review`` honour it (#19)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from conftest import cli_runner

EVENT = "domains/Fulfilment/systems/carrier/services/CarrierTrackingAPI/events/ShipmentCreated/index.mdx"
CONTAINER = "domains/Catalog/systems/product-catalog-system/containers/product-database/index.mdx"
SUMMARY = "summary: |\n  Published by the carrier when a shipment has been created and dispatched.\n"


def invoke(*args, cwd=None):
    from saga_lint.cli import main

    return cli_runner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def legacy(corpus, tmp_path):
    """A copy of the corpus and its baseline, written by ``check --write-baseline``."""
    cat = tmp_path / "ec"
    shutil.copytree(corpus, cat)
    baseline = tmp_path / "saga-lint-baseline.json"
    r = invoke("check", cat, "--write-baseline", baseline, "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["findings"] == []
    return cat, baseline


def test_written_baseline_is_sorted_stable_and_machine_independent(legacy, corpus, tmp_path):
    cat, baseline = legacy
    text = baseline.read_text("utf-8")
    doc = json.loads(text)
    assert doc["version"] == 1 and doc["tool"] == "saga-lint"
    entries = doc["findings"]
    full = json.loads(invoke("check", cat, "--format", "json").stdout)["findings"]
    assert sum(e["count"] for e in entries) == len(full) > 0
    assert {e["fingerprint"] for e in entries} == {f["fingerprint"] for f in full}
    # a finding of the whole catalog (no file: schema/undeclared-version on the corpus) sorts first
    assert [(e["file"] or "", e["rule"], e["fingerprint"]) for e in entries] == sorted(
        (e["file"] or "", e["rule"], e["fingerprint"]) for e in entries)
    assert text == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert str(tmp_path) not in text  # no absolute path
    # another run, another folder (another machine): the same bytes
    other = tmp_path / "elsewhere" / "catalog"
    shutil.copytree(corpus, other)
    again = tmp_path / "again.json"
    assert invoke("check", other, "--write-baseline", again).exit_code == 0
    assert again.read_text("utf-8") == text


def test_baseline_exits_0_then_a_new_defect_is_exactly_one_finding(legacy):
    cat, baseline = legacy
    r = invoke("check", cat, "--baseline", baseline, "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["findings"] == []
    known = sum(e["count"] for e in json.loads(baseline.read_text("utf-8"))["findings"])
    # what was left out is said on stderr (the report's format stays the one asked for)
    assert r.stderr == f"saga-lint: {known} known findings in the baseline {baseline} not shown\n"
    page = cat / EVENT
    page.write_text(page.read_text("utf-8").replace(SUMMARY, ""), "utf-8")
    r = invoke("check", cat, "--baseline", baseline, "--format", "json")
    assert r.exit_code == 1
    found = [(f["rule"], f["severity"], f["file"], f["message"]) for f in json.loads(r.stdout)["findings"]]
    assert found == [("best-practices/summary-required", "error", EVENT,
                      'event "shipment-created" has no summary; add a one-line summary of what it is for.')]
    r = invoke("check", cat, "--baseline", baseline, "--format", "concise")
    assert r.stdout == (f"{os.path.relpath(cat / EVENT)}:2:1: error best-practices/summary-required "
                        'event "shipment-created" has no summary; add a one-line summary of what it is for.\n')


def test_fixing_a_baselined_finding_reports_the_stale_entry(legacy):
    cat, baseline = legacy
    page = cat / CONTAINER
    page.write_text(page.read_text("utf-8").replace("version: 1.0.0\n", "version: 1.0.0\nowners: [fulfilment-platform]\n", 1),
                    "utf-8")
    r = invoke("check", cat, "--baseline", baseline, "--format", "json")
    assert r.exit_code == 0  # a warning: the default fail level is error
    found = [(f["rule"], f["severity"], f["file"], f["line"], f["message"]) for f in json.loads(r.stdout)["findings"]]
    assert found == [(
        "baseline/stale", "warning", CONTAINER, None,
        'baseline entry matches no finding any more: best-practices/owner-required: container "product-database" has '
        f"no owners; add owners: [<team or user id>]. Remove it from {baseline} (or rewrite the file with "
        "--write-baseline)",
    )]
    assert invoke("check", cat, "--baseline", baseline, "--fail-on", "warning").exit_code == 1
    # rewritten, the baseline has one entry less and nothing is stale
    before = len(json.loads(baseline.read_text("utf-8"))["findings"])
    assert invoke("check", cat, "--write-baseline", baseline).exit_code == 0
    assert len(json.loads(baseline.read_text("utf-8"))["findings"]) == before - 1
    assert json.loads(invoke("check", cat, "--baseline", baseline, "--format", "json").stdout)["findings"] == []


def test_stale_entries_of_rules_left_out_by_select_are_not_reported(legacy):
    cat, baseline = legacy
    r = invoke("check", cat, "--baseline", baseline, "--select", "saga/*", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["findings"] == []


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "junit", "markdown", "concise"])
def test_every_format_shows_only_what_the_baseline_does_not_hold(legacy, fmt):
    cat, baseline = legacy
    page = cat / EVENT
    page.write_text(page.read_text("utf-8").replace(SUMMARY, ""), "utf-8")
    r = invoke("check", cat, "--baseline", baseline, "--format", fmt)
    assert r.exit_code == 1
    out = r.stdout
    if fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        assert [x["ruleId"] for x in results] == ["best-practices/summary-required"]
    elif fmt in ("json", "gitlab"):
        doc = json.loads(out)
        items = doc["findings"] if fmt == "json" else doc
        assert len(items) == 1
    elif fmt == "junit":
        assert len(ET.fromstring(out).findall(".//failure")) == 1
    else:
        assert out.count("summary-required") == 1, out
        assert "owner-required" not in out


def test_bad_baseline_files_exit_2(tmp_path, corpus):
    for text, reason in [
        (None, "not found (write one with --write-baseline"),
        ("{", "is not valid JSON"),
        ("[]", "not a saga-lint baseline"),
        ('{"version": 9, "findings": []}', "version 9 is not supported"),
        ('{"findings": [{"count": 1}]}', "findings[0]: each entry must be an object with a string 'fingerprint'"),
        ('{"findings": [{"fingerprint": "x", "count": 0}]}', "'count' must be a whole number of at least 1"),
    ]:
        path = tmp_path / "b.json"
        path.unlink(missing_ok=True)
        if text is not None:
            path.write_text(text)
        r = invoke("check", corpus, "--baseline", path)
        assert r.exit_code == 2 and reason in r.stderr, (text, r.stderr)
    r = invoke("check", corpus, "--baseline", path, "--write-baseline", path)
    assert r.exit_code == 2 and "exclude each other" in r.stderr


def test_counts_absorb_repeated_fingerprints():
    from saga_lint.baseline import Entry, apply
    from saga_lint.findings import Finding

    a1, a2, a3 = (Finding("r/x", "error", "m", "f.mdx", line) for line in (1, 2, 3))
    new, stale = apply([a1, a2, a3], [Entry(a1.fingerprint, 2)])
    assert new == [a3] and stale == []
    new, stale = apply([a1], [Entry(a1.fingerprint, 2, "r/x")])
    assert new == [] and stale == [Entry(a1.fingerprint, 1, "r/x")]


def test_review_leaves_out_what_the_baseline_holds(legacy, tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    cat, baseline = legacy
    git = ["git", "-C", str(cat), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    page = cat / EVENT
    page.write_text(page.read_text("utf-8").replace(SUMMARY, ""), "utf-8")
    r = invoke("review", cat, "--base", "HEAD", "--format", "json")
    assert r.exit_code == 1
    assert [f["rule"] for f in json.loads(r.stdout)["findings"]] == ["best-practices/summary-required"]
    with_new = tmp_path / "with-new.json"
    assert invoke("check", cat, "--write-baseline", with_new).exit_code == 0
    r = invoke("review", cat, "--base", "HEAD", "--format", "json", "--baseline", with_new)
    assert r.exit_code == 0, r.stdout
    assert json.loads(r.stdout)["findings"] == []
