"""The saga model on each shape of flow, from small catalogs written from EventCatalog's format rules.

Each test builds a catalog in a temporary folder from short page texts (teams, services with their
``sends``/``receives``/``triggers``, messages, a flow map) and asserts the model's facts (which flows
are sagas and why, the coordination style, each step's participant, trigger and evidence levels)
and the exact saga findings (rule, step, resource, severity). Shapes: an orchestration backed by
``triggers``; a choreography; a mixed saga; a plain flow whose only failure signals are labelled
edges across two owners; a journey that is no saga; a journey that copies a saga.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import run_cli, write_catalog


def _page(fm: dict, body: str = "Text.\n") -> str:
    return "---\n" + yaml.safe_dump(fm, sort_keys=False) + "---\n\n" + body


def _ref(mid: str) -> dict:
    return {"id": mid, "version": "1.0.0"}


def service(sid: str, owner: str, sends=(), receives=(), writes=()) -> tuple[str, str]:
    """A service page; ``receives`` items are an id or ``(command, [(event, condition), ...])``."""
    rec = []
    for item in receives:
        if isinstance(item, tuple):
            rec.append({**_ref(item[0]), "triggers": [{**_ref(e), "condition": c} for e, c in item[1]]})
        else:
            rec.append(_ref(item))
    fm: dict = {"id": sid, "name": sid.title(), "version": "1.0.0", "summary": f"The {sid}.", "owners": [owner]}
    if sends:
        fm["sends"] = [_ref(m) for m in sends]
    if rec:
        fm["receives"] = rec
    if writes:
        fm["writesTo"] = [{"id": c} for c in writes]
    return f"services/{sid}/index.mdx", _page(fm)


def message(kind: str, mid: str) -> tuple[str, str]:
    return f"{kind}s/{mid}/index.mdx", _page({"id": mid, "name": mid, "version": "1.0.0", "summary": f"The {mid} {kind}."})


def team(tid: str) -> tuple[str, str]:
    return f"teams/{tid}.mdx", _page({"id": tid, "name": tid})


def container(cid: str) -> tuple[str, str]:
    return f"containers/{cid}/index.mdx", _page({"id": cid, "name": cid, "version": "1.0.0", "summary": "A store.",
                                                   "container_type": "database"})


def flow(fid: str, steps: list[dict], **extra: object) -> tuple[str, str]:
    fm = {"id": fid, "name": fid, "version": "1.0.0", "summary": f"The {fid} flow.", "steps": steps, **extra}
    return f"flows/{fid}/index.mdx", _page(fm)


def msg_step(sid: str, mid: str, *edges: tuple[str, str | None]) -> dict:
    return _edges({"id": sid, "title": sid, "message": _ref(mid)}, edges)


def svc_step(sid: str, svc: str, *edges: tuple[str, str | None]) -> dict:
    return _edges({"id": sid, "title": sid, "service": _ref(svc)}, edges)


def custom_step(sid: str, ctype: str, summary: str = "", *edges: tuple[str, str | None]) -> dict:
    return _edges({"id": sid, "title": sid, "custom": {"title": sid, "type": ctype, "summary": summary}}, edges)


def _edges(step: dict, edges: tuple[tuple[str, str | None], ...]) -> dict:
    if edges:
        step["next_steps"] = [{"id": t, **({"label": label} if label else {})} for t, label in edges]
    return step


def build(tmp_path: Path, *pages: tuple[str, str]) -> Path:
    return write_catalog(tmp_path / "cat", dict(pages))


def model(root: Path):
    from saga_lint.pipeline import run_check

    result = run_check(root)
    return {s.id: s for s in result.sagas}, result.findings


def saga_hits(findings, flow_id: str) -> set[tuple[str, str | None, str, str]]:
    """(rule, step, resource, severity) of the saga findings about one flow."""
    return {(f.rule, f.step, f"flow {f.resource.id}", str(f.severity)) for f in findings
            if f.rule.startswith("saga/") and f.resource is not None and f.resource.id == flow_id}


TEAMS = [team("ordering"), team("stock"), team("payments"), team("shipping")]


# -- an orchestration whose replies are the participants' receives[].triggers ------------------------


def _orchestration(tmp_path: Path) -> Path:
    return build(
        tmp_path, *TEAMS,
        service("orchestrator", "ordering", sends=["reserve-stock", "charge-card", "release-stock"],
                receives=["stock-reserved", "stock-unavailable", "card-charged", "card-declined"]),
        service("stock", "stock", sends=["stock-reserved", "stock-unavailable"],
                receives=[("reserve-stock", [("stock-reserved", "When the items are in stock"),
                                             ("stock-unavailable", "When an item is out of stock")]), "release-stock"]),
        service("payments", "payments", sends=["card-charged", "card-declined"],
                receives=[("charge-card", [("card-charged", "When the bank accepts"),
                                           ("card-declined", "When the bank declines")])]),
        *(message("command", c) for c in ("reserve-stock", "charge-card", "release-stock")),
        *(message("event", e) for e in ("stock-reserved", "stock-unavailable", "card-charged", "card-declined")),
        flow("buy", [
            svc_step("start", "orchestrator", ("reserve", "Start")),
            msg_step("reserve", "reserve-stock", ("charge", "Reserved"), ("undo", "Out of stock")),
            msg_step("charge", "charge-card", ("done", "Charged"), ("undo", "Declined")),
            custom_step("done", "Outcome", "The order is paid."),
            custom_step("undo", "Exception", "Release the stock and stop."),
        ]),
    )


def test_orchestration_backed_by_triggers(tmp_path):
    sagas, findings = model(_orchestration(tmp_path))
    saga = sagas["buy"]
    assert saga.why.startswith("it spans participants of different owners (orchestrator (ordering), stock (stock), "
                               "payments (payments))")
    assert "failure-labelled edge \"Out of stock\"" in saga.why
    assert saga.coordination == "orchestration" and saga.coordination_evidence is not None
    assert saga.coordination_evidence.level == "contract"
    assert saga.orchestrator_id == "orchestrator" and saga.orchestrator_evidence.level == "contract"
    levels = {s.id: {a: s.evidence[a].level for a in ("owner", "success", "failure")} for s in saga.steps}
    assert levels == {"reserve": dict.fromkeys(("owner", "success", "failure"), "contract"),
                      "charge": dict.fromkeys(("owner", "success", "failure"), "contract")}
    assert [(s.id, s.success, [f.event for f in s.failures]) for s in saga.steps] == [
        ("reserve", "stock-reserved", ["stock-unavailable"]), ("charge", "card-charged", ["card-declined"])]
    # contract evidence is checked, not reported as prose; what is missing is an error; the failure
    # branch to the Exception node never reaches a Compensation node (there is none)
    assert saga_hits(findings, "buy") == {
        ("saga/retry-policy", "reserve", "flow buy", "error"),
        ("saga/retry-policy", "charge", "flow buy", "error"),
        ("saga/customer-status", None, "flow buy", "error"),
        ("saga/compensation", "reserve", "flow buy", "error"),
        ("saga/compensation", "charge", "flow buy", "warning"),
        ("saga/failure-condition", "charge", "flow buy", "error"),
        ("saga/outcome", None, "flow buy", "warning"),
    }


# -- a choreography: each participant reacts to the previous one's event ---------------------------


def _choreography(tmp_path: Path) -> Path:
    return build(
        tmp_path, *TEAMS, container("stock-db"),
        service("orders", "ordering", sends=["order-placed"], receives=["payment-failed"]),
        service("stock", "stock", sends=["stock-reserved"], receives=["order-placed", "payment-failed"], writes=["stock-db"]),
        service("payments", "payments", sends=["payment-captured", "payment-failed"], receives=["stock-reserved"]),
        *(message("event", e) for e in ("order-placed", "stock-reserved", "payment-captured", "payment-failed")),
        flow("place", [
            svc_step("orders_svc", "orders", ("order_placed", "Publish")),
            msg_step("order_placed", "order-placed", ("stock_svc", "Reserve")),
            svc_step("stock_svc", "stock", ("stock_reserved", "Reserved")),
            msg_step("stock_reserved", "stock-reserved", ("payments_svc", "Charge")),
            svc_step("payments_svc", "payments", ("payment_captured", "Captured"), ("payment_failed", "Payment failed")),
            msg_step("payment_captured", "payment-captured"),
            msg_step("payment_failed", "payment-failed", ("unwind", None)),
            custom_step("unwind", "Compensation", "Stock releases the reservation; orders cancels the order."),
        ]),
    )


def test_choreography(tmp_path):
    sagas, findings = model(_choreography(tmp_path))
    saga = sagas["place"]
    assert saga.why == "it has a custom step of type Compensation"
    assert saga.coordination == "choreography"
    assert saga.coordination_evidence is not None and saga.coordination_evidence.level == "contract"
    assert "stock consumes order-placed" in saga.coordination_evidence.note
    assert saga.orchestrator is None
    steps = [(s.id, s.trigger_kind, s.trigger, s.participant.id if s.participant else None, s.success,
              [f.event for f in s.failures]) for s in saga.steps]
    assert steps == [
        ("order_placed", "event", "order-placed", "stock", "stock-reserved", []),
        ("stock_reserved", "event", "stock-reserved", "payments", "payment-captured", ["payment-failed"]),
    ]
    assert {s.id: (s.evidence["owner"].level, s.evidence["owner"].value) for s in saga.steps} == {
        "order_placed": ("contract", ["stock"]), "stock_reserved": ("contract", ["payments"])}
    assert [s.evidence["success"].level for s in saga.steps] == ["contract", "contract"]
    # stock receives payment-failed, the failure event of the next step: it undoes its reservation on it
    undo = saga.steps[0].evidence["compensation"]
    assert (undo.level, undo.value, saga.steps[0].compensation_on) == ("contract", "on payment-failed", "payment-failed")
    # no orchestrator finding (a choreography has none), no prose warning for contract evidence
    assert saga_hits(findings, "place") == {
        ("saga/failure-condition", "order_placed", "flow place", "error"),  # nothing says how stock's reservation fails
        ("saga/retry-policy", "order_placed", "flow place", "error"),
        ("saga/retry-policy", "stock_reserved", "flow place", "error"),
        ("saga/customer-status", None, "flow place", "error"),
        ("saga/outcome", None, "flow place", "error"),  # no container then event drawn
        ("saga/compensation", "stock_reserved", "flow place", "warning"),  # taken as the pivot, not declared
    }


def test_declared_choreography_fields(tmp_path):
    root = _choreography(tmp_path)
    page = root / "flows/place/index.mdx"
    text = page.read_text("utf-8")
    block = yaml.safe_dump({"x-saga": {"coordination": "choreography", "correlation": "orderId", "steps": {
        "order_placed": {"participant": "stock", "trigger": "order-placed", "idempotency": {"key": "orderId"},
                         "compensation": {"on": "payment-failed", "event": "stock-released", "idempotent": True}}}}})
    page.write_text(text.replace("---\n\n", block + "---\n\n", 1), "utf-8")
    sagas, findings = model(root)
    saga = sagas["place"]
    assert (saga.coordination, saga.correlation) == ("choreography", "orderId")
    assert saga.coordination_evidence is not None and saga.coordination_evidence.level == "structured"
    step = saga.steps[0]
    assert (step.idempotency_key, step.compensation_on, step.compensation_idempotent) == ("orderId", "payment-failed", True)
    assert not [f for f in findings if f.rule == "saga/schema"]


def test_choreography_fan_out_is_one_step_per_consumer(tmp_path):
    """One event drawn to two consumers that both act: a parallel fan-out, not alternatives."""
    root = build(
        tmp_path, *TEAMS,
        service("orders", "ordering", sends=["order-placed"], receives=["stock-reserved", "payment-captured"]),
        service("stock", "stock", sends=["stock-reserved"], receives=["order-placed"]),
        service("payments", "payments", sends=["payment-captured", "payment-failed"], receives=["order-placed"]),
        *(message("event", e) for e in ("order-placed", "stock-reserved", "payment-captured", "payment-failed")),
        flow("parallel", [
            msg_step("order_placed", "order-placed", ("stock_svc", None), ("payments_svc", None)),
            svc_step("stock_svc", "stock", ("stock_reserved", "Reserved")),
            svc_step("payments_svc", "payments", ("payment_captured", "Captured"), ("payment_failed", "Declined")),
            msg_step("stock_reserved", "stock-reserved"),
            msg_step("payment_captured", "payment-captured"),
            msg_step("payment_failed", "payment-failed"),
        ]),
    )
    sagas, findings = model(root)
    saga = sagas["parallel"]
    assert saga.coordination == "choreography"
    assert [(s.id, s.trigger, s.participant.id if s.participant else None, s.success, [f.event for f in s.failures])
            for s in saga.steps] == [
        ("stock_svc", "order-placed", "stock", "stock-reserved", []),
        ("payments_svc", "order-placed", "payments", "payment-captured", ["payment-failed"]),
    ]
    assert not [h for h in saga_hits(findings, "parallel") if h[0] in ("saga/orchestrator", "saga/success-condition")]


# -- mixed: an orchestrated command, then a participant reacting to its reply event -----------------


def test_mixed(tmp_path):
    root = build(
        tmp_path, *TEAMS,
        service("orchestrator", "ordering", sends=["reserve-stock"], receives=["stock-unavailable"]),
        service("stock", "stock", sends=["stock-reserved", "stock-unavailable"],
                receives=[("reserve-stock", [("stock-reserved", "In stock"), ("stock-unavailable", "Out of stock")])]),
        service("shipping", "shipping", sends=["shipment-scheduled"], receives=["stock-reserved"]),
        message("command", "reserve-stock"),
        *(message("event", e) for e in ("stock-reserved", "stock-unavailable", "shipment-scheduled")),
        flow("fulfil", [
            msg_step("reserve", "reserve-stock", ("stock_reserved", "Reserved"), ("undo", "Out of stock")),
            msg_step("stock_reserved", "stock-reserved", ("shipping_svc", None)),
            svc_step("shipping_svc", "shipping", ("scheduled", "Scheduled")),
            msg_step("scheduled", "shipment-scheduled"),
            custom_step("undo", "Compensation", "Nothing to release."),
        ]),
    )
    sagas, findings = model(root)
    saga = sagas["fulfil"]
    assert saga.coordination == "mixed"
    assert [(s.id, s.trigger_kind) for s in saga.steps] == [("reserve", "command"), ("stock_reserved", "event")]
    assert [s.id for s in saga.orchestrated_steps] == ["reserve"]
    orch = {h for h in saga_hits(findings, "fulfil") if h[0] == "saga/orchestrator"}
    # only the orchestrated step: the orchestrator does not receive stock-reserved; shipment-scheduled is no reply to it
    assert orch == {("saga/orchestrator", "reserve", "flow fulfil", "error")}


# -- a plain flow: only failure-labelled edges, across two owners -----------------------------------


def _plain(tmp_path: Path, second_owner: str = "payments") -> Path:
    return build(
        tmp_path, *TEAMS,
        service("shop", "ordering", sends=["charge-card"]),
        service("payments", second_owner, receives=["charge-card"]),
        message("command", "charge-card"),
        flow("pay", [
            svc_step("shop_svc", "shop", ("charge", "Pay")),
            msg_step("charge", "charge-card", ("payments_svc", "Handle payment")),
            svc_step("payments_svc", "payments", ("paid", "Charged"), ("failed", "Declined")),
            custom_step("paid", "Outcome", "Paid."),
            custom_step("failed", "Outcome", "Not paid."),
        ]),
    )


def test_plain_flow_with_failure_edges_across_two_owners(tmp_path):
    sagas, findings = model(_plain(tmp_path))
    saga = sagas["pay"]
    assert saga.why == ('it spans participants of different owners (shop (ordering), payments (payments)) and draws a '
                        'failure (a failure-labelled edge "Declined" from payments_svc)')
    step = saga.steps[0]
    # the branches drawn on the handler belong to the command's step; "Handle payment" is routing
    assert step.failure_edges == [("Declined", "failed")] and step.success_edges == [("Charged", "paid")]
    assert step.evidence["failure"].level == "prose" and step.evidence["success"].level == "prose"
    assert 'labelled edge "Charged"' in step.evidence["success"].note
    assert saga.coordination == "orchestration" and saga.orchestrator_id == "shop"
    assert saga_hits(findings, "pay") == {
        ("saga/success-condition", "charge", "flow pay", "warning"),
        ("saga/failure-condition", "charge", "flow pay", "warning"),
        ("saga/retry-policy", "charge", "flow pay", "error"),
        ("saga/customer-status", None, "flow pay", "error"),
        ("saga/compensation", "charge", "flow pay", "warning"),
        ("saga/outcome", None, "flow pay", "warning"),
    }


# -- journeys that are no saga -----------------------------------------------------------------------


def test_failure_edges_within_one_owner_is_no_saga(tmp_path):
    root = _plain(tmp_path, second_owner="ordering")
    sagas, findings = model(root)
    assert "pay" not in sagas and not saga_hits(findings, "pay")
    proc = run_cli("explain", "pay", root)
    assert proc.returncode == 2
    assert ('is not a saga: it draws a failure (a failure-labelled edge "Declined" from payments_svc), but its participants '
            "(shop (ordering), payments (ordering)) share an owner") in proc.stderr


@pytest.mark.parametrize(("services", "expected"), [
    ((), "but no service takes part in it (none is drawn, none receives its commands), so nothing has to be "
         "coordinated across teams"),
    ((("shop", "ordering"),), "but only one participant has an owner (shop (ordering)), so nothing has to be "
                              "coordinated across teams"),
])
def test_why_a_flow_with_a_failure_and_fewer_than_two_owned_participants_is_no_saga(tmp_path, services, expected):
    """Seen in the public eventcatalog-ai-demo PaymentFlow (messages only, no service drawn): explain
    said "its participants (none) share an owner"; it says what is missing instead."""
    steps = [msg_step("pay", "payment-initiated", ("failed", "Payment failed")), {"id": "failed", "title": "Failed"}]
    if services:
        steps.insert(0, svc_step("shop_svc", "shop", ("pay", None)))
    root = build(tmp_path, *TEAMS, *(service(sid, owner) for sid, owner in services),
                 message("event", "payment-initiated"), flow("pay", steps))
    proc = run_cli("explain", "pay", root)
    assert proc.returncode == 2 and expected in proc.stderr, proc.stderr


def test_journey_without_failure_is_no_saga(tmp_path):
    root = build(
        tmp_path, *TEAMS,
        service("shop", "ordering", sends=["order-placed"]), service("mailer", "shipping", receives=["order-placed"]),
        message("event", "order-placed"),
        flow("browse", [svc_step("shop_svc", "shop", ("placed", "Place")), msg_step("placed", "order-placed", ("mail", None)),
                        svc_step("mail", "mailer")]),
    )
    sagas, _ = model(root)
    assert "browse" not in sagas
    proc = run_cli("explain", "browse", root)
    assert proc.returncode == 2 and "is not a saga: its map draws no failure" in proc.stderr


def test_failure_across_two_owners_with_no_step_to_coordinate_is_no_saga(tmp_path):
    """Seen in the public eventcatalog-ddd example's SubscriptionRenewed flow: services of two owners
    and a failure-labelled edge, but no command and no event a participant consumes, so no local
    transaction for a saga to coordinate: it was reviewed as a saga of zero steps ("no
    orchestrator: no service sends every step command" with no command in the flow, no outcome,
    no status). Not a saga by its map; explain says why not and what would make it one."""
    root = build(
        tmp_path, *TEAMS,
        service("subscriptions", "ordering"), service("mailer", "shipping"),
        message("query", "get-payment-status"), message("event", "subscription-suspended"),
        flow("renew", [
            svc_step("check", "subscriptions", ("status", "Active")),
            msg_step("status", "get-payment-status", ("suspended", "Invalid payment method"), ("done", "Approved")),
            msg_step("suspended", "subscription-suspended", ("notify", None)),
            svc_step("notify", "mailer", ("done", None)),
            {"id": "done", "title": "Done"},
        ]),
    )
    sagas, findings = model(root)
    assert "renew" not in sagas and not saga_hits(findings, "renew")
    proc = run_cli("explain", "renew", root)
    assert proc.returncode == 2
    assert ("is not a saga: it draws a failure (a failure-labelled edge \"Invalid payment method\" from status) across "
            "participants of different owners (subscriptions (ordering), mailer (shipping)), but no step is a local "
            "transaction to coordinate") in proc.stderr


def _renewal(tmp_path: Path, **extra: object) -> Path:
    """A renewal drawn across two owners with a failure, of a query and services only: no command."""
    return build(
        tmp_path, *TEAMS,
        service("subscriptions", "ordering"), service("mailer", "shipping"),
        message("query", "get-payment-status"),
        flow("renew", [
            svc_step("check", "subscriptions", ("status", "Active")),
            msg_step("status", "get-payment-status", ("notify", "Invalid payment method")),
            svc_step("notify", "mailer"),
        ], **extra),
    )


def test_a_declared_saga_with_no_step_is_still_a_saga(tmp_path):
    """Only the reading of the map needs a step: a flow listed under sagas: (or with x-saga, or a
    Compensation node) is a saga whatever its steps, and is reviewed as one."""
    root = _renewal(tmp_path)
    (root / "saga-lint.yaml").write_text("sagas: [renew]\n")
    sagas, findings = model(root)
    assert sagas["renew"].why == "the configuration lists it under sagas" and sagas["renew"].steps == []
    # with no step command there is nothing to orchestrate: "no service sends every step command" would be vacuous
    assert "saga/orchestrator" not in {h[0] for h in saga_hits(findings, "renew")}


def test_declared_orchestration_with_nothing_to_orchestrate_says_so(tmp_path):
    """x-saga says orchestration, but names no orchestrator and draws no command: that contradiction
    is saga/orchestrator's one finding, at the coordination key."""
    root = _renewal(tmp_path, **{"x-saga": {"coordination": "orchestration"}})
    _sagas, findings = model(root)
    found = [f for f in findings if f.rule == "saga/orchestrator"]
    assert [f.message.split(",")[0] for f in found] == ["x-saga says coordination: orchestration"], found
    assert found[0].field == "x-saga.coordination"


# -- a journey that copies a saga's steps --------------------------------------------------------------


def _journey(tmp_path: Path, *own_steps: dict) -> Path:
    """``_orchestration`` and a shopper's journey through the web shop: ``own_steps`` (the web
    shop's first step leads to the first of them, else to ``reserve``), then buy's two commands."""
    root = _orchestration(tmp_path)
    first = own_steps[0]["id"] if own_steps else "reserve"
    write_catalog(root, dict([
        service("web", "shipping", sends=["checkout"]),
        message("command", "checkout"),
        flow("journey", [
            {"id": "shopper", "title": "Shopper", "actor": {"name": "Shopper"}, "next_step": {"id": "web_svc"}},
            svc_step("web_svc", "web", (first, "Buy")),
            *own_steps,
            msg_step("reserve", "reserve-stock", ("charge", "Reserved")),
            msg_step("charge", "charge-card", ("fail", "Declined")),
            custom_step("fail", "Exception", "The orchestrator compensates earlier steps."),
        ]),
    ]))
    return root


def test_journey_copying_a_saga(tmp_path):
    root = _journey(tmp_path)
    sagas, findings = model(root)
    journey = sagas["journey"]
    assert journey.copy_of == "buy" and not journey.reviewed and sagas["buy"].copied_by == [journey]
    assert "it repeats the steps of the saga buy (charge-card, reserve-stock)" in journey.why
    # reviewed once, as buy; the journey's one saga finding is where it differs (no "Out of stock" branch)
    assert saga_hits(findings, "journey") == {("saga/copy-drift", None, "flow journey", "warning")}
    drift = next(f for f in findings if f.rule == "saga/copy-drift")
    assert 'draws no failure branch after reserve-stock (buy draws "Out of stock")' in drift.message
    assert saga_hits(findings, "buy")  # the saga itself is reviewed once
    proc = run_cli("explain", "journey", root)
    assert "Not reviewed again: its steps are reviewed in buy" in proc.stdout


def test_journey_that_starts_with_its_own_command_still_copies_the_saga(tmp_path):
    """A journey drawn around a saga with a command of its own first (the shopper's checkout to the
    web shop): no service sends every command, so its 'orchestrator' is only the web service drawn
    before the first step (prose), which coordinates nothing: it is a copy of buy, not a second saga."""
    root = _journey(tmp_path, msg_step("order", "checkout", ("reserve", None)))
    sagas, _findings = model(root)
    journey = sagas["journey"]
    assert journey.orchestrator_evidence is not None and journey.orchestrator_evidence.level == "prose"
    assert journey.copy_of == "buy" and not journey.reviewed and sagas["buy"].copied_by == [journey]


@pytest.mark.parametrize("shape", [_orchestration, _choreography, _plain])
def test_explain_json_carries_the_model_facts(tmp_path, shape):
    import json

    root = shape(tmp_path)
    fid = {"_orchestration": "buy", "_choreography": "place", "_plain": "pay"}[shape.__name__]
    doc = json.loads(run_cli("explain", fid, root, "--format", "json").stdout)
    assert doc["coordination"]["style"] in ("orchestration", "choreography", "mixed")
    assert doc["coordination"]["evidence"]["note"]
    assert all(s["trigger"]["message"] and s["participant"] for s in doc["steps"])


# -- the EventCatalog example (the real corpus) ----------------------------------------------------------


def test_corpus_order_cancellation_is_a_choreography_without_contradicted_claims(corpus):
    sagas, findings = model(corpus)
    saga = sagas["order-cancellation"]
    assert saga.coordination == "choreography" and saga.orchestrator is None
    assert saga.coordination_evidence is not None
    assert "order-service publishes order-cancelled" in saga.coordination_evidence.note
    assert saga.outcome == {"container": "order-database", "event": "order-cancelled"}
    assert saga.outcome_evidence is not None and saga.outcome_evidence.level == "contract"
    step = saga.steps[0]
    # the branch drawn on order-service after cancel-order belongs to the step; "Handle cancellation" is routing
    assert step.failure_edges == [("Already completed", "not_cancellable")]
    assert (step.evidence["success"].level, step.success) == ("contract", "order-cancelled")
    assert step.evidence["failure"].level == "prose"
    hits = saga_hits(findings, "order-cancellation")
    assert not [h for h in hits if h[0] in ("saga/orchestrator", "saga/outcome", "saga/success-condition")]
    assert ("saga/failure-condition", "cancel_order_command", "flow order-cancellation", "warning") in hits
    assert ("saga/failure-condition", "cancel_order_command", "flow order-cancellation", "error") not in hits


def test_corpus_checkout_saga_contract_evidence(corpus):
    sagas, findings = model(corpus)
    saga = sagas["checkout-saga"]
    assert saga.coordination == "orchestration" and saga.orchestrator_id == "checkout-orchestrator"
    levels = {s.id: (s.evidence["success"].level, s.evidence["failure"].level) for s in saga.steps}
    assert levels == {"reserve_inventory": ("contract", "contract"), "authorize_payment": ("prose", "prose"),
                      "create_order": ("contract", "missing")}
    assert sagas["place-an-order"].copy_of == "checkout-saga"


def test_two_sagas_with_their_own_orchestrators_are_not_copies(tmp_path):
    """A second saga over the same participants, coordinated by another orchestrator (a store
    checkout beside the web one), is reviewed for itself: its orchestrator's contracts too."""
    root = _orchestration(tmp_path)
    write_catalog(root, dict([
        service("store-orchestrator", "ordering", sends=["reserve-stock", "charge-card"],
                receives=["stock-reserved", "stock-unavailable", "card-charged"]),  # card-declined forgotten
        flow("store-buy", [
            svc_step("start", "store-orchestrator", ("reserve", "Start")),
            msg_step("reserve", "reserve-stock", ("charge", "Reserved"), ("undo", "Out of stock")),
            msg_step("charge", "charge-card", ("done", "Charged"), ("undo", "Declined")),
            custom_step("done", "Outcome", "The order is paid."),
            custom_step("undo", "Exception", "Release the stock and stop."),
        ], **{"x-saga": {"orchestrator": "store-orchestrator"}}),
    ]))
    sagas, findings = model(root)
    assert sagas["store-buy"].orchestrator_id == "store-orchestrator" and sagas["buy"].orchestrator_id == "orchestrator"
    assert sagas["store-buy"].copy_of is None and sagas["buy"].copy_of is None
    assert sagas["store-buy"].reviewed and sagas["buy"].reviewed
    assert ("saga/orchestrator", "charge", "flow store-buy", "error") in saga_hits(findings, "store-buy")


# -- an orchestrator behind a gateway: the map draws who sends each command ----------------------------


def _behind_gateway(tmp_path: Path, oms_sends: tuple[str, ...] = ("order-created",), **extra: object) -> Path:
    """Seen on shortlink-org/architecture's Checkout: an actor, a thin gateway that sends the first
    command, the order service that receives it and is drawn (a service node right before the
    command node) sending the next one to delivery. ``oms_sends``: the order service's sends."""
    root = build(
        tmp_path, team("shop"), team("delivery"),
        service("gateway", "shop", sends=["checkout-order"]),
        service("oms", "shop", sends=list(oms_sends), receives=["checkout-order"]),
        service("delivery", "delivery", receives=["accept-order"]),
        message("command", "checkout-order"), message("command", "accept-order"), message("event", "order-created"),
        flow("checkout", [
            {"id": "customer", "title": "Customer", "actor": {"name": "Customer"}, "next_step": {"id": "gw"}},
            svc_step("gw", "gateway", ("checkout_cmd", None)),
            msg_step("checkout_cmd", "checkout-order", ("oms_svc", None)),
            svc_step("oms_svc", "oms", ("order_created", "Publish event"), ("request_delivery", "If the order ships")),
            msg_step("order_created", "order-created"),
            svc_step("request_delivery", "oms", ("accept", None)),
            msg_step("accept", "accept-order", ("deliver", None)),
            svc_step("deliver", "delivery"),
        ], **extra),
    )
    (root / "saga-lint.yaml").write_text("sagas: [checkout]\n")
    return root


def _orchestrator_messages(findings) -> list[str]:
    return sorted(f.message for f in findings if f.rule == "saga/orchestrator")


def test_the_service_drawn_sending_the_later_command_is_the_orchestrator_not_the_gateway(tmp_path):
    """The gateway's sends name every command a service sends (accept-order no service sends), but
    the map draws oms sending accept-order, and oms receives the first command (the saga's entry):
    oms is the orchestrator, as drawn (prose), and the gap is oms's sends, not the gateway's."""
    sagas, findings = model(_behind_gateway(tmp_path))
    saga = sagas["checkout"]
    assert saga.orchestrator_id == "oms" and saga.orchestrator_evidence.level == "prose"
    assert saga.orchestrator_evidence.note == (
        "the flow draws oms sending accept-order, which its sends do not name; "
        "oms receives checkout-order, the saga's entry (sent by gateway)")
    assert saga.coordination == "orchestration"
    # oms is not asked to send its own entry command, nor to receive the event it publishes
    assert _orchestrator_messages(findings) == [
        "orchestrator oms is only drawn in the flow (the flow draws oms sending accept-order, which its sends do not "
        "name; oms receives checkout-order, the saga's entry (sent by gateway)). Declare x-saga.orchestrator.",
        "step accept: the orchestrator oms does not send accept-order. Add it to oms's sends.",
    ]
    proc = run_cli("explain", "checkout", _behind_gateway(tmp_path / "again"))
    assert "Coordination: orchestration (✗ the flow draws oms sending accept-order" in proc.stdout
    assert "Orchestrator: oms" in proc.stdout


def test_the_service_that_receives_the_entry_and_sends_the_later_commands_is_the_orchestrator(tmp_path):
    """oms's sends name accept-order: it receives the saga's entry and sends every later step
    command, a contract; the gateway, drawn before the first step, sends only the entry. No finding."""
    sagas, findings = model(_behind_gateway(tmp_path, oms_sends=("order-created", "accept-order")))
    saga = sagas["checkout"]
    assert saga.orchestrator_id == "oms" and saga.orchestrator_evidence.level == "contract"
    assert saga.coordination_evidence is not None and saga.coordination_evidence.note == (
        "oms receives checkout-order, the saga's entry (sent by gateway), and sends every later step command")
    assert _orchestrator_messages(findings) == []


def test_a_declared_orchestrator_behind_a_gateway_is_the_orchestrator_whatever_the_map_draws(tmp_path):
    """x-saga names the gateway: the drawing decides nothing, and the gateway is asked to send the
    later command the map draws oms sending."""
    sagas, findings = model(_behind_gateway(tmp_path, **{"x-saga": {"orchestrator": "gateway"}}))
    saga = sagas["checkout"]
    assert saga.orchestrator_id == "gateway" and saga.orchestrator_evidence.level == "structured"
    assert "step accept: the orchestrator gateway does not send accept-order. Add it to gateway's sends." \
        in _orchestrator_messages(findings)


def test_the_orchestrator_saga_lint_fix_declares_behind_a_gateway_is_not_asked_to_send_its_entry(tmp_path):
    """``saga-lint fix`` writes the inferred oms into x-saga.orchestrator: declared, oms is still not
    asked to send the command it receives (its entry), nor to receive its own event."""
    root = _behind_gateway(tmp_path, oms_sends=("order-created", "accept-order"), **{"x-saga": {"orchestrator": "oms"}})
    sagas, findings = model(root)
    assert sagas["checkout"].orchestrator_evidence.level == "structured"
    assert _orchestrator_messages(findings) == []


def test_a_participant_drawn_before_a_command_from_outside_leaves_the_contract_orchestrator(tmp_path):
    """The orchestrator's sends name every command a service sends; the map draws a participant
    (stock) right before a command no service sends (a shopper's confirmation): stock does not send
    the other commands, so the drawing shows no other orchestrator, and the contract's stays."""
    root = _orchestration(tmp_path)
    write_catalog(root, dict([
        message("command", "confirm-order"),
        service("payments", "payments", sends=["card-charged", "card-declined"],
                receives=[("charge-card", [("card-charged", "When the bank accepts"),
                                           ("card-declined", "When the bank declines")]), "confirm-order"]),
        flow("buy", [
            svc_step("start", "orchestrator", ("reserve", "Start")),
            msg_step("reserve", "reserve-stock", ("stock_svc", "Reserved"), ("undo", "Out of stock")),
            svc_step("stock_svc", "stock", ("confirm", None)),
            msg_step("confirm", "confirm-order", ("charge", None)),
            msg_step("charge", "charge-card", ("done", "Charged"), ("undo", "Declined")),
            custom_step("done", "Outcome", "The order is paid."),
            custom_step("undo", "Exception", "Release the stock and stop."),
        ]),
    ]))
    sagas, _findings = model(root)
    saga = sagas["buy"]
    assert saga.orchestrator_id == "orchestrator" and saga.orchestrator_evidence.level == "contract"
    assert saga.orchestrator_evidence.note == (
        "orchestrator sends every step command that a service sends (confirm-order comes from outside the catalog's "
        "services)")
