"""Our own example catalog (catalog/, "Acme checkout") is the demo for every command: it must be clean."""

from __future__ import annotations

import json
import re

import pytest
from conftest import OUR_CATALOG, run_cli

# every resource page written in catalog/ (order-created has 1.0.0 and versioned/0.9.0)
EXPECTED_COUNTS = {
    "events": 14, "commands": 5, "queries": 0, "services": 6, "domains": 4, "systems": 5, "flows": 2,
    "channels": 3, "entities": 0, "containers": 2, "adrs": 0, "agents": 0, "data-products": 0,
    "diagrams": 0, "teams": 4, "users": 2,
}
SAGA_STEPS = ["reserve_inventory", "authorize_payment", "create_order"]


@pytest.fixture(scope="module")
def check_doc():
    proc = run_cli("check", OUR_CATALOG, "--format", "json")
    return proc.returncode, json.loads(proc.stdout), proc.stderr


@pytest.fixture(scope="module")
def catalog():
    from saga_lint.catalog import load_catalog

    return load_catalog(OUR_CATALOG)


@pytest.fixture(scope="module")
def saga_flow(catalog):
    flows = [r for r in catalog.resources if r.type == "flow" and r.id == "checkout-saga"]
    assert len(flows) == 1
    return flows[0]


def test_check_is_clean(check_doc):
    rc, doc, stderr = check_doc
    assert rc == 0, stderr
    assert doc["findings"] == []
    s = doc["summary"]
    assert (s["errors"], s["warnings"], s["infos"]) == (0, 0, 0)


def test_check_is_clean_under_strict_ruleset(tmp_path):
    cfg = tmp_path / "strict.yaml"
    cfg.write_text("extends: strict\nfail-on: info\n", encoding="utf-8")
    proc = run_cli("check", OUR_CATALOG, "--format", "json", "--config", cfg)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["findings"] == []


def test_summary_counts_every_resource_we_wrote(check_doc):
    _, doc, _ = check_doc
    counts = doc["summary"]["resources"]
    assert {k: counts.get(k) for k in EXPECTED_COUNTS} == EXPECTED_COUNTS
    assert sum(counts.values()) == sum(EXPECTED_COUNTS.values()) == 47


def test_checkout_saga_has_x_saga_with_three_steps(saga_flow):
    xs = saga_flow.data.get("x-saga")
    assert isinstance(xs, dict)
    assert isinstance(xs.get("steps"), dict)
    assert list(xs["steps"]) == SAGA_STEPS
    assert [xs["steps"][s]["type"] for s in SAGA_STEPS] == ["compensatable", "compensatable", "pivot"]
    assert xs["orchestrator"] == "checkout-orchestrator"
    assert xs["outcome"] == {"container": "order-database", "event": "order-created"}
    # the x-saga steps are the flow's command steps, in flow order
    msg_steps = [str(s["id"]) for s in saga_flow.data["steps"] if isinstance(s.get("message"), dict)]
    assert [s for s in msg_steps if s in xs["steps"]] == SAGA_STEPS


def _seconds(text: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
    assert m, text
    return float(m[1]) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m[2]]


def _worst_case(retry: dict) -> float:
    """Every attempt times out; waits between attempts grow by the coefficient, capped by maxInterval."""
    total, wait = 0.0, _seconds(retry["initialInterval"])
    for attempt in range(retry["maxAttempts"]):
        total += _seconds(retry["timeout"])
        if attempt < retry["maxAttempts"] - 1:
            total += min(wait, _seconds(retry["maxInterval"]))
            wait *= retry["backoffCoefficient"]
    return total


def test_retry_budget_fits_deadline_and_processing_timeout(saga_flow):
    xs = saga_flow.data["x-saga"]
    forward = [_worst_case(xs["steps"][s]["retry"]) for s in SAGA_STEPS]
    assert forward == pytest.approx([6.6, 16.5, 22.5])
    comps = [_worst_case(st["compensation"]["retry"]) for st in xs["steps"].values() if isinstance(st["compensation"], dict)]
    worst = sum(forward) + sum(comps)
    assert worst == pytest.approx(90.6)
    assert worst <= _seconds(xs["deadline"])
    for name, status in xs["statuses"].items():
        if not status["terminal"]:
            assert worst <= _seconds(status["timeout"]), name


def test_every_message_is_sent_and_received_by_a_service(catalog):
    sent, received = set(), set()
    for svc in catalog.resources:
        if svc.type == "service":
            sent |= {m["id"] for m in svc.data.get("sends", [])}
            received |= {m["id"] for m in svc.data.get("receives", [])}
    messages = {r.id for r in catalog.resources if r.type in ("event", "command")}
    assert messages <= sent
    assert messages <= received


def test_docs_saga_table_matches_the_flow(catalog, saga_flow):
    page = next(p for p in catalog.pages if p.type == "doc" and p.file == "docs/flows/checkout-saga.mdx")
    doc = page.body_doc
    assert doc.section("Success condition") and doc.section("Compensation")
    tables = [t for t in doc.tables if t.section == "Saga steps"]
    assert len(tables) == 1
    header = tables[0].header
    assert header == ["Step", "Command", "Owner", "Success", "Failure", "Compensation", "Customer status"]
    xs = saga_flow.data["x-saga"]
    flow_commands = {str(s["id"]): s["message"]["id"] for s in saga_flow.data["steps"] if isinstance(s.get("message"), dict)}
    rows = [dict(zip(header, cells, strict=True)) for _, cells in tables[0].rows]
    assert len(rows) == len(SAGA_STEPS)
    for sid, row in zip(SAGA_STEPS, rows, strict=True):
        step = xs["steps"][sid]
        assert row["Command"] == f"[[command|{flow_commands[sid]}]]"
        assert row["Success"] == f"[[event|{step['success']}]]"
        assert row["Customer status"] == step["status"]
        comp = step["compensation"]
        if isinstance(comp, dict):
            assert row["Compensation"] == f"[[command|{comp['command']}]]"
        else:
            assert row["Compensation"].startswith("none")
        for failure in step["failures"]:
            assert failure["status"] in row["Failure"]


# --- order-fulfilment: the declared choreography ---------------------------------------------------

CHOREOGRAPHY_STEPS = ["capture_payment", "dispatch_shipment"]


def test_order_fulfilment_is_a_fully_declared_choreography():
    """explain shows it as a choreography, every attribute of every step structured (✓)."""
    proc = run_cli("explain", "order-fulfilment", OUR_CATALOG, "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["coordination"]["style"] == "choreography" and doc["coordination"]["evidence"]["level"] == "structured"
    assert doc["correlation"] == "orderId"
    assert doc["findings"] == []
    assert [s["id"] for s in doc["steps"]] == CHOREOGRAPHY_STEPS
    assert [(s["trigger"], s["participant"]) for s in doc["steps"]] == [
        ({"kind": "event", "message": "order-created"}, "payment-service"),
        ({"kind": "event", "message": "payment-captured"}, "shipping-service")]
    for step in doc["steps"]:
        levels = {name: a["level"] for name, a in step["attributes"].items()}
        assert levels == dict.fromkeys(("owner", "success", "failure", "retry", "compensation", "status"), "structured")
    undo = doc["steps"][0]["attributes"]["compensation"]
    assert undo["value"] == "payment-refunded on shipment-failed" and undo["note"] == "x-saga compensation"
    text = run_cli("explain", "order-fulfilment", OUR_CATALOG).stdout
    assert "Coordination: choreography (✓ x-saga.coordination)" in text


def test_order_fulfilment_redelivery_budget_fits_deadline(catalog):
    flow = next(r for r in catalog.resources if r.type == "flow" and r.id == "order-fulfilment")
    xs = flow.data["x-saga"]
    assert xs["coordination"] == "choreography" and xs["correlation"] == "orderId"
    assert list(xs["steps"]) == CHOREOGRAPHY_STEPS
    forward = [_worst_case(xs["steps"][s]["retry"]) for s in CHOREOGRAPHY_STEPS]
    refund = _worst_case(xs["steps"]["capture_payment"]["compensation"]["retry"])
    assert forward == pytest.approx([65, 165]) and refund == pytest.approx(171)
    assert sum(forward) + refund <= _seconds(xs["deadline"]) == _seconds(xs["statuses"]["PREPARING"]["timeout"])
    assert xs["steps"]["capture_payment"]["compensation"]["idempotent"] is True
