"""``saga-lint fix`` (saga_lint.fixer, #19) on a copy of the corpus's CheckoutSaga: the written
block validates against the x-saga schema, the rest of the page is byte-identical, a second run
changes nothing, ``explain`` then shows ✓ where the inference was sure and the open questions stay
findings."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from conftest import ROOT, run_cli

FLOW = "domains/Ordering/systems/checkout-system/flows/CheckoutSaga/index.mdx"
CANCEL = "domains/Ordering/systems/order-management-system/flows/OrderCancellation/index.mdx"
JOURNEY = "domains/Ordering/flows/PlaceAnOrder/index.mdx"

BLOCK = """\
x-saga:
  # written by `saga-lint fix` from the catalog; a value marked `confirm` comes from prose or
  # from inference: check it, then delete the mark
  orchestrator: checkout-orchestrator
  outcome:  # confirm: from prose ("Success condition" section of docs/flows/02-checkout-saga.mdx)
    container: order-database
    event: order-created
  steps:
    reserve_inventory:
      type: compensatable  # confirm: from the step's place in the flow
      owner: fulfilment-platform
      success: inventory-reserved
      failures:
        - event: inventory-unavailable
      compensation:  # confirm: from prose (Compensation node "compensate_release" says "Compensate and abort A ste…)
        command: release-inventory
      # open: retry, status (see saga-lint explain)
    authorize_payment:
      type: compensatable  # confirm: from the step's place in the flow
      owner: payments-platform
      # open: success, failure, retry, compensation, status (see saga-lint explain)
    create_order:
      type: pivot  # confirm: from the step's place in the flow
      owner: ordering-platform
      success: order-created
      # open: failure, retry, compensation, status (see saga-lint explain)
"""


@pytest.fixture
def cat(corpus, tmp_path):
    dest = tmp_path / "ec"
    shutil.copytree(corpus, dest)
    return dest


def frontmatter(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def validate(block: dict) -> list[str]:
    import jsonschema

    schema = json.loads((ROOT / "src" / "saga_lint" / "saga" / "x-saga.schema.json").read_text("utf-8"))
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(block)]


def test_fix_writes_a_valid_block_and_nothing_else(cat, corpus):
    before = (corpus / FLOW).read_bytes()
    proc = run_cli("fix", cat)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"saga-lint: {cat}/{JOURNEY}: unchanged: repeats the steps of saga checkout-saga: fix that one",
        f"saga-lint: {cat}/{FLOW}: wrote the x-saga block of checkout-saga; 5 values marked '# confirm' for review",
        f"saga-lint: {cat}/{CANCEL}: wrote the x-saga block of order-cancellation; 2 values marked '# confirm' for review",
    ]
    after = (cat / FLOW).read_bytes()
    assert BLOCK.encode() in after
    assert after.replace(BLOCK.encode(), b"", 1) == before  # every other byte as it was
    assert after.index(BLOCK.encode()) + len(BLOCK.encode()) == after.index(b"---\n\n## Overview")  # before the closing ---
    block = frontmatter(after.decode())["x-saga"]
    assert validate(block) == []
    assert {k: v for k, v in frontmatter(after.decode()).items() if k != "x-saga"} == frontmatter(before.decode())
    assert validate(frontmatter((cat / CANCEL).read_text("utf-8"))["x-saga"]) == []
    untouched = [p for p in corpus.rglob("*") if p.is_file() and p.relative_to(corpus).as_posix() not in (FLOW, CANCEL)]
    assert all((cat / p.relative_to(corpus)).read_bytes() == p.read_bytes() for p in untouched)


def test_second_run_changes_nothing_and_force_gives_the_same_block(cat):
    assert run_cli("fix", cat).returncode == 0
    first = {p: (cat / p).read_bytes() for p in (FLOW, CANCEL)}
    proc = run_cli("fix", cat)
    assert proc.returncode == 0
    assert f"saga-lint: {cat}/{FLOW}: unchanged: has an x-saga block already (--force to replace it)" in proc.stderr
    assert {p: (cat / p).read_bytes() for p in first} == first
    proc = run_cli("fix", cat, "--force")
    assert proc.returncode == 0, proc.stderr
    assert {p: (cat / p).read_bytes() for p in first} == first  # replaced by the same inference


def test_explain_shows_structured_where_sure_and_keeps_open_questions(cat):
    assert run_cli("fix", cat / FLOW).returncode == 0
    proc = run_cli("explain", "checkout-saga", cat)
    assert proc.returncode in (0, 1), proc.stderr
    rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line.startswith(("reserve_", "authorize_", "create_"))}
    # declared now (✓), except where a check still fails (!): the corpus's orchestrator does not
    # receive inventory-reserved or order-created (saga/orchestrator), an open question the block keeps
    assert "✓ fulfilment-platform  ! inventory-reserved" in rows["reserve_inventory"]
    assert "✓ ordering-platform    ! order-created" in rows["create_order"]
    assert ("saga/orchestrator", "create_order") in {
        (f["rule"], f["step"]) for f in json.loads(run_cli("check", cat, "--format", "json").stdout)["findings"]}
    assert "~ Declined" in rows["authorize_payment"]  # prose only: not written, still prose
    check = run_cli("check", cat, "--format", "json", "--select", "saga/*")
    found = {(f["rule"], f["step"]) for f in json.loads(check.stdout)["findings"] if f["file"] == FLOW}
    assert ("saga/schema", None) not in found
    for open_question in [("saga/retry-policy", "create_order"), ("saga/failure-condition", "create_order"),
                          ("saga/customer-status", None), ("saga/compensation", "reserve_inventory")]:
        assert open_question in found, open_question


def test_diff_shows_and_writes_nothing(cat, corpus):
    proc = run_cli("fix", cat, "--flow", "checkout-saga", "--diff")
    assert proc.returncode == 1
    assert proc.stdout.startswith(f"--- a/{cat}/{FLOW}\n+++ b/{cat}/{FLOW}\n@@ -84,6 +84,32 @@\n")
    added = [line[1:] for line in proc.stdout.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert "\n".join(added) + "\n" == BLOCK
    assert (cat / FLOW).read_bytes() == (corpus / FLOW).read_bytes()
    assert run_cli("fix", cat, "--flow", "checkout-saga").returncode == 0
    proc = run_cli("fix", cat, "--flow", "checkout-saga", "--diff")
    assert (proc.returncode, proc.stdout) == (0, "")


def test_a_flow_page_as_path_fixes_that_flow_only(cat, corpus):
    proc = run_cli("fix", cat / CANCEL)
    assert proc.returncode == 0, proc.stderr
    assert (cat / FLOW).read_bytes() == (corpus / FLOW).read_bytes()
    assert b"x-saga:" in (cat / CANCEL).read_bytes()


def test_crlf_pages_keep_their_line_endings(cat, corpus):
    original = (corpus / FLOW).read_bytes().replace(b"\n", b"\r\n")
    (cat / FLOW).write_bytes(original)
    assert run_cli("fix", cat, "--flow", "checkout-saga").returncode == 0
    after = (cat / FLOW).read_bytes()
    crlf_block = BLOCK.replace("\n", "\r\n").encode()
    assert after.replace(crlf_block, b"", 1) == original


def test_flows_that_are_no_saga_and_existing_blocks(cat):
    flows = sorted(p for p in cat.rglob("index.mdx") if "/flows/" in p.as_posix())
    plain = next(p for p in flows if p.relative_to(cat).as_posix() not in (FLOW, CANCEL, JOURNEY))
    flow_id = frontmatter(plain.read_text("utf-8"))["id"]
    proc = run_cli("fix", cat, "--flow", flow_id)
    assert proc.returncode == 0
    assert proc.stderr.startswith(f"saga-lint: {plain.relative_to(cat).as_posix()}: flow {flow_id} is not read as a saga: ")
    ours = ROOT / "catalog"
    proc = run_cli("fix", ours, "--diff")
    assert proc.returncode == 0 and proc.stdout == ""
    assert "has an x-saga block already (--force to replace it)" in proc.stderr


def test_check_fix_is_fix_then_check(cat, corpus, tmp_path):
    """``check --fix`` writes what ``fix`` writes, reports only the pages written (on stderr), then
    prints what ``check`` prints on the fixed catalog and exits as it does; a second run writes
    nothing and prints the same."""
    other = tmp_path / "ec2"
    shutil.copytree(corpus, other)
    assert run_cli("fix", other).returncode == 0
    expected = run_cli("check", other, "--format", "json")
    proc = run_cli("check", cat, "--fix", "--format", "json")
    assert proc.stderr.splitlines() == [
        f"saga-lint: {cat}/{FLOW}: wrote the x-saga block of checkout-saga; 5 values marked '# confirm' for review",
        f"saga-lint: {cat}/{CANCEL}: wrote the x-saga block of order-cancellation; 2 values marked '# confirm' for review",
    ]
    assert (proc.returncode, proc.stdout) == (expected.returncode, expected.stdout)
    assert [(cat / p).read_bytes() for p in (FLOW, CANCEL)] == [(other / p).read_bytes() for p in (FLOW, CANCEL)]
    assert BLOCK.encode() in (cat / FLOW).read_bytes()
    again = run_cli("check", cat, "--fix", "--format", "json")
    assert (again.returncode, again.stdout, again.stderr) == (expected.returncode, expected.stdout, "")
    text = run_cli("check", "ec", "--fix", "--select", "saga/*", cwd=tmp_path)
    assert text.stdout == run_cli("check", "ec", "--select", "saga/*", cwd=tmp_path).stdout and text.stderr == ""


def test_check_fix_writes_nothing_where_every_saga_has_a_block_or_on_show_config(cat, corpus, tmp_path):
    ours = tmp_path / "ours"
    shutil.copytree(ROOT / "catalog", ours)
    proc = run_cli("check", ours, "--fix")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == run_cli("check", ours).stdout
    shown = run_cli("check", cat, "--fix", "--show-config")
    assert shown.returncode == 0
    assert (cat / FLOW).read_bytes() == (corpus / FLOW).read_bytes()  # --show-config only shows


def test_remove_block_keeps_what_follows():
    from saga_lint.fixer import insert_block, remove_block

    text = "---\nid: a\nx-saga:\n  steps: {}\n\n# about b\nb: 1\n---\nbody\n"
    assert remove_block(text, "f") == "---\nid: a\n\n# about b\nb: 1\n---\nbody\n"
    assert insert_block("---\nid: a\n---\n", ["x-saga:", "  steps: {}"], "f") == "---\nid: a\nx-saga:\n  steps: {}\n---\n"
    from saga_lint.fixer import FixError

    with pytest.raises(FixError, match="no frontmatter"):
        remove_block("no frontmatter", "f")
    with pytest.raises(FixError, match="not closed"):
        insert_block("---\nid: a\n", [], "f")


def test_check_fix_on_a_saga_page_with_blank_lines_before_its_frontmatter(cat, tmp_path):
    """EventCatalog's build (and the loader) take blank lines before the opening ``---``: such a
    saga flow gets its block as any other, and ``check --fix`` does not stop with exit 2."""
    page = cat / FLOW
    page.write_bytes(b"\n\n" + page.read_bytes())
    proc = run_cli("check", cat, "--fix", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    text = page.read_text("utf-8")
    assert text.startswith("\n\n---\n") and BLOCK in text
    assert validate(yaml.safe_load(text.split("---\n", 2)[1])["x-saga"]) == []


def test_check_fix_uses_the_config_the_check_uses(cat, tmp_path):
    """``check --config FILE --fix``: a flow FILE's ``sagas:`` names is a saga for the check, so
    the fix writes its block too (it read the catalog's own config, and left the flow without one)."""
    config = tmp_path / "ci.yaml"
    config.write_text("sagas: [review-submission]\n", encoding="utf-8")
    page = "domains/Reviews/flows/review-submission/index.mdx"
    proc = run_cli("check", cat, "--config", config, "--fix", "--select", "saga/*", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert "x-saga:" in (cat / page).read_text("utf-8")
    assert f"{cat}/{page}: wrote the x-saga block of review-submission" in proc.stderr


def _plain_choreography(tmp_path, receives_the_failure: bool):
    """catalog-examples/broken-choreography without its x-saga block (a plain choreography whose
    Compensation node is drawn after payment-declined); its inventory service receiving
    payment-declined or not."""
    dest = tmp_path / "choreo"
    shutil.copytree(ROOT / "catalog-examples" / "broken-choreography", dest)
    flow = dest / "flows" / "PlaceOrder" / "index.mdx"
    text = flow.read_text("utf-8")
    start = text.index("x-saga:")
    flow.write_text(text[:start] + text[text.index("\n---\n", start) + 1:], "utf-8")
    if receives_the_failure:
        inventory = dest / "services" / "InventoryService" / "index.mdx"
        inventory.write_text(inventory.read_text("utf-8").replace("  - id: release-inventory\n",
                                                                  "  - id: release-inventory\n  - id: payment-declined\n"))
    return dest, flow


def test_fix_writes_the_event_a_choreographed_undo_starts_on(tmp_path):
    """The undo of a choreographed step runs on an event (compensation.on): drawn before the
    Compensation node, it is written with the command, marked for confirmation; the check then
    does not ask who sends the command (there is no orchestrator to send it)."""
    dest, flow = _plain_choreography(tmp_path, receives_the_failure=False)
    assert run_cli("fix", dest).returncode == 0
    steps = frontmatter(flow.read_text("utf-8"))["x-saga"]["steps"]
    undo = next(s["compensation"] for s in steps.values() if isinstance(s.get("compensation"), dict))
    assert undo == {"on": "payment-declined", "command": "release-inventory"}
    assert '"on": payment-declined  # confirm: drawn before the Compensation node' in flow.read_text("utf-8")
    assert validate(frontmatter(flow.read_text("utf-8"))["x-saga"]) == []
    checked = json.loads(run_cli("check", dest, "-f", "json").stdout)["findings"]
    assert not [f for f in checked if f["rule"] == "saga/compensation" and "sent by nobody" in f["message"]]


def test_fix_names_the_event_of_an_undo_it_cannot_write(tmp_path):
    """Known only from the contracts (the participant receives a later step's failure event), the
    undo has no command to write: the open note names the event."""
    dest, flow = _plain_choreography(tmp_path, receives_the_failure=True)
    assert run_cli("fix", dest).returncode == 0
    text = flow.read_text("utf-8")
    assert "compensation (it undoes on payment-declined: add the command it runs or the event it publishes)" in text
    assert validate(frontmatter(text)["x-saga"]) == []
