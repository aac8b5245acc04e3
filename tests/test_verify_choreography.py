"""saga-lint verify / run on choreographies: participants as event consumers, on SQLite and PostgreSQL.

Our catalog's order-fulfilment saga is a declared choreography (payment-service captures on
order-created, shipping-service dispatches on payment-captured, payment-service refunds on
shipment-failed). Each scenario's outcome is asserted exactly on the store's data; a deliberately
broken participant (a compensation consumer that does not deduplicate) and a status service that
trusts the order of its events are caught; catalog-examples/broken-choreography's gap is found.
PostgreSQL runs read SAGA_LINT_TEST_PG (see tests/test_verify.py) and skip with the reason without it.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
from conftest import OUR_CATALOG, ROOT, run_cli
from test_verify import pg_url_or_skip

FLOW = "order-fulfilment"
BROKEN = str(ROOT / "catalog-examples" / "broken-choreography")
CP, DS = "capture_payment", "dispatch_shipment"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> str:
    """Every store test runs on SQLite and on PostgreSQL (the session's own schema, as in test_verify.py)."""
    return "sqlite://" if request.param == "sqlite" else pg_url_or_skip()


@pytest.fixture
def store(db_url):
    from saga_lint.orchestrator.store import Store

    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def fulfilment():
    from saga_lint.pipeline import run_check

    return {s.id: s for s in run_check(OUR_CATALOG).sagas}[FLOW]


def run_one(store, saga, text, **opts):
    """One scenario on the choreography engine, with its violations (a crash run against its base run)."""
    from saga_lint.orchestrator import choreo_scenarios
    from saga_lint.orchestrator.invariants import check
    from saga_lint.orchestrator.scenarios import parse
    from saga_lint.orchestrator.verify import run_choreography

    sc = parse(text, saga)
    ref = run_choreography(store, saga, sc.base(), f"c-{uuid.uuid4().hex}", **opts).snap if sc.crash_after else None
    res = run_choreography(store, saga, sc, f"c-{uuid.uuid4().hex}", **opts)
    return res, check(saga, sc, choreo_scenarios.expected(saga, sc), res.snap, ref)


# --- what our choreography is run under ------------------------------------------------------------


def test_the_base_scenarios_of_our_choreography(fulfilment):
    from saga_lint.orchestrator.choreo_scenarios import base_scenarios

    assert [b.name for b in base_scenarios(fulfilment)] == [
        "ok",
        "capture_payment=payment-capture-failed", *(f"capture_payment=transient:{k}" for k in (1, 2, 3, 4)),
        "capture_payment=exhaust", "capture_payment=duplicate",
        "dispatch_shipment=shipment-failed", *(f"dispatch_shipment=transient:{k}" for k in (1, 2, 3, 4)),
        "dispatch_shipment=exhaust", "dispatch_shipment=duplicate",
        "dispatch_shipment=shipment-failed, capture_payment.compensation=transient:1",
        "dispatch_shipment=shipment-failed, capture_payment.compensation=fail",
        "capture_payment=late-duplicate, dispatch_shipment=shipment-failed",
        "dispatch_shipment=exhaust, capture_payment.compensation=transient:1",
        "dispatch_shipment=exhaust, capture_payment.compensation=fail",
    ]


def test_our_choreography_passes_every_scenario(store, fulfilment):
    from saga_lint.orchestrator.verify import verify_saga

    report = verify_saga(store, fulfilment)
    assert report.violations == [] and report.notes == [] and report.not_verified is None
    # 20 base runs; each with a crash before and after each of its consumes, duplicated, reordered
    assert report.scenarios == 144 and report.coordination == "choreography"


# --- each scenario's exact outcome, on the store's data ----------------------------------------------

DONE = [("do", CP), ("do", DS)]
UNDONE = [("do", CP), ("undo", CP)]
# scenario -> (state, status, status timeline, effects journal, holds, outcome records, virtual end time)
OUTCOMES = {
    "ok": ("completed", "SHIPPED", ["PREPARING", "SHIPPED"], DONE, {CP: "open", DS: "open"}, 1, 0),
    "capture_payment=payment-capture-failed": ("compensated", "PAYMENT_FAILED", ["PREPARING", "PAYMENT_FAILED"], [], {}, 0, 0),
    "capture_payment=transient:2": ("completed", "SHIPPED", ["PREPARING", "SHIPPED"], DONE, {CP: "open", DS: "open"}, 1, 23),
    "capture_payment=exhaust": ("compensated", "FAILED", ["PREPARING", "FAILED"], [], {}, 0, 65),
    "dispatch_shipment=duplicate": ("completed", "SHIPPED", ["PREPARING", "SHIPPED"], DONE, {CP: "open", DS: "open"}, 1, 0),
    "dispatch_shipment=shipment-failed":
        ("compensated", "NOT_SHIPPED", ["PREPARING", "NOT_SHIPPED"], UNDONE, {CP: "closed"}, 0, 0),
    "dispatch_shipment=exhaust": ("compensated", "FAILED", ["PREPARING", "FAILED"], UNDONE, {CP: "closed"}, 0, 165),
    "capture_payment=late-duplicate, dispatch_shipment=shipment-failed":
        ("compensated", "NOT_SHIPPED", ["PREPARING", "NOT_SHIPPED"], UNDONE, {CP: "closed"}, 0, 0),
    "dispatch_shipment=shipment-failed, capture_payment.compensation=transient:1":
        ("compensated", "NOT_SHIPPED", ["PREPARING", "NOT_SHIPPED"], UNDONE, {CP: "closed"}, 0, 11),
    "dispatch_shipment=shipment-failed, capture_payment.compensation=fail":
        ("compensation-failed", "NEEDS_ATTENTION", ["PREPARING", "NOT_SHIPPED", "NEEDS_ATTENTION"], [("do", CP)],
         {CP: "open"}, 0, 171),
    "dispatch_shipment=shipment-failed, crash=before-commit:2":
        ("compensated", "NOT_SHIPPED", ["PREPARING", "NOT_SHIPPED"], UNDONE, {CP: "closed"}, 0, 0),
    "dispatch_shipment=shipment-failed, crash=after-commit:3":
        ("compensated", "NOT_SHIPPED", ["PREPARING", "NOT_SHIPPED"], UNDONE, {CP: "closed"}, 0, 0),
    "dispatch_shipment=shipment-failed, reordered=yes":
        ("compensated", "NOT_SHIPPED", ["PREPARING", "NOT_SHIPPED"], UNDONE, {CP: "closed"}, 0, 0),
    "ok, duplicates=yes": ("completed", "SHIPPED", ["PREPARING", "SHIPPED"], DONE, {CP: "open", DS: "open"}, 1, 0),
    "ok, crash=after-commit:2": ("completed", "SHIPPED", ["PREPARING", "SHIPPED"], DONE, {CP: "open", DS: "open"}, 1, 0),
}


@pytest.mark.parametrize("text", list(OUTCOMES))
def test_exact_outcome_of_each_scenario(store, fulfilment, text):
    res, viol = run_one(store, fulfilment, text)
    assert viol == []
    snap = res.snap
    state, status, timeline, ops, holds, outcomes, clock = OUTCOMES[text]
    assert (snap["state"], snap["status"], snap["timeline"]) == (state, status, timeline)
    assert snap["ops"] == ops and {k: v[1] for k, v in snap["rows"].items()} == holds
    assert snap["outcomes"] == ["shipment-dispatched"] * outcomes and snap["outbox"] == ["shipment-dispatched"] * outcomes
    assert snap["clock"] == pytest.approx(clock)


def test_lost_deliveries_are_redelivered_per_the_policy(store, fulfilment):
    """dispatch_shipment's trigger is lost five times: redelivered after 30s + 1, 2, 4, 8s, then dead-lettered,
    and the dead-letter handler's shipment-failed makes the payment service refund."""
    res, _ = run_one(store, fulfilment, "dispatch_shipment=exhaust")
    sends = [e for e in res.snap["log"] if e["kind"] == "send" and e["step"] == DS]
    assert [(e["attempt"], e["at"], e["detail"]["wait"]) for e in sends] == [
        (1, 0, 0), (2, 31, 1), (3, 63, 2), (4, 97, 4), (5, 135, 8)]
    assert "t=165s  lost; dead-lettered after 5 attempts; the handler publishes shipment-failed" in res.trace


def test_late_redelivery_after_the_compensation_does_not_act_again(store, fulfilment):
    res, _ = run_one(store, fulfilment, "capture_payment=late-duplicate, dispatch_shipment=shipment-failed")
    trace = "\n".join(res.trace)
    undone = trace.index("undone; publish payment-refunded")
    late = trace.index("deliver order-created to payment-service (capture_payment forward) attempt 1 (late copy)")
    assert undone < late and trace.index("already processed: acknowledged, ignored", late) > late


def test_crash_after_commit_relays_on_restart_and_deduplicates(store, fulfilment):
    res, viol = run_one(store, fulfilment, "dispatch_shipment=shipment-failed, crash=after-commit:3")
    assert viol == [] and res.crashed
    tail = res.trace[res.trace.index(next(t for t in res.trace if "CRASH" in t)):]
    assert tail[0] == "t=0s  CRASH of payment-service after its commit, before the relay and the ack"
    assert tail[1].endswith("RESTART: relay the outbox, redeliver what was not acknowledged")
    assert tail[2] == "t=0s  relay payment-refunded (compensated of capture_payment)"
    assert tail[4] == "t=0s  already processed: acknowledged, ignored"


def test_crash_before_commit_rolls_back(store, fulfilment):
    res, viol = run_one(store, fulfilment, "ok, crash=before-commit:1")
    assert viol == [] and res.crashed
    assert "t=0s  CRASH of payment-service before its commit: its transaction rolls back" in res.trace
    assert [op for op in res.snap["ops"]] == DONE  # acted once, after the restart


def test_a_compensation_event_before_the_trigger_leaves_a_tombstone(store, fulfilment):
    """In a chain the compensation event cannot overtake the step's first trigger (it is published after
    the step's success), so it is put in the outbox by hand, due before the saga's first event: the
    payment service records that nothing is to be done, and the trigger arriving next does not act."""
    from saga_lint.orchestrator.choreography import Choreography, choreography_snapshot
    from saga_lint.orchestrator.outbox import Message, publish
    from saga_lint.orchestrator.scenarios import Scenario

    sid, trace = f"t-{uuid.uuid4().hex}", []
    eng = Choreography(store, fulfilment, trace=trace)
    eng.start(sid, Scenario())
    with store.tx():
        store.execute(*publish(sid, Message(f"{sid}|failure|{DS}|shipment-failed", "shipment-failed", DS, "failure",
                                            "business", -1.0)))
    eng.run(sid, Scenario())
    snap = choreography_snapshot(store, fulfilment, sid)
    assert "t=0s  nothing done yet: tombstone left" in trace
    assert "t=0s  compensated before it arrived: not done" in trace
    assert snap["ops"] == [] and snap["rows"] == {CP: ("charge", "cancelled", "payment-service")}
    assert (snap["state"], snap["status"]) == ("compensated", "NOT_SHIPPED")


# --- broken participants are caught -------------------------------------------------------------------


def test_a_non_idempotent_compensation_is_caught(store, fulfilment):
    from saga_lint.orchestrator.verify import verify_saga

    report = verify_saga(store, fulfilment, non_idempotent=frozenset({CP}))
    found = {(v["invariant"], v["message"], v["scenario"]) for v in report.violations}
    assert found == {
        ("compensated-once", "capture_payment was compensated 4 times", "dispatch_shipment=exhaust, duplicates=yes"),
        ("compensated-once", "capture_payment was compensated 2 times", "dispatch_shipment=exhaust, crash=after-commit:2"),
        ("crash-convergence", "after crash and restart: ops: [('do', 'capture_payment'), ('undo', 'capture_payment'), "
         "('undo', 'capture_payment')] vs [('do', 'capture_payment'), ('undo', 'capture_payment')] without the crash",
         "dispatch_shipment=exhaust, crash=after-commit:2"),
    }


def test_cli_break_idempotency_json_and_text():
    proc = run_cli("verify", OUR_CATALOG, "--flow", FLOW, "--break-idempotency", CP, "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    flow = json.loads(proc.stdout)["flows"][0]
    assert flow["flow"] == FLOW and flow["coordination"] == "choreography" and flow["scenarios"] == 144
    twice = next(v for v in flow["violations"] if v["message"] == "capture_payment was compensated 2 times")
    assert twice["invariant"] == "compensated-once" and twice["scenario"] == "dispatch_shipment=exhaust, crash=after-commit:2"
    assert twice["trace"][0] == "scenario: dispatch_shipment=exhaust, crash=after-commit:2"
    assert twice["trace"][-2:] == ["participant state: capture_payment: charge closed", "outcome records: 0, outbox events: 0"]
    text = run_cli("verify", OUR_CATALOG, "--flow", FLOW, "--break-idempotency", CP)
    assert text.returncode == 1
    assert "  ✗ compensated-once: capture_payment was compensated 2 times\n" in text.stdout
    assert "    minimal scenario: dispatch_shipment=exhaust, crash=after-commit:2 (and 7 more scenarios)\n" in text.stdout
    assert text.stdout.endswith("1 flow, 144 scenarios, 3 violations\n")
    bad = run_cli("verify", OUR_CATALOG, "--break-idempotency", "nostep")
    assert bad.returncode == 2 and "no choreographed step 'nostep'" in bad.stderr


def test_a_status_service_trusting_event_order_is_caught_by_reordering(store, fulfilment):
    from saga_lint.orchestrator import choreo_scenarios
    from saga_lint.orchestrator.choreography import Choreography, choreography_snapshot
    from saga_lint.orchestrator.invariants import check
    from saga_lint.orchestrator.scenarios import parse

    def run(text):
        sc, sid = parse(text, fulfilment), f"s-{uuid.uuid4().hex}"
        Choreography(store, fulfilment, latest_status=True).run(sid, sc)
        snap = choreography_snapshot(store, fulfilment, sid)
        return snap, check(fulfilment, sc, choreo_scenarios.expected(fulfilment, sc), snap)

    snap, viol = run("dispatch_shipment=shipment-failed")
    assert viol == [] and snap["status"] == "NOT_SHIPPED"
    snap, viol = run("dispatch_shipment=shipment-failed, reordered=yes")
    assert snap["status"] == "PREPARING"
    assert [(v.invariant, v.message) for v in viol] == [
        ("declared-status",
         "final status PREPARING, the catalog declares NOT_SHIPPED (dispatch_shipment failure shipment-failed)")]


def test_broken_choreography_leaves_the_reservation_open():
    """catalog-examples/broken-choreography releases stock on payment-declined, which authorize_payment
    never publishes (it declares only a timeout): a dead-lettered payment leaves the reservation open."""
    proc = run_cli("verify", BROKEN, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    flow = json.loads(proc.stdout)["flows"][0]
    found = {(v["invariant"], v["scenario"]): v["message"] for v in flow["violations"]}
    assert found[("nothing-left-open", "authorize_payment=exhaust")] == (
        "the saga ended compensated (no status) with the reservation made by reserve_inventory at inventory-service still open")
    assert found[("compensated-once", "authorize_payment=exhaust")] == (
        "reserve_inventory acted but was never compensated (nobody publishes payment-declined, its compensation.on, "
        "on this path)")
    assert found[("one-outcome", "ok")] == (
        "the catalog declares no outcome event: the success is recorded but nothing is published")


# --- the CLI on both stores ----------------------------------------------------------------------------


def test_cli_verify_choreography_on_postgresql():
    url = pg_url_or_skip()
    proc = run_cli("verify", OUR_CATALOG, "--flow", FLOW, "--db", url, "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    flow, = json.loads(proc.stdout)["flows"]
    kinds = flow.pop("scenario_kinds")
    assert flow == {"flow": FLOW, "structured": True, "coordination": "choreography", "verified": True,
                    "not_verified": None, "scenarios": 144, "violations": [], "notes": []}
    assert sum(kinds.values()) == 144 and kinds["consumer crash after commit"] == 42


def test_cli_verify_text_shows_the_choreography_scenarios():
    proc = run_cli("verify", OUR_CATALOG, "--flow", FLOW)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "order-fulfilment (x-saga; choreography: participants as event consumers): 144 scenarios, all invariants hold\n"
        "  scenarios: all steps succeed 1, business failure event 2, delivery lost then redelivered 8, "
        "trigger dead-lettered 2, trigger delivered twice 2, compensation event lost 2, compensation dead-lettered 2, "
        "trigger redelivered after the compensation 1, consumer crash before commit 42, consumer crash after commit 42, "
        "every delivery duplicated 20, status events reordered 20\n"
        "1 flow, 144 scenarios, 0 violations\n")


def test_cli_run_a_choreography_scenario(db_url):
    proc = run_cli("run", FLOW, OUR_CATALOG, "--db", db_url, "--format", "json",
                   "--scenario", "capture_payment=late-duplicate, dispatch_shipment=shipment-failed, crash=before-commit:2")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["state"], data["status"], data["timeline"], data["violations"]) == (
        "compensated", "NOT_SHIPPED", ["PREPARING", "NOT_SHIPPED"], [])
    assert "t=0s  CRASH of shipping-service before its commit: its transaction rolls back" in data["trace"]


def test_choreography_scenario_texts(fulfilment):
    from saga_lint.orchestrator.scenarios import ScenarioError, parse

    text = ("capture_payment=late-duplicate, dispatch_shipment=shipment-failed, crash=after-commit:3, duplicates=yes, "
            "reordered=yes")
    sc = parse(text, fulfilment)
    assert sc.name == text and parse(sc.name, fulfilment) == sc
    assert (sc.crash_after, sc.crash_point, sc.duplicates, sc.reordered) == (3, "after-commit", True, True)
    for bad in ("crash=3", "capture_payment=timeout-after-effect", "crash=sideways:2"):
        with pytest.raises(ScenarioError):
            parse(bad, fulfilment)


def test_orchestrations_keep_their_scenario_texts():
    from saga_lint.orchestrator.scenarios import ScenarioError, parse
    from saga_lint.pipeline import run_check

    checkout = {s.id: s for s in run_check(OUR_CATALOG).sagas}["checkout-saga"]
    for bad in ("crash=after-commit:2", "create_order=duplicate", "create_order=late-duplicate", "reordered=yes"):
        with pytest.raises(ScenarioError):
            parse(bad, checkout)


# --- a mixed saga: the orchestrator as one more consumer ---------------------------------------------

RETRY = {"maxAttempts": 3, "initialInterval": "1s", "backoffCoefficient": 2, "timeout": "2s"}
MIXED_X = {
    "coordination": "mixed", "orchestrator": "orchestrator", "outcome": {"event": "shipment-scheduled"},
    "statuses": {s: {"terminal": s != "PROCESSING"} for s in
                 ("PROCESSING", "DONE", "OUT_OF_STOCK", "NOT_SHIPPED", "FAILED", "NEEDS_ATTENTION")},
    "onSuccess": {"status": "DONE"}, "onCompensationFailure": {"status": "NEEDS_ATTENTION"},
    "steps": {
        "reserve": {"type": "compensatable", "success": "stock-reserved", "retry": RETRY, "status": "PROCESSING",
                    "failures": [{"event": "stock-unavailable", "status": "OUT_OF_STOCK"},
                                 {"error": "timeout", "status": "FAILED"}],
                    "compensation": {"command": "release-stock", "idempotent": True, "retry": RETRY}},
        "stock_reserved": {"type": "pivot", "participant": "shipping", "trigger": "stock-reserved", "retry": RETRY,
                           "success": "shipment-scheduled", "status": "PROCESSING", "compensation": "none",
                           "failures": [{"event": "shipment-failed", "status": "NOT_SHIPPED"},
                                        {"error": "timeout", "status": "FAILED"}]},
    },
}


def mixed_catalog(tmp_path, x_saga=MIXED_X):
    """An orchestrator sends reserve-stock; the shipping service reacts to stock-reserved on its own;
    a failed shipment makes the orchestrator send release-stock."""
    from test_saga_model import TEAMS, build, custom_step, flow, message, msg_step, service, svc_step

    return build(
        tmp_path, *TEAMS,
        service("orchestrator", "ordering", sends=["reserve-stock", "release-stock"],
                receives=["stock-reserved", "stock-unavailable", "shipment-failed"]),
        service("stock", "stock", sends=["stock-reserved", "stock-unavailable"],
                receives=[("reserve-stock", [("stock-reserved", "In stock"), ("stock-unavailable", "Out of stock")]),
                          "release-stock"]),
        service("shipping", "shipping", sends=["shipment-scheduled", "shipment-failed"], receives=["stock-reserved"]),
        *(message("command", c) for c in ("reserve-stock", "release-stock")),
        *(message("event", e) for e in ("stock-reserved", "stock-unavailable", "shipment-scheduled", "shipment-failed")),
        flow("fulfil", [
            msg_step("reserve", "reserve-stock", ("stock_reserved", "Reserved"), ("undo", "Out of stock")),
            msg_step("stock_reserved", "stock-reserved", ("shipping_svc", None)),
            svc_step("shipping_svc", "shipping", ("scheduled", "Scheduled"), ("failed", "Cannot ship")),
            msg_step("scheduled", "shipment-scheduled"),
            msg_step("failed", "shipment-failed", ("undo", "Release the stock")),
            custom_step("undo", "Compensation", "The orchestrator sends release-stock."),
        ], **{"x-saga": x_saga}),
    )


def test_a_mixed_saga_runs_with_its_orchestrator_as_a_consumer(tmp_path):
    root = mixed_catalog(tmp_path)
    proc = run_cli("verify", root, "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    flow, = json.loads(proc.stdout)["flows"]
    assert (flow["flow"], flow["coordination"], flow["verified"], flow["violations"]) == ("fulfil", "mixed", True, [])
    assert flow["scenarios"] > 50 and flow["scenario_kinds"]["consumer crash after commit"] > 10
    run = run_cli("run", "fulfil", root, "--format", "json", "--scenario", "stock_reserved=shipment-failed, duplicates=yes")
    data = json.loads(run.stdout)
    assert (data["state"], data["status"], data["violations"]) == ("compensated", "NOT_SHIPPED", [])
    assert "t=0s  orchestrator consumes start:fulfil: send reserve (reserve-stock)" in data["trace"]
    assert "t=0s  orchestrator consumes shipment-failed: compensate reserve (release-stock)" in data["trace"]
    text = run_cli("verify", root)
    assert text.stdout.startswith("fulfil (x-saga; mixed: the orchestrator and the participants as event consumers): ")


def test_a_mixed_saga_whose_orchestrated_step_cannot_be_undone_is_caught(tmp_path):
    import copy

    x = copy.deepcopy(MIXED_X)
    x["steps"]["reserve"]["compensation"] = "none"
    proc = run_cli("verify", mixed_catalog(tmp_path, x), "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = {(v["invariant"], v["scenario"]): v["message"] for v in json.loads(proc.stdout)["flows"][0]["violations"]}
    assert found[("nothing-left-open", "stock_reserved=shipment-failed")] == (
        "the saga ended compensated (NOT_SHIPPED) with the reservation made by reserve at stock still open")
    assert found[("compensated-once", "stock_reserved=exhaust")] == (
        "reserve acted but was never compensated (it has no compensation)")


def test_a_mixed_saga_escalates_past_the_pivot_without_its_orchestrator_undoing(tmp_path):
    """The mixed saga with a retriable notify after its pivot, whose technical failures end in
    NEEDS_ATTENTION: when notify's trigger is dead-lettered the orchestrator hears no failure, so it
    sends no release-stock; the saga ends escalated, as an orchestration or a choreography does."""
    import copy

    from test_saga_model import TEAMS, build, custom_step, flow, message, msg_step, service, svc_step

    x = copy.deepcopy(MIXED_X)
    x["steps"]["notify"] = {
        "type": "retriable", "participant": "mailer", "trigger": "shipment-scheduled", "retry": RETRY,
        "success": "customer-notified", "status": "PROCESSING", "compensation": "none",
        "compensationNote": "an e-mail cannot be unsent", "failures": [{"error": "timeout", "status": "NEEDS_ATTENTION"}]}
    root = build(
        tmp_path, *TEAMS,
        service("orchestrator", "ordering", sends=["reserve-stock", "release-stock"],
                receives=["stock-reserved", "stock-unavailable", "shipment-failed"]),
        service("stock", "stock", sends=["stock-reserved", "stock-unavailable"],
                receives=[("reserve-stock", [("stock-reserved", "In stock"), ("stock-unavailable", "Out of stock")]),
                          "release-stock"]),
        service("shipping", "shipping", sends=["shipment-scheduled", "shipment-failed"], receives=["stock-reserved"]),
        service("mailer", "ordering", sends=["customer-notified"], receives=["shipment-scheduled"]),
        *(message("command", c) for c in ("reserve-stock", "release-stock")),
        *(message("event", e) for e in ("stock-reserved", "stock-unavailable", "shipment-scheduled", "shipment-failed",
                                        "customer-notified")),
        flow("fulfil", [
            msg_step("reserve", "reserve-stock", ("stock_reserved", "Reserved"), ("undo", "Out of stock")),
            msg_step("stock_reserved", "stock-reserved", ("shipping_svc", None)),
            svc_step("shipping_svc", "shipping", ("scheduled", "Scheduled"), ("failed", "Cannot ship")),
            msg_step("scheduled", "shipment-scheduled", ("notify", None)),
            svc_step("notify", "mailer", ("notified", "Sent")),
            msg_step("notified", "customer-notified"),
            msg_step("failed", "shipment-failed", ("undo", "Release the stock")),
            custom_step("undo", "Compensation", "The orchestrator sends release-stock."),
        ], **{"x-saga": x}))
    run = run_cli("run", "fulfil", root, "--format", "json", "--scenario", "notify=exhaust")
    data = json.loads(run.stdout)
    assert (data["state"], data["status"], data["violations"]) == ("escalated", "NEEDS_ATTENTION", []), run.stdout
    assert not [line for line in data["trace"] if "release-stock" in line]
    proc = run_cli("verify", root, "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (found,) = json.loads(proc.stdout)["flows"]
    assert found["violations"] == [] and [n for n in found["notes"] if n.startswith("escalated, not a violation: notify")]


# --- a retriable step after the pivot whose retries can run out: verify agrees with check -----------


def notify_x(status: str) -> dict:
    """A choreography whose retriable notify comes after the pivot ship; its 3 attempts can run out and
    its technical failures end in ``status`` (NEEDS_ATTENTION is the onCompensationFailure status)."""
    fail, once = [{"error": "timeout", "status": "FAILED"}], {"key": "orderId"}
    return {
        "coordination": "choreography", "correlation": "orderId",
        "outcome": {"container": "shipments", "event": "shipment-scheduled"},
        "statuses": {s: {"text": s.lower(), "terminal": s != "PROCESSING", **({"timeout": "1m"} if s == "PROCESSING" else {})}
                     for s in ("PROCESSING", "DONE", "OUT_OF_STOCK", "NOT_SHIPPED", "FAILED", "NEEDS_ATTENTION")},
        "onSuccess": {"status": "DONE"}, "onCompensationFailure": {"status": "NEEDS_ATTENTION"},
        "steps": {
            "reserve": {"type": "compensatable", "participant": "stock", "trigger": "order-placed", "idempotency": once,
                        "success": "stock-reserved", "retry": RETRY, "status": "PROCESSING",
                        "failures": [{"event": "stock-unavailable", "status": "OUT_OF_STOCK"}, *fail],
                        "compensation": {"on": "shipment-failed", "event": "stock-released", "idempotent": True,
                                         "retry": RETRY}},
            "ship": {"type": "pivot", "participant": "shipping", "trigger": "stock-reserved", "idempotency": once,
                     "success": "shipment-scheduled", "retry": RETRY, "status": "PROCESSING", "compensation": "none",
                     "compensationNote": "the pivot: a scheduled shipment only moves forward",
                     "failures": [{"event": "shipment-failed", "status": "NOT_SHIPPED"}, *fail]},
            "notify": {"type": "retriable", "participant": "mailer", "trigger": "shipment-scheduled", "idempotency": once,
                       "success": "customer-notified", "retry": RETRY, "status": "PROCESSING", "compensation": "none",
                       "compensationNote": "an e-mail cannot be unsent; retried until it goes out",
                       "failures": [{"error": "timeout", "status": status}]},
        },
    }


def notify_catalog(tmp_path, status: str):
    """The stock service reserves on order-placed, the shipping service ships on stock-reserved (the
    pivot, which records the outcome), the mailer tells the customer on shipment-scheduled;
    shipment-failed makes the stock service release the stock."""
    from test_saga_model import TEAMS, build, container, custom_step, flow, message, msg_step, service, svc_step

    events = ("order-placed", "stock-reserved", "stock-unavailable", "stock-released", "shipment-scheduled",
              "shipment-failed", "customer-notified")
    return build(
        tmp_path, *TEAMS,
        service("shop", "ordering", sends=["order-placed"]),
        service("stock", "stock", sends=["stock-reserved", "stock-unavailable", "stock-released"],
                receives=["order-placed", "shipment-failed"]),
        service("shipping", "shipping", sends=["shipment-scheduled", "shipment-failed"], receives=["stock-reserved"],
                writes=["shipments"]),
        service("mailer", "ordering", sends=["customer-notified"], receives=["shipment-scheduled"]),
        container("shipments"),
        *(message("event", e) for e in events),
        flow("ship-order", [
            msg_step("order_placed", "order-placed", ("reserve", None)),
            svc_step("reserve", "stock", ("stock_reserved", "Reserved"), ("out_of_stock", "Out of stock")),
            msg_step("stock_reserved", "stock-reserved", ("ship", None)),
            msg_step("out_of_stock", "stock-unavailable"),
            svc_step("ship", "shipping", ("scheduled", "Scheduled"), ("failed", "Cannot ship")),
            msg_step("scheduled", "shipment-scheduled", ("notify", None)),
            msg_step("failed", "shipment-failed", ("undo", "Release the stock")),
            custom_step("undo", "Compensation", "The stock service consumes shipment-failed and releases the stock."),
            svc_step("notify", "mailer", ("notified", "Sent")),
            msg_step("notified", "customer-notified"),
        ], **{"x-saga": notify_x(status)}),
    )


def _notify_saga(tmp_path, status: str):
    """The catalog of ``notify_catalog``, its saga, and saga/retry-policy's messages from ``check``."""
    from saga_lint.pipeline import run_check

    root = notify_catalog(tmp_path, status)
    result = run_check(root)
    saga = {s.id: s for s in result.sagas}["ship-order"]
    assert saga.coordination == "choreography" and saga.pivot_before(saga.step("notify")) is saga.step("ship")
    return root, saga, [f.message for f in result.findings if f.rule == "saga/retry-policy"]


def test_exhausted_retries_after_the_pivot_of_a_choreography_that_reach_a_person_are_escalated(tmp_path, store):
    """notify's technical failures end in NEEDS_ATTENTION, the onCompensationFailure status (check is
    clean): when its trigger is dead-lettered the saga is past its pivot, so the dead-letter handler
    publishes notify.escalated instead of a failure event: nobody undoes anything, the status service
    shows NEEDS_ATTENTION and the saga ends escalated, as an orchestrated one does. The shipment's
    outcome record and event, written by the pivot, stand (the order's, like its holds)."""
    from saga_lint.orchestrator.choreo_scenarios import base_scenarios

    root, saga, retry_policy = _notify_saga(tmp_path, "NEEDS_ATTENTION")
    assert retry_policy == []
    res, viol = run_one(store, saga, "notify=exhaust")
    assert viol == []
    snap = res.snap
    assert (snap["state"], snap["status"]) == ("escalated", "NEEDS_ATTENTION")
    assert snap["timeline"] == ["PROCESSING", "NEEDS_ATTENTION"]
    assert snap["ops"] == [("do", "reserve"), ("do", "ship")]
    assert {s: st for s, (_kind, st, _p) in snap["rows"].items()} == {"reserve": "open", "ship": "open"}
    assert snap["outcomes"] == snap["outbox"] == ["shipment-scheduled"]
    assert "the handler publishes notify.escalated: escalated past the pivot ship, nothing is undone" in res.trace[-4]
    assert res.trace[-1].endswith("settled: escalated, status NEEDS_ATTENTION (notify ran out of retries after the pivot "
                                  "ship: nothing is compensated, a person resolves it)")
    for variant in ("crash=after-commit:3", "crash=before-commit:2", "duplicates=yes", "reordered=yes"):
        res, viol = run_one(store, saga, f"notify=exhaust, {variant}")
        assert viol == [] and (res.snap["state"], res.snap["status"]) == ("escalated", "NEEDS_ATTENTION"), (variant, viol)
    # past the pivot there is nothing to undo, so no compensation fault is run on that path
    assert [sc.name for sc in base_scenarios(saga) if sc.name.startswith("notify=exhaust")] == ["notify=exhaust"]
    proc = run_cli("verify", root, "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (flow,) = json.loads(proc.stdout)["flows"]
    assert (flow["coordination"], flow["violations"]) == ("choreography", [])
    escalated = [n for n in flow["notes"] if n.startswith("escalated")]
    assert len(escalated) == 1 and escalated[0].startswith(
        "escalated, not a violation: notify=exhaust ends in NEEDS_ATTENTION (onCompensationFailure): notify ran out "
        "of retries after the pivot ship, so nothing is compensated and a person resolves the order (and "), escalated


def test_exhausted_retries_after_the_pivot_of_a_choreography_that_reach_no_one_are_a_violation_with_checks_fix(tmp_path):
    """The same step whose technical failures end in DONE: check reports it at maxAttempts, and verify's
    counterexample (notify=exhaust) is the orchestrated case's nothing-left-open, with check's fix."""
    root, _saga, retry_policy = _notify_saga(tmp_path, "DONE")
    (check_message,) = retry_policy
    fix = check_message[check_message.index("Give its technical failures"):]
    proc = run_cli("verify", root, "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (flow,) = json.loads(proc.stdout)["flows"]
    assert not [n for n in flow["notes"] if n.startswith("escalated")]
    after_pivot = [v for v in flow["violations"] if "after the pivot" in v["message"]]
    assert [(v["invariant"], v["scenario"], v["message"]) for v in after_pivot] == [(
        "nothing-left-open", "notify=exhaust",
        "notify failed after ship (not compensatable) had acted: it comes after the pivot ship, so it must be retried "
        "until it succeeds, but its 3 attempts (retry.maxAttempts) ran out, the saga can neither finish nor undo ship, "
        "and the status DONE of its technical failures reaches no one. " + fix)]
    assert fix == ("Give its technical failures the status onCompensationFailure declares (NEEDS_ATTENTION), which must "
                   "reach a person, as for a compensation that never succeeds.")


@pytest.mark.parametrize("status", ["NEEDS_ATTENTION", "DONE"])
def test_a_step_after_the_pivot_gets_one_verdict_in_both_coordination_styles(tmp_path, status):
    """The same saga run as a choreography and as an orchestration (its coordination swapped): on the
    path where notify's retries run out, the same end state and status, the same after-the-pivot
    violations, the same escalation note (but for how many scenarios showed it)."""
    import copy
    import re

    from saga_lint.orchestrator.store import Store
    from saga_lint.orchestrator.verify import verify_saga

    _root, saga, _ = _notify_saga(tmp_path, status)
    verdicts = []
    for coordination in ("choreography", "orchestration"):
        twin = copy.deepcopy(saga)
        twin.coordination = coordination
        store = Store("sqlite://")
        try:
            report = verify_saga(store, twin, max_scenarios=400)
            res, _viol = (run_one if coordination == "choreography" else _run_orchestrated)(store, twin, "notify=exhaust")
        finally:
            store.close()
        verdicts.append((
            (res.snap["state"], res.snap["status"], [op for op in res.snap["ops"] if op[0] == "undo"]),
            sorted((v["invariant"], v["message"]) for v in report.violations
                   if v["scenario"] == "notify=exhaust" and v["invariant"] == "nothing-left-open"),
            [re.sub(r" \(and \d+ more scenarios\)$", "", n) for n in report.notes if n.startswith("escalated")]))
    assert verdicts[0] == verdicts[1]
    if status == "NEEDS_ATTENTION":
        assert verdicts[0][0] == ("escalated", "NEEDS_ATTENTION", []) and verdicts[0][1] == [] and verdicts[0][2]
    else:
        assert verdicts[0][0][0] == "compensated" and verdicts[0][1] and not verdicts[0][2]


def _run_orchestrated(store, saga, text):
    from test_verify import run_one as run_orchestrated

    return run_orchestrated(store, saga, text)


def test_mutant_choreography_that_does_not_escalate_is_caught(tmp_path, monkeypatch):
    """A dead-letter handler that publishes the step's failure (nothing escalated) for a step the
    catalog escalates: the saga ends compensated, and the invariants say it must end escalated."""
    from saga_lint.orchestrator import choreography as choreography_mod
    from saga_lint.orchestrator.store import Store

    _root, saga, _ = _notify_saga(tmp_path, "NEEDS_ATTENTION")
    monkeypatch.setattr(choreography_mod, "escalated", lambda *_args: None)
    store = Store("sqlite://")
    try:
        res, viol = run_one(store, saga, "notify=exhaust")
    finally:
        store.close()
    assert res.snap["state"] == "compensated"
    assert ("nothing-left-open", "notify failed after ship (not compensatable) had acted: the catalog escalates its "
            "exhausted retries to a person (NEEDS_ATTENTION): nothing may be undone past the pivot and the saga must "
            "end escalated") in [(v.invariant, v.message) for v in viol]


# --- any combination of faults: the engine stays correct -------------------------------------------


def test_random_fault_combinations_keep_every_invariant(fulfilment):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from saga_lint.orchestrator.store import Store

    forward = {CP: ["ok", "payment-capture-failed", "transient:2", "transient:4", "exhaust", "duplicate", "late-duplicate"],
               DS: ["ok", "shipment-failed", "transient:1", "transient:4", "exhaust", "duplicate"]}
    store = Store("sqlite://")

    examples = int(os.environ.get("SAGA_LINT_FUZZ_EXAMPLES", "80"))

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(fwd=st.fixed_dictionaries({s: st.sampled_from(v) for s, v in forward.items()}),
           comp=st.sampled_from(["ok", "transient:1", "transient:7", "fail"]),
           crash=st.one_of(st.none(), st.tuples(st.sampled_from(["before-commit", "after-commit"]), st.integers(1, 6))),
           dups=st.booleans(), reordered=st.booleans())
    def prop(fwd, comp, crash, dups, reordered):
        items = [f"{s}={b}" for s, b in fwd.items()] + ([f"{CP}.compensation={comp}"] if comp != "ok" else [])
        items += [f"crash={crash[0]}:{crash[1]}"] if crash else []
        items += (["duplicates=yes"] if dups else []) + (["reordered=yes"] if reordered else [])
        res, viol = run_one(store, fulfilment, ", ".join(items))
        assert viol == [], (items, viol, res.trace)
        assert res.snap["state"] in ("completed", "compensated", "compensation-failed")

    prop()
    store.close()


# --- real processes on PostgreSQL: consumers killed with SIGKILL at random moments ---------------------


def _worker(url, prefix):
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "saga_lint.orchestrator.worker", "--db", url, "--catalog", str(OUR_CATALOG),
         "--flow", FLOW, "--prefix", prefix],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_sigkill_crash_test_100_choreographies_on_postgresql(fulfilment):
    """100 choreographies are run by a worker process (its consumers, relay and status service) that is
    killed with SIGKILL at random moments, between any two statements, then restarted: every saga
    ends, and every invariant holds, including convergence with the crash-free run on SQLite."""
    import random
    import signal
    import time

    from saga_lint.orchestrator.store import Store
    from saga_lint.orchestrator.worker import check_all, enqueue

    url = pg_url_or_skip()
    store = Store(url)
    prefix = f"ck{uuid.uuid4().hex[:8]}-"
    enqueue(store, fulfilment, 100, prefix, seed=5)
    rng = random.Random(13)
    kills = interrupted = 0
    for _ in range(30):
        proc = _worker(url, prefix)
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        time.sleep(rng.uniform(0.05, 0.5))
        if proc.poll() is not None:
            proc.wait()
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        interrupted += store.one(
            "SELECT COUNT(*) FROM saga_instance i WHERE i.saga_id LIKE ? AND i.state = 'running' "
            "AND EXISTS (SELECT 1 FROM saga_log l WHERE l.saga_id = i.saga_id AND l.kind <> 'start')", (prefix + "%",))[0]
        if kills >= 5:
            break
    final = _worker(url, prefix)
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err
    assert kills >= 3 and interrupted >= 1, (kills, interrupted)
    assert store.one("SELECT COUNT(*) FROM saga_instance WHERE saga_id LIKE ? AND state = 'running'", (prefix + "%",))[0] == 0
    assert check_all(store, fulfilment, prefix) == []
    store.close()


def test_a_choreographed_step_after_the_pivot_of_our_catalog_is_escalated(fulfilment):
    """A retriable notify_customer after the pivot dispatch_shipment whose exhausted retries end in
    NEEDS_ATTENTION (check accepts it), on our order-fulfilment: escalated like an orchestration's
    (docs/verify.md, "Escalation past the pivot"): no violation, nothing undone, a note."""
    import copy
    import dataclasses

    from saga_lint.orchestrator.store import Store
    from saga_lint.orchestrator.verify import verify_saga
    from saga_lint.saga.model import StepFailure

    saga = copy.deepcopy(fulfilment)
    pivot = saga.step("dispatch_shipment")
    step = dataclasses.replace(
        pivot, id="notify_customer", index=pivot.index + 5, type="retriable", trigger="shipment-dispatched",
        success="customer-notified", failures=[StepFailure(error="timeout", status="NEEDS_ATTENTION")],
        retry=dataclasses.replace(pivot.retry, max_attempts=3), compensation="none", compensation_on=None,
        compensation_retry=None, evidence=dict(pivot.evidence), failure_edges=[], success_edges=[])
    saga.steps.append(step)
    assert saga.pivot_before(step) is pivot and saga.escalates(step)
    store = Store("sqlite://")
    try:
        report = verify_saga(store, saga, max_scenarios=60)
    finally:
        store.close()
    assert report.violations == []
    assert [n[:n.index(" (and ")] for n in report.notes if n.startswith("escalated")] == [
        "escalated, not a violation: notify_customer=exhaust ends in NEEDS_ATTENTION (onCompensationFailure): "
        "notify_customer ran out of retries after the pivot dispatch_shipment, so nothing is compensated and a "
        "person resolves the order"]


def test_a_choreography_policy_above_the_cap_is_run_capped_with_a_note(tmp_path):
    """Redeliveries are capped at ``MAX_ATTEMPTS`` as an orchestration's retries are, and the
    report says so for a choreography too."""
    import shutil

    cat = tmp_path / "cat"
    shutil.copytree(OUR_CATALOG, cat)
    flow = cat / "domains/Fulfilment/systems/shipping-system/flows/OrderFulfilment/index.mdx"
    text = flow.read_text()
    assert "retry: { maxAttempts: 8," in text
    flow.write_text(text.replace("retry: { maxAttempts: 8,", "retry: { maxAttempts: 100000,", 1))
    proc = run_cli("verify", str(cat), "--flow", FLOW, "--format", "json", "--max-scenarios", "40")
    assert proc.returncode in (0, 1), proc.stderr
    (report,) = json.loads(proc.stdout)["flows"]
    assert report["coordination"] == "choreography"
    assert [n for n in report["notes"] if "is run as" in n] == [
        "capture_payment: compensation retry maxAttempts 100000 is run as 100 attempts"]
