"""``x-saga-lint: {ignore: [...]}`` per step and per field as well as per resource; unknown rule
names and malformed entries are ``suppression/invalid``, entries that silence nothing
``suppression/unused`` (saga_lint.suppression, #19). On a copy of the corpus's CheckoutSaga."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import run_cli

FLOW = "domains/Ordering/systems/checkout-system/flows/CheckoutSaga/index.mdx"
CLOSE = "        actions: 'release reservation, void authorization'\n---\n"


@pytest.fixture
def saga(corpus, tmp_path):
    """Write an ``x-saga-lint`` block into the CheckoutSaga's frontmatter; return the JSON check."""
    cat = tmp_path / "ec"
    shutil.copytree(corpus, cat)
    page = cat / FLOW
    original = page.read_text("utf-8")
    assert original.count(CLOSE) == 1

    def _check(block: str | None = None) -> list[tuple]:
        text = original if block is None else original.replace(CLOSE, CLOSE[:-4] + block + "---\n")
        page.write_text(text, "utf-8")
        proc = run_cli("check", cat, "--format", "json", "--select", "saga/*,suppression/*")
        assert proc.returncode in (0, 1), proc.stderr
        return [(f["rule"], f["step"], f["field"], f["line"], f["message"]) for f in json.loads(proc.stdout)["findings"]
                if f["file"] == FLOW]

    return _check


def rules_steps(found):
    return [(r, s) for r, s, _, _, _ in found]


def test_a_step_entry_silences_that_step_only(saga):
    before = rules_steps(saga())
    assert ("saga/retry-policy", "create_order") in before
    after = rules_steps(saga("x-saga-lint:\n  ignore:\n    - {rule: saga/retry-policy, step: create_order}\n"))
    assert after == [x for x in before if x != ("saga/retry-policy", "create_order")]


def test_a_field_entry_silences_that_field_and_what_is_inside(saga):
    before = saga()
    assert [(r, s, f) for r, s, f, _, _ in before if r == "saga/orchestrator"] == [
        ("saga/orchestrator", "reserve_inventory", "steps[3]"), ("saga/orchestrator", "create_order", "steps[5]")]
    after = saga('x-saga-lint:\n  ignore:\n    - {rule: saga/orchestrator, field: "steps[5]", reason: tracked}\n')
    assert [x for x in before if x[:3] != ("saga/orchestrator", "create_order", "steps[5]")] == after
    entry = saga('x-saga-lint:\n  ignore:\n    - {rule: saga/entry, field: "steps[0]"}\n')  # steps[0].next_step
    assert "saga/entry" not in [r for r, *_ in entry]


def test_a_family_and_a_rule_silence_the_whole_resource(saga):
    assert saga("x-saga-lint:\n  ignore: [saga/*]\n") == []
    assert [r for r, *_ in saga("x-saga-lint:\n  ignore: [saga/retry-policy]\n")].count("saga/retry-policy") == 0


def test_unknown_rule_names_and_malformed_entries_are_findings(saga):
    found = saga("x-saga-lint:\n  ignore:\n    - saga/retry-polcy\n    - {rule: saga/nope/*}\n    - {step: create_order}\n"
                 "    - {rule: saga/retry-policy, stp: create_order}\n    - 42\n")
    invalid = [(f, line, m) for r, _, f, line, m in found if r == "suppression/invalid"]
    assert invalid == [
        ("x-saga-lint.ignore[0]", 89, "unknown rule 'saga/retry-polcy' in x-saga-lint ignore; it silences nothing. "
                                      "Did you mean 'saga/retry-policy'?"),
        ("x-saga-lint.ignore[1]", 90, "unknown rule 'saga/nope/*' in x-saga-lint ignore; it silences nothing. "
                                      "Did you mean 'saga/*'?"),
        ("x-saga-lint.ignore[2]", 91, "an ignore entry that is a mapping needs 'rule: NAME'"),
        ("x-saga-lint.ignore[3]", 92, "unknown key 'stp' in an ignore entry (an entry has: rule, step, field, reason)"),
        ("x-saga-lint.ignore[4]", 93, "an ignore entry is a rule name or {rule: NAME, step: ID, field: PATH}"),
    ]
    found = saga("x-saga-lint: [saga/retry-policy]\n")
    assert [(r, f, m) for r, _, f, _, m in found if r.startswith("suppression/")] == [
        ("suppression/invalid", "x-saga-lint", "x-saga-lint must be a mapping: {ignore: [rule names]}")]
    found = saga("x-saga-lint:\n  ignre: [saga/retry-policy]\n")
    assert [(r, m) for r, _, _, _, m in found if r.startswith("suppression/")] == [
        ("suppression/invalid", "unknown key 'ignre' in x-saga-lint (it has: ignore)")]


def test_unused_entries_are_reported_at_their_line(saga):
    found = saga("x-saga-lint:\n  ignore:\n    - saga/retry-policy\n    - {rule: saga/retry-policy, step: checkout_api}\n"
                 "    - refs/orphan-messages\n    - {rule: saga/docs-drift, field: steps}\n")
    unused = [(f, line, m) for r, _, f, line, m in found if r == "suppression/unused"]
    assert unused == [
        ("x-saga-lint.ignore[1]", 90, "x-saga-lint ignore entry {rule: saga/retry-policy, step: checkout_api} silences "
                                      "no finding; remove it"),
        ("x-saga-lint.ignore[3]", 92, "x-saga-lint ignore entry {rule: saga/docs-drift, field: steps} silences no "
                                      "finding; remove it"),
    ]  # refs/orphan-messages is not selected (--select saga/*,suppression/*): not reported


def test_unused_entries_of_rules_that_do_not_run_are_not_reported(saga, tmp_path):
    found = saga("x-saga-lint:\n  ignore: [change/version-bump, saga/retry-policy]\n")
    assert [r for r, *_ in found if r.startswith("suppression/")] == []  # change/* runs in review only


def test_suppression_findings_follow_the_configuration(corpus, tmp_path):
    cat = tmp_path / "ec"
    shutil.copytree(corpus, cat)
    page = cat / FLOW
    page.write_text(page.read_text("utf-8").replace(CLOSE, CLOSE[:-4] + "x-saga-lint: {ignore: [refs/orphan-mesages]}\n---\n"))
    (cat / "saga-lint.yaml").write_text("rules:\n  suppression/invalid: error\n")
    proc = run_cli("check", cat, "--format", "json", "--select", "suppression/*")
    assert proc.returncode == 1
    assert [(f["rule"], f["severity"]) for f in json.loads(proc.stdout)["findings"]] == [("suppression/invalid", "error")]
    (cat / "saga-lint.yaml").write_text("rules:\n  suppression/*: off\n")
    proc = run_cli("check", cat, "--format", "json", "--select", "suppression/*")
    assert json.loads(proc.stdout)["findings"] == []
