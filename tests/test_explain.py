"""``saga-lint explain`` (#16): FLOW@VERSION, no bare cells, word-boundary quotes with the node's
title apart, a ✓ only when every check holds, right plurals; exact output where it matters."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, OUR_CATALOG, ROOT, run_cli

from saga_lint.config import load_config
from saga_lint.pipeline import run_check
from saga_lint.render import explain_text

EXAMPLES = sorted(p for p in (ROOT / "catalog-examples").iterdir() if p.is_dir())
CATALOGS = [OUR_CATALOG, *EXAMPLES] + ([CORPUS] if CORPUS.is_dir() else [])
BARE = ("", "-", "None")
MARKS = ("✓", "≈", "~", "✗", explain_text.FAILING)
CHECKOUT_FLOW = "domains/Ordering/systems/checkout-system/flows/CheckoutSaga"


# -- cut at a word boundary ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "width", "expected"), [
    ("short", 10, "short"),
    ("voids any authorization then", 20, "voids any…"),
    ("voids any authorization", 10, "voids any…"),
    ("abcdefghijkl", 5, "abcd…"),  # one word longer than the width: no boundary to cut at
    ("one, two three", 6, "one…"),
])
def test_cut_at_a_word_boundary(text, width, expected):
    from saga_lint.words import cut

    assert cut(text, width) == expected
    assert len(cut(text, width)) <= width


# -- no bare cell or value anywhere --------------------------------------------------------------------


def _texts():
    for root in CATALOGS:
        result = run_check(root, load_config(root, None))
        for saga in result.sagas:
            yield root, saga, result.findings, explain_text.render(saga, result.findings)


def test_no_bare_cell_or_value_in_any_saga():
    seen = 0
    for root, saga, findings, text in _texts():
        seen += 1
        where = f"{root.name}:{saga.flow.id}"
        for row in explain_text.matrix_rows(saga, findings):
            for cell in row:
                assert cell.strip() not in BARE, where
                assert cell.strip() not in MARKS, f"{where}: a mark with no value: {row}"
                assert not re.search(r"(?<![\w-])(None|-)(?![\w-])", cell), f"{where}: {cell!r}"
        for line in text.splitlines():
            if set(line) <= {"-", " "}:
                continue  # the table's rule line (and blank lines)
            assert not re.search(r"(?<![\w'-])None(?![\w-])", line), f"{where}: {line!r}"
            assert not re.search(r"(:|[✓≈~✗!])\s+-(\s|$|\()", line), f"{where}: {line!r}"
            assert not re.search(r"[✓≈~✗]\s*$", line), f"{where}: {line!r}"
            if line.rstrip().endswith(":"):
                assert line == "Evidence:" or line.startswith("  "), f"{where}: {line!r}"
    assert seen >= 4


def test_quotes_are_cut_at_word_boundaries_and_keep_the_title_apart():
    for root, saga, _, text in _texts():
        for quote in re.findall(r'says "([^"]*)"', text):
            assert quote.endswith("…") or len(quote) <= explain_text.QUOTE_CHARS, f"{root.name}: {quote!r}"
            if quote.endswith("…"):
                assert quote[-2] not in " ", quote
                body = quote[:-1]
                # the cut falls after a whole word: the node's words continue with a space there
                assert any(f"{body} " in " ".join(str(v).split()) for v in _summaries(saga)), quote


def _summaries(saga):
    fmap = saga.flowmap
    for node in fmap.nodes.values() if fmap is not None else ():
        custom = node.data.get("custom")
        if isinstance(custom, dict) and custom.get("summary"):
            yield custom["summary"]


# -- exact output on the corpus --------------------------------------------------------------------


@pytest.fixture
def corpus_text():
    if not CORPUS.is_dir():
        pytest.skip("the real EventCatalog corpus is not beside the project")

    def explain(flow: str) -> str:
        # run from the catalog's folder: the text's paths are then the catalog's own
        return run_cli("explain", flow, ".", cwd=CORPUS).stdout

    return explain


def test_corpus_compensation_quote_exact(corpus_text):
    text = corpus_text("checkout-saga")
    assert (
        '    ~ compensation Compensation node "compensate_release" titled "Compensate and abort" says "A step failed. '
        'The orchestrator releases any reservation and voids any authorization, then aborts…"; inventory-service '
        f"receives release-inventory at {CHECKOUT_FLOW}/index.mdx:79\n"
    ) in text
    assert "authoriz\"" not in text
    assert "Findings: 10 errors, 5 warnings, 0 info\n" in text


def test_corpus_place_an_order_outcome_says_none_and_why(corpus_text):
    text = corpus_text("place-an-order")
    assert 'Outcome: ~ none: not declared, Outcome node "order_confirmed"\n' in text
    assert "Not reviewed again: its steps are reviewed in checkout-saga (saga-lint explain checkout-saga).\n" in text
    # its findings: where it differs from the saga it copies, and the two handlers of the command it adds
    assert "Findings: 1 error, 1 warning, 0 info\n" in text and "(saga/copy-drift)\n" in text
    assert "2 services receive checkout-cart (cart-api, checkout-api)" in text
    assert "  checkout_cart_command (checkout-cart, participant none):\n" in text


def test_corpus_missing_cells_say_none_and_why(corpus_text):
    row = next(line for line in corpus_text("checkout-saga").splitlines() if line.startswith("create_order "))
    assert re.split(r"\s{2,}", row) == [
        # the orchestrator does not receive order-created (saga/orchestrator): contract-backed, but failing
        "create_order", "pivot (inferred)", "≈ ordering-platform", "! order-created",
        "✗ none: no failure path: nothing says…", "✗ none: no retry policy", "✗ none: no compensation",
        "✗ none: no customer-visible status",
    ]


# -- a ✓ only when every check behind it holds ----------------------------------------------------------


def test_declared_but_failing_is_marked_apart():
    proc = run_cli("explain", "checkout-saga", ROOT / "catalog-examples" / "broken-checkout")
    assert proc.returncode == 1
    row = next(line for line in proc.stdout.splitlines() if line.startswith("reserve_stock "))
    assert re.split(r"\s{2,}", row) == [
        # the orchestrator does not receive stock-unavailable (saga/orchestrator): the failure is marked failing
        "reserve_stock", "compensatable", "≈ shop-team", "✓ stock-reserved", "! stock-unavailable, timeout",
        "! 5 attempts, 5s each, worst 40s", "! release-stock", "✓ PROCESSING",
    ]
    assert "! declared or contract-backed, but a check of it fails (see Findings)" in proc.stdout
    # x-saga.outcome is declared but has no container (saga/outcome error)
    assert "Outcome: ! event=payment-captured (x-saga outcome)\n" in proc.stdout


def test_json_adds_mark_and_failing_rules():
    import json

    doc = json.loads(run_cli("explain", "checkout-saga", ROOT / "catalog-examples" / "broken-checkout",
                             "--format", "json").stdout)
    retry = doc["steps"][0]["attributes"]["retry"]
    assert (retry["level"], retry["mark"], retry["failing"]) == ("structured", "!", ["saga/retry-policy"])
    owner = doc["steps"][0]["attributes"]["owner"]
    assert (owner["level"], owner["mark"], owner["failing"]) == ("contract", "≈", [])


def test_our_catalog_is_all_checks_hold():
    proc = run_cli("explain", "checkout-saga", OUR_CATALOG)
    assert proc.returncode == 0
    assert "Findings: none: every saga check holds\n" in proc.stdout
    table = proc.stdout.split("\n\n")[1]
    assert f" {explain_text.FAILING} " not in table


# -- FLOW@VERSION ----------------------------------------------------------------------------------------


@pytest.fixture
def versioned(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(OUR_CATALOG, root)
    flow = root / CHECKOUT_FLOW
    old = flow / "versioned" / "0.9.0"
    old.mkdir(parents=True)
    text = (flow / "index.mdx").read_text(encoding="utf-8")
    (old / "index.mdx").write_text(re.sub(r"(?m)^version: .*$", "version: 0.9.0", text, count=1), encoding="utf-8")
    return root


def test_version_defaults_to_the_latest(versioned):
    default = run_cli("explain", "checkout-saga", versioned)
    latest = run_cli("explain", "checkout-saga@latest", versioned)
    exact = run_cli("explain", "checkout-saga@1.0.0", versioned)
    assert default.stdout.startswith("Saga checkout-saga (Checkout Saga) v1.0.0  —  ")
    assert default.stdout == latest.stdout == exact.stdout
    assert default.returncode == latest.returncode == exact.returncode == 0


def test_an_older_version_is_modelled_and_said_unreviewed(versioned):
    proc = run_cli("explain", "checkout-saga@0.9.0", ".", cwd=versioned)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:2] == [
        f"Saga checkout-saga (Checkout Saga) v0.9.0  —  {CHECKOUT_FLOW}/versioned/0.9.0/index.mdx",
        "An older version: the latest is v1.0.0; the rules review only the latest.",
    ]
    assert lines[-1] == "Findings: none: the rules review only the latest version (v1.0.0)"


def test_an_unknown_version_is_exit_2_with_the_versions(versioned):
    proc = run_cli("explain", "checkout-saga@0.5.0", versioned)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "saga-lint: flow 'checkout-saga' has no version '0.5.0'; its versions: 0.9.0, 1.0.0\n"


def test_an_unknown_flow_with_a_version_is_exit_2():
    proc = run_cli("explain", "no-such-flow@1.0.0", OUR_CATALOG)
    assert proc.returncode == 2
    assert proc.stderr.startswith("saga-lint: flow 'no-such-flow' is no flow of the catalog; sagas here: ")
    assert "checkout-saga" in proc.stderr


# -- plurals ---------------------------------------------------------------------------------------------


def test_findings_counts_use_right_plurals():
    for _, _, _, text in _texts():
        line = next(x for x in text.splitlines() if x.startswith("Findings: "))
        assert not re.search(r"\b1 (errors|warnings)\b", line) and not re.search(r"\b([02-9]|\d\d+) (error|warning)\b", line)


def test_an_orchestrator_that_does_not_receive_a_reply_fails_that_attribute():
    """saga/orchestrator "does not receive the reply X" fails the attribute X belongs to: the success
    for the success reply, the failure for a failure event; not the step's other attributes."""
    broken = ROOT / "catalog-examples" / "broken-checkout"
    doc = json.loads(run_cli("explain", "checkout-saga", broken, "--format", "json").stdout)
    marks = {(s["id"], a): (v["mark"], v["failing"]) for s in doc["steps"] for a, v in s["attributes"].items()}
    assert marks[("reserve_stock", "failure")] == ("!", ["saga/orchestrator"])  # stock-unavailable not received
    assert marks[("capture_payment", "success")] == ("!", ["saga/orchestrator"])  # payment-captured not received
    assert marks[("authorize_card", "success")][1] == []  # its reply card-authorized is received


def test_text_paths_are_relative_to_the_working_directory(versioned, tmp_path):
    """#19: as ``check``'s text, ``explain``'s text names files from where saga-lint ran (so they
    are clickable there); its JSON keeps the catalog as base."""
    flow = f"{CHECKOUT_FLOW}/index.mdx"
    for cwd, shown in ((versioned, flow), (versioned.parent, f"{versioned.name}/{flow}"),
                       (versioned / "domains", flow.removeprefix("domains/")),
                       (tmp_path, os.path.relpath(versioned / flow, tmp_path))):
        proc = run_cli("explain", "checkout-saga", os.path.relpath(versioned, cwd), cwd=cwd)
        assert proc.returncode in (0, 1), proc.stderr
        assert proc.stdout.splitlines()[0].endswith(f"  —  {shown}"), (cwd, proc.stdout.splitlines()[0])
        evidence = [line for line in proc.stdout.splitlines() if " at " in line and ".mdx:" in line]
        assert any(f" at {shown}:" in line for line in evidence), evidence[:3]
    as_json = json.loads(run_cli("explain", "checkout-saga", versioned.name, "-f", "json", cwd=versioned.parent).stdout)
    assert as_json["flow"]["file"] == flow
