"""The saga model and the saga/* rules: each rule fails on a mutant of our catalog and passes on it.

Mutants are made by copying catalog/ and editing one page's frontmatter (parsed with PyYAML and
written back), so each test changes exactly one fact of a clean, fully annotated saga.
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from conftest import OUR_CATALOG, run_cli

FLOW = "domains/Ordering/systems/checkout-system/flows/CheckoutSaga/index.mdx"
ORCH = "domains/Ordering/systems/checkout-system/services/CheckoutOrchestrator/index.mdx"
INVENTORY = "domains/Fulfilment/systems/inventory-system/services/InventoryService/index.mdx"
PAYMENT = "domains/Payments/systems/payment-system/services/PaymentService/index.mdx"
ORDER_SVC = "domains/Ordering/systems/order-management-system/services/OrderService/index.mdx"
DOCS = "docs/flows/checkout-saga.mdx"


def _split(text):
    _, fm, body = text.split("---\n", 2)
    return yaml.safe_load(fm), body


def edit(root, rel, fn):
    path = root / rel
    data, body = _split(path.read_text("utf-8"))
    fn(data)
    path.write_text("---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True) + "---\n" + body, "utf-8")


@pytest.fixture
def cat(tmp_path):
    root = tmp_path / "catalog"
    shutil.copytree(OUR_CATALOG, root)
    return root


def saga_findings(root, rule=None):
    from saga_lint.pipeline import run_check

    out = [f for f in run_check(root).findings if f.rule.startswith("saga/")]
    return [f for f in out if rule is None or f.rule == rule]


def xsaga(data):
    return data["x-saga"]


def test_our_catalog_has_no_saga_findings():
    assert saga_findings(OUR_CATALOG) == []


def test_model_of_our_checkout_saga():
    from saga_lint.pipeline import run_check

    result = run_check(OUR_CATALOG)
    saga = next(s for s in result.sagas if s.id == "checkout-saga")
    assert [s.id for s in saga.steps] == ["reserve_inventory", "authorize_payment", "create_order"]
    assert [s.type for s in saga.steps] == ["compensatable", "compensatable", "pivot"]
    assert saga.orchestrator_id == "checkout-orchestrator"
    for step in saga.steps:
        assert {a: e.level for a, e in step.evidence.items()} == dict.fromkeys(
            ("owner", "success", "failure", "retry", "compensation", "status"), "structured"
        )
    assert saga.steps[0].retry.worst_case() == pytest.approx(6.6)
    assert saga.steps[0].participant.id == "inventory-service"


# --- saga/schema ------------------------------------------------------------------------------
def test_schema_unknown_field_and_unknown_step(cat):
    def fn(d):
        xsaga(d)["steps"]["reserve_inventory"]["retries"] = 3
        xsaga(d)["steps"]["ship_it"] = {"type": "retriable"}

    edit(cat, FLOW, fn)
    found = saga_findings(cat, "saga/schema")
    msgs = " ".join(f.message for f in found)
    assert "retries" in msgs and "ship_it" in msgs
    assert all(f.file == FLOW and f.line for f in found)
    assert {f.step for f in found} >= {"reserve_inventory", "ship_it"}


def test_schema_bad_duration(cat):
    edit(cat, FLOW, lambda d: xsaga(d).__setitem__("deadline", "soon"))
    assert any("deadline" in f.message for f in saga_findings(cat, "saga/schema"))


# --- saga/step-owner --------------------------------------------------------------------------
def test_step_owner_unknown_team(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["reserve_inventory"].__setitem__("owner", "nobody-team"))
    (f,) = saga_findings(cat, "saga/step-owner")
    assert f.step == "reserve_inventory" and "nobody-team" in f.message and f.file == FLOW


def test_step_owner_two_receivers(cat):
    edit(cat, PAYMENT, lambda d: d["receives"].append({"id": "reserve-inventory"}))
    found = saga_findings(cat, "saga/step-owner")
    assert any("2 services receive reserve-inventory" in f.message for f in found)


# --- saga/success-condition -------------------------------------------------------------------
def test_success_event_not_a_contract(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["reserve_inventory"].__setitem__("success", "stock-held"))
    found = saga_findings(cat, "saga/success-condition")
    assert any('"stock-held" is not an event contract' in f.message for f in found)


def test_success_event_not_sent_by_participant(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["reserve_inventory"].__setitem__("success", "payment-authorized"))
    found = saga_findings(cat, "saga/success-condition")
    assert any("not sent by the participant inventory-service" in f.message for f in found)


def test_success_missing(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["create_order"].pop("success"))
    # the participant's receives[].triggers still documents it: prose, a warning
    found = saga_findings(cat, "saga/success-condition")
    assert found and all(f.step == "create_order" for f in found)


# --- saga/failure-condition -------------------------------------------------------------------
def test_failure_event_not_sent(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["authorize_payment"]["failures"][0].__setitem__("event", "inventory-unavailable"))
    found = saga_findings(cat, "saga/failure-condition")
    assert any("not sent by the participant payment-service" in f.message for f in found)


def test_failure_path_skips_compensation(cat):
    def fn(d):
        for s in d["steps"]:
            if s["id"] == "authorize_payment":
                s["next_steps"] = [
                    {"id": "create_order", "label": "Authorized"},
                    {"id": "checkout_failed", "label": "Declined"},
                ]
        d["steps"].append({"id": "checkout_failed", "title": "Checkout failed",
                           "custom": {"title": "Failed", "type": "Exception"}})

    edit(cat, FLOW, fn)
    found = saga_findings(cat, "saga/failure-condition")
    assert any('failure path "Declined" goes to checkout_failed without compensation' in f.message
               and "reserve_inventory" in f.message for f in found)


# --- saga/retry-policy ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "retry, expected",
    [
        ({"maxAttempts": 0, "initialInterval": "200ms", "backoffCoefficient": 2, "maxInterval": "1s", "timeout": "2s"}, "must be >= 1"),
        ({"maxAttempts": 3, "initialInterval": "200ms", "backoffCoefficient": 0.5, "maxInterval": "1s", "timeout": "2s"}, "backoffCoefficient"),
        ({"maxAttempts": 3, "initialInterval": "2s", "backoffCoefficient": 2, "maxInterval": "1s", "timeout": "2s"}, "below initialInterval"),
        ({"maxAttempts": 3, "initialInterval": "200ms", "backoffCoefficient": 2, "maxInterval": "1s"}, "no per-attempt timeout"),
        ({"maxAttempts": 40, "initialInterval": "1s", "backoffCoefficient": 2, "maxInterval": "10s", "timeout": "5s"}, "exceeds the saga deadline"),
    ],
)
def test_retry_insane_values(cat, retry, expected):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["reserve_inventory"].__setitem__("retry", retry))
    found = saga_findings(cat, "saga/retry-policy")
    assert any(expected in f.message for f in found), [f.message for f in found]
    assert all(f.step == "reserve_inventory" for f in found)


def test_retry_exceeds_status_timeout(cat):
    def fn(d):
        xsaga(d)["statuses"]["PROCESSING"]["timeout"] = "5s"
    edit(cat, FLOW, fn)
    found = saga_findings(cat, "saga/retry-policy")
    assert any("timeout of status PROCESSING" in f.message for f in found)


def test_retry_missing(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["create_order"].pop("retry"))
    (f,) = saga_findings(cat, "saga/retry-policy")
    assert f.severity == "error" and f.step == "create_order" and "no retry policy" in f.message


def test_worst_case_schedule():
    from saga_lint.saga import RetryPolicy

    p = RetryPolicy.from_mapping({"maxAttempts": 5, "initialInterval": "500ms", "backoffCoefficient": 2,
                                  "maxInterval": "4s", "timeout": "3s"})
    assert p.backoff_schedule() == [0.5, 1.0, 2.0, 4.0]
    assert p.worst_case() == pytest.approx(22.5)


# --- saga/compensation ------------------------------------------------------------------------
def test_compensation_nobody_sends(cat):
    edit(cat, ORCH, lambda d: d.__setitem__("sends", [s for s in d["sends"] if s["id"] != "release-inventory"]))
    found = saga_findings(cat, "saga/compensation")
    assert any('"release-inventory" is not sent by the orchestrator' in f.message and "Nobody sends it" in f.message
               for f in found)


def test_compensation_missing_on_compensatable_step(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["authorize_payment"].pop("compensation"))
    found = saga_findings(cat, "saga/compensation")
    # the flow's Compensation node still says "void authorization": documented in prose only
    assert [(f.step, f.severity) for f in found] == [("authorize_payment", "warning")]
    assert "documented only in prose" in found[0].message


def test_compensation_missing_everywhere(cat):
    def fn(d):
        xsaga(d)["steps"]["authorize_payment"].pop("compensation")
        d["steps"] = [s for s in d["steps"] if not (isinstance(s.get("custom"), dict) and s["custom"].get("type") == "Compensation")]
        for s in d["steps"]:
            for key in ("next_steps",):
                if key in s:
                    s[key] = [n for n in s[key] if not str(n.get("id", n) if isinstance(n, dict) else n).startswith("compensat")]
    edit(cat, FLOW, fn)
    page = cat / DOCS
    page.write_text(page.read_text("utf-8").replace("## Compensation", "## Undo"), "utf-8")
    found = saga_findings(cat, "saga/compensation")
    assert any("compensatable step without compensation" in f.message and f.step == "authorize_payment"
               and f.severity == "error" for f in found), [f.message for f in found]


def test_compensation_without_retry_and_not_received(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["reserve_inventory"].__setitem__("compensation", {"command": "void-authorization"}))
    msgs = [f.message for f in saga_findings(cat, "saga/compensation")]
    assert any("no retry policy" in m for m in msgs)
    assert any("not received by the participant inventory-service" in m for m in msgs)


def test_compensation_none_rules(cat):
    def fn(d):
        xsaga(d)["steps"]["reserve_inventory"]["compensation"] = "none"
        xsaga(d)["steps"]["create_order"].pop("compensationNote")
    edit(cat, FLOW, fn)
    msgs = [f.message for f in saga_findings(cat, "saga/compensation")]
    assert any("none on a compensatable step" in m for m in msgs)
    assert any("needs a compensationNote" in m for m in msgs)


def test_compensation_not_a_command(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["reserve_inventory"]["compensation"].__setitem__("command", "inventory-released"))
    assert any("is a event, not a command" in f.message or "not a command" in f.message
               for f in saga_findings(cat, "saga/compensation"))


# --- saga/customer-status ---------------------------------------------------------------------
def test_status_rules(cat):
    def fn(d):
        x = xsaga(d)
        x["steps"]["reserve_inventory"]["status"] = "WAITING"
        x["steps"]["authorize_payment"]["failures"][0]["status"] = "PROCESSING"
        x["statuses"]["FAILED"] = {"terminal": True}
        x["statuses"]["PROCESSING"].pop("timeout")
        x.pop("onSuccess")
    edit(cat, FLOW, fn)
    msgs = [f.message for f in saga_findings(cat, "saga/customer-status")]
    assert any('"WAITING" is not declared' in m for m in msgs)
    assert any('"PROCESSING" ends a path of the saga but is not terminal' in m for m in msgs)
    assert any('"FAILED" has no text' in m for m in msgs)
    assert any('non-terminal status "PROCESSING" has no timeout' in m for m in msgs)
    assert any("onSuccess is missing" in m for m in msgs)


def test_status_missing_on_step(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["create_order"].pop("status"))
    (f,) = saga_findings(cat, "saga/customer-status")
    # the docs page's "Customer status" column still names it: prose evidence, a warning
    assert f.step == "create_order" and f.severity == "warning" and "documented only in prose" in f.message
    page = cat / DOCS
    page.write_text(page.read_text("utf-8").replace("| Customer status |", "| Notes |"), "utf-8")
    (f,) = saga_findings(cat, "saga/customer-status")
    assert f.step == "create_order" and f.severity == "error" and "no customer-visible status" in f.message


# --- saga/pivot -------------------------------------------------------------------------------
def test_two_pivots(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["authorize_payment"].__setitem__("type", "pivot"))
    found = saga_findings(cat, "saga/pivot")
    assert any("exactly one pivot" in f.message and "2" in f.message for f in found)


def test_compensatable_and_business_failure_after_pivot(cat):
    def fn(d):
        x = xsaga(d)
        x["steps"]["reserve_inventory"]["type"] = "pivot"
        x["steps"]["reserve_inventory"]["compensation"] = "none"
        x["steps"]["reserve_inventory"]["compensationNote"] = "test"
    edit(cat, FLOW, fn)
    msgs = [f.message for f in saga_findings(cat, "saga/pivot")]
    assert any("authorize_payment is compensatable but comes after the pivot" in m for m in msgs)
    assert any("authorize_payment comes after the pivot reserve_inventory but can fail for business reasons" in m for m in msgs)


# --- saga/outcome -----------------------------------------------------------------------------
def test_outcome_not_written_by_pivot(cat):
    edit(cat, ORDER_SVC, lambda d: d.pop("writesTo"))
    found = saga_findings(cat, "saga/outcome")
    assert any('"order-database" is not written by order-service' in f.message for f in found)


def test_outcome_missing(cat):
    edit(cat, FLOW, lambda d: xsaga(d).pop("outcome"))
    found = saga_findings(cat, "saga/outcome")
    assert found and all(f.rule == "saga/outcome" for f in found)


# --- saga/orchestrator ------------------------------------------------------------------------
def test_orchestrator_does_not_receive_replies(cat):
    edit(cat, ORCH, lambda d: d.__setitem__("receives", [r for r in d["receives"] if r["id"] != "inventory-reserved"]))
    (f,) = saga_findings(cat, "saga/orchestrator")
    assert f.step == "reserve_inventory" and "inventory-reserved" in f.message


def test_orchestrator_does_not_send_command(cat):
    edit(cat, ORCH, lambda d: d.__setitem__("sends", [r for r in d["sends"] if r["id"] != "create-order"]))
    found = saga_findings(cat, "saga/orchestrator")
    assert any("does not send create-order" in f.message for f in found)


# --- saga/docs-drift --------------------------------------------------------------------------
def test_docs_drift(cat):
    page = cat / DOCS
    text = page.read_text("utf-8").replace("[[command\\|reserve-inventory]]", "[[command\\|reserve-stock]]")
    text = text.replace("[[team\\|payments-platform]]", "[[team\\|ordering-platform]]")
    page.write_text(text, "utf-8")
    found = saga_findings(cat, "saga/docs-drift")
    msgs = [f.message for f in found]
    assert any("missing from the" in m and "reserve_inventory" in m for m in msgs) or any("reserve-stock" in m for m in msgs)
    assert any("ordering-platform as owner of authorize_payment" in m for m in msgs)
    assert all(f.file == DOCS and f.severity == "warning" for f in found)


def test_docs_drift_accepts_the_system_whose_folder_encloses_the_participant(cat):
    # the system no longer lists the service (no "contains" edge): only its folder encloses it
    edit(cat, "domains/Payments/systems/payment-system/index.mdx", lambda d: d.pop("services"))
    page = cat / DOCS
    text = page.read_text("utf-8")
    page.write_text(text.replace("[[team\\|payments-platform]]", "[[system\\|payment-system]]"), "utf-8")
    assert not [f for f in saga_findings(cat, "saga/docs-drift") if "as owner of authorize_payment" in f.message]
    # a system that does not enclose it is still reported
    page.write_text(text.replace("[[team\\|payments-platform]]", "[[system\\|checkout-system]]"), "utf-8")
    found = [f for f in saga_findings(cat, "saga/docs-drift") if "as owner of authorize_payment" in f.message]
    assert found and "checkout-system" in found[0].message


# --- the real corpus: a plain EventCatalog flow -----------------------------------------------
def test_explain_corpus_checkout_saga(corpus):
    proc = run_cli("explain", "checkout-saga", corpus, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    steps = {s["id"]: s for s in doc["steps"]}
    assert list(steps) == ["reserve_inventory", "authorize_payment", "create_order"]
    owners = {sid: s["attributes"]["owner"] for sid, s in steps.items()}
    assert owners["reserve_inventory"]["value"] == ["fulfilment-platform"]
    assert owners["authorize_payment"]["value"] == ["payments-platform"]
    assert owners["create_order"]["value"] == ["ordering-platform"]
    assert all(o["level"] == "structured" for o in owners.values())
    by_step = {}
    for f in doc["findings"]:
        assert f["resource"]["type"] == "flow" and f["resource"]["id"] == "checkout-saga"
        by_step.setdefault(f["step"], set()).add((f["rule"], f["severity"]))
    assert not any(r == "saga/step-owner" for s in by_step.values() for r, _ in s)
    for sid in steps:
        assert ("saga/retry-policy", "error") in by_step[sid]
        assert ("saga/customer-status", "error") in by_step[sid]
    # release-inventory exists and inventory-service receives it, but nobody sends it
    rel = [f for f in doc["findings"] if f["step"] == "reserve_inventory" and f["rule"] == "saga/compensation"
           and f["severity"] == "error"]
    assert rel and "release-inventory" in rel[0]["message"] and "Nobody sends it" in rel[0]["message"]
    # "void authorization" is prose only: no command contract
    assert ("saga/compensation", "error") in by_step["authorize_payment"]
    # what happens if the order cannot be created after payment was authorized?
    assert ("saga/failure-condition", "error") in by_step["create_order"]
    # the orchestrator declares no replies
    assert ("saga/orchestrator", "error") in by_step["reserve_inventory"]
    assert ("saga/pivot", "warning") in by_step["create_order"]


def test_explain_text_matrix(corpus):
    proc = run_cli("explain", "checkout-saga", corpus)
    assert "reserve_inventory" in proc.stdout and "✓ fulfilment-platform" in proc.stdout
    assert "✗" in proc.stdout and "~" in proc.stdout


def test_explain_unknown_flow_exit_2():
    proc = run_cli("explain", "no-such-flow", OUR_CATALOG)
    assert proc.returncode == 2 and "no flow" in proc.stderr


def test_json_output_carries_step_for_every_saga_finding(corpus):
    proc = run_cli("check", corpus, "--format", "json")
    doc = json.loads(proc.stdout)
    saga_f = [f for f in doc["findings"] if f["rule"].startswith("saga/")]
    assert saga_f
    for f in saga_f:
        assert f["resource"]["type"] == "flow"
        if f["rule"] not in ("saga/outcome", "saga/schema") and "step" in f["message"][:5]:
            assert f["step"]


def test_plain_journey_flow_is_not_a_saga(corpus):
    from saga_lint.pipeline import run_check

    ids = {s.id for s in run_check(corpus).sagas}
    assert "checkout-saga" in ids
    assert not any("place" in i.lower() for i in ids)
