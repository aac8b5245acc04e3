"""catalog-examples/broken-checkout: the deliberately broken saga finds exactly its defects."""

from __future__ import annotations

from conftest import ROOT, check_json, run_cli

BROKEN = ROOT / "catalog-examples" / "broken-checkout"

EXPECTED = {
    ("saga/orchestrator", "reserve_stock"),
    ("saga/orchestrator", "authorize_card"),
    ("saga/orchestrator", "capture_payment"),
    ("saga/customer-status", None),  # onCompensationFailure missing; PROCESSING without timeout
    ("saga/outcome", None),
    ("saga/pivot", "capture_payment"),  # two pivots; business failure after the pivot
    ("saga/retry-policy", "reserve_stock"),  # 40s worst case > 30s deadline
    ("saga/compensation", "reserve_stock"),  # nobody sends release-stock; no retry
    ("saga/compensation", "authorize_card"),  # pivot without compensation: none
    ("saga/compensation", "capture_payment"),  # none without a note
    ("saga/docs-drift", "capture_payment"),
    ("saga/docs-drift", None),  # the table lists a step the flow does not have
    ("saga/map-agreement", "capture_payment"),  # declares card-declined; the map draws no failure branch
}


def test_broken_example_finds_exactly_its_defects():
    doc = check_json(BROKEN)
    got = {(f["rule"], f["step"]) for f in doc["findings"]}
    assert got == EXPECTED
    assert doc["summary"]["errors"] == 13


def test_broken_example_exit_code_and_explain():
    assert run_cli("check", BROKEN).returncode == 1
    proc = run_cli("explain", "checkout-saga", BROKEN)
    assert proc.returncode == 1
    assert "reserve_stock" in proc.stdout and "Nobody sends it" in proc.stdout


def test_explain_survives_a_non_utf8_folder_name(tmp_path):
    """Catalog file names that are not UTF-8 never make printing fail (exit 2)."""
    import os
    import shutil

    root = tmp_path / "cat"
    shutil.copytree(BROKEN, root)
    os.rename(root / "flows" / "Checkout", os.path.join(os.fsencode(root / "flows"), b"\xffCheckout"))
    proc = run_cli("explain", "checkout-saga", root)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "reserve_stock" in proc.stdout
